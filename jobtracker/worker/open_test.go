package worker

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"zebra/mapreduce"
	"zebra/mapreduce/archive/archivetest"
)

// writeOutput feeds chunks to an output and finishes it with runErr.
func writeOutput(t *testing.T, outputType string, runErr error, chunks ...string) (*httptest.ResponseRecorder, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	o := newOutput(rec, outputType, http.Header{"X-Extra": {"1"}})
	for _, c := range chunks {
		o.Write([]byte(c))
	}
	var failed string
	o.finish(runErr, func(cgiErr error) {
		failed = "failed"
		if cgiErr != nil {
			failed = cgiErr.Error()
		}
		rec.WriteHeader(http.StatusBadGateway)
	})
	return rec, failed
}

func TestOutputCGI(t *testing.T) {
	rec, failed := writeOutput(t, cgiContentType, nil, "Content-Type: image/png\r\nStat", "us: 201 Created\r\nX-Other: x\r\n\r\nBODY", "MORE")
	if failed != "" || rec.Code != 201 || rec.Header().Get("Content-Type") != "image/png" || rec.Body.String() != "BODYMORE" {
		t.Errorf("got %d %q %q (failed %q)", rec.Code, rec.Header().Get("Content-Type"), rec.Body.String(), failed)
	}
	if rec.Header().Get("X-Other") != "" || rec.Header().Get("X-Extra") != "1" || rec.Header().Get("Content-Length") != "8" {
		t.Errorf("headers %v: want X-Extra and Content-Length, not the app's X-Other", rec.Header())
	}
	// \n line ends, no body.
	rec, failed = writeOutput(t, cgiContentType, nil, "Content-Type: text/plain\n\n")
	if failed != "" || rec.Code != 200 || rec.Body.Len() != 0 {
		t.Errorf("empty body: %d %q (failed %q)", rec.Code, rec.Body.String(), failed)
	}
}

func TestOutputCGIErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		chunks []string
		want   string
	}{
		{"no headers", []string{"\x89PNG\r\n\x1a\n...."}, "is not a header line"},
		{"no end", []string{"Content-Type: text/plain\n"}, "no empty line"},
		{"no type", []string{"Status: 200\n\nbody"}, "no Content-Type"},
		{"bad status", []string{"Content-Type: a/b\nStatus: 99\n\n"}, "not a status code"},
	} {
		rec, failed := writeOutput(t, cgiContentType, nil, tc.chunks...)
		if !strings.Contains(failed, tc.want) || rec.Code != http.StatusBadGateway {
			t.Errorf("%s: %d, failed %q; want 502 with %q", tc.name, rec.Code, failed, tc.want)
		}
	}
}

func TestOutputFixedTypeAndFailure(t *testing.T) {
	rec, failed := writeOutput(t, "text/csv", nil, "a,b\n")
	if failed != "" || rec.Code != 200 || rec.Header().Get("Content-Type") != "text/csv" || rec.Body.String() != "a,b\n" {
		t.Errorf("got %d %q %q", rec.Code, rec.Header().Get("Content-Type"), rec.Body.String())
	}
	// A failure before holdBack bytes is an error answer, the output dropped.
	rec, failed = writeOutput(t, "text/csv", os.ErrClosed, "partial")
	if failed != "failed" || rec.Code != http.StatusBadGateway || strings.Contains(rec.Body.String(), "partial") {
		t.Errorf("failed run: %d %q (failed %q)", rec.Code, rec.Body.String(), failed)
	}
	// Past holdBack the response is committed; a later failure aborts it.
	rec = httptest.NewRecorder()
	o := newOutput(rec, "application/octet-stream", nil)
	o.Write(bytes.Repeat([]byte("x"), holdBack+1))
	if rec.Code != 200 || rec.Body.Len() != holdBack+1 {
		t.Fatalf("after %d bytes: %d with %d bytes sent", holdBack+1, rec.Code, rec.Body.Len())
	}
	defer func() {
		if r := recover(); r != http.ErrAbortHandler {
			t.Errorf("a failure after the commit panicked with %v, want http.ErrAbortHandler", r)
		}
	}()
	o.finish(os.ErrClosed, func(error) { t.Error("fail called after the commit") })
}

func TestTailBuffer(t *testing.T) {
	tb := &tailBuffer{max: 5}
	tb.Write([]byte("abc"))
	tb.Write([]byte("defgh\n"))
	if got := tb.String(); got != "…efgh" {
		t.Errorf("tail %q", got)
	}
}

func bundleTar(t *testing.T, files map[string]string, extra ...*tar.Header) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for name, data := range files {
		mode := int64(0o644)
		if strings.HasSuffix(name, ".sh") {
			mode = 0o755
		}
		tw.WriteHeader(&tar.Header{Name: name, Mode: mode, Size: int64(len(data)), Format: tar.FormatUSTAR})
		tw.Write([]byte(data))
	}
	for _, h := range extra {
		tw.WriteHeader(h)
	}
	tw.Close()
	return b.Bytes()
}

