package jobtracker

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"zebra/jobtracker/api"
	"zebra/mapreduce"
)

// This file holds the read-only views of the tracker that the web UI and
// the REST API (package web) show. Every accessor copies what it returns:
// nothing returned aliases the tracker's state, and nothing here changes
// it.

// JobSummary is a job as lists show it.
type JobSummary struct {
	ID   string
	Name string
	// User is who the client says submitted the job (the plan's User);
	// Owner is the tenant that was authenticated at submission (the
	// plan's Owner, "" for the cluster itself).
	User, Owner                          string
	State                                string
	Version                              int64
	Submitted, Finished                  time.Time
	Maps, Reduces, MapsDone, ReducesDone int
	// MapProgress and ReduceProgress are the job's progress in [0, 1],
	// counting running tasks' progress (see api.JobStatus).
	MapProgress, ReduceProgress float64
	// Diagnostics says why a job failed or was killed (Hadoop's
	// diagnostics); Triage is the failing attempt's last meaningful
	// stderr line (see api.AttemptInfo.Triage; "" if none), stderr that
	// only the job's owner may read. KilledBy and KilledAt say who killed
	// a KILLED job and when (see api.JobStatus.KilledBy).
	Diagnostics, Triage string
	KilledBy            string
	KilledAt            time.Time
}

func (j *job) summary() JobSummary {
	mp, rp := j.progress()
	s := JobSummary{MapProgress: mp, ReduceProgress: rp, ID: j.id.String(), Name: j.plan.Name, User: j.plan.User, Owner: j.plan.Owner, State: j.state,
		Version: j.version, Submitted: j.submitted, Finished: j.finished, Maps: len(j.maps), Reduces: len(j.reduces),
		MapsDone: j.mapsDone, ReducesDone: j.reducesDone, Diagnostics: j.diagnostics, KilledBy: j.killedBy, KilledAt: j.killedAt}
	if j.failure != nil {
		s.Triage = j.failure.Triage
	}
	return s
}

// JobSummaries returns every job's summary, newest first.
func (t *Tracker) JobSummaries() []JobSummary {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]JobSummary, 0, len(t.order))
	for i := len(t.order) - 1; i >= 0; i-- {
		out = append(out, t.order[i].summary())
	}
	return out
}

// JobSummary returns one job's summary; ok is false for an unknown job.
func (t *Tracker) JobSummary(id string) (s JobSummary, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if j := t.jobs[id]; j != nil {
		return j.summary(), true
	}
	return JobSummary{}, false
}

// JobCounters returns a job's counters: the total (final once the job
// has succeeded, else the job group plus every successful attempt so
// far) and the map and reduce parts of it that this tracker process saw
// (empty for a job that ended before the tracker last started).
func (t *Tracker) JobCounters(id string) (total, maps, reduces *mapreduce.Counters, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	j := t.jobs[id]
	if j == nil {
		return nil, nil, nil, false
	}
	total, maps, reduces = &mapreduce.Counters{}, &mapreduce.Counters{}, &mapreduce.Counters{}
	for _, tk := range j.maps {
		if tk.success != nil && tk.success.counters != nil {
			maps.Merge(tk.success.counters)
		}
	}
	for _, tk := range j.reduces {
		if tk.success != nil && tk.success.counters != nil {
			reduces.Merge(tk.success.counters)
		}
	}
	if j.counters != nil {
		total.Merge(j.counters)
	} else {
		total.Merge(&j.jobCounters)
		total.Merge(maps)
		total.Merge(reduces)
	}
	return total, maps, reduces, true
}

// WorkerView is a live worker as the cluster overview shows it.
type WorkerView struct {
	WorkerInfo
	// RunningMaps and RunningReduces are the slots in use.
	RunningMaps, RunningReduces int
	// LogURL is where the worker serves its attempt logs ("" if it does
	// not).
	LogURL string
	// Healthy is false once the worker has been silent for more than half
	// the expiry (it is declared lost at the expiry).
	Healthy bool
	// Attempts are the attempts running on the worker, by attempt id.
	Attempts []RunningAttempt
}

