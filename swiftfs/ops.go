package swiftfs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ncw/swift/v2"

	"zebra/mapreduce"
)

// dirType is the Content-Type of directory marker objects.
const dirType = "application/directory"

// call makes one request to the account's storage URL, logging in first if
// needed (and again on a 401). It does not retry; see do.
func (f *FS) call(ctx context.Context, opts swift.RequestOpts) (*http.Response, swift.Headers, error) {
	u, err := f.storageURL(ctx)
	if err != nil {
		return nil, nil, err
	}
	opts.OnReAuth = func() (string, error) {
		// Called with the connection's lock held: read the field directly.
		if f.account != "" {
			return withAccount(f.conn.StorageUrl, f.account), nil
		}
		return f.conn.StorageUrl, nil
	}
	return f.conn.Call(ctx, u, opts)
}

// do is call with retries, for requests without a body to rewind.
func (f *FS) do(ctx context.Context, op, name string, opts swift.RequestOpts) (*http.Response, swift.Headers, error) {
	var (
		resp *http.Response
		h    swift.Headers
	)
	err := f.retry(ctx, op, name, func() error {
		var err error
		resp, h, err = f.call(ctx, opts)
		return err
	})
	return resp, h, err
}

// headObject HEADs an object (with X-Newest when newest: the proxy asks
// every replica).
func (f *FS) headObject(ctx context.Context, op, name string, newest bool) (swift.Headers, error) {
	container, object := split(name)
	opts := swift.RequestOpts{Container: container, ObjectName: object, Operation: "HEAD", NoResponse: true}
	if newest {
		opts.Headers = swift.Headers{"X-Newest": "true"}
	}
	_, h, err := f.do(ctx, op, name, opts)
	return h, err
}

// infoOf makes the FileInfo of an object from its HEAD headers.
func infoOf(name string, h swift.Headers) mapreduce.FileInfo {
	size, _ := strconv.ParseInt(h["Content-Length"], 10, 64)
	mod, _ := http.ParseTime(h["Last-Modified"])
	return mapreduce.FileInfo{Path: name, Size: size, ModTime: mod, IsDir: isDirType(h["Content-Type"], size)}
}

func isDirType(contentType string, size int64) bool {
	ct, _, _ := strings.Cut(contentType, ";")
	return size == 0 && strings.TrimSpace(ct) == dirType
}

