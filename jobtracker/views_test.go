package jobtracker

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"zebra/jobtracker/api"
	"zebra/mapreduce"
)

// TestViewsBeforeAndAfterRestart: the task rows of a running job come
// from memory, those of an ended job from the stored history, and read
// the same after a restart.
func TestViewsBeforeAndAfterRestart(t *testing.T) {
	data := t.TempDir()
	tr := newTracker(t, data, time.Minute)
	p := testPlan(filepath.Join(t.TempDir(), "out"), 3, 1)
	p.Splits[1].Hosts = []string{"w1"}
	p.Owner = "AUTH_a"
	id, err := tr.Submit(context.Background(), p, nil)
	if err != nil {
		t.Fatal(err)
	}
	w := register(t, tr, "w1", 4)
	as := poll(t, tr, w).Assign
	if len(as) != 4 {
		t.Fatalf("assignments %+v", as)
	}
	// Running: memory.
	page, ok, err := tr.Tasks(id, TaskFilter{}, 0, 0)
	if !ok || err != nil || page.Total != 4 || page.Tasks[0].State != mapreduce.StateRunning || page.Tasks[3].Kind != "reduce" {
		t.Fatalf("running tasks: %v %v %+v", ok, err, page)
	}
	if page, _, _ := tr.Tasks(id, TaskFilter{DataLocal: "yes"}, 0, 0); page.Total != 1 || page.Tasks[0].Index != 1 {
		t.Errorf("data-local tasks: %+v", page)
	}
	if page, _, _ := tr.Tasks(id, TaskFilter{Kind: "map"}, 1, 1); page.Total != 3 || len(page.Tasks) != 1 || page.Tasks[0].Index != 1 {
		t.Errorf("second map: %+v", page)
	}
	if tr.WorkerLogURL(w, "w1") != "" || len(tr.WorkerViews()) != 1 || tr.WorkerViews()[0].RunningMaps != 3 {
		t.Errorf("workers: %+v", tr.WorkerViews())
	}
	m := tr.Metrics()
	if m.JobsByState[api.StateRunning] != 1 || m.TasksByState[mapreduce.StateRunning] != 4 || m.DataLocalMaps != 1 || m.OtherLocalMaps != 2 {
		t.Errorf("metrics: %+v", m)
	}
	// Map 0 fails once, then succeeds.
	var failed string
	for _, a := range as {
		if a.Kind == "map" && a.Index == 0 {
			failed = a.Attempt
			report(t, tr, w, a.Attempt, api.AttemptFailed)
		} else {
			report(t, tr, w, a.Attempt, api.AttemptSucceeded)
		}
	}
	retry := poll(t, tr, w).Assign
	if len(retry) != 1 {
		t.Fatalf("retry: %+v", retry)
	}
	report(t, tr, w, retry[0].Attempt, api.AttemptSucceeded)
	waitState(t, tr, id, api.StateSucceeded)
	check := func(tr *Tracker, when string) {
		page, _, err := tr.Tasks(id, TaskFilter{}, 0, 0)
		if err != nil || page.Total != 4 {
			t.Fatalf("%s: %v %+v", when, err, page)
		}
		t0 := page.Tasks[0]
		if t0.State != mapreduce.StateSucceeded || t0.Attempts != 2 || t0.Attempt != retry[0].Attempt || t0.Finished.IsZero() || t0.Node != "w1" {
			t.Errorf("%s: task 0 %+v", when, t0)
		}
		if page.Tasks[1].DataLocal != true || page.Tasks[2].DataLocal {
			t.Errorf("%s: data-locality %+v", when, page.Tasks)
		}
		v, ok, _ := tr.Task(id, page.Tasks[3].ID)
		if !ok || v.Kind != "reduce" || v.State != mapreduce.StateSucceeded {
			t.Errorf("%s: reduce task %+v", when, v)
		}
		if _, ok, _ := tr.Task(id, strings.Replace(page.Tasks[3].ID, "_r_000000", "_r_000001", 1)); ok {
			t.Errorf("%s: a task past the end", when)
		}
		atts, _, _ := tr.TaskAttempts(id, t0.ID)
		if len(atts) != 2 || atts[0].State != api.AttemptFailed || atts[1].State != api.AttemptSucceeded {
			t.Errorf("%s: attempts %+v", when, atts)
		}
		if a, ok, _ := tr.Attempt(id, failed); !ok || a.Error != "boom" {
			t.Errorf("%s: attempt %+v", when, a)
		}
		if all, _, _ := tr.AllAttempts(id); len(all) != 5 {
			t.Errorf("%s: all attempts %+v", when, all)
		}
		if j, _ := tr.JobSummary(id); j.Owner != "AUTH_a" || j.State != api.StateSucceeded {
			t.Errorf("%s: summary %+v", when, j)
		}
		total, _, _, _ := tr.JobCounters(id)
		if total.Get("org.apache.hadoop.mapreduce.JobCounter", "Launched map tasks") != 4 {
			t.Errorf("%s: counters %v", when, total)
		}
	}
	check(tr, "ended")
	tr.Close()
	tr2 := newTracker(t, data, time.Minute)
	check(tr2, "after a restart")
	if _, ok, _ := tr2.Tasks("job_nope_0001", TaskFilter{}, 0, 0); ok {
		t.Error("an unknown job has tasks")
	}
}
