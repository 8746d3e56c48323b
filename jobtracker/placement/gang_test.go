package placement

import (
	"fmt"
	"slices"
	"testing"
)

// TestPlaceGangs runs gang cases on a Harness like TestPlace: each step
// changes the cluster, places, and must get exactly want (worked out by
// hand from the rules in gang.go). After every step, each gang must have
// been placed whole in one call or not at all.
func TestPlaceGangs(t *testing.T) {
	type step struct {
		do   func(h *Harness)
		want []string
	}
	finish := func(job int, maps ...int) func(*Harness) {
		return func(h *Harness) {
			for _, i := range maps {
				h.Finish(job, m, i)
			}
		}
	}
	cases := []struct {
		name  string
		setup func(h *Harness)
		steps []step
	}{
		{
			name: "two gangs compete: the first starts whole, the second waits whole and starts when slots free",
			setup: func(h *Harness) {
				h.AddWorker("w1", 2, 0)
				h.AddWorker("w2", 2, 0)
				h.AddGangJob(3)
				h.AddGangJob(3)
			},
			steps: []step{
				{want: []string{"w1 j0/m0", "w1 j0/m1", "w2 j0/m2"}},
				{do: finish(0, 0), want: nil}, // 2 free, the second gang needs 3
				{do: finish(0, 1, 2), want: []string{"w1 j1/m0", "w1 j1/m1", "w2 j1/m2"}},
			},
		},
		{
			name: "both gangs of one call fit: both start, in order",
			setup: func(h *Harness) {
				h.AddWorker("w1", 3, 0)
				h.AddWorker("w2", 2, 0)
				h.AddGangJob(2)
				h.AddGangJob(3)
			},
			steps: []step{{want: []string{"w1 j0/m0", "w1 j0/m1", "w1 j1/m0", "w2 j1/m1", "w2 j1/m2"}}},
		},
		{
			name: "a waiting gang holds free slots from later jobs, not from earlier ones",
			setup: func(h *Harness) {
				h.AddWorker("w1", 2, 0)
				h.AddWorker("w2", 1, 0)
				h.AddJob(hosts(nil, nil, nil), 0, 1)
			},
			steps: []step{
				{want: []string{"w1 j0/m0", "w1 j0/m1", "w2 j0/m2"}},
				{do: func(h *Harness) {
					h.AddGangJob(3)
					h.AddJob(hosts(nil), 0, 1)
					h.Finish(0, m, 2)
				}, want: nil}, // 1 free: the gang waits, job 2 may not take it
				{do: finish(0, 0), want: nil},
				{do: finish(0, 1), want: []string{"w1 j1/m0", "w1 j1/m1", "w2 j1/m2"}},
				{do: finish(1, 0), want: []string{"w1 j2/m0"}},
			},
		},
		{
			name: "a job ahead of a waiting gang goes on",
			setup: func(h *Harness) {
				h.AddWorker("w1", 2, 0)
				h.AddJob(hosts(nil, nil, nil), 0, 1)
				h.AddGangJob(2)
			},
			steps: []step{
				// Gangs go first: the gang fits and starts, job 0 waits for it.
				{want: []string{"w1 j1/m0", "w1 j1/m1"}},
				{do: finish(1, 0), want: []string{"w1 j0/m0"}},
				{do: finish(1, 1), want: []string{"w1 j0/m1"}},
			},
		},
		{
			name: "a gang larger than the cluster waits without holding slots from later jobs",
			setup: func(h *Harness) {
				h.AddWorker("w1", 2, 0)
				h.AddGangJob(3)
				h.AddJob(hosts(nil), 0, 1)
			},
			steps: []step{{want: []string{"w1 j1/m0"}}},
		},
		{
			name: "a gang of a job with several gangs: each whole, the later one waits",
			setup: func(h *Harness) {
				h.AddWorker("w1", 3, 0)
				h.AddGangJob(2, 2)
			},
			steps: []step{
				{want: []string{"w1 j0/m0", "w1 j0/m1"}},
				{do: finish(0, 0), want: []string{"w1 j0/m2", "w1 j0/m3"}}, // 1 free was too few, 2 fit
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := NewHarness(0)
			c.setup(h)
			for i, s := range c.steps {
				if s.do != nil {
					s.do(h)
				}
				got := h.Place()
				if !slices.Equal(got, s.want) {
					t.Fatalf("step %d: placed %q, want %q", i, got, s.want)
				}
				checkWholeGangs(t, h, got)
			}
		})
	}
}

// checkWholeGangs fails if one call placed part of a gang.
func checkWholeGangs(t *testing.T, h *Harness, placed []string) {
	t.Helper()
	for ji, j := range h.Jobs {
		for gi, g := range j.gangs {
			n := 0
			for _, i := range g {
				if slices.Contains(placed, fmt.Sprintf("%s j%d/m%d", h.workerOf(j.maps[i]), ji, i)) {
					n++
				}
			}
			if n != 0 && n != len(g) {
				t.Fatalf("gang %d of job %d placed in part: %d of %d tasks (%q)", gi, ji, n, len(g), placed)
			}
		}
	}
}

func (h *Harness) workerOf(t *hTask) string {
	if t.on == nil {
		return ""
	}
	return t.on.id
}

func TestGangFits(t *testing.T) {
	for _, c := range []struct {
		need, slots Capacity
		want        bool
	}{
		{Capacity{3, 0}, Capacity{3, 1}, true},
		{Capacity{4, 0}, Capacity{3, 5}, false},
		{Capacity{1, 2}, Capacity{3, 1}, false},
		{Capacity{0, 0}, Capacity{0, 0}, true},
	} {
		if got := GangFits(c.need, c.slots); got != c.want {
			t.Errorf("GangFits(%+v, %+v) = %v, want %v", c.need, c.slots, got, c.want)
		}
	}
	if got := (Gang{Tasks: []Task{{Kind: m}, {Kind: r}, {Kind: m}}}).Needs(); got != (Capacity{2, 1}) {
		t.Errorf("Needs = %+v, want {2 1}", got)
	}
}