// RunningAttempt is an attempt running on a worker.
type RunningAttempt struct {
	Job, Attempt string
}

// ClusterTotals are the cluster's slots and its running jobs' tasks.
type ClusterTotals struct {
	Workers, MapSlots, ReduceSlots int
	// RunningMaps and RunningReduces are the slots in use; QueuedMaps
	// and QueuedReduces the tasks of running jobs waiting for a slot.
	RunningMaps, RunningReduces int
	QueuedMaps, QueuedReduces   int
}

// FreeMaps and FreeReduces are the slots not in use.
func (c ClusterTotals) FreeMaps() int    { return max(c.MapSlots-c.RunningMaps, 0) }
func (c ClusterTotals) FreeReduces() int { return max(c.ReduceSlots-c.RunningReduces, 0) }

// slotTotals sums the live workers' slots and the slots in use (the
// Queued fields are left zero).
func (t *Tracker) slotTotals() ClusterTotals {
	var c ClusterTotals
	for _, w := range t.WorkerViews() {
		c.Workers++
		c.MapSlots += w.MapSlots
		c.ReduceSlots += w.ReduceSlots
		c.RunningMaps += w.RunningMaps
		c.RunningReduces += w.RunningReduces
	}
	return c
}

// Totals sums the live workers' slots and counts the queued tasks.
func (t *Tracker) Totals() ClusterTotals {
	c := t.slotTotals()
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, j := range t.order {
		if j.ended() {
			continue
		}
		for _, tk := range j.maps {
			if tk.queued {
				c.QueuedMaps++
			}
		}
		for _, tk := range j.reduces {
			if tk.queued {
				c.QueuedReduces++
			}
		}
	}
	return c
}

// WorkerViews lists the live workers, by name.
func (t *Tracker) WorkerViews() []WorkerView {
	infos := t.Workers()
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]WorkerView, 0, len(infos))
	for _, i := range infos {
		v := WorkerView{WorkerInfo: i}
		if w := t.workers[i.ID]; w != nil {
			v.LogURL = w.reg.LogURL
			v.Healthy = w.polling > 0 || time.Since(w.lastSeen) < t.cfg.Expiry/2
			for _, a := range w.running {
				if a.id.Task.Kind == mapreduce.MapTask {
					v.RunningMaps++
				} else {
					v.RunningReduces++
				}
				v.Attempts = append(v.Attempts, RunningAttempt{Job: a.task.job.id.String(), Attempt: a.id.String()})
			}
			slices.SortFunc(v.Attempts, func(a, b RunningAttempt) int { return strings.Compare(a.Attempt, b.Attempt) })
		}
		out = append(out, v)
	}
	return out
}

// WorkerLogURL returns the log URL of the worker that ran an attempt: the
// worker with that id if it is still registered, else the live worker
// beside the same storage node (a worker that restarted registers again
// under a new id and keeps its logs); "" if there is none.
func (t *Tracker) WorkerLogURL(workerID, node string) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if w := t.workers[workerID]; w != nil {
		return w.reg.LogURL
	}
	for _, w := range t.workers {
		if w.reg.Node == node && w.reg.LogURL != "" {
			return w.reg.LogURL
		}
	}
	return ""
}

