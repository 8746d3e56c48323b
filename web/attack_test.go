package web

import (
	"bufio"
	"context"
	"fmt"
	"net"
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

// streamFrom opens the jobs list's stream as cred from the loopback
// address src (127.0.0.0/8 is all local on Linux); it returns the status
// and closes nothing (the test's end does).
func streamFrom(t *testing.T, h *harness, src, cred string) int {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}
	client := &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.srv.URL+"/ui/stream?view=jobs", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Auth-Token", cred)
	resp, err := client.Do(req)
	if err != nil {
		cancel()
		t.Fatalf("stream from %s: %v", src, err)
	}
	t.Cleanup(func() { cancel(); resp.Body.Close() })
	if resp.StatusCode == http.StatusOK {
		// The stream is registered once its first event is sent.
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() && !strings.HasPrefix(sc.Text(), "event: jobs") {
		}
	}
	return resp.StatusCode
}

// TestAttackStreamCapAcrossAddresses: a tenant with many source
// addresses (an IPv6 prefix, a NAT pool) cannot hold maxStreams live
// streams from each of them: its streams from all addresses together are
// bounded; another tenant is not affected.
func TestAttackStreamCapAcrossAddresses(t *testing.T) {
	if testing.Short() {
		t.Skip("opens 80 streams")
	}
	h := newHarness(t, false)
	opened, refused := 0, 0
	for a := 2; a < 2+maxPrincipalStreams/maxStreams+1; a++ {
		src := fmt.Sprintf("127.0.0.%d", a)
		for i := 0; i < maxStreams; i++ {
			switch code := streamFrom(t, h, src, credA); code {
			case http.StatusOK:
				opened++
			case http.StatusTooManyRequests:
				refused++
			default:
				t.Fatalf("stream from %s: %d", src, code)
			}
		}
	}
	if opened > maxPrincipalStreams || refused == 0 {
		t.Errorf("tenant %s opened %d streams from %d addresses (%d refused), want at most %d", tenantA, opened,
			maxPrincipalStreams/maxStreams+1, refused, maxPrincipalStreams)
	}
	if code := streamFrom(t, h, "127.0.0.1", credB); code != http.StatusOK {
		t.Errorf("another tenant's stream: %d, want 200", code)
	}
}
