package swiftfs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/ncw/swift/v2"

	"zebra/mapreduce"
)

// ObjectInfo describes one version of an object, as a HEAD through the
// proxy reports it.
type ObjectInfo struct {
	// Name is the FS name, "/container/object".
	Name string
	Size int64
	// ContentType is the object's Content-Type.
	ContentType string
	// ETag is the quoted ETag ("" for a large object manifest, whose
	// ETag is not that of its bytes).
	ETag string
	// Meta holds the X-Object-Meta-* headers, keyed by the rest of the
	// name in canonical form (X-Object-Meta-Content-Type: "Content-Type").
	Meta map[string]string
	// Timestamp is the object's X-Timestamp (when it was written).
	Timestamp string
}

// Account returns the account the FS reads and writes (e.g. AUTH_test),
// logging in first if needed.
func (f *FS) Account(ctx context.Context) (string, error) {
	a, err := f.accountName(ctx)
	if err != nil {
		return "", f.fail("account", "/", err)
	}
	return a, nil
}

// Head HEADs the object name through the proxy with the FS's credentials,
// so Swift's own access rules decide (a 401 or 403 is a Permission error,
// a missing object a NotExist one). It asks one replica, not every one
// (no X-Newest).
func (f *FS) Head(ctx context.Context, name string) (ObjectInfo, error) {
	name = clean(name)
	if _, object := split(name); object == "" {
		return ObjectInfo{}, mapreduce.E("head", mapreduce.Invalid, f.URI(name), errors.New("swift: a container is not an object"))
	}
	h, err := f.headObject(ctx, "head", name, false)
	if statusOf(err) == http.StatusNotFound {
		return ObjectInfo{}, f.notExist(ctx, "head", name)
	}
	if err != nil {
		return ObjectInfo{}, f.fail("head", name, err)
	}
	info := ObjectInfo{Name: name, ContentType: h["Content-Type"], Meta: map[string]string{}, Timestamp: h["X-Timestamp"]}
	info.Size, _ = strconv.ParseInt(h["Content-Length"], 10, 64)
	if !isManifest(h) {
		info.ETag = etagOf(h["Etag"])
	}
	for k, v := range h {
		if rest, ok := cutPrefixFold(k, "X-Object-Meta-"); ok {
			info.Meta[http.CanonicalHeaderKey(rest)] = v
		}
	}
	return info, nil
}

// OpenVersion reads the version of an object that info (from Head)
// describes: from the local replica (Config.LocalNode) when it holds that
// version, else through the proxy, If-Match its ETag; direct reports which.
// A large object manifest is always read through the proxy.
func (f *FS) OpenVersion(ctx context.Context, info ObjectInfo) (rc io.ReadCloser, direct bool, err error) {
	if f.localNode != "" && info.ETag != "" {
		r, derr := f.openLocal(ctx, info.Name, info.ETag)
		if derr == nil {
			f.stats.DirectReads.Add(1)
			return r, true, nil
		}
		f.stats.Fallbacks.Add(1)
		f.log.Debug("swift: direct read not possible, reading through the proxy", "path", f.URI(info.Name), "node", f.localNode, "reason", derr)
	}
	container, object := split(info.Name)
	h := swift.Headers{}
	if info.ETag != "" {
		h["If-Match"] = info.ETag
	}
	resp, _, err := f.do(ctx, "open", info.Name, swift.RequestOpts{Container: container, ObjectName: object, Operation: "GET", Headers: h})
	switch {
	case statusOf(err) == http.StatusNotFound:
		return nil, false, f.notExist(ctx, "open", info.Name)
	case statusOf(err) == http.StatusPreconditionFailed:
		return nil, false, mapreduce.E("open", mapreduce.Transient, f.URI(info.Name), fmt.Errorf("swift: the object changed since it was HEADed (its ETag is no longer %s): %w", info.ETag, err))
	case err != nil:
		return nil, false, f.fail("open", info.Name, err)
	}
	f.stats.ProxyReads.Add(1)
	return resp.Body, false, nil
}

// OpenLocal GETs name from the local object server (Config.LocalNode),
// if it holds a primary replica, whatever its version, and returns the
// replica's quoted ETag. It bypasses Swift's authorization: a caller must
// check that its credentials may read the object (Head) and that the ETags
// match before it uses the bytes.
func (f *FS) OpenLocal(ctx context.Context, name string) (rc io.ReadCloser, etag string, err error) {
	if f.localNode == "" {
		return nil, "", errors.New("no local object server")
	}
	rc, err = f.openLocal(ctx, clean(name), "")
	if err != nil {
		return nil, "", err
	}
	return rc, rc.(*localBody).etag, nil
}

// localBody is a local replica's body and ETag.
type localBody struct {
	io.ReadCloser
	etag string
}

// openLocal GETs name from the local object server if it holds a primary
// replica whose ETag is etag (any version if etag is "").
func (f *FS) openLocal(ctx context.Context, name, etag string) (io.ReadCloser, error) {
	reps, err := f.Replicas(ctx, name)
	if err != nil {
		return nil, err
	}
	local, err := f.localReplica(reps)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, local.URL, nil)
	if err != nil {
		return nil, err
	}
	for k, v := range local.Headers {
		req.Header.Set(k, v)
	}
	if etag != "" {
		req.Header.Set("If-Match", etag)
	}
	resp, err := f.http.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		return nil, &statusError{code: resp.StatusCode, url: local.URL}
	}
	got := etagOf(resp.Header.Get("Etag"))
	if etag != "" && !strings.EqualFold(got, etag) {
		resp.Body.Close()
		return nil, fmt.Errorf("the local replica's ETag is %s, not %s", got, etag)
	}
	return &localBody{ReadCloser: resp.Body, etag: got}, nil
}