// TaskView is one task as the tasks table shows it.
type TaskView struct {
	ID    string
	Kind  string // "map" or "reduce"
	Index int
	State string // one of the Task* states
	// Attempt is the task's running, successful or else latest attempt
	// ("" if it has none); Worker and Node are where that attempt ran.
	Attempt, Worker, Node string
	// DataLocal is set for a map whose attempt ran beside a replica of its
	// split.
	DataLocal bool
	// Attempts counts the attempts started, over every tracker epoch.
	Attempts int
	// Started and Finished bound the attempt (Finished is zero while it
	// runs).
	Started, Finished time.Time
	// Split is a map's input (nil for a reduce).
	Split *mapreduce.Split
	// Status is the last status line of Attempt ("" if none); Progress
	// the task's fraction done in [0, 1] (1 once it succeeded).
	Status   string
	Progress float64
	// WorkerName is the name of the worker that ran Attempt (Worker is
	// its registration id, which changes when it registers again).
	WorkerName string
	// Error and Triage are, for a task that has not succeeded, why its
	// latest attempt ended (its api.AttemptInfo Error and Triage; "" if
	// none ended without success).
	Error, Triage string
	// RecordsIn, RecordsOut, BytesIn and BytesOut are what the task's
	// successful attempt read and wrote (see api.AttemptInfo.RecordsIn);
	// CPUMillis and PeakRSS what Attempt used, as its worker measured
	// it (0: not known).
	RecordsIn, RecordsOut, BytesIn, BytesOut int64
	CPUMillis, PeakRSS                       int64
}

// Duration is how long the task's attempt ran, until now while it runs
// (0 if it has not started).
func (v TaskView) Duration(now time.Time) time.Duration {
	switch {
	case v.Started.IsZero():
		return 0
	case v.Finished.IsZero():
		return max(now.Sub(v.Started), 0)
	}
	return max(v.Finished.Sub(v.Started), 0)
}

// TaskFilter selects tasks; the zero value selects all.
type TaskFilter struct {
	Kind  string // "map", "reduce" or "" for both
	State string // a Task* state or ""
	// Node is a worker id or storage node ("" for any).
	Node string
	// DataLocal is "yes", "no" or "" for any (reduces are never local).
	DataLocal string
}

func (f TaskFilter) match(v *TaskView) bool {
	return (f.Kind == "" || f.Kind == v.Kind) && (f.State == "" || f.State == v.State) &&
		(f.Node == "" || f.Node == v.Node || f.Node == v.Worker) &&
		(f.DataLocal == "" || (f.DataLocal == "yes") == v.DataLocal)
}

// TaskPage is one page of a job's tasks: Total is how many tasks match
// the filter.
type TaskPage struct {
	Total int
	Tasks []TaskView
}

// Tasks returns the tasks of a job that f selects, maps then reduces by
// index, skipping offset and returning at most limit (0: all); ok is false
// for an unknown job. A running job's tasks come from the tracker's
// memory; an ended job's from its stored attempt history (read once and
// cached), so that jobs from before a restart show the same.
func (t *Tracker) Tasks(id string, f TaskFilter, offset, limit int) (page TaskPage, ok bool, err error) {
	offset = max(offset, 0)
	t.mu.Lock()
	j := t.jobs[id]
	if j == nil {
		t.mu.Unlock()
		return TaskPage{}, false, nil
	}
	if j.ended() {
		version := j.version
		t.mu.Unlock()
		rows, err := t.historyTasks(j, version)
		if err != nil {
			return TaskPage{}, true, err
		}
		for i := range rows {
			if f.match(&rows[i]) {
				if page.Total >= offset && (limit <= 0 || len(page.Tasks) < limit) {
					page.Tasks = append(page.Tasks, rows[i])
				}
				page.Total++
			}
		}
		return page, true, nil
	}
	for _, tasks := range [][]*task{j.maps, j.reduces} {
		for _, tk := range tasks {
			v := tk.view(false)
			if !f.match(&v) {
				continue
			}
			if page.Total >= offset && (limit <= 0 || len(page.Tasks) < limit) {
				page.Tasks = append(page.Tasks, tk.view(true))
			}
			page.Total++
		}
	}
	t.mu.Unlock()
	return page, true, t.complete(id, page.Tasks)
}

