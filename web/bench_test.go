package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"zebra/jobtracker/api"

	"zebra/mapreduce/mrtest/suite"
)

// bigJob submits a job of n maps and runs the first done of them to
// success on 100 workers (straight through the tracker, for speed).
func bigJob(tb testing.TB, h *harness, n, done int) string {
	tb.Helper()
	p := h.plan("big", n, 0)
	for i := range p.Splits {
		p.Splits[i].Hosts = []string{fmt.Sprintf("node-%d", i%100)}
	}
	id, err := h.tr.Submit(context.Background(), p, nil)
	if err != nil {
		tb.Fatal(err)
	}
	var workers []string
	for i := 0; i < 100; i++ {
		r, err := h.tr.Register(api.Registration{Protocol: api.ProtocolVersion, Name: fmt.Sprintf("node-%d", i), MapSlots: 1000, ReduceSlots: 1, Shuffle: "tcp://127.0.0.1:1"})
		if err != nil {
			tb.Fatal(err)
		}
		workers = append(workers, r.ID)
	}
	finished := 0
	for finished < done {
		for _, w := range workers {
			reply, err := h.tr.Poll(context.Background(), w, api.Poll{})
			if err != nil {
				tb.Fatal(err)
			}
			for _, a := range reply.Assign {
				if finished < done {
					if err := h.tr.Done(a.Attempt, api.AttemptReport{Worker: w, State: api.AttemptSucceeded}); err != nil {
						tb.Fatal(err)
					}
					finished++
				}
			}
			if finished >= done {
				break
			}
		}
	}
	return id
}

// pageTimes renders pages of the tasks table and returns the server
// time of each.
func pageTimes(tb testing.TB, h *harness, id string, n int) []time.Duration {
	var out []time.Duration
	for i := 0; i < n; i++ {
		path := fmt.Sprintf("/ui/jobs/%s/tasks?offset=%d", id, (i*7919)%100000)
		if i%3 == 1 {
			path += "&state=SUCCEEDED"
		} else if i%3 == 2 {
			path += "&node=node-42&dataLocal=yes"
		}
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("X-Auth-Token", adminToken)
		rec := httptest.NewRecorder()
		start := time.Now()
		h.s.ServeHTTP(rec, req)
		out = append(out, time.Since(start))
		if rec.Code != 200 {
			tb.Fatalf("GET %s: %d", path, rec.Code)
		}
	}
	return out
}

func p50(ds []time.Duration) time.Duration {
	ds = slices.Clone(ds)
	slices.Sort(ds)
	return ds[len(ds)/2]
}

// BenchmarkTasksPage renders the tasks page of a job of 100,000 tasks,
// running (half done) and ended; it reports the median server time
// (the target is at most 100 ms).
func BenchmarkTasksPage(b *testing.B) {
	h := newHarness(b, false)
	id := bigJob(b, h, 100000, 50000)
	b.Run("running", func(b *testing.B) {
		var ts []time.Duration
		for i := 0; i < b.N; i++ {
			ts = append(ts, pageTimes(b, h, id, 1)...)
		}
		b.ReportMetric(float64(p50(ts).Microseconds())/1000, "p50-ms")
	})
	h.tr.Kill(id)
	b.Run("ended", func(b *testing.B) {
		var ts []time.Duration
		for i := 0; i < b.N; i++ {
			ts = append(ts, pageTimes(b, h, id, 1)...)
		}
		b.ReportMetric(float64(p50(ts).Microseconds())/1000, "p50-ms")
	})
}

// TestTasksPageOf100000Tasks checks the benchmark's target: the median
// page of a 100,000-task job renders in at most 100 ms, running and
// ended.
func TestTasksPageOf100000Tasks(t *testing.T) {
	suite.Require(t, suite.Heavy) // builds a 100,000-task job
	h := newHarness(t, false)
	start := time.Now()
	id := bigJob(t, h, 100000, 50000)
	t.Logf("set up in %v", time.Since(start))
	ts := pageTimes(t, h, id, 21)
	t.Logf("running job: p50 %v, max %v", p50(ts), slices.Max(ts))
	if p50(ts) > 100*time.Millisecond {
		t.Errorf("running job: p50 %v > 100ms", p50(ts))
	}
	h.tr.Kill(id)
	h.waitState(id, api.StateKilled)
	pageTimes(t, h, id, 1) // the first reads the history
	ts = pageTimes(t, h, id, 21)
	t.Logf("ended job: p50 %v, max %v", p50(ts), slices.Max(ts))
	if p50(ts) > 100*time.Millisecond {
		t.Errorf("ended job: p50 %v > 100ms", p50(ts))
	}
}
