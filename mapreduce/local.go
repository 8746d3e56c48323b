package mapreduce

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
)

// EventKind says what happened to a job or task.
type EventKind uint8

const (
	// TaskStarted is sent when an attempt starts.
	TaskStarted EventKind = iota
	// TaskFinished is sent when an attempt ends; Err tells how.
	TaskFinished
)

// Event reports progress of a running job to its observer.
type Event struct {
	Kind    EventKind
	Attempt AttemptID
	Err     error
	// MapsDone, Maps, ReducesDone and Reduces count finished and total tasks.
	MapsDone, Maps, ReducesDone, Reduces int
	// Status is a finished attempt's last status line (reporter:status:;
	// "" if it set none).
	Status string
}

// TaskFailure describes the attempt that failed a job.
type TaskFailure struct {
	Attempt AttemptID
	Err     error
	// StderrTail is the end of the attempt's stderr; LogPath the whole log.
	StderrTail []byte
	LogPath    string
}

// JobFailedError is returned by an executor when a task failed the job.
type JobFailedError struct {
	Failure TaskFailure
}

func (e *JobFailedError) Error() string {
	return fmt.Sprintf("task %s failed: %v", e.Failure.Attempt, e.Failure.Err)
}

func (e *JobFailedError) Unwrap() error { return e.Failure.Err }

// LocalExecutor runs a Job in this process: map tasks in parallel, then
// reduce tasks in parallel, each task once, as Hadoop's local job runner does
// (but parallel). Scratch data lives under WorkDir and is removed at the end;
// every attempt's stderr is kept under LogDir/<attempt>/stderr.
type LocalExecutor struct {
	WorkDir string
	LogDir  string
	// MapSlots and ReduceSlots bound the tasks running at once (0: one per
	// core).
	MapSlots, ReduceSlots int
	// Console, if set, also receives every line the tasks write to stderr,
	// as Hadoop's local runner shows them on the client console.
	Console io.Writer
	// OnEvent, if set, is called (from task goroutines, serialized) for
	// every Event.
	OnEvent func(Event)
	Logger  *slog.Logger
}