// complete fills in, from the stored history, what the tracker's memory
// lacks of running-job task rows: attempts of earlier epochs and the
// finish times of successful attempts.
func (t *Tracker) complete(jobID string, rows []TaskView) error {
	hist, err := t.taskAttempts(jobID, rows)
	if err != nil {
		return err
	}
	for i := range rows {
		v := &rows[i]
		as := hist[v.ID]
		v.Attempts = max(v.Attempts, len(as))
		for _, a := range as {
			if a.ID == v.Attempt && v.State == mapreduce.StateSucceeded {
				v.Finished = a.Finished
			}
		}
		if n := len(as); n > 0 && v.State != mapreduce.StateSucceeded {
			if last := &as[n-1]; last.State == api.AttemptFailed || last.State == api.AttemptKilled {
				v.Error, v.Triage = last.Error, last.Triage
			}
		}
	}
	return nil
}

// view is the task as the tracker's memory has it, with its ids, input
// and output and usage if ids is set (filters need none); callers hold
// mu.
func (tk *task) view(ids bool) TaskView {
	v := TaskView{Kind: tk.id.Kind.String(), Index: tk.id.Index, Attempts: tk.attempts}
	var a *attempt
	switch {
	case tk.done:
		v.State, a = mapreduce.StateSucceeded, tk.success
	case tk.running != nil:
		v.State, a = mapreduce.StateRunning, tk.running
	case tk.queued:
		v.State = mapreduce.StateScheduled
	default:
		v.State = mapreduce.StateNew
	}
	if tk.id.Kind == mapreduce.MapTask {
		v.Split = &tk.job.plan.Splits[tk.id.Index]
	}
	if a != nil {
		v.Worker, v.Node, v.Started, v.WorkerName = a.worker.id, a.worker.reg.Node, a.started, a.worker.reg.Name
		v.Status, v.Progress = a.status, a.progress
		if tk.done {
			v.Progress, v.Finished = 1, a.finished
		}
		v.DataLocal = v.Split != nil && slices.Contains(v.Split.Hosts, v.Node)
		if ids {
			v.Attempt = a.id.String()
			v.RecordsIn, v.RecordsOut, v.BytesIn, v.BytesOut = ioOf(tk.id.Kind, a.counters)
			if a.usage != nil {
				v.CPUMillis, v.PeakRSS = a.usage.CPU.Milliseconds(), a.usage.PeakRSS
			}
		}
	}
	if ids {
		v.ID = tk.id.String()
	}
	return v
}

// Task returns one task of a job (ok false if either is unknown).
func (t *Tracker) Task(jobID, taskID string) (TaskView, bool, error) {
	tid, err := mapreduce.ParseTaskID(taskID)
	if err != nil || tid.Job.String() != jobID || tid.String() != taskID {
		return TaskView{}, false, nil
	}
	t.mu.Lock()
	j := t.jobs[jobID]
	if j == nil {
		t.mu.Unlock()
		return TaskView{}, false, nil
	}
	tasks, before := j.maps, 0
	if tid.Kind == mapreduce.ReduceTask {
		tasks, before = j.reduces, len(j.maps)
	}
	if tid.Index >= len(tasks) {
		t.mu.Unlock()
		return TaskView{}, false, nil
	}
	if j.ended() {
		version := j.version
		t.mu.Unlock()
		rows, err := t.historyTasks(j, version)
		if err != nil {
			return TaskView{}, true, err
		}
		return rows[before+tid.Index], true, nil
	}
	v := []TaskView{tasks[tid.Index].view(true)}
	t.mu.Unlock()
	err = t.complete(jobID, v)
	return v[0], true, err
}

// TaskAttempts returns the stored attempts of one task, by attempt
// number; ok is false for an unknown job.
func (t *Tracker) TaskAttempts(jobID, taskID string) ([]api.AttemptInfo, bool, error) {
	if _, ok := t.JobSummary(jobID); !ok {
		return nil, false, nil
	}
	hist, err := t.taskAttempts(jobID, []TaskView{{ID: taskID}})
	t.settle(jobID, hist[taskID])
	return hist[taskID], true, err
}

