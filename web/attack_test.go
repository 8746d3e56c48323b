package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestAttackAuthUnavailableHidesSwiftURL: when Swift cannot be asked
// about a credential, neither the API's 503 nor the login page tells the
// client (anyone who can reach the jobtracker: no valid credential is
// needed) the internal address of Swift.
func TestAttackAuthUnavailableHidesSwiftURL(t *testing.T) {
	h := newHarness(t, false)
	swift, _ := url.Parse(h.swift.URL)
	h.swift.Close()
	resp, body := h.req(http.MethodGet, "/api/v1/jobs", tenantB+":anything", nil)
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("API with Swift down: %d, want 503 (%s)", resp.StatusCode, body)
	}
	if strings.Contains(body, swift.Host) {
		t.Errorf("API with Swift down: the answer names Swift's address %s: %s", swift.Host, body)
	}
	form := url.Values{"token": {tenantB + ":anything"}, "next": {"/ui/"}}
	resp, body = h.req(http.MethodPost, "/ui/login", "", strings.NewReader(form.Encode()),
		"Content-Type", "application/x-www-form-urlencoded", "Origin", h.srv.URL)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("login with Swift down: %d, want 401", resp.StatusCode)
	}
	if !strings.Contains(body, "unavailable") {
		t.Errorf("login with Swift down: the page does not say that Swift is unavailable: %s", body)
	}
	if strings.Contains(body, swift.Host) {
		t.Errorf("login with Swift down: the page names Swift's address %s", swift.Host)
	}
}