// Run runs job to completion. On success the output is committed and the
// job's counters returned; on failure the output is aborted (no _SUCCESS,
// no part files under final names) and the error is a *JobFailedError for a
// task failure.
func (e *LocalExecutor) Run(ctx context.Context, job *Job) (*Counters, error) {
	logger := e.Logger
	if logger == nil {
		logger = slog.Default()
	}
	logger = logger.With(LogKeyJob, job.ID.String(), LogKeyComponent, "local")
	trace := newTimeline(ctx, logger)
	trace.event(EventJobStart, "")
	defer trace.event(EventJobEnd, "")
	counters := &Counters{}
	c := &Committer{FS: job.OutputFS, Out: job.Output, Job: job.ID, Marker: job.OutSpec.MarkSuccess}
	if err := c.SetupJob(ctx); err != nil {
		return counters, err
	}
	workDir := filepath.Join(e.WorkDir, job.ID.String())
	if err := os.MkdirAll(workDir, 0o755); err != nil {
		return counters, E("create work directory", Infra, workDir, err)
	}
	defer os.RemoveAll(workDir)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		evMu      sync.Mutex
		mapsDone  int
		redsDone  int
		failOnce  sync.Once
		failure   *TaskFailure
		consoleMu sync.Mutex
	)
	emit := func(ev Event) {
		if e.OnEvent == nil {
			return
		}
		evMu.Lock()
		defer evMu.Unlock()
		ev.MapsDone, ev.Maps, ev.ReducesDone, ev.Reduces = mapsDone, len(job.Splits), redsDone, job.NumReduces
		e.OnEvent(ev)
	}
	fail := func(a AttemptID, err error, log *attemptLog) {
		failOnce.Do(func() {
			failure = &TaskFailure{Attempt: a, Err: err, StderrTail: log.tail(), LogPath: log.path}
			cancel()
		})
	}
	maxStatus, _ := job.Conf.Int(KeyMaxStatusLength, DefaultMaxStatusLength)
	newTask := func(kind TaskKind, i int) (*TaskContext, *attemptLog, error) {
		a := AttemptID{Task: TaskID{Job: job.ID, Kind: kind, Index: i}}
		log, err := newAttemptLog(filepath.Join(e.LogDir, a.String()), e.Console, &consoleMu)
		if err != nil {
			return nil, nil, err
		}
		prog := &Progress{MaxStatus: maxStatus}
		t := &TaskContext{Attempt: a, Partition: i, Conf: job.Conf, Dir: filepath.Join(workDir, a.String()),
			Counters: &Counters{}, Stderr: log, SetStatus: prog.SetStatus, Progress: prog, Logger: logger.With(LogKeyAttempt, a.String())}
		return t, log, nil
	}

	settings := SettingsDigest(job.Conf)
	outputs := make([]MapOutput, len(job.Splits))
	early := e.prepareReduces(ctx, job, newTask, trace)
	defer early.release()
	var mapsStarted atomic.Int64
	err := runPool(ctx, len(job.Splits), slots(e.MapSlots), func(i int) error {
		mapsStarted.Add(1)
		t, log, err := newTask(MapTask, i)
		if err != nil {
			return err
		}
		t.Split = &job.Splits[i]
		emit(Event{Kind: TaskStarted, Attempt: t.Attempt})
		trace.event(EventAttemptStart, t.Attempt.String())
		out, err := RunMap(ctx, job, t, c)
		trace.event(EventAttemptEnd, t.Attempt.String())
		log.close()
		e.record(job, t, settings, err)
		counters.Merge(t.Counters)
		if err != nil {
			fail(t.Attempt, err, log)
			emit(Event{Kind: TaskFinished, Attempt: t.Attempt, Err: err})
			return err
		}
		outputs[i] = out
		evMu.Lock()
		mapsDone++
		evMu.Unlock()
		if mapsStarted.Load() == int64(len(job.Splits)) {
			// No map is left to start: a map slot is free for the
			// maps' last wave, and the first map output is there.
			early.start()
		}
		emit(Event{Kind: TaskFinished, Attempt: t.Attempt, Status: t.Progress.Status()})
		return nil
	})
	trace.event(EventMapsDone, "")
	if err == nil && job.NumReduces > 0 {
		early.wait()
		err = runPool(ctx, job.NumReduces, slots(e.ReduceSlots), func(p int) error {
			t, log, reducer, release := early.take(p)
			if t == nil {
				var err error
				if t, log, err = newTask(ReduceTask, p); err != nil {
					return err
				}
				reducer, release = job.Reducer, func() {}
			}
			segs := make([]Segment, len(outputs))
			for i, o := range outputs {
				segs[i] = o.Segments[p]
			}
			emit(Event{Kind: TaskStarted, Attempt: t.Attempt})
			trace.event(EventAttemptStart, t.Attempt.String())
			err = runReduce(ctx, job, t, c, segs, reducer)
			if !t.SortFinished.IsZero() {
				trace.eventAt(EventReduceInput, t.Attempt.String(), t.SortFinished)
			}
			trace.event(EventAttemptEnd, t.Attempt.String())
			release()
			log.close()
			e.record(job, t, settings, err)
			counters.Merge(t.Counters)
			if err != nil {
				fail(t.Attempt, err, log)
				emit(Event{Kind: TaskFinished, Attempt: t.Attempt, Err: err})
				return err
			}
			evMu.Lock()
			redsDone++
			evMu.Unlock()
			emit(Event{Kind: TaskFinished, Attempt: t.Attempt, Status: t.Progress.Status()})
			return nil
		})
	}
	if err != nil {
		abortCtx := context.WithoutCancel(ctx)
		if aerr := c.AbortJob(abortCtx); aerr != nil {
			logger.Error("abort job", "err", aerr)
		}
		if failure != nil {
			return counters, &JobFailedError{Failure: *failure}
		}
		return counters, err
	}
	trace.event(EventCommitStart, "")
	if err := c.CommitJob(ctx); err != nil {
		c.AbortJob(context.WithoutCancel(ctx))
		return counters, err
	}
	trace.event(EventCommitEnd, "")
	return counters, nil
}

// earlyReduces are the reduce attempts prepared while the maps run (see
// ReducePreparer): the first ones the reduce phase starts, one per reduce
// slot, prepared once a map ends with no map left to start (the maps' last
// wave, where a core is free and fewer sort buffers are in use).
type earlyReduces struct {
	once     sync.Once
	wg       sync.WaitGroup
	prepare  func()
	mu       sync.Mutex
	attempts map[int]*earlyReduce
}

type earlyReduce struct {
	t       *TaskContext
	log     *attemptLog
	r       Reducer
	release func()
}

