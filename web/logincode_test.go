package web

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// mintCode asks POST /api/v1/login-codes as cred and returns the answer.
func mintCode(t *testing.T, h *harness, cred string) LoginCode {
	t.Helper()
	resp, body := h.req(http.MethodPost, "/api/v1/login-codes", cred, nil)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("mint a login code: %d %s", resp.StatusCode, body)
	}
	var lc LoginCode
	if err := json.Unmarshal([]byte(body), &lc); err != nil {
		t.Fatalf("login code answer %q: %v", body, err)
	}
	return lc
}

// redeem follows a login link as a browser does: GET shows the page
// whose script posts the code; the POST (same origin) exchanges it. It
// returns the POST's response and body.
func redeem(t *testing.T, h *harness, path string, hdr ...string) (*http.Response, string) {
	t.Helper()
	resp, body := h.req(http.MethodGet, path, "", nil, hdr...)
	if resp.StatusCode != http.StatusOK || sessionCookie(resp) != nil || !strings.Contains(body, `id="code-login"`) {
		t.Fatalf("GET %s: %d, cookie %v, want the page that posts the code:\n%.300s", path, resp.StatusCode, resp.Cookies(), body)
	}
	u, _ := url.Parse(path)
	form := url.Values{"code": {u.Query().Get("code")}}
	return h.req(http.MethodPost, "/ui/login", "", strings.NewReader(form.Encode()), append([]string{"Content-Type", "application/x-www-form-urlencoded"}, hdr...)...)
}

// sessionCookie returns the session cookie a response sets (nil: none).
func sessionCookie(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == cookieName && c.Value != "" {
			return c
		}
	}
	return nil
}

// TestLoginCodeOnce: the link's code logs in once, with the ordinary
// session cookie (HttpOnly, SameSite=Strict), and the same URL is useless
// afterwards; the code is 256 random bits and never the token.
func TestLoginCodeOnce(t *testing.T) {
	h := newHarness(t, false)
	for _, cred := range []string{adminToken, credA} {
		lc := mintCode(t, h, cred)
		if raw, err := base64.RawURLEncoding.DecodeString(lc.Code); err != nil || len(raw) != 32 {
			t.Fatalf("code %q: %d bytes (%v), want 32", lc.Code, len(raw), err)
		}
		if strings.Contains(lc.Path, cred) || strings.Contains(lc.Path, url.QueryEscape(cred)) || lc.Path != "/ui/login?code="+lc.Code {
			t.Fatalf("login path %q", lc.Path)
		}
		if d := time.Until(lc.Expires); d <= 0 || d > LoginCodeTTL {
			t.Errorf("expires in %v, want within %v", d, LoginCodeTTL)
		}
		// A link previewer's GETs use nothing up.
		for i := 0; i < 2; i++ {
			if resp, body := h.req(http.MethodGet, lc.Path, "", nil); resp.StatusCode != http.StatusOK || sessionCookie(resp) != nil || !strings.Contains(body, "login.js") {
				t.Fatalf("GET of the link: %d %v", resp.StatusCode, resp.Cookies())
			}
		}
		resp, _ := redeem(t, h, lc.Path)
		ck := sessionCookie(resp)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/ui/" || ck == nil {
			t.Fatalf("login link: %d %v", resp.StatusCode, resp.Header)
		}
		if !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Value == cred {
			t.Errorf("cookie %+v", ck)
		}
		if resp.Header.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("login answer Referrer-Policy %q", resp.Header.Get("Referrer-Policy"))
		}
		if resp, body := h.req(http.MethodGet, "/ui/jobs", "", nil, "Cookie", cookieName+"="+ck.Value); resp.StatusCode != http.StatusOK {
			t.Errorf("the session the code gave: /ui/jobs %d %.200s", resp.StatusCode, body)
		}
		// A replay of the same URL: refused, no session.
		resp, body := redeem(t, h, lc.Path)
		if resp.StatusCode != http.StatusUnauthorized || sessionCookie(resp) != nil || !strings.Contains(body, "used already") {
			t.Errorf("replayed login link: %d %v", resp.StatusCode, resp.Cookies())
		}
	}
}

// TestLoginCodeExpires: a code older than LoginCodeTTL logs nobody in.
func TestLoginCodeExpires(t *testing.T) {
	h := newHarness(t, false)
	lc := mintCode(t, h, adminToken)
	var mu sync.Mutex
	now := time.Now()
	h.s.auth.mu.Lock()
	h.s.auth.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	h.s.auth.mu.Unlock()
	mu.Lock()
	now = now.Add(LoginCodeTTL + time.Second)
	mu.Unlock()
	resp, body := redeem(t, h, lc.Path)
	if resp.StatusCode != http.StatusUnauthorized || sessionCookie(resp) != nil || !strings.Contains(body, "expired") {
		t.Errorf("expired login link: %d %v", resp.StatusCode, resp.Cookies())
	}
	// One just minted still works under the same clock.
	lc = mintCode(t, h, adminToken)
	if resp, _ := redeem(t, h, lc.Path); resp.StatusCode != http.StatusSeeOther || sessionCookie(resp) == nil {
		t.Errorf("fresh login link: %d", resp.StatusCode)
	}
}

