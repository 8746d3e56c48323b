package gateway

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
)

// deadProxy is the URL of a port on which nothing listens any more.
func deadProxy(t *testing.T) *url.URL {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := &url.URL{Scheme: "http", Host: ln.Addr().String()}
	ln.Close()
	return u
}

// askSwift authorizes as the jobtracker does: a request to the proxy with
// the token, its transport error returned (which names the proxy's URL).
func askSwift(proxy *url.URL) func(ctx context.Context, account, token string) (bool, error) {
	return func(ctx context.Context, account, token string) (bool, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodHead, proxy.String()+"/v1/"+account, nil)
		if err != nil {
			return false, err
		}
		req.Header.Set("X-Auth-Token", token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false, fmt.Errorf("the Swift auth service is unavailable: %w", err)
		}
		resp.Body.Close()
		return resp.StatusCode/100 == 2, nil
	}
}

func attackPost(t *testing.T, srv *httptest.Server, path string, h map[string]string, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader(body))
	req.Header.Set("X-Auth-Token", "tok")
	req.Header.Set("X-Zerovm-Execute", "1.0")
	for k, v := range h {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestAttackGatewayRefusalsHideSwiftURL: a client of the gateway (anyone
// on the network, for the token check) is never told the internal address
// of the Swift proxy behind it when the gateway's own Swift requests fail:
// the token check, X-Zerovm-Source's GET, the PUT of the request's body.
func TestAttackGatewayRefusalsHideSwiftURL(t *testing.T) {
	run := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { t.Error("Run called for a refused request") })
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))

	// The proxy is down: the token check and X-Zerovm-Source fail.
	dead := deadProxy(t)
	for _, c := range []struct {
		name  string
		auth  func(context.Context, string, string) (bool, error)
		h     map[string]string
		wantS int
	}{
		{"token check", askSwift(dead), map[string]string{"Content-Type": "application/json"}, http.StatusServiceUnavailable},
		{"X-Zerovm-Source", func(context.Context, string, string) (bool, error) { return true, nil },
			map[string]string{"X-Zerovm-Source": "swift://AUTH_a/c/job.json"}, http.StatusBadGateway},
	} {
		g, err := New(Config{Proxy: dead, Authorize: c.auth, Run: run, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(g)
		code, body := attackPost(t, srv, "/v1/AUTH_a", c.h, "[]")
		srv.Close()
		if code != c.wantS {
			t.Errorf("%s: status %d, want %d (%s)", c.name, code, c.wantS, body)
		}
		if strings.Contains(body, dead.Host) {
			t.Errorf("%s: the refusal names the Swift proxy's address %s: %q", c.name, dead.Host, body)
		}
	}

	// The source is read, but the PUT of the body breaks off.
	desc := `[{"name":"a","exec":{"path":"swift://~/c/app"},"devices":[{"name":"stdin"},{"name":"stdout"}]}]`
	swift := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodGet:
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, desc)
		case r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/"+InputPrefix):
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
		default:
			w.WriteHeader(http.StatusCreated)
		}
	}))
	defer swift.Close()
	su, _ := url.Parse(swift.URL)
	g, err := New(Config{Proxy: su, Authorize: func(context.Context, string, string) (bool, error) { return true, nil }, Run: run, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(g)
	defer srv.Close()
	code, body := attackPost(t, srv, "/v1/AUTH_a", map[string]string{"X-Zerovm-Source": "swift://AUTH_a/c/job.json", "Content-Type": "text/plain"}, "the input")
	if code != http.StatusBadGateway {
		t.Errorf("input PUT broken off: status %d, want %d (%s)", code, http.StatusBadGateway, body)
	}
	if strings.Contains(body, su.Host) {
		t.Errorf("input PUT broken off: the refusal names the Swift proxy's address %s: %q", su.Host, body)
	}
}

// gzipImage streams a gzipped tar holding boot/system.map and a member
// of size zero bytes.
func gzipImage(size int64) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		zw, _ := gzip.NewWriterLevel(pw, gzip.BestSpeed)
		tw := tar.NewWriter(zw)
		desc := []byte(`[{"name":"a","exec":{"path":"bin/a"},"devices":[{"name":"stdout"}]}]`)
		err := tw.WriteHeader(&tar.Header{Name: "boot/system.map", Mode: 0o644, Size: int64(len(desc)), Typeflag: tar.TypeReg})
		if err == nil {
			_, err = tw.Write(desc)
		}
		if err == nil {
			err = tw.WriteHeader(&tar.Header{Name: "zeros", Mode: 0o644, Size: size, Typeflag: tar.TypeReg})
		}
		if err == nil {
			_, err = io.CopyN(tw, zeroReader{}, size)
		}
		if err == nil {
			err = tw.Close()
		}
		if err == nil {
			err = zw.Close()
		}
		pw.CloseWithError(err)
	}()
	return pr
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// TestAttackGatewayGzipBomb: a tenant's small gzipped image that unpacks
// to a great size (kept unpacked on the jobtracker's disk three times,
// its bundle for good) is refused with 413 once it expands more than
// GzipRatio times beyond GzipFloor, and never reaches Run; a small
// gzipped image still runs.
func TestAttackGatewayGzipBomb(t *testing.T) {
	if testing.Short() {
		t.Skip("unpacks 64 MiB")
	}
	ran := 0
	run := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { ran++; w.WriteHeader(http.StatusOK) })
	g, err := New(Config{Proxy: &url.URL{Scheme: "http", Host: "127.0.0.1:1"}, Run: run,
		Authorize: func(context.Context, string, string) (bool, error) { return true, nil },
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(g)
	defer srv.Close()
	post := func(body io.Reader) (int, string) {
		req, _ := http.NewRequest("POST", srv.URL+"/v1/AUTH_a", body)
		req.Header.Set("X-Auth-Token", "tok")
		req.Header.Set("X-Zerovm-Execute", "1.0")
		req.Header.Set("Content-Type", "application/x-gzip")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := post(gzipImage(1 << 20)); code != http.StatusOK || ran != 1 {
		t.Fatalf("a small gzipped image: %d %s, Run called %d times; want 200 and Run called", code, body, ran)
	}
	code, body := post(gzipImage(2 * GzipFloor))
	if code != http.StatusRequestEntityTooLarge || !strings.Contains(body, "expands") {
		t.Errorf("a gzip bomb: %d %s; want 413 saying it expands too much", code, body)
	}
	if ran != 1 {
		t.Errorf("a gzip bomb reached Run")
	}
}

// TestAttackGatewaySourceImageNotCopied: an image named by
// X-Zerovm-Source (an object of the tenant's, up to 1 GiB) is not copied
// onto the gateway and into the job's bundle, which the jobtracker keeps
// for good, by each tiny request naming it: the job's groups name the
// object itself as their image.
func TestAttackGatewaySourceImageNotCopied(t *testing.T) {
	var img strings.Builder
	tw := tar.NewWriter(&img)
	desc := `[{"name":"a","exec":{"path":"bin/a"},"devices":[{"name":"stdout"}]}]`
	tw.WriteHeader(&tar.Header{Name: "boot/system.map", Mode: 0o644, Size: int64(len(desc)), Typeflag: tar.TypeReg})
	io.WriteString(tw, desc)
	tw.Close()
	swift := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || !strings.HasPrefix(r.URL.Path, "/v1/AUTH_a/apps/") {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/x-tar")
		io.WriteString(w, img.String())
	}))
	defer swift.Close()
	su, _ := url.Parse(swift.URL)
	var image string
	var files []string
	ran := 0
	run := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ran++
		job := JobOf(r.Context())
		var groups []struct {
			Devices []struct{ Name, Path string } `json:"devices"`
		}
		if err := json.Unmarshal(job.Description, &groups); err != nil || len(groups) != 1 {
			t.Errorf("description %s: %v", job.Description, err)
			return
		}
		for _, d := range groups[0].Devices {
			if d.Name == "image" {
				image = d.Path
			}
		}
		if job.Dir != "" {
			ents, _ := os.ReadDir(job.Dir)
			for _, e := range ents {
				files = append(files, e.Name())
			}
		}
	})
	g, err := New(Config{Proxy: su, Run: run, Authorize: func(context.Context, string, string) (bool, error) { return true, nil },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(g)
	defer srv.Close()
	if code, body := attackPost(t, srv, "/v1/AUTH_a", map[string]string{"X-Zerovm-Source": "swift://AUTH_a/apps/app.tar"}, ""); code != http.StatusOK {
		t.Fatalf("X-Zerovm-Source of an image: %d %s", code, body)
	}
	if image != "swift://~/apps/app.tar" {
		t.Errorf("the job's image device is %q, want the object itself (swift://~/apps/app.tar)", image)
	}
	if len(files) != 0 {
		t.Errorf("the gateway kept copies for the job: %v", files)
	}
	// A name that cannot be the image device does not fall back to the
	// copy: it is refused.
	for _, name := range []string{"a%25b.tar", "a%3Fb.tar", "a*b.tar", "a//b.tar"} {
		ran, files = 0, nil
		code, body := attackPost(t, srv, "/v1/AUTH_a", map[string]string{"X-Zerovm-Source": "swift://AUTH_a/apps/" + name}, "")
		if code != http.StatusBadRequest || ran != 0 {
			t.Errorf("X-Zerovm-Source of image %s: %d %s, Run called %d times; want 400 and no job", name, code, body, ran)
		}
	}
}
