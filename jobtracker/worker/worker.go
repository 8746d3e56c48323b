// Package worker is zebra's worker daemon: it registers with a jobtracker,
// long-polls it for instances to run, runs them (in the sandbox the job
// asks for), keeps map outputs on local disk and serves them to reducers
// over ZeroMQ (package shuffle), and fetches its reducers' partitions from
// the other workers.
package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"zebra/jobtracker/api"
	"zebra/jobtracker/shuffle"
	"zebra/jobtracker/triage"
	"zebra/mapreduce"
)

// BuildFunc rebuilds a submitted job from its plan on this worker; dir is
// the job's local directory (holding bundle.tar if the job has files).
type BuildFunc func(ctx context.Context, p *api.Plan, id mapreduce.JobID, dir string) (*mapreduce.Job, error)

// Config configures a Worker.
type Config struct {
	// JobTracker is the jobtracker's URL.
	JobTracker string
	// Data holds job files, map outputs and attempt logs.
	Data string
	// Name identifies the worker; Node is the storage node it sits beside
	// (default: Name).
	Name, Node string
	// MapSlots and ReduceSlots bound the instances running at once.
	MapSlots, ReduceSlots int
	// Shuffle is the ZeroMQ endpoint to serve map outputs on (default
	// tcp://127.0.0.1:*).
	Shuffle string
	// FetchTimeout bounds the silence of a worker serving a map output
	// before the fetch fails (default: the shuffle package's).
	FetchTimeout time.Duration
	// ShuffleKey, if set, is the cluster's shuffle keypair: the shuffle
	// server is a CURVE server with it that admits only clients with the
	// same key, and fetches are CURVE clients with it that accept only a
	// server with it (shuffle.ListenSecure). Nil: plain ZeroMQ.
	ShuffleKey *shuffle.Curve
	// Transport, if set, is the Shuffle used instead of a ZeroMQ server
	// on Shuffle (Shuffle, FetchTimeout and ShuffleKey are then unused).
	Transport Shuffle
	Build     BuildFunc
	Logger    *slog.Logger
	// LogURL is where this worker serves its attempt logs (see
	// ServeLogs), announced at registration; Token, if set, is the
	// cluster token sent to the jobtracker (default $ZEBRA_TOKEN).
	LogURL, Token string
}

// fetchOptions are the options of a worker's ZeroMQ fetches.
func fetchOptions(cfg Config) shuffle.FetchOptions {
	o := shuffle.FetchOptions{Timeout: cfg.FetchTimeout}
	if k := cfg.ShuffleKey; k != nil {
		o.Curve, o.ServerKey = k, k.Public
	}
	return o
}

// Worker is one running worker daemon.
type Worker struct {
	cfg     Config
	log     *slog.Logger
	client  *api.Client
	shuffle Shuffle
	id      string

	mu      sync.Mutex
	running map[string]*running // attempt id → running attempt
	jobs    map[string]*jobEntry
	outputs map[string][]string // job id → served map output ids
}

type running struct {
	as     api.Assignment
	cancel context.CancelFunc
	// prog is the attempt's progress and status, sent with every poll.
	prog *mapreduce.Progress
}

type jobEntry struct {
	mu  sync.Mutex // held while the job is fetched and built
	job *mapreduce.Job
	dir string
}

