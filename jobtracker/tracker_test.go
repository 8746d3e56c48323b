package jobtracker

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"zebra/adapters/localfs"
	"zebra/jobtracker/api"
	"zebra/mapreduce"
)

// The tests drive a real tracker through its Go methods; the "workers"
// are the test itself, speaking the worker protocol by hand. TestBadRequests
// and BenchmarkDispatch go through the tracker's HTTP handler (the worker
// protocol, /internal/v1); the client API (/api/v1) is the web package's.

func newTracker(t testing.TB, data string, expiry time.Duration) *Tracker {
	t.Helper()
	reg := &mapreduce.Registry{}
	localfs.Register(reg, &localfs.FS{})
	tr, err := Open(Config{Data: data, Registry: reg, PollWait: 100 * time.Millisecond, Expiry: expiry, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	return tr
}

// serve serves tr's handler and returns a client of it.
func serve(t testing.TB, tr *Tracker) *api.Client {
	t.Helper()
	srv := httptest.NewServer(tr.Handler())
	t.Cleanup(srv.Close)
	c, err := api.NewClient(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func testPlan(out string, maps, reduces int) *api.Plan {
	p := &api.Plan{Name: "t", User: "u", Kind: "test", Spec: json.RawMessage(`{}`), Output: "file://" + out, Reduces: reduces, MarkSuccess: true, MaxMapAttempts: 2, MaxReduceAttempts: 2}
	for i := 0; i < maps; i++ {
		p.Splits = append(p.Splits, mapreduce.Split{URI: "file:///in/" + string(rune('a'+i)), Length: 10})
	}
	return p
}

func register(t *testing.T, tr *Tracker, name string, slots int) string {
	t.Helper()
	r, err := tr.Register(api.Registration{Protocol: api.ProtocolVersion, Name: name, MapSlots: slots, ReduceSlots: slots, Shuffle: "tcp://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	return r.ID
}

func poll(t *testing.T, tr *Tracker, id string) api.PollReply {
	t.Helper()
	r, err := tr.Poll(context.Background(), id, api.Poll{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func report(t *testing.T, tr *Tracker, worker, attempt, state string) error {
	t.Helper()
	return tr.Done(attempt, api.AttemptReport{Worker: worker, State: state, Error: "boom", Counters: &mapreduce.Counters{}})
}

func waitState(t *testing.T, tr *Tracker, id, state string) api.JobStatus {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, ok := tr.Status(id)
		if !ok {
			t.Fatalf("no job %s", id)
		}
		if st.State == state {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s is %s, want %s", id, st.State, state)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestMapOnlyJobCommits(t *testing.T) {
	tr := newTracker(t, t.TempDir(), time.Minute)
	out := filepath.Join(t.TempDir(), "out")
	p := testPlan(out, 3, 0)
	p.Splits[2].Hosts = []string{"w1"} // stored beside w1: placed there first
	id, err := tr.Submit(context.Background(), p, nil)
	if err != nil {
		t.Fatal(err)
	}
	w := register(t, tr, "w1", 2)
	r := poll(t, tr, w)
	if len(r.Assign) != 2 {
		t.Fatalf("2 free slots got %d assignments: %+v", len(r.Assign), r.Assign)
	}
	for _, a := range r.Assign {
		if err := report(t, tr, w, a.Attempt, api.AttemptSucceeded); err != nil {
			t.Fatal(err)
		}
	}
	if r.Assign[0].Index != 2 || r.Assign[1].Index != 0 {
		t.Errorf("want the data-local map 2, then map 0; got %+v", r.Assign)
	}
	r = poll(t, tr, w)
	if len(r.Assign) != 1 || r.Assign[0].Index != 1 {
		t.Fatalf("want map 1 next, got %+v", r.Assign)
	}
	if err := report(t, tr, w, r.Assign[0].Attempt, api.AttemptSucceeded); err != nil {
		t.Fatal(err)
	}
	st := waitState(t, tr, id, api.StateSucceeded)
	if st.MapsDone != 3 {
		t.Errorf("maps done %d, want 3", st.MapsDone)
	}
	for name, want := range map[string]int64{"Launched map tasks": 3, "Data-local map tasks": 1, "Other local map tasks": 2, "Failed map tasks": 0} {
		if got := st.Counters.Get(mapreduce.GroupJob, name); got != want {
			t.Errorf("job counter %q = %d, want %d", name, got, want)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "_SUCCESS")); err != nil {
		t.Errorf("no _SUCCESS after commit: %v", err)
	}
	if _, err := os.Stat(filepath.Join(out, "_temporary")); err == nil {
		t.Error("_temporary left after commit")
	}
	// A stale report about a finished attempt is refused (410 over HTTP:
	// TestBadRequests).
	if err := report(t, tr, w, r.Assign[0].Attempt, api.AttemptSucceeded); err == nil || !strings.Contains(err.Error(), "no longer runs") {
		t.Errorf("repeated report: got %v, want a refusal", err)
	}
}

func TestFailedAttemptsRetryElsewhereThenFailJob(t *testing.T) {
	tr := newTracker(t, t.TempDir(), time.Minute)
	out := filepath.Join(t.TempDir(), "out")
	id, err := tr.Submit(context.Background(), testPlan(out, 1, 0), nil)
	if err != nil {
		t.Fatal(err)
	}
	w1, w2 := register(t, tr, "w1", 1), register(t, tr, "w2", 1)
	a := poll(t, tr, w1).Assign
	if len(a) != 1 || !strings.HasSuffix(a[0].Attempt, "_0") {
		t.Fatalf("first attempt: %+v", a)
	}
	if err := report(t, tr, w1, a[0].Attempt, api.AttemptFailed); err != nil {
		t.Fatal(err)
	}
	// The retry avoids w1, where the task failed, while w2 is up.
	if r := poll(t, tr, w1); len(r.Assign) != 0 {
		t.Fatalf("retry went back to the failing worker: %+v", r.Assign)
	}
	b := poll(t, tr, w2).Assign
	if len(b) != 1 || !strings.HasSuffix(b[0].Attempt, "_1") {
		t.Fatalf("second attempt: %+v", b)
	}
	if err := report(t, tr, w2, b[0].Attempt, api.AttemptFailed); err != nil {
		t.Fatal(err)
	}
	st := waitState(t, tr, id, api.StateFailed)
	if st.Failure == nil || st.Failure.Attempt != b[0].Attempt || st.Failure.Error != "boom" {
		t.Errorf("failure %+v, want the last attempt's", st.Failure)
	}
	if len(st.FailedAttempts) != 2 {
		t.Errorf("failed attempts %+v, want 2", st.FailedAttempts)
	}
	hist, _, err := tr.AllAttempts(id)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 2 || hist[0].State != api.AttemptFailed || hist[1].State != api.AttemptFailed || hist[0].Worker == hist[1].Worker {
		t.Errorf("attempt history %+v, want two FAILED attempts on two workers", hist)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(out, "_temporary")); err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("_temporary not removed after the job failed")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestLostWorkerAttemptRunsElsewhere(t *testing.T) {
	tr := newTracker(t, t.TempDir(), 300*time.Millisecond)
	id, err := tr.Submit(context.Background(), testPlan(filepath.Join(t.TempDir(), "out"), 1, 0), nil)
	if err != nil {
		t.Fatal(err)
	}
	w1 := register(t, tr, "w1", 1)
	if a := poll(t, tr, w1).Assign; len(a) != 1 {
		t.Fatalf("assignments %+v", a)
	}
	// w1 goes silent; w2 keeps polling and gets the retry.
	w2 := register(t, tr, "w2", 1)
	deadline := time.Now().Add(10 * time.Second)
	var got []api.Assignment
	for len(got) == 0 && time.Now().Before(deadline) {
		got = poll(t, tr, w2).Assign
	}
	if len(got) != 1 || !strings.HasSuffix(got[0].Attempt, "_1") {
		t.Fatalf("retry on w2: %+v", got)
	}
	st, _ := tr.Status(id)
	if len(st.FailedAttempts) != 1 || st.FailedAttempts[0].State != api.AttemptKilled || st.FailedAttempts[0].Kind != api.FailureLost {
		t.Errorf("failed attempts %+v, want one KILLED, lost", st.FailedAttempts)
	}
	// The lost worker must register again.
	if _, err = tr.Poll(context.Background(), w1, api.Poll{}); !errors.Is(err, ErrUnknownWorker) {
		t.Errorf("poll of a lost worker: %v, want ErrUnknownWorker", err)
	}
}

func TestRestartResumesRunningJobs(t *testing.T) {
	data := t.TempDir()
	out := filepath.Join(t.TempDir(), "out")
	tr := newTracker(t, data, time.Minute)
	id, err := tr.Submit(context.Background(), testPlan(out, 1, 0), nil)
	if err != nil {
		t.Fatal(err)
	}
	done, err := tr.Submit(context.Background(), testPlan(filepath.Join(t.TempDir(), "out2"), 0, 0), nil)
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, tr, done, api.StateSucceeded)
	w := register(t, tr, "w1", 1)
	if a := poll(t, tr, w).Assign; len(a) != 1 {
		t.Fatalf("assignments %+v", a)
	}
	tr.Close()

	tr2 := newTracker(t, data, time.Minute)
	if st := waitState(t, tr2, done, api.StateSucceeded); st.ID != done {
		t.Fatal("finished job lost over restart")
	}
	waitState(t, tr2, id, api.StateRunning)
	w = register(t, tr2, "w1", 1)
	a := poll(t, tr2, w).Assign
	if len(a) != 1 || !strings.HasSuffix(a[0].Attempt, "_1000") {
		t.Fatalf("after restart want attempt _1000, got %+v", a)
	}
	if err := report(t, tr2, w, a[0].Attempt, api.AttemptSucceeded); err != nil {
		t.Fatal(err)
	}
	waitState(t, tr2, id, api.StateSucceeded)
	// Job ids keep counting after the restart.
	third, err := tr2.Submit(context.Background(), testPlan(filepath.Join(t.TempDir(), "out3"), 0, 0), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(third, "_0003") {
		t.Errorf("third job id %s, want sequence 0003", third)
	}
}

func TestReducesWaitForSlowStartAndMapOutputs(t *testing.T) {
	tr := newTracker(t, t.TempDir(), time.Minute)
	p := testPlan(filepath.Join(t.TempDir(), "out"), 2, 1)
	p.SlowStart = 1
	id, err := tr.Submit(context.Background(), p, nil)
	if err != nil {
		t.Fatal(err)
	}
	w := register(t, tr, "w1", 4)
	a := poll(t, tr, w).Assign
	if len(a) != 2 || a[0].Kind != "map" || a[1].Kind != "map" {
		t.Fatalf("want the two maps only (slow start 1.0), got %+v", a)
	}
	report(t, tr, w, a[0].Attempt, api.AttemptSucceeded)
	mo, ok := tr.MapOutputs(context.Background(), id, 0, 0)
	if !ok {
		t.Fatalf("no job %s", id)
	}
	if len(mo.Events) != 1 || mo.Events[0].Attempt != a[0].Attempt || mo.Events[0].Endpoint != "tcp://127.0.0.1:1" {
		t.Fatalf("map output events %+v", mo.Events)
	}
	report(t, tr, w, a[1].Attempt, api.AttemptSucceeded)
	r := poll(t, tr, w).Assign
	if len(r) != 1 || r[0].Kind != "reduce" {
		t.Fatalf("want the reduce, got %+v", r)
	}
	// A fetch failure makes the map run again and marks its output obsolete.
	if err := tr.FetchFailure(w, r[0].Attempt, api.FetchFailure{Map: a[0].Attempt, Error: "gone"}); err != nil {
		t.Fatal(err)
	}
	mo, _ = tr.MapOutputs(context.Background(), id, 2, 0)
	if len(mo.Events) != 1 || !mo.Events[0].Obsolete || mo.Events[0].Attempt != a[0].Attempt {
		t.Fatalf("want an obsolete event, got %+v", mo.Events)
	}
	re := poll(t, tr, w).Assign
	if len(re) != 1 || re[0].Kind != "map" || re[0].Index != a[0].Index {
		t.Fatalf("want map %d again, got %+v", a[0].Index, re)
	}
}

func TestBadRequests(t *testing.T) {
	tr := newTracker(t, t.TempDir(), time.Minute)
	c := serve(t, tr)
	ctx := context.Background()
	cases := []struct {
		name, method, path, body string
		code                     int
		says                     string
	}{
		{"malformed registration", "POST", "/internal/v1/workers", `{"protocol":`, 400, "malformed request body"},
		{"unknown field", "POST", "/internal/v1/workers", `{"protocol":1,"colour":"red"}`, 400, "unknown field"},
		{"wrong protocol", "POST", "/internal/v1/workers", `{"protocol":99,"name":"old","map_slots":1,"shuffle":"tcp://x:1"}`, 400, "protocol version 99"},
		{"no slots", "POST", "/internal/v1/workers", `{"protocol":2,"name":"w","shuffle":"tcp://x:1"}`, 400, "slots"},
		{"unknown worker poll", "POST", "/internal/v1/workers/w9-9/poll", `{}`, 404, "register again"},
		{"unknown job's plan", "GET", "/internal/v1/jobs/job_1_0042/plan", "", 404, "no job"},
		{"bad map-outputs wait", "GET", "/internal/v1/jobs/job_1_0042/map-outputs?from=0&wait=x", "", 400, "non-negative integers"},
		{"commit of a stale attempt", "POST", "/internal/v1/attempts/attempt_1_0001_m_000000_0/commit?worker=w9-9", "", 409, "no longer runs"},
		{"bad state", "POST", "/internal/v1/attempts/attempt_1_0001_m_000000_0/done", `{"state":"MAYBE"}`, 400, "want SUCCEEDED"},
		{"stale attempt", "POST", "/internal/v1/attempts/attempt_1_0001_m_000000_0/done", `{"state":"FAILED"}`, 410, "no longer runs"},
	}
	for _, tc := range cases {
		req, _ := http.NewRequestWithContext(ctx, tc.method, c.URL()+tc.path, bytes.NewBufferString(tc.body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var e api.Error
		json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if resp.StatusCode != tc.code || !strings.Contains(e.Error, tc.says) {
			t.Errorf("%s: got %d %q, want %d containing %q", tc.name, resp.StatusCode, e.Error, tc.code, tc.says)
		}
	}
	// The client API is not the tracker's (web serves it).
	resp, err := http.Get(c.URL() + "/api/v1/jobs")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /api/v1/jobs from the tracker's handler: %d, want 404", resp.StatusCode)
	}
	// Plans are checked before anything is created.
	bad := testPlan("", 1, 0)
	bad.Output = ""
	if _, err := tr.Submit(ctx, bad, nil); err == nil || !strings.Contains(err.Error(), "output is missing") {
		t.Errorf("plan without output: %v", err)
	}
	bad = testPlan(filepath.Join(t.TempDir(), "o"), 1, 0)
	bad.Splits[0].Length = -1
	if _, err := tr.Submit(ctx, bad, nil); err == nil || !strings.Contains(err.Error(), "split 0") {
		t.Errorf("plan with a bad split: %v", err)
	}
	// An existing output is refused (web answers 409) and left alone.
	out := t.TempDir()
	os.WriteFile(filepath.Join(out, "keep"), []byte("x"), 0o644)
	if _, err := tr.Submit(ctx, testPlan(out, 1, 0), nil); !errors.Is(err, ErrOutputExists) {
		t.Errorf("existing output: %v, want ErrOutputExists", err)
	}
	if b, err := os.ReadFile(filepath.Join(out, "keep")); err != nil || string(b) != "x" {
		t.Error("existing output was touched")
	}
}

func TestDelaySchedulingPrefersReplicaHolders(t *testing.T) {
	tr := newTracker(t, t.TempDir(), time.Minute)
	p := testPlan(filepath.Join(t.TempDir(), "out"), 2, 0)
	p.Splits[0].Hosts = []string{"w2"}
	p.Splits[1].Hosts = []string{"w2"}
	if _, err := tr.Submit(context.Background(), p, nil); err != nil {
		t.Fatal(err)
	}
	w1, w2 := register(t, tr, "w1", 1), register(t, tr, "w2", 1)
	// w1 polls first but holds no replica: within the locality delay it
	// gets nothing while w2, beside the data, is up.
	if a := poll(t, tr, w1).Assign; len(a) != 0 {
		t.Fatalf("a non-local worker got %+v at once", a)
	}
	a := poll(t, tr, w2).Assign
	if len(a) != 1 || a[0].Index != 0 {
		t.Fatalf("the replica holder got %+v, want map 0", a)
	}
	// w2's only slot is busy: after the delay map 1 runs on w1 anyway.
	deadline := time.Now().Add(10 * time.Second)
	var b []api.Assignment
	for len(b) == 0 && time.Now().Before(deadline) {
		b = poll(t, tr, w1).Assign
	}
	if len(b) != 1 || b[0].Index != 1 {
		t.Fatalf("after the delay w1 got %+v, want map 1", b)
	}
	for _, x := range []struct{ w, a string }{{w2, a[0].Attempt}, {w1, b[0].Attempt}} {
		if err := report(t, tr, x.w, x.a, api.AttemptSucceeded); err != nil {
			t.Fatal(err)
		}
	}
	st := waitState(t, tr, newestJob(t, tr), api.StateSucceeded)
	if got := st.Counters.Get(mapreduce.GroupJob, "Data-local map tasks"); got != 1 {
		t.Errorf("Data-local map tasks = %d, want 1", got)
	}
	if got := st.Counters.Get(mapreduce.GroupJob, "Other local map tasks"); got != 1 {
		t.Errorf("Other local map tasks = %d, want 1", got)
	}
}

// newestJob returns the newest job's id.
func newestJob(t *testing.T, tr *Tracker) string {
	jobs := tr.JobSummaries()
	if len(jobs) == 0 {
		t.Fatal("no jobs")
	}
	return jobs[0].ID
}

func TestAttemptTheWorkerDoesNotRunIsLost(t *testing.T) {
	tr := newTracker(t, t.TempDir(), time.Minute)
	id, err := tr.Submit(context.Background(), testPlan(filepath.Join(t.TempDir(), "out"), 1, 0), nil)
	if err != nil {
		t.Fatal(err)
	}
	w := register(t, tr, "w1", 1)
	a := poll(t, tr, w).Assign
	if len(a) != 1 {
		t.Fatalf("assignments %+v", a)
	}
	// The worker lists it once (it runs it)...
	if _, err := tr.Poll(context.Background(), w, api.Poll{Running: []string{a[0].Attempt}}); err != nil {
		t.Fatal(err)
	}
	// ...then no longer, without a report: the attempt is lost and runs again.
	r := poll(t, tr, w)
	if len(r.Assign) != 1 || !strings.HasSuffix(r.Assign[0].Attempt, "_1") {
		t.Fatalf("want the task's second attempt, got %+v", r.Assign)
	}
	st, _ := tr.Status(id)
	if len(st.FailedAttempts) != 1 || st.FailedAttempts[0].ID != a[0].Attempt || st.FailedAttempts[0].State != api.AttemptKilled || st.FailedAttempts[0].Kind != api.FailureLost {
		t.Errorf("failed attempts %+v", st.FailedAttempts)
	}
}

func TestFailedJobWaitsForItsAttemptsBeforeAborting(t *testing.T) {
	tr := newTracker(t, t.TempDir(), time.Minute)
	out := filepath.Join(t.TempDir(), "out")
	p := testPlan(out, 2, 0)
	p.MaxMapAttempts = 1
	id, err := tr.Submit(context.Background(), p, nil)
	if err != nil {
		t.Fatal(err)
	}
	w1, w2 := register(t, tr, "w1", 1), register(t, tr, "w2", 1)
	a1, a2 := poll(t, tr, w1).Assign, poll(t, tr, w2).Assign
	if len(a1) != 1 || len(a2) != 1 {
		t.Fatalf("assignments %+v %+v", a1, a2)
	}
	if err := report(t, tr, w1, a1[0].Attempt, api.AttemptFailed); err != nil {
		t.Fatal(err)
	}
	// w2's attempt may still be writing: the job is not FAILED yet.
	st, _ := tr.Status(id)
	if st.State != api.StateRunning {
		t.Fatalf("state %s while an attempt may still write, want RUNNING", st.State)
	}
	// w2 polls: it is told to kill the attempt, and once it no longer lists
	// it the output is aborted and the job is FAILED.
	r, err := tr.Poll(context.Background(), w2, api.Poll{Running: []string{a2[0].Attempt}})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Kill) != 1 || r.Kill[0] != a2[0].Attempt {
		t.Fatalf("kill list %+v, want %s", r.Kill, a2[0].Attempt)
	}
	poll(t, tr, w2)
	waitState(t, tr, id, api.StateFailed)
	if _, err := os.Stat(filepath.Join(out, "_temporary")); err == nil {
		t.Error("_temporary left after the job failed")
	}
}

// TestWorkerBesideSeveralNodes: a worker registered beside two storage nodes
// (say an object server and a DataNode) gets the maps whose data is on
// either one as data-local; a worker beside neither waits.
func TestWorkerBesideSeveralNodes(t *testing.T) {
	tr := newTracker(t, t.TempDir(), time.Minute)
	p := testPlan(filepath.Join(t.TempDir(), "out"), 2, 0)
	p.Splits[0].Hosts = []string{"swift-node"}
	p.Splits[1].Hosts = []string{"datanode"}
	if _, err := tr.Submit(context.Background(), p, nil); err != nil {
		t.Fatal(err)
	}
	other := register(t, tr, "other", 2)
	both, err := tr.Register(api.Registration{Protocol: api.ProtocolVersion,
		Name: "both", Node: "swift-node, datanode", MapSlots: 2, ReduceSlots: 1, Shuffle: "tcp://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	if a := poll(t, tr, other).Assign; len(a) != 0 {
		t.Fatalf("a worker beside neither node got %+v at once", a)
	}
	a := poll(t, tr, both.ID).Assign
	if len(a) != 2 {
		t.Fatalf("the worker beside both nodes got %+v, want both maps", a)
	}
	for _, x := range a {
		if err := report(t, tr, both.ID, x.Attempt, api.AttemptSucceeded); err != nil {
			t.Fatal(err)
		}
	}
	st := waitState(t, tr, newestJob(t, tr), api.StateSucceeded)
	if got := st.Counters.Get(mapreduce.GroupJob, "Data-local map tasks"); got != 2 {
		t.Errorf("Data-local map tasks = %d, want 2", got)
	}
}

// TestMoreReducesThanMaps runs a job of one map and three reduces (the
// reduces' indexes go past the maps'): every task is placed on the
// worker's four slots, and the job commits. (Placing reduce 1 once looked
// it up among the maps: a panic under the tracker's lock.)
func TestMoreReducesThanMaps(t *testing.T) {
	tr := newTracker(t, t.TempDir(), time.Minute)
	p := testPlan(filepath.Join(t.TempDir(), "out"), 1, 3)
	p.SlowStart = 0
	id, err := tr.Submit(context.Background(), p, nil)
	if err != nil {
		t.Fatal(err)
	}
	w := register(t, tr, "w1", 4)
	r := poll(t, tr, w)
	got := map[string]bool{}
	for _, a := range r.Assign {
		got[fmt.Sprint(a.Kind, a.Index)] = true
		if err := report(t, tr, w, a.Attempt, api.AttemptSucceeded); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []string{"map0", "reduce0", "reduce1", "reduce2"} {
		if !got[want] {
			t.Errorf("%s not placed on 4 free slots; placed %+v", want, r.Assign)
		}
	}
	if st := waitState(t, tr, id, api.StateSucceeded); st.ReducesDone != 3 {
		t.Errorf("reduces done %d, want 3", st.ReducesDone)
	}
}
