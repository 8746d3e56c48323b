package swiftfs

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/ncw/swift/v2"

	"zebra/mapreduce"
)

// Open implements mapreduce.FS: a GET from byte off to the end, streamed.
// With Config.LocalNode it first tries the local replica (see the package
// documentation). An offset at or past the end yields an empty reader.
func (f *FS) Open(ctx context.Context, name string, off int64) (io.ReadCloser, error) {
	return f.open(ctx, name, off, 0)
}

// OpenRange implements mapreduce.RangeOpener: Open, but the first GET asks
// for bytes [off, off+n) only (a Range request), and what is read beyond
// them is fetched by further ranged GETs of the same version (If-Match its
// ETag), the first of tailFirst bytes, each next one twice as long up to
// tailMax, so that a split's reader finishing its last line costs about
// that line. n <= 0 is Open.
func (f *FS) OpenRange(ctx context.Context, name string, off, n int64) (io.ReadCloser, error) {
	if n <= 0 {
		return f.Open(ctx, name, off)
	}
	return f.open(ctx, name, off, off+n)
}

// Sizes of the ranged GETs that read past a split's range.
const (
	tailFirst = 16 << 10
	tailMax   = 1 << 20
)

// open reads name from off, to end first (all of it if end is 0).
func (f *FS) open(ctx context.Context, name string, off, end int64) (io.ReadCloser, error) {
	name = clean(name)
	if _, object := split(name); object == "" {
		return nil, mapreduce.E("open", mapreduce.Invalid, f.URI(name), errors.New("swift: a container is not an object"))
	}
	if f.localNode != "" {
		r, err := f.openDirect(ctx, name, off, end)
		if err == nil {
			f.stats.DirectReads.Add(1)
			return r, nil
		}
		f.stats.Fallbacks.Add(1)
		f.log.Debug("swift: direct read not possible, reading through the proxy", "path", f.URI(name), "node", f.localNode, "reason", err)
	}
	r, err := f.openProxy(ctx, name, off, end, "")
	if err != nil {
		return nil, err
	}
	f.stats.ProxyReads.Add(1)
	return r, nil
}

// rangeHeader is the Range header for bytes [off, end), end 0 meaning to
// the end of the object; "" for the whole object.
func rangeHeader(off, end int64) string {
	switch {
	case end > 0:
		return "bytes=" + strconv.FormatInt(off, 10) + "-" + strconv.FormatInt(end-1, 10)
	case off > 0:
		return "bytes=" + strconv.FormatInt(off, 10) + "-"
	}
	return ""
}