// Run registers with the jobtracker and serves until ctx ends. It returns
// an error if the jobtracker refuses the worker (a protocol mismatch, bad
// slots); a jobtracker that is down is retried until ctx ends.
func Run(ctx context.Context, cfg Config) error {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Node == "" {
		cfg.Node = cfg.Name
	}
	if cfg.Shuffle == "" {
		cfg.Shuffle = "tcp://127.0.0.1:*"
	}
	client, err := api.NewClient(cfg.JobTracker)
	if err != nil {
		return err
	}
	if cfg.Token != "" {
		client.Token = cfg.Token
	}
	if err := os.MkdirAll(cfg.Data, 0o755); err != nil {
		return fmt.Errorf("create worker data directory: %w", err)
	}
	lock, err := lockData(cfg.Data)
	if err != nil {
		return err
	}
	defer lock.Close()
	if err := clearLeftovers(cfg.Data, cfg.Logger); err != nil {
		return err
	}
	for _, d := range []string{"jobs", "work", "logs"} {
		if err := os.MkdirAll(filepath.Join(cfg.Data, d), 0o755); err != nil {
			return fmt.Errorf("create worker data directory: %w", err)
		}
	}
	srv := cfg.Transport
	if srv == nil {
		var s *shuffle.Server
		if cfg.ShuffleKey != nil {
			s, err = shuffle.ListenSecure(ctx, cfg.Shuffle, cfg.Logger, *cfg.ShuffleKey, []string{cfg.ShuffleKey.Public})
		} else {
			s, err = shuffle.Listen(ctx, cfg.Shuffle, cfg.Logger)
		}
		if err != nil {
			return fmt.Errorf("start shuffle server: %w", err)
		}
		defer s.Close()
		srv = zmqShuffle{Server: s, opt: fetchOptions(cfg)}
	}
	w := &Worker{cfg: cfg, log: cfg.Logger.With("component", "worker", "worker", cfg.Name), client: client, shuffle: srv,
		running: map[string]*running{}, jobs: map[string]*jobEntry{}, outputs: map[string][]string{}}
	defer w.killAll()
	for ctx.Err() == nil {
		if err := w.register(ctx); err != nil {
			return err
		}
		w.pollLoop(ctx)
	}
	return nil
}

// trashPrefix names the directories under a worker's data directory that
// hold what clearLeftovers moved aside until they are deleted.
const trashPrefix = "trash-"

// clearLeftovers moves aside what an earlier process of this worker left
// in jobs/ and work/ (it was killed, or the machine stopped): the jobs,
// attempts and map outputs it served lived in its memory and died with it,
// and forget, which removes a job's directories, is never called for them.
// Only job_* entries are taken; the attempt logs (logs/) stay, as after a
// clean stop. The entries are renamed into a trash-* directory at once and
// deleted in the background, so that nothing a task left behind (a tree
// deeper than the open-file limit, millions of files) can keep the worker
// from starting; a failed deletion is logged and retried at the next
// start. A directory holding a jobtracker's store is refused: its jobs/
// are the tracker's job bundles.
func clearLeftovers(data string, logger *slog.Logger) error {
	if _, err := os.Lstat(filepath.Join(data, "jobtracker.db")); err == nil {
		return fmt.Errorf("worker data directory %s holds a jobtracker's store (jobtracker.db): give the worker a directory of its own with --data", data)
	}
	trash := filepath.Join(data, fmt.Sprintf("%s%d", trashPrefix, time.Now().UnixNano()))
	moved := 0
	for _, d := range []string{"jobs", "work"} {
		ents, _ := os.ReadDir(filepath.Join(data, d))
		for _, e := range ents {
			if !strings.HasPrefix(e.Name(), "job_") {
				continue
			}
			if moved == 0 {
				if err := os.Mkdir(trash, 0o700); err != nil {
					return fmt.Errorf("clear worker data directory: %w", err)
				}
			}
			if err := os.Rename(filepath.Join(data, d, e.Name()), filepath.Join(trash, d+"-"+e.Name())); err != nil {
				return fmt.Errorf("clear worker data directory: %w", err)
			}
			moved++
		}
	}
	if moved > 0 {
		logger.Info("moved aside what an earlier worker process left", "dir", trash, "entries", moved)
	}
	old, _ := filepath.Glob(filepath.Join(data, trashPrefix+"*"))
	for _, d := range old {
		go func() {
			if err := os.RemoveAll(d); err != nil {
				logger.Warn("remove what an earlier worker process left (retried at the next start)", "dir", d, "err", err)
			}
		}()
	}
	return nil
}

