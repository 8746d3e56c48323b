package streaming_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"zebra/adapters/localfs"
	"zebra/mapreduce"
	"zebra/sandbox"
	"zebra/streaming"
)

// earlyJob sets up a job of two map tasks, "fast" and "slow": the slow
// mapper waits (up to a minute) for the reducer to create the file $MARK,
// which it does as soon as it starts, before it reads its input; then the
// slow mapper prints whether it saw the reducer running (and, with fail
// set, exits 1). It returns the run function and the paths of the mark and
// of the file the reducer creates once its input has ended.
func earlyJob(t *testing.T, fail bool) (run func(runner mapreduce.Runner, args ...string) (int, string, string), dir, logs, mark, ran string) {
	dir = t.TempDir()
	os.MkdirAll(filepath.Join(dir, "in"), 0o755)
	os.WriteFile(filepath.Join(dir, "in", "a.txt"), []byte("fast\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "in", "b.txt"), []byte("slow\n"), 0o644)
	exit := "0"
	if fail {
		exit = "1"
	}
	os.WriteFile(filepath.Join(dir, "mapper.sh"), []byte(`#!/bin/sh
read line
if [ "$line" = slow ]; then
  i=0
  while [ ! -e "$MARK" ] && [ $i -lt ${WAIT_TENTHS:-600} ]; do sleep 0.1; i=$((i+1)); done
  if [ -e "$MARK" ]; then echo "reducer-running-before-maps-ended"; else echo "reducer-not-running"; fi
  sleep ${HOLD:-0}
  exit `+exit+`
fi
echo "$line"
`), 0o755)
	os.WriteFile(filepath.Join(dir, "reducer.sh"), []byte("#!/bin/sh\ntouch \"$MARK\"\ncat\ntouch \"$RAN\"\n"), 0o755)
	mark, ran = filepath.Join(dir, "mark"), filepath.Join(dir, "ran")
	reg := &mapreduce.Registry{}
	localfs.Register(reg, &localfs.FS{Checksums: true})
	logs = t.TempDir()
	run = func(runner mapreduce.Runner, args ...string) (int, string, string) {
		var so, se bytes.Buffer
		env := &streaming.Env{Stdout: &so, Stderr: &se, Environ: os.Environ(), Dir: dir, Registry: reg,
			Runner: runner, WorkDir: t.TempDir(), LogDir: logs, Slots: 2}
		// args come first: generic options (-D) precede the others.
		code := streaming.Run(context.Background(), append(args, "-input", "in", "-output", "out",
			"-mapper", filepath.Join(dir, "mapper.sh"), "-reducer", filepath.Join(dir, "reducer.sh"),
			"-cmdenv", "MARK="+mark, "-cmdenv", "RAN="+ran), env)
		return code, so.String(), se.String()
	}
	return run, dir, logs, mark, ran
}

// TestReducerStartsBeforeMapsEnd checks that the local runner starts the
// reducer program once a map output is there and no map is left to start,
// while other maps still run, and that the reducer still gets all of its
// input in order.
func TestReducerStartsBeforeMapsEnd(t *testing.T) {
	run, dir, _, _, _ := earlyJob(t, false)
	if code, _, se := run(sandbox.Plain{}); code != 0 {
		t.Fatalf("job failed (%d):\n%s", code, se)
	}
	got, err := os.ReadFile(filepath.Join(dir, "out", "part-00000"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "fast\t\nreducer-running-before-maps-ended\t\n"; string(got) != want {
		t.Errorf("output %q, want %q", got, want)
	}
}

// TestPreparedReducerEndsWhenMapsFail checks that a reducer started ahead
// of its input is killed when a map fails: it never sees the end of an
// input (so never runs over an empty one), and no log of its attempt,
// which never ran, is left.
func TestPreparedReducerEndsWhenMapsFail(t *testing.T) {
	run, _, logs, mark, ran := earlyJob(t, true)
	if code, _, se := run(sandbox.Plain{}); code == 0 {
		t.Fatalf("job succeeded, want the failed map to fail it:\n%s", se)
	}
	if _, err := os.Stat(mark); err != nil {
		t.Fatalf("the reducer never started early (no %s), so this test shows nothing", mark)
	}
	if _, err := os.Stat(ran); err == nil {
		t.Error("the reducer read to the end of an input: it ran although the job's maps failed")
	}
	filepath.WalkDir(logs, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() && strings.Contains(d.Name(), "_r_") {
			t.Errorf("log directory %s left for a reduce attempt that never ran", p)
		}
		return nil
	})
}

// TestReducerNotPreparedWithWallLimit checks that a job that sets the
// sandbox's wall time limit gets no early reducer (the wait for the maps
// would count against the limit): the slow mapper waits 2 s for it in vain.
func TestReducerNotPreparedWithWallLimit(t *testing.T) {
	run, dir, _, _, _ := earlyJob(t, false)
	if code, _, se := run(sandbox.Plain{}, "-D", mapreduce.KeySandboxWallSecs+"=600", "-cmdenv", "WAIT_TENTHS=20"); code != 0 {
		t.Fatalf("job failed (%d):\n%s", code, se)
	}
	got, err := os.ReadFile(filepath.Join(dir, "out", "part-00000"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "fast\t\nreducer-not-running\t\n"; string(got) != want {
		t.Errorf("output %q, want %q", got, want)
	}
}

// TestPreparedReducerKilledWaitingStartsAfresh checks that a prepared
// reducer the runner kills while it waits for the maps (here a 2 s wall
// time limit, applied as the plain runner applies a context deadline) is
// started again for the reduce, which then succeeds, as it would have
// without preparing.
func TestPreparedReducerKilledWaitingStartsAfresh(t *testing.T) {
	if testing.Short() {
		t.Skip("waits 5 s for a wall time limit; runs without -short")
	}
	run, dir, _, _, _ := earlyJob(t, false)
	// The slow map goes on 5 s after the reducer started, well past its 2 s
	// limit; the fresh reducer has 2 s for touch, cat and touch.
	runner := &reducerWallLimit{limit: 2 * time.Second}
	if code, _, se := run(runner, "-cmdenv", "HOLD=5"); code != 0 {
		t.Fatalf("job failed (%d):\n%s", code, se)
	}
	if n := runner.reducers.Load(); n != 2 {
		t.Errorf("reducer started %d times, want 2 (prepared and killed, then afresh)", n)
	}
	got, err := os.ReadFile(filepath.Join(dir, "out", "part-00000"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "fast\t\nreducer-running-before-maps-ended\t\n"; string(got) != want {
		t.Errorf("output %q, want %q", got, want)
	}
}

// reducerWallLimit runs programs as plain processes, the reducer.sh ones
// with a wall time limit (a context deadline, which sandbox.Plain reports
// as the wall time limit's kill).
type reducerWallLimit struct {
	limit    time.Duration
	reducers atomic.Int64
}

func (r *reducerWallLimit) Start(ctx context.Context, c mapreduce.Command) (mapreduce.Process, error) {
	if !strings.HasSuffix(c.Args[0], "reducer.sh") {
		return sandbox.Plain{}.Start(ctx, c)
	}
	r.reducers.Add(1)
	ctx, cancel := context.WithTimeout(ctx, r.limit)
	p, err := sandbox.Plain{}.Start(ctx, c)
	if err != nil {
		cancel()
		return nil, err
	}
	return cancelOnWait{p, cancel}, nil
}

type cancelOnWait struct {
	mapreduce.Process
	cancel context.CancelFunc
}

func (c cancelOnWait) Wait() error {
	defer c.cancel()
	return c.Process.Wait()
}
