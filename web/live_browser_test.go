package web

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"zebra/jobtracker/api"
	"zebra/mapreduce/mrtest/suite"
	"zebra/web/browsertest"
)

// The live pages in headless Chromium: pages opened once, never
// reloaded (a marker set in the page survives), follow the jobs as the
// test's worker runs them.

// tab is a browser logged in as one principal.
type tab struct {
	t   *testing.T
	ctx context.Context
}

// newTab starts a browser of its own (its own cookies) and logs it in
// with cred.
func newTab(t *testing.T, h *harness, cred string) *tab {
	t.Helper()
	ctx := browsertest.New(t, 0, chromedp.WindowSize(1280, 900))
	b := &tab{t: t, ctx: ctx}
	browserLogin(t, ctx, h, cred)
	return b
}

// another opens another tab of b's browser (logged in alike).
func (b *tab) another() *tab {
	ctx, cancel := chromedp.NewContext(b.ctx)
	b.t.Cleanup(cancel)
	return &tab{t: b.t, ctx: ctx}
}

// open navigates and marks the page: marked() tells whether the page is
// still the one opened (not reloaded).
func (b *tab) open(url string) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, chromedp.Navigate(url)); err != nil {
		b.t.Fatalf("open %s: %v", url, err)
	}
	b.eval(`window.zebraMarker = "not reloaded"; ""`)
}

