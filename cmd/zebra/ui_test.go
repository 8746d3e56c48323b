package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"zebra/mapreduce/mrtest/zebratest"
)

// captureStderr runs f with os.Stderr going to a pipe and returns what
// it wrote.
func captureStderr(t *testing.T, f func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stderr
	os.Stderr = w
	done := make(chan []byte)
	go func() { b, _ := io.ReadAll(r); done <- b }()
	defer func() { os.Stderr = old }()
	f()
	w.Close()
	return string(<-done)
}

// TestPublicReadRefusedWithTenants: --public-read is refused, with zebra's
// usage exit code 2 and a message that says why and what to do, on a
// `zebra up` with Swift (whose accounts are tenants) and on a jobtracker
// given a Swift auth URL; nothing is started (the context is already
// cancelled: a start would fail with 1, not 2).
func TestPublicReadRefusedWithTenants(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	t.Setenv("ZEBRA_SWIFT_AUTH", "")
	for _, c := range []struct {
		name string
		run  func() int
	}{
		{"up", func() int { return upCommand(ctx, []string{"--public-read", "--state", t.TempDir()}) }},
		{"jobtracker", func() int {
			return jobtrackerCommand(ctx, []string{"--public-read", "--swift-auth", "http://127.0.0.1:1/v1", "--data", t.TempDir()})
		}},
	} {
		var code int
		out := captureStderr(t, func() { code = c.run() })
		if code != 2 || !strings.Contains(out, "--public-read is only for a cluster without Swift tenants") || !strings.Contains(out, "--no-swift") {
			t.Errorf("%s --public-read with Swift: exit %d, stderr %q", c.name, code, out)
		}
	}
	if err := checkPublicRead(true, ""); err != nil {
		t.Errorf("single-tenant --public-read refused: %v", err)
	}
}

// TestUpLoginLink: `zebra up` prints a login link that logs a browser in
// once (the ordinary session cookie), then is useless; no URL zebra up or
// zebra ui prints holds the cluster token; `zebra ui` prints a new link
// that works once too; --public-read on a --no-swift cluster lets a
// request without a token read the jobs list.
func TestUpLoginLink(t *testing.T) {
	bin := buildZebra(t)
	c := zebratest.Up(t, bin, "", "--no-swift", "--workers", "1", "--slots", "1", "--public-read")
	state, token, jt := c.State, c.Token(), c.JobTracker()
	if token == "" {
		t.Fatalf("zebra up printed no token:\n%s", c.Stdout)
	}
	urls := regexp.MustCompile(`https?://[^\s"'()]+`)
	printed := c.Stderr + c.Stdout
	link := ""
	for _, u := range urls.FindAllString(printed, -1) {
		if strings.Contains(u, token) || strings.Contains(u, url.QueryEscape(token)) {
			t.Errorf("zebra up printed a URL with the token: %s", u)
		}
		if strings.Contains(u, "/ui/login?code=") {
			link = u
		}
	}
	if link == "" {
		t.Fatalf("zebra up printed no login link:\n%s", c.Stderr)
	}
	// follow does what a browser does with the link: GET shows a page
	// whose script posts the code back; the POST logs in.
	follow := func(link string) (int, *http.Cookie) {
		c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := c.Get(link)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || len(resp.Cookies()) > 0 {
			t.Fatalf("GET %s: %d %v", link, resp.StatusCode, resp.Cookies())
		}
		u, _ := url.Parse(link)
		resp, err = c.PostForm(jt+"/ui/login", url.Values{"code": {u.Query().Get("code")}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		for _, ck := range resp.Cookies() {
			if ck.Name == "zebra_session" && ck.Value != "" {
				return resp.StatusCode, ck
			}
		}
		return resp.StatusCode, nil
	}
	check := func(link string) {
		code, ck := follow(link)
		if code != http.StatusSeeOther || ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode {
			t.Fatalf("login link %s: %d, cookie %v", link, code, ck)
		}
		req, _ := http.NewRequest(http.MethodGet, jt+"/ui/jobs/"+"job_none_0001", nil)
		req.AddCookie(ck)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound { // logged in: an unknown job, not the login page
			t.Errorf("a page with the link's session: %d", resp.StatusCode)
		}
		if code, ck := follow(link); code != http.StatusUnauthorized || ck != nil {
			t.Errorf("login link followed twice: %d, cookie %v", code, ck)
		}
	}
	check(link)
	ui := exec.Command(bin, "ui", "-state", state)
	ui.Env = append(os.Environ(), "ZEBRA_TOKEN=", "ZEBRA_JOBTRACKER=")
	var uiErr bytes.Buffer
	ui.Stderr = &uiErr
	again, err := ui.Output()
	if err != nil {
		t.Fatalf("zebra ui: %v\n%s", err, uiErr.Bytes())
	}
	link2 := strings.TrimSpace(string(again))
	if link2 == link || !strings.HasPrefix(link2, jt+"/ui/login?code=") || strings.Contains(link2, token) || strings.Contains(uiErr.String(), token) {
		t.Fatalf("zebra ui printed %q (stderr %q)", again, uiErr.String())
	}
	check(link2)
	// --public-read: the jobs list without a token.
	resp, err := http.Get(jt + "/api/v1/jobs")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("--public-read: anonymous jobs list %d", resp.StatusCode)
	}
}
