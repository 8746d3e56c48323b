package placement

import (
	"fmt"
	"slices"
	"time"

	"zebra/mapreduce"
)

// Harness is a cluster for Place to decide on, in the manner of nomad's
// scheduler Harness: it holds the state (workers and their running tasks,
// jobs and their queues, the clock), builds the View, calls Place, records
// what Place decided and applies it to its own state, so that a test can
// go on (finish or fail tasks, move the clock) and place again. Nothing
// here sleeps or reads the real clock.
type Harness struct {
	Workers []*hWorker
	Jobs    []*hJob
	Delay   time.Duration
	Now     time.Time
	// Plans are the assignments of every Place call, in order.
	Plans [][]Assignment
}

type hWorker struct {
	id                  string
	nodes               []string
	mapSlots, redSlots  int
	runMaps, runReduces int
}

type hJob struct {
	maps, reduces []*hTask
	mapQ, reduceQ *sliceQueue
	nodeQ         map[string]*sliceQueue
	mapsDone      int
	slowStart     float64
	// gangs are the job's gangs, as indices of maps (in no queue).
	gangs [][]int
}

type hTask struct {
	t      Task
	queued bool
	seq    int
	on     *hWorker // where it runs
}

// sliceQueue is a queue with lazily dropped entries, like the
// jobtracker's: an entry is live while its task is queued and was not
// queued again since.
type sliceQueue struct{ items []qEntry }

type qEntry struct {
	t   *hTask
	seq int
}

func (q *sliceQueue) Len() int { return len(q.items) }

func (q *sliceQueue) At(i int) (Task, bool) {
	e := q.items[i]
	return e.t.t, e.t.queued && e.seq == e.t.seq
}

