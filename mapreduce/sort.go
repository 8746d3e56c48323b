package mapreduce

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

// recMeta locates one collected record in the sort buffer's arena.
type recMeta struct {
	part int32
	koff uint32
	klen uint32
	vlen uint32
	// prefix is the key's first 8 bytes, big-endian, zero-padded: unequal
	// prefixes order keys as bytes.Compare would, without touching the arena.
	prefix uint64
}

// keyPrefix returns the first 8 bytes of key as a big-endian number.
//
// A key shorter than 8 bytes is zero-padded without copying it: two
// overlapping loads place its bytes (a short key's copy into a padded
// array was a call to memmove per record of a merge).
func keyPrefix(key []byte) uint64 {
	n := len(key)
	switch {
	case n >= 8:
		return binary.BigEndian.Uint64(key)
	case n >= 4:
		// key[0:4] and key[n-4:n] overlap in the bytes they share.
		hi := uint64(binary.BigEndian.Uint32(key))
		lo := uint64(binary.BigEndian.Uint32(key[n-4:]))
		return hi<<32 | lo<<(8*uint(8-n))
	case n > 0:
		// key[0], key[n/2] and key[n-1] cover 1 to 3 bytes.
		m := n >> 1
		return uint64(key[0])<<56 | uint64(key[m])<<(56-8*uint(m)) | uint64(key[n-1])<<(56-8*uint(n-1))
	}
	return 0
}

// arenaPrefix is keyPrefix of the key of klen bytes at arena[off:]: when
// the arena's capacity reaches 8 bytes past off it loads them at once and
// clears the bytes past the key (whatever they hold), without copying the
// key.
func arenaPrefix(arena []byte, off, klen int) uint64 {
	if off+8 > cap(arena) {
		return keyPrefix(arena[off : off+klen])
	}
	v := binary.BigEndian.Uint64(arena[off : off+8 : off+8])
	if klen < 8 {
		v &= ^uint64(0) << (64 - 8*uint(klen))
	}
	return v
}

// metaSize is what Hadoop accounts per record in its sort buffer (kvmeta).
const metaSize = 16

// MapOutput is the sorted, partitioned output of one map attempt: one
// segment per partition (Length 0 for an empty partition).
type MapOutput struct {
	Path     string
	Segments []Segment
}

// sortBuffer collects map output records, sorts them by (partition, key)
// with Hadoop's QuickSort, and spills to disk whenever the buffer reaches
// its limit, as Hadoop's MapOutputBuffer does. Memory is bounded by the
// limit; everything else lives in spill files under dir.
type sortBuffer struct {
	ctx   context.Context
	job   *Job
	t     *TaskContext
	dir   string
	limit int
	arena []byte
	meta  []recMeta
	nPart int
	part  Partitioner
	cmp   KeyCompare

	spills []MapOutput
	// Collection overlaps spilling, as with Hadoop's SpillThread: while
	// running sorts and writes the records of one spill in the background
	// (it owns the main memory), arena and meta are the overflow memory,
	// which takes up to ovLimit accounted bytes, the part of io.sort.mb
	// above the spill threshold; ovArena and ovMeta keep the overflow
	// memory while it is not in use. Spill boundaries stay where a
	// synchronous spill puts them (see Collect), so output does not depend
	// on timing. noOverlap makes every spill synchronous (for tests and
	// benchmarks that compare the two).
	running *spillJob
	ovLimit int
	// mem and ovMem own the main and the overflow memory (see sortMem);
	// arena and meta, ovArena and ovMeta lie in them, except after grow
	// made room for a record larger than the memory.
	mem, ovMem *sortMem
	ovArena    []byte
	ovMeta     []recMeta
	noOverlap  bool
	// lastSpillToDisk makes finish write the last spill to a file before
	// the final merge, as it did before merging it from memory (for tests
	// and benchmarks that compare the two).
	lastSpillToDisk bool
	// touched keeps the spill's arena touches (see prefetchBatch) from
	// being optimized away.
	touched byte
	// valuesSame says every record in meta has the value value0 (set by
	// Collect; false, the safe default, for a buffer filled otherwise).
	// With raw byte order it lets sortMeta use radixSortMeta. value0 may
	// share memory with a spill's copy of the buffer, which never reads it.
	valuesSame bool
	value0     []byte
	// exactSortOnly makes sortMeta always run Hadoop's QuickSort (for
	// tests and benchmarks that compare the two sorts).
	exactSortOnly bool

	outRecords, outBytes, spilled int64
}