func TestUnpackBundle(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "b")
	b := bundleTar(t, map[string]string{"zapp.json": `{"entry": "./bin/run.sh", "args": ["-x"], "content_type": "text/plain"}`, "bin/run.sh": "#!/bin/sh\ncat\n"})
	if !isTar(b) {
		t.Fatal("isTar: false for a ustar tar")
	}
	m, err := unpackBundle(b, dir)
	if err != nil {
		t.Fatal(err)
	}
	if m.Entry != "bin/run.sh" || m.ContentType != "text/plain" {
		t.Errorf("manifest %+v", m)
	}
	if got := bundleArgs(m, []string{"q"}); strings.Join(got, " ") != "app/bin/run.sh -x q" {
		t.Errorf("argv %q", got)
	}
	if fi, err := os.Stat(filepath.Join(dir, "bin", "run.sh")); err != nil || fi.Mode().Perm() != 0o555 {
		t.Errorf("unpacked entry: %v %v, want read-only and executable", fi.Mode(), err)
	}
	py := zappManifest{Entry: "m.py", Interpreter: "/usr/bin/python3", Args: []string{"-u"}}
	if got := bundleArgs(py, nil); strings.Join(got, " ") != "/usr/bin/python3 -u app/m.py" {
		t.Errorf("argv %q", got)
	}
}

func TestUnpackBundleErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		extra []*tar.Header
		want  string
	}{
		{"no manifest", map[string]string{"a.py": "x"}, nil, "holds no zapp.json"},
		{"bad json", map[string]string{"zapp.json": `{"entry": 1}`}, nil, "zapp.json: json"},
		{"unknown field", map[string]string{"zapp.json": `{"entry": "a.py", "interp": "/bin/sh"}`, "a.py": ""}, nil, "unknown field"},
		{"no entry", map[string]string{"zapp.json": `{}`}, nil, "names no entry"},
		{"missing entry", map[string]string{"zapp.json": `{"entry": "b.py", "interpreter": "/bin/sh"}`}, nil, `entry "b.py" is not a file`},
		{"not executable", map[string]string{"zapp.json": `{"entry": "a.py"}`, "a.py": ""}, nil, "not executable"},
		{"relative interpreter", map[string]string{"zapp.json": `{"entry": "a.py", "interpreter": "python3"}`, "a.py": ""}, nil, "not an absolute path"},
		{"missing interpreter", map[string]string{"zapp.json": `{"entry": "a.py", "interpreter": "/no/such/python"}`, "a.py": ""}, nil, "not an executable on this worker"},
		{"symlink", map[string]string{"zapp.json": `{"entry": "a.py", "interpreter": "/bin/sh"}`, "a.py": ""},
			[]*tar.Header{{Name: "evil", Typeflag: tar.TypeSymlink, Linkname: "/etc/shadow", Format: tar.FormatUSTAR}}, "symlinks are not allowed"},
		{"dot dot", map[string]string{"zapp.json": `{"entry": "a.py", "interpreter": "/bin/sh"}`, "a.py": "", "../up": ""}, nil, "the name leaves the archive"},
	} {
		_, err := unpackBundle(bundleTar(t, tc.files, tc.extra...), filepath.Join(t.TempDir(), "b"))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

// TestUnpackBundleSparse: a run-on-open app is a tenant's Swift object of
// at most maxAppSize bytes, but a tar's sparse member reads as its declared
// size of zeros: a few KiB of app would be read into the root worker's
// memory and written to its disk at any size. It is refused as sparse,
// and nothing beyond the app's own size is left on the disk.
func TestUnpackBundleSparse(t *testing.T) {
	const declared = 300 << 20
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	manifest := `{"entry": "a.py", "interpreter": "/bin/sh"}`
	tw.WriteHeader(&tar.Header{Name: "zapp.json", Mode: 0o644, Size: int64(len(manifest)), Format: tar.FormatUSTAR})
	tw.Write([]byte(manifest))
	tw.WriteHeader(&tar.Header{Name: "a.py", Mode: 0o644, Format: tar.FormatUSTAR})
	tw.Flush() // no end blocks: the sparse member follows
	app := append(b.Bytes(), archivetest.SparseMember("zeros", declared)...)
	app = append(app, make([]byte, 1024)...)
	if !isTar(app) || len(app) > 8192 {
		t.Fatalf("the app: isTar %v, %d bytes", isTar(app), len(app))
	}
	dir := filepath.Join(t.TempDir(), "b")
	_, err := unpackBundle(app, dir)
	if err == nil || !strings.Contains(err.Error(), "sparse") {
		t.Errorf("a bundle with a sparse member: %v, want it refused as sparse", err)
	}
	var n int64
	filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			n += fi.Size()
		}
		return nil
	})
	if n > int64(len(app)) {
		t.Errorf("%d bytes unpacked from an app of %d", n, len(app))
	}
}

// countingReader is an endless object that counts what is read of it.
type countingReader struct{ n int64 }

func (r *countingReader) Read(p []byte) (int, error) {
	r.n += int64(len(p))
	return len(p), nil
}

// TestSpoolInputBound: the object a script bundle finds at /dev/input is
// copied to the worker's disk, so one larger than the bound is refused
// (kind Invalid, which the open answers with 413) before a byte is read
// or a file is made; one within it is copied whole.
func TestSpoolInputBound(t *testing.T) {
	dir := t.TempDir()
	const max = 1 << 20
	r := &countingReader{}
	f, err := spoolInput(context.Background(), r, filepath.Join(dir, "big"), max+1, max)
	if err == nil {
		f.Close()
	}
	if !mapreduce.IsKind(err, mapreduce.Invalid) || r.n != 0 {
		t.Errorf("an object of %d bytes with a bound of %d: %v, %d bytes read", max+1, max, err, r.n)
	}
	if _, serr := os.Stat(filepath.Join(dir, "big")); !os.IsNotExist(serr) {
		t.Errorf("the refused object left a file: %v", serr)
	}
	f, err = spoolInput(context.Background(), io.LimitReader(&countingReader{}, max), filepath.Join(dir, "ok"), max, max)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if st, _ := f.Stat(); st.Size() != max {
		t.Errorf("an object of %d bytes within the bound: %d bytes kept", max, st.Size())
	}
}
