package jobtracker

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"zebra/jobtracker/api"
)

func gangPlan(t *testing.T, maps int) *api.Plan {
	p := testPlan(filepath.Join(t.TempDir(), "out"), maps, 0)
	var g []int
	for i := range maps {
		g = append(g, i)
	}
	p.Gangs = [][]int{g}
	return p
}

func pollRunning(t *testing.T, tr *Tracker, id string, running []string) []string {
	t.Helper()
	r, err := tr.Poll(context.Background(), id, api.Poll{Running: running})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, a := range r.Assign {
		out = append(out, a.Attempt)
	}
	return out
}

func jobOf(attempts []string) map[string]int {
	m := map[string]int{}
	for _, a := range attempts {
		var job, n, idx, at int
		fmt.Sscanf(a, "attempt_%d_%d_m_%d_%d", &job, &n, &idx, &at)
		m[fmt.Sprint(n)]++
	}
	return m
}

// TestGangAcrossWorkers: a gang of 3 maps on two workers of 2 slots is
// started whole, its third attempt handed to the other worker at its
// poll; a second gang of 3 waits (1 slot free) without starting any part,
// and starts whole once the first ends; a gang's failed map fails its
// job instead of being retried alone.
func TestGangAcrossWorkers(t *testing.T) {
	tr := newTracker(t, t.TempDir(), 0)
	ctx := context.Background()
	a, err := tr.Submit(ctx, gangPlan(t, 3), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := tr.Submit(ctx, gangPlan(t, 3), nil)
	if err != nil {
		t.Fatal(err)
	}
	w1, w2 := register(t, tr, "w1", 2), register(t, tr, "w2", 2)
	on1 := pollRunning(t, tr, w1, nil)
	on2 := pollRunning(t, tr, w2, nil)
	if len(on1) != 2 || len(on2) != 1 || jobOf(append(slices.Clone(on1), on2...))["1"] != 3 {
		t.Fatalf("first gang: w1 got %v, w2 got %v; want job 1's 3 maps, 2 and 1", on1, on2)
	}
	// One slot free: the second gang waits whole.
	if got := pollRunning(t, tr, w2, on2); len(got) != 0 {
		t.Fatalf("w2 got %v with one slot free for a gang of 3", got)
	}
	for _, at := range slices.Concat(on1, on2) {
		w := w1
		if slices.Contains(on2, at) {
			w = w2
		}
		if err := report(t, tr, w, at, api.AttemptSucceeded); err != nil {
			t.Fatal(err)
		}
	}
	waitState(t, tr, a, api.StateSucceeded)
	on1 = pollRunning(t, tr, w1, nil)
	on2 = pollRunning(t, tr, w2, nil)
	if n := len(on1) + len(on2); n != 3 || jobOf(append(slices.Clone(on1), on2...))["2"] != 3 {
		t.Fatalf("second gang: w1 got %v, w2 got %v; want job 2's 3 maps", on1, on2)
	}
	// Channel endpoints: published by one instance, found by another.
	if err := tr.PublishChannels(b, api.Channels{Endpoints: map[string]string{"a>b": "tcp://127.0.0.1:5"}}); err != nil {
		t.Fatal(err)
	}
	if got, ok := tr.LookupChannels(ctx, b, []string{"a>b", "b>a"}, 0); !ok || len(got.Endpoints) != 1 || got.Endpoints["a>b"] != "tcp://127.0.0.1:5" {
		t.Errorf("lookup: %v %v", got, ok)
	}
	if err := tr.PublishChannels(a, api.Channels{Endpoints: map[string]string{"a>b": "x"}}); err == nil {
		t.Error("published channels of an ended job")
	}
	// A gang's map fails: the job fails, no retry.
	w := w1
	if len(on1) == 0 {
		w = w2
	}
	failed := slices.Concat(on1, on2)[0]
	if err := report(t, tr, w, failed, api.AttemptFailed); err != nil {
		t.Fatal(err)
	}
	// The workers are told to kill the rest, and confirm it.
	rest := func(on []string) []string {
		return slices.DeleteFunc(slices.Clone(on), func(s string) bool { return s == failed })
	}
	for _, p := range []struct {
		w  string
		on []string
	}{{w1, rest(on1)}, {w2, rest(on2)}} {
		r, err := tr.Poll(ctx, p.w, api.Poll{Running: p.on})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Assign) != 0 || !slices.Equal(r.Kill, p.on) && len(p.on) > 0 {
			t.Errorf("after the failure: assigned %v, killed %v; want %v killed, nothing retried", r.Assign, r.Kill, p.on)
		}
		pollRunning(t, tr, p.w, nil)
	}
	waitState(t, tr, b, api.StateFailed)
}
