package worker

import (
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"zebra/jobtracker"
)

// TestRestartClearsLeftovers: a worker started on the data directory of
// an earlier process of its own that was killed removes the job and work
// directories that process left (nothing can use them: their jobs lived
// in its memory) and keeps the attempt logs; a second worker on the same
// data directory is refused while the first runs.
func TestRestartClearsLeftovers(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	tr, err := jobtracker.Open(jobtracker.Config{Data: t.TempDir(), PollWait: 50 * time.Millisecond, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	srv := httptest.NewServer(tr.Handler())
	defer srv.Close()

	data := t.TempDir()
	left := map[string]bool{ // path under data → kept
		"jobs/job_1_0001/bundle.tar":                                   false,
		"work/job_1_0001/attempt_1_0001_m_000000_0/out/spill0.out":     false,
		"logs/job_1_0001/attempt_1_0001_m_000000_0/stderr":             true,
		"work/job_1_0002/attempt_1_0002_r_000000_0/fetched/m0.segment": false,
	}
	for p := range left {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(data, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(data, p), []byte("left by a killed worker\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	wctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- Run(wctx, Config{JobTracker: srv.URL, Data: data, Name: "w0", MapSlots: 1, ReduceSlots: 1, Transport: newMemShuffles(1)[0], Logger: log})
	}()
	defer func() { stop(); <-done }()
	for len(tr.WorkerViews()) == 0 {
		select {
		case err := <-done:
			t.Fatalf("the worker stopped: %v", err)
		case <-ctx.Done():
			t.Fatal("the worker did not register")
		case <-time.After(20 * time.Millisecond):
		}
	}
	for p, kept := range left {
		_, err := os.Stat(filepath.Join(data, p))
		if kept && err != nil {
			t.Errorf("%s: %v, want it kept", p, err)
		}
		if !kept && !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s is still there (%v)", p, err)
		}
	}
	for _, d := range []string{"jobs", "work", "logs"} {
		if fi, err := os.Stat(filepath.Join(data, d)); err != nil || !fi.IsDir() {
			t.Errorf("%s: %v, want the directory", d, err)
		}
	}
	err = Run(ctx, Config{JobTracker: srv.URL, Data: data, Name: "w1", MapSlots: 1, ReduceSlots: 1, Transport: newMemShuffles(1)[0], Logger: log})
	if err == nil || !strings.Contains(err.Error(), "in use by another worker process") {
		t.Errorf("a second worker on the same data directory: %v, want it refused", err)
	}
	if _, err := os.Stat(filepath.Join(data, "logs/job_1_0001/attempt_1_0001_m_000000_0/stderr")); err != nil {
		t.Errorf("the refused worker touched the first's data: %v", err)
	}
}
