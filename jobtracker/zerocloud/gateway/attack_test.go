package gateway

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
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