// settle shows stored attempts that can no longer be running as killed:
// those of an ended job (the tracker stops recording a job's attempts
// when it ends) and those of an earlier tracker epoch (lost in a
// restart).
func (t *Tracker) settle(jobID string, as []api.AttemptInfo) {
	t.mu.Lock()
	j := t.jobs[jobID]
	first := 1000 * (t.epoch - 1) // the first attempt number of this epoch
	var ended bool
	var finished time.Time
	live := map[string]*attempt{} // running attempts' live status
	if j != nil {
		ended, finished = j.ended(), j.finished
		for _, tasks := range [][]*task{j.maps, j.reduces} {
			for _, tk := range tasks {
				if a := tk.running; a != nil {
					live[a.id.String()] = a
				}
			}
		}
	}
	for i := range as {
		if a := live[as[i].ID]; a != nil && as[i].State == api.AttemptRunning {
			as[i].Status, as[i].Progress = a.status, a.progress
		}
	}
	t.mu.Unlock()
	for i := range as {
		a := &as[i]
		if a.State != api.AttemptRunning {
			continue
		}
		n, _ := strconv.Atoi(a.ID[strings.LastIndexByte(a.ID, '_')+1:])
		switch {
		case ended:
			a.State, a.Finished, a.Error = api.AttemptKilled, finished, "the job ended"
		case n < first:
			a.State, a.Error = api.AttemptKilled, "lost when the jobtracker restarted"
		}
	}
}

// Attempt returns one stored attempt of a job.
func (t *Tracker) Attempt(jobID, attemptID string) (api.AttemptInfo, bool, error) {
	a, err := mapreduce.ParseAttemptID(attemptID)
	if err != nil || a.Task.Job.String() != jobID {
		return api.AttemptInfo{}, false, nil
	}
	as, ok, err := t.TaskAttempts(jobID, a.Task.String())
	if !ok || err != nil {
		return api.AttemptInfo{}, false, err
	}
	for _, x := range as {
		if x.ID == attemptID {
			return x, true, nil
		}
	}
	return api.AttemptInfo{}, false, nil
}

// AllAttempts returns every stored attempt of a job (the store's queued
// records included, without forcing them to disk), in attempt id order,
// an attempt still RUNNING in a job that ended shown KILLED; ok is false
// for an unknown job.
func (t *Tracker) AllAttempts(jobID string) ([]api.AttemptInfo, bool, error) {
	j, ok := t.JobSummary(jobID)
	if !ok {
		return nil, false, nil
	}
	ended := j.State == api.StateSucceeded || j.State == api.StateFailed || j.State == api.StateKilled
	key := cacheKey(jobID, j.Version)
	if ended {
		if as, hit := t.store.endedAttempts.get(key); hit {
			return slices.Clone(as), true, nil
		}
	}
	out, err := t.store.scanAttempts(jobID + "/")
	t.settle(jobID, out)
	if err == nil && ended {
		t.store.endedAttempts.put(key, slices.Clone(out))
	}
	return out, true, err
}

// taskAttempts returns the stored attempts of the given tasks of a job,
// by task id: one seek per task for a page, one scan for many.
func (t *Tracker) taskAttempts(jobID string, tasks []TaskView) (map[string][]api.AttemptInfo, error) {
	out := map[string][]api.AttemptInfo{}
	if len(tasks) == 0 {
		return out, nil
	}
	if len(tasks) > 256 {
		all, err := t.store.scanAttempts(jobID + "/")
		if err != nil {
			return nil, err
		}
		for _, a := range all {
			tid := mapreduce.TaskOfAttempt(a.ID)
			out[tid] = append(out[tid], a)
		}
		return out, nil
	}
	for _, v := range tasks {
		// attempt_<tracker>_<seq>_<m|r>_<index>_ is the task's key prefix.
		prefix := jobID + "/" + strings.Replace(v.ID, "task_", "attempt_", 1) + "_"
		as, err := t.store.scanAttempts(prefix)
		if err != nil {
			return nil, err
		}
		if len(as) > 0 {
			out[v.ID] = as
		}
	}
	return out, nil
}

