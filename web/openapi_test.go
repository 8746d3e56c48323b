package web

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestOpenAPIMatchesRoutes: /openapi.json documents exactly the routes
// the server registers (the UI's pages aside), and the worker protocol
// routes it says the tracker serves are the tracker's.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	f := newFixture(t, false)
	resp, body := f.req(http.MethodGet, "/openapi.json", "", nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("openapi.json: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil || !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi.json: %v (version %q)", err, doc.OpenAPI)
	}
	param := regexp.MustCompile(`[:*]([A-Za-z]+)`)
	var registered, documented, inner []string
	for _, r := range f.s.engine.Routes() {
		if r.Path == "/" || r.Path == "/ui" || strings.HasPrefix(r.Path, "/ui/") {
			continue
		}
		registered = append(registered, r.Method+" "+param.ReplaceAllString(r.Path, "{$1}"))
	}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			key := strings.ToUpper(method) + " " + path
			var o struct {
				ServedBy   string `json:"x-served-by"`
				Summary    string `json:"summary"`
				Parameters []struct {
					Name string `json:"name"`
					In   string `json:"in"`
				} `json:"parameters"`
			}
			if err := json.Unmarshal(op, &o); err != nil || o.Summary == "" {
				t.Errorf("%s: no summary (%v)", key, err)
			}
			for _, m := range regexp.MustCompile(`\{([A-Za-z]+)\}`).FindAllStringSubmatch(path, -1) {
				if !slices.ContainsFunc(o.Parameters, func(p struct {
					Name string `json:"name"`
					In   string `json:"in"`
				}) bool {
					return p.Name == m[1] && p.In == "path"
				}) {
					t.Errorf("%s does not describe its parameter %s", key, m[1])
				}
			}
			if o.ServedBy == "jobtracker" {
				inner = append(inner, key)
			} else {
				documented = append(documented, key)
			}
		}
	}
	slices.Sort(registered)
	slices.Sort(documented)
	for _, r := range registered {
		if !slices.Contains(documented, r) {
			t.Errorf("route %s is not in openapi.json", r)
		}
	}
	for _, d := range documented {
		if !slices.Contains(registered, d) {
			t.Errorf("openapi.json documents %s, which is not a route", d)
		}
	}
	// The tracker's own routes answer (not its mux's 404) through the
	// server with the cluster token.
	if len(inner) < 8 {
		t.Errorf("only %d worker protocol routes documented", len(inner))
	}
	for _, k := range inner {
		method, path, _ := strings.Cut(k, " ")
		path = strings.NewReplacer("{id}", "x").Replace(path)
		resp, body := f.req(method, path+"?from=0&wait=0", adminToken, strings.NewReader("{}"))
		if resp.StatusCode == http.StatusNotFound && strings.Contains(body, "404 page not found") || resp.StatusCode == http.StatusMethodNotAllowed {
			t.Errorf("%s is not served by the tracker: %d %s", k, resp.StatusCode, body)
		}
	}
}
