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
	var maps, reduces, shuffle, merge, reduce []time.Duration
	for i := range as {
		a := &as[i]
		if a.State != api.AttemptSucceeded || a.Finished.IsZero() {
			continue
		}
		run := a.Finished.Sub(a.Started)
		if strings.Contains(a.ID, "_m_") {
			maps = append(maps, run)
			continue
		}
		reduces = append(reduces, run)
		if a.ShuffleFinished.IsZero() || a.SortFinished.IsZero() {
			shuffle, merge, reduce = append(shuffle, 0), append(merge, 0), append(reduce, run)
			continue
		}
		shuffle = append(shuffle, a.ShuffleFinished.Sub(a.Started))
		merge = append(merge, a.SortFinished.Sub(a.ShuffleFinished))
		reduce = append(reduce, a.Finished.Sub(a.SortFinished))
	}
	return PhaseSummary{Map: statsOf(maps), Reduce: statsOf(reduces), Shuffle: statsOf(shuffle), Merge: statsOf(merge), ReducePhase: statsOf(reduce)}
}

// summaryCache keeps the last phase summary of a few jobs.
type summaryCache struct {
	mu   sync.Mutex
	jobs map[string]cachedSummary
}

type cachedSummary struct {
	version int64
	at      time.Time
	s       PhaseSummary
}

// bigJob is the most tasks a running job may have for its phase summary
// to be computed again at every change; a bigger one's is at most
// summaryAge old (each computation reads the job's whole attempt
// history).
const (
	bigJob     = 2000
	summaryAge = 5 * time.Second
)

// PhaseSummary summarizes a job's successful attempts (SummarizePhases);
// ok is false for an unknown job. An ended job's summary is computed
// once; a running job's again when it changed, but a job of more than
// 2,000 tasks at most every 5 seconds.
func (t *Tracker) PhaseSummary(jobID string) (s PhaseSummary, ok bool, err error) {
	j, ok := t.JobSummary(jobID)
	if !ok {
		return PhaseSummary{}, false, nil
	}
	ended := j.State == api.StateSucceeded || j.State == api.StateFailed || j.State == api.StateKilled
	c := &t.summaries
	c.mu.Lock()
	e, hit := c.jobs[jobID]
	c.mu.Unlock()
	if hit && (e.version == j.Version || !ended && j.Maps+j.Reduces > bigJob && time.Since(e.at) < summaryAge) {
		return e.s, true, nil
	}
	as, hitAttempts := t.store.endedAttempts.get(cacheKey(jobID, j.Version))
	if !ended || !hitAttempts {
		if as, err = t.store.scanAttempts(jobID + "/"); err != nil {
			return PhaseSummary{}, true, err
		}
	}
	s = SummarizePhases(as)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.jobs == nil || len(c.jobs) >= 64 {
		c.jobs = map[string]cachedSummary{}
	}
	c.jobs[jobID] = cachedSummary{version: j.Version, at: time.Now(), s: s}
	return s, true, nil
}

// TaskSortKeys are the columns the tasks table sorts on.
var TaskSortKeys = []string{"task", "state", "duration", "progress", "records", "bytes", "locality", "worker", "cpu", "memory", "started"}

// SortTasks orders rows by key (one of TaskSortKeys; records and bytes
// are a task's input, locality puts data-local maps first, duration runs
// until now for a running task), descending if desc; ties keep the
// table's order (maps then reduces, by index).
func SortTasks(rows []TaskView, key string, desc bool, now time.Time) error {
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
			return strings.Compare(a.WorkerName+"\x00"+a.Node, b.WorkerName+"\x00"+b.Node)
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
	slices.SortStableFunc(rows, func(a, b TaskView) int {
		d := by(&a, &b)
		if key == "task" {
			d = order(&a, &b)
		}
		if desc {
			d = -d
		}
		if d == 0 && key != "task" {
			d = order(&a, &b)
		}
		return d
	})
	return nil
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
