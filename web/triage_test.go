package web

import (
	"context"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"zebra/jobtracker/api"
	"zebra/mapreduce"
)

// report sends a worker's report of an attempt's end as it is given.
func (w *fakeWorker) report(a api.Assignment, rep api.AttemptReport) {
	w.h.t.Helper()
	delete(w.running, a.Attempt)
	rep.Worker = w.id
	if err := w.h.client(adminToken).Do(context.Background(), http.MethodPost, "/internal/v1/attempts/"+a.Attempt+"/done", rep, nil); err != nil {
		w.h.t.Fatalf("report %s: %v", a.Attempt, err)
	}
}

// metricValue reads one sample of the /metrics page.
func metricValue(t *testing.T, page, sample string) int64 {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(sample) + ` (\S+)$`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no sample %s in the metrics", sample)
	}
	f, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return int64(f)
}

// TestKillAttribution: a tenant may kill only its own job, and a job's
// status, page and the jobs list say who killed it (the tenant's account,
// or "cluster" for the cluster token) and when; each attempt the kill
// stopped counts as a killed task (NUM_KILLED_MAPS) and in the killed
// outcome metric.
func TestKillAttribution(t *testing.T) {
	h := newHarness(t, false)
	w := h.worker("node-1", 4)
	jobA := h.submit(credA, h.plan("alice's", 2, 0))
	jobB := h.submit(credB, h.plan("bob's", 2, 0))
	running := map[string]int{} // running map attempts by job
	for _, a := range w.poll() {
		running[a.Job]++
	}
	if running[jobA] == 0 || running[jobB] == 0 {
		t.Fatalf("running attempts by job %v: want both jobs running", running)
	}
	_, metricsBefore := h.req(http.MethodGet, "/metrics", adminToken, nil)
	killedBefore := metricValue(t, metricsBefore, `zebra_attempts_total{kind="map",outcome="killed"}`)

	// Alice may not kill Bob's job: nothing about it changes.
	resp, body := h.req(http.MethodPost, "/api/v1/jobs/"+jobB+"/kill", credA, nil)
	if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusForbidden {
		t.Fatalf("alice killing bob's job: %d %s, want 403 or 404", resp.StatusCode, body)
	}
	if st, _ := h.tr.Status(jobB); st.State != api.StateRunning || st.KilledBy != "" || !st.KilledAt.IsZero() {
		t.Fatalf("bob's job after alice's refused kill: %s, killed by %q at %v", st.State, st.KilledBy, st.KilledAt)
	}

	before := time.Now().UTC()
	if resp, body := h.req(http.MethodPost, "/api/v1/jobs/"+jobA+"/kill", credA, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("alice killing her job: %d %s", resp.StatusCode, body)
	}
	if resp, body := h.req(http.MethodPost, "/api/v1/jobs/"+jobB+"/kill", adminToken, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("the cluster killing bob's job: %d %s", resp.StatusCode, body)
	}
	after := time.Now().UTC()
	w.stopKilled()
	for job, want := range map[string]string{jobA: tenantA, jobB: "cluster"} {
		h.waitState(job, api.StateKilled)
		var st api.JobStatus
		h.getJSON("/api/v1/jobs/"+job, adminToken, &st)
		if st.KilledBy != want || st.KilledAt.Before(before) || st.KilledAt.After(after) {
			t.Errorf("job %s: killed by %q at %v; want %q between %v and %v", job, st.KilledBy, st.KilledAt, want, before, after)
		}
		_, page := h.req(http.MethodGet, "/ui/jobs/"+job, adminToken, nil)
		if !strings.Contains(page, `id="killed-by">`+want+" at ") {
			t.Errorf("job %s's page does not say it was killed by %s", job, want)
		}
		total, _, _, _ := h.tr.JobCounters(job)
		if got := total.Get(mapreduce.GroupJob, "Killed map tasks"); got != int64(running[job]) {
			t.Errorf("job %s: Killed map tasks %d, want the %d attempts that were running", job, got, running[job])
		}
	}
	_, list := h.req(http.MethodGet, "/ui/jobs", adminToken, nil)
	if !strings.Contains(list, "killed by "+tenantA) || !strings.Contains(list, "killed by cluster") {
		t.Errorf("the jobs list does not say who killed the jobs")
	}
	_, metricsAfter := h.req(http.MethodGet, "/metrics", adminToken, nil)
	if got := metricValue(t, metricsAfter, `zebra_attempts_total{kind="map",outcome="killed"}`) - killedBefore; got != int64(running[jobA]+running[jobB]) {
		t.Errorf("killed outcome metric grew by %d, want the %d attempts the kills stopped", got, running[jobA]+running[jobB])
	}
}