// prepareReduces returns the job's early reduces, none unless its reducer
// is a ReducePreparer; start prepares them (once), wait waits for that.
func (e *LocalExecutor) prepareReduces(ctx context.Context, job *Job, newTask func(TaskKind, int) (*TaskContext, *attemptLog, error), trace timeline) *earlyReduces {
	er := &earlyReduces{attempts: map[int]*earlyReduce{}}
	rp, ok := job.Reducer.(ReducePreparer)
	if !ok || job.NumReduces == 0 {
		return er
	}
	n := min(job.NumReduces, slots(e.ReduceSlots))
	er.prepare = func() {
		for p := 0; p < n && ctx.Err() == nil; p++ {
			t, log, err := newTask(ReduceTask, p)
			if err != nil {
				return // the reduce phase makes it again and reports the error
			}
			trace.event(EventPrepareStart, t.Attempt.String())
			r, release, err := rp.PrepareReduce(ctx, t)
			trace.event(EventPrepareEnd, t.Attempt.String())
			if err != nil {
				// The reduce phase starts it again, where its failure
				// belongs; the attempt's log is made anew there.
				log.close()
				os.RemoveAll(filepath.Dir(log.path))
				continue
			}
			er.mu.Lock()
			er.attempts[p] = &earlyReduce{t: t, log: log, r: r, release: release}
			er.mu.Unlock()
		}
	}
	return er
}

// start prepares the early reduces in the background, the first time.
func (er *earlyReduces) start() {
	if er.prepare == nil {
		return
	}
	er.once.Do(func() {
		er.wg.Add(1)
		go func() {
			defer er.wg.Done()
			er.prepare()
		}()
	})
}

// wait waits until the early reduces are prepared.
func (er *earlyReduces) wait() { er.wg.Wait() }

// take hands over reduce p's prepared attempt (nil if there is none).
func (er *earlyReduces) take(p int) (*TaskContext, *attemptLog, Reducer, func()) {
	er.mu.Lock()
	defer er.mu.Unlock()
	a := er.attempts[p]
	if a == nil {
		return nil, nil, nil, nil
	}
	delete(er.attempts, p)
	return a.t, a.log, a.r, a.release
}

// release ends the prepared attempts the reduce phase did not take (a
// failed or cancelled job).
func (er *earlyReduces) release() {
	er.wait()
	er.mu.Lock()
	defer er.mu.Unlock()
	for p, a := range er.attempts {
		a.release()
		a.log.close()
		// The attempt never ran: leave no log of it.
		os.RemoveAll(filepath.Dir(a.log.path))
		delete(er.attempts, p)
	}
}

// record keeps what attempt t did in its log directory (see AttemptRecord).
func (e *LocalExecutor) record(job *Job, t *TaskContext, settings string, err error) {
	r := &AttemptRecord{Attempt: t.Attempt.String(), Kind: t.Attempt.Task.Kind.String(), Split: t.Split,
		PieceSize: job.PieceSize, Settings: settings, Digests: t.Digests}
	if err != nil {
		r.Error = err.Error()
	}
	if werr := writeAttemptRecord(filepath.Join(e.LogDir, t.Attempt.String()), r); werr != nil && e.Logger != nil {
		e.Logger.Warn("keep attempt record", "err", werr)
	}
}

