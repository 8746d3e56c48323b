package jobtracker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"zebra/jobtracker/api"
	"zebra/mapreduce"
)

// This file holds a job's lifecycle: submission, status, kill, and the
// end of a job (commit of a succeeded one, abort of a failed or killed one).

type job struct {
	id        mapreduce.JobID
	plan      *api.Plan
	state     string
	version   int64
	submitted time.Time
	finished  time.Time
	maps      []*task
	reduces   []*task
	// Runnable tasks: maps in order, maps by the storage node holding
	// their split, reduces in order.
	mapQ, reduceQ queue
	nodeQ         map[string]*queue
	queuedN       int
	mapsDone      int
	reducesDone   int
	events        []api.MapOutputEvent
	counters      *mapreduce.Counters
	failure       *api.Failure
	failed        []api.AttemptInfo
	diagnostics   string
	committer     *mapreduce.Committer
	committing    bool
	// jobCounters are the job group's counters (attempts launched,
	// failed, killed, data-local, time spent).
	jobCounters mapreduce.Counters
	// ending is the final state of a job being failed or killed, dying
	// its attempts not yet confirmed stopped (attempt id → worker id),
	// aborting set once its output abort has started.
	ending   string
	dying    map[string]string
	aborting bool
	// killedBy is who killed the job ("" if no one did, or unknown) and
	// killedAt when (see api.JobStatus.KilledBy).
	killedBy string
	killedAt time.Time
	// held are the finished maps of an earlier epoch waiting for a worker
	// serving their outputs to register (see recovery.go), by attempt id.
	held map[string]heldMap
	// gangOf maps a gang's map index to its gang (Plan.Gangs), channels
	// are the endpoints of its running instances' streaming channels
	// (see gang.go).
	gangOf   map[int]int
	channels map[string]string
}

func (t *Tracker) newJob(id mapreduce.JobID, p *api.Plan, submitted time.Time) (*job, error) {
	reg := t.cfg.Registry
	if t.cfg.RegistryFor != nil {
		reg = t.cfg.RegistryFor(p)
	}
	fsys, out, err := reg.Resolve(context.Background(), p.Output)
	if err != nil {
		return nil, fmt.Errorf("output %s: %w", p.Output, err)
	}
	j := &job{id: id, plan: p, state: api.StateRunning, submitted: submitted, nodeQ: map[string]*queue{},
		committer: &mapreduce.Committer{FS: fsys, Out: out, Job: id, Marker: p.MarkSuccess,
			Shared: p.OutputFiles != nil, Files: p.OutputFiles}}
	j.gangOf = gangIndex(p.Gangs)
	for i := range p.Splits {
		tk := &task{job: j, id: mapreduce.TaskID{Job: id, Kind: mapreduce.MapTask, Index: i}}
		j.maps = append(j.maps, tk)
		j.enqueue(tk)
	}
	for i := 0; i < p.Reduces; i++ {
		tk := &task{job: j, id: mapreduce.TaskID{Job: id, Kind: mapreduce.ReduceTask, Index: i}}
		j.reduces = append(j.reduces, tk)
		j.enqueue(tk)
	}
	return j, nil
}

// ended reports whether the job has ended or is ending (no more
// scheduling); its State becomes final once it has ended.
func (j *job) ended() bool {
	return j.ending != "" || j.state == api.StateSucceeded || j.state == api.StateFailed || j.state == api.StateKilled
}

// ErrOutputExists is returned by Submit when the job's output exists.
var ErrOutputExists = errors.New("output directory already exists")

