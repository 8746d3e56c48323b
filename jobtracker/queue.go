package jobtracker

import (
	"zebra/jobtracker/placement"
	"zebra/mapreduce"
)

// queue is a FIFO of tasks waiting for a slot. Entries are removed lazily:
// a task taken through another queue (its node's, or after a requeue)
// stays behind as a stale entry, recognised by task.queued being false
// or by a newer entry (task.seq), and dropped when met.
type queue struct {
	items []queued
	head  int
}

type queued struct {
	t   *task
	seq int
}

func (q *queue) push(t *task) {
	q.items = append(q.items, queued{t, t.seq})
	// Compact once most of the slice is consumed.
	if q.head > 1024 && q.head > len(q.items)/2 {
		q.items = append(q.items[:0], q.items[q.head:]...)
		q.head = 0
	}
}

func (e queued) live() bool { return e.t.queued && e.seq == e.t.seq }

// Len and At make the queue a placement.Queue: At(i) is the i-th entry
// from the head, ok false for a stale one.
func (q *queue) Len() int { return len(q.items) - q.head }

func (q *queue) At(i int) (placement.Task, bool) {
	e := q.items[q.head+i]
	if !e.live() {
		return placement.Task{}, false
	}
	tk := e.t
	pt := placement.Task{Kind: tk.id.Kind, Index: tk.id.Index, QueuedAt: tk.queuedAt, Avoid: tk.avoid}
	if tk.id.Kind == mapreduce.MapTask {
		pt.Hosts = tk.job.plan.Splits[tk.id.Index].Hosts
	}
	return pt, true
}

// trim drops the stale entries at the head.
func (q *queue) trim() {
	for q.head < len(q.items) && !q.items[q.head].live() {
		q.items[q.head] = queued{}
		q.head++
	}
}
