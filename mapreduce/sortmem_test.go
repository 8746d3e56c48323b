package mapreduce

import (
	"bytes"
	"context"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"
)

// inMapping says whether the memory of s (cap included) lies in mapping.
func inMapping[T any](s []T, mapping []byte) bool {
	if cap(s) == 0 {
		return false
	}
	lo := uintptr(unsafe.Pointer(&mapping[0]))
	p := uintptr(unsafe.Pointer(unsafe.SliceData(s)))
	end := p + uintptr(cap(s))*unsafe.Sizeof(*new(T))
	return p >= lo && end <= lo+uintptr(len(mapping))
}

func needMappings(t *testing.T) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("sort buffers use mapped memory on Linux only")
	}
}

// TestSortBufferMemoryNeverMoves checks that on Linux the sort buffer
// collects into one mapping reserved for its largest size: arena and
// metadata start where the mapping puts them and stay there through
// collection up to the spill limit and through spills (no copy into a
// larger slice), also with empty records, which fill the metadata to the
// most records the limit allows.
func TestSortBufferMemoryNeverMoves(t *testing.T) {
	needMappings(t)
	for _, tc := range []struct {
		name      string
		noOverlap bool
		empty     bool
	}{{"synchronous spills", true, false}, {"overlapped spills", false, false}, {"empty records", true, true}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			job := &Job{NumReduces: 3, SortMB: 1}
			b := newSortBuffer(context.Background(), job, &TaskContext{Counters: &Counters{}, Dir: dir}, dir)
			defer b.release()
			b.noOverlap = tc.noOverlap
			if b.mem.mapping == nil {
				t.Fatal("the sort buffer's memory is not mapped")
			}
			if cap(b.arena) < b.limit || cap(b.meta) < maxRecords(b.limit) {
				t.Fatalf("mapped memory has room for %d bytes and %d records, the limit %d needs %d records",
					cap(b.arena), cap(b.meta), b.limit, maxRecords(b.limit))
			}
			keys, _ := wordRecords(150000, 4)
			mostRecords := 0
			for i, k := range keys {
				v := []byte(strconv.Itoa(i))
				if tc.empty {
					k, v = nil, nil
				}
				if err := b.Collect(k, v); err != nil {
					t.Fatal(err)
				}
				mostRecords = max(mostRecords, len(b.meta))
				mem := b.mem
				if b.running != nil {
					mem = b.ovMem
				}
				if !inMapping(b.arena, mem.mapping) && len(b.arena) > 0 || !inMapping(b.meta, mem.mapping) {
					t.Fatalf("record %d: arena or metadata moved out of the mapping", i)
				}
			}
			if _, err := b.finish(); err != nil {
				t.Fatal(err)
			}
			if len(b.spills) < 2 {
				t.Fatalf("%d spills: the test needs several", len(b.spills))
			}
			if tc.empty && mostRecords != b.limit/metaSize {
				t.Errorf("at most %d empty records in the buffer, the limit of %d bytes takes %d", mostRecords, b.limit, b.limit/metaSize)
			}
		})
	}
}

