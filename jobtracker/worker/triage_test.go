package worker

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"zebra/jobtracker"
	"zebra/jobtracker/api"
	"zebra/mapreduce"
	"zebra/mapreduce/mrtest"
	"zebra/sandbox"
)

// shMapper runs a shell script in the task's directory through the plain
// runner, its stderr into the attempt's log, and fails if it does.
type shMapper struct{ script string }

func (m shMapper) Map(ctx context.Context, t *mapreduce.TaskContext, in mapreduce.RecordReader, out mapreduce.Collector) error {
	dir := filepath.Join(t.Dir, "work")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	p, err := sandbox.Plain{}.Start(ctx, mapreduce.Command{Args: []string{"sh", "-c", m.script}, Dir: dir, Stderr: t.Stderr})
	if err != nil {
		return err
	}
	err = p.Wait()
	t.Usage.Add(p)
	if err != nil {
		return mapreduce.E("map", mapreduce.UserCode, "", errors.New("PipeMapRed.waitOutputThreads(): subprocess failed with code 1"))
	}
	return nil
}

// TestFailureTriageAndUsage: a failed attempt's report carries its last
// stderr line with the worker's directories shortened to task-relative
// paths (the script names its own directory, as an interpreter's
// traceback does), and what the runner measured of its program; the
// tracker keeps both in the failure and the attempt.
func TestFailureTriageAndUsage(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	fsys := &mrtest.MemFS{}
	reg := &mapreduce.Registry{}
	mrtest.RegisterMem(reg, fsys)
	mrtest.WriteFile(t, fsys, "/in/f.txt", []byte("a b\n"))
	fi, err := fsys.Stat(ctx, "/in/f.txt")
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	tr, err := jobtracker.Open(jobtracker.Config{Data: t.TempDir(), Registry: reg, PollWait: 200 * time.Millisecond, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	srv := httptest.NewServer(tr.Handler())
	defer srv.Close()
	spec, _ := json.Marshal("fails")
	plan := &api.Plan{Name: "fails", Kind: "test", Spec: spec, Splits: mapreduce.FileSplits(fsys, []mapreduce.FileInfo{fi}, 1, 1, 1<<20),
		Output: "mem:/out", MaxMapAttempts: 1}
	mapper := shMapper{script: `echo "Traceback (most recent call last):" >&2; echo "  File \"$PWD/m.py\", line 1" >&2; echo "OSError: cannot read $PWD/data/t.tsv" >&2; exit 1`}
	build := func(_ context.Context, p *api.Plan, id mapreduce.JobID, _ string) (*mapreduce.Job, error) {
		return &mapreduce.Job{ID: id, Conf: mapreduce.NewConf(), Splits: p.Splits, InputFS: fsys, OutputFS: fsys, Output: "/out",
			Mapper: mapper, OutSpec: mapreduce.OutputSpec{Separator: []byte("\t")}}, nil
	}
	// A data directory whose path has a space and a link in it.
	base := t.TempDir()
	if err := os.Mkdir(filepath.Join(base, "real dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(base, "real dir"), filepath.Join(base, "link")); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(base, "link")
	wctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		Run(wctx, Config{JobTracker: srv.URL, Data: data, Name: "w0", MapSlots: 1, ReduceSlots: 1,
			Transport: newMemShuffles(1)[0], Build: build, Logger: log})
	}()
	defer func() { stop(); <-done }()
	id, err := tr.Submit(ctx, plan, nil)
	if err != nil {
		t.Fatal(err)
	}
	var st api.JobStatus
	for after := int64(-1); ; after = st.Version {
		st, _ = tr.WaitStatus(ctx, id, after, 5*time.Second)
		if st.Done() || ctx.Err() != nil {
			break
		}
	}
	if st.State != api.StateFailed || st.Failure == nil || len(st.FailedAttempts) != 1 {
		t.Fatalf("job ended %s (%+v), want failed once", st.State, st.Failure)
	}
	const want = "OSError: cannot read data/t.tsv"
	if st.Failure.Triage != want || st.FailedAttempts[0].Triage != want {
		t.Errorf("triage %q (attempt %q), want %q", st.Failure.Triage, st.FailedAttempts[0].Triage, want)
	}
	for _, s := range []string{st.Failure.StderrTail, st.Failure.Triage} {
		if strings.Contains(s, base) {
			t.Errorf("names the worker's directory %s: %q", base, s)
		}
	}
	if !strings.Contains(st.Failure.StderrTail, `File "m.py", line 1`) {
		t.Errorf("stderr tail %q: want the task-relative file", st.Failure.StderrTail)
	}
	if a := st.FailedAttempts[0]; a.PeakRSSBytes <= 0 || a.MemoryLimitBytes != 0 {
		t.Errorf("attempt usage: peak %d, memory limit %d; want the plain runner's measure, without a limit", a.PeakRSSBytes, a.MemoryLimitBytes)
	}
}