// Submit accepts a job: it checks the plan, sets up the output (which must
// not exist), stores the job and its bundle, and queues its instances.
func (t *Tracker) Submit(ctx context.Context, p *api.Plan, bundle io.Reader) (string, error) {
	if err := checkPlan(p); err != nil {
		return "", err
	}
	t.mu.Lock()
	t.seq++
	id := mapreduce.JobID{Tracker: t.tracker, Seq: t.seq}
	seq := t.seq
	t.mu.Unlock()
	j, err := t.newJob(id, p, time.Now().UTC())
	if err != nil {
		return "", fmt.Errorf("submit job: %w", err)
	}
	dir := filepath.Join(t.cfg.Data, "jobs", id.String())
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("submit job: %w", err)
	}
	if bundle != nil {
		if err := writeFile(filepath.Join(dir, "bundle.tar"), bundle); err != nil {
			os.RemoveAll(dir)
			return "", fmt.Errorf("submit job: store bundle: %w", err)
		}
	}
	if err := j.committer.SetupJob(ctx); err != nil {
		os.RemoveAll(dir)
		if mapreduce.IsKind(err, mapreduce.Exist) && p.OutputFiles != nil {
			return "", fmt.Errorf("%w: %v", ErrOutputExists, err)
		}
		if mapreduce.IsKind(err, mapreduce.Exist) {
			return "", fmt.Errorf("%w: %s", ErrOutputExists, p.Output)
		}
		return "", fmt.Errorf("submit job: %w", err)
	}
	if err := t.store.putJob(j.record(), seq); err != nil {
		j.committer.AbortJob(context.WithoutCancel(ctx))
		os.RemoveAll(dir)
		return "", err
	}
	t.mu.Lock()
	t.jobs[id.String()] = j
	t.order = append(t.order, j)
	t.log.Info("job submitted", "job", id.String(), "maps", len(j.maps), "reduces", len(j.reduces), "user", p.User)
	if len(j.maps) == 0 && len(j.reduces) == 0 {
		t.finishLocked(j)
	}
	t.changed(j)
	t.mu.Unlock()
	return id.String(), nil
}

func writeFile(path string, r io.Reader) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// checkPlan validates what a client sent.
func checkPlan(p *api.Plan) error {
	switch {
	case p == nil:
		return errors.New("the plan is missing")
	case p.Output == "":
		return errors.New("plan: output is missing")
	case p.Reduces < 0 || p.Reduces > 1<<20:
		return fmt.Errorf("plan: reduces %d out of range 0..%d", p.Reduces, 1<<20)
	case len(p.Splits) > 1<<22:
		return fmt.Errorf("plan: %d splits is more than %d", len(p.Splits), 1<<22)
	case len(p.Spec) == 0:
		return errors.New("plan: spec is missing")
	}
	for i, s := range p.Splits {
		if s.URI == "" || s.Start < 0 || s.Length < 0 {
			return fmt.Errorf("plan: split %d (%q %d+%d) is not valid", i, s.URI, s.Start, s.Length)
		}
	}
	return checkGangs(p)
}

func (j *job) record() *jobRecord {
	return &jobRecord{ID: j.id.String(), Plan: j.plan, State: j.state, Submitted: j.submitted, Finished: j.finished,
		Counters: j.counters, Failure: j.failure, Failed: j.failed, Diagnostics: j.diagnostics,
		JobCounters: j.jobCountersCopy(), KilledBy: j.killedBy, KilledAt: j.killedAt}
}

// jobCountersCopy is a copy of the job group's counters, for the record
// of a job that ended without its final counters (nil otherwise).
func (j *job) jobCountersCopy() *mapreduce.Counters {
	if j.counters != nil {
		return nil
	}
	c := &mapreduce.Counters{}
	c.Merge(&j.jobCounters)
	return c
}

func (j *job) maxAttempts(k mapreduce.TaskKind) int {
	n := j.plan.MaxMapAttempts
	if k == mapreduce.ReduceTask {
		n = j.plan.MaxReduceAttempts
	}
	if n <= 0 {
		n = 4
	}
	return n
}

// Status returns a job's status; ok is false for an unknown job.
func (t *Tracker) Status(id string) (api.JobStatus, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	j := t.jobs[id]
	if j == nil {
		return api.JobStatus{}, false
	}
	return j.status(), true
}