// historyTasks builds the task rows of an ended job from its stored
// attempts.
func (t *Tracker) historyTasks(j *job, version int64) ([]TaskView, error) {
	key := cacheKey(j.id.String(), version)
	if rows, ok := t.store.endedTasks.get(key); ok {
		return rows, nil
	}
	id := j.id.String()
	all, err := t.store.scanAttempts(id + "/")
	if err != nil {
		return nil, err
	}
	t.settle(id, all)
	byTask := map[string][]api.AttemptInfo{}
	for _, a := range all {
		tid := mapreduce.TaskOfAttempt(a.ID)
		byTask[tid] = append(byTask[tid], a)
	}
	t.mu.Lock()
	plan, state, finished, failure := j.plan, j.state, j.finished, j.failure
	nMaps, nReduces := len(j.maps), len(j.reduces)
	t.mu.Unlock()
	failedTask := ""
	if failure != nil {
		failedTask = mapreduce.TaskOfAttempt(failure.Attempt)
	}
	rows := make([]TaskView, 0, nMaps+nReduces)
	add := func(kind mapreduce.TaskKind, i int) {
		tid := mapreduce.TaskID{Job: j.id, Kind: kind, Index: i}
		v := TaskView{ID: tid.String(), Kind: kind.String(), Index: i}
		if kind == mapreduce.MapTask {
			v.Split = &plan.Splits[i]
		}
		as := byTask[v.ID]
		v.Attempts = len(as)
		var pick *api.AttemptInfo
		for k := range as {
			if as[k].State == api.AttemptSucceeded {
				pick = &as[k]
			}
		}
		switch {
		case pick != nil:
			v.State = mapreduce.StateSucceeded
		case state == api.StateSucceeded:
			v.State = mapreduce.StateSucceeded // its record was lost in a crash
		case v.ID == failedTask:
			v.State = mapreduce.StateFailed
		default:
			v.State = mapreduce.StateKilled
		}
		if pick == nil && len(as) > 0 {
			pick = &as[len(as)-1]
		}
		if pick != nil {
			v.Attempt, v.Worker, v.Node, v.Started, v.Finished = pick.ID, pick.Worker, pick.Node, pick.Started, pick.Finished
			v.Status, v.Progress, v.WorkerName = pick.Status, pick.Progress, pick.WorkerName
			v.RecordsIn, v.RecordsOut, v.BytesIn, v.BytesOut = pick.RecordsIn, pick.RecordsOut, pick.BytesIn, pick.BytesOut
			v.CPUMillis, v.PeakRSS = pick.CPUMillis, pick.PeakRSSBytes
			if pick.State == api.AttemptFailed || pick.State == api.AttemptKilled {
				v.Error, v.Triage = pick.Error, pick.Triage
			}
			if v.Finished.IsZero() {
				v.Finished = finished // it was running when the job ended
			}
			v.DataLocal = v.Split != nil && slices.Contains(v.Split.Hosts, v.Node)
		}
		rows = append(rows, v)
	}
	for i := 0; i < nMaps; i++ {
		add(mapreduce.MapTask, i)
	}
	for i := 0; i < nReduces; i++ {
		add(mapreduce.ReduceTask, i)
	}
	t.store.endedTasks.put(key, rows)
	return rows, nil
}

// WorkerExpiry is how long a worker may stay silent before it is lost.
func (t *Tracker) WorkerExpiry() time.Duration { return t.cfg.Expiry }

