package mapreduce

import (
	"sync"
	"unsafe"
)

// sortMem is the memory a sort buffer collects into: an arena for key and
// value bytes and the records' metadata.
//
// Mapped memory (mapping set) is one anonymous private mapping that holds
// both at the largest size the buffer can use (see mapSortMem), reserved
// once: a page becomes resident only when a record first touches it, so
// the resident size is what the buffer used, as with memory that grows,
// but collecting never copies a full arena or metadata slice into a larger
// one, and the memory lies outside the Go heap, so filling it drives no GC
// cycles. The mapping lives until free; a sortMem handed to
// sortMemList.put belongs to the list, and nothing may read or write its
// slices afterwards (slices into a mapping that was freed fault).
//
// Heap memory (mapping nil) is the fallback where a mapping cannot be had:
// slices that grow as the buffer fills.
type sortMem struct {
	arena   []byte
	meta    []recMeta
	mapping []byte
}

// heapSortMem, when set (by tests and benchmarks that compare the two),
// makes sortMemList.get hand out heap memory only.
var heapSortMem = false

// mapSortMem returns mapped memory for a buffer of at most arenaCap arena
// bytes and metaCap records, or nil when no mapping can be had.
func mapSortMem(arenaCap, metaCap int) *sortMem {
	metaBytes := metaCap * int(unsafe.Sizeof(recMeta{}))
	if heapSortMem || arenaCap < 0 || metaCap <= 0 || strictOvercommit() {
		return nil
	}
	mapping, err := mapAnon(metaBytes + arenaCap)
	if err != nil {
		return nil
	}
	// The mapping is page aligned, so the metadata at its start is aligned
	// for recMeta.
	return &sortMem{
		meta:    unsafe.Slice((*recMeta)(unsafe.Pointer(&mapping[0])), metaCap)[:0],
		arena:   mapping[metaBytes:metaBytes:len(mapping)],
		mapping: mapping,
	}
}

// free unmaps mapped memory; m must not be used afterwards.
func (m *sortMem) free() {
	if m.mapping != nil {
		unmapAnon(m.mapping)
	}
	m.arena, m.meta, m.mapping = nil, nil, nil
}

// sortMemList keeps a few released sortMems for later map tasks: memory a
// previous task touched is resident already, so reusing it spares the page
// faults (mapped) or the allocations and GC (heap) of fresh memory. Unlike
// a sync.Pool it never holds on to memory it will not hand out again:
// released memory is either kept for reuse or freed at once.
type sortMemList struct {
	mu   sync.Mutex
	free []*sortMem
}

const maxFreeSortMem = 4

var sortMemFree sortMemList

// get returns memory for a buffer of at most arenaCap arena bytes and
// metaCap records: kept mapped memory that is large enough, else new
// mapped memory, else (no mapping to be had) kept or new heap memory.
func (l *sortMemList) get(arenaCap, metaCap int) *sortMem {
	if !heapSortMem {
		if m := l.take(func(m *sortMem) bool {
			return m.mapping != nil && cap(m.arena) >= arenaCap && cap(m.meta) >= metaCap
		}); m != nil {
			return m
		}
		if m := mapSortMem(arenaCap, metaCap); m != nil {
			return m
		}
	}
	if m := l.take(func(m *sortMem) bool { return m.mapping == nil }); m != nil {
		return m
	}
	return &sortMem{arena: make([]byte, 0, min(arenaCap, 4<<20))}
}

// take removes and returns the last kept memory that ok accepts, or nil.
func (l *sortMemList) take(ok func(*sortMem) bool) *sortMem {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := len(l.free) - 1; i >= 0; i-- {
		if m := l.free[i]; ok(m) {
			l.free = append(l.free[:i], l.free[i+1:]...)
			return m
		}
	}
	return nil
}

// maxKeptMapping is the largest mapping put keeps for reuse (a buffer of
// io.sort.mb 400 or so): a larger one, which only a job that raised
// io.sort.mb far above its default asks for, is unmapped when released,
// so the list never holds more than a few GiB of address space.
const maxKeptMapping = 1 << 30

// put keeps m for reuse, or frees it when the list is full; the caller
// must not use m afterwards. Kept mapped memory is marked lazily free
// (MADV_FREE): its pages stay in place for the next task, which rewrites
// them without a page fault, unless the kernel needs the memory first, so
// a worker that has sat idle since a large job does not hold on to it.
func (l *sortMemList) put(m *sortMem) {
	if len(m.mapping) > maxKeptMapping {
		m.free()
		return
	}
	m.arena, m.meta = m.arena[:0], m.meta[:0]
	if m.mapping != nil {
		lazyFreeAnon(m.mapping)
	}
	l.mu.Lock()
	if len(l.free) < maxFreeSortMem {
		l.free = append(l.free, m)
		m = nil
	}
	l.mu.Unlock()
	if m != nil {
		m.free()
	}
}
