package jobtracker

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"zebra/jobtracker/api"
	"zebra/mapreduce"
)

// This file holds what the tasks page shows to find slow tasks: the
// order of the tasks table and the per-phase summary of a job's
// successful attempts (Spark's stage page summary, Hadoop's average
// map, shuffle, merge and reduce times).

// DurationStats summarizes durations: how many, the smallest, the median
// (the middle one; for an even count the mean of the two middle ones),
// the largest and the mean (the sum divided by the count, in whole
// milliseconds as Hadoop's averages are). The zero value has N 0.
type DurationStats struct {
	N                      int
	Min, Median, Max, Mean time.Duration
}

func statsOf(ds []time.Duration) DurationStats {
	if len(ds) == 0 {
		return DurationStats{}
	}
	ds = slices.Clone(ds)
	slices.Sort(ds)
	n := len(ds)
	s := DurationStats{N: n, Min: ds[0], Max: ds[n-1], Median: ds[n/2]}
	if n%2 == 0 {
		s.Median = (ds[n/2-1] + ds[n/2]) / 2
	}
	var sum int64
	for _, d := range ds {
		sum += d.Milliseconds()
	}
	s.Mean = time.Duration(sum/int64(n)) * time.Millisecond
	return s
}

// PhaseSummary summarizes a job's successful attempts: maps' and
// reduces' run times, and the reduces' shuffle, merge and reduce phases
// (api.HSReducePhases: a reduce attempt that reported no phase ends
// counts all its time as its reduce phase). Map.Mean, Shuffle.Mean,
// Merge.Mean and ReducePhase.Mean are Hadoop's job page's average map,
// shuffle, merge and reduce times.
type PhaseSummary struct {
	Map, Reduce                 DurationStats
	Shuffle, Merge, ReducePhase DurationStats
}

// SummarizePhases summarizes the SUCCEEDED attempts of as.
func SummarizePhases(as []api.AttemptInfo) PhaseSummary {
	var p phaseTimes
	for i := range as {
		a := &as[i]
		if a.State == api.AttemptSucceeded {
			p.add(strings.Contains(a.ID, "_m_"), a.Started, a.ShuffleFinished, a.SortFinished, a.Finished)
		}
	}
	return p.summary()
}

// phaseTimes collects successful attempts' durations by phase.
type phaseTimes struct {
	maps, reduces, shuffle, merge, reduce []time.Duration
}

// add adds a successful attempt that started, ended its shuffle and
// merge (a reduce; zero if not reported) and finished at these times; it
// ignores one without a finish time.
func (p *phaseTimes) add(isMap bool, started, shuffled, sorted, finished time.Time) {
	if finished.IsZero() {
		return
	}
	run := finished.Sub(started)
	if isMap {
		p.maps = append(p.maps, run)
		return
	}
	p.reduces = append(p.reduces, run)
	if shuffled.IsZero() || sorted.IsZero() {
		p.shuffle, p.merge, p.reduce = append(p.shuffle, 0), append(p.merge, 0), append(p.reduce, run)
		return
	}
	p.shuffle = append(p.shuffle, shuffled.Sub(started))
	p.merge = append(p.merge, sorted.Sub(shuffled))
	p.reduce = append(p.reduce, finished.Sub(sorted))
}

func (p *phaseTimes) summary() PhaseSummary {
	return PhaseSummary{Map: statsOf(p.maps), Reduce: statsOf(p.reduces), Shuffle: statsOf(p.shuffle), Merge: statsOf(p.merge),
		ReducePhase: statsOf(p.reduce)}
}

// summaryCache keeps the phase summaries of a few ended jobs, by job and
// version.
type summaryCache struct {
	mu   sync.Mutex
	jobs map[string]PhaseSummary
}

// PhaseSummary summarizes a job's successful attempts (SummarizePhases);
// ok is false for an unknown job. A running job's comes from the
// tracker's memory (its attempts of this tracker's epoch); an ended
// job's from its stored history, computed once.
func (t *Tracker) PhaseSummary(jobID string) (s PhaseSummary, ok bool, err error) {
	t.mu.Lock()
	j := t.jobs[jobID]
	if j == nil {
		t.mu.Unlock()
		return PhaseSummary{}, false, nil
	}
	if !j.ended() {
		var p phaseTimes
		for _, tasks := range [][]*task{j.maps, j.reduces} {
			for _, tk := range tasks {
				if a := tk.success; a != nil {
					p.add(tk.id.Kind == mapreduce.MapTask, a.started, a.shuffled, a.sorted, a.finished)
				}
			}
		}
		t.mu.Unlock()
		return p.summary(), true, nil
	}
	key := cacheKey(jobID, j.version)
	t.mu.Unlock()
	c := &t.summaries
	c.mu.Lock()
	s, hit := c.jobs[key]
	c.mu.Unlock()
	if hit {
		return s, true, nil
	}
	as, hit := t.store.endedAttempts.get(key)
	if !hit {
		if as, err = t.store.scanAttempts(jobID + "/"); err != nil {
			return PhaseSummary{}, true, err
		}
	}
	s = SummarizePhases(as)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.jobs == nil || len(c.jobs) >= 64 {
		c.jobs = map[string]PhaseSummary{}
	}
	c.jobs[key] = s
	return s, true, nil
}