func newSortBuffer(ctx context.Context, job *Job, t *TaskContext, dir string) *sortBuffer {
	mb := job.SortMB
	if mb <= 0 {
		mb = 100
	}
	pct := job.SpillPercent
	if pct <= 0 || pct > 1 {
		pct = 0.8
	}
	limit := int(float64(mb<<20) * pct)
	part := job.Partition
	switch {
	case job.NumReduces == 1:
		part = func([]byte, int) int { return 0 } // as Hadoop: no partitioner for one reducer
	case part == nil:
		part = HashPartition
	}
	b := &sortBuffer{ctx: ctx, job: job, t: t, dir: dir, limit: limit,
		ovLimit: min(mb<<20-limit, limit), nPart: job.NumReduces, part: part, cmp: job.Compare}
	b.mem = sortMemFree.get(limit, maxRecords(limit))
	b.arena, b.meta = b.mem.arena[:0], b.mem.meta[:0]
	return b
}

// maxRecords is the most records a buffer that spills past limit
// accounted bytes can hold: each takes metaSize bytes or more (see
// Collect), and the first record of an empty buffer is taken whatever
// its size.
func maxRecords(limit int) int { return limit/metaSize + 1 }

// release waits for a running spill and hands the buffer's memory back
// for reuse; nothing may read the buffer's arena or metadata afterwards.
// Releasing twice is harmless.
func (b *sortBuffer) release() {
	if b.running != nil {
		b.join()
	}
	if b.mem != nil {
		if b.mem.mapping == nil {
			// Heap memory: keep what the buffer grew to. Between spills
			// the main memory is arena and meta (see join).
			b.mem.arena, b.mem.meta = b.arena, b.meta
		}
		sortMemFree.put(b.mem)
	}
	if b.ovMem != nil {
		if b.ovMem.mapping == nil {
			b.ovMem.arena, b.ovMem.meta = b.ovArena, b.ovMeta
		}
		sortMemFree.put(b.ovMem)
	}
	b.mem, b.ovMem = nil, nil
	b.arena, b.meta, b.ovArena, b.ovMeta = nil, nil, nil, nil
}

// grow makes room for need more arena bytes, growing geometrically but
// never past the spill limit unless one record needs it.
func (b *sortBuffer) grow(need int) {
	if len(b.arena)+need <= cap(b.arena) {
		return
	}
	lim := b.limit
	if b.running != nil {
		lim = b.ovLimit
	}
	// From len, not cap: an arena in a mapping has the whole limit as its
	// capacity, and a record past it must not cost twice the limit.
	c := max(2*len(b.arena), len(b.arena)+need)
	if c > lim && len(b.arena)+need <= lim {
		c = lim
	}
	a := make([]byte, len(b.arena), c)
	copy(a, b.arena)
	b.arena = a
}

// Collect implements Collector.
func (b *sortBuffer) Collect(key, value []byte) error {
	p := b.part(key, b.nPart)
	if p < 0 || p >= b.nPart {
		return E("collect map output", UserCode, "", fmt.Errorf("illegal partition for %q (%d)", key, p))
	}
	need := len(key) + len(value)
	for {
		size := len(b.arena) + need + metaSize*(len(b.meta)+1)
		if b.running != nil {
			if size <= b.ovLimit {
				break // into the overflow
			}
			// The overflow is full: wait for the spill, as Hadoop's
			// collector blocks, and go on in the main memory. The
			// overflow is never bigger than the spill limit, so the
			// next spill starts no earlier than it would have.
			if err := b.join(); err != nil {
				return err
			}
			continue
		}
		if len(b.meta) > 0 && size > b.limit && b.noOverlap {
			if err := b.spill(); err != nil {
				return err
			}
			break
		}
		if len(b.meta) > 0 && size > b.limit {
			if err := b.startSpill(); err != nil {
				return err
			}
			continue
		}
		break
	}
	off := len(b.arena)
	if off+need > 1<<32-1 {
		return E("collect map output", Invalid, "", fmt.Errorf("record of %d bytes does not fit the sort buffer", need))
	}
	if off+need > cap(b.arena) {
		b.grow(need)
	}
	if len(b.meta) == 0 {
		b.value0 = append(b.value0[:0], value...)
		b.valuesSame = true
	} else if b.valuesSame && !bytes.Equal(value, b.value0) {
		b.valuesSame = false
	}
	b.arena = append(b.arena, key...)
	b.arena = append(b.arena, value...)
	b.meta = append(b.meta, recMeta{part: int32(p), koff: uint32(off), klen: uint32(len(key)), vlen: uint32(len(value)),
		prefix: arenaPrefix(b.arena, off, len(key))})
	b.outRecords++
	b.outBytes += int64(vintSize(len(key)) + len(key) + vintSize(len(value)) + len(value))
	return nil
}