// lockData takes an exclusive flock on the worker's data directory for
// the process's life: two workers on one directory would remove each
// other's jobs.
func lockData(dir string) (*os.File, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("lock worker data directory: %w", err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, fmt.Errorf("worker data directory %s is in use by another worker process: give each worker its own --data", dir)
		}
		return nil, fmt.Errorf("lock worker data directory: %w", err)
	}
	return f, nil
}

// register introduces the worker, retrying while the jobtracker is
// unreachable.
func (w *Worker) register(ctx context.Context) error {
	reg := api.Registration{Protocol: api.ProtocolVersion, Name: w.cfg.Name, Node: w.cfg.Node,
		MapSlots: w.cfg.MapSlots, ReduceSlots: w.cfg.ReduceSlots, Shuffle: w.shuffle.Endpoint(), LogURL: w.cfg.LogURL}
	w.mu.Lock()
	for _, outs := range w.outputs {
		reg.MapOutputs = append(reg.MapOutputs, outs...)
	}
	w.mu.Unlock()
	sort.Strings(reg.MapOutputs)
	delay := 100 * time.Millisecond
	for {
		var out api.Registered
		err := w.client.Do(ctx, http.MethodPost, "/internal/v1/workers", reg, &out)
		if err == nil {
			w.mu.Lock()
			w.id = out.ID
			w.mu.Unlock()
			w.log.Info("registered", "id", out.ID, "jobtracker", w.client.URL(), "shuffle", reg.Shuffle)
			return nil
		}
		var se *api.StatusError
		if errors.As(err, &se) && se.Code == http.StatusBadRequest {
			return fmt.Errorf("the jobtracker at %s refused this worker: %s", w.client.URL(), se.Message)
		}
		if ctx.Err() != nil {
			return nil
		}
		w.log.Warn("cannot reach the jobtracker; retrying", "jobtracker", w.client.URL(), "err", err, "in", delay)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(delay):
		}
		delay = min(2*delay, 5*time.Second)
	}
}

// pollLoop long-polls for work until the jobtracker forgets this worker
// or ctx ends.
func (w *Worker) pollLoop(ctx context.Context) {
	failures := 0
	for ctx.Err() == nil {
		var reply api.PollReply
		err := w.client.Do(ctx, http.MethodPost, "/internal/v1/workers/"+w.workerID()+"/poll", w.pollState(), &reply)
		if api.IsStatus(err, http.StatusNotFound) {
			w.log.Warn("the jobtracker does not know this worker (restarted, or it thought us lost); registering again")
			return
		}
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			failures++
			if failures%10 == 1 {
				w.log.Warn("poll failed", "err", err)
			}
			select {
			case <-ctx.Done():
			case <-time.After(200 * time.Millisecond):
			}
			if failures > 25 {
				return // re-register: the jobtracker may have restarted
			}
			continue
		}
		failures = 0
		for _, id := range reply.Kill {
			w.kill(id)
		}
		for _, id := range reply.Forget {
			w.forget(id)
		}
		for _, as := range reply.Assign {
			w.start(ctx, as)
		}
	}
}

// workerID is the id the jobtracker gave at the last registration.
func (w *Worker) workerID() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.id
}

func (w *Worker) pollState() api.Poll {
	w.mu.Lock()
	defer w.mu.Unlock()
	p := api.Poll{FreeMapSlots: w.cfg.MapSlots, FreeReduceSlots: w.cfg.ReduceSlots, Running: []string{}, Jobs: []string{}}
	for id, r := range w.running {
		p.Running = append(p.Running, id)
		p.Progress = append(p.Progress, api.AttemptProgress{Attempt: id, Progress: r.prog.Value(), Status: r.prog.Status()})
		if r.as.Kind == "map" {
			p.FreeMapSlots--
		} else {
			p.FreeReduceSlots--
		}
	}
	for id := range w.jobs {
		p.Jobs = append(p.Jobs, id)
	}
	sort.Strings(p.Running)
	sort.Strings(p.Jobs)
	sort.Slice(p.Progress, func(i, j int) bool { return p.Progress[i].Attempt < p.Progress[j].Attempt })
	return p
}

