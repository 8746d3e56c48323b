package web

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"zebra/jobtracker/api"
	"zebra/mapreduce"
	"zebra/mapreduce/mrtest/suite"
	"zebra/web/browsertest"
)

// TestBrowserTriage drives headless Chromium over the triage parts of the
// UI: the failing attempt's triage line on the job page, the failed job's
// red bars (its progress bars in the jobs list, its failed attempt in the
// timeline), and the tasks table sorted by a click, in place, in the
// order computed here from the reported counts, then the other way.
func TestBrowserTriage(t *testing.T) {
	suite.Require(t, suite.Browser)
	h := newHarness(t, false)
	w := h.worker("node-1", 4)

	p := h.plan("fails", 1, 0)
	p.MaxMapAttempts = 1
	failing := h.submit(credA, p)
	const line = "TypeError: unsupported operand type(s) for +: 'int' and 'str'"
	var failingAttempt string
	for _, a := range w.poll() {
		failingAttempt = a.Attempt
		w.report(a, api.AttemptReport{State: api.AttemptFailed, Error: "PipeMapRed.waitOutputThreads(): subprocess failed with code 1", Triage: line})
	}
	h.waitState(failing, api.StateFailed)

	okJob := h.submit(credA, h.plan("sorted", 4, 0))
	records := map[string]int64{} // short task id → input records
	for i, a := range w.poll() {
		c := &mapreduce.Counters{}
		n := int64([]int{7, 31, 2, 19}[i])
		c.Add(mapreduce.GroupTask, mapreduce.CounterMapInputRecords, n)
		records[shortID(mapreduce.TaskOfAttempt(a.Attempt))] = n
		w.report(a, api.AttemptReport{State: api.AttemptSucceeded, Counters: c})
	}
	h.waitState(okJob, api.StateSucceeded)
	byRecords := func(desc bool) string {
		ids := make([]string, 0, len(records))
		for id := range records {
			ids = append(ids, id)
		}
		slices.SortFunc(ids, func(a, b string) int {
			if desc {
				return int(records[b] - records[a])
			}
			return int(records[a] - records[b])
		})
		return strings.Join(ids, " ")
	}

	ctx := browsertest.New(t, 2*time.Minute, chromedp.WindowSize(1280, 900))
	eval := func(js string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("evaluate %s: %v", js, err)
		}
		return v
	}
	browserLogin(t, ctx, h, credA)

	// The job page: the triage line, and the failed attempt's bar in the
	// timeline is red.
	if err := chromedp.Do(ctx, chromedp.Navigate(h.srv.URL+"/ui/jobs/"+failing), chromedp.WaitVisible(chromedp.ID("#failure-triage"))); err != nil {
		t.Fatal(err)
	}
	if got := eval(`document.getElementById("failure-triage").textContent`); got != line {
		t.Errorf("job page triage line %q, want %q", got, line)
	}
	const red = "rgb(225, 87, 89)" // --failed in style.css
	if got := eval(`getComputedStyle(document.querySelector("svg.timeline rect.FAILED, svg.timeline rect.failed")).fill`); got != red {
		t.Errorf("the failed attempt's timeline bar is %s, want red %s", got, red)
	}
	// The jobs list: the reason, and the failed job's bars are red.
	if err := chromedp.Do(ctx, chromedp.Navigate(h.srv.URL+"/ui/jobs")); err != nil {
		t.Fatal(err)
	}
	row := `Array.from(document.querySelectorAll("tbody tr")).find(r => r.textContent.includes(` + strconv.Quote(failing) + `))`
	if got := eval(row + `.querySelector(".triage").textContent`); got != line {
		t.Errorf("jobs list reason %q, want %q", got, line)
	}
	if got := eval(`getComputedStyle(` + row + `.querySelector("progress")).borderTopColor`); got != red {
		t.Errorf("the failed job's progress bar border is %s, want red %s", got, red)
	}

	// The tasks table sorts on a click, without a reload.
	if err := chromedp.Do(ctx, chromedp.Navigate(h.srv.URL+"/ui/jobs/"+okJob+"/tasks"), chromedp.WaitVisible(chromedp.ID("#tasks"))); err != nil {
		t.Fatal(err)
	}
	eval(`window.zebraMarker = "same page"; "ok"`)
	order := `Array.from(document.querySelectorAll("#tasks tbody tr td:first-child a")).map(a => a.textContent).join(" ")`
	for _, desc := range []bool{true, false} { // the first click sorts the largest first
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`th[data-key="records"] a`))); err != nil {
			t.Fatal(err)
		}
		if got, want := eval(order), byRecords(desc); got != want {
			t.Errorf("sorted by records (descending %v): %s, want %s", desc, got, want)
		}
	}
	if m := eval(`String(window.zebraMarker)`); m != "same page" {
		t.Errorf("sorting reloaded the page")
	}
	if q := eval(`location.search`); !strings.Contains(q, "sort=records") {
		t.Errorf("the URL does not keep the sort: %s", q)
	}

	// At a phone's width the page is no wider than the screen: the tasks
	// table scrolls inside its box (nothing clipped), and the timeline
	// keeps a readable width in a box that scrolls.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844), chromedp.Navigate(h.srv.URL+"/ui/jobs/"+okJob+"/tasks"),
		chromedp.WaitVisible(chromedp.ID("#tasks"))); err != nil {
		t.Fatal(err)
	}
	if got := eval(`String(document.documentElement.scrollWidth <= window.innerWidth + 1)`); got != "true" {
		t.Errorf("the tasks page is wider than a phone: %s", eval(`document.documentElement.scrollWidth + " > " + window.innerWidth`))
	}
	box := `document.getElementById("tasks").parentElement`
	if got := eval(`String(` + box + `.scrollWidth > ` + box + `.clientWidth && getComputedStyle(` + box + `).overflowX)`); got != "auto" {
		t.Errorf("the tasks table does not scroll inside its box at a phone's width: %s", got)
	}
	for _, path := range []string{"/ui/", "/ui/jobs", "/ui/jobs/" + failing, "/ui/jobs/" + failing + "/tasks/" + mapreduce.TaskOfAttempt(failingAttempt),
		"/ui/jobs/" + failing + "/attempts/" + failingAttempt} {
		if err := chromedp.Do(ctx, chromedp.Navigate(h.srv.URL+path)); err != nil {
			t.Fatal(err)
		}
		if got := eval(`String(document.documentElement.scrollWidth <= window.innerWidth + 1)`); got != "true" {
			t.Errorf("%s is wider than a phone: %s", path, eval(`document.documentElement.scrollWidth + " > " + window.innerWidth`))
		}
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(h.srv.URL+"/ui/jobs/"+okJob), chromedp.WaitVisible(chromedp.CSS("svg.timeline"))); err != nil {
		t.Fatal(err)
	}
	if got := eval(`String(document.querySelector("svg.timeline").getBoundingClientRect().width >= 640 && document.documentElement.scrollWidth <= window.innerWidth + 1)`); got != "true" {
		t.Errorf("the timeline at a phone's width: %s px wide, page %s px in %d", eval(`String(document.querySelector("svg.timeline").getBoundingClientRect().width)`),
			eval(`String(document.documentElement.scrollWidth)`), 390)
	}
}
