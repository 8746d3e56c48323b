package gateway

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// store is the Swift side of the deferral tests: it keeps what is PUT
// whole (a PUT whose body breaks off stores nothing, as Swift does).
type store struct {
	mu      sync.Mutex
	objects map[string]string
	headers map[string]http.Header
	put     chan string
}

func newStore(t *testing.T) (*store, *url.URL) {
	s := &store{objects: map[string]string{}, headers: map[string]http.Header{}, put: make(chan string, 16)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPut {
			s.mu.Lock()
			_, ok := s.objects[r.URL.Path]
			s.mu.Unlock()
			if !ok {
				w.WriteHeader(http.StatusNotFound)
			}
			return
		}
		b, err := io.ReadAll(r.Body)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		s.objects[r.URL.Path], s.headers[r.URL.Path] = string(b), r.Header.Clone()
		s.mu.Unlock()
		w.WriteHeader(http.StatusCreated)
		s.put <- r.URL.Path
	}))
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	return s, u
}

// deferredGateway is a gateway whose Run is run.
func deferredGateway(t *testing.T, proxy *url.URL, interactive time.Duration, run http.HandlerFunc) *httptest.Server {
	g, err := New(Config{Proxy: proxy, Interactive: interactive, Run: run,
		Authorize: func(context.Context, string, string) (bool, error) { return true, nil }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	return srv
}

func postDeferred(t *testing.T, srv *httptest.Server, path, mode string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader("[]"))
	req.Header.Set("X-Auth-Token", "tok")
	req.Header.Set("X-Zerovm-Execute", "1.0")
	req.Header.Set("X-Zerovm-Deferred", mode)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

// waitPut waits for the store to receive a PUT of path.
func (s *store) waitPut(t *testing.T, path string) {
	t.Helper()
	for {
		select {
		case p := <-s.put:
			if p == path {
				return
			}
		case <-time.After(time.Minute):
			t.Fatalf("no PUT of %s", path)
		}
	}
}

// TestDeferredAuto: with auto, a job still running after the interactive
// timeout is answered with its result's URL; its reply, once written, is
// stored there (never overwriting) with its headers beside it.
func TestDeferredAuto(t *testing.T) {
	st, proxy := newStore(t)
	release := make(chan struct{})
	srv := deferredGateway(t, proxy, 10*time.Millisecond, func(w http.ResponseWriter, r *http.Request) {
		if JobOf(r.Context()) == nil {
			t.Error("Run got no job")
		}
		Submitted(r.Context(), "job_7")
		<-release
		if r.Context().Err() != nil {
			t.Error("the deferred job's context ended with the client's request")
		}
		w.Header().Set("Content-Type", "text/csv")
		w.Header().Set("X-Nexe-Status", "ok.")
		io.WriteString(w, "the result")
	})
	resp, body := postDeferred(t, srv, "/v1/AUTH_a", "auto")
	if resp.StatusCode != 200 || body != "swift://AUTH_a/.zvm/job-job_7" || resp.Header.Get("X-Zebra-Job") != "job_7" {
		t.Fatalf("answer %s %q %v", resp.Status, body, resp.Header)
	}
	if resp.Header.Get("X-Nexe-Status") != "" {
		t.Errorf("the client's answer carries the job's headers: %v", resp.Header)
	}
	close(release)
	st.waitPut(t, "/v1/AUTH_a/.zvm/job-job_7.headers")
	st.mu.Lock()
	defer st.mu.Unlock()
	if got := st.objects["/v1/AUTH_a/.zvm/job-job_7"]; got != "the result" {
		t.Errorf("stored result %q", got)
	}
	h := st.headers["/v1/AUTH_a/.zvm/job-job_7"]
	if h.Get("If-None-Match") != "*" || h.Get("Content-Type") != "text/csv" || h.Get("X-Auth-Token") != "tok" {
		t.Errorf("the result's PUT: %v", h)
	}
	var hdrs map[string]string
	if err := json.Unmarshal([]byte(st.objects["/v1/AUTH_a/.zvm/job-job_7.headers"]), &hdrs); err != nil || hdrs["X-Nexe-Status"] != "ok." || hdrs["Status"] != "200 OK" {
		t.Errorf("stored headers %v (%v)", hdrs, err)
	}
	if _, ok := st.objects["/v1/AUTH_a/.zvm"]; !ok {
		t.Error("the result's container was not made")
	}
}

// TestDeferredQuick: with auto, a reply that comes within the interactive
// timeout is the client's answer; nothing is stored.
func TestDeferredQuick(t *testing.T) {
	st, proxy := newStore(t)
	srv := deferredGateway(t, proxy, time.Hour, func(w http.ResponseWriter, r *http.Request) {
		Submitted(r.Context(), "job_8")
		w.Header().Set("X-Nexe-Status", "ok.")
		io.WriteString(w, "quick")
	})
	resp, body := postDeferred(t, srv, "/v1/AUTH_a", "auto")
	if resp.StatusCode != 200 || body != "quick" || resp.Header.Get("X-Nexe-Status") != "ok." {
		t.Errorf("answer %s %q %v", resp.Status, body, resp.Header)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.objects) != 0 {
		t.Errorf("stored %v", st.objects)
	}
}

// TestDeferredRefused: a refusal before the job starts is the client's
// answer, deferral or not.
func TestDeferredRefused(t *testing.T) {
	st, proxy := newStore(t)
	srv := deferredGateway(t, proxy, time.Hour, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"error":"bad job"}`)
	})
	resp, body := postDeferred(t, srv, "/v1/AUTH_a/c/o", "always")
	if resp.StatusCode != 400 || body != `{"error":"bad job"}` {
		t.Errorf("answer %s %q", resp.Status, body)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.objects) != 0 {
		t.Errorf("stored %v", st.objects)
	}
}

// TestDeferredBrokenOff: a reply that Run breaks off (as it does when a
// worker fails mid-body) is not stored as if it were whole.
func TestDeferredBrokenOff(t *testing.T) {
	st, proxy := newStore(t)
	done := make(chan struct{})
	srv := deferredGateway(t, proxy, time.Hour, func(w http.ResponseWriter, r *http.Request) {
		defer close(done)
		Submitted(r.Context(), "job_9")
		io.WriteString(w, "part of it")
		w.(http.Flusher).Flush()
		if _, _, err := w.(http.Hijacker).Hijack(); err == nil {
			t.Error("a deferred reply could be hijacked")
		}
		panic(http.ErrAbortHandler)
	})
	resp, body := postDeferred(t, srv, "/v1/AUTH_a/c/new", "always")
	if resp.StatusCode != 200 || body != "swift://AUTH_a/c/new" {
		t.Fatalf("answer %s %q", resp.Status, body)
	}
	<-done
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, ok := st.objects["/v1/AUTH_a/c/new"]; ok {
		t.Error("a broken-off reply was stored")
	}
	if _, ok := st.objects["/v1/AUTH_a/c/new.headers"]; ok {
		t.Error("a broken-off reply's headers were stored")
	}
}