// TaskSortKeys are the columns the tasks table sorts on.
var TaskSortKeys = []string{"task", "state", "duration", "progress", "records", "bytes", "locality", "worker", "cpu", "memory", "started"}

// SortTasks orders rows by key (one of TaskSortKeys; records and bytes
// are a task's input, locality puts data-local maps first, duration runs
// until now for a running task), descending if desc; ties keep the
// table's order (maps then reduces, by index).
func SortTasks(rows []TaskView, key string, desc bool, now time.Time) error {
	ps := make([]*TaskView, len(rows))
	for i := range rows {
		ps[i] = &rows[i]
	}
	if err := sortTaskPtrs(ps, key, desc, now); err != nil {
		return err
	}
	sorted := make([]TaskView, len(rows))
	for i, p := range ps {
		sorted[i] = *p
	}
	copy(rows, sorted)
	return nil
}

// sortTaskPtrs is SortTasks on pointers (rows are large: moving pointers
// is what keeps sorting 100,000 of them fast).
func sortTaskPtrs(rows []*TaskView, key string, desc bool, now time.Time) error {
	var by func(a, b *TaskView) int
	switch key {
	case "task":
		by = func(a, b *TaskView) int { return 0 }
	case "state":
		by = func(a, b *TaskView) int { return strings.Compare(a.State, b.State) }
	case "duration":
		by = func(a, b *TaskView) int { return cmp.Compare(a.Duration(now), b.Duration(now)) }
	case "progress":
		by = func(a, b *TaskView) int { return cmp.Compare(a.Progress, b.Progress) }
	case "records":
		by = func(a, b *TaskView) int { return cmp.Compare(a.RecordsIn, b.RecordsIn) }
	case "bytes":
		by = func(a, b *TaskView) int { return cmp.Compare(a.BytesIn, b.BytesIn) }
	case "locality":
		by = func(a, b *TaskView) int { return cmp.Compare(locality(a), locality(b)) }
	case "worker":
		by = func(a, b *TaskView) int {
			if c := strings.Compare(a.WorkerName, b.WorkerName); c != 0 {
				return c
			}
			return strings.Compare(a.Node, b.Node)
		}
	case "cpu":
		by = func(a, b *TaskView) int { return cmp.Compare(a.CPUMillis, b.CPUMillis) }
	case "memory":
		by = func(a, b *TaskView) int { return cmp.Compare(a.PeakRSS, b.PeakRSS) }
	case "started":
		by = func(a, b *TaskView) int { return a.Started.Compare(b.Started) }
	default:
		return fmt.Errorf("sort tasks: unknown key %q (one of %s)", key, strings.Join(TaskSortKeys, ", "))
	}
	order := func(a, b *TaskView) int { // the table's own order
		if a.Kind != b.Kind {
			return cmp.Compare(kindRank(a.Kind), kindRank(b.Kind))
		}
		return cmp.Compare(a.Index, b.Index)
	}
	slices.SortFunc(rows, func(a, b *TaskView) int {
		if key == "task" {
			if desc {
				return -order(a, b)
			}
			return order(a, b)
		}
		d := by(a, b)
		if desc {
			d = -d
		}
		if d == 0 {
			d = order(a, b)
		}
		return d
	})
	return nil
}

// SortedTasks is Tasks with the tasks that f selects ordered by key (see
// SortTasks) before offset and limit apply.
func (t *Tracker) SortedTasks(id string, f TaskFilter, key string, desc bool, offset, limit int) (page TaskPage, ok bool, err error) {
	if !slices.Contains(TaskSortKeys, key) {
		return TaskPage{}, true, fmt.Errorf("sort tasks: unknown key %q (one of %s)", key, strings.Join(TaskSortKeys, ", "))
	}
	offset = max(offset, 0)
	now := time.Now()
	t.mu.Lock()
	j := t.jobs[id]
	if j == nil {
		t.mu.Unlock()
		return TaskPage{}, false, nil
	}
	var sel []*TaskView
	running := !j.ended()
	if running {
		for _, tasks := range [][]*task{j.maps, j.reduces} {
			for _, tk := range tasks {
				if v := tk.view(true); f.match(&v) {
					sel = append(sel, &v)
				}
			}
		}
		t.mu.Unlock()
	} else {
		version := j.version
		t.mu.Unlock()
		rows, err := t.historyTasks(j, version)
		if err != nil {
			return TaskPage{}, true, err
		}
		for i := range rows { // read only: rows is the cache's
			if f.match(&rows[i]) {
				sel = append(sel, &rows[i])
			}
		}
	}
	if err := sortTaskPtrs(sel, key, desc, now); err != nil {
		return TaskPage{}, true, err
	}
	page.Total = len(sel)
	end := len(sel)
	if limit > 0 {
		end = min(offset+limit, len(sel))
	}
	for _, v := range sel[min(offset, len(sel)):end] {
		page.Tasks = append(page.Tasks, *v)
	}
	if running {
		err = t.complete(id, page.Tasks)
	}
	return page, true, err
}

func kindRank(kind string) int {
	if kind == mapreduce.MapTask.String() {
		return 0
	}
	return 1
}

// locality ranks a task for sorting: a data-local map first, then other
// maps that ran, then the rest.
func locality(v *TaskView) int {
	switch {
	case v.Kind != mapreduce.MapTask.String() || v.Attempt == "":
		return 2
	case v.DataLocal:
		return 0
	}
	return 1
}