func (w *Worker) kill(id string) {
	w.mu.Lock()
	r := w.running[id]
	w.mu.Unlock()
	if r != nil {
		w.log.Info("killing attempt", "attempt", id)
		r.cancel()
	}
}

func (w *Worker) killAll() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, r := range w.running {
		r.cancel()
	}
}

// forget drops everything the worker keeps of an ended job.
func (w *Worker) forget(id string) {
	w.mu.Lock()
	for aid, r := range w.running {
		if r.as.Job == id {
			r.cancel()
			delete(w.running, aid)
		}
	}
	outs := w.outputs[id]
	delete(w.outputs, id)
	delete(w.jobs, id)
	w.mu.Unlock()
	for _, o := range outs {
		w.shuffle.Remove(o)
	}
	os.RemoveAll(filepath.Join(w.cfg.Data, "work", id))
	os.RemoveAll(filepath.Join(w.cfg.Data, "jobs", id))
}

// start runs an assignment in its own goroutine.
func (w *Worker) start(ctx context.Context, as api.Assignment) {
	actx, cancel := context.WithCancel(ctx)
	w.mu.Lock()
	w.running[as.Attempt] = &running{as: as, cancel: cancel, prog: &mapreduce.Progress{}}
	w.mu.Unlock()
	go func() {
		defer cancel()
		rep := w.runAttempt(actx, as)
		// The attempt stays in the running set until its end is reported,
		// so that the jobtracker never mistakes an unreported attempt for
		// a lost one.
		defer func() {
			w.mu.Lock()
			delete(w.running, as.Attempt)
			w.mu.Unlock()
		}()
		if ctx.Err() != nil {
			return // the worker is stopping
		}
		w.report(ctx, as.Attempt, rep)
	}()
}

