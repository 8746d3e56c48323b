package jobtracker

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"zebra/adapters/localfs"
	"zebra/jobtracker/api"
	"zebra/mapreduce"
)

// TestPanicInPollFailsThatRequestOnly injects a panic into a worker's
// long poll while it holds the tracker lock: that request must fail (500)
// and the tracker must go on answering every later request, the same
// worker's next poll included, instead of hanging on its lock.
func TestPanicInPollFailsThatRequestOnly(t *testing.T) {
	// Not newTracker and serve: their clean-ups would wait for the hung
	// request and the held lock, turning this test's failure into the
	// test binary's timeout. After a hang, both are left behind.
	reg0 := &mapreduce.Registry{}
	localfs.Register(reg0, &localfs.FS{})
	tr, err := Open(Config{Data: t.TempDir(), Registry: reg0, PollWait: 100 * time.Millisecond, Expiry: time.Minute, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(tr.Handler())
	hung := false
	t.Cleanup(func() {
		if !hung {
			srv.Close()
			tr.Close()
		}
	})
	c, err := api.NewClient(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	var fired atomic.Bool
	tr.testPollHook = func() {
		if fired.CompareAndSwap(false, true) {
			panic("injected fault under the tracker lock")
		}
	}
	ctx := context.Background()
	var reg api.Registered
	if err := c.Do(ctx, http.MethodPost, "/internal/v1/workers", api.Registration{Protocol: api.ProtocolVersion,
		Name: "w1", MapSlots: 1, Shuffle: "tcp://127.0.0.1:1"}, &reg); err != nil {
		t.Fatal(err)
	}
	// A hang is what this test guards against: bound each request so that
	// it fails instead of running into the test binary's timeout.
	do := func(method, path string, in, out any) error {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		err := c.Do(ctx, method, path, in, out)
		if errors.Is(err, context.DeadlineExceeded) {
			hung = true
			t.Fatalf("%s %s: no answer: the tracker hangs", method, path)
		}
		return err
	}
	var r api.PollReply
	err = do(http.MethodPost, "/internal/v1/workers/"+reg.ID+"/poll", api.Poll{}, &r)
	if !fired.Load() {
		t.Fatal("the injected fault did not fire")
	}
	var apiErr *api.StatusError
	if !errors.As(err, &apiErr) || apiErr.Code != http.StatusInternalServerError {
		t.Fatalf("poll that panicked: got %v, want a 500 answer", err)
	}
	if !tr.mu.TryLock() {
		hung = true
		t.Fatal("the tracker lock is still held after the panicking poll returned")
	}
	tr.mu.Unlock()
	// Later requests answer: health, a submission, the same worker's poll
	// (which gets the job's map: the worker was not left "polling" forever).
	if err := do(http.MethodGet, "/healthz", nil, nil); err != nil {
		t.Fatalf("healthz after the panic: %v", err)
	}
	if _, err := tr.Submit(ctx, testPlan(filepath.Join(t.TempDir(), "out"), 1, 0), nil); err != nil {
		t.Fatal(err)
	}
	if err := do(http.MethodPost, "/internal/v1/workers/"+reg.ID+"/poll", api.Poll{}, &r); err != nil {
		t.Fatalf("poll after the panic: %v", err)
	}
	if len(r.Assign) != 1 {
		t.Fatalf("poll after the panic: %d assignments, want the job's 1 map", len(r.Assign))
	}
	tr.mu.Lock()
	polling := tr.workers[reg.ID].polling
	tr.mu.Unlock()
	if polling != 0 {
		t.Errorf("worker counted as polling %d times after its polls ended, want 0 (the reaper could never lose it)", polling)
	}
}
