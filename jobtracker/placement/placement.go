// Package placement decides which queued tasks run in which free worker
// slots. It is pure: Place reads a View, a read-only snapshot of the
// cluster that the jobtracker builds under its lock, and the time it is
// given, and returns assignments. It reads no clock, writes no history and
// changes nothing in the view; the jobtracker applies the assignments
// (starts the attempts, counts them, records them) after Place returns.
//
// The rules, in the order they apply:
//   - jobs in submission order (View.Jobs), a worker's slots filled
//     before the next worker's (View.Workers);
//   - maps before reduces; a job's reduces only once its slow-start
//     fraction of maps has finished (Job.ReducesReady);
//   - a map first from the queue of a storage node the worker sits beside
//     (data-local), else from the job's map queue;
//   - delay scheduling: a map whose split has a replica beside some live
//     worker is not placed elsewhere until it has been queued for
//     View.LocalityDelay (a negative delay never waits);
//   - a task is not placed on a worker where one of its attempts failed
//     (Task.Avoid) unless it has failed on as many workers as are live;
//   - each queue is looked at for at most Scan live tasks per slot, so
//     one slot costs O(Scan) however long the queues are;
//   - gangs (Job.Gangs) are placed before any single task, all or
//     nothing (see PlaceGangs and gang.go).
package placement

import (
	"math"
	"slices"
	"time"

	"zebra/mapreduce"
)

// Scan is how many live queued tasks Place looks at in one queue to fill
// one slot before giving up on that queue for the slot.
const Scan = 64

// View is what Place reads. Nothing in it is changed by Place.
type View struct {
	// Workers are the workers whose free slots Place fills, in order.
	Workers []Worker
	// Live is the number of live workers in the cluster (Workers may be a
	// subset: the jobtracker passes only the worker that polls).
	Live int
	// LiveNodes holds the storage nodes that a live worker sits beside.
	LiveNodes map[string]bool
	// Jobs are the jobs with queued tasks, in submission order.
	Jobs []Job
	// LocalityDelay is how long a map whose split has a replica beside a
	// live worker waits for a slot there before it may run elsewhere
	// (negative: never wait).
	LocalityDelay time.Duration
	// Slots are the live workers' slots in all (zero: unknown). A gang
	// that needs more could never start: it waits without holding slots
	// from later jobs.
	Slots Capacity
}

// Worker is a worker with free slots.
type Worker struct {
	ID string
	// Nodes are the storage nodes the worker sits beside.
	Nodes []string
	// FreeMaps and FreeReduces are its free slots of each kind.
	FreeMaps, FreeReduces int
}

// Job is a job's queued tasks.
type Job struct {
	// Maps are the job's queued maps, in queue order.
	Maps Queue
	// ByNode returns the queue of the job's queued maps whose split has a
	// replica on node, in queue order (nil if there is none). Nil: no map
	// has a preferred host.
	ByNode func(node string) Queue
	// Reduces are the job's queued reduces, in queue order.
	Reduces Queue
	// ReducesReady is set once enough of the job's maps have finished for
	// its reduces to be placed (see SlowStartReached).
	ReducesReady bool
	// Gangs are the job's queued gangs: sets of tasks that start
	// together or not at all (see gang.go). A gang's tasks are in no
	// queue of the job.
	Gangs []Gang
}

// Queue is a read-only queue of tasks. Entries may be stale: At reports
// ok false for an entry whose task is no longer queued there (taken
// through another queue, or queued again later in the queue).
// Implementations must be comparable (pointers are).
type Queue interface {
	Len() int
	At(i int) (t Task, ok bool)
}

// Task is a queued task.
type Task struct {
	Kind  mapreduce.TaskKind
	Index int
	// Hosts are the storage nodes holding a replica of a map's split.
	Hosts []string
	// QueuedAt is when the task was last queued (delay scheduling).
	QueuedAt time.Time
	// Avoid holds the workers on which an attempt of the task failed or
	// lost its output.
	Avoid map[string]bool
}