// TestMappedMatchesHeapMemory checks that map output collected into
// mapped memory is byte for byte what heap memory (the way the buffer
// kept its records before) gives, with the same spills and counters:
// spills at the limit, records of exactly the limit and larger than the
// whole buffer (which the mapping has no room for), empty records, and
// overlapped spills with little or no overflow room.
func TestMappedMatchesHeapMemory(t *testing.T) {
	needMappings(t)
	keys, _ := wordRecords(60000, 7)
	values := make([][]byte, len(keys))
	for i := range values {
		values[i] = []byte(strconv.Itoa(i % 1000))
	}
	mb, pct := 1, 0.8
	limit := int(float64(mb<<20) * pct) // as newSortBuffer has it
	// Records that fill the buffer exactly, and one larger than it.
	keys = append(keys[:20000], append([][]byte{bytes.Repeat([]byte("k"), limit-metaSize-1), []byte("x"),
		bytes.Repeat([]byte("big"), 1<<20), nil, nil}, keys[20000:]...)...)
	values = append(values[:20000], append([][]byte{[]byte("v"), []byte("y"), []byte("z"), nil, nil}, values[20000:]...)...)
	for _, tc := range []struct {
		name      string
		job       Job
		noOverlap bool
	}{
		{"1 reducer", Job{NumReduces: 1, SortMB: 1}, true},
		{"3 reducers overlapped", Job{NumReduces: 3, SortMB: 1}, false},
		{"no overflow room", Job{NumReduces: 2, SortMB: 1, SpillPercent: 1}, false},
		{"small overflow", Job{NumReduces: 2, SortMB: 1, SpillPercent: 0.95}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			job := tc.job
			heapSortMem = true
			want, wantSegs, wantCounters, wantSpills := collectAll(t, &job, keys, values, tc.noOverlap)
			heapSortMem = false
			got, gotSegs, gotCounters, gotSpills := collectAll(t, &job, keys, values, tc.noOverlap)
			if !bytes.Equal(got, want) || gotSpills != wantSpills {
				t.Fatalf("mapped memory: %d bytes in %d spills; heap memory: %d bytes in %d spills (or the bytes differ)",
					len(got), gotSpills, len(want), wantSpills)
			}
			for p := range wantSegs {
				g, w := gotSegs[p], wantSegs[p]
				g.Path, w.Path = "", "" // files in different directories
				if g != w {
					t.Errorf("partition %d: segment %+v, with heap memory %+v", p, gotSegs[p], wantSegs[p])
				}
			}
			for _, name := range []string{CounterSpilledRecords, CounterMapOutputRecords, CounterMapOutputBytes} {
				if g, w := gotCounters.Get(GroupTask, name), wantCounters.Get(GroupTask, name); g != w {
					t.Errorf("counter %s = %d, with heap memory %d", name, g, w)
				}
			}
		})
	}
}

// TestSortMemLifetime checks what happens to released sort buffer
// memory: kept for reuse up to maxFreeSortMem, unmapped past that, handed
// out again only to a buffer it fits, intact after a record larger than
// the buffer made the arena move to the heap, and released once however
// often release or abort is called.
func TestSortMemLifetime(t *testing.T) {
	needMappings(t)
	var l sortMemList
	var mems []*sortMem
	for range maxFreeSortMem + 1 {
		m := l.get(1<<16, 100)
		if m.mapping == nil {
			t.Fatal("no mapped memory")
		}
		mems = append(mems, m)
	}
	for _, m := range mems {
		m.arena = append(m.arena, "dirty"...)
		l.put(m)
	}
	if len(l.free) != maxFreeSortMem {
		t.Fatalf("%d kept, want %d", len(l.free), maxFreeSortMem)
	}
	if last := mems[maxFreeSortMem]; last.mapping != nil || last.arena != nil {
		t.Fatal("memory released past the list's room was not freed")
	}
	if m := l.get(1<<17, 100); m.mapping == nil || len(l.free) != maxFreeSortMem || cap(m.arena) < 1<<17 {
		t.Fatal("a larger buffer did not get new memory of its size")
	} else {
		m.free()
	}
	m := l.get(1<<10, 10)
	if len(l.free) != maxFreeSortMem-1 || len(m.arena) != 0 || len(m.meta) != 0 {
		t.Fatalf("reused memory: %d kept, arena %d bytes, %d records; want %d kept and empty memory", len(l.free), len(m.arena), len(m.meta), maxFreeSortMem-1)
	}
	for _, m := range append(l.free, m) {
		m.free()
	}

	// A record larger than the buffer, then release and abort twice.
	dir := t.TempDir()
	job := &Job{NumReduces: 1, SortMB: 1}
	b := newSortBuffer(context.Background(), job, &TaskContext{Counters: &Counters{}, Dir: dir}, dir)
	mem := b.mem
	mapped := mem.arena[:1]
	if err := b.Collect(bytes.Repeat([]byte("k"), 2<<20), nil); err != nil {
		t.Fatal(err)
	}
	if inMapping(b.arena, mem.mapping) {
		t.Fatal("a record larger than the mapping is in it")
	}
	if err := b.startSpill(); err != nil {
		t.Fatal(err)
	}
	b.abort()
	if b.running != nil || b.mem != nil || b.ovMem != nil || b.arena != nil || b.meta != nil {
		t.Fatal("abort left a spill running or memory held")
	}
	b.abort()
	b.release()
	if unsafe.SliceData(mem.arena) != unsafe.SliceData(mapped) || cap(mem.arena) < b.limit {
		t.Fatal("released mapped memory does not hold its mapping's arena")
	}
	if n := countFree(mem); n != 1 {
		t.Fatalf("released memory is kept %d times, want once", n)
	}
}