// TestLoginCodeWrong: a wrong code — another random one, the right one
// with its last character changed, a prefix, the empty code, the token
// itself — is refused and does not use up the live code; the live code
// is then redeemed once. (That no comparison time depends on how much of
// a code matches is by construction: redeemLoginCode compares SHA-256
// sums of every live code with subtle.ConstantTimeCompare, no early exit.)
func TestLoginCodeWrong(t *testing.T) {
	h := newHarness(t, false)
	lc := mintCode(t, h, adminToken)
	other := mintCode(t, h, adminToken).Code
	h.s.auth.redeemLoginCode(other) // used: now just a wrong code
	last := lc.Code[len(lc.Code)-1]
	flip := byte('A')
	if last == 'A' {
		flip = 'B'
	}
	for _, wrong := range []string{other, lc.Code[:len(lc.Code)-1] + string(flip), lc.Code[:20], lc.Code + "x", adminToken} {
		resp, _ := redeem(t, h, "/ui/login?code="+url.QueryEscape(wrong))
		if resp.StatusCode != http.StatusUnauthorized || sessionCookie(resp) != nil {
			t.Errorf("wrong code %q: %d %v", wrong, resp.StatusCode, resp.Cookies())
		}
	}
	// The same code posted from another site's form, or followed from
	// another site's link: refused, and not used up.
	if resp, _ := h.req(http.MethodPost, "/ui/login", "", strings.NewReader("code="+lc.Code), "Content-Type", "application/x-www-form-urlencoded",
		"Origin", "http://evil.example"); resp.StatusCode != http.StatusForbidden || sessionCookie(resp) != nil {
		t.Errorf("cross-site POST of the code: %d", resp.StatusCode)
	}
	if resp, _ := h.req(http.MethodGet, lc.Path, "", nil, "Sec-Fetch-Site", "cross-site"); resp.StatusCode != http.StatusForbidden || sessionCookie(resp) != nil {
		t.Errorf("cross-site link with the code: %d", resp.StatusCode)
	}
	resp, _ := h.req(http.MethodPost, "/ui/login", "", strings.NewReader("code="+lc.Code), "Content-Type", "application/x-www-form-urlencoded")
	if resp.StatusCode != http.StatusSeeOther || sessionCookie(resp) == nil {
		t.Errorf("the right code after the wrong ones: %d", resp.StatusCode)
	}
	// Anonymous callers (public read) get no code.
	hp := newHarness(t, true)
	if resp, _ := hp.req(http.MethodPost, "/api/v1/login-codes", "", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous code: %d, want 401", resp.StatusCode)
	}
	if resp, _ := h.req(http.MethodPost, "/api/v1/login-codes", "wrong", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("code for a wrong token: %d, want 401", resp.StatusCode)
	}
}

// TestLoginCodeNotLogged: the server's log (at debug level, every
// request) never holds a code, whether used, replayed or wrong.
func TestLoginCodeNotLogged(t *testing.T) {
	h := newHarness(t, false)
	var buf bytes.Buffer
	var mu sync.Mutex
	s, err := New(Config{Tracker: h.tr, Inner: h.tr.Handler(), Logger: slog.New(slog.NewTextHandler(&lockedWriter{w: &buf, mu: &mu},
		&slog.HandlerOptions{Level: slog.LevelDebug})), Auth: AuthConfig{Token: adminToken}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	defer srv.Close()
	get := func(method, path string, hdr ...string) (*http.Response, []byte) {
		var body io.Reader
		if method == http.MethodPost {
			u, _ := url.Parse(path)
			body = strings.NewReader(u.RawQuery)
			hdr = append(hdr, "Content-Type", "application/x-www-form-urlencoded")
		}
		r, _ := http.NewRequest(method, srv.URL+path, body)
		for i := 0; i+1 < len(hdr); i += 2 {
			r.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(r)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, b
	}
	resp, body := get(http.MethodPost, "/api/v1/login-codes", "X-Auth-Token", adminToken)
	var lc LoginCode
	if err := json.Unmarshal(body, &lc); resp.StatusCode != http.StatusCreated || err != nil {
		t.Fatalf("mint: %d %s", resp.StatusCode, body)
	}
	get(http.MethodGet, lc.Path)
	if resp, _ := get(http.MethodPost, "/ui/login?code="+lc.Code); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("login link: %d", resp.StatusCode)
	}
	get(http.MethodPost, "/ui/login?code="+lc.Code)
	get(http.MethodGet, "/ui/login?code="+lc.Code[:30])
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(buf.String(), "/ui/login") {
		t.Fatalf("the log has no login request at all (is it logging?):\n%s", buf.String())
	}
	if strings.Contains(buf.String(), lc.Code[:30]) {
		t.Errorf("the log holds the code:\n%s", buf.String())
	}
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