// Metrics is a snapshot of the tracker for monitoring.
type Metrics struct {
	// JobsByState counts every job the tracker knows, by job state.
	JobsByState map[string]int
	// TasksByState counts the tasks of running jobs, by Task* state.
	TasksByState map[string]int
	// Attempts sums the job counters of every job: attempts launched,
	// failed and killed, by kind ("map", "reduce") and outcome
	// ("launched", "failed", "killed").
	Attempts map[[2]string]int64
	// DataLocalMaps and OtherLocalMaps sum the map attempts launched
	// beside their split's data and elsewhere.
	DataLocalMaps, OtherLocalMaps int64
	// ShuffleBytes sums the bytes reduces fetched (Reduce shuffle bytes).
	ShuffleBytes int64
	// Workers counts the live workers; MapSlots, ReduceSlots their slots
	// and RunningMaps, RunningReduces the slots in use.
	Workers, MapSlots, ReduceSlots, RunningMaps, RunningReduces int
}

// Metrics returns a snapshot of the tracker for monitoring.
func (t *Tracker) Metrics() Metrics {
	m := Metrics{JobsByState: map[string]int{}, TasksByState: map[string]int{}, Attempts: map[[2]string]int64{}}
	slots := t.slotTotals()
	m.Workers, m.MapSlots, m.ReduceSlots, m.RunningMaps, m.RunningReduces = slots.Workers, slots.MapSlots, slots.ReduceSlots, slots.RunningMaps, slots.RunningReduces
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, j := range t.order {
		m.JobsByState[j.state]++
		c := j.counters
		if c == nil || !j.ended() {
			c = &j.jobCounters
		}
		for _, kind := range []string{"map", "reduce"} {
			m.Attempts[[2]string{kind, "launched"}] += c.Get(mapreduce.GroupJob, "Launched "+kind+" tasks")
			m.Attempts[[2]string{kind, "failed"}] += c.Get(mapreduce.GroupJob, "Failed "+kind+" tasks")
			m.Attempts[[2]string{kind, "killed"}] += c.Get(mapreduce.GroupJob, "Killed "+kind+" tasks")
		}
		m.DataLocalMaps += c.Get(mapreduce.GroupJob, "Data-local map tasks")
		m.OtherLocalMaps += c.Get(mapreduce.GroupJob, "Other local map tasks")
		if j.ended() {
			if j.counters != nil {
				m.ShuffleBytes += j.counters.Get(mapreduce.GroupTask, mapreduce.CounterReduceShuffleBytes)
			}
			continue
		}
		for _, tasks := range [][]*task{j.maps, j.reduces} {
			for _, tk := range tasks {
				m.TasksByState[tk.view(false).State]++
				if tk.success != nil && tk.success.counters != nil && tk.id.Kind == mapreduce.ReduceTask {
					m.ShuffleBytes += tk.success.counters.Get(mapreduce.GroupTask, mapreduce.CounterReduceShuffleBytes)
				}
			}
		}
	}
	return m
}

// TaskCounters returns the counters of a task's successful attempt and
// that attempt's id ("" and nil while it has none, for an unknown task,
// and for a job that ended before the tracker last started: attempts'
// counters are kept in memory only). The counters are a copy.
func (t *Tracker) TaskCounters(jobID, taskID string) (attempt string, c *mapreduce.Counters) {
	tid, err := mapreduce.ParseTaskID(taskID)
	if err != nil || tid.Job.String() != jobID {
		return "", nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	j := t.jobs[jobID]
	if j == nil {
		return "", nil
	}
	tasks := j.maps
	if tid.Kind == mapreduce.ReduceTask {
		tasks = j.reduces
	}
	if tid.Index >= len(tasks) || tasks[tid.Index].success == nil {
		return "", nil
	}
	a := tasks[tid.Index].success
	c = &mapreduce.Counters{}
	if a.counters != nil {
		c.Merge(a.counters)
	}
	return a.id.String(), c
}