func (b *sortBuffer) keyOf(m recMeta) []byte { return b.arena[m.koff : m.koff+m.klen] }
func (b *sortBuffer) valueOf(m recMeta) []byte {
	s := m.koff + m.klen
	return b.arena[s : s+m.vlen]
}

// byteSorter and cmpSorter order the buffer's records by partition, then
// key. byteSorter's blank field gives it a type shape of its own, so that
// quickSortOf[byteSorter] is compiled for it alone, with its Compare and
// Swap inlined.
type byteSorter struct {
	b *sortBuffer
	_ [0]func()
}

func (s byteSorter) Compare(i, j int) int {
	mi, mj := s.b.meta[i], s.b.meta[j]
	if mi.part != mj.part {
		if mi.part < mj.part {
			return -1
		}
		return 1
	}
	if mi.prefix != mj.prefix {
		if mi.prefix < mj.prefix {
			return -1
		}
		return 1
	}
	if mi.klen <= 8 && mj.klen <= 8 {
		// Both keys lie whole in their equal, zero-padded prefixes: one is
		// the other plus zero bytes, so the shorter sorts first, as
		// bytes.Compare has it, and the arena (a cache miss per key) is
		// not read. Repeated short keys, the bulk of a word count, end here.
		if mi.klen != mj.klen {
			if mi.klen < mj.klen {
				return -1
			}
			return 1
		}
		return 0
	}
	a := s.b.arena
	return bytes.Compare(a[mi.koff:mi.koff+mi.klen], a[mj.koff:mj.koff+mj.klen])
}
func (s byteSorter) Swap(i, j int) { s.b.meta[i], s.b.meta[j] = s.b.meta[j], s.b.meta[i] }

type cmpSorter struct{ b *sortBuffer }

func (s cmpSorter) Compare(i, j int) int {
	mi, mj := s.b.meta[i], s.b.meta[j]
	if mi.part != mj.part {
		if mi.part < mj.part {
			return -1
		}
		return 1
	}
	return s.b.cmp(s.b.keyOf(mi), s.b.keyOf(mj))
}
func (s cmpSorter) Swap(i, j int) { s.b.meta[i], s.b.meta[j] = s.b.meta[j], s.b.meta[i] }

// spillJob is a spill running in the background: sp is a copy of the
// buffer that owns the spilled records; out and err are set when done is
// closed.
type spillJob struct {
	sp   *sortBuffer
	done chan struct{}
	out  MapOutput
	err  error
}

// startSpill hands the buffer's records to a background spill and goes on
// collecting into the overflow memory. No spill may be running.
func (b *sortBuffer) startSpill() error {
	if err := b.ctx.Err(); err != nil {
		return E("spill", Canceled, "", err)
	}
	sp := new(sortBuffer)
	*sp = *b
	sp.spilled = 0
	j := &spillJob{sp: sp, done: make(chan struct{})}
	path := b.spillPath()
	go func() {
		defer close(j.done)
		j.out, j.err = sp.sortAndWrite(path)
	}()
	b.running = j
	if b.ovMem == nil {
		b.ovMem = sortMemFree.get(b.ovLimit, maxRecords(b.ovLimit))
		b.ovArena, b.ovMeta = b.ovMem.arena[:0], b.ovMem.meta[:0]
	}
	b.arena, b.meta = b.ovArena[:0], b.ovMeta[:0]
	b.ovArena, b.ovMeta = nil, nil
	return nil
}

