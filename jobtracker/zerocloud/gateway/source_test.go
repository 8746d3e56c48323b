package gateway

import (
	"archive/tar"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
)

// TestGatewaySourceOtherAccount: X-Zerovm-Source may name another
// account's object, as ZeroCloud allowed where a read ACL grants it: the
// gateway reads it with the caller's token (the stand-in proxy grants
// that token one container of AUTH_b and refuses the other with 403, as
// Swift does), relays Swift's refusal, and copies another account's image
// into the job (a job's devices name its own account's objects only).
func TestGatewaySourceOtherAccount(t *testing.T) {
	var img strings.Builder
	tw := tar.NewWriter(&img)
	desc := `[{"name":"a","exec":{"path":"bin/a"},"devices":[{"name":"stdout"}]}]`
	tw.WriteHeader(&tar.Header{Name: "boot/system.map", Mode: 0o644, Size: int64(len(desc)), Typeflag: tar.TypeReg})
	io.WriteString(tw, desc)
	tw.Close()
	var mu sync.Mutex
	var tokens []string
	swift := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		tokens = append(tokens, r.Header.Get("X-Auth-Token"))
		mu.Unlock()
		switch {
		case r.Method != http.MethodGet || r.Header.Get("X-Auth-Token") != "tok":
			w.WriteHeader(http.StatusUnauthorized)
		case r.URL.Path == "/v1/AUTH_b/shared/app.tar":
			w.Header().Set("Content-Type", "application/x-tar")
			io.WriteString(w, img.String())
		case r.URL.Path == "/v1/AUTH_b/shared/job.json":
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, desc)
		case strings.HasPrefix(r.URL.Path, "/v1/AUTH_b/private/"):
			w.WriteHeader(http.StatusForbidden)
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	defer swift.Close()
	su, _ := url.Parse(swift.URL)
	var got struct {
		ran         int
		description string
		image       string
		files       []string
	}
	run := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.ran++
		job := JobOf(r.Context())
		got.description = string(job.Description)
		var groups []struct {
			Devices []struct{ Name, Path string } `json:"devices"`
		}
		json.Unmarshal(job.Description, &groups)
		for _, g := range groups {
			for _, d := range g.Devices {
				if d.Name == "image" {
					got.image = d.Path
				}
			}
		}
		if job.Dir != "" {
			ents, _ := os.ReadDir(job.Dir)
			for _, e := range ents {
				got.files = append(got.files, e.Name())
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

	if code, body := attackPost(t, srv, "/v1/AUTH_a", map[string]string{"X-Zerovm-Source": "swift://AUTH_b/shared/job.json"}, ""); code != http.StatusOK || got.ran != 1 {
		t.Fatalf("X-Zerovm-Source of another account's readable description: %d %s, ran %d", code, body, got.ran)
	}
	if got.description != desc {
		t.Errorf("job description %q, want the object's %q", got.description, desc)
	}
	got.ran, got.image, got.files = 0, "", nil
	if code, body := attackPost(t, srv, "/v1/AUTH_a", map[string]string{"X-Zerovm-Source": "swift://AUTH_b/shared/app.tar"}, ""); code != http.StatusOK || got.ran != 1 {
		t.Fatalf("X-Zerovm-Source of another account's readable image: %d %s, ran %d", code, body, got.ran)
	}
	if strings.HasPrefix(got.image, "swift://") || len(got.files) == 0 {
		t.Errorf("another account's image: image device %q, job files %v; want a copy in the job, not a swift:// name (which would be the caller's account)", got.image, got.files)
	}
	got.ran = 0
	code, body := attackPost(t, srv, "/v1/AUTH_a", map[string]string{"X-Zerovm-Source": "swift://AUTH_b/private/job.json"}, "")
	if code != http.StatusForbidden || got.ran != 0 {
		t.Errorf("X-Zerovm-Source refused by Swift: %d %s, ran %d; want 403 and no job", code, body, got.ran)
	}
	for _, bad := range []string{"swift://AUTH_b:80/shared/job.json", "swift://..x%2F/shared/job.json"} {
		if code, body := attackPost(t, srv, "/v1/AUTH_a", map[string]string{"X-Zerovm-Source": bad}, ""); code/100 != 4 || got.ran != 0 {
			t.Errorf("X-Zerovm-Source %s: %d %s, ran %d; want refused", bad, code, body, got.ran)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, tok := range tokens {
		if tok != "tok" {
			t.Errorf("the gateway asked Swift with token %q, not the caller's", tok)
		}
	}
}