// TestTriageLineShown: a failing attempt's triage line (the worker's,
// cleaned again by the tracker) is what the error columns, the job page,
// the jobs list and the REST attempts show, with Hadoop's error kept
// beside it; a principal who may not read the job's logs (anonymous, with
// public read) does not get it, as it is stderr.
func TestTriageLineShown(t *testing.T) {
	h := newHarness(t, true)
	w := h.worker("node-1", 2)
	p := h.plan("fails", 1, 0)
	p.MaxMapAttempts = 1
	job := h.submit(credA, p)
	as := w.poll()
	if len(as) != 1 {
		t.Fatalf("%d assignments, want 1", len(as))
	}
	const hadoop = "PipeMapRed.waitOutputThreads(): subprocess failed with code 1"
	// A worker that did not shorten a path, and a terminal escape.
	raw := "TypeError: can't open /srv/zebra/work/" + job + "/" + as[0].Attempt + "/lookup.tsv\x1b[31m now"
	want := "TypeError: can't open lookup.tsv now"
	w.report(as[0], api.AttemptReport{State: api.AttemptFailed, Error: hadoop, Triage: raw, StderrTail: "Traceback\n" + raw + "\n"})
	st := h.waitState(job, api.StateFailed)
	if st.Failure == nil || st.Failure.Triage != want || st.Failure.Error != hadoop {
		t.Fatalf("failure %+v: want triage %q and Hadoop's error", st.Failure, want)
	}
	var attempts []api.AttemptInfo
	h.getJSON("/api/v1/jobs/"+job+"/attempts", credA, &attempts)
	if len(attempts) != 1 || attempts[0].Triage != want || attempts[0].Error != hadoop {
		t.Fatalf("attempts %+v", attempts)
	}
	for _, path := range []string{"/ui/jobs/" + job, "/ui/jobs", "/ui/", "/ui/jobs/" + job + "/tasks", "/ui/jobs/" + job + "/tasks/" + mapreduce.TaskOfAttempt(as[0].Attempt),
		"/ui/jobs/" + job + "/attempts/" + as[0].Attempt} {
		_, page := h.req(http.MethodGet, path, credA, nil)
		if !strings.Contains(page, "TypeError: can&#39;t open lookup.tsv now") {
			t.Errorf("%s does not show the triage line to the job's owner", path)
		}
		if strings.Contains(page, "/srv/zebra") {
			t.Errorf("%s shows the worker's host path", path)
		}
		_, anon := h.req(http.MethodGet, path, "", nil)
		if strings.Contains(anon, "lookup.tsv") {
			t.Errorf("%s shows the triage line (stderr) to an anonymous reader", path)
		}
	}
	var anon []api.AttemptInfo
	h.getJSON("/api/v1/jobs/"+job+"/attempts", "", &anon)
	if len(anon) != 1 || anon[0].Triage != "" || anon[0].Error != hadoop {
		t.Errorf("anonymous attempts %+v: want Hadoop's error without the triage line", anon)
	}
}

// TestAttemptUsageShown: what a worker measured of an attempt (CPU time,
// peak memory, against the sandbox limits) and its input and output
// counts are stored and shown in the attempt JSON, the tasks table and
// the attempt page.
func TestAttemptUsageShown(t *testing.T) {
	h := newHarness(t, false)
	w := h.worker("node-1", 2)
	job := h.submit(credA, h.plan("usage", 1, 0))
	as := w.poll()
	c := &mapreduce.Counters{}
	c.Add(mapreduce.GroupTask, mapreduce.CounterMapInputRecords, 12)
	c.Add(mapreduce.GroupTask, mapreduce.CounterMapOutputRecords, 34)
	c.Add(mapreduce.GroupInputFormat, mapreduce.CounterBytesRead, 5600)
	c.Add(mapreduce.GroupOutputFormat, mapreduce.CounterBytesWritten, 7800)
	u := &mapreduce.Usage{CPU: 1500 * time.Millisecond, PeakRSS: 300 << 20, MemoryLimit: 1 << 30, CPULimit: time.Hour, Programs: 1}
	w.report(as[0], api.AttemptReport{State: api.AttemptSucceeded, Counters: c, Usage: u})
	h.waitState(job, api.StateSucceeded)
	var got []api.AttemptInfo
	h.getJSON("/api/v1/jobs/"+job+"/attempts", credA, &got)
	a := got[0]
	if a.CPUMillis != 1500 || a.PeakRSSBytes != 300<<20 || a.MemoryLimitBytes != 1<<30 || a.CPULimitMillis != 3600000 ||
		a.RecordsIn != 12 || a.RecordsOut != 34 || a.BytesIn != 5600 || a.BytesOut != 7800 {
		t.Errorf("attempt %+v: want the report's usage and counts", a)
	}
	_, page := h.req(http.MethodGet, "/ui/jobs/"+job+"/attempts/"+a.ID, credA, nil)
	for _, s := range []string{`id="attempt-cpu">1.5s of 1h`, `id="attempt-memory">300.0 MiB of 1.0 GiB`, `(29%)`} {
		if !strings.Contains(page, s) {
			t.Errorf("attempt page lacks %q", s)
		}
	}
	_, tasks := h.req(http.MethodGet, "/ui/jobs/"+job+"/tasks", credA, nil)
	for _, s := range []string{`data-v="1500"`, `data-v="314572800"`, `data-v="12"`, `data-v="5600"`} {
		if !strings.Contains(tasks, s) {
			t.Errorf("tasks table lacks %q", s)
		}
	}
}

