package jobtracker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"zebra/jobtracker/api"
	"zebra/mapreduce"
)

// Config configures a Tracker.
type Config struct {
	// Data is the directory of the tracker's store and job bundles.
	Data string
	// Registry resolves output URIs (the tracker sets up, commits and
	// aborts job outputs).
	Registry *mapreduce.Registry
	// RegistryFor, if set, returns the registry that resolves the output
	// of a job with plan p instead of Registry (a tenant's job is then
	// committed with the tenant's own credentials, api.Plan.Swift).
	RegistryFor func(p *api.Plan) *mapreduce.Registry
	// PollWait bounds a worker's long poll; Expiry is how long a worker may
	// stay silent before it is considered lost (defaults 2s and 10s).
	PollWait, Expiry time.Duration
	// LocalityDelay is how long a map whose split has a replica beside a
	// live worker waits for a slot there before it may run elsewhere
	// (delay scheduling; default 1s, negative: never wait).
	LocalityDelay time.Duration
	Logger        *slog.Logger
}

// Tracker is the jobtracker: it keeps jobs, schedules their instances onto
// workers, tracks attempts and commits outputs. All state is guarded by mu;
// changes close the wake channel so that waiting polls and status watchers
// look again.
type Tracker struct {
	cfg   Config
	log   *slog.Logger
	store *store

	mu       sync.Mutex
	wake     chan struct{}
	tracker  string // the tracker part of job ids
	seq      int
	epoch    int
	jobs     map[string]*job
	order    []*job // submission order
	workers  map[string]*worker
	workerN  int
	stopReap chan struct{}
	closing  sync.Once
}

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
}

type task struct {
	job      *job
	id       mapreduce.TaskID
	done     bool
	queued   bool
	seq      int       // bumped at every queueing (see queue)
	queuedAt time.Time // when it was last queued
	attempts int       // attempts started in this epoch
	running  *attempt
	success  *attempt
	granted  string          // the attempt allowed to commit
	avoid    map[string]bool // workers where an attempt failed
	fails    failureTally    // its unsuccessful attempts, by kind (failures.go)
}

type attempt struct {
	id         mapreduce.AttemptID
	task       *task
	worker     *worker
	started    time.Time
	counters   *mapreduce.Counters
	partitions []int64
	outputs    []string // files it committed (see Committer.CommitJobFiles)
	// polled is set once a poll of its worker followed its assignment:
	// from then on the worker must list it as running.
	polled bool
}

type worker struct {
	id       string
	reg      api.Registration
	lastSeen time.Time
	polling  int
	running  map[string]*attempt
	lost     bool
	nodes    []string // the storage nodes it sits beside (reg.Node split)
}

// beside reports whether the worker sits beside storage node h.
func (w *worker) beside(h string) bool { return slices.Contains(w.nodes, h) }

// besideAny reports whether the worker sits beside one of hosts.
func (w *worker) besideAny(hosts []string) bool {
	return slices.ContainsFunc(hosts, w.beside)
}