// objectSize is the object's size from a Content-Range header ("bytes
// 0-99/1234"), -1 if there is none.
func objectSize(contentRange string) int64 {
	_, total, ok := strings.Cut(contentRange, "/")
	if !ok {
		return -1
	}
	n, err := strconv.ParseInt(total, 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// emptyReader is the reader of a range past the end of the object.
func (f *FS) emptyReader(ctx context.Context, name string, off int64, direct bool) *reader {
	return &reader{f: f, ctx: ctx, name: name, off: off, size: -1, direct: direct, body: io.NopCloser(strings.NewReader(""))}
}

// openProxy GETs the newest version of name through the proxy from off, to
// end if it is not 0; a non-empty etag must match (If-Match), so a resumed
// read never mixes two versions.
//
// Without an etag it first asks for the newest version's ETag (a HEAD with
// X-Newest: the proxy HEADs every replica, so one that missed an overwrite
// while its server was down is never read) and GETs that version with
// If-Match. A GET with X-Newest would instead GET every replica, each
// object server pushing its body until the network's buffers fill, and the
// proxy would drop all but one: up to a few MB per replica read and thrown
// away. With If-Match and no X-Newest the proxy GETs one replica and goes
// on to the next only if it lacks that version (404, or 412 from a stale
// one). Manifests (SLO, DLO), whose segments the proxy follows, and an
// object overwritten between the HEAD and the GET are read with X-Newest.
func (f *FS) openProxy(ctx context.Context, name string, off, end int64, etag string) (*reader, error) {
	if etag == "" {
		h, err := f.headObject(ctx, "open", name, true)
		switch {
		case statusOf(err) == http.StatusNotFound:
			return nil, f.notExist(ctx, "open", name)
		case err != nil:
			return nil, f.fail("open", name, err)
		}
		if v := etagOf(h["Etag"]); v != "" && !isManifest(h) {
			r, err := f.getProxy(ctx, name, off, end, v, false)
			if statusOf(err) != http.StatusPreconditionFailed {
				return r, err
			}
			f.log.Debug("swift: the object changed between HEAD and GET, reading the newest version", "path", f.URI(name))
		}
		return f.getProxy(ctx, name, off, end, "", true)
	}
	r, err := f.getProxy(ctx, name, off, end, etag, false)
	if statusOf(err) == http.StatusPreconditionFailed {
		return nil, mapreduce.E("open", mapreduce.Other, f.URI(name), fmt.Errorf("swift: the object changed while it was read (its ETag is no longer %s): %w", etag, err))
	}
	return r, err
}

// getProxy GETs name through the proxy from off, to end if it is not 0,
// with If-Match etag if it is not empty and X-Newest if newest. A 412 is
// returned as it came (statusOf tells it), other errors as the FS's.
func (f *FS) getProxy(ctx context.Context, name string, off, end int64, etag string, newest bool) (*reader, error) {
	container, object := split(name)
	h := swift.Headers{}
	if newest {
		h["X-Newest"] = "true"
	}
	if rh := rangeHeader(off, end); rh != "" {
		h["Range"] = rh
	}
	if etag != "" {
		h["If-Match"] = etag
	}
	resp, rh, err := f.do(ctx, "open", name, swift.RequestOpts{Container: container, ObjectName: object, Operation: "GET", Headers: h})
	switch {
	case statusOf(err) == http.StatusRequestedRangeNotSatisfiable:
		return f.emptyReader(ctx, name, off, false), nil
	case statusOf(err) == http.StatusNotFound:
		return nil, f.notExist(ctx, "open", name)
	case statusOf(err) == http.StatusPreconditionFailed && etag != "":
		return nil, err
	case err != nil:
		return nil, f.fail("open", name, err)
	}
	r := &reader{f: f, ctx: ctx, name: name, off: off, end: end, size: objectSize(rh["Content-Range"]), body: resp.Body}
	if !isManifest(rh) {
		r.etag = etagOf(rh["Etag"])
	}
	if etag != "" {
		r.etag = etag
	}
	return r, nil
}

func isManifest(h swift.Headers) bool {
	return h["X-Static-Large-Object"] != "" || h["X-Object-Manifest"] != ""
}

// etagOf quotes an ETag value for If-Match (ncw/swift strips the quotes).
func etagOf(v string) string {
	if v == "" {
		return ""
	}
	return `"` + strings.Trim(v, `"`) + `"`
}

// reader streams an object and resumes through the proxy, at the offset it
// reached, when the stream breaks. A reader opened for a range [off, end)
// reads on past end in further ranged GETs (see OpenRange).
type reader struct {
	f       *FS
	ctx     context.Context
	name    string
	off     int64
	end     int64 // end of the range the body holds; 0: to the end of the object
	size    int64 // the object's size if a Content-Range gave it, else -1
	tail    int64 // size of the next ranged GET past end
	etag    string
	direct  bool
	url     string            // direct: the object server's URL
	headers map[string]string // direct: its request headers
	body    io.ReadCloser
	resumes int
	err     error // sticky: a read that could not be resumed
	closed  bool
}

func (r *reader) Read(p []byte) (int, error) {
	if r.closed {
		return 0, fs.ErrClosed
	}
	if r.err != nil {
		return 0, r.err
	}
	for {
		n, err := r.body.Read(p)
		r.off += int64(n)
		if r.direct {
			r.f.stats.DirectBytes.Add(int64(n))
		} else {
			r.f.stats.ProxyBytes.Add(int64(n))
		}
		if err != nil && r.end > 0 && r.off >= r.end {
			// The range is read (a stream that broke after its last byte
			// as well): the object may go on.
			if n > 0 {
				return n, nil
			}
			if err := r.next(); err != nil {
				r.err = err
				return 0, err
			}
			continue
		}
		if err == nil || err == io.EOF {
			return n, err
		}
		if n > 0 {
			return n, nil // a broken stream fails again on the next Read
		}
		if r.ctx.Err() != nil || r.resumes >= r.f.retries {
			r.err = r.f.fail("read", r.name, err)
			return 0, r.err
		}
		r.resumes++
		r.f.stats.Resumes.Add(1)
		r.f.log.Warn("swift: read broke, resuming through the proxy", "path", r.f.URI(r.name), "offset", r.off, "err", err)
		r.body.Close()
		nr, oerr := r.f.openProxy(r.ctx, r.name, r.off, r.end, r.etag)
		if oerr != nil {
			r.body = io.NopCloser(strings.NewReader(""))
			r.err = fmt.Errorf("resume a broken read (%v): %w", err, oerr)
			return 0, r.err
		}
		r.body, r.direct = nr.body, false
	}
}

// next opens the next range past the one read: the object's end, if known
// and reached, makes the reader end (r.end 0, an empty body).
func (r *reader) next() error {
	r.body.Close()
	if r.size >= 0 && r.off >= r.size {
		r.body, r.end = io.NopCloser(strings.NewReader("")), 0
		return nil
	}
	r.tail = min(max(2*r.tail, tailFirst), tailMax)
	end := r.off + r.tail
	r.f.stats.TailReads.Add(1)
	if r.direct {
		nr, err := r.f.getDirect(r.ctx, r.name, r.url, r.headers, r.off, end, r.etag)
		if err == nil {
			r.body, r.end, r.size = nr.body, nr.end, nr.size
			return nil
		}
		r.f.log.Debug("swift: direct read past the range failed, reading through the proxy", "path", r.f.URI(r.name), "offset", r.off, "err", err)
	}
	nr, err := r.f.openProxy(r.ctx, r.name, r.off, end, r.etag)
	if err != nil {
		r.body = io.NopCloser(strings.NewReader(""))
		return fmt.Errorf("read on past the range at %d: %w", r.off, err)
	}
	r.body, r.end, r.size, r.direct = nr.body, nr.end, nr.size, false
	return nil
}

func (r *reader) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	return r.body.Close()
}

// memLimit is how much of a file being written stays in memory before it
// is spilled to a temporary file.
const memLimit = 8 << 20

// Create implements mapreduce.FS. The object is uploaded by Close with one
// PUT with If-None-Match: *, so it appears whole or not at all and never
// replaces an object that exists. The container is created if needed.
func (f *FS) Create(ctx context.Context, name string) (io.WriteCloser, error) {
	return f.CreateAttrs(ctx, name, mapreduce.Attrs{})
}

// CreateAttrs implements mapreduce.AttrCreator: Create, the PUT carrying
// a.ContentType as Content-Type (else Swift guesses it from the name) and
// each a.Meta entry as X-Object-Meta-<key>. Rename's server-side copy
// keeps both.
func (f *FS) CreateAttrs(ctx context.Context, name string, a mapreduce.Attrs) (io.WriteCloser, error) {
	name = clean(name)
	container, object := split(name)
	if object == "" {
		return nil, mapreduce.E("create", mapreduce.Invalid, f.URI(name), errors.New("swift: a container is not an object"))
	}
	if err := f.checkFree(ctx, "create", name); err != nil {
		return nil, err
	}
	if err := f.ensureContainer(ctx, container); err != nil {
		return nil, f.fail("create", name, err)
	}
	w := &writer{f: f, ctx: ctx, name: name, sum: md5.New()}
	if !a.IsZero() {
		w.headers = swift.Headers{}
		if a.ContentType != "" {
			w.headers["Content-Type"] = a.ContentType
		}
		for k, v := range a.Meta {
			w.headers["X-Object-Meta-"+k] = v
		}
	}
	return w, nil
}

// writer buffers an object being written and uploads it on Close.
type writer struct {
	f      *FS
	ctx    context.Context
	name   string
	sum    hash.Hash
	mem    bytes.Buffer
	file   *os.File // after memLimit bytes
	size   int64
	err    error
	closed bool
	// headers are sent with the PUT besides the writer's own.
	headers swift.Headers
}

func (w *writer) Write(p []byte) (int, error) {
	if w.closed {
		return 0, fs.ErrClosed
	}
	if w.err != nil {
		return 0, w.err
	}
	if w.file == nil && w.mem.Len()+len(p) > memLimit {
		tmp, err := os.CreateTemp(w.f.tempDir, "zebra-swift-*")
		if err == nil {
			_, err = tmp.Write(w.mem.Bytes())
		}
		if err != nil {
			if tmp != nil {
				tmp.Close()
				os.Remove(tmp.Name())
			}
			w.err = mapreduce.E("write", mapreduce.Infra, w.f.URI(w.name), fmt.Errorf("swift: buffer to a temporary file: %w", err))
			return 0, w.err
		}
		w.file = tmp
		w.mem = bytes.Buffer{}
	}
	var n int
	var err error
	if w.file != nil {
		n, err = w.file.Write(p)
	} else {
		n, err = w.mem.Write(p)
	}
	w.sum.Write(p[:n])
	w.size += int64(n)
	if err != nil {
		w.err = mapreduce.E("write", mapreduce.Infra, w.f.URI(w.name), fmt.Errorf("swift: buffer to a temporary file: %w", err))
		return n, w.err
	}
	return n, nil
}

// Close uploads the object; it is complete only if Close returns nil.
func (w *writer) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	if w.file != nil {
		defer func() {
			w.file.Close()
			os.Remove(w.file.Name())
		}()
	}
	if w.err != nil {
		return w.err
	}
	f, name := w.f, w.name
	container, object := split(name)
	etag := hex.EncodeToString(w.sum.Sum(nil))
	attempt := 0
	err := f.retry(w.ctx, "create", name, func() error {
		attempt++
		var body io.Reader = bytes.NewReader(w.mem.Bytes())
		if w.file != nil {
			body = io.NewSectionReader(w.file, 0, w.size)
		}
		h := swift.Headers{"Content-Length": strconv.FormatInt(w.size, 10), "Etag": etag, "If-None-Match": "*"}
		for k, v := range w.headers {
			h[k] = v
		}
		_, _, err := f.call(w.ctx, swift.RequestOpts{Container: container, ObjectName: object, Operation: "PUT", NoResponse: true, Body: body, Headers: h})
		if statusOf(err) == http.StatusPreconditionFailed && attempt > 1 {
			// An earlier attempt may have succeeded with its answer lost.
			if h, herr := f.headObject(w.ctx, "create", name, true); herr == nil && strings.Trim(h["Etag"], `"`) == etag {
				return nil
			}
		}
		return err
	})
	if statusOf(err) == http.StatusPreconditionFailed {
		return mapreduce.E("create", mapreduce.Exist, f.URI(name), fmt.Errorf("swift: %s was created by someone else meanwhile: %w", f.URI(name), fs.ErrExist))
	}
	if statusOf(err) == http.StatusNotFound {
		f.setContainer(container, false)
		return mapreduce.E("create", mapreduce.NotExist, f.URI(name), fmt.Errorf("swift: container %s does not exist (deleted meanwhile?): %w", container, fs.ErrNotExist))
	}
	return f.fail("create", name, err)
}