// TestAverageTimesOnJobPage: the job page's average map, shuffle, merge
// and reduce times are those computed here from the attempts' times in
// REST (whole milliseconds, as Hadoop's averages), and the JobHistory
// job's averages agree.
func TestAverageTimesOnJobPage(t *testing.T) {
	h := newHarness(t, false)
	w := h.worker("node-1", 4)
	job := h.submit(credA, h.plan("averages", 3, 1))
	for st, _ := h.tr.Status(job); !st.Done(); st, _ = h.tr.Status(job) {
		for _, a := range w.poll() {
			rep := api.AttemptReport{State: api.AttemptSucceeded, Counters: &mapreduce.Counters{}}
			if a.Kind == "reduce" {
				now := time.Now().UTC()
				rep.ShuffleFinished, rep.SortFinished = now.Add(-2*time.Millisecond), now.Add(-time.Millisecond)
			}
			w.report(a, rep)
		}
	}
	var as []api.AttemptInfo
	h.getJSON("/api/v1/jobs/"+job+"/attempts", credA, &as)
	var mapMs, shuffleMs, mergeMs, reduceMs, maps, reduces int64
	for _, a := range as {
		if strings.Contains(a.ID, "_m_") {
			mapMs += a.Finished.Sub(a.Started).Milliseconds()
			maps++
		} else {
			shuffleMs += a.ShuffleFinished.Sub(a.Started).Milliseconds()
			mergeMs += a.SortFinished.Sub(a.ShuffleFinished).Milliseconds()
			reduceMs += a.Finished.Sub(a.SortFinished).Milliseconds()
			reduces++
		}
	}
	if maps != 3 || reduces != 1 {
		t.Fatalf("%d maps and %d reduces succeeded", maps, reduces)
	}
	d := func(ms int64) string { return fmtDuration(time.Duration(ms) * time.Millisecond) }
	want := "map " + d(mapMs/maps) + " · shuffle " + d(shuffleMs/reduces) + " · merge " + d(mergeMs/reduces) + " · reduce " + d(reduceMs/reduces)
	_, page := h.req(http.MethodGet, "/ui/jobs/"+job, credA, nil)
	if !strings.Contains(page, `id="avg-times">`+want+" ") {
		t.Errorf("job page lacks average times %q", want)
	}
	var hs struct {
		Job api.HSJob `json:"job"`
	}
	h.getJSON("/ws/v1/history/mapreduce/jobs/"+job, credA, &hs)
	if hs.Job.HSJobDetail == nil || hs.Job.AvgMapTime > mapMs/maps+1 || hs.Job.AvgMapTime < mapMs/maps-1 {
		t.Errorf("JobHistory avgMapTime %+v, want %d ms", hs.Job.HSJobDetail, mapMs/maps)
	}
}

// TestTasksSortedAcrossPages: ?sort= orders every task of the job before
// paging, running and ended: the first page of two sorted by input
// records, descending, holds the two maps with the most records, as
// computed here from the reported counts.
func TestTasksSortedAcrossPages(t *testing.T) {
	h := newHarness(t, false)
	w := h.worker("node-1", 8)
	job := h.submit(credA, h.plan("sorted", 4, 1))
	records := map[string]int64{}
	var reduce []api.Assignment
	for len(records) < 4 {
		for i, a := range w.poll() {
			if a.Kind == "reduce" {
				reduce = append(reduce, a)
				continue
			}
			c := &mapreduce.Counters{}
			n := int64(7 + 13*((i*5+len(records)*3)%7))
			c.Add(mapreduce.GroupTask, mapreduce.CounterMapInputRecords, n)
			records[mapreduce.TaskOfAttempt(a.Attempt)] = n
			w.report(a, api.AttemptReport{State: api.AttemptSucceeded, Counters: c})
		}
	}
	// The two with the most records, ties by index (the table's order).
	ids := make([]string, 0, len(records))
	for id := range records {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b string) int {
		if records[a] != records[b] {
			return int(records[b] - records[a])
		}
		return strings.Compare(a, b)
	})
	check := func(when string) {
		t.Helper()
		_, page := h.req(http.MethodGet, "/ui/jobs/"+job+"/tasks?sort=records&order=desc&limit=2", credA, nil)
		got := regexp.MustCompile(`href="/ui/jobs/[^/]+/tasks/(task_[^"]+)"`).FindAllStringSubmatch(page, -1)
		if len(got) != 2 || got[0][1] != ids[0] || got[1][1] != ids[1] {
			t.Errorf("%s: first sorted page %v, want %v (records %v)", when, got, ids[:2], records)
		}
		if !strings.Contains(page, "1–2 of 5") {
			t.Errorf("%s: the pager does not count every task", when)
		}
	}
	check("running")
	for len(reduce) == 0 {
		reduce = append(reduce, w.poll()...)
	}
	w.report(reduce[0], api.AttemptReport{State: api.AttemptSucceeded, Counters: &mapreduce.Counters{}})
	h.waitState(job, api.StateSucceeded)
	check("ended")
}