// containerExists HEADs a container (remembering the ones that exist).
func (f *FS) containerExists(ctx context.Context, container string) (bool, error) {
	f.mu.Lock()
	known := f.containers[container]
	f.mu.Unlock()
	if known {
		return true, nil
	}
	_, _, err := f.do(ctx, "stat container", "/"+container, swift.RequestOpts{Container: container, Operation: "HEAD", NoResponse: true})
	if statusOf(err) == http.StatusNotFound {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	f.setContainer(container, true)
	return true, nil
}

func (f *FS) setContainer(container string, exists bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if exists {
		f.containers[container] = true
	} else {
		delete(f.containers, container)
	}
}

// ensureContainer creates container unless it exists.
func (f *FS) ensureContainer(ctx context.Context, container string) error {
	if ok, err := f.containerExists(ctx, container); err != nil || ok {
		return err
	}
	_, _, err := f.do(ctx, "create container", "/"+container, swift.RequestOpts{Container: container, Operation: "PUT", NoResponse: true,
		Headers: swift.Headers{"Content-Length": "0"}})
	if err != nil {
		return err
	}
	f.setContainer(container, true)
	return nil
}

// listEntry is one item of a JSON container listing: an object, or with a
// delimiter a "subdir" prefix.
type listEntry struct {
	Name         string `json:"name"`
	Subdir       string `json:"subdir"`
	Bytes        int64  `json:"bytes"`
	ContentType  string `json:"content_type"`
	LastModified string `json:"last_modified"`
	SLOEtag      string `json:"slo_etag"`
}

func (e listEntry) modTime() time.Time {
	t, _ := time.Parse("2006-01-02T15:04:05.999999", strings.TrimSuffix(e.LastModified, "Z"))
	return t
}

const listLimit = 10000

// list calls fn for every object of container whose name starts with
// prefix, in listing order, page by page; with delim, deeper names are
// rolled up into subdir entries.
func (f *FS) list(ctx context.Context, op, name, container, prefix string, delim bool, fn func(listEntry)) error {
	marker := ""
	for {
		v := url.Values{"format": {"json"}, "limit": {strconv.Itoa(listLimit)}}
		if prefix != "" {
			v.Set("prefix", prefix)
		}
		if delim {
			v.Set("delimiter", "/")
		}
		if marker != "" {
			v.Set("marker", marker)
		}
		var page []listEntry
		err := f.retry(ctx, op, name, func() error {
			resp, _, err := f.call(ctx, swift.RequestOpts{Container: container, Operation: "GET", Parameters: v})
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			page = nil
			return json.NewDecoder(resp.Body).Decode(&page)
		})
		if err != nil {
			return err
		}
		for _, e := range page {
			fn(e)
		}
		if len(page) < listLimit {
			return nil
		}
		last := page[len(page)-1]
		marker = last.Name
		if last.Subdir != "" {
			marker = last.Subdir
		}
	}
}

// Stat implements mapreduce.FS. An object is a file (or a directory if it
// is a zero-byte application/directory object); a name that is no object
// but a prefix of some ("name/...") is a directory; a container is a
// directory.
func (f *FS) Stat(ctx context.Context, name string) (mapreduce.FileInfo, error) {
	name = clean(name)
	container, object := split(name)
	if container == "" {
		return mapreduce.FileInfo{Path: "/", IsDir: true}, nil
	}
	if object == "" {
		ok, err := f.containerExists(ctx, container)
		if err != nil {
			return mapreduce.FileInfo{}, f.fail("stat", name, err)
		}
		if !ok {
			return mapreduce.FileInfo{}, f.notExist(ctx, "stat", name)
		}
		return mapreduce.FileInfo{Path: name, IsDir: true}, nil
	}
	h, err := f.headObject(ctx, "stat", name, false)
	if err == nil {
		return infoOf(name, h), nil
	}
	if statusOf(err) != http.StatusNotFound {
		return mapreduce.FileInfo{}, f.fail("stat", name, err)
	}
	found, err := f.hasPrefix(ctx, "stat", name)
	if statusOf(err) == http.StatusNotFound || (err == nil && !found) {
		return mapreduce.FileInfo{}, f.notExist(ctx, "stat", name)
	}
	if err != nil {
		return mapreduce.FileInfo{}, f.fail("stat", name, err)
	}
	return mapreduce.FileInfo{Path: name, IsDir: true}, nil
}

// List implements mapreduce.FS: the direct children of dir (objects and
// sub-prefixes) in Swift's listing order; of "/", the containers. The
// directory's own marker object is not listed. Zero-byte objects are
// HEADed for their real size, since a DLO manifest lists as 0 bytes.
func (f *FS) List(ctx context.Context, dir string) ([]mapreduce.FileInfo, error) {
	name := clean(dir)
	container, object := split(name)
	if container == "" {
		return f.listContainers(ctx)
	}
	prefix := ""
	if object != "" {
		prefix = object + "/"
	}
	var (
		out    []mapreduce.FileInfo
		marker bool
		empty  []int
	)
	err := f.list(ctx, "list", name, container, prefix, true, func(e listEntry) {
		switch {
		case e.Subdir != "":
			out = append(out, mapreduce.FileInfo{Path: "/" + container + "/" + strings.TrimSuffix(e.Subdir, "/"), IsDir: true})
		case e.Name == prefix:
			marker = true
		default:
			if e.Bytes == 0 && !isDirType(e.ContentType, 0) {
				empty = append(empty, len(out))
			}
			out = append(out, mapreduce.FileInfo{Path: "/" + container + "/" + e.Name, Size: e.Bytes, ModTime: e.modTime(), IsDir: isDirType(e.ContentType, e.Bytes)})
		}
	})
	if statusOf(err) == http.StatusNotFound {
		return nil, f.notExist(ctx, "list", name)
	}
	if err != nil {
		return nil, f.fail("list", name, err)
	}
	if len(out) == 0 && !marker && object != "" {
		fi, err := f.Stat(ctx, name)
		if err != nil {
			return nil, err
		}
		if !fi.IsDir {
			return nil, mapreduce.E("list", mapreduce.Invalid, f.URI(name), errors.New("swift: not a directory (an object, not a prefix)"))
		}
	}
	err = parallel(ctx, len(empty), func(i int) error {
		fi := &out[empty[i]]
		h, err := f.headObject(ctx, "list", fi.Path, false)
		if statusOf(err) == http.StatusNotFound {
			return nil // deleted meanwhile; keep the listing's answer
		}
		if err != nil {
			return f.fail("list", fi.Path, err)
		}
		*fi = infoOf(fi.Path, h)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (f *FS) listContainers(ctx context.Context) ([]mapreduce.FileInfo, error) {
	var out []mapreduce.FileInfo
	marker := ""
	for {
		v := url.Values{"format": {"json"}, "limit": {strconv.Itoa(listLimit)}}
		if marker != "" {
			v.Set("marker", marker)
		}
		var page []struct {
			Name string `json:"name"`
		}
		err := f.retry(ctx, "list", "/", func() error {
			resp, _, err := f.call(ctx, swift.RequestOpts{Operation: "GET", Parameters: v})
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			page = nil
			if resp.StatusCode == http.StatusNoContent {
				return nil
			}
			return json.NewDecoder(resp.Body).Decode(&page)
		})
		if err != nil {
			return nil, f.fail("list", "/", err)
		}
		for _, c := range page {
			out = append(out, mapreduce.FileInfo{Path: "/" + c.Name, IsDir: true})
		}
		if len(page) < listLimit {
			return out, nil
		}
		marker = page[len(page)-1].Name
	}
}

// checkFree checks, with concurrent requests, that a file may be created
// as name: no object and no directory of that name, and no object (file)
// named like one of its parents.
func (f *FS) checkFree(ctx context.Context, op, name string) error {
	container, object := split(name)
	var parents []string
	for p := object; strings.Contains(p, "/"); {
		p = p[:strings.LastIndexByte(p, '/')]
		parents = append(parents, p)
	}
	problems := make([]error, len(parents)+2)
	parallel(ctx, len(parents)+2, func(i int) error {
		switch i {
		case 0:
			if _, err := f.headObject(ctx, op, name, false); err == nil {
				problems[i] = mapreduce.E(op, mapreduce.Exist, f.URI(name), fmt.Errorf("swift: %s already exists: %w", f.URI(name), fs.ErrExist))
			} else if statusOf(err) != http.StatusNotFound {
				problems[i] = f.fail(op, name, err)
			}
		case 1:
			found, err := f.hasPrefix(ctx, op, name)
			if err != nil && statusOf(err) != http.StatusNotFound {
				problems[i] = f.fail(op, name, err)
			} else if found {
				problems[i] = mapreduce.E(op, mapreduce.Exist, f.URI(name), fmt.Errorf("swift: %s already exists as a directory: %w", f.URI(name), fs.ErrExist))
			}
		default:
			p := "/" + container + "/" + parents[i-2]
			h, err := f.headObject(ctx, op, p, false)
			if err == nil && !infoOf(p, h).IsDir {
				problems[i] = mapreduce.E(op, mapreduce.Invalid, f.URI(name), fmt.Errorf("swift: parent %s is a file, not a directory", f.URI(p)))
			} else if err != nil && statusOf(err) != http.StatusNotFound {
				problems[i] = f.fail(op, p, err)
			}
		}
		return nil
	})
	if err := ctx.Err(); err != nil {
		return f.fail(op, name, err)
	}
	for _, err := range problems {
		if err != nil {
			return err
		}
	}
	return nil
}

// hasPrefix reports whether some object's name starts with name + "/".
func (f *FS) hasPrefix(ctx context.Context, op, name string) (bool, error) {
	container, object := split(name)
	found := false
	err := f.retry(ctx, op, name, func() error {
		v := url.Values{"format": {"json"}, "limit": {"1"}, "prefix": {object + "/"}}
		resp, _, err := f.call(ctx, swift.RequestOpts{Container: container, Operation: "GET", Parameters: v})
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		var page []listEntry
		if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
			return err
		}
		found = len(page) > 0
		return nil
	})
	return found, err
}

// MkdirAll implements mapreduce.FS: it creates the container if needed
// and a marker object "p/" for dir and every parent p below the container.
func (f *FS) MkdirAll(ctx context.Context, dir string) error {
	name := clean(dir)
	container, object := split(name)
	if container == "" {
		return nil
	}
	if err := f.ensureContainer(ctx, container); err != nil {
		return f.fail("mkdir", name, err)
	}
	if object == "" {
		return nil
	}
	parts := strings.Split(object, "/")
	files := make([]string, len(parts))
	err := parallel(ctx, len(parts), func(i int) error {
		p := "/" + container + "/" + strings.Join(parts[:i+1], "/")
		h, err := f.headObject(ctx, "mkdir", p, false)
		if err == nil && !infoOf(p, h).IsDir {
			files[i] = p
		} else if err != nil && statusOf(err) != http.StatusNotFound {
			return f.fail("mkdir", p, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, p := range files {
		if p != "" {
			return mapreduce.E("mkdir", mapreduce.Invalid, f.URI(name), fmt.Errorf("swift: %s is a file, not a directory", f.URI(p)))
		}
	}
	for i := range parts {
		marker := strings.Join(parts[:i+1], "/") + "/"
		_, _, err := f.do(ctx, "mkdir", name, swift.RequestOpts{Container: container, ObjectName: marker, Operation: "PUT", NoResponse: true,
			Headers: swift.Headers{"Content-Length": "0", "Content-Type": dirType, "If-None-Match": "*"}})
		if err != nil && statusOf(err) != http.StatusPreconditionFailed {
			return f.fail("mkdir", name, err)
		}
	}
	return nil
}

// Rename implements mapreduce.FS: a server-side copy, then a delete of the
// source; for a directory, every object under it (all copies first, then
// the deletes). It fails with fs.ErrExist if to exists. Swift cannot copy
// conditionally (If-None-Match applies to the copy's source), so a rename
// racing with a writer of to may overwrite it; the Committer never does that.
// Renaming within one container or across containers of the account works;
// renaming a container does not.
func (f *FS) Rename(ctx context.Context, from, to string) error {
	from, to = clean(from), clean(to)
	fc, fo := split(from)
	tc, tob := split(to)
	if fo == "" || tob == "" {
		return mapreduce.E("rename", mapreduce.Invalid, f.URI(from), errors.New("swift: cannot rename a container or to a container"))
	}
	if _, err := f.Stat(ctx, to); err == nil {
		return mapreduce.E("rename", mapreduce.Exist, f.URI(to), fmt.Errorf("swift: rename %s: destination %s already exists: %w", f.URI(from), f.URI(to), fs.ErrExist))
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := f.ensureContainer(ctx, tc); err != nil {
		return f.fail("rename", to, err)
	}
	_, err := f.headObject(ctx, "rename", from, false)
	if err == nil {
		if err := f.copyObject(ctx, fc, fo, tc, tob); err != nil {
			return f.fail("rename", from, err)
		}
		if err := f.deleteObjects(ctx, fc, []string{fo}); err != nil {
			return f.fail("rename", from, err)
		}
		return nil
	}
	if statusOf(err) != http.StatusNotFound {
		return f.fail("rename", from, err)
	}
	var names []string
	err = f.list(ctx, "rename", from, fc, fo+"/", false, func(e listEntry) { names = append(names, e.Name) })
	if err != nil && statusOf(err) != http.StatusNotFound {
		return f.fail("rename", from, err)
	}
	if len(names) == 0 {
		return f.notExist(ctx, "rename", from)
	}
	err = parallel(ctx, len(names), func(i int) error {
		dst := tob + strings.TrimPrefix(names[i], fo)
		if err := f.copyObject(ctx, fc, names[i], tc, dst); err != nil {
			return f.fail("rename", "/"+fc+"/"+names[i], err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := f.deleteObjects(ctx, fc, names); err != nil {
		return f.fail("rename", from, err)
	}
	return nil
}

// copyObject copies an object server-side. With multipart-manifest=get a
// large object's manifest is copied, not its concatenated data.
func (f *FS) copyObject(ctx context.Context, fc, fo, tc, to string) error {
	src := (&url.URL{Path: "/" + fc + "/" + fo}).EscapedPath()
	_, _, err := f.do(ctx, "copy", "/"+fc+"/"+fo, swift.RequestOpts{Container: tc, ObjectName: to, Operation: "PUT", NoResponse: true,
		Parameters: url.Values{"multipart-manifest": {"get"}},
		Headers:    swift.Headers{"Content-Length": "0", "X-Copy-From": src}})
	return err
}

// RemoveAll implements mapreduce.FS: it deletes the object name and every
// object under the prefix name/; of a container, every object and then
// the container. Absent is fine.
func (f *FS) RemoveAll(ctx context.Context, name string) error {
	name = clean(name)
	container, object := split(name)
	if container == "" {
		return mapreduce.E("remove", mapreduce.Invalid, f.URI(name), errors.New("swift: refusing to remove every container of the account"))
	}
	if object == "" {
		return f.removeContainer(ctx, container)
	}
	names := []string{object}
	err := f.list(ctx, "remove", name, container, object+"/", false, func(e listEntry) { names = append(names, e.Name) })
	if statusOf(err) == http.StatusNotFound {
		f.setContainer(container, false)
		return nil
	}
	if err == nil {
		err = f.deleteObjects(ctx, container, names)
	}
	if err != nil {
		return f.fail("remove", name, err)
	}
	return nil
}

// removeContainer deletes every object of container, then the container.
// A listing comes from one container replica, and one that missed an update
// may omit objects: while the DELETE answers 409 (not empty), list and
// delete again, for up to about half a minute.
func (f *FS) removeContainer(ctx context.Context, container string) error {
	name := "/" + container
	f.setContainer(container, false)
	err := f.retryN(ctx, max(f.retries, 10), "remove", name, func() error {
		var names []string
		err := f.list(ctx, "remove", name, container, "", false, func(e listEntry) { names = append(names, e.Name) })
		if err != nil {
			return err
		}
		if err := f.deleteObjects(ctx, container, names); err != nil {
			return err
		}
		_, _, err = f.call(ctx, swift.RequestOpts{Container: container, Operation: "DELETE", NoResponse: true})
		if statusOf(err) == http.StatusConflict {
			return &swift.Error{StatusCode: 503, Text: "container not empty yet"}
		}
		return err
	})
	if err != nil && statusOf(err) != http.StatusNotFound {
		return f.fail("remove", name, err)
	}
	f.setContainer(container, false)
	return nil
}

// deleteObjects deletes objects of container (absent ones are fine), with
// bulk delete when the proxy offers it.
func (f *FS) deleteObjects(ctx context.Context, container string, objects []string) error {
	if len(objects) == 0 {
		return nil
	}
	f.bulkOnce.Do(func() {
		info, err := f.conn.QueryInfo(ctx)
		f.bulk = err == nil && info.SupportsBulkDelete()
	})
	if f.bulk && len(objects) > 1 {
		for len(objects) > 0 {
			n := min(len(objects), 1000)
			if err := f.bulkDelete(ctx, container, objects[:n]); err != nil {
				return err
			}
			objects = objects[n:]
		}
		return nil
	}
	return parallel(ctx, len(objects), func(i int) error {
		_, _, err := f.do(ctx, "remove", "/"+container+"/"+objects[i], swift.RequestOpts{Container: container, ObjectName: objects[i], Operation: "DELETE", NoResponse: true})
		if statusOf(err) == http.StatusNotFound {
			return nil
		}
		return err
	})
}

func (f *FS) bulkDelete(ctx context.Context, container string, objects []string) error {
	var body strings.Builder
	for _, o := range objects {
		body.WriteString((&url.URL{Path: "/" + container + "/" + o}).EscapedPath())
		body.WriteByte('\n')
	}
	return f.retry(ctx, "remove", "/"+container, func() error {
		resp, _, err := f.call(ctx, swift.RequestOpts{Operation: "DELETE", Parameters: url.Values{"bulk-delete": {"1"}},
			Body: strings.NewReader(body.String()),
			Headers: swift.Headers{"Accept": "application/json", "Content-Type": "text/plain",
				"Content-Length": strconv.Itoa(body.Len())}})
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		var r struct {
			Status string     `json:"Response Status"`
			Errors [][]string `json:"Errors"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
			return err
		}
		code, _, _ := strings.Cut(r.Status, " ")
		n, _ := strconv.Atoi(code)
		if n/100 == 2 {
			return nil
		}
		msg := r.Status
		if len(r.Errors) > 0 {
			msg = fmt.Sprintf("%s (%s: %s, and %d more)", r.Status, r.Errors[0][0], strings.Join(r.Errors[0][1:], " "), len(r.Errors)-1)
		}
		return &swift.Error{StatusCode: n, Text: "bulk delete: " + msg}
	})
}

// parallel runs fn(0..n-1) on up to 8 goroutines and returns the errors,
// joined; it stops starting new calls after the first error.
func parallel(ctx context.Context, n int, fn func(i int) error) error {
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
		sem  = make(chan struct{}, 8)
	)
	for i := 0; i < n; i++ {
		mu.Lock()
		stop := len(errs) > 0
		mu.Unlock()
		if stop || ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := fn(i); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(errs) == 0 && ctx.Err() != nil {
		return ctx.Err()
	}
	return errors.Join(errs...)
}
