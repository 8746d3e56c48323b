package jobtracker

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"zebra/adapters/localfs"
	"zebra/jobtracker/api"
	"zebra/mapreduce"
)

// TestFailureTally: the counting rule alone, one kind after another.
func TestFailureTally(t *testing.T) {
	type step struct {
		kind api.FailureKind
		end  bool // the task may not run again after this one
	}
	for _, tc := range []struct {
		name        string
		maxAttempts int
		steps       []step
	}{
		{"user failures up to maxattempts", 4, []step{{api.FailureUser, false}, {api.FailureUser, false}, {api.FailureUser, false}, {api.FailureUser, true}}},
		{"maxattempts 1 fails at once", 1, []step{{api.FailureUser, true}}},
		{"killed never counts", 1, []step{{api.FailureKilled, false}, {api.FailureKilled, false}, {api.FailureKilled, false}, {api.FailureKilled, false}, {api.FailureKilled, false}, {api.FailureUser, true}}},
		{"lost does not count toward maxattempts", 2, []step{{api.FailureLost, false}, {api.FailureLost, false}, {api.FailureLost, false}, {api.FailureUser, false}, {api.FailureUser, true}}},
		{"lost has its own cap", 2, []step{{api.FailureLost, false}, {api.FailureLost, false}, {api.FailureLost, false}, {api.FailureLost, true}}},
		{"infrastructure does not count toward maxattempts", 1, []step{{api.FailureInfrastructure, false}, {api.FailureInfrastructure, false}, {api.FailureInfrastructure, false}, {api.FailureUser, true}}},
		{"infrastructure has its own cap, whatever maxattempts", 10, []step{{api.FailureInfrastructure, false}, {api.FailureInfrastructure, false}, {api.FailureInfrastructure, false}, {api.FailureInfrastructure, true}}},
		{"kinds are counted apart", 2, []step{{api.FailureUser, false}, {api.FailureInfrastructure, false}, {api.FailureLost, false}, {api.FailureKilled, false}, {api.FailureInfrastructure, false}, {api.FailureLost, false}, {api.FailureUser, true}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var n failureTally
			for i, s := range tc.steps {
				var why string
				n, why = n.add(s.kind, tc.maxAttempts)
				if (why != "") != s.end {
					t.Fatalf("step %d (%s): ends the task %v (%q), want %v; tally %+v", i, s.kind, why != "", why, s.end, n)
				}
			}
		})
	}
}

// TestEffectiveKind: what a report's kind is taken as, for kinds from an
// older (none) or newer (unknown) worker.
func TestEffectiveKind(t *testing.T) {
	for _, tc := range []struct {
		kind  api.FailureKind
		state string
		want  api.FailureKind
	}{
		{api.FailureUser, api.AttemptFailed, api.FailureUser},
		{api.FailureInfrastructure, api.AttemptFailed, api.FailureInfrastructure},
		{api.FailureKilled, api.AttemptKilled, api.FailureKilled},
		{api.FailureLost, api.AttemptKilled, api.FailureLost},
		{"", api.AttemptFailed, api.FailureUser},
		{"", api.AttemptKilled, api.FailureKilled},
		{"cosmic-ray", api.AttemptFailed, api.FailureUser},
		{"cosmic-ray", api.AttemptKilled, api.FailureKilled},
		{"Infrastructure", api.AttemptFailed, api.FailureUser}, // kinds are exact strings
	} {
		if got := tc.kind.Effective(tc.state); got != tc.want {
			t.Errorf("%q in state %s: %q, want %q", tc.kind, tc.state, got, tc.want)
		}
	}
}

// fkHarness drives a real Tracker through its Go methods, as workers
// would: no HTTP, no sleeps. Each worker has one map and one reduce slot.
type fkHarness struct {
	t       *testing.T
	tr      *Tracker
	workers []string            // live workers, in registration order
	running map[string][]string // worker → attempts it runs
	n       int
}