// report sends an attempt's end to the jobtracker, retrying for up to two
// minutes while it cannot be reached (a restarting jobtracker answers 404
// or 410 for attempts it no longer knows: those reports are dropped).
func (w *Worker) report(ctx context.Context, attempt string, rep api.AttemptReport) {
	delay := 100 * time.Millisecond
	deadline := time.Now().Add(2 * time.Minute)
	for {
		rep.Worker = w.workerID() // the worker may have registered again meanwhile
		rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := w.client.Do(rctx, http.MethodPost, "/internal/v1/attempts/"+attempt+"/done", rep, nil)
		cancel()
		var se *api.StatusError
		if err == nil || errors.As(err, &se) && se.Code/100 == 4 {
			if err != nil {
				w.log.Info("attempt report refused", "attempt", attempt, "err", err)
			}
			return
		}
		if ctx.Err() != nil || time.Now().After(deadline) {
			w.log.Warn("report attempt: giving up", "attempt", attempt, "err", err)
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		delay = min(2*delay, 5*time.Second)
	}
}

// job returns the rebuilt job, fetching its plan and bundle on first use.
func (w *Worker) job(ctx context.Context, id string) (*mapreduce.Job, error) {
	w.mu.Lock()
	e := w.jobs[id]
	if e == nil {
		e = &jobEntry{dir: filepath.Join(w.cfg.Data, "jobs", id)}
		w.jobs[id] = e
	}
	w.mu.Unlock()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.job == nil {
		// A failure (say, a killed first attempt's cancelled fetch) is not
		// kept: the next attempt tries again.
		job, err := w.fetchJob(ctx, id, e.dir)
		if err != nil {
			return nil, err
		}
		e.job = job
	}
	return e.job, nil
}

func (w *Worker) fetchJob(ctx context.Context, id, dir string) (*mapreduce.Job, error) {
	jid, err := mapreduce.ParseJobID(id)
	if err != nil {
		return nil, err
	}
	var p api.Plan
	if err := w.client.Do(ctx, http.MethodGet, "/internal/v1/jobs/"+id+"/plan", nil, &p); err != nil {
		return nil, mapreduce.E("fetch job plan", mapreduce.Infra, id, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, mapreduce.E("create job directory", mapreduce.Infra, dir, err)
	}
	f, err := os.Create(filepath.Join(dir, "bundle.tar.part"))
	if err != nil {
		return nil, mapreduce.E("fetch job bundle", mapreduce.Infra, dir, err)
	}
	err = w.client.Do(ctx, http.MethodGet, "/internal/v1/jobs/"+id+"/bundle", nil, f)
	size, _ := f.Seek(0, 1)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, mapreduce.E("fetch job bundle", mapreduce.Infra, id, err)
	}
	if size > 0 {
		if err := os.Rename(f.Name(), filepath.Join(dir, "bundle.tar")); err != nil {
			return nil, mapreduce.E("fetch job bundle", mapreduce.Infra, id, err)
		}
	} else {
		os.Remove(f.Name())
	}
	job, err := w.cfg.Build(ctx, &p, jid, dir)
	if err != nil {
		return nil, err
	}
	job.PieceParallelism = max(1, runtime.NumCPU()/max(1, w.cfg.MapSlots))
	return job, nil
}

// progress is the progress of a started attempt (a fresh one if the
// attempt was not started through start).
func (w *Worker) progress(attempt string) *mapreduce.Progress {
	w.mu.Lock()
	defer w.mu.Unlock()
	if r := w.running[attempt]; r != nil {
		return r.prog
	}
	return &mapreduce.Progress{}
}

// runAttempt runs one attempt and returns its report (without Worker).
// Its report carries the attempt's last status line.
func (w *Worker) runAttempt(ctx context.Context, as api.Assignment) (rep api.AttemptReport) {
	prog := w.progress(as.Attempt)
	defer func() { rep.Status = prog.Status() }()
	workDir := filepath.Join(w.cfg.Data, "work", as.Job, as.Attempt)
	fail := func(err error) api.AttemptReport {
		r := api.AttemptReport{State: api.AttemptFailed, Error: tenantPaths(err.Error(), w.cfg.Data, workDir, w.cfg.Name), Kind: classify(ctx, err)}
		if r.Kind == api.FailureKilled {
			r.State = api.AttemptKilled
		}
		return r
	}
	a, err := mapreduce.ParseAttemptID(as.Attempt)
	if err != nil {
		return fail(err)
	}
	job, err := w.job(ctx, as.Job)
	if err != nil {
		return fail(err)
	}
	prog.MaxStatus, _ = job.Conf.Int(mapreduce.KeyMaxStatusLength, mapreduce.DefaultMaxStatusLength)
	logDir := filepath.Join(w.cfg.Data, "logs", as.Job, as.Attempt)
	log, err := mapreduce.NewAttemptLog(logDir)
	if err != nil {
		return fail(err)
	}
	// Where the log is, for the job's owner: the worker and the log's
	// place under its data directory (the host path is not the tenant's).
	logRef := w.cfg.Name + ":" + path.Join("logs", as.Job, as.Attempt, filepath.Base(log.Path()))
	defer log.Close()
	t := &mapreduce.TaskContext{Attempt: a, Partition: a.Task.Index, Conf: job.Conf, Dir: workDir,
		Counters: &mapreduce.Counters{}, Stderr: log, SetStatus: prog.SetStatus, Progress: prog, Logger: w.log.With(mapreduce.LogKeyAttempt, as.Attempt),
		Usage: &mapreduce.UsageMeter{}}
	defer func() { rep.Usage = usageOf(t.Usage) }()
	c := &mapreduce.Committer{FS: job.OutputFS, Out: job.Output, Job: job.ID, Marker: job.OutSpec.MarkSuccess, Shared: job.OutSpec.Shared,
		CanCommit: func(ctx context.Context, a mapreduce.AttemptID) error {
			return w.client.Do(ctx, http.MethodPost, "/internal/v1/attempts/"+a.String()+"/commit?worker="+w.workerID(), nil, nil)
		}}
	var partitions []int64
	var shuffled time.Time
	if a.Task.Kind == mapreduce.MapTask {
		if a.Task.Index >= len(job.Splits) {
			return fail(fmt.Errorf("map %d: the job has %d splits", a.Task.Index, len(job.Splits)))
		}
		t.Split = &job.Splits[a.Task.Index]
		var out mapreduce.MapOutput
		out, err = mapreduce.RunMap(ctx, job, t, c)
		if err == nil && job.NumReduces > 0 {
			for _, s := range out.Segments {
				partitions = append(partitions, s.Length)
			}
			w.mu.Lock()
			w.outputs[as.Job] = append(w.outputs[as.Job], as.Attempt)
			w.mu.Unlock()
			w.shuffle.Add(as.Attempt, out)
		}
	} else {
		var segs []mapreduce.Segment
		segs, err = w.fetchAll(ctx, job, a, filepath.Join(workDir, "fetched"), prog)
		shuffled = time.Now().UTC()
		if err == nil {
			err = mapreduce.RunReduce(ctx, job, t, c, segs)
		}
		os.RemoveAll(workDir)
	}
	if rerr := mapreduce.RecordAttempt(logDir, job, t, err); rerr != nil {
		w.log.Warn("keep attempt record", "err", rerr)
	}
	if err != nil {
		if a.Task.Kind == mapreduce.MapTask {
			os.RemoveAll(workDir)
		}
		r := fail(err)
		roots := w.hostRoots(workDir)
		tail := string(log.Tail())
		r.StderrTail = triage.Shorten(tail, roots...)
		r.Triage = triage.Line(tail, roots...)
		r.Log = logRef
		r.StartError = startError(err)
		return r
	}
	addUsageCounters(t.Counters, t.Usage.Total())
	rep = api.AttemptReport{State: api.AttemptSucceeded, Counters: t.Counters, Digests: t.Digests, Partitions: partitions, Outputs: t.Committed,
		Log: logRef}
	if a.Task.Kind == mapreduce.ReduceTask {
		rep.ShuffleFinished, rep.SortFinished = shuffled, t.SortFinished.UTC()
	}
	return rep
}

// hostRoots are the worker's host directories a task's messages may
// name, as given and as their links resolve: the directory the task's
// programs run in (streaming's "work" under the attempt's directory),
// the attempt's directory workDir and the worker's data directory (see
// triage.Shorten).
func (w *Worker) hostRoots(workDir string) []string {
	var out []string
	for _, d := range []string{filepath.Join(workDir, "work"), workDir, w.cfg.Data} {
		if abs, err := filepath.Abs(d); err == nil {
			out = append(out, abs)
			if real, err := filepath.EvalSymlinks(abs); err == nil && real != abs {
				out = append(out, real)
			}
		}
	}
	return out
}

// usageOf is the report's usage of an attempt's programs (nil if none
// was measured).
func usageOf(m *mapreduce.UsageMeter) *mapreduce.Usage {
	u := m.Total()
	if u.Programs == 0 {
		return nil
	}
	return &u
}

// addUsageCounters sets Hadoop's task counters of CPU time and memory
// (CPU_MILLISECONDS, PHYSICAL_MEMORY_BYTES) to what the runner measured
// of a successful attempt's programs; none if it measured nothing. Hadoop
// samples its task's process tree; zebra counts the CPU time of the
// attempt's programs and their instances' peak memory. As Hadoop's task
// sets them (setValue) from its measure at the end, whatever a program's
// reporter:counter: lines added to them is replaced: a tenant's program
// cannot make its job's accounting show less (or more) than it used.
func addUsageCounters(c *mapreduce.Counters, u mapreduce.Usage) {
	if u.Programs == 0 {
		return
	}
	for name, v := range map[string]int64{
		"CPU time spent (ms)":              u.CPU.Milliseconds(), // CPU_MILLISECONDS
		"Physical memory (bytes) snapshot": u.PeakRSS,            // PHYSICAL_MEMORY_BYTES
	} {
		c.Add(mapreduce.GroupTask, name, v-c.Get(mapreduce.GroupTask, name))
	}
}

// StartErrorFunc, if set, extracts the "cannot start program" reason of
// an attempt error (streaming.StartError); cmd/zebra sets it.
var StartErrorFunc func(error) string

func startError(err error) string {
	if StartErrorFunc == nil {
		return ""
	}
	return StartErrorFunc(err)
}

// fetchAll fetches this reduce's partition of every map output, as the
// jobtracker announces them, into dir; it returns the segments in map
// order. A map output that cannot be fetched is reported, and the fetch
// waits for the map's next attempt.
func (w *Worker) fetchAll(ctx context.Context, job *mapreduce.Job, a mapreduce.AttemptID, dir string, prog *mapreduce.Progress) ([]mapreduce.Segment, error) {
	n := len(job.Splits)
	segs := make([]mapreduce.Segment, n)
	from := make([]string, n) // the map attempt each segment came from
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, mapreduce.E("create fetch directory", mapreduce.Infra, dir, err)
	}
	remaining, next := n, 0
	for remaining > 0 {
		var out api.MapOutputs
		q := fmt.Sprintf("/internal/v1/jobs/%s/map-outputs?from=%d&wait=2000", job.ID, next)
		if err := w.client.Do(ctx, http.MethodGet, q, nil, &out); err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(200 * time.Millisecond):
			}
			continue
		}
		if out.Ended {
			return nil, mapreduce.E("fetch map outputs", mapreduce.Infra, job.ID.String(), errors.New("the job has ended"))
		}
		next = out.From + len(out.Events)
		type result struct {
			ev  api.MapOutputEvent
			seg mapreduce.Segment
			err error
		}
		var fetch []api.MapOutputEvent
		for _, ev := range out.Events {
			if ev.Map < 0 || ev.Map >= n {
				continue
			}
			if ev.Obsolete {
				if from[ev.Map] == ev.Attempt {
					from[ev.Map] = ""
					remaining++
				}
				continue
			}
			fetch = append(fetch, ev)
		}
		results := make(chan result, len(fetch))
		sem := make(chan struct{}, 5) // Hadoop's mapreduce.reduce.shuffle.parallelcopies
		for _, ev := range fetch {
			go func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				p := filepath.Join(dir, fmt.Sprintf("map_%06d_%s.seg", ev.Map, ev.Attempt))
				seg, err := w.shuffle.Fetch(ctx, ev.Endpoint, ev.Attempt, a.Task.Index, p)
				results <- result{ev, seg, err}
			}()
		}
		for range fetch {
			r := <-results
			if r.err != nil {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				w.log.Warn("fetch failed", "map", r.ev.Attempt, "endpoint", r.ev.Endpoint, "err", r.err)
				f := api.FetchFailure{Map: r.ev.Attempt, Error: r.err.Error(), Missing: errors.Is(r.err, shuffle.ErrNotFound)}
				if err := w.client.Do(ctx, http.MethodPost, "/internal/v1/attempts/"+a.String()+"/fetch-failure?worker="+w.workerID(), f, nil); err != nil && !strings.Contains(err.Error(), "context canceled") {
					w.log.Warn("report fetch failure", "err", err)
				}
				continue
			}
			if from[r.ev.Map] == "" {
				remaining--
				prog.Set(mapreduce.ReduceProgress(mapreduce.ReduceShufflePhase, int64(n-remaining), int64(n)))
			}
			segs[r.ev.Map], from[r.ev.Map] = r.seg, r.ev.Attempt
		}
	}
	return segs, nil
}
