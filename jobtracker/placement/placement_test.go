package placement

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"zebra/mapreduce"
	"zebra/mapreduce/mrtest/suite"
)

const (
	m = mapreduce.MapTask
	r = mapreduce.ReduceTask
)

func hosts(hs ...[]string) [][]string { return hs }

func nodes(ns ...string) []string { return ns }

// TestPlace runs each case's steps on a Harness: a step changes the
// cluster (finishes or fails a task, moves the clock), then places, and
// must get exactly want (the expected lines follow from the rules in the
// package doc, worked out by hand for each step).
func TestPlace(t *testing.T) {
	type step struct {
		do   func(h *Harness)
		want []string
	}
	advance := func(d time.Duration) func(*Harness) { return func(h *Harness) { h.Now = h.Now.Add(d) } }
	cases := []struct {
		name  string
		delay time.Duration
		setup func(h *Harness)
		steps []step
	}{
		{
			name: "locality: each map goes to the worker beside its split", delay: time.Second,
			setup: func(h *Harness) {
				h.AddWorker("w1", 1, 1, "n1")
				h.AddWorker("w2", 1, 1, "n2")
				h.AddJob(hosts(nodes("n2"), nodes("n1")), 0, 1)
			},
			steps: []step{{want: []string{"w1 j0/m1 local", "w2 j0/m0 local"}}},
		},
		{
			name: "a worker beside several nodes takes from each", delay: time.Second,
			setup: func(h *Harness) {
				h.AddWorker("w1", 2, 0, "n1", "n2")
				h.AddWorker("w3", 1, 0, "n3")
				h.AddJob(hosts(nodes("n3"), nodes("n2"), nodes("n1")), 0, 1)
			},
			steps: []step{{want: []string{"w1 j0/m2 local", "w1 j0/m1 local", "w3 j0/m0 local"}}},
		},
		{
			name: "delay scheduling: a map waits for its replica holder, then runs elsewhere", delay: time.Second,
			setup: func(h *Harness) {
				h.AddWorker("w1", 1, 0, "n1")
				h.AddWorker("w2", 1, 0, "n2")
				h.AddJob(hosts(nodes("n2"), nodes("n2")), 0, 1)
			},
			steps: []step{
				{want: []string{"w2 j0/m0 local"}},                          // w1 holds no replica: it waits
				{do: advance(999 * time.Millisecond)},                       // not yet
				{do: advance(time.Millisecond), want: []string{"w1 j0/m1"}}, // the delay has passed
			},
		},
		{
			name: "delay scheduling: no wait when no live worker holds a replica", delay: time.Second,
			setup: func(h *Harness) {
				h.AddWorker("w1", 1, 0, "n1")
				h.AddJob(hosts(nodes("n9")), 0, 1)
			},
			steps: []step{{want: []string{"w1 j0/m0"}}},
		},
		{
			name: "delay scheduling off: a negative delay never waits", delay: -1,
			setup: func(h *Harness) {
				h.AddWorker("w1", 1, 0, "n1")
				h.AddWorker("w2", 0, 1, "n2")
				h.AddJob(hosts(nodes("n2")), 0, 1)
			},
			steps: []step{{want: []string{"w1 j0/m0"}}},
		},
		{
			name: "slots: never more than free; reduces after every map with slow start 1", delay: time.Second,
			setup: func(h *Harness) {
				h.AddWorker("w1", 2, 1, "n1")
				h.AddJob(hosts(nil, nil, nil), 2, 1)
			},
			steps: []step{
				{want: []string{"w1 j0/m0", "w1 j0/m1"}},
				{do: func(h *Harness) { h.Finish(0, m, 0) }, want: []string{"w1 j0/m2"}},
				{do: func(h *Harness) { h.Finish(0, m, 1) }},
				{do: func(h *Harness) { h.Finish(0, m, 2) }, want: []string{"w1 j0/r0"}},
				{do: func(h *Harness) { h.Finish(0, r, 0) }, want: []string{"w1 j0/r1"}},
			},
		},
		{
			name: "slow start 0.5: reduces start once half the maps are done", delay: time.Second,
			setup: func(h *Harness) {
				h.AddWorker("w1", 1, 2, "n1")
				h.AddJob(hosts(nil, nil), 2, 0.5)
			},
			steps: []step{
				{want: []string{"w1 j0/m0"}},
				{do: func(h *Harness) { h.Finish(0, m, 0) }, want: []string{"w1 j0/m1", "w1 j0/r0", "w1 j0/r1"}},
			},
		},
		{
			name: "jobs in submission order", delay: time.Second,
			setup: func(h *Harness) {
				h.AddWorker("w1", 1, 0, "n1")
				h.AddJob(hosts(nil), 0, 1)
				h.AddJob(hosts(nodes("n1")), 0, 1)
			},
			steps: []step{
				{want: []string{"w1 j0/m0"}},
				{do: func(h *Harness) { h.Finish(0, m, 0) }, want: []string{"w1 j1/m0 local"}},
			},
		},
		{
			name: "a retry avoids the worker it failed on while another is live", delay: -1,
			setup: func(h *Harness) {
				h.AddWorker("w1", 1, 1, "n1")
				h.AddWorker("w2", 1, 1, "n2")
				h.AddJob(hosts(nil), 1, 1)
			},
			steps: []step{
				{want: []string{"w1 j0/m0"}},
				{do: func(h *Harness) { h.Fail(0, m, 0) }, want: []string{"w2 j0/m0"}},
				// Failed on both live workers: it may run on either again.
				{do: func(h *Harness) { h.Fail(0, m, 0) }, want: []string{"w1 j0/m0"}},
				{do: func(h *Harness) { h.Finish(0, m, 0) }, want: []string{"w1 j0/r0"}},
				{do: func(h *Harness) { h.Fail(0, r, 0) }, want: []string{"w2 j0/r0"}},
			},
		},
		{
			name: "a retry of a local map avoids the replica holder it failed on", delay: time.Second,
			setup: func(h *Harness) {
				h.AddWorker("w1", 1, 0, "n1")
				h.AddWorker("w2", 1, 0, "n2")
				h.AddJob(hosts(nodes("n1")), 0, 1)
			},
			steps: []step{
				{want: []string{"w1 j0/m0 local"}},
				// Requeued now: the delay holds it back from w2 while w1,
				// beside its replica but avoided, is live...
				{do: func(h *Harness) { h.Fail(0, m, 0) }},
				// ...until the delay has passed.
				{do: advance(time.Second), want: []string{"w2 j0/m0"}},
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := NewHarness(c.delay)
			c.setup(h)
			for i, s := range c.steps {
				if s.do != nil {
					s.do(h)
				}
				if got := h.Place(); !slices.Equal(got, s.want) {
					t.Fatalf("step %d: placed %q, want %q", i, got, s.want)
				}
			}
		})
	}
}

