package worker

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"zebra/jobtracker/api"
)

func TestLogHandler(t *testing.T) {
	dir := t.TempDir()
	job, att := "job_123_0001", "attempt_123_0001_m_000002_1"
	os.MkdirAll(filepath.Join(dir, job, att), 0o755)
	os.WriteFile(filepath.Join(dir, job, att, "stderr"), []byte("0123456789"), 0o644)
	os.WriteFile(filepath.Join(dir, "secret"), []byte("s"), 0o644)
	srv := httptest.NewServer(LogHandler(dir, "tok"))
	defer srv.Close()
	get := func(path, token string) (int, string, http.Header) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		if token != "" {
			req.Header.Set("X-Auth-Token", token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header
	}
	base := "/logs/" + job + "/" + att + "/"
	if code, _, _ := get(base+"stderr", ""); code != http.StatusUnauthorized {
		t.Errorf("no token: %d", code)
	}
	if code, _, _ := get(base+"stderr", "wrong"); code != http.StatusUnauthorized {
		t.Errorf("wrong token: %d", code)
	}
	if code, body, h := get(base+"stderr", "tok"); code != 200 || body != "0123456789" || h.Get("X-Log-Size") != "10" {
		t.Errorf("stderr: %d %q %v", code, body, h)
	}
	if code, body, h := get(base+"stderr?tail=3", "tok"); code != 200 || body != "789" || h.Get("X-Log-Offset") != "7" {
		t.Errorf("tail: %d %q", code, body)
	}
	code, body, _ := get(base, "tok")
	var files []api.LogFile
	if code != 200 || json.Unmarshal([]byte(body), &files) != nil || len(files) != 1 || files[0] != (api.LogFile{Name: "stderr", Size: 10}) {
		t.Errorf("list: %d %s", code, body)
	}
	for _, p := range []string{base + "nope", "/logs/" + job + "/attempt_123_0001_m_000009_0/", "/logs/" + job + "/" + att + "/..%2f..%2fsecret",
		"/logs/..%2f/" + att + "/stderr", "/logs/" + job + "/" + att + "/.stderr", base + "stderr?tail=x"} {
		if code, body, _ := get(p, "tok"); code == 200 || strings.Contains(body, "s\n") && len(body) == 1 {
			t.Errorf("GET %s: %d %q", p, code, body)
		}
	}
}

func TestServeLogsAndURL(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if u := LogURLFor(ln, "host"); u != "http://"+ln.Addr().String() {
		t.Errorf("LogURLFor = %s", u)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- ServeLogs(ctx, ln, t.TempDir(), "", nil) }()
	resp, err := http.Get(LogURLFor(ln, "") + "/logs/job_1_0001/attempt_1_0001_r_000000_0/")
	if err != nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("missing attempt: %v %v", err, resp)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Error(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ServeLogs did not stop")
	}
	any, _ := net.Listen("tcp", "0.0.0.0:0")
	defer any.Close()
	if u := LogURLFor(any, "w1.example"); !strings.HasPrefix(u, "http://w1.example:") {
		t.Errorf("LogURLFor(0.0.0.0) = %s", u)
	}
}
