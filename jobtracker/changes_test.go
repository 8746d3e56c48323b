package jobtracker

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"zebra/jobtracker/api"
)

// TestChangedOnProgress: the change feed the web UI's streams watch
// (Changed, JobVersions) sees a submission, attempts starting and a
// progress report: each closes the channel taken before it and grows
// the job's version.
func TestChangedOnProgress(t *testing.T) {
	tr := newTracker(t, t.TempDir(), time.Minute)
	closed := func(ch <-chan struct{}) bool {
		select {
		case <-ch:
			return true
		default:
			return false
		}
	}
	version := func(id string) int64 {
		for _, j := range tr.JobVersions(nil) {
			if j.ID == id {
				return j.Version
			}
		}
		t.Fatalf("JobVersions lacks %s", id)
		return 0
	}
	ch := tr.Changed()
	id, err := tr.Submit(context.Background(), testPlan(filepath.Join(t.TempDir(), "out"), 1, 0), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !closed(ch) {
		t.Error("a submission did not close Changed")
	}
	w := register(t, tr, "w1", 1)
	v0, ch := version(id), tr.Changed()
	r := poll(t, tr, w)
	if len(r.Assign) != 1 {
		t.Fatalf("assigned %+v", r.Assign)
	}
	v1 := version(id)
	if !closed(ch) || v1 <= v0 {
		t.Errorf("an attempt's start: Changed closed %v, version %d -> %d", closed(ch), v0, v1)
	}
	ch = tr.Changed()
	p := api.Poll{Running: []string{r.Assign[0].Attempt}, Jobs: []string{id}, Progress: []api.AttemptProgress{{Attempt: r.Assign[0].Attempt, Progress: 0.5, Status: "halfway"}}}
	if _, err := tr.Poll(context.Background(), w, p); err != nil {
		t.Fatal(err)
	}
	if v2 := version(id); !closed(ch) || v2 <= v1 {
		t.Errorf("a progress report: Changed closed %v, version %d -> %d", closed(ch), v1, v2)
	}
	if js := tr.JobVersions(nil); len(js) != 1 || js[0].State != api.StateRunning || js[0].Owner != "" {
		t.Errorf("JobVersions %+v", js)
	}
}
