package jobtracker

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

// take removes and returns the first live task that ok accepts, looking
// at most at scan live entries; nil if there is none.
func (q *queue) take(scan int, ok func(*task) bool) *task {
	for q.head < len(q.items) && !q.items[q.head].live() {
		q.items[q.head] = queued{}
		q.head++
	}
	for i := q.head; i < len(q.items) && scan > 0; i++ {
		e := q.items[i]
		if !e.live() {
			continue
		}
		scan--
		if ok(e.t) {
			e.t.queued = false
			if i == q.head {
				q.items[i] = queued{}
				q.head++
			}
			return e.t
		}
	}
	return nil
}