// TestPlaceIsPure: Place changes nothing in its view, and the same view
// and time give the same assignments.
func TestPlaceIsPure(t *testing.T) {
	h := bigHarness(50, 2000, time.Second)
	v := h.View()
	before := fmt.Sprintf("%+v", h.Running())
	a, b := Place(v, h.Now), Place(v, h.Now)
	if !slices.Equal(a, b) || len(a) == 0 {
		t.Fatalf("two calls on one view differ or are empty: %d vs %d assignments", len(a), len(b))
	}
	if after := fmt.Sprintf("%+v", h.Running()); after != before {
		t.Fatal("Place changed the cluster")
	}
	for _, j := range h.Jobs {
		for _, tk := range j.maps {
			if !tk.queued {
				t.Fatal("Place dequeued a task")
			}
		}
	}
}

// bigHarness is a cluster of n workers, one beside each of n nodes with
// two map slots, and one job of tasks maps, each split with three
// replicas on distinct random nodes.
func bigHarness(n, tasks int, delay time.Duration) *Harness {
	h := NewHarness(delay)
	for i := 0; i < n; i++ {
		h.AddWorker(fmt.Sprint("w", i), 2, 0, fmt.Sprint("node-", i))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	hs := make([][]string, tasks)
	for i := range hs {
		for len(hs[i]) < 3 {
			if h := fmt.Sprint("node-", rng.IntN(n)); !slices.Contains(hs[i], h) {
				hs[i] = append(hs[i], h)
			}
		}
	}
	h.AddJob(hs, 0, 1)
	return h
}

// runAll places and finishes rounds until every map ran; it checks that
// no worker ever runs more than its slots and that each map runs once,
// and returns the rounds and data-local placements.
func runAll(t testing.TB, h *Harness) (rounds, local int) {
	j := h.Jobs[0]
	ran := make([]bool, len(j.maps))
	for done := 0; done < len(j.maps); rounds++ {
		as := Place(h.View(), h.Now)
		if len(as) == 0 {
			t.Fatalf("round %d: nothing placed with %d maps left", rounds, len(j.maps)-done)
		}
		per := map[int]int{}
		for _, a := range as {
			if per[a.Worker]++; per[a.Worker] > 2 {
				t.Fatalf("round %d: worker %d got more than its 2 slots", rounds, a.Worker)
			}
			if ran[a.Index] {
				t.Fatalf("map %d placed twice", a.Index)
			}
			ran[a.Index] = true
			j.maps[a.Index].queued = false
			if a.DataLocal {
				local++
			}
			done++
		}
		// Every placed map finishes before the next round.
	}
	return rounds, local
}

// TestPlaceAtScale: 1,000 nodes × 100,000 tasks. With delay scheduling
// and a clock that does not move, no map ever runs away from its data,
// yet every map runs (each has a live replica holder). With no delay,
// every free slot is filled while enough maps are queued: 100,000 maps on
// 2,000 slots take exactly 50 rounds.
func TestPlaceAtScale(t *testing.T) {
	suite.Require(t, suite.Heavy)
	const n, tasks = 1000, 100_000
	rounds, local := runAll(t, bigHarness(n, tasks, time.Hour))
	if local != tasks {
		t.Errorf("with delay scheduling %d of %d maps ran data-local, want all", local, tasks)
	}
	t.Logf("delay scheduling: %d rounds", rounds)
	rounds, local = runAll(t, bigHarness(n, tasks, -1))
	if rounds != tasks/(2*n) {
		t.Errorf("without delay: %d rounds, want %d", rounds, tasks/(2*n))
	}
	t.Logf("no delay: %d rounds, %.1f%% data-local", rounds, 100*float64(local)/tasks)
}

// BenchmarkPlace places 100,000 maps (three replicas each among 1,000
// nodes) onto 1,000 workers of two slots, round after round until all
// ran, and reports the share placed data-local.
func BenchmarkPlace(b *testing.B) {
	var local int
	for b.Loop() {
		b.StopTimer()
		h := bigHarness(1000, 100_000, time.Second)
		b.StartTimer()
		_, local = runAll(b, h)
	}
	b.ReportMetric(float64(local)/1000, "%data-local")
}
