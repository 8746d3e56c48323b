package mapreduce

// reduceInput is what a reduce attempt's reducer reads: the merged and
// grouped records of its segments, counted (records, groups, the reduce
// phase's progress) and hashed into the attempt's input digest, in one
// iterator over the merger itself, so that a record costs one interface
// call of the reducer's and no chain of wrappers.
type reduceInput struct {
	m *merger
	h *recordHash
	// key is the current group's first key, value the current record's.
	key, value      []byte
	newGroup        bool
	records, groups int64
	// prog, if set, follows the records consumed of total (the reduce
	// phase), every progressEvery records and at the end.
	prog  *Progress
	total int64
}

// Next implements KVIterator.
func (r *reduceInput) Next() bool {
	m := r.m
	if !m.Next() {
		r.prog.Set(ReduceProgress(ReduceReducePhase, r.total, r.total))
		return false
	}
	r.key, r.value, r.newGroup = m.groupKey, m.value, m.newGroup
	r.records++
	if r.prog != nil && r.records%progressEvery == 0 {
		r.prog.Set(ReduceProgress(ReduceReducePhase, r.records, r.total))
	}
	if r.newGroup {
		r.groups++
	}
	r.h.add(r.key, r.value)
	return true
}

// Key implements KVIterator: the first key of the current group.
func (r *reduceInput) Key() []byte { return r.key }

// Value implements KVIterator.
func (r *reduceInput) Value() []byte { return r.value }

// NewGroup implements KVIterator.
func (r *reduceInput) NewGroup() bool { return r.newGroup }

// Err implements KVIterator.
func (r *reduceInput) Err() error { return r.m.Err() }

// reduceReadBudget is what a reduce attempt's merge may hold of its
// segments in read chunks at once, shared among the segments it reads from
// their files (each gets between segmentChunkMin and reduceChunkMax).
const (
	reduceReadBudget = 4 << 20
	reduceChunkMax   = 1 << 20
)

// reduceChunk is the read chunk of each of n segments a reduce reads from
// their files.
func reduceChunk(n int) int {
	return min(reduceChunkMax, max(segmentChunkMin, reduceReadBudget/max(n, 1)))
}