// join waits for the running spill, records it and moves the records
// collected meanwhile from the overflow to the main memory it freed.
func (b *sortBuffer) join() error {
	j := b.running
	<-j.done
	b.running = nil
	b.spilled += j.sp.spilled
	ovArena, ovMeta := b.arena, b.meta
	// The overflow's records are copied whole to offset 0 of the main
	// arena, so their metadata (offsets from the arena's start) still hold.
	b.arena = append(j.sp.arena[:0], ovArena...)
	b.meta = append(j.sp.meta[:0], ovMeta...)
	b.ovArena, b.ovMeta = ovArena[:0], ovMeta[:0]
	if j.err != nil {
		return j.err
	}
	b.spills = append(b.spills, j.out)
	return nil
}

// abort waits for a running spill and releases the buffer, for a task
// that fails before finish.
func (b *sortBuffer) abort() { b.release() }

func (b *sortBuffer) spillPath() string {
	return filepath.Join(b.dir, fmt.Sprintf("spill%d.out", len(b.spills)))
}

// spill sorts the buffer and writes it as one spill file, in the calling
// goroutine. No spill may be running.
func (b *sortBuffer) spill() error {
	out, err := b.sortAndWrite(b.spillPath())
	if err != nil {
		return err
	}
	b.spills = append(b.spills, out)
	b.arena = b.arena[:0]
	b.meta = b.meta[:0]
	return nil
}

// sortAndWrite sorts the buffer's records and writes them as the spill
// file at path, running the combiner per partition when the job has one.
// It changes nothing in b but the order of meta and the spilled count, so
// a copy of the buffer can run it in the background.
func (b *sortBuffer) sortAndWrite(path string) (MapOutput, error) {
	if err := b.ctx.Err(); err != nil {
		return MapOutput{}, E("spill", Canceled, "", err)
	}
	b.sortMeta()
	return b.writeFile(path, func(p int, w *segmentWriter, lo, hi int) error {
		if b.job.Combiner != nil && hi > lo {
			return b.combine(&metaIter{b: b, i: lo - 1, hi: hi, cmp: b.cmp}, w)
		}
		return b.writeRun(w, lo, hi)
	})
}

// writeRun writes the sorted records meta[lo:hi] to w.
//
// The sorted records lie scattered over the arena, each read a cache miss
// (two for a record that crosses a cache line). Loading the first and
// last byte of a batch of records back to back, before writing them, lets
// the processor wait for the batch's misses at once instead of one after
// the other.
func (b *sortBuffer) writeRun(w *segmentWriter, lo, hi int) error {
	var touch byte
	arena, meta := b.arena, b.meta
	for i := lo; i < hi; i += prefetchBatch {
		end := min(i+prefetchBatch, hi)
		for _, m := range meta[i:end] {
			if e := int(m.koff) + int(m.klen) + int(m.vlen); e <= len(arena) && e > int(m.koff) {
				touch ^= arena[m.koff]
				if !touchFirstOnly {
					touch ^= arena[e-1]
				}
			}
		}
		for _, m := range meta[i:end] {
			if err := w.write(b.keyOf(m), b.valueOf(m)); err != nil {
				return err
			}
		}
	}
	b.touched = touch
	return nil
}

// touchFirstOnly makes writeRun load only each record's first byte ahead
// (for benchmarks that compare the two).
var touchFirstOnly = false

// sortMeta sorts the buffer's records by (partition, key) as Hadoop's
// sort buffer does. Hadoop's sort buffer stores record metadata downwards
// from its equator, so its sort sees the records in reverse collection
// order; sorting the same sequence with the same QuickSort puts equal keys
// in the same order as Hadoop does. Where that order cannot show (raw byte
// order and one value for all records: equal keys are equal records) the
// faster radixSortMeta gives the same bytes.
func (b *sortBuffer) sortMeta() {
	radix := b.cmp == nil && b.valuesSame && !b.exactSortOnly
	if sortHook != nil {
		sortHook(radix, len(b.meta))
	}
	if radix {
		b.radixSortMeta()
		return
	}
	slices.Reverse(b.meta)
	if b.cmp == nil {
		quickSortOf(byteSorter{b: b}, 0, len(b.meta))
	} else {
		QuickSort(cmpSorter{b}, 0, len(b.meta))
	}
}

