package web

import (
	"bytes"
	"html"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// The web origin's attack tests: real HTTP requests against a running
// tracker and server (the harness).

// TestLoginRedirectStaysInTheUI: the login's next= leads only to a page of
// the UI on this origin; every way of naming another place ends at /ui/.
func TestLoginRedirectStaysInTheUI(t *testing.T) {
	h := newHarness(t, false)
	form := "application/x-www-form-urlencoded"
	for _, c := range []struct{ next, want string }{
		{"/ui/jobs", "/ui/jobs"},
		{"/ui/jobs/job_1_0001?x=1", "/ui/jobs/job_1_0001?x=1"},
		{"/ui/", "/ui/"},
		{"/ui/../open/images/evil.html?app=apps/cat.wasm", "/ui/"},
		{"/ui/./jobs", "/ui/"},
		{"/ui/%2e%2e/open/x", "/ui/"},
		{"/ui/%2E%2E/api/v1/jobs", "/ui/"},
		{"/ui/%252e%252e/open/x", "/ui/"},
		{"/ui/..%2fopen/x", "/ui/"},
		{"/ui/..%5copen/x", "/ui/"},
		{"/ui/\\..\\open", "/ui/"},
		{"//evil.example/ui/", "/ui/"},
		{"///evil.example/ui/", "/ui/"},
		{"/\\evil.example/ui/", "/ui/"},
		{"\\\\evil.example/ui/", "/ui/"},
		{"https://evil.example/ui/", "/ui/"},
		{"http:/ui/", "/ui/"},
		{"javascript:alert(1)//ui/", "/ui/"},
		{"/ui//evil.example", "/ui/"},
		{"/ui/\r\nLocation: http://evil.example", "/ui/"},
		{"/ui/\tx", "/ui/"},
		{"/uix/jobs", "/ui/"},
		{"/open/images/evil.html", "/ui/"},
		{"/ui/jobs#//evil.example", "/ui/"},
		{"", "/ui/"},
	} {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			var resp *http.Response
			if method == http.MethodGet {
				// The one-time link with next=: its page posts the code
				// and the next it was given.
				_, page := h.req(method, mintCode(t, h, credA).Path+"&"+url.Values{"next": {c.next}}.Encode(), "", nil)
				form := url.Values{}
				for _, name := range []string{"code", "next"} {
					_, v, _ := strings.Cut(page, `name="`+name+`" value="`)
					v, _, _ = strings.Cut(v, `"`)
					form.Set(name, html.UnescapeString(v))
				}
				resp, _ = h.req(http.MethodPost, "/ui/login", "", strings.NewReader(form.Encode()), "Content-Type", "application/x-www-form-urlencoded")
			} else {
				resp, _ = h.req(method, "/ui/login", "", strings.NewReader(url.Values{"token": {credA}, "next": {c.next}}.Encode()), "Content-Type", form)
			}
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != c.want {
				t.Errorf("%s login next=%q: %d Location %q, want 303 %q", method, c.next, resp.StatusCode, resp.Header.Get("Location"), c.want)
			}
		}
	}
	// A login posted from another site is refused (login CSRF).
	if resp, _ := h.req(http.MethodPost, "/ui/login", "", strings.NewReader(url.Values{"token": {credA}}.Encode()), "Content-Type", form,
		"Origin", "http://evil.example"); resp.StatusCode != http.StatusForbidden || len(resp.Cookies()) != 0 {
		t.Errorf("login posted from another site: %d %v", resp.StatusCode, resp.Cookies())
	}
	// Every answer is nosniff, JSON errors quoting the request included.
	if resp, _ := h.req(http.MethodGet, "/api/v1/jobs/%3Cscript%3E", credA, nil); resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("an API error is not nosniff: %v", resp.Header)
	}
	// The redirect of an unauthenticated page carries the page, and the
	// login sends the browser back to it.
	resp, _ := h.req(http.MethodGet, "/ui/jobs?state=RUNNING", "", nil)
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || err != nil || loc.Path != "/ui/login" || loc.Query().Get("next") != "/ui/jobs?state=RUNNING" {
		t.Errorf("unauthenticated page: %d Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// TestSessions: the cookie names a server-side session, not the
// credential; it is scoped to the UI; logout ends the session on the
// server (the old cookie no longer works); an expired session is refused.
func TestSessions(t *testing.T) {
	h := newHarness(t, false)
	ck := login(t, h, credA)
	if strings.Contains(ck.Value, "tk-alice") || strings.Contains(ck.Value, url.QueryEscape(credA)) || ck.Value == credA {
		t.Errorf("the cookie holds the credential: %q", ck.Value)
	}
	if len(ck.Value) < 43 { // 32 random bytes in base64
		t.Errorf("session id %q is shorter than 256 bits", ck.Value)
	}
	if ck.Path != "/ui/" || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Secure {
		t.Errorf("cookie attributes %+v: want Path /ui/, HttpOnly, SameSite=Strict, not Secure over plain HTTP", ck)
	}
	cookie := cookieName + "=" + ck.Value
	if resp, body := h.req(http.MethodGet, "/ui/jobs", "", nil, "Cookie", cookie); resp.StatusCode != 200 || !strings.Contains(body, tenantA) {
		t.Fatalf("page with the session: %d", resp.StatusCode)
	}
	// Two logins are two sessions.
	if ck2 := login(t, h, credA); ck2.Value == ck.Value {
		t.Errorf("two logins got the same session id")
	}
	// A made-up or the old token-valued cookie is no session.
	for _, v := range []string{"x", url.QueryEscape(credA), credA, ck.Value + "x"} {
		if resp, _ := h.req(http.MethodGet, "/ui/jobs", "", nil, "Cookie", cookieName+"="+v); resp.StatusCode != http.StatusSeeOther ||
			!strings.HasPrefix(resp.Header.Get("Location"), "/ui/login") {
			t.Errorf("cookie %q: %d %q, want a redirect to the login", v, resp.StatusCode, resp.Header.Get("Location"))
		}
		if resp, _ := h.req(http.MethodGet, "/api/v1/jobs", "", nil, "Cookie", "zebra_token="+v); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("old zebra_token cookie %q on the API: %d, want 401", v, resp.StatusCode)
		}
	}
	// The session authorizes the UI only: not the APIs, not /open.
	for _, p := range []string{"/api/v1/jobs", "/ws/v1/history/mapreduce/jobs", "/metrics", "/open/images/x.html?app=apps/cat.wasm"} {
		if resp, _ := h.req(http.MethodGet, p, "", nil, "Cookie", cookie); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("GET %s with the session cookie: %d, want 401", p, resp.StatusCode)
		}
	}
	// Logout needs the CSRF token, then ends the session on the server.
	_, page := h.req(http.MethodGet, "/ui/jobs", "", nil, "Cookie", cookie)
	csrf := csrfIn(t, page)
	form := "application/x-www-form-urlencoded"
	if resp, _ := h.req(http.MethodPost, "/ui/logout", "", nil, "Cookie", cookie); resp.StatusCode != http.StatusForbidden {
		t.Errorf("logout without the CSRF token: %d, want 403", resp.StatusCode)
	}
	resp, _ := h.req(http.MethodPost, "/ui/logout", "", strings.NewReader("csrf="+url.QueryEscape(csrf)), "Cookie", cookie, "Content-Type", form)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", resp.StatusCode)
	}
	if resp, _ := h.req(http.MethodGet, "/ui/jobs", "", nil, "Cookie", cookie); resp.StatusCode != http.StatusSeeOther ||
		!strings.HasPrefix(resp.Header.Get("Location"), "/ui/login") {
		t.Errorf("the cookie after logout: %d %q, want a redirect to the login", resp.StatusCode, resp.Header.Get("Location"))
	}

	// Expiry: the session works until SessionTTL after the login, then not.
	clock := time.Now()
	h.s.auth.mu.Lock()
	h.s.auth.now = func() time.Time { return clock }
	h.s.auth.mu.Unlock()
	ck = login(t, h, credA)
	if ck.MaxAge <= 0 || time.Duration(ck.MaxAge)*time.Second != h.s.auth.cfg.SessionTTL {
		t.Errorf("cookie Max-Age %d, want the session's TTL %v", ck.MaxAge, h.s.auth.cfg.SessionTTL)
	}
	cookie = cookieName + "=" + ck.Value
	h.s.auth.mu.Lock()
	clock = clock.Add(h.s.auth.cfg.SessionTTL - time.Second)
	h.s.auth.mu.Unlock()
	if resp, _ := h.req(http.MethodGet, "/ui/jobs", "", nil, "Cookie", cookie); resp.StatusCode != 200 {
		t.Errorf("session a second before its expiry: %d", resp.StatusCode)
	}
	h.s.auth.mu.Lock()
	clock = clock.Add(time.Second)
	h.s.auth.mu.Unlock()
	if resp, body := h.req(http.MethodGet, "/ui/jobs", "", nil, "Cookie", cookie); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("expired session: %d %.200s, want a redirect to the login", resp.StatusCode, body)
	}
	if resp, body := h.req(http.MethodPost, "/ui/logout", "", strings.NewReader("csrf=x"), "Cookie", cookie, "Content-Type", form); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("POST with an expired session: %d %.200s, want 401", resp.StatusCode, body)
	}
}