// shot keeps a screenshot of the page in screenshotDir.
func (b *tab) shot(name string) {
	b.t.Helper()
	buf, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	p := filepath.Join(screenshotDir(b.t), name+".png")
	if err := os.WriteFile(p, buf, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot %s", p)
}

func (b *tab) marked() bool { return b.eval(`String(window.zebraMarker)`) == "not reloaded" }

func (b *tab) eval(js string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// wait waits until js is true in the page (what says what for the
// failure; the page's text is shown then).
func (b *tab) wait(what, js string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](js, chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		b.t.Fatalf("the page never showed %s: %v\n%.3000s", what, err, b.eval(`document.querySelector("main").innerText`))
	}
	if !b.marked() {
		b.t.Fatalf("the page was reloaded on the way to %s", what)
	}
}

// text is the text of the element a CSS selector finds ("" if none).
func text(sel string) string {
	return `((document.querySelector(` + strconv.Quote(sel) + `) || {}).textContent || "")`
}

// TestBrowserLiveJobPage: a running job's page, opened before its first
// attempt starts, shows without a reload its attempts starting, a
// map's progress and status line, its timeline filling in, and at the
// end the final state, Finished time and counters.
func TestBrowserLiveJobPage(t *testing.T) {
	suite.Require(t, suite.Browser)
	h := newHarness(t, false)
	job := h.submit(credA, h.plan("live job", 2, 1))
	b := newTab(t, h, credA)
	b.open(h.srv.URL + "/ui/jobs/" + job)
	if got := b.eval(text("#job-state")); got != api.StateRunning {
		t.Fatalf("state %q at first", got)
	}
	if b.eval(`String(!!document.getElementById("running"))`) != "false" || !strings.Contains(b.eval(text(".timeline")), "no attempts yet") {
		t.Fatalf("the page shows attempts before any started")
	}
	tasks := b.another()
	tasks.open(h.srv.URL + "/ui/jobs/" + job + "/tasks")
	w := h.worker("node-1", 2)
	as := w.poll()
	if len(as) == 0 || as[0].Kind != "map" {
		t.Fatalf("assigned %v", as)
	}
	b.wait("the running attempts", `!!document.getElementById("running") && document.querySelectorAll(".timeline g.bar").length >= 1`)
	progressReport(t, w, as[0].Attempt, 0.5, "reporter:status: 500 lines read")
	b.wait("the status line and the map progress", text("#running")+`.includes("reporter:status: 500 lines read") && document.getElementById("map-progress").value == 25`)
	b.shot("job-live")
	tasks.wait("the status line in the tasks table", `Array.from(document.querySelectorAll("td.status")).some(function (c) { return c.textContent == "reporter:status: 500 lines read"; })`)
	// The attempt's own page, opened now, follows it too.
	a := b.another()
	a.open(h.srv.URL + "/ui/jobs/" + job + "/attempts/" + as[0].Attempt)
	for st, _ := h.tr.Status(job); !st.Done(); st, _ = h.tr.Status(job) {
		for _, x := range as {
			w.done(x, api.AttemptSucceeded, "")
		}
		as = w.poll()
	}
	st, _ := h.tr.Status(job)
	b.wait("the final state", text("#job-state")+` == "SUCCEEDED" && document.getElementById("reduce-progress").value == 100`)
	// The final counters (each map read 10 records, the reduce wrote 5)
	// and the Finished time come without a reload.
	b.wait("the final counters", `(function () {
		var rows = Array.from(document.querySelectorAll("table.counters tr")).map(function (r) { return r.innerText.replace(/\s+/g, " ").trim(); });
		return rows.includes("Map input records 20 0 20") && rows.includes("Reduce output records 0 5 5");
	})()`)
	if got, want := b.eval(`(Array.from(document.querySelectorAll("table.facts tr")).find(function (r) { return r.cells[0].textContent == "Finished"; }) || {cells: [0, {textContent: ""}]}).cells[1].textContent`), fmtTime(st.Finished); got != want {
		t.Errorf("Finished %q, want %q", got, want)
	}
	if n := b.eval(`String(document.querySelectorAll(".timeline g.bar").length)`); n != "3" {
		t.Errorf("the timeline shows %s attempts, want 3", n)
	}
	if b.eval(`String(document.querySelector("main").hasAttribute("data-live") || !!document.getElementById("running"))`) != "false" {
		t.Errorf("the ended job's page is still live or lists running attempts")
	}
	tasks.wait("every task succeeded", `document.querySelectorAll("#tasks tbody tr").length == 3 && Array.from(document.querySelectorAll("#tasks tbody tr")).every(function (r) { return r.innerText.includes("SUCCEEDED"); })`)
	a.wait("the attempt's end", text("#attempt-state")+` == "SUCCEEDED" && `+text("#attempt-progress")+` == "100.00%"`)
}

// TestBrowserLiveLists: the jobs list and the overview, opened once, show
// a new job and its state changes; another tenant's browser, on the same
// pages, sees nothing of them, neither in its pages nor in its stream.
func TestBrowserLiveLists(t *testing.T) {
	suite.Require(t, suite.Browser)
	h := newHarness(t, false)
	w := h.worker("node-1", 2)
	jobs := newTab(t, h, credA)
	jobs.open(h.srv.URL + "/ui/jobs")
	over := newTab(t, h, credA)
	over.open(h.srv.URL + "/ui/")
	bob := newTab(t, h, credB)
	bob.open(h.srv.URL + "/ui/jobs")
	// Bob's browser also records what its stream sends.
	bob.eval(`window.seen = []; window.es = new EventSource("/ui/stream?view=jobs");
		window.es.addEventListener("jobs", function (e) { window.seen.push(e.data); }); ""`)
	bob.wait("its stream's first event", `window.seen.length == 1`)

	id := h.submit(credA, h.plan("alice's new job", 1, 0))
	row := func(state string) string {
		return `Array.from(document.querySelectorAll("tr")).some(function (r) { return r.innerText.includes(` + strconv.Quote(id) + `) && r.innerText.includes(` + strconv.Quote(state) + `); })`
	}
	jobs.wait("the new job", row(api.StateRunning))
	over.wait("the new job", row(api.StateRunning))
	for st, _ := h.tr.Status(id); !st.Done(); st, _ = h.tr.Status(id) {
		for _, a := range w.poll() {
			w.done(a, api.AttemptSucceeded, "")
		}
	}
	jobs.wait("the job succeeded", row(api.StateSucceeded))
	over.wait("the job succeeded", row(api.StateSucceeded))
	h.worker("node-7", 1)
	over.wait("a new worker", `document.querySelector("main").innerText.includes("node-7")`)

	mine := h.submit(credB, h.plan("bob's job", 1, 0))
	bob.wait("bob's own job", `document.querySelector("main").innerText.includes(`+strconv.Quote(mine)+`)`)
	seen := bob.eval(`window.seen.join("\n")`)
	if !strings.Contains(seen, mine) {
		t.Errorf("bob's stream did not carry his job: %s", seen)
	}
	if page := bob.eval(`document.documentElement.outerHTML`); strings.Contains(seen, id) || strings.Contains(page, id) || strings.Contains(page, "alice") {
		t.Errorf("bob's browser got alice's job %s:\nstream %s\npage %.2000s", id, seen, page)
	}
}

// TestBrowserLiveFallback: a page whose stream is refused (its principal
// holds too many streams) falls back to fetching itself now and then,
// and still shows a new job without a reload.
func TestBrowserLiveFallback(t *testing.T) {
	suite.Require(t, suite.Browser)
	h := newHarness(t, false)
	// Fill alice's streams from this address: her pages' are refused.
	for i := 0; i < maxStreams; i++ {
		var e JobsEvent
		openStream(t, h, "/ui/stream?view=jobs", credA).must("jobs", &e)
	}
	b := newTab(t, h, credA)
	b.open(h.srv.URL + "/ui/jobs")
	id := h.submit(credA, h.plan("seen by polling", 1, 0))
	b.wait("the new job", `document.querySelector("main").innerText.includes(`+strconv.Quote(id)+`)`)
	if n := h.s.hub.open(); n != maxStreams {
		t.Errorf("%d streams open, want the test's %d (the page's refused)", n, maxStreams)
	}
}
