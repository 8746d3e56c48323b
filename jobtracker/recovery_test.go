package jobtracker

import (
	"context"
	"log/slog"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"zebra/jobtracker/api"
	"zebra/mapreduce"
)

func openTracker(t *testing.T, data string) *Tracker {
	t.Helper()
	tr, err := Open(Config{Data: data, Registry: localRegistry(), PollWait: 10 * time.Millisecond, Expiry: time.Hour, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	return tr
}

func registerWorker(t *testing.T, tr *Tracker, name string, slots int, outputs ...string) string {
	t.Helper()
	r, err := tr.Register(api.Registration{Protocol: api.ProtocolVersion, Name: name, MapSlots: slots, ReduceSlots: slots,
		Shuffle: "tcp://" + name + ":1", MapOutputs: outputs})
	if err != nil {
		t.Fatal(err)
	}
	return r.ID
}

func pollWorker(t *testing.T, tr *Tracker, id string) []api.Assignment {
	t.Helper()
	r, err := tr.Poll(context.Background(), id, api.Poll{})
	if err != nil {
		t.Fatal(err)
	}
	return r.Assign
}

func mapCounters(records int64) *mapreduce.Counters {
	c := &mapreduce.Counters{}
	c.Add(mapreduce.GroupTask, mapreduce.CounterMapOutputRecords, records)
	return c
}

// TestRestartKeepsServedMaps: after a restart, the finished maps whose
// outputs their workers still serve when they register again are kept
// (with their counters); a finished map whose worker does not come back
// within the recovery window runs again, as does the map that had not
// finished; the recovery counters say how many of each.
func TestRestartKeepsServedMaps(t *testing.T) {
	data := t.TempDir()
	out := filepath.Join(t.TempDir(), "out")
	tr := openTracker(t, data)
	id, err := tr.Submit(context.Background(), testPlan(out, 3, 1), nil)
	if err != nil {
		t.Fatal(err)
	}
	w1, w2 := registerWorker(t, tr, "w1", 2), registerWorker(t, tr, "w2", 1)
	on := map[int]string{} // map index → worker id
	attempt := map[int]string{}
	var as []api.Assignment
	for _, w := range []string{w1, w2} {
		for _, a := range pollWorker(t, tr, w) {
			as = append(as, a)
			if a.Kind == "map" {
				on[a.Index], attempt[a.Index] = w, a.Attempt
			}
		}
	}
	if len(attempt) != 3 {
		t.Fatalf("assignments %+v, want the 3 maps", as)
	}
	// Maps 0 and 1 finish (on w1 and w2 as placed); map 2 is running when
	// the tracker stops.
	byWorker := func(w string) (idx []int) {
		for i, x := range on {
			if x == w {
				idx = append(idx, i)
			}
		}
		slices.Sort(idx)
		return idx
	}
	served := map[string][]string{} // worker name → attempts it serves
	for _, w := range []struct{ id, name string }{{w1, "w1"}, {w2, "w2"}} {
		i := byWorker(w.id)[0] // each worker finishes its first map
		if err := tr.Done(attempt[i], api.AttemptReport{Worker: w.id, State: api.AttemptSucceeded, Counters: mapCounters(int64(10 + i)), Partitions: []int64{7}}); err != nil {
			t.Fatal(err)
		}
		served[w.name] = append(served[w.name], attempt[i])
	}
	if len(served["w1"]) != 1 || len(served["w2"]) != 1 {
		t.Fatalf("want one finished map on each worker, got %v (placed %v)", served, on)
	}
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}

	tr2 := openTracker(t, data)
	if st, _ := tr2.Status(id); st.MapsDone != 0 {
		t.Fatalf("before any worker is back, %d maps done, want 0", st.MapsDone)
	}
	// w1 comes back serving its map output (and one of a job that is not
	// this tracker's, which is ignored); w2 never comes back.
	nw1 := registerWorker(t, tr2, "w1", 2, append(served["w1"], "attempt_1_0099_m_000000_0")...)
	st, _ := tr2.Status(id)
	if st.MapsDone != 1 {
		t.Fatalf("after w1 registered, %d maps done, want 1", st.MapsDone)
	}
	events, _ := tr2.MapOutputs(context.Background(), id, 0, 0)
	if len(events.Events) != 1 || events.Events[0].Attempt != served["w1"][0] || events.Events[0].Endpoint != "tcp://w1:1" {
		t.Fatalf("map output events %+v, want w1's output at its endpoint", events.Events)
	}
	// A worker of another name claiming w2's output is not believed.
	registerWorker(t, tr2, "w3", 1, served["w2"]...)
	if st, _ := tr2.Status(id); st.MapsDone != 1 {
		t.Fatalf("w3 claimed w2's output: %d maps done", st.MapsDone)
	}
	// Within the window, only the unfinished map is queued.
	runs := pollWorker(t, tr2, nw1)
	var maps []api.Assignment
	for _, a := range runs {
		if a.Kind == "map" {
			maps = append(maps, a)
		}
	}
	if len(maps) != 1 || attempt[maps[0].Index] == served["w1"][0] || attempt[maps[0].Index] == served["w2"][0] {
		t.Fatalf("within the recovery window maps run: %+v, want only the unfinished one", maps)
	}
	// The window ends: w2's map runs again.
	tr2.mu.Lock()
	tr2.endRecoveryLocked(time.Now().Add(2 * time.Hour))
	tr2.mu.Unlock()
	more := pollWorker(t, tr2, nw1)
	runs = append(runs, more...)
	var again []int
	for _, a := range more {
		if a.Kind == "map" {
			again = append(again, a.Index)
		}
	}
	if len(again) != 1 || attempt[again[0]] != served["w2"][0] {
		t.Fatalf("after the window maps run: %v, want w2's finished map", again)
	}
	// Everything left finishes; the job's counters hold every map's.
	for _, a := range runs {
		c := &mapreduce.Counters{}
		if a.Kind == "map" {
			c = mapCounters(100)
		}
		if err := tr2.Done(a.Attempt, api.AttemptReport{Worker: nw1, State: api.AttemptSucceeded, Counters: c}); err != nil {
			t.Fatal(err)
		}
	}
	st, _ = tr2.Status(id)
	if st.MapsDone != 3 || st.ReducesDone != 1 {
		t.Fatalf("after every run reported: %d maps and %d reduces done", st.MapsDone, st.ReducesDone)
	}
	total, _, _, _ := tr2.JobCounters(id)
	w1Map := 0
	for i, a := range attempt {
		if a == served["w1"][0] {
			w1Map = i
		}
	}
	if got, want := total.Get(mapreduce.GroupTask, mapreduce.CounterMapOutputRecords), int64(10+w1Map+100+100); got != want {
		t.Errorf("Map output records %d, want %d (the kept map's %d and two runs of 100)", got, want, 10+w1Map)
	}
	if got := total.Get(GroupRecovery, CounterRecoveredMaps); got != 1 {
		t.Errorf("%s = %d, want 1", CounterRecoveredMaps, got)
	}
	if got := total.Get(GroupRecovery, CounterLostMaps); got != 1 {
		t.Errorf("%s = %d, want 1", CounterLostMaps, got)
	}
	if got := total.Get(mapreduce.GroupJob, "Launched map tasks"); got != 2 {
		t.Errorf("Launched map tasks after the restart = %d, want 2", got)
	}
}