// Open starts a tracker over the store in cfg.Data. Jobs that were
// running when the previous tracker stopped are run again from their
// plans, with attempt numbers of a new epoch (1000 × epoch, as Hadoop's
// recovered application masters number them); finished jobs are kept as
// history.
func Open(cfg Config) (*Tracker, error) {
	if cfg.PollWait <= 0 {
		cfg.PollWait = 2 * time.Second
	}
	if cfg.Expiry <= 0 {
		cfg.Expiry = 10 * time.Second
	}
	if cfg.LocalityDelay == 0 {
		cfg.LocalityDelay = time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if err := os.MkdirAll(filepath.Join(cfg.Data, "jobs"), 0o755); err != nil {
		return nil, fmt.Errorf("create jobtracker data directory: %w", err)
	}
	st, err := openStore(filepath.Join(cfg.Data, "jobtracker.db"), cfg.Logger)
	if err != nil {
		return nil, err
	}
	t := &Tracker{cfg: cfg, log: cfg.Logger.With("component", "jobtracker"), store: st, wake: make(chan struct{}),
		jobs: map[string]*job{}, workers: map[string]*worker{}, stopReap: make(chan struct{})}
	t.tracker, t.seq, t.epoch, err = st.start(strconv.FormatInt(time.Now().UnixMilli(), 10))
	if err != nil {
		st.close()
		return nil, err
	}
	recs, err := st.jobs()
	if err != nil {
		st.close()
		return nil, err
	}
	slices.SortFunc(recs, func(a, b *jobRecord) int { return a.Submitted.Compare(b.Submitted) })
	for _, r := range recs {
		id, err := mapreduce.ParseJobID(r.ID)
		if err != nil || r.Plan == nil {
			t.log.Error("skip unreadable job record", "job", r.ID, "err", err)
			continue
		}
		j, err := t.newJob(id, r.Plan, r.Submitted)
		if err != nil {
			t.log.Error("skip job record", "job", r.ID, "err", err)
			continue
		}
		j.state, j.finished, j.counters, j.failure, j.failed, j.diagnostics = r.State, r.Finished, r.Counters, r.Failure, r.Failed, r.Diagnostics
		if !j.ended() {
			j.state = api.StateRunning
			j.diagnostics = ""
			t.log.Info("resume job after restart", "job", r.ID, "epoch", t.epoch)
		}
		if j.state == api.StateFailed || j.state == api.StateKilled {
			// The tracker may have stopped before the abort finished.
			go j.committer.AbortJob(context.Background())
		}
		t.jobs[r.ID] = j
		t.order = append(t.order, j)
	}
	go t.reap()
	return t, nil
}

// Close stops the tracker's background work and closes its store.
func (t *Tracker) Close() error {
	var err error
	t.closing.Do(func() {
		close(t.stopReap)
		err = t.store.close()
	})
	return err
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

// changed wakes every waiter; callers hold mu.
func (t *Tracker) changed(j *job) {
	if j != nil {
		j.version++
	}
	close(t.wake)
	t.wake = make(chan struct{})
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
	return nil
}

func (j *job) record() *jobRecord {
	return &jobRecord{ID: j.id.String(), Plan: j.plan, State: j.state, Submitted: j.submitted, Finished: j.finished,
		Counters: j.counters, Failure: j.failure, Failed: j.failed, Diagnostics: j.diagnostics}
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
	t.await(ctx, wait, func() bool {
		j := t.jobs[id]
		return j == nil || j.version > after
	})
	return t.Status(id)
}

// await waits until ready (called with mu held) holds, wait passes or ctx
// ends, looking again at every change of the tracker's state.
func (t *Tracker) await(ctx context.Context, wait time.Duration, ready func() bool) {
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		t.mu.Lock()
		done := ready()
		wake := t.wake
		t.mu.Unlock()
		if done {
			return
		}
		select {
		case <-wake:
		case <-timer.C:
			return
		case <-ctx.Done():
			return
		}
	}
}

func (j *job) status() api.JobStatus {
	return api.JobStatus{ID: j.id.String(), Name: j.plan.Name, User: j.plan.User, State: j.state, Version: j.version,
		Submitted: j.submitted, Finished: j.finished, Maps: len(j.maps), Reduces: len(j.reduces),
		MapsDone: j.mapsDone, ReducesDone: j.reducesDone, Output: j.plan.Output, Counters: j.counters,
		Failure: j.failure, FailedAttempts: slices.Clone(j.failed), Diagnostics: j.diagnostics}
}

// Jobs returns every job's status, newest first.
func (t *Tracker) Jobs() []api.JobStatus {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]api.JobStatus, 0, len(t.order))
	for i := len(t.order) - 1; i >= 0; i-- {
		out = append(out, t.order[i].status())
	}
	return out
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
func (t *Tracker) Kill(id string) error {
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
			t.store.putAttempt(j.id.String(), info)
		}
	}
	rec := j.record()
	rec.State = state
	go func() {
		if err := t.store.putJob(rec, t.seqNow()); err != nil {
			t.log.Error("store job", "job", rec.ID, "err", err)
		}
	}()
	t.log.Info("job ending", "job", j.id.String(), "state", state, "attempts_to_stop", len(j.dying))
	if len(j.dying) == 0 {
		t.abortLocked(j)
	} else {
		time.AfterFunc(time.Minute, func() {
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
	go func() {
		if err := c.AbortJob(context.Background()); err != nil {
			t.log.Error("abort job output", "job", j.id.String(), "err", err)
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
	}()
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
	go func() {
		err := j.committer.CommitJobFiles(context.Background(), committed)
		t.mu.Lock()
		defer t.mu.Unlock()
		j.committing = false
		if j.ended() {
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
	}()
}

// Register adds a worker.
func (t *Tracker) Register(r api.Registration) (api.Registered, error) {
	if r.Protocol != api.ProtocolVersion {
		return api.Registered{}, fmt.Errorf("worker %q speaks protocol version %d, this jobtracker speaks %d: run the same zebra version on both", r.Name, r.Protocol, api.ProtocolVersion)
	}
	if r.MapSlots < 0 || r.ReduceSlots < 0 || r.MapSlots+r.ReduceSlots == 0 || r.MapSlots > 1024 || r.ReduceSlots > 1024 {
		return api.Registered{}, fmt.Errorf("worker %q: slots map=%d reduce=%d: want 0..1024 each, not both 0", r.Name, r.MapSlots, r.ReduceSlots)
	}
	if r.Shuffle == "" {
		return api.Registered{}, fmt.Errorf("worker %q: no shuffle endpoint", r.Name)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.workerN++
	w := &worker{id: fmt.Sprintf("w%d-%d", t.epoch, t.workerN), reg: r, lastSeen: time.Now(), running: map[string]*attempt{}}
	if w.reg.Node == "" {
		w.reg.Node = w.reg.Name
	}
	for _, n := range strings.Split(w.reg.Node, ",") {
		if n = strings.TrimSpace(n); n != "" {
			w.nodes = append(w.nodes, n)
		}
	}
	t.workers[w.id] = w
	t.log.Info("worker registered", "worker", w.id, "name", r.Name, "node", r.Node, "map_slots", r.MapSlots, "reduce_slots", r.ReduceSlots)
	t.changed(nil)
	return api.Registered{ID: w.id, PollWait: t.cfg.PollWait, Expiry: t.cfg.Expiry}, nil
}

// ErrUnknownWorker is returned for a poll of a worker the tracker does not
// know (lost, or registered with an earlier tracker): it must register.
var ErrUnknownWorker = errors.New("unknown worker: register again")

// Poll is a worker's long poll: it returns at once with attempts to kill
// or jobs to forget, or when it has work for the worker's free slots, or
// after PollWait with nothing.
func (t *Tracker) Poll(ctx context.Context, id string, p api.Poll) (api.PollReply, error) {
	deadline := time.NewTimer(t.cfg.PollWait)
	defer deadline.Stop()
	t.mu.Lock()
	w := t.workers[id]
	if w == nil || w.lost {
		t.mu.Unlock()
		return api.PollReply{}, ErrUnknownWorker
	}
	w.polling++
	defer func() {
		t.mu.Lock()
		w.polling--
		w.lastSeen = time.Now()
		t.mu.Unlock()
	}()
	var reply api.PollReply
	reported := make(map[string]bool, len(p.Running))
	for _, a := range p.Running {
		reported[a] = true
		if _, ok := w.running[a]; !ok {
			reply.Kill = append(reply.Kill, a)
		}
	}
	// An attempt given to the worker that it does not run (the reply that
	// carried it was lost, or its report never arrived) is lost.
	for id, a := range w.running {
		if !reported[id] && a.polled {
			delete(w.running, id)
			a.task.running = nil
			if !a.task.job.ended() {
				t.failLocked(a, api.FailureLost, "worker "+w.reg.Name+" does not run it", &api.Failure{Attempt: id, Error: "worker " + w.reg.Name + " does not run it", Kind: api.FailureLost})
			}
		}
	}
	for _, a := range w.running {
		a.polled = true // from the next poll on, it must be listed
	}
	for _, j := range t.order {
		for id, wid := range j.dying {
			if wid == w.id && !reported[id] {
				t.goneLocked(j, id)
			}
		}
	}
	for _, jid := range p.Jobs {
		if j := t.jobs[jid]; j == nil || j.ended() {
			reply.Forget = append(reply.Forget, jid)
		}
	}
	for {
		w.lastSeen = time.Now()
		reply.Assign = t.assignLocked(w)
		if len(reply.Assign) > 0 {
			t.changed(nil)
		}
		if len(reply.Assign)+len(reply.Kill)+len(reply.Forget) > 0 {
			t.mu.Unlock()
			return reply, nil
		}
		// Queued maps held back for their data's workers may become
		// eligible here without any event: look again after a while.
		recheck := t.cfg.PollWait
		for _, j := range t.order {
			if !j.ended() && j.queuedN > 0 && t.cfg.LocalityDelay > 0 {
				recheck = max(t.cfg.LocalityDelay/4, 10*time.Millisecond)
				break
			}
		}
		wake := t.wake
		t.mu.Unlock()
		again := time.NewTimer(recheck)
		select {
		case <-wake:
		case <-again.C:
		case <-deadline.C:
			again.Stop()
			return reply, nil
		case <-ctx.Done():
			again.Stop()
			return reply, ctx.Err()
		}
		again.Stop()
		t.mu.Lock()
		if w.lost {
			t.mu.Unlock()
			return api.PollReply{}, ErrUnknownWorker
		}
	}
}

// assignLocked hands queued tasks to w's free slots: jobs in submission
// order, maps before reduces, a map preferring a split stored beside w, a
// reduce only once its job's slow-start fraction of maps has finished, and
// never a task on a worker where it already failed while other workers are
// up.
func (t *Tracker) assignLocked(w *worker) []api.Assignment {
	freeMap, freeReduce := w.reg.MapSlots, w.reg.ReduceSlots
	for _, a := range w.running {
		if a.id.Task.Kind == mapreduce.MapTask {
			freeMap--
		} else {
			freeReduce--
		}
	}
	live := len(t.workers)
	ok := func(tk *task) bool { return !tk.avoid[w.id] || len(tk.avoid) >= live }
	nodes := map[string]bool{} // storage nodes with a live worker
	for _, o := range t.workers {
		for _, n := range o.nodes {
			nodes[n] = true
		}
	}
	now := time.Now()
	// A map taken off the general queue by a worker not beside its data
	// waits LocalityDelay for a worker that is, if one is up.
	remoteOK := func(tk *task) bool {
		if !ok(tk) {
			return false
		}
		if t.cfg.LocalityDelay < 0 || now.Sub(tk.queuedAt) >= t.cfg.LocalityDelay {
			return true
		}
		hosted := false
		for _, h := range tk.job.plan.Splits[tk.id.Index].Hosts {
			if w.beside(h) {
				return true
			}
			hosted = hosted || nodes[h]
		}
		return !hosted
	}
	var out []api.Assignment
	for _, j := range t.order {
		if freeMap <= 0 && freeReduce <= 0 {
			break
		}
		if j.ended() || j.queuedN == 0 {
			continue
		}
		for freeMap > 0 {
			var tk *task
			for _, n := range w.nodes {
				if q := j.nodeQ[n]; q != nil && tk == nil {
					tk = q.take(64, ok)
				}
			}
			if tk == nil {
				tk = j.mapQ.take(64, remoteOK)
			}
			if tk == nil {
				break
			}
			j.queuedN--
			out = append(out, t.startLocked(tk, w))
			freeMap--
		}
		if j.mapsDone < int(math.Ceil(j.plan.SlowStart*float64(len(j.maps)))) {
			continue
		}
		for freeReduce > 0 {
			tk := j.reduceQ.take(64, ok)
			if tk == nil {
				break
			}
			j.queuedN--
			out = append(out, t.startLocked(tk, w))
			freeReduce--
		}
	}
	return out
}

func (t *Tracker) startLocked(tk *task, w *worker) api.Assignment {
	a := &attempt{id: mapreduce.AttemptID{Task: tk.id, N: 1000*(t.epoch-1) + tk.attempts}, task: tk, worker: w, started: time.Now().UTC()}
	tk.attempts++
	tk.running = a
	id := a.id.String()
	w.running[id] = a
	info := a.info(api.AttemptRunning, "")
	t.store.putAttempt(tk.job.id.String(), info)
	jc := &tk.job.jobCounters
	if tk.id.Kind == mapreduce.MapTask {
		jc.Add(mapreduce.GroupJob, "Launched map tasks", 1)
		if w.besideAny(tk.job.plan.Splits[tk.id.Index].Hosts) {
			jc.Add(mapreduce.GroupJob, "Data-local map tasks", 1)
		} else {
			jc.Add(mapreduce.GroupJob, "Other local map tasks", 1)
		}
	} else {
		jc.Add(mapreduce.GroupJob, "Launched reduce tasks", 1)
	}
	tk.job.version++ // the caller wakes the waiters once for the batch
	return api.Assignment{Attempt: id, Job: tk.job.id.String(), Kind: tk.id.Kind.String(), Index: tk.id.Index}
}

func (a *attempt) info(state, errText string) api.AttemptInfo {
	i := api.AttemptInfo{ID: a.id.String(), State: state, Worker: a.worker.id, Node: a.worker.reg.Node, Started: a.started, Error: errText}
	if state != api.AttemptRunning {
		i.Finished = time.Now().UTC()
	}
	return i
}

// ErrStaleAttempt is returned for a report about an attempt the tracker no
// longer runs (killed, lost, of an ended job or an earlier epoch).
var ErrStaleAttempt = errors.New("the jobtracker no longer runs this attempt")

// lookupLocked finds a running attempt by id, reported by worker wid.
func (t *Tracker) lookupLocked(wid, id string) *attempt {
	if w := t.workers[wid]; w != nil {
		return w.running[id]
	}
	return nil
}

// CanCommit grants the right to commit to the first attempt of a task that
// asks, and again to a later attempt only if the granted one is no longer
// running.
func (t *Tracker) CanCommit(wid, id string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	a := t.lookupLocked(wid, id)
	if a == nil || a.task.job.ended() {
		return ErrStaleAttempt
	}
	tk := a.task
	if tk.granted != "" && tk.granted != id && tk.running != nil && tk.running.id.String() == tk.granted {
		return fmt.Errorf("attempt %s of %s already holds the right to commit", tk.granted, tk.id)
	}
	tk.granted = id
	return nil
}

// Done records the end of an attempt.
func (t *Tracker) Done(id string, r api.AttemptReport) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	a := t.lookupLocked(r.Worker, id)
	if a == nil {
		if aid, err := mapreduce.ParseAttemptID(id); err == nil {
			if j := t.jobs[aid.Task.Job.String()]; j != nil && j.dying[id] != "" {
				t.goneLocked(j, id)
			}
		}
		return ErrStaleAttempt
	}
	tk, j := a.task, a.task.job
	delete(a.worker.running, id)
	tk.running = nil
	if j.ended() {
		return nil
	}
	kind := "map"
	if tk.id.Kind == mapreduce.ReduceTask {
		kind = "reduce"
	}
	j.jobCounters.Add(mapreduce.GroupJob, "Total time spent by all "+kind+" tasks (ms)", time.Since(a.started).Milliseconds())
	if r.State == api.AttemptSucceeded {
		a.counters, a.partitions, a.outputs = r.Counters, r.Partitions, r.Outputs
		tk.done, tk.success = true, a
		t.store.putAttempt(j.id.String(), a.info(api.AttemptSucceeded, ""))
		if tk.id.Kind == mapreduce.MapTask {
			j.mapsDone++
			if len(j.reduces) > 0 {
				j.events = append(j.events, api.MapOutputEvent{Map: tk.id.Index, Attempt: id, Endpoint: a.worker.reg.Shuffle})
			}
		} else {
			j.reducesDone++
		}
		if j.mapsDone == len(j.maps) && j.reducesDone == len(j.reduces) {
			t.finishLocked(j)
		}
		t.changed(j)
		return nil
	}
	fk := r.Kind.Effective(r.State)
	t.failLocked(a, fk, r.Error, &api.Failure{Attempt: id, Error: r.Error, StartError: r.StartError, StderrTail: r.StderrTail, Log: r.Log, Kind: fk})
	return nil
}

// failLocked handles an attempt (already removed from its worker) that
// ended without success, with effective kind kind: the task runs again
// elsewhere or, when it has had as many failures of that kind as it may
// (see failures.go), the job fails with f.
func (t *Tracker) failLocked(a *attempt, kind api.FailureKind, errText string, f *api.Failure) {
	tk, j := a.task, a.task.job
	if why := t.endAttemptLocked(a, kind, errText); why != "" {
		j.failure = f
		j.diagnostics = why
		t.endLocked(j, api.StateFailed)
		return
	}
	t.requeueLocked(tk)
	t.changed(j)
}

func (t *Tracker) requeueLocked(tk *task) {
	if !tk.queued {
		tk.job.enqueue(tk)
	}
}

// enqueue makes tk runnable: on the kind's queue and, for a map, on the
// queue of every storage node holding its split.
func (j *job) enqueue(tk *task) {
	tk.queued = true
	tk.seq++
	tk.queuedAt = time.Now()
	j.queuedN++
	if tk.id.Kind == mapreduce.ReduceTask {
		j.reduceQ.push(tk)
		return
	}
	j.mapQ.push(tk)
	for _, h := range j.plan.Splits[tk.id.Index].Hosts {
		q := j.nodeQ[h]
		if q == nil {
			q = &queue{}
			j.nodeQ[h] = q
		}
		q.push(tk)
	}
}

// MapOutputs returns a job's map output events from index from, waiting up
// to wait for new ones.
func (t *Tracker) MapOutputs(ctx context.Context, id string, from int, wait time.Duration) (api.MapOutputs, bool) {
	t.await(ctx, wait, func() bool {
		j := t.jobs[id]
		return j == nil || from < len(j.events) || j.ended()
	})
	t.mu.Lock()
	defer t.mu.Unlock()
	j := t.jobs[id]
	if j == nil {
		return api.MapOutputs{}, false
	}
	from = max(0, min(from, len(j.events)))
	return api.MapOutputs{From: from, Events: slices.Clone(j.events[from:]), Ended: j.ended()}, true
}

// FetchFailure handles a reducer's report that it could not fetch a map
// output: if that output is still the map's current one, it is declared
// lost and the map runs again (Hadoop re-runs maps whose outputs cannot
// be fetched).
func (t *Tracker) FetchFailure(wid, reduceAttempt string, f api.FetchFailure) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.lookupLocked(wid, reduceAttempt) == nil {
		return ErrStaleAttempt
	}
	for _, j := range t.jobs {
		for _, tk := range j.maps {
			if tk.success != nil && tk.success.id.String() == f.Map {
				t.log.Warn("map output lost", "map", f.Map, "reported_by", reduceAttempt, "err", f.Error)
				t.loseMapLocked(tk)
				t.changed(j)
				return nil
			}
		}
	}
	return nil
}

// loseMapLocked marks a finished map's output lost and queues the map again.
func (t *Tracker) loseMapLocked(tk *task) {
	j := tk.job
	if tk.success == nil || j.ended() {
		return
	}
	a := tk.success
	j.events = append(j.events, api.MapOutputEvent{Map: tk.id.Index, Attempt: a.id.String(), Endpoint: a.worker.reg.Shuffle, Obsolete: true})
	tk.success, tk.done = nil, false
	j.mapsDone--
	if why := t.endAttemptLocked(a, api.FailureLost, "map output lost"); why != "" {
		j.failure = &api.Failure{Attempt: a.id.String(), Error: "map output lost", Kind: api.FailureLost}
		j.diagnostics = why
		t.endLocked(j, api.StateFailed)
		return
	}
	t.requeueLocked(tk)
}

// reap declares silent workers lost: their running attempts are lost
// (api.FailureLost) and the outputs of their finished maps, which
// reducers still need, are re-made elsewhere.
func (t *Tracker) reap() {
	tick := time.NewTicker(t.cfg.Expiry / 4)
	defer tick.Stop()
	for {
		select {
		case <-t.stopReap:
			return
		case <-tick.C:
		}
		t.mu.Lock()
		for _, w := range t.workers {
			if w.lost || w.polling > 0 || time.Since(w.lastSeen) < t.cfg.Expiry {
				continue
			}
			t.loseWorkerLocked(w)
		}
		t.mu.Unlock()
	}
}

func (t *Tracker) loseWorkerLocked(w *worker) {
	t.log.Warn("worker lost", "worker", w.id, "name", w.reg.Name, "silent_for", time.Since(w.lastSeen).Round(time.Millisecond))
	w.lost = true
	delete(t.workers, w.id)
	for id, a := range w.running {
		delete(w.running, id)
		a.task.running = nil
		if !a.task.job.ended() {
			t.failLocked(a, api.FailureLost, "worker "+w.reg.Name+" lost", &api.Failure{Attempt: id, Error: "worker " + w.reg.Name + " lost", Kind: api.FailureLost})
		}
	}
	for _, j := range t.order {
		for id, wid := range j.dying {
			if wid == w.id {
				t.goneLocked(j, id)
			}
		}
		if j.ended() || j.reducesDone == len(j.reduces) {
			continue
		}
		for _, tk := range j.maps {
			if tk.success != nil && tk.success.worker == w {
				t.loseMapLocked(tk)
			}
		}
	}
	t.forgetWorkerLocked(w)
	t.changed(nil)
}

// WorkerInfo is a registered worker as the cluster overview shows it.
type WorkerInfo struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Node        string    `json:"node"`
	MapSlots    int       `json:"map_slots"`
	ReduceSlots int       `json:"reduce_slots"`
	Running     int       `json:"running"`
	LastSeen    time.Time `json:"last_seen"`
}

// Workers lists the live workers, by name.
func (t *Tracker) Workers() []WorkerInfo {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := []WorkerInfo{}
	for _, w := range t.workers {
		out = append(out, WorkerInfo{ID: w.id, Name: w.reg.Name, Node: w.reg.Node, MapSlots: w.reg.MapSlots,
			ReduceSlots: w.reg.ReduceSlots, Running: len(w.running), LastSeen: w.lastSeen.UTC()})
	}
	slices.SortFunc(out, func(a, b WorkerInfo) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Attempts returns the stored history of a job's attempts (each attempt's
// latest state), ordered by attempt id; ok is false for an unknown job.
func (t *Tracker) Attempts(id string) ([]api.AttemptInfo, bool, error) {
	t.mu.Lock()
	_, ok := t.jobs[id]
	t.mu.Unlock()
	if !ok {
		return nil, false, nil
	}
	a, err := t.store.attempts(id)
	return a, true, err
}
