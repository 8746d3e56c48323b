package jobtracker

import (
	"errors"
	"fmt"
	"time"

	"zebra/jobtracker/api"
	"zebra/jobtracker/placement"
	"zebra/jobtracker/triage"
	"zebra/mapreduce"
)

// This file holds tasks and their attempts: placement onto a worker's
// slots, the right to commit, the end of an attempt and retries.

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
	// status and progress are the attempt's last status line and
	// fraction done, as its worker's polls and report gave them.
	status   string
	progress float64
	// triage and usage are what the attempt's report said of its end:
	// its last meaningful stderr line and its programs' usage.
	triage string
	usage  *mapreduce.Usage
	// finished, shuffled and sorted are a successful attempt's end and,
	// for a reduce, its shuffle's and merge's ends (for the views).
	finished, shuffled, sorted time.Time
}

// maxStatus bounds, in characters, the status line the tracker keeps of
// an attempt: workers cut statuses to the job's
// mapreduce.task.max.status.length already; this bounds what a job that
// raised that setting, or a worker, can make the tracker keep.
const maxStatus = 4096

// setProgress records a worker's report of a's progress and status,
// bounded; it reports whether what the views show changed (the status, or
// the progress by a whole percent).
func (a *attempt) setProgress(p api.AttemptProgress) bool {
	f := p.Progress
	if !(f >= 0) {
		f = 0
	}
	f = min(f, 1)
	st := a.status
	if p.Status != "" {
		st = mapreduce.BoundStatus(p.Status, maxStatus)
	}
	changed := st != a.status || int(f*100) != int(a.progress*100)
	a.status, a.progress = st, f
	return changed
}

// assignLocked hands queued tasks to w's free slots as placement.Place
// decides (jobs in submission order, maps before reduces, a map
// preferring a split stored beside w, a reduce only once its job's
// slow-start fraction of maps has finished, never a task on a worker
// where it already failed while other workers are up), then starts the
// attempts placed: the clock is read and history written here, outside
// Place.
//
// A job with gangs (api.Plan.Gangs) is placed across every live worker at
// once: a gang's attempts on other workers are started here too and
// handed to those workers at their next poll (worker.pending), which is
// woken.
func (t *Tracker) assignLocked(w *worker) []api.Assignment {
	out := w.pending
	w.pending = nil
	freeMap, freeReduce := w.free()
	if freeMap <= 0 && freeReduce <= 0 {
		return out
	}
	v := &placement.View{Workers: []placement.Worker{{ID: w.id, Nodes: w.nodes, FreeMaps: freeMap, FreeReduces: freeReduce}},
		Live: len(t.workers), LiveNodes: t.liveNodesLocked(), LocalityDelay: t.cfg.LocalityDelay}
	var jobs []*job
	gangs := false
	for _, j := range t.order {
		if j.ended() || j.queuedN == 0 {
			continue
		}
		jobs = append(jobs, j)
		pj := j.placementJob()
		gangs = gangs || len(pj.Gangs) > 0
		v.Jobs = append(v.Jobs, pj)
	}
	if len(jobs) == 0 {
		return out
	}
	workers := []*worker{w}
	if gangs {
		workers = t.gangWorkersLocked(v, w)
	}
	for _, a := range placement.Place(v, time.Now()) {
		j := jobs[a.Job]
		if a.Worker != 0 {
			if _, ok := j.gangOf[a.Index]; !ok || a.Kind != mapreduce.MapTask {
				continue // a single task for another worker: it takes its own at its poll
			}
		}
		tasks := j.maps
		if a.Kind == mapreduce.ReduceTask {
			tasks = j.reduces
		}
		tk := tasks[a.Index]
		tk.queued = false
		j.queuedN--
		if to := workers[a.Worker]; to != w {
			to.pending = append(to.pending, t.startLocked(tk, to))
			t.changed(nil) // wake its poll
			continue
		}
		out = append(out, t.startLocked(tk, w))
	}
	for _, j := range jobs {
		j.mapQ.trim()
		j.reduceQ.trim()
		for _, n := range w.nodes {
			if q := j.nodeQ[n]; q != nil {
				q.trim()
			}
		}
	}
	return out
}

