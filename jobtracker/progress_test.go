package jobtracker

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"zebra/jobtracker/api"
)

// TestPollCarriesAttemptProgress checks that a worker's poll updates its
// running attempts' status and progress, bounded (tenant input), that the
// job's map progress is the mean over its maps, and that the status a
// report carries is kept with the ended attempt.
func TestPollCarriesAttemptProgress(t *testing.T) {
	tr := newTracker(t, t.TempDir(), time.Minute)
	id, err := tr.Submit(context.Background(), testPlan(filepath.Join(t.TempDir(), "out"), 2, 0), nil)
	if err != nil {
		t.Fatal(err)
	}
	w := register(t, tr, "w1", 2)
	r := poll(t, tr, w)
	if len(r.Assign) != 2 {
		t.Fatalf("want 2 assignments, got %+v", r.Assign)
	}
	a0, a1 := r.Assign[0].Attempt, r.Assign[1].Attempt
	long := "x\x1b[2J" + strings.Repeat("é", 5000)
	p := api.Poll{FreeMapSlots: 0, Running: []string{a0, a1}, Jobs: []string{id}, Progress: []api.AttemptProgress{
		{Attempt: a0, Progress: 0.5, Status: "reading"},
		{Attempt: a1, Progress: 7, Status: long}, // out of range: counted as 1
		{Attempt: "attempt_1_0001_m_000009_0", Progress: 0.9, Status: "not mine"},
	}}
	if _, err := tr.Poll(context.Background(), w, p); err != nil {
		t.Fatal(err)
	}
	st, ok := tr.Status(id)
	if !ok || st.MapProgress != 0.75 || st.MapsDone != 0 {
		t.Errorf("job map progress %v (maps done %d), want (0.5+1)/2 = 0.75 with none done", st.MapProgress, st.MapsDone)
	}
	as, _, err := tr.AllAttempts(id)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]api.AttemptInfo{}
	for _, a := range as {
		byID[a.ID] = a
	}
	if a := byID[a0]; a.Status != "reading" || a.Progress != 0.5 {
		t.Errorf("%s: status %q progress %v, want reading 0.5", a0, a.Status, a.Progress)
	}
	if a := byID[a1]; a.Progress != 1 || utf8.RuneCountInString(a.Status) != maxStatus || strings.ContainsRune(a.Status, '\x1b') {
		t.Errorf("%s: progress %v, status of %d characters (escape kept: %v); want 1, %d, no escape",
			a1, a.Progress, utf8.RuneCountInString(a.Status), strings.ContainsRune(a.Status, '\x1b'), maxStatus)
	}
	// The report's status is the attempt's last.
	if err := tr.Done(a0, api.AttemptReport{Worker: w, State: api.AttemptSucceeded, Status: "all read"}); err != nil {
		t.Fatal(err)
	}
	a, ok, err := tr.Attempt(id, a0)
	if err != nil || !ok || a.State != api.AttemptSucceeded || a.Status != "all read" || a.Progress != 1 {
		t.Errorf("ended attempt: %+v %v %v; want SUCCEEDED, status \"all read\", progress 1", a, ok, err)
	}
}