// WaitStatus waits until the job's version exceeds after (or wait passes,
// or ctx ends) and returns its status.
func (t *Tracker) WaitStatus(ctx context.Context, id string, after int64, wait time.Duration) (api.JobStatus, bool) {
	t.await(ctx, wait, true, func() bool {
		j := t.jobs[id]
		return j == nil || j.version > after
	})
	return t.Status(id)
}

// progress is the job's map and reduce progress: the mean over its maps
// (reduces) of each task's progress, 1 for a finished task and its running
// attempt's for a running one (Hadoop's JobStatus mapProgress and
// reduceProgress); 0 for a phase without tasks (a map-only job's console
// shows "reduce 0%", as Hadoop's does). Callers hold mu.
func (j *job) progress() (maps, reduces float64) {
	mean := func(tasks []*task) float64 {
		if len(tasks) == 0 {
			return 0
		}
		var sum float64
		for _, tk := range tasks {
			switch {
			case tk.done:
				sum++
			case tk.running != nil:
				sum += tk.running.progress
			}
		}
		return min(sum/float64(len(tasks)), 1)
	}
	return mean(j.maps), mean(j.reduces)
}

func (j *job) status() api.JobStatus {
	mp, rp := j.progress()
	return api.JobStatus{MapProgress: mp, ReduceProgress: rp, ID: j.id.String(), Name: j.plan.Name, User: j.plan.User, State: j.state, Version: j.version,
		Submitted: j.submitted, Finished: j.finished, Maps: len(j.maps), Reduces: len(j.reduces),
		MapsDone: j.mapsDone, ReducesDone: j.reducesDone, Output: j.plan.Output, Counters: j.counters,
		Failure: j.failure, FailedAttempts: slices.Clone(j.failed), Diagnostics: j.diagnostics,
		KilledBy: j.killedBy, KilledAt: j.killedAt}
}

// Plan returns a job's plan, for workers.
func (t *Tracker) Plan(id string) (*api.Plan, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	j := t.jobs[id]
	if j == nil {
		return nil, false
	}
	return j.plan, true
}

// BundlePath is where a job's bundle is kept ("" if it has none).
func (t *Tracker) BundlePath(id string) string {
	p := filepath.Join(t.cfg.Data, "jobs", id, "bundle.tar")
	if _, err := os.Stat(p); err != nil {
		return ""
	}
	return p
}

// Kill ends a job: running attempts are killed, nothing is committed.
// It is KillBy with no one named.
func (t *Tracker) Kill(id string) error { return t.KillBy(id, "") }

// KillBy is Kill on behalf of by (who the job's status names as its
// killer: "cluster" or a tenant's account; the caller has checked that
// by may kill the job). Killing a job that has ended changes nothing.
func (t *Tracker) KillBy(id, by string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	j := t.jobs[id]
	if j == nil {
		return fmt.Errorf("kill %s: no such job", id)
	}
	if j.ended() {
		return nil
	}
	j.diagnostics = "Job killed by request"
	if by != "" {
		j.diagnostics += " of " + by
	}
	j.killedBy, j.killedAt = by, time.Now().UTC()
	t.endLocked(j, api.StateKilled)
	return nil
}