func newFKHarness(t *testing.T, workers int) *fkHarness {
	t.Helper()
	reg := &mapreduce.Registry{}
	localfs.Register(reg, &localfs.FS{})
	tr, err := Open(Config{Data: t.TempDir(), Registry: reg, PollWait: time.Millisecond, Expiry: time.Hour,
		LocalityDelay: -1, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	h := &fkHarness{t: t, tr: tr, running: map[string][]string{}}
	for range workers {
		h.register()
	}
	return h
}

func (h *fkHarness) register() string {
	h.t.Helper()
	h.n++
	r, err := h.tr.Register(api.Registration{Protocol: api.ProtocolVersion, Name: fmt.Sprintf("w%d", h.n), MapSlots: 1, ReduceSlots: 1, Shuffle: "tcp://127.0.0.1:1"})
	if err != nil {
		h.t.Fatal(err)
	}
	h.workers = append(h.workers, r.ID)
	return r.ID
}

// next polls the workers in order until one is given an attempt of task
// kind/index, and returns the worker and the attempt.
func (h *fkHarness) next(kind string, index int) (string, string) {
	h.t.Helper()
	for _, w := range h.workers {
		r, err := h.tr.Poll(context.Background(), w, api.Poll{Running: slices.Clone(h.running[w])})
		if err != nil {
			h.t.Fatalf("poll %s: %v", w, err)
		}
		for _, a := range r.Assign {
			h.running[w] = append(h.running[w], a.Attempt)
			if a.Kind != kind || a.Index != index {
				h.t.Fatalf("worker %s got %+v, want an attempt of %s %d", w, a, kind, index)
			}
			return w, a.Attempt
		}
	}
	h.t.Fatalf("no worker got an attempt of %s %d", kind, index)
	return "", ""
}

func (h *fkHarness) done(w, attempt string, r api.AttemptReport) {
	h.t.Helper()
	r.Worker = w
	if r.State == api.AttemptSucceeded {
		r.Counters = &mapreduce.Counters{}
	}
	if err := h.tr.Done(attempt, r); err != nil {
		h.t.Fatalf("report %s: %v", attempt, err)
	}
	h.running[w] = slices.DeleteFunc(h.running[w], func(s string) bool { return s == attempt })
}

// lose declares worker w lost, as the reaper does when it falls silent,
// and registers a replacement.
func (h *fkHarness) lose(w string) {
	h.tr.mu.Lock()
	h.tr.loseWorkerLocked(h.tr.workers[w])
	h.tr.mu.Unlock()
	h.workers = slices.DeleteFunc(h.workers, func(s string) bool { return s == w })
	delete(h.running, w)
	h.register()
}

// wait returns the job's status once it has ended.
func (h *fkHarness) wait(id string) api.JobStatus {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for st, _ := h.tr.Status(id); ; st, _ = h.tr.WaitStatus(ctx, id, st.Version, time.Minute) {
		if st.Done() {
			return st
		}
		if ctx.Err() != nil {
			h.t.Fatalf("job %s still %s", id, st.State)
		}
	}
}

func (h *fkHarness) jobCounter(id, name string) int64 {
	h.tr.mu.Lock()
	defer h.tr.mu.Unlock()
	return h.tr.jobs[id].jobCounters.Get(mapreduce.GroupJob, name)
}

// TestFailureKinds: jobs whose map's attempts end one way after another
// (maxattempts 2), driven through the tracker; what becomes of the job,
// its counters, and where the retries ran.
func TestFailureKinds(t *testing.T) {
	failed := func(k api.FailureKind) api.AttemptReport {
		return api.AttemptReport{State: api.AttemptFailed, Kind: k, Error: "boom (" + string(k) + ")"}
	}
	for _, tc := range []struct {
		name string
		// steps, for map 0's successive attempts: a report's kind
		// (failed), "killed", "old-killed" (KILLED without a kind),
		// "lost" (the worker vanishes), "ok", or "ok+lose" (succeeds,
		// then its worker vanishes with the output).
		steps         []string
		reduces       int
		wantState     string
		wantDiag      string
		wantKind      api.FailureKind // of the failure that failed the job
		failed, kills int64           // "Failed map tasks", "Killed map tasks"
	}{
		{name: "user failures use maxattempts", steps: []string{"user", "user"},
			wantState: api.StateFailed, wantDiag: "Task failed task_", wantKind: api.FailureUser, failed: 2},
		{name: "lost workers do not count", steps: []string{"lost", "lost", "lost", "ok"},
			wantState: api.StateSucceeded, kills: 3},
		{name: "lost, then user failures", steps: []string{"lost", "user", "lost", "user"},
			wantState: api.StateFailed, wantDiag: "Task failed task_", wantKind: api.FailureUser, failed: 2, kills: 2},
		{name: "killed attempts do not count", steps: []string{"killed", "old-killed", "killed", "user", "killed", "ok"},
			wantState: api.StateSucceeded, failed: 1, kills: 4},
		{name: "infrastructure failures do not count", steps: []string{"infrastructure", "user", "infrastructure", "infrastructure", "ok"},
			wantState: api.StateSucceeded, failed: 4},
		{name: "infrastructure retries avoid the worker after others are lost", steps: []string{"infrastructure", "lost", "lost", "ok"},
			wantState: api.StateSucceeded, failed: 1, kills: 2},
		{name: "infrastructure failures are capped", steps: []string{"infrastructure", "infrastructure", "infrastructure", "infrastructure"},
			wantState: api.StateFailed, wantDiag: "failed 4 times for reasons of the infrastructure", wantKind: api.FailureInfrastructure, failed: 4},
		{name: "lost attempts are capped", steps: []string{"lost", "lost", "lost", "lost"},
			wantState: api.StateFailed, wantDiag: "lost its worker 4 times", wantKind: api.FailureLost, kills: 4},
		{name: "an unknown kind counts", steps: []string{"from-a-newer-worker", "from-a-newer-worker"},
			wantState: api.StateFailed, wantDiag: "Task failed task_", wantKind: api.FailureUser, failed: 2},
		{name: "a kind-less failure counts", steps: []string{"", ""},
			wantState: api.StateFailed, wantDiag: "Task failed task_", wantKind: api.FailureUser, failed: 2},
		{name: "lost map outputs do not count", reduces: 1, steps: []string{"ok+lose", "lost", "ok+lose", "ok"},
			wantState: api.StateSucceeded, kills: 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newFKHarness(t, 3)
			p := testPlan(filepath.Join(t.TempDir(), "out"), 1, tc.reduces)
			p.SlowStart = 1 // the reduce waits for the map
			id, err := h.tr.Submit(context.Background(), p, nil)
			if err != nil {
				t.Fatal(err)
			}
			var infraOn, endedOn []string // workers where an attempt had an infrastructure failure, ended without success
			for i, s := range tc.steps {
				w, a := h.next("map", 0)
				fresh := slices.ContainsFunc(h.workers, func(o string) bool { return !slices.Contains(endedOn, o) })
				if slices.Contains(infraOn, w) && fresh {
					t.Errorf("step %d: the retry of an infrastructure failure ran on %s, where it failed, while a worker where it did not was up", i, w)
				}
				if s != "ok" && s != "ok+lose" {
					endedOn = append(endedOn, w)
				}
				switch s {
				case "lost":
					h.lose(w)
				case "ok":
					h.done(w, a, api.AttemptReport{State: api.AttemptSucceeded})
				case "ok+lose":
					h.done(w, a, api.AttemptReport{State: api.AttemptSucceeded})
					h.lose(w)
				case "killed":
					h.done(w, a, api.AttemptReport{State: api.AttemptKilled, Kind: api.FailureKilled})
				case "old-killed":
					h.done(w, a, api.AttemptReport{State: api.AttemptKilled})
				default:
					if s == string(api.FailureInfrastructure) {
						infraOn = append(infraOn, w)
					}
					h.done(w, a, failed(api.FailureKind(s)))
				}
			}
			for r := range tc.reduces {
				w, a := h.next("reduce", r)
				h.done(w, a, api.AttemptReport{State: api.AttemptSucceeded})
			}
			st := h.wait(id)
			if st.State != tc.wantState {
				t.Fatalf("job %s (%s), want %s", st.State, st.Diagnostics, tc.wantState)
			}
			if !strings.Contains(st.Diagnostics, tc.wantDiag) {
				t.Errorf("diagnostics %q, want %q in it", st.Diagnostics, tc.wantDiag)
			}
			if tc.wantKind != "" && (st.Failure == nil || st.Failure.Kind != tc.wantKind) {
				t.Errorf("failure %+v, want kind %q", st.Failure, tc.wantKind)
			}
			if got := h.jobCounter(id, "Failed map tasks"); got != tc.failed {
				t.Errorf("Failed map tasks (NUM_FAILED_MAPS) = %d, want %d", got, tc.failed)
			}
			if got := h.jobCounter(id, "Killed map tasks"); got != tc.kills {
				t.Errorf("Killed map tasks (NUM_KILLED_MAPS) = %d, want %d", got, tc.kills)
			}
			if got, want := h.jobCounter(id, "Launched map tasks"), int64(len(tc.steps)); got != want {
				t.Errorf("Launched map tasks (TOTAL_LAUNCHED_MAPS) = %d, want %d", got, want)
			}
			// Every ended attempt says how it ended, in the status and
			// in the stored history.
			hist, _, err := h.tr.AllAttempts(id)
			if err != nil {
				t.Fatal(err)
			}
			kinds := map[string]api.FailureKind{}
			for _, a := range hist {
				kinds[a.ID] = a.Kind
			}
			for _, a := range st.FailedAttempts {
				if !a.Kind.Known() || stateOf(a.Kind) != a.State {
					t.Errorf("attempt %s: state %s, kind %q", a.ID, a.State, a.Kind)
				}
				if kinds[a.ID] != a.Kind {
					t.Errorf("attempt %s: stored kind %q, status says %q", a.ID, kinds[a.ID], a.Kind)
				}
			}
		})
	}
}
