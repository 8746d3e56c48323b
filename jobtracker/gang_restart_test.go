package jobtracker

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"zebra/jobtracker/api"
)

// TestRestartMidGang: the jobtracker restarts while a gang (maps whose
// channels stream between them) runs in a job with a reduce, one of its
// maps finished and the other still running. The restarted tracker runs
// the whole gang again at once — the finished map's output, which its
// worker still serves, is not kept for it, as a gang is never run in
// part — instead of leaving the unfinished map waiting for ever for a
// gang that can no longer start whole.
func TestRestartMidGang(t *testing.T) {
	data := t.TempDir()
	tr := openTracker(t, data)
	p := testPlan(filepath.Join(t.TempDir(), "out"), 2, 1)
	p.Gangs = [][]int{{0, 1}}
	id, err := tr.Submit(context.Background(), p, nil)
	if err != nil {
		t.Fatal(err)
	}
	w1 := registerWorker(t, tr, "w1", 2)
	attempt := map[int]string{}
	for _, a := range pollWorker(t, tr, w1) {
		if a.Kind == "map" {
			attempt[a.Index] = a.Attempt
		}
	}
	if len(attempt) != 2 {
		t.Fatalf("assigned maps %v, want the gang's 2", attempt)
	}
	if err := tr.Done(attempt[0], api.AttemptReport{Worker: w1, State: api.AttemptSucceeded, Counters: mapCounters(3), Partitions: []int64{7}}); err != nil {
		t.Fatal(err)
	}
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}

	tr2 := openTracker(t, data)
	nw1 := registerWorker(t, tr2, "w1", 2, attempt[0]) // still serves map 0's output
	var again []int
	for _, a := range pollWorker(t, tr2, nw1) {
		if a.Kind == "map" {
			again = append(again, a.Index)
			if a.Attempt == attempt[a.Index] {
				t.Errorf("map %d assigned as its old attempt %s", a.Index, a.Attempt)
			}
		}
	}
	slices.Sort(again)
	if !slices.Equal(again, []int{0, 1}) {
		t.Fatalf("after the restart the maps assigned are %v, want the whole gang [0 1] again", again)
	}
	if st, _ := tr2.Status(id); st.State != api.StateRunning || st.MapsDone != 0 {
		t.Errorf("job %s, %d maps done; want RUNNING with none done (the gang runs again)", st.State, st.MapsDone)
	}
}