// endLocked ends a job as failed or killed. Its running attempts are
// dropped (their workers are told to kill them at their next poll); once
// every worker has confirmed that they are gone (or after a minute), the
// output is aborted and the job takes its final state, so that a client
// never sees a FAILED or KILLED job whose attempts could still write. The
// store records the final state at once: a restarted tracker never runs
// the job again.
func (t *Tracker) endLocked(j *job, state string) {
	if j.ended() {
		return
	}
	j.ending = state
	j.finished = time.Now().UTC()
	j.mapQ, j.reduceQ, j.nodeQ, j.queuedN = queue{}, queue{}, map[string]*queue{}, 0
	j.dying = map[string]string{}
	for _, tk := range append(slices.Clone(j.maps), j.reduces...) {
		if a := tk.running; a != nil {
			id := a.id.String()
			delete(a.worker.running, id)
			tk.running = nil
			j.dying[id] = a.worker.id
			info := a.info(api.AttemptKilled, "job "+strings.ToLower(state))
			info.Kind = api.FailureKilled
			j.jobCounters.Add(mapreduce.GroupJob, "Killed "+tk.id.Kind.String()+" tasks", 1) // NUM_KILLED_MAPS, _REDUCES
			t.store.putAttempt(j.id.String(), info)
		}
	}
	rec := j.record()
	rec.State = state
	t.goBackground(func(context.Context) {
		if err := t.store.putJob(rec, t.seqNow()); err != nil {
			t.log.Error("store job", "job", rec.ID, "err", err)
		}
	})
	t.log.Info("job ending", "job", j.id.String(), "state", state, "attempts_to_stop", len(j.dying))
	if len(j.dying) == 0 {
		t.abortLocked(j)
	} else {
		t.goBackground(func(ctx context.Context) {
			timer := time.NewTimer(time.Minute)
			defer timer.Stop()
			select {
			case <-timer.C:
			case <-ctx.Done():
				return
			}
			t.mu.Lock()
			defer t.mu.Unlock()
			t.abortLocked(j)
		})
	}
	t.changed(j)
}

// goneLocked notes that attempt id of an ending job has stopped.
func (t *Tracker) goneLocked(j *job, id string) {
	if _, ok := j.dying[id]; !ok {
		return
	}
	delete(j.dying, id)
	if len(j.dying) == 0 {
		t.abortLocked(j)
	}
}

// abortLocked aborts an ending job's output, then gives the job its final
// state.
func (t *Tracker) abortLocked(j *job) {
	if j.aborting || j.ending == "" {
		return
	}
	j.aborting = true
	c := j.committer
	t.goBackground(func(ctx context.Context) {
		if err := c.AbortJob(ctx); err != nil {
			t.log.Error("abort job output", "job", j.id.String(), "err", err)
		}
		if ctx.Err() != nil {
			return // closing: the next tracker aborts the output again
		}
		t.mu.Lock()
		defer t.mu.Unlock()
		j.state = j.ending
		rec := j.record()
		if err := t.store.putJob(rec, t.seq); err != nil {
			t.log.Error("store job", "job", rec.ID, "err", err)
		}
		t.log.Info("job ended", "job", rec.ID, "state", j.state)
		t.changed(j)
	})
}

func (t *Tracker) seqNow() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.seq
}

// finishLocked commits a job whose tasks have all succeeded. The commit
// runs outside the lock; the job is SUCCEEDED once it is done.
func (t *Tracker) finishLocked(j *job) {
	if j.committing || j.ended() {
		return
	}
	j.committing = true
	counters := &mapreduce.Counters{}
	counters.Merge(&j.jobCounters)
	committed := map[string][]string{} // task → files, from the committing attempts
	for _, tk := range append(slices.Clone(j.maps), j.reduces...) {
		if tk.success != nil && tk.success.counters != nil {
			counters.Merge(tk.success.counters)
		}
		if tk.success != nil && (len(j.reduces) == 0 || tk.id.Kind == mapreduce.ReduceTask) {
			committed[tk.id.String()] = tk.success.outputs
		}
	}
	t.goBackground(func(ctx context.Context) {
		err := j.committer.CommitJobFiles(ctx, committed)
		t.mu.Lock()
		defer t.mu.Unlock()
		j.committing = false
		if j.ended() {
			return
		}
		if ctx.Err() != nil {
			// Closing: the job stays RUNNING in the store, and the next
			// tracker runs it (and its commit) again.
			t.log.Info("job commit cut short by close", "job", j.id.String(), "err", err)
			return
		}
		if err != nil {
			j.diagnostics = "commit failed: " + err.Error()
			t.endLocked(j, api.StateFailed)
			return
		}
		j.counters = counters
		j.state = api.StateSucceeded
		j.finished = time.Now().UTC()
		rec := j.record()
		if err := t.store.putJob(rec, t.seq); err != nil {
			t.log.Error("store job", "job", rec.ID, "err", err)
		}
		t.log.Info("job succeeded", "job", rec.ID)
		t.changed(j)
	})
}