// Assignment places one task on one worker.
type Assignment struct {
	// Worker and Job index View.Workers and View.Jobs.
	Worker, Job int
	Kind        mapreduce.TaskKind
	Index       int
	// DataLocal is set for a map placed beside a replica of its split.
	DataLocal bool
}

// SlowStartReached reports whether done of maps finished maps reach the
// slow-start fraction (mapreduce.job.reduce.slowstart.completedmaps).
func SlowStartReached(done, maps int, fraction float64) bool {
	return done >= int(math.Ceil(fraction*float64(maps)))
}

type taskKey struct {
	job   int
	kind  mapreduce.TaskKind
	index int
}

// Place fills the free slots of v.Workers with queued tasks as of now
// and returns the assignments, each task at most once, in the order they
// were made.
func Place(v *View, now time.Time) []Assignment {
	p := placer{v: v, now: now, taken: map[taskKey]bool{}, heads: map[Queue]int{}}
	g := placeGangs(v)
	out := g.out
	for wi := range v.Workers {
		out = p.fill(out, wi, g)
	}
	return out
}

type placer struct {
	v     *View
	now   time.Time
	taken map[taskKey]bool
	// heads are, per queue, the first entry not known to be stale or
	// taken in this call.
	heads map[Queue]int
}

func (p *placer) fill(out []Assignment, wi int, g gangResult) []Assignment {
	w := &p.v.Workers[wi]
	freeMap, freeReduce := g.free[wi][0], g.free[wi][1]
	ok := func(t *Task) bool { return !t.Avoid[w.ID] || len(t.Avoid) >= p.v.Live }
	beside := func(t *Task) bool {
		return slices.ContainsFunc(t.Hosts, func(h string) bool { return slices.Contains(w.Nodes, h) })
	}
	// A map taken from the job's queue by a worker not beside its data
	// waits LocalityDelay for a worker that is, if one is live.
	remoteOK := func(t *Task) bool {
		if !ok(t) {
			return false
		}
		if p.v.LocalityDelay < 0 || p.now.Sub(t.QueuedAt) >= p.v.LocalityDelay {
			return true
		}
		hosted := false
		for _, h := range t.Hosts {
			if slices.Contains(w.Nodes, h) {
				return true
			}
			hosted = hosted || p.v.LiveNodes[h]
		}
		return !hosted
	}
	for ji := range p.v.Jobs {
		if freeMap <= 0 && freeReduce <= 0 {
			break
		}
		j := &p.v.Jobs[ji]
		for freeMap > 0 && ji < g.holdMaps {
			var t *Task
			if j.ByNode != nil {
				for _, n := range w.Nodes {
					if q := j.ByNode(n); q != nil && t == nil {
						t = p.take(ji, q, ok)
					}
				}
			}
			if t == nil && j.Maps != nil {
				t = p.take(ji, j.Maps, remoteOK)
			}
			if t == nil {
				break
			}
			out = append(out, Assignment{Worker: wi, Job: ji, Kind: t.Kind, Index: t.Index, DataLocal: beside(t)})
			freeMap--
		}
		if !j.ReducesReady || j.Reduces == nil || ji >= g.holdReduces {
			continue
		}
		for freeReduce > 0 {
			t := p.take(ji, j.Reduces, ok)
			if t == nil {
				break
			}
			out = append(out, Assignment{Worker: wi, Job: ji, Kind: t.Kind, Index: t.Index})
			freeReduce--
		}
	}
	return out
}

// take returns the first of the first Scan live, untaken tasks of q that
// accept takes, marking it taken; nil if there is none.
func (p *placer) take(job int, q Queue, accept func(*Task) bool) *Task {
	n := q.Len()
	i := p.heads[q]
	for ; i < n; i++ { // skip the stale and taken head
		t, live := q.At(i)
		if live && !p.taken[taskKey{job, t.Kind, t.Index}] {
			break
		}
	}
	p.heads[q] = i
	for scan := Scan; i < n && scan > 0; i++ {
		t, live := q.At(i)
		k := taskKey{job, t.Kind, t.Index}
		if !live || p.taken[k] {
			continue
		}
		scan--
		if accept(&t) {
			p.taken[k] = true
			return &t
		}
	}
	return nil
}