func countFree(m *sortMem) int {
	sortMemFree.mu.Lock()
	defer sortMemFree.mu.Unlock()
	n := 0
	for _, f := range sortMemFree.free {
		if f == m {
			n++
		}
	}
	return n
}

// dropFreeSortMem frees the memory kept for reuse, so that the next sort
// buffer starts with fresh memory as the first map task of a process does.
func dropFreeSortMem() {
	sortMemFree.mu.Lock()
	free := sortMemFree.free
	sortMemFree.free = nil
	sortMemFree.mu.Unlock()
	for _, m := range free {
		m.free()
	}
}

// BenchmarkCollectGrowth is the collection of one 32 MB split's word count
// map output (3M records) into a fresh sort buffer of the default 100 MB,
// without the spill: mem=heap grows arena and metadata as the buffer
// fills (the way it was before mapped memory), mem=mapped collects into a
// mapping reserved at the buffer's largest size. Each iteration starts
// with fresh memory, as the first map task of a process does.
func BenchmarkCollectGrowth(b *testing.B) {
	keys, values := wordRecords(3000000, 12)
	var size int64
	for i := range keys {
		size += int64(len(keys[i]) + len(values[i]) + 2)
	}
	for _, heap := range []bool{true, false} {
		b.Run("mem="+map[bool]string{true: "heap", false: "mapped"}[heap], func(b *testing.B) {
			defer func() { heapSortMem = false }()
			heapSortMem = heap
			dir := b.TempDir()
			b.SetBytes(size)
			b.ReportAllocs()
			var cpu time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				dropFreeSortMem()
				runtime.GC()
				c0 := cpuTime(b)
				b.StartTimer()
				sb := newSortBuffer(context.Background(), &Job{NumReduces: 1}, &TaskContext{Counters: &Counters{}, Dir: dir}, dir)
				for j := range keys {
					if err := sb.Collect(keys[j], values[j]); err != nil {
						b.Fatal(err)
					}
				}
				if len(sb.spills) > 0 || sb.running != nil {
					b.Fatal("the buffer spilled: the benchmark measures collection alone")
				}
				sb.release()
				cpu += cpuTime(b) - c0
			}
			b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}

// BenchmarkSortMemPages is the radix sort of a full buffer of 3M word
// records (2 partitions) in mapped memory with 4 KiB pages and with
// transparent huge pages (what mapAnon asks for): the sort's accesses
// spread over tens of megabytes, where small pages miss the TLB. The
// figures depend on the machine's transparent huge page setting
// (/sys/kernel/mm/transparent_hugepage/enabled: "never" makes them equal).
func BenchmarkSortMemPages(b *testing.B) {
	if runtime.GOOS != "linux" {
		b.Skip("sort buffers use mapped memory on Linux only")
	}
	keys, values := wordRecords(3000000, 8)
	src, orig := filledBuffer(keys, values, 2)
	for _, huge := range []bool{false, true} {
		b.Run("pages="+map[bool]string{false: "4k", true: "huge"}[huge], func(b *testing.B) {
			defer func() { hugePages = true }()
			hugePages = huge
			m := mapSortMem(len(src.arena), len(orig))
			if m == nil {
				b.Fatal("no mapped memory")
			}
			defer m.free()
			sb := &sortBuffer{nPart: 2, valuesSame: true, arena: append(m.arena, src.arena...)}
			var cpu time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				sb.meta = append(m.meta[:0], orig...)
				c0 := cpuTime(b)
				b.StartTimer()
				sb.sortMeta()
				cpu += cpuTime(b) - c0
			}
			b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}

// smapsField sums field (e.g. "LazyFree") over this process's mappings
// that overlap b, in kB, from /proc/self/smaps.
func smapsField(t *testing.T, b []byte, field string) int {
	t.Helper()
	data, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		t.Skipf("no /proc/self/smaps: %v", err)
	}
	lo := uint64(uintptr(unsafe.Pointer(&b[0])))
	hi := lo + uint64(len(b))
	in, sum := false, 0
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if start, end, ok := strings.Cut(f[0], "-"); ok && !strings.HasSuffix(f[0], ":") {
			s, err1 := strconv.ParseUint(start, 16, 64)
			e, err2 := strconv.ParseUint(end, 16, 64)
			in = err1 == nil && err2 == nil && s < hi && e > lo
			continue
		}
		if in && f[0] == field+":" && len(f) >= 2 {
			n, _ := strconv.Atoi(f[1])
			sum += n
		}
	}
	return sum
}

// TestKeptMemoryLazilyFree: memory kept for reuse is marked lazily free,
// so the kernel may take its pages back from an idle worker.
func TestKeptMemoryLazilyFree(t *testing.T) {
	needMappings(t)
	var l sortMemList
	m := l.get(8<<20, 1<<16)
	if m.mapping == nil {
		t.Skip("no mapping to be had here")
	}
	defer func() {
		for _, k := range l.free {
			k.free()
		}
	}()
	m.arena = m.arena[:4<<20]
	for i := range m.arena {
		m.arena[i] = byte(i)
	}
	// The kernel may merge the mapping with a neighbouring one (kept memory
	// of other tests), so the figure is the growth of what smaps shows.
	before := smapsField(t, m.mapping, "LazyFree")
	mapping := m.mapping
	l.put(m)
	if got := smapsField(t, mapping, "LazyFree"); got-before < 4<<10 {
		t.Fatalf("LazyFree grew by %d kB (from %d kB) at put, want at least the 4096 kB touched", got-before, before)
	}
}

// TestSortMemBounds: a mapping larger than maxKeptMapping is unmapped when
// released, not kept; under strict overcommit no mapping is made at all;
// and a record past the limit of mapped memory gets a heap arena of about
// its own size, not twice the limit.
func TestSortMemBounds(t *testing.T) {
	needMappings(t)
	var l sortMemList
	big := l.get(maxKeptMapping, 1)
	if big.mapping == nil {
		t.Skip("no mapping of 1 GiB to be had here")
	}
	l.put(big)
	if len(l.free) != 0 || big.mapping != nil {
		t.Fatalf("a %d-byte mapping was kept for reuse (%d kept)", maxKeptMapping, len(l.free))
	}

	strict := strictOvercommit
	t.Cleanup(func() { strictOvercommit = strict })
	strictOvercommit = func() bool { return true }
	if m := l.get(1<<20, 100); m.mapping != nil {
		m.free()
		t.Fatal("strict overcommit: sort buffer memory was mapped")
	}
	strictOvercommit = strict

	dir := t.TempDir()
	job := &Job{NumReduces: 1, SortMB: 1}
	b := newSortBuffer(context.Background(), job, &TaskContext{Counters: &Counters{}, Dir: dir}, dir)
	defer b.release()
	if b.mem.mapping == nil {
		t.Skip("no mapped memory")
	}
	rec := b.limit + 1 // just past the mapping's arena
	if err := b.Collect(bytes.Repeat([]byte("k"), rec), nil); err != nil {
		t.Fatal(err)
	}
	if c := cap(b.arena); c > rec+rec/4 {
		t.Fatalf("a %d-byte record in an empty mapped buffer of limit %d got a heap arena of %d bytes", rec, b.limit, c)
	}
}
