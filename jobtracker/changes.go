package jobtracker

// The change feed for watchers outside the tracker (the web UI's event
// streams): a channel closed at the next change of the tracker's state,
// and the jobs' versions, so that a watcher can tell which jobs changed
// without copying their tasks.

// Changed returns a channel that is closed at the tracker's next change
// of state (a job's, a task's, an attempt's or a worker's): at least at
// every change that grows a job's version, a running attempt's progress
// report included (TestChangedOnProgress). A watcher takes it, reads what
// it watches, then waits on it: nothing is missed between the two.
func (t *Tracker) Changed() <-chan struct{} {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.watch
}

// JobVersion is a job's version (it grows with every change of the job)
// with what a watcher needs to decide who may see the change.
type JobVersion struct {
	ID, Owner, State string
	Version          int64
}

// JobVersions appends every job's version to dst, newest job first, and
// returns it; it costs one step per job, not per task.
func (t *Tracker) JobVersions(dst []JobVersion) []JobVersion {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i := len(t.order) - 1; i >= 0; i-- {
		j := t.order[i]
		dst = append(dst, JobVersion{ID: j.id.String(), Owner: j.plan.Owner, State: j.state, Version: j.version})
	}
	return dst
}
