package mapreduce

import (
	"bytes"
	"sort"
)

// orderForMerge puts merge inputs in the order Hadoop's Merger takes them:
// by (IFile) size, smallest first, ties in their given (map or spill) order.
func orderForMerge(segs []Segment) {
	sort.SliceStable(segs, func(i, j int) bool { return segs[i].IFileSize < segs[j].IFileSize })
}

// merger merges sorted segment readers into one sorted stream and groups it.
// It keeps its inputs in a binary heap that behaves exactly like Hadoop's
// org.apache.hadoop.util.PriorityQueue under Merger.MergeQueue (insert with
// up-heap in input order, advance with down-heap, strict key comparisons),
// so records with equal keys come out in the order Hadoop's merge gives.
type merger struct {
	heap  []*segmentReader // 1-based, as Hadoop's; heap[0] unused
	cmp   KeyCompare
	group KeyCompare
	// raw is set when both orders are the raw byte order: keys are then
	// compared by their readers' prefixes first (see segmentReader.prefix)
	// and groups by equality.
	raw     bool
	started bool
	err     error
	// noGroups makes Next leave out grouping (Key and NewGroup), for a
	// merge whose reader only takes RawKey and Value.
	noGroups bool
	// groupPrefix is groupKey's prefix, kept when raw is set.
	groupPrefix uint64

	key, value []byte
	groupKey   []byte
	newGroup   bool
	first      bool
}

// newMerger builds a merger over readers, taken in the given order (see
// orderForMerge). close closes them.
func newMerger(readers []*segmentReader, cmp, group KeyCompare) *merger {
	raw := cmp == nil && group == nil
	if cmp == nil {
		cmp = bytes.Compare
	}
	if group == nil {
		group = cmp
	}
	m := &merger{cmp: cmp, group: group, raw: raw, first: true, heap: make([]*segmentReader, 1, len(readers)+1)}
	for _, r := range readers {
		r.prefixes = raw
		if r.next() {
			m.put(r)
		} else if r.err != nil {
			m.err = r.err
		}
	}
	return m
}

func (m *merger) less(a, b *segmentReader) bool {
	if !m.raw {
		return m.cmp(a.key, b.key) < 0
	}
	if a.prefix != b.prefix {
		return a.prefix < b.prefix
	}
	if len(a.key) <= 8 && len(b.key) <= 8 {
		// Equal zero-padded prefixes holding both keys whole: the shorter
		// sorts first (see byteSorter.Compare).
		return len(a.key) < len(b.key)
	}
	return bytes.Compare(a.key, b.key) < 0
}

func (m *merger) put(r *segmentReader) {
	m.heap = append(m.heap, r)
	i := len(m.heap) - 1
	j := i >> 1
	for j > 0 && m.less(r, m.heap[j]) {
		m.heap[i] = m.heap[j]
		i = j
		j >>= 1
	}
	m.heap[i] = r
}

func (m *merger) downHeap() {
	size := len(m.heap) - 1
	if size < 1 {
		return
	}
	i := 1
	node := m.heap[i]
	j := i << 1
	k := j + 1
	if k <= size && m.less(m.heap[k], m.heap[j]) {
		j = k
	}
	for j <= size && m.less(m.heap[j], node) {
		m.heap[i] = m.heap[j]
		i = j
		j = i << 1
		k = j + 1
		if k <= size && m.less(m.heap[k], m.heap[j]) {
			j = k
		}
	}
	m.heap[i] = node
}

func (m *merger) pop() {
	size := len(m.heap) - 1
	m.heap[1] = m.heap[size]
	m.heap[size] = nil
	m.heap = m.heap[:size]
	m.downHeap()
}

// Next implements KVIterator.
func (m *merger) Next() bool {
	if m.err != nil {
		return false
	}
	if m.started && len(m.heap) > 1 {
		// Advance the reader whose record was returned last (the top).
		top := m.heap[1]
		if top.next() {
			m.downHeap()
		} else {
			if top.err != nil {
				m.err = top.err
				return false
			}
			top.close()
			m.pop()
		}
	}
	m.started = true
	if len(m.heap) <= 1 {
		return false
	}
	top := m.heap[1]
	m.key, m.value = top.key, top.value
	if m.noGroups {
		return true
	}
	if m.first || m.raw && !m.sameRawKey(top) || !m.raw && m.group(m.groupKey, m.key) != 0 {
		m.groupKey = append(m.groupKey[:0], m.key...)
		m.groupPrefix = top.prefix
		m.newGroup = true
		m.first = false
	} else {
		m.newGroup = false
	}
	return true
}

// sameRawKey says whether r's key equals the group's key, in raw byte
// order: unequal prefixes or lengths tell without reading the key, and a
// key of at most 8 bytes lies whole in its prefix.
func (m *merger) sameRawKey(r *segmentReader) bool {
	if r.prefix != m.groupPrefix || len(r.key) != len(m.groupKey) {
		return false
	}
	return len(r.key) <= 8 || bytes.Equal(r.key[8:], m.groupKey[8:])
}

// Key implements KVIterator: the first key of the current group.
func (m *merger) Key() []byte { return m.groupKey }

// RawKey is the current record's own key.
func (m *merger) RawKey() []byte { return m.key }

// Value implements KVIterator.
func (m *merger) Value() []byte { return m.value }

// NewGroup implements KVIterator.
func (m *merger) NewGroup() bool { return m.newGroup }

// Err implements KVIterator.
func (m *merger) Err() error { return m.err }

func (m *merger) close() {
	for _, r := range m.heap[1:] {
		r.close()
	}
	m.heap = m.heap[:1]
}