// sortHook, when set (by tests), is told of every sortMeta: whether it
// ran radixSortMeta and how many records it sorted.
var sortHook func(radix bool, records int)

// prefetchBatch is how many records a spill touches in the arena before
// writing them.
const prefetchBatch = 16

// writeFile writes one file of nPart segments; body writes partition p's
// records, which are meta[lo:hi] when the buffer is the source.
func (b *sortBuffer) writeFile(path string, body func(p int, w *segmentWriter, lo, hi int) error) (MapOutput, error) {
	f, err := os.Create(path)
	if err != nil {
		return MapOutput{}, E("create spill file", Infra, path, err)
	}
	w := &segmentWriter{w: bufio.NewWriterSize(f, 256<<10)}
	out := MapOutput{Path: path, Segments: make([]Segment, b.nPart)}
	lo := 0
	for p := 0; p < b.nPart; p++ {
		hi := lo
		for hi < len(b.meta) && int(b.meta[hi].part) == p {
			hi++
		}
		start, recs, ifile := w.off, w.records, w.ifile
		if err := body(p, w, lo, hi); err != nil {
			f.Close()
			return MapOutput{}, wrapSpill(err, path)
		}
		out.Segments[p] = Segment{Path: path, Offset: start, Length: w.off - start, Records: w.records - recs,
			IFileSize: w.ifile - ifile + 2}
		b.spilled += w.records - recs
		lo = hi
	}
	if err := w.w.Flush(); err != nil {
		f.Close()
		return MapOutput{}, wrapSpill(err, path)
	}
	if err := f.Close(); err != nil {
		return MapOutput{}, wrapSpill(err, path)
	}
	return out, nil
}

func wrapSpill(err error, path string) error {
	if _, ok := err.(*Error); ok {
		return err
	}
	return E("write spill file", Infra, path, err)
}

// combine runs the job's combiner over in, writing what it emits to w.
func (b *sortBuffer) combine(in KVIterator, w *segmentWriter) error {
	tc := *b.t
	tc.Combine = true
	counted := &countingIter{KVIterator: in}
	emitted := int64(0)
	err := b.job.Combiner.Reduce(b.ctx, &tc, counted, CollectorFunc(func(k, v []byte) error {
		emitted++
		return w.write(k, v)
	}))
	b.t.Counters.Add(GroupTask, CounterCombineInputRecords, counted.n)
	b.t.Counters.Add(GroupTask, CounterCombineOutputRecords, emitted)
	return err
}

