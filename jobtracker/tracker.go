package jobtracker

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
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

	mu sync.Mutex
	// wake is closed (and replaced) by every change; watch by every
	// change and every progress report (see changed and progressed).
	wake    chan struct{}
	watch   chan struct{}
	tracker string // the tracker part of job ids
	seq     int
	epoch   int
	jobs    map[string]*job
	order   []*job // submission order
	workers map[string]*worker
	workerN int
	// liveNodes caches liveNodesLocked for the worker set liveNodesKey.
	liveNodes    map[string]bool
	liveNodesKey [2]int
	// recoverUntil ends the window in which workers registering again
	// after a restart keep the finished maps whose outputs they serve.
	recoverUntil time.Time
	// ctx is cancelled by Close; every background goroutine is started
	// by goBackground under mu, counted in bg, and ends when ctx does.
	ctx    context.Context
	cancel context.CancelFunc
	bg     sync.WaitGroup
	closed bool
	// summaries caches the jobs' phase summaries (summary.go).
	summaries summaryCache

	// wakeGen counts the wake channels closed; pollWaiters is the number
	// of long polls waiting on the current one, pollWakeups the number
	// of long polls woken by a change so far (a cost measure).
	wakeGen     uint64
	pollWaiters int
	pollWakeups int64
	// testPollHook, if set (by tests only), is called with mu held in
	// every round of a worker's long poll, to inject faults.
	testPollHook func()
}

// Open starts a tracker over the store in cfg.Data. Jobs that were
// running when the previous tracker stopped are resumed with attempt
// numbers of a new epoch (1000 × epoch, as Hadoop's recovered application
// masters number them): their finished maps are kept if a worker still
// serves their outputs when it registers again within cfg.Expiry (at
// least 10 s), and everything else runs again (see recovery.go); finished
// jobs are kept as history.
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
		watch: make(chan struct{}), jobs: map[string]*job{}, workers: map[string]*worker{}}
	t.ctx, t.cancel = context.WithCancel(context.Background())
	t.tracker, t.seq, t.epoch, err = st.start(strconv.FormatInt(time.Now().UnixMilli(), 10))
	if err != nil {
		t.cancel()
		st.close()
		return nil, err
	}
	recs, err := st.jobs()
	if err != nil {
		t.cancel()
		st.close()
		return nil, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
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
		j.killedBy, j.killedAt = r.KilledBy, r.KilledAt
		if r.JobCounters != nil && j.ended() {
			j.jobCounters.Merge(r.JobCounters)
		}
		if !j.ended() {
			j.state = api.StateRunning
			j.diagnostics = ""
			t.log.Info("resume job after restart", "job", r.ID, "epoch", t.epoch)
			if err := t.holdFinishedMapsLocked(j); err != nil {
				t.log.Error("recover finished maps: run them again", "job", r.ID, "err", err)
			}
			t.recoverUntil = time.Now().Add(max(cfg.Expiry, minRecoveryWindow))
		}
		if j.state == api.StateFailed || j.state == api.StateKilled {
			// The tracker may have stopped before the abort finished.
			t.goBackground(func(ctx context.Context) { j.committer.AbortJob(ctx) })
		}
		t.jobs[r.ID] = j
		t.order = append(t.order, j)
	}
	t.goBackground(t.reap)
	return t, nil
}

// Close stops the tracker: it cancels the context of its background work
// (the reaper, job commits and aborts, job record writes), waits for every
// background goroutine to return, then closes the store, so that nothing
// writes to the store once it is closed. A commit or abort cut short is
// done again by the next tracker over the same store (the job is still
// RUNNING, or its final state FAILED or KILLED is already stored). Calls
// after the first return nil.
func (t *Tracker) Close() error {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil
	}
	t.closed = true
	t.cancel()
	t.mu.Unlock()
	t.bg.Wait()
	return t.store.close()
}

// goBackground runs f in a goroutine that Close cancels (through f's ctx)
// and waits for; after Close it does nothing. Callers hold mu.
func (t *Tracker) goBackground(f func(ctx context.Context)) {
	if t.closed {
		return
	}
	t.bg.Add(1)
	go func() {
		defer t.bg.Done()
		f(t.ctx)
	}()
}

// progressed records a change of j's progress or status text, which
// only status watchers need (a worker's poll or a reducer cannot get
// anything new from it): it wakes the watchers only. Callers hold mu.
func (t *Tracker) progressed(j *job) {
	j.version++
	close(t.watch)
	t.watch = make(chan struct{})
}

// changed records a change of the tracker's state and wakes every
// waiter: long polls, reducers and status watchers. Callers hold mu.
func (t *Tracker) changed(j *job) {
	if j != nil {
		j.version++
	}
	close(t.watch)
	t.watch = make(chan struct{})
	close(t.wake)
	t.wake = make(chan struct{})
	t.wakeGen++
	t.pollWakeups += int64(t.pollWaiters)
	t.pollWaiters = 0
}

// check calls ready with mu held and returns its answer with the channel
// that the next change (or, with progress, progress report) closes.
func (t *Tracker) check(progress bool, ready func() bool) (bool, <-chan struct{}) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if progress {
		return ready(), t.watch
	}
	return ready(), t.wake
}

// await waits until ready (called with mu held) holds, wait passes or ctx
// ends, looking again at every change of the tracker's state and, with
// progress, at every progress report.
func (t *Tracker) await(ctx context.Context, wait time.Duration, progress bool, ready func() bool) {
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		done, wake := t.check(progress, ready)
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
