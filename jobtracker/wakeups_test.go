package jobtracker

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"zebra/adapters/localfs"
	"zebra/jobtracker/api"
	"zebra/mapreduce"
)

// progressWakeups runs one job's only map on a worker, parks the long
// polls of idle more workers (which have nothing to get), then has the
// busy worker report reports changes of its attempt's progress while a
// status watcher follows the job
// (reports < 100). It returns how many rounds of the idle
// polls those reports woke, and whether the watcher saw the last progress.
func progressWakeups(tb testing.TB, idle, reports int) (wakeups int64, watched bool) {
	tb.Helper()
	reg := &mapreduce.Registry{}
	localfs.Register(reg, &localfs.FS{})
	// Polls wait far longer than the test runs: only a change wakes them.
	tr, err := Open(Config{Data: tb.TempDir(), Registry: reg, PollWait: time.Hour, Expiry: time.Hour, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		tb.Fatal(err)
	}
	defer tr.Close()
	ctx := context.Background()
	id, err := tr.Submit(ctx, testPlan(filepath.Join(tb.TempDir(), "out"), 1, 0), nil)
	if err != nil {
		tb.Fatal(err)
	}
	busy, err := tr.Register(api.Registration{Protocol: api.ProtocolVersion, Name: "busy", MapSlots: 1, Shuffle: "tcp://127.0.0.1:1"})
	if err != nil {
		tb.Fatal(err)
	}
	r, err := tr.Poll(ctx, busy.ID, api.Poll{})
	if err != nil || len(r.Assign) != 1 {
		tb.Fatalf("busy worker's poll: %+v, %v; want the job's map", r, err)
	}
	a := r.Assign[0].Attempt
	pollCtx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for i := 0; i < idle; i++ {
		reg, err := tr.Register(api.Registration{Protocol: api.ProtocolVersion, Name: fmt.Sprint("idle", i), MapSlots: 1, Shuffle: "tcp://127.0.0.1:1"})
		if err != nil {
			tb.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			tr.Poll(pollCtx, reg.ID, api.Poll{})
		}()
	}
	// A poll counts as polling once its first round has found nothing and
	// it waits for the next change.
	for parked := 0; parked < idle; {
		time.Sleep(time.Millisecond)
		tr.mu.Lock()
		parked = 0
		for _, w := range tr.workers {
			parked += w.polling
		}
		tr.mu.Unlock()
	}
	// Report i is progress i% and a half: each one changes the whole
	// percent, so each one is a change (reports < 100).
	pct := func(i int) float64 { return (float64(i) + 0.5) / 100 }
	st, _ := tr.Status(id)
	watch := make(chan api.JobStatus, 1)
	go func() {
		// The watcher follows every change up to the last report's.
		v, last := st.Version, api.JobStatus{}
		for last.MapProgress != pct(reports) {
			s, ok := tr.WaitStatus(pollCtx, id, v, time.Hour)
			if !ok || pollCtx.Err() != nil {
				break
			}
			v, last = s.Version, s
		}
		watch <- last
	}()
	tr.mu.Lock()
	base := tr.pollWakeups
	tr.mu.Unlock()
	done, cancel := context.WithCancel(ctx)
	cancel() // the busy worker's polls report and return at once
	for i := 1; i <= reports; i++ {
		tr.Poll(done, busy.ID, api.Poll{Running: []string{a}, Progress: []api.AttemptProgress{{Attempt: a, Progress: pct(i)}}})
		// Reports come apart in time: the polls a report woke wait
		// again before the next one.
		for parked := false; !parked; {
			tr.mu.Lock()
			parked = tr.pollWaiters == idle
			tr.mu.Unlock()
			if !parked {
				time.Sleep(50 * time.Microsecond)
			}
		}
	}
	last := <-watch
	tr.mu.Lock()
	wakeups = tr.pollWakeups - base
	tr.mu.Unlock()
	stop()
	wg.Wait()
	return wakeups, last.MapProgress == pct(reports)
}

// TestProgressWakesWatchersNotPolls checks that a worker's progress
// reports wake the job's status watchers but none of the other workers'
// long polls, which cannot get work from them.
func TestProgressWakesWatchersNotPolls(t *testing.T) {
	wakeups, watched := progressWakeups(t, 8, 20)
	if !watched {
		t.Error("the status watcher did not see the last progress report")
	}
	if wakeups != 0 {
		t.Errorf("20 progress reports woke idle polls %d times, want 0", wakeups)
	}
}

// BenchmarkProgressWakeups: 100 idle polling workers, 99 progress
// reports of one busy worker; reports the idle polls' wake-ups per run.
func BenchmarkProgressWakeups(b *testing.B) {
	var wakeups int64
	for b.Loop() {
		w, watched := progressWakeups(b, 100, 99)
		if !watched {
			b.Fatal("the status watcher did not see the last progress report")
		}
		wakeups += w
	}
	b.ReportMetric(float64(wakeups)/float64(b.N), "poll-wakeups/op")
}
