package mapreduce

import "bytes"

// merger merges sorted segment readers into one sorted stream and groups it.
// Among equal keys, records come in segment order, then stored order.
type merger struct {
	heap    []*segmentReader
	cmp     KeyCompare
	group   KeyCompare
	started bool
	err     error

	key, value []byte
	groupKey   []byte
	newGroup   bool
	first      bool
	order      []int // order[i] = original index of heap[i], for tie breaks
}

// newMerger builds a merger over readers (closed by close).
func newMerger(readers []*segmentReader, cmp, group KeyCompare) *merger {
	if cmp == nil {
		cmp = bytes.Compare
	}
	if group == nil {
		group = cmp
	}
	m := &merger{cmp: cmp, group: group, first: true}
	for i, r := range readers {
		if r.next() {
			m.heap = append(m.heap, r)
			m.order = append(m.order, i)
		} else if r.err != nil {
			m.err = r.err
		}
	}
	for i := len(m.heap)/2 - 1; i >= 0; i-- {
		m.down(i)
	}
	return m
}

func (m *merger) less(i, j int) bool {
	c := m.cmp(m.heap[i].key, m.heap[j].key)
	if c != 0 {
		return c < 0
	}
	return m.order[i] < m.order[j]
}

func (m *merger) swap(i, j int) {
	m.heap[i], m.heap[j] = m.heap[j], m.heap[i]
	m.order[i], m.order[j] = m.order[j], m.order[i]
}

func (m *merger) down(i int) {
	n := len(m.heap)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		s := l
		if r := l + 1; r < n && m.less(r, l) {
			s = r
		}
		if !m.less(s, i) {
			return
		}
		m.swap(i, s)
		i = s
	}
}

// Next implements KVIterator.
func (m *merger) Next() bool {
	if m.err != nil {
		return false
	}
	if m.started && len(m.heap) > 0 {
		// Advance the reader whose record was returned last (the heap top).
		top := m.heap[0]
		if top.next() {
			m.down(0)
		} else {
			if top.err != nil {
				m.err = top.err
				return false
			}
			last := len(m.heap) - 1
			m.swap(0, last)
			m.heap = m.heap[:last]
			m.order = m.order[:last]
			top.close()
			if len(m.heap) > 0 {
				m.down(0)
			}
		}
	}
	m.started = true
	if len(m.heap) == 0 {
		return false
	}
	top := m.heap[0]
	m.key, m.value = top.key, top.value
	if m.first || m.group(m.groupKey, m.key) != 0 {
		m.groupKey = append(m.groupKey[:0], m.key...)
		m.newGroup = true
		m.first = false
	} else {
		m.newGroup = false
	}
	return true
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
	for _, r := range m.heap {
		r.close()
	}
	m.heap = nil
}
