package web

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"zebra/jobtracker/api"
	"zebra/web/browsertest"

	"zebra/mapreduce/mrtest/suite"
)

// The browser test drives headless Chromium (Debian's chromium package)
// over the UI: it logs in, watches a job's progress bars reach 100%
// without a reload while the test's worker runs the tasks, opens a failed
// attempt's traceback and kills a running job with the UI's form. It
// keeps screenshots (laptop and phone sizes) in $ZEBRA_SCREENSHOTS
// (default: a zebra-ui-screenshots folder in the temporary directory).

// browserLogin logs the browser of ctx in to h's UI as cred the way a
// user does: it opens a one-time login link (minted for cred), whose
// page's script posts the code, and waits until the login has led to
// /ui/. (Evaluate fails while the page navigates: asked again until then.)
func browserLogin(t *testing.T, ctx context.Context, h *harness, cred string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(h.srv.URL+mintCode(t, h, cred).Path)); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		loc, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname + " " + document.readyState`))
		if err == nil && loc == "/ui/ complete" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the login link the browser is at %q (%v)", loc, err)
		}
	}
}

func screenshotDir(t *testing.T) string {
	dir := os.Getenv("ZEBRA_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "zebra-ui-screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestBrowser(t *testing.T) {
	suite.Require(t, suite.Browser)
	shots := screenshotDir(t)
	f := newFixture(t, false)
	job := f.submit(credA, f.plan("live progress", 6, 2))
	w := f.worker("node-2", 2) // node-1's slots hold the running job

	ctx := browsertest.New(t, 2*time.Minute, chromedp.WindowSize(1280, 900))
	shot := func(name string) {
		t.Helper()
		buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		p := filepath.Join(shots, name+".png")
		if err := os.WriteFile(p, buf, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot %s", p)
	}
	eval := func(js string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("evaluate %s: %v", js, err)
		}
		return v
	}

	// Log in with a one-time link as `zebra up` prints, then open the job.
	browserLogin(t, ctx, f.harness, credA)
	shot("overview")
	if err := chromedp.Do(ctx, chromedp.Navigate(f.srv.URL+"/ui/jobs/"+job), chromedp.WaitVisible(chromedp.ID("#map-progress"))); err != nil {
		t.Fatal(err)
	}
	eval(`window.zebraMarker = "same page"; "ok"`)
	if v := eval(`String(document.getElementById("map-progress").value)`); v != "0" {
		t.Errorf("map progress at first: %s", v)
	}
	shot("job-start")

	// Run the job's tasks while the page watches.
	watched := make(chan error, 1)
	go func() {
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById("map-progress").value == 100 && document.getElementById("reduce-progress").value == 100 && document.getElementById("job-state").textContent == "SUCCEEDED"`,
			chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(60*time.Second)))
		watched <- err
	}()
	seen := map[string]bool{}
	deadline := time.Now().Add(60 * time.Second)
	for st, _ := f.tr.Status(job); !st.Done() && time.Now().Before(deadline); st, _ = f.tr.Status(job) {
		for _, a := range w.poll() {
			time.Sleep(150 * time.Millisecond) // one at a time, for the page to show steps
			w.done(a, api.AttemptSucceeded, "")
			if !seen["half"] && a.Kind == "map" {
				if v := eval(`String(document.getElementById("map-progress").value)`); v != "0" {
					seen["half"] = true
				}
			}
		}
	}
	if err := <-watched; err != nil {
		t.Fatalf("the progress bars did not reach 100%% without a reload: %v (map %s, reduce %s, state %s)", err,
			eval(`String(document.getElementById("map-progress").value)`), eval(`String(document.getElementById("reduce-progress").value)`),
			eval(`document.getElementById("job-state").textContent`))
	}
	if m := eval(`String(window.zebraMarker)`); m != "same page" {
		t.Errorf("the page was reloaded (marker %q)", m)
	}
	if text := eval(`document.getElementById("map-text").textContent`); text != "6 / 6 (100%)" {
		t.Errorf("map text %q", text)
	}
	shot("job-succeeded")

	// The failed attempt's traceback.
	if err := chromedp.Do(ctx, chromedp.Navigate(f.srv.URL+"/ui/jobs/"+f.done+"/attempts/"+f.failed), chromedp.WaitVisible(chromedp.ID("#stderr"))); err != nil {
		t.Fatal(err)
	}
	if log := eval(`document.getElementById("stderr").textContent`); !strings.Contains(log, "ZeroDivisionError: division by zero") {
		t.Errorf("the attempt page shows %q", log)
	}
	if reason := eval(`document.getElementById("kill-reason").textContent`); reason != "memory limit of 64.0 MiB exceeded" {
		t.Errorf("kill reason %q", reason)
	}
	shot("failed-attempt")

	// Kill the running job from the UI.
	if err := chromedp.Do(ctx, chromedp.Navigate(f.srv.URL+"/ui/jobs/"+f.running), chromedp.WaitVisible(chromedp.ID("#kill-link")),
		chromedp.Click(chromedp.ID("#kill-link")), chromedp.WaitVisible(chromedp.ID("#confirm-kill"))); err != nil {
		t.Fatal(err)
	}
	shot("kill-confirm")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("#confirm-kill")), chromedp.WaitVisible(chromedp.ID("#job-state"))); err != nil {
		t.Fatal(err)
	}
	killed := make(chan error, 1)
	go func() {
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById("job-state").textContent == "KILLED"`,
			chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(30*time.Second)))
		killed <- err
	}()
	f.w.stopKilled()
	if err := <-killed; err != nil {
		st, _ := f.tr.Status(f.running)
		t.Fatalf("the page did not show the job killed: %v (the job is %s)", err, st.State)
	}
	if st, _ := f.tr.Status(f.running); st.State != api.StateKilled {
		t.Errorf("the job is %s", st.State)
	}

	// Phone-sized pages.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844), chromedp.Navigate(f.srv.URL+"/ui/jobs/"+job)); err != nil {
		t.Fatal(err)
	}
	if w := eval(`String(document.documentElement.scrollWidth <= window.innerWidth + 1)`); w != "true" {
		t.Errorf("the job page is wider than a phone: %s", eval(`document.documentElement.scrollWidth + " > " + window.innerWidth`))
	}
	shot("job-phone")
	if err := chromedp.Do(ctx, chromedp.Navigate(f.srv.URL+"/ui/jobs/"+job+"/tasks")); err != nil {
		t.Fatal(err)
	}
	shot("tasks-phone")
}

// TestBrowserLoginLinkFromAnotherSite: in headless Chromium, a page on
// another origin (another port of the host: same-site, not same-origin)
// that sends the browser to a one-time login link of its owner's — by a
// link the user clicks, and by a script — does not log the browser in
// (nor uses the code up); the same link opened by the user does.
func TestBrowserLoginLinkFromAnotherSite(t *testing.T) {
	suite.Require(t, suite.Browser)
	h := newHarness(t, false)
	link := h.srv.URL + mintCode(t, h, credB).Path
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		if r.URL.Path == "/script" {
			fmt.Fprintf(w, `<script>location.href = %q</script>`, link)
			return
		}
		fmt.Fprintf(w, `<a id="go" href="%s">see my job</a>`, html.EscapeString(link))
	}))
	defer evil.Close()

	for _, c := range []struct {
		name  string
		steps []chromedp.Action[chromedp.Void]
		in    bool
	}{
		{"a link clicked on another site", []chromedp.Action[chromedp.Void]{chromedp.Navigate(evil.URL + "/link"), chromedp.Click(chromedp.ID("#go"))}, false},
		{"a script on another site", []chromedp.Action[chromedp.Void]{chromedp.Navigate(evil.URL + "/script")}, false},
		{"the link opened by the user", []chromedp.Action[chromedp.Void]{chromedp.Navigate(link)}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := browsertest.New(t, 0)
			if err := chromedp.Do(ctx, c.steps...); err != nil {
				t.Fatal(err)
			}
			// Wait until the browser is on the tracker: the login form,
			// or the page after the login (not the link's own page,
			// whose script posts the code).
			// (A navigation under way replaces the page's context:
			// evaluating fails until the next page is there.)
			for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
				there, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`location.origin === `+strconv.Quote(h.srv.URL)+` && document.readyState === "complete" && !document.getElementById("code-login")`))
				if err == nil && there {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the browser did not reach the tracker: %v", err)
				}
			}
			body, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
			if err != nil {
				t.Fatal(err)
			}
			if !c.in && !strings.Contains(body, "another site") {
				t.Errorf("the refused login does not say why: %.300s", body)
			}
			// Is the browser logged in? The user opens the jobs page.
			if err := chromedp.Do(ctx, chromedp.Navigate(h.srv.URL+"/ui/jobs")); err != nil {
				t.Fatal(err)
			}
			path, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`))
			if err != nil {
				t.Fatal(err)
			}
			if got := path == "/ui/jobs"; got != c.in {
				t.Errorf("logged in: %v, want %v (the jobs page went to %s)", got, c.in, path)
			}
		})
	}
}