// csrfIn returns the CSRF token of a page's forms.
func csrfIn(t *testing.T, page string) string {
	t.Helper()
	i := strings.Index(page, `name="csrf" value="`)
	if i < 0 {
		t.Fatalf("page has no CSRF token:\n%s", page)
	}
	csrf := page[i+len(`name="csrf" value="`):]
	return csrf[:strings.IndexByte(csrf, '"')]
}

// TestTaskLogsCannotActInTheUI: an attempt's log is the task's bytes; the
// UI serves it sandboxed, never as a page of the UI's origin, and the
// download name is a quoted parameter.
func TestTaskLogsCannotActInTheUI(t *testing.T) {
	f := newFixture(t, false)
	ck := login(t, f.harness, credA)
	for _, p := range []string{
		"/ui/jobs/" + f.done + "/attempts/" + f.succeeded + "/logs/stderr?download=1",
		"/api/v1/jobs/" + f.done + "/attempts/" + f.succeeded + "/logs/stderr?download=1",
	} {
		var resp *http.Response
		if strings.HasPrefix(p, "/ui/") {
			resp, _ = f.req(http.MethodGet, p, "", nil, "Cookie", cookieName+"="+ck.Value)
		} else {
			resp, _ = f.req(http.MethodGet, p, credA, nil)
		}
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d", p, resp.StatusCode)
		}
		if got := resp.Header.Get("Content-Security-Policy"); got != "sandbox" {
			t.Errorf("GET %s: Content-Security-Policy %q, want sandbox", p, got)
		}
		if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("GET %s: X-Content-Type-Options %q", p, got)
		}
		if got, want := resp.Header.Get("Content-Disposition"), `attachment; filename=`+f.succeeded+`.stderr`; got != want {
			t.Errorf("GET %s: Content-Disposition %q, want %q", p, got, want)
		}
		if ct := resp.Header.Get("Content-Type"); strings.Contains(ct, "html") {
			t.Errorf("GET %s: Content-Type %q", p, ct)
		}
	}
	// Names that are not a log file's are refused before any worker is asked.
	for _, file := range []string{"..", "%2e%2e", "..%2fstdout", "a%0d%0aSet-Cookie:%20x=y", "%00"} {
		resp, _ := f.req(http.MethodGet, "/api/v1/jobs/"+f.done+"/attempts/"+f.succeeded+"/logs/"+file, credA, nil)
		if resp.StatusCode/100 == 2 || resp.Header.Get("Set-Cookie") != "" {
			t.Errorf("log file %q: %d %v", file, resp.StatusCode, resp.Header)
		}
	}
}