// Replay runs task again, as the given attempt, and returns its digests;
// job must be the job that ran it (same splits, settings and piece size).
// A map task re-reads its split; a reduce task first re-runs every map task
// to rebuild its input. Nothing is committed: job.Output should name a
// scratch directory. Task stderr goes to LogDir/<attempt>/stderr as in Run.
func (e *LocalExecutor) Replay(ctx context.Context, job *Job, a AttemptID) (Digests, error) {
	c := &Committer{FS: job.OutputFS, Out: job.Output, Job: job.ID}
	if err := c.SetupJob(ctx); err != nil {
		return Digests{}, err
	}
	defer c.AbortJob(context.WithoutCancel(ctx))
	workDir := filepath.Join(e.WorkDir, job.ID.String()+"-replay")
	defer os.RemoveAll(workDir)
	var mu sync.Mutex
	task := func(kind TaskKind, i, n int) (*TaskContext, *attemptLog, error) {
		at := AttemptID{Task: TaskID{Job: job.ID, Kind: kind, Index: i}, N: n}
		log, err := newAttemptLog(filepath.Join(e.LogDir, at.String()+"-replay"), e.Console, &mu)
		if err != nil {
			return nil, nil, err
		}
		return &TaskContext{Attempt: at, Partition: i, Conf: job.Conf, Dir: filepath.Join(workDir, at.String()),
			Counters: &Counters{}, Stderr: log, SetStatus: func(string) {}, Logger: slog.Default()}, log, nil
	}
	runMap := func(i, n int) (*TaskContext, MapOutput, error) {
		t, log, err := task(MapTask, i, n)
		if err != nil {
			return nil, MapOutput{}, err
		}
		defer log.close()
		t.Split = &job.Splits[i]
		out, err := RunMap(ctx, job, t, c)
		return t, out, err
	}
	switch a.Task.Kind {
	case MapTask:
		if a.Task.Index < 0 || a.Task.Index >= len(job.Splits) {
			return Digests{}, E("replay", Invalid, "", fmt.Errorf("%s: the job has %d map tasks", a, len(job.Splits)))
		}
		t, _, err := runMap(a.Task.Index, a.N)
		if err != nil {
			return Digests{}, err
		}
		return t.Digests, nil
	default:
		if a.Task.Index < 0 || a.Task.Index >= job.NumReduces {
			return Digests{}, E("replay", Invalid, "", fmt.Errorf("%s: the job has %d reduce tasks", a, job.NumReduces))
		}
		segs := make([]Segment, len(job.Splits))
		for i := range job.Splits {
			_, out, err := runMap(i, 0)
			if err != nil {
				return Digests{}, err
			}
			segs[i] = out.Segments[a.Task.Index]
		}
		t, log, err := task(ReduceTask, a.Task.Index, a.N)
		if err != nil {
			return Digests{}, err
		}
		defer log.close()
		if err := RunReduce(ctx, job, t, c, segs); err != nil {
			return Digests{}, err
		}
		return t.Digests, nil
	}
}

func slots(n int) int {
	if n <= 0 {
		return runtime.NumCPU()
	}
	return n
}

// runPool runs f(0..n-1) on at most width goroutines, in index order of
// start. It stops starting new work after the first error and returns it.
func runPool(ctx context.Context, n, width int, f func(i int) error) error {
	var (
		next    atomic.Int64
		wg      sync.WaitGroup
		errOnce sync.Once
		first   error
	)
	width = max(1, min(width, n))
	for w := 0; w < width; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := f(i); err != nil {
					errOnce.Do(func() { first = err })
					return
				}
			}
		}()
	}
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		return E("run tasks", Canceled, "", ctx.Err())
	}
	return first
}

// attemptLog keeps an attempt's stderr in a file, echoes whole writes to a
// shared console, and remembers the last lines for error reports.
type attemptLog struct {
	path    string
	f       *os.File
	console io.Writer
	mu      *sync.Mutex // shared by all attempts' console writes
	own     sync.Mutex  // this log's file and ring
	ring    []byte
}

const tailSize = 4 << 10

func newAttemptLog(dir string, console io.Writer, mu *sync.Mutex) (*attemptLog, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, E("create attempt log", Infra, dir, err)
	}
	p := filepath.Join(dir, "stderr")
	f, err := os.Create(p)
	if err != nil {
		return nil, E("create attempt log", Infra, p, err)
	}
	return &attemptLog{path: p, f: f, console: console, mu: mu}, nil
}

// Write implements io.Writer. A write is one or more whole lines. Writes
// may come from several goroutines (the pieces of one map task).
func (l *attemptLog) Write(p []byte) (int, error) {
	l.own.Lock()
	defer l.own.Unlock()
	if l.console != nil {
		l.mu.Lock()
		l.console.Write(p)
		l.mu.Unlock()
	}
	l.ring = append(l.ring, p...)
	if len(l.ring) > 2*tailSize {
		l.ring = append(l.ring[:0], l.ring[len(l.ring)-tailSize:]...)
	}
	if _, err := l.f.Write(p); err != nil {
		return 0, E("write attempt log", Infra, l.path, err)
	}
	return len(p), nil
}

func (l *attemptLog) tail() []byte {
	l.own.Lock()
	defer l.own.Unlock()
	if len(l.ring) > tailSize {
		return l.ring[len(l.ring)-tailSize:]
	}
	return l.ring
}

func (l *attemptLog) close() { l.f.Close() }
