package zerocloud

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestRequestOfCredentials: the CGI environment of a POSTed job never
// carries a credential nor a hop-by-hop header, whichever spelling the
// client sends it in (a header spelt with underscores lands in the same
// HTTP_* variable as the dashed one, and proxies in front of the
// jobtracker may turn one into the other); ordinary headers pass. The
// request is a real HTTP request, as the jobtracker's server sees it.
func TestRequestOfCredentials(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(RequestOf(r, "/AUTH_a"))
	}))
	defer srv.Close()
	secret := map[string]string{
		"X-Auth-Token":         "s1",
		"X_Auth_Token":         "s2",
		"X-Service-Token":      "s3",
		"X-Storage-Token":      "s4",
		"X-Storage-Pass":       "s5",
		"X-Storage-User":       "s6",
		"X-Csrf-Token":         "s7",
		"X-Zebra-Swift-Token":  "s8",
		"Cookie":               "zebra_session=s9",
		"Authorization":        "Basic czEwOnMxMA==",
		"Proxy-Authorization":  "Basic s11",
		"X-Amz-Security-Token": "s12",
		"Connection":           "keep-alive, X-Secret-Hop",
		"Keep-Alive":           "timeout=5",
		"Te":                   "trailers",
		"Upgrade":              "h2c",
		"Proxy-Connection":     "keep-alive",
	}
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/zerocloud?x=1", strings.NewReader("{}"))
	for k, v := range secret {
		req.Header[k] = []string{v}
	}
	req.Header.Set("X-Custom-Thing", "kept")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got Request
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if got.Headers["HTTP_X_CUSTOM_THING"] != "kept" {
		t.Errorf("an ordinary header did not pass: %v", got.Headers)
	}
	for name, v := range got.Headers {
		for k, s := range secret {
			if strings.Contains(v, s) || name == "HTTP_"+strings.ToUpper(strings.ReplaceAll(k, "-", "_")) {
				t.Errorf("%s=%q passed on (from %s)", name, v, k)
			}
		}
	}
}