// finish flushes the buffer and returns the attempt's single sorted output
// file, merging spills (and combining again when there are enough of them).
//
// When earlier spills are on disk, the records still in memory are the
// last spill: without a combiner they are sorted in place and merged from
// memory, as if they had been written as a spill file and read back (the
// same records in the same order, the same position and size in the
// merge's input order, the same spilled-records count), without that
// write and read.
func (b *sortBuffer) finish() (MapOutput, error) {
	defer b.release()
	if b.running != nil {
		if err := b.join(); err != nil {
			return MapOutput{}, err
		}
	}
	inMemory := len(b.spills) > 0 && len(b.meta) > 0 && b.job.Combiner == nil && !b.lastSpillToDisk
	if len(b.spills) == 0 || len(b.meta) > 0 && !inMemory {
		if err := b.spill(); err != nil {
			return MapOutput{}, err
		}
	}
	b.t.Counters.Add(GroupTask, CounterMapOutputRecords, b.outRecords)
	b.t.Counters.Add(GroupTask, CounterMapOutputBytes, b.outBytes)
	if len(b.spills) == 1 && !inMemory {
		b.t.Counters.Add(GroupTask, CounterSpilledRecords, b.spilled)
		return b.spills[0], nil
	}
	var last []memRun // the last spill's partitions, when it stayed in memory
	if inMemory {
		if err := b.ctx.Err(); err != nil {
			return MapOutput{}, E("spill", Canceled, "", err)
		}
		b.sortMeta()
		last = b.memRuns()
		b.spilled += int64(len(b.meta))
	}
	minSpills := b.job.MinSpillsForCombine
	if minSpills <= 0 {
		minSpills = 3
	}
	nSpills := len(b.spills)
	if inMemory {
		nSpills++
	}
	path := filepath.Join(b.dir, "file.out")
	out, err := b.writeFile(path, func(p int, w *segmentWriter, _, _ int) error {
		segs := make([]Segment, 0, nSpills)
		for _, s := range b.spills {
			if s.Segments[p].Length > 0 {
				segs = append(segs, s.Segments[p])
			}
		}
		if last != nil && last[p].hi > last[p].lo {
			// Path "" marks the in-memory run among the files.
			segs = append(segs, Segment{Records: int64(last[p].hi - last[p].lo), IFileSize: last[p].ifile})
		}
		orderForMerge(segs)
		readers := make([]*segmentReader, 0, len(segs))
		for _, s := range segs {
			if s.Path == "" {
				readers = append(readers, &segmentReader{src: b, mi: last[p].lo, mhi: last[p].hi})
				continue
			}
			r, err := openSegment(s, 0)
			if err != nil {
				for _, r := range readers {
					r.close()
				}
				return err
			}
			readers = append(readers, r)
		}
		m := newMerger(readers, b.cmp, nil)
		defer m.close()
		if b.job.Combiner != nil && nSpills >= minSpills {
			return b.combine(m, w)
		}
		m.noGroups = true
		for m.Next() {
			if err := w.write(m.RawKey(), m.Value()); err != nil {
				return err
			}
		}
		return m.Err()
	})
	if err != nil {
		return MapOutput{}, err
	}
	b.t.Counters.Add(GroupTask, CounterSpilledRecords, b.spilled)
	for _, s := range b.spills {
		os.Remove(s.Path)
	}
	return out, nil
}

// memRun is one partition's records of a sorted buffer, meta[lo:hi], and
// the size they would have in Hadoop's IFile format.
type memRun struct {
	lo, hi int
	ifile  int64
}

// memRuns returns the sorted buffer's runs, one per partition, with the
// IFile sizes a spill file of them would record (see segmentWriter.count).
func (b *sortBuffer) memRuns() []memRun {
	runs := make([]memRun, b.nPart)
	i := 0
	for p := range runs {
		r := memRun{lo: i, ifile: 2}
		for ; i < len(b.meta) && int(b.meta[i].part) == p; i++ {
			m := b.meta[i]
			kl, vl := vintSize(int(m.klen))+int(m.klen), vintSize(int(m.vlen))+int(m.vlen)
			r.ifile += int64(vintSize(kl) + vintSize(vl) + kl + vl)
		}
		r.hi = i
		runs[p] = r
	}
	return runs
}

// metaIter walks meta[i+1:hi] of a sorted buffer as a KVIterator.
type metaIter struct {
	b        *sortBuffer
	i, hi    int
	cmp      KeyCompare
	groupKey []byte
	newGroup bool
}

func (m *metaIter) Next() bool {
	m.i++
	if m.i >= m.hi {
		return false
	}
	k := m.b.keyOf(m.b.meta[m.i])
	if m.groupKey == nil || m.compare(m.groupKey, k) != 0 {
		m.groupKey = k
		m.newGroup = true
	} else {
		m.newGroup = false
	}
	return true
}

func (m *metaIter) compare(a, b []byte) int {
	if m.cmp == nil {
		return bytes.Compare(a, b)
	}
	return m.cmp(a, b)
}

func (m *metaIter) Key() []byte    { return m.groupKey }
func (m *metaIter) Value() []byte  { return m.b.valueOf(m.b.meta[m.i]) }
func (m *metaIter) NewGroup() bool { return m.newGroup }
func (m *metaIter) Err() error     { return nil }

// countingIter counts the records it passes on.
type countingIter struct {
	KVIterator
	n int64
}

func (c *countingIter) Next() bool {
	ok := c.KVIterator.Next()
	if ok {
		c.n++
	}
	return ok
}