// TestOpenPathTraversal: an /open path with "." or ".." segments is refused
// before any Swift or worker is asked (cleaned by a worker, it would name
// the worker's attempt logs, readable with the cluster token the gateway
// sends). Raw and percent-encoded.
func TestOpenPathTraversal(t *testing.T) {
	h := newHarness(t, false)
	for _, p := range []string{
		"/open/c/../../../logs/job_1_0001/attempt_1_0001_m_000000_0/stderr?app=a/b",
		"/open/c/%2e%2e/%2E%2E/%2e%2e/logs/job_1_0001/x/stderr?app=a/b",
		"/open/c/..%2f..%2f..%2flogs/x?app=a/b",
		"/open/c/./x?app=a/b",
	} {
		for _, cred := range []string{credA, adminToken} {
			h.mu.Lock()
			before := h.swiftN
			h.mu.Unlock()
			resp, body := h.req(http.MethodGet, p, cred, nil)
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "segments") {
				t.Errorf("GET %s: %d %.200s, want 400", p, resp.StatusCode, body)
			}
			h.mu.Lock()
			asked := h.swiftN != before
			h.mu.Unlock()
			if asked && cred == adminToken {
				t.Errorf("GET %s: Swift was asked", p)
			}
		}
	}
}

// TestLoginLinkFromAnotherSite: the one-time login link (GET
// /ui/login?code=, which `zebra up` and `zebra ui` print) leads to its
// login only when the user opened it (address bar, bookmark, a terminal)
// or this origin's pages did. A link or a redirect from another site —
// e.g. a tenant's page, which would log its victims into the tenant's own
// account (login CSRF: what they then do in the UI, they do as the
// tenant, and their own session is replaced) — gets the login form, no
// session and not the code, whatever the browser says about the request
// (Fetch Metadata, or a Referer from a browser without it), and leaves
// the code unused.
func TestLoginLinkFromAnotherSite(t *testing.T) {
	h := newHarness(t, false)
	lc := mintCode(t, h, credB)
	link := lc.Path + "&" + url.Values{"next": {"/ui/jobs"}}.Encode()
	for _, c := range []struct {
		name string
		hdr  []string
		ok   bool
	}{
		{"typed in the address bar", []string{"Sec-Fetch-Site", "none", "Sec-Fetch-Mode", "navigate", "Sec-Fetch-User", "?1"}, true},
		{"a link on this origin's pages", []string{"Sec-Fetch-Site", "same-origin", "Sec-Fetch-Mode", "navigate", "Referer", h.srv.URL + "/ui/"}, true},
		{"a client without a browser", nil, true},
		{"a link on another site", []string{"Sec-Fetch-Site", "cross-site", "Sec-Fetch-Mode", "navigate", "Sec-Fetch-User", "?1", "Referer", "http://evil.example/"}, false},
		{"a link on another port of this host", []string{"Sec-Fetch-Site", "same-site", "Sec-Fetch-Mode", "navigate", "Referer", "http://127.0.0.1:1/page.html"}, false},
		{"an image on another site", []string{"Sec-Fetch-Site", "cross-site", "Sec-Fetch-Mode", "no-cors", "Sec-Fetch-Dest", "image"}, false},
		{"a link on another site, in a browser without Fetch Metadata", []string{"Referer", "http://evil.example/x.html"}, false},
		{"a link on a run-on-open page (opaque origin)", []string{"Sec-Fetch-Site", "cross-site", "Sec-Fetch-Mode", "navigate"}, false},
	} {
		resp, body := h.req(http.MethodGet, link, "", nil, c.hdr...)
		// The link's own page holds the code in the form its script posts.
		got := resp.StatusCode == http.StatusOK && strings.Contains(body, `id="code-login"`)
		if got != c.ok || sessionCookie(resp) != nil {
			t.Errorf("%s: %d, cookies %v: led to the login %v, want %v", c.name, resp.StatusCode, resp.Cookies(), got, c.ok)
		}
		if !c.ok {
			if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "another site") || strings.Contains(body, lc.Code) {
				t.Errorf("%s: %d, want 403 with the login form saying why, without the code: %.400s", c.name, resp.StatusCode, body)
			}
		}
	}
	// None of that used the code up: the user's own visit logs in (its
	// page posts the code and next).
	form := url.Values{"code": {lc.Code}, "next": {"/ui/jobs"}}
	resp, _ := h.req(http.MethodPost, "/ui/login", "", strings.NewReader(form.Encode()), "Content-Type", "application/x-www-form-urlencoded")
	if resp.StatusCode != http.StatusSeeOther || sessionCookie(resp) == nil || resp.Header.Get("Location") != "/ui/jobs" {
		t.Errorf("the user's own visit after the refused ones: %d, cookie %v, to %q", resp.StatusCode, sessionCookie(resp), resp.Header.Get("Location"))
	}
}

