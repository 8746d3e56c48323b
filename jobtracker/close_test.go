package jobtracker

import (
	"context"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"zebra/adapters/localfs"
	"zebra/jobtracker/api"
	"zebra/mapreduce"
)

// blockingFS is the local file system whose Rename (the job commit's
// move) waits until its context ends, telling the test when it starts and
// when it returns.
type blockingFS struct {
	mapreduce.FS
	entered, returned chan struct{}
}

func (f *blockingFS) Rename(ctx context.Context, from, to string) error {
	close(f.entered)
	<-ctx.Done()
	close(f.returned)
	return ctx.Err()
}

// TestCloseCancelsAndWaitsForCommit: Close cancels a job commit that is
// under way and returns only once the commit goroutine has returned; the
// job is not marked failed by the cut-short commit, so a tracker opened on
// the same store runs it again.
func TestCloseCancelsAndWaitsForCommit(t *testing.T) {
	data := t.TempDir()
	fsys := &blockingFS{FS: &localfs.FS{}, entered: make(chan struct{}), returned: make(chan struct{})}
	reg := &mapreduce.Registry{}
	open := func(_ context.Context, _ *url.URL, raw string) (mapreduce.FS, string, error) {
		p, err := localfs.PathOf(raw)
		return fsys, p, err
	}
	reg.Register("", open)
	reg.Register("file", open)
	tr, err := Open(Config{Data: data, Registry: reg, PollWait: 10 * time.Millisecond, Expiry: time.Minute, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out")
	id, err := tr.Submit(context.Background(), testPlan(out, 1, 0), nil)
	if err != nil {
		t.Fatal(err)
	}
	reged, err := tr.Register(api.Registration{Protocol: api.ProtocolVersion, Name: "w1", MapSlots: 1, ReduceSlots: 1, Shuffle: "tcp://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	reply, err := tr.Poll(context.Background(), reged.ID, api.Poll{})
	if err != nil || len(reply.Assign) != 1 {
		t.Fatalf("poll: %+v %v", reply, err)
	}
	a := reply.Assign[0].Attempt
	// The attempt committed part-00000 into its task's directory.
	if err := tr.Done(a, api.AttemptReport{Worker: reged.ID, State: api.AttemptSucceeded, Outputs: []string{"part-00000"}}); err != nil {
		t.Fatal(err)
	}
	<-fsys.entered // the job commit is under way
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-fsys.returned:
	default:
		t.Fatal("Close returned while the job commit was still running")
	}
	if err := tr.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}

	// A tracker over the same store finds the job still running.
	tr2, err := Open(Config{Data: data, Registry: localRegistry(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer tr2.Close()
	st, ok := tr2.Status(id)
	if !ok || st.State != api.StateRunning {
		t.Fatalf("after a Close during its commit the job is %+v (known %v), want RUNNING", st.State, ok)
	}
	if _, err := os.Stat(filepath.Join(out, "_SUCCESS")); err == nil {
		t.Error("the cut-short commit wrote _SUCCESS")
	}
}

func localRegistry() *mapreduce.Registry {
	reg := &mapreduce.Registry{}
	localfs.Register(reg, &localfs.FS{})
	return reg
}