func NewHarness(delay time.Duration) *Harness {
	return &Harness{Delay: delay, Now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
}

// AddWorker adds a live worker beside nodes.
func (h *Harness) AddWorker(id string, mapSlots, reduceSlots int, nodes ...string) {
	h.Workers = append(h.Workers, &hWorker{id: id, nodes: nodes, mapSlots: mapSlots, redSlots: reduceSlots})
}

// AddJob adds a job with one map per entry of hosts (its split's replica
// holders) and reduces reduces, all queued now.
func (h *Harness) AddJob(hosts [][]string, reduces int, slowStart float64) {
	j := &hJob{mapQ: &sliceQueue{}, reduceQ: &sliceQueue{}, nodeQ: map[string]*sliceQueue{}, slowStart: slowStart}
	for i, hs := range hosts {
		t := &hTask{t: Task{Kind: mapreduce.MapTask, Index: i, Hosts: hs}}
		j.maps = append(j.maps, t)
		h.enqueue(j, t)
	}
	for i := 0; i < reduces; i++ {
		t := &hTask{t: Task{Kind: mapreduce.ReduceTask, Index: i}}
		j.reduces = append(j.reduces, t)
		h.enqueue(j, t)
	}
	h.Jobs = append(h.Jobs, j)
}

// AddGangJob adds a job whose maps come in gangs of the given sizes
// (maps numbered across the gangs, none with a preferred host), all
// queued now.
func (h *Harness) AddGangJob(sizes ...int) {
	j := &hJob{mapQ: &sliceQueue{}, reduceQ: &sliceQueue{}, nodeQ: map[string]*sliceQueue{}, slowStart: 1}
	for _, n := range sizes {
		var g []int
		for range n {
			i := len(j.maps)
			j.maps = append(j.maps, &hTask{t: Task{Kind: mapreduce.MapTask, Index: i, QueuedAt: h.Now}, queued: true, seq: 1})
			g = append(g, i)
		}
		j.gangs = append(j.gangs, g)
	}
	h.Jobs = append(h.Jobs, j)
}

func (h *Harness) enqueue(j *hJob, t *hTask) {
	t.queued = true
	t.seq++
	t.t.QueuedAt = h.Now
	if t.t.Kind == mapreduce.ReduceTask {
		j.reduceQ.items = append(j.reduceQ.items, qEntry{t, t.seq})
		return
	}
	j.mapQ.items = append(j.mapQ.items, qEntry{t, t.seq})
	for _, n := range t.t.Hosts {
		q := j.nodeQ[n]
		if q == nil {
			q = &sliceQueue{}
			j.nodeQ[n] = q
		}
		q.items = append(q.items, qEntry{t, t.seq})
	}
}

// View is the snapshot Place reads.
func (h *Harness) View() *View {
	v := &View{Live: len(h.Workers), LiveNodes: map[string]bool{}, LocalityDelay: h.Delay}
	for _, w := range h.Workers {
		v.Slots.Maps += w.mapSlots
		v.Slots.Reduces += w.redSlots
		v.Workers = append(v.Workers, Worker{ID: w.id, Nodes: w.nodes, FreeMaps: w.mapSlots - w.runMaps, FreeReduces: w.redSlots - w.runReduces})
		for _, n := range w.nodes {
			v.LiveNodes[n] = true
		}
	}
	for _, j := range h.Jobs {
		nodeQ := j.nodeQ
		v.Jobs = append(v.Jobs, Job{Maps: j.mapQ, Reduces: j.reduceQ,
			ByNode: func(n string) Queue {
				if q := nodeQ[n]; q != nil {
					return q
				}
				return nil
			},
			ReducesReady: SlowStartReached(j.mapsDone, len(j.maps), j.slowStart)})
		for _, g := range j.gangs {
			var gang Gang
			for _, i := range g {
				if j.maps[i].queued {
					gang.Tasks = append(gang.Tasks, j.maps[i].t)
				}
			}
			if len(gang.Tasks) == len(g) {
				v.Jobs[len(v.Jobs)-1].Gangs = append(v.Jobs[len(v.Jobs)-1].Gangs, gang)
			}
		}
	}
	return v
}

// Place calls Place on the current view, records and applies the result,
// and returns it as "worker job/task[ local]" lines.
func (h *Harness) Place() []string {
	v := h.View()
	as := Place(v, h.Now)
	h.Plans = append(h.Plans, as)
	var out []string
	for _, a := range as {
		w, j := h.Workers[a.Worker], h.Jobs[a.Job]
		t := h.task(j, a.Kind, a.Index)
		if !t.queued {
			panic(fmt.Sprintf("Place assigned %v %d, which is not queued", a.Kind, a.Index))
		}
		t.queued, t.on = false, w
		if a.Kind == mapreduce.MapTask {
			w.runMaps++
		} else {
			w.runReduces++
		}
		s := fmt.Sprintf("%s j%d/%s%d", w.id, a.Job, a.Kind.String()[:1], a.Index)
		if a.DataLocal {
			s += " local"
		}
		out = append(out, s)
	}
	return out
}

func (h *Harness) task(j *hJob, k mapreduce.TaskKind, i int) *hTask {
	if k == mapreduce.MapTask {
		return j.maps[i]
	}
	return j.reduces[i]
}

func (h *Harness) stop(t *hTask) {
	if t.t.Kind == mapreduce.MapTask {
		t.on.runMaps--
	} else {
		t.on.runReduces--
	}
}

// Finish ends a running task successfully.
func (h *Harness) Finish(job int, k mapreduce.TaskKind, i int) {
	j := h.Jobs[job]
	t := h.task(j, k, i)
	h.stop(t)
	t.on = nil
	if k == mapreduce.MapTask {
		j.mapsDone++
	}
}

// Fail ends a running task in failure: it is queued again, avoiding the
// worker it failed on.
func (h *Harness) Fail(job int, k mapreduce.TaskKind, i int) {
	j := h.Jobs[job]
	t := h.task(j, k, i)
	h.stop(t)
	if t.t.Avoid == nil {
		t.t.Avoid = map[string]bool{}
	}
	t.t.Avoid[t.on.id] = true
	t.on = nil
	h.enqueue(j, t)
}

// Running lists the running tasks as (job, kind, index).
func (h *Harness) Running() [][3]int {
	var out [][3]int
	for ji, j := range h.Jobs {
		for _, t := range slices.Concat(j.maps, j.reduces) {
			if t.on != nil {
				out = append(out, [3]int{ji, int(t.t.Kind), t.t.Index})
			}
		}
	}
	return out
}