// TestLoginTokenInAddressRefused: a token in the login page's address
// (?token=, which once logged in at once) is refused, whether it is
// valid or not and whatever the method: 400 with the login form saying
// why and how to log in, no session, the token not in the page and not
// in the server's log (at its most verbose level).
func TestLoginTokenInAddressRefused(t *testing.T) {
	h := newHarness(t, false)
	var logged bytes.Buffer
	var mu sync.Mutex
	h.s.log = slog.New(slog.NewTextHandler(&lockedWriter{w: &logged, mu: &mu}, &slog.HandlerOptions{Level: slog.LevelDebug})).With("component", "web")
	for _, cred := range []string{credA, adminToken, "not-a-token"} {
		for _, req := range []struct{ method, path, body string }{
			{http.MethodGet, "/ui/login?token=" + url.QueryEscape(cred), ""},
			{http.MethodGet, "/ui/login?next=%2Fui%2Fjobs&token=" + url.QueryEscape(cred), ""},
			{http.MethodPost, "/ui/login?token=" + url.QueryEscape(cred), "next=%2Fui%2F"},
		} {
			resp, body := h.req(req.method, req.path, "", strings.NewReader(req.body), "Content-Type", "application/x-www-form-urlencoded")
			if resp.StatusCode != http.StatusBadRequest || sessionCookie(resp) != nil {
				t.Errorf("%s %s: %d, cookie %v, want 400 and no session", req.method, req.path, resp.StatusCode, sessionCookie(resp))
			}
			for _, w := range []string{"A token in the address is not accepted", "Paste the token below", "zebra ui", `name="token"`} {
				if !strings.Contains(body, w) {
					t.Errorf("%s %s: the page does not say %q:\n%.600s", req.method, req.path, w, body)
				}
			}
			if strings.Contains(body, cred) {
				t.Errorf("%s %s: the page holds the token", req.method, req.path)
			}
			if got := resp.Header.Get("Referrer-Policy"); got != "same-origin" && got != "no-referrer" {
				t.Errorf("%s %s: Referrer-Policy %q: the address (and the token in it) would go to other sites", req.method, req.path, got)
			}
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(logged.String(), "/ui/login") {
		t.Fatalf("the requests were not logged at all (the check below would prove nothing):\n%s", logged.String())
	}
	for _, cred := range []string{credA, adminToken, "not-a-token"} {
		if strings.Contains(logged.String(), cred) || strings.Contains(logged.String(), url.QueryEscape(cred)) {
			t.Errorf("the log holds the token %q:\n%s", cred, logged.String())
		}
	}
}

// TestNoRedirectElsewhere: no answer sends the browser to another site,
// whatever the request path or headers (gin's own trailing-slash redirect
// turned //evil.example/ui/jobs/ into http://evil.example/ui/jobs); a
// clean path with a trailing slash still leads to the page without it.
func TestNoRedirectElsewhere(t *testing.T) {
	h := newHarness(t, false)
	base, _ := url.Parse(h.srv.URL)
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(rawPath string, hdr ...string) *http.Response {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, h.srv.URL+"/", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.URL.Opaque = rawPath // sent as it is
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := noFollow.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	for _, p := range []string{"//evil.example/ui/jobs/", "///evil.example/ui/jobs/", "//evil.example/", "//evil.example/api/v1/jobs/",
		"/%2F%2Fevil.example/ui/jobs/", "//evil.example/ws/v1/history/", "//evil.example/internal/v1/workers/", "//evil.example/ui/"} {
		for _, hdr := range [][]string{nil, {"X-Forwarded-Prefix", "//evil.example"}, {"X-Forwarded-Host", "evil.example"}} {
			resp := get(p, hdr...)
			loc := resp.Header.Get("Location")
			if loc == "" {
				continue
			}
			u, err := base.Parse(loc)
			if err != nil || u.Host != base.Host {
				t.Errorf("GET %s %v: %d to %q, another site", p, hdr, resp.StatusCode, loc)
			}
		}
	}
	for p, want := range map[string]string{"/ui/jobs/": "/ui/jobs", "/ui": "/ui/", "/api/v1/jobs/": "/api/v1/jobs"} {
		if resp := get(p); resp.StatusCode/100 != 3 || resp.Header.Get("Location") != want {
			t.Errorf("GET %s: %d to %q, want a redirect to %s", p, resp.StatusCode, resp.Header.Get("Location"), want)
		}
	}
}