// placementJob is the job's queues as placement reads them; callers hold
// mu until Place has returned.
func (j *job) placementJob() placement.Job {
	nodeQ := j.nodeQ
	return placement.Job{Maps: &j.mapQ, Reduces: &j.reduceQ,
		ByNode: func(n string) placement.Queue {
			if q := nodeQ[n]; q != nil {
				return q
			}
			return nil
		},
		ReducesReady: placement.SlowStartReached(j.mapsDone, len(j.maps), j.plan.SlowStart),
		Gangs:        j.queuedGangs()}
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
	i := api.AttemptInfo{ID: a.id.String(), State: state, Worker: a.worker.id, WorkerName: a.worker.reg.Name, Node: a.worker.reg.Node, Started: a.started, Error: errText,
		Status: a.status, Progress: a.progress, Triage: a.triage}
	i.SetUsage(a.usage)
	if state == api.AttemptSucceeded {
		i.Progress = 1
	}
	if state != api.AttemptRunning {
		i.Finished = time.Now().UTC()
	}
	return i
}

// ioOf is what an attempt of kind k read and wrote, by its counters c
// (see api.AttemptInfo.RecordsIn).
func ioOf(k mapreduce.TaskKind, c *mapreduce.Counters) (recordsIn, recordsOut, bytesIn, bytesOut int64) {
	if c == nil {
		return 0, 0, 0, 0
	}
	bytesOut = c.Get(mapreduce.GroupOutputFormat, mapreduce.CounterBytesWritten)
	if k == mapreduce.MapTask {
		if bytesOut == 0 {
			bytesOut = c.Get(mapreduce.GroupTask, mapreduce.CounterMapOutputMaterial)
		}
		return c.Get(mapreduce.GroupTask, mapreduce.CounterMapInputRecords), c.Get(mapreduce.GroupTask, mapreduce.CounterMapOutputRecords),
			c.Get(mapreduce.GroupInputFormat, mapreduce.CounterBytesRead), bytesOut
	}
	return c.Get(mapreduce.GroupTask, mapreduce.CounterReduceInputRecords), c.Get(mapreduce.GroupTask, mapreduce.CounterReduceOutputRecords),
		c.Get(mapreduce.GroupTask, mapreduce.CounterReduceShuffleBytes), bytesOut
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
	if r.Status != "" {
		a.status = mapreduce.BoundStatus(r.Status, maxStatus)
	}
	// The worker shortened its host paths; the generic rule and the
	// bounds apply again here, whatever worker sent the report.
	a.usage = r.Usage
	if r.State != api.AttemptSucceeded {
		a.triage = triage.Clean(triage.Shorten(r.Triage))
	}
	if r.State == api.AttemptSucceeded {
		a.counters, a.partitions, a.outputs = r.Counters, r.Partitions, r.Outputs
		tk.done, tk.success = true, a
		info := a.info(api.AttemptSucceeded, "")
		info.ShuffleFinished, info.SortFinished = r.ShuffleFinished, r.SortFinished
		a.finished, a.shuffled, a.sorted = info.Finished, r.ShuffleFinished, r.SortFinished
		info.RecordsIn, info.RecordsOut, info.BytesIn, info.BytesOut = ioOf(tk.id.Kind, r.Counters)
		t.store.putAttempt(j.id.String(), info)
		if tk.id.Kind == mapreduce.MapTask {
			j.mapsDone++
			if len(j.reduces) > 0 {
				t.keepMapLocked(a)
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
	t.failLocked(a, fk, r.Error, &api.Failure{Attempt: id, Error: r.Error, StartError: r.StartError, StderrTail: triage.Shorten(r.StderrTail),
		Log: r.Log, Kind: fk, Triage: a.triage})
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
	if _, ok := j.gangOf[tk.id.Index]; ok && tk.id.Kind == mapreduce.MapTask {
		return // placed with its gang (placementJob), from no queue
	}
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
