package web

import (
	"net/http"
	"testing"
)

// TestAuthenticatedAnswersAreNotStored checks that what a tenant reads
// with its credential (REST, JobHistory, UI pages) carries
// Cache-Control: no-store, and that the public assets keep their own.
func TestAuthenticatedAnswersAreNotStored(t *testing.T) {
	f := newFixture(t, false)
	for _, path := range []string{"/api/v1/jobs", "/api/v1/jobs/" + f.done, "/api/v1/jobs/" + f.done + "/attempts",
		"/ws/v1/history/mapreduce/jobs/" + f.done + "/conf", "/ui/jobs/" + f.done} {
		resp, body := f.req(http.MethodGet, path, credA, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
		}
		if got := resp.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("GET %s: Cache-Control %q, want no-store", path, got)
		}
	}
	resp, _ := f.req(http.MethodGet, "/api/v1/jobs", "", nil)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /api/v1/jobs without a credential: %d, want 401", resp.StatusCode)
	}
}
