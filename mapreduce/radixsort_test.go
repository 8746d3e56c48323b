package mapreduce

import (
	"bytes"
	"context"
	"fmt"
	"math/rand"
	"os"
	"strconv"
	"sync"
	"testing"
)

// radixShapes are key sets that reach every path of radixSortMeta: Zipf
// words (many equal keys, lengths around 8), keys over a tiny alphabet
// with zero and 0xff bytes (keys that differ only in trailing zero bytes,
// equal 8-byte prefixes with different tails, empty keys), gensort-like
// 10-byte keys, and long keys sharing a long prefix.
func radixShapes(n int, seed int64) map[string][][]byte {
	r := rand.New(rand.NewSource(seed))
	words, _ := wordRecords(n, seed)
	alphabet := []byte{0, 1, 'a', 'b', 0xff}
	tiny := make([][]byte, n)
	for i := range tiny {
		k := make([]byte, r.Intn(13))
		for j := range k {
			k[j] = alphabet[r.Intn(len(alphabet))]
		}
		tiny[i] = k
	}
	sortKeys, _ := benchRecords(n, seed)
	long := make([][]byte, n)
	for i := range long {
		long[i] = fmt.Appendf(nil, "http://example.com/%d/%c", r.Intn(40), 'a'+r.Intn(3))
	}
	return map[string][][]byte{"words": words, "tiny": tiny, "sort": sortKeys, "long": long}
}

// TestRadixSortMatchesQuickSort checks that radixSortMeta leaves a buffer
// whose records all have the same value in the same sequence of records
// (partition, key, value) as Hadoop's QuickSort (the exact sort, which
// TestQuickSortGolden checks against Hadoop's own), for every shape, sizes
// around the insertion-sort threshold, and 1 to 7 partitions.
func TestRadixSortMatchesQuickSort(t *testing.T) {
	for _, n := range []int{0, 1, 2, radixSmall, radixSmall + 1, 300, 5000, 40000} {
		for name, keys := range radixShapes(n, int64(n)+1) {
			for _, nPart := range []int{1, 3, 7} {
				for _, value := range [][]byte{[]byte("1"), nil} {
					values := make([][]byte, n)
					for i := range values {
						values[i] = value
					}
					exact, _ := filledBuffer(keys, values, nPart)
					exact.sortMeta()
					radix, _ := filledBuffer(keys, values, nPart)
					radix.radixSortMeta()
					for i := range exact.meta {
						e, r := exact.meta[i], radix.meta[i]
						if e.part != r.part || !bytes.Equal(exact.keyOf(e), radix.keyOf(r)) || !bytes.Equal(exact.valueOf(e), radix.valueOf(r)) {
							t.Fatalf("%s, %d records, %d partitions: record %d is %d:%q=%q, QuickSort has %d:%q=%q", name, n, nPart, i,
								r.part, radix.keyOf(r), radix.valueOf(r), e.part, exact.keyOf(e), exact.valueOf(e))
						}
					}
				}
			}
		}
	}
}

// TestSortBufferValuesSame checks what Collect records about the values
// of the records in the buffer, which decides whether the sort may ignore
// the order of equal keys: the same value throughout (an empty value and
// no value are the same bytes), until one differs, and afresh for the
// records after a spill.
func TestSortBufferValuesSame(t *testing.T) {
	dir := t.TempDir()
	job := &Job{NumReduces: 2, SortMB: 1}
	b := newSortBuffer(context.Background(), job, &TaskContext{Counters: &Counters{}, Dir: dir}, dir)
	defer b.release()
	collect := func(k, v string, want bool) {
		t.Helper()
		var value []byte
		if v != "<nil>" {
			value = []byte(v)
		}
		if err := b.Collect([]byte(k), value); err != nil {
			t.Fatal(err)
		}
		if b.valuesSame != want {
			t.Fatalf("after %q=%q: valuesSame %v, want %v", k, v, b.valuesSame, want)
		}
	}
	collect("a", "1", true)
	collect("b", "1", true)
	collect("a", "11", false)
	collect("c", "1", false)
	if err := b.spill(); err != nil {
		t.Fatal(err)
	}
	collect("x", "", true)
	collect("y", "<nil>", true)
	collect("z", "1", false)
}

// TestRadixSpillsMatchExact runs whole map outputs (several spills,
// overlapped or not, the last merged from memory or from disk, combiner)
// of records with one value through the sort buffer twice, once with the
// exact QuickSort only, and requires the same bytes, segments and
// counters; it also checks the radix sort did run, and that records whose
// values differ, or a comparator, keep the exact sort.
func TestRadixSpillsMatchExact(t *testing.T) {
	words, _ := wordRecords(120000, 21)
	sortKeys, sortValues := benchRecords(30000, 22)
	lines := make([][]byte, len(sortKeys)) // whole lines as keys, as -mapper cat gives them
	for i := range lines {
		lines[i] = append(append([]byte(nil), sortKeys[i]...), sortValues[i][:89]...)
	}
	reverse := func(a, b []byte) int { return bytes.Compare(b, a) }
	numbered := make([][]byte, len(words))
	for i := range numbered {
		numbered[i] = []byte(strconv.Itoa(i % 3))
	}
	constant := func(n int, v string) [][]byte {
		vs := make([][]byte, n)
		for i := range vs {
			vs[i] = []byte(v)
		}
		return vs
	}
	for _, tc := range []struct {
		name       string
		job        Job
		keys       [][]byte
		values     [][]byte
		noOverlap  bool
		lastToDisk bool
		radix      bool // whether the radix sort must run
	}{
		{"words, 1 reducer", Job{NumReduces: 1, SortMB: 1}, words, constant(len(words), "1"), false, false, true},
		{"words, 3 reducers", Job{NumReduces: 3, SortMB: 1, SpillPercent: 0.6}, words, constant(len(words), "1"), false, false, true},
		{"words, synchronous, last on disk", Job{NumReduces: 2, SortMB: 1}, words, constant(len(words), "1"), true, true, true},
		{"words, combiner", Job{NumReduces: 2, SortMB: 1, Combiner: concatReducer{}}, words, constant(len(words), "1"), false, false, true},
		{"sort records, empty values", Job{NumReduces: 2, SortMB: 1}, lines, constant(len(lines), ""), false, false, true},
		{"values differ", Job{NumReduces: 2, SortMB: 1}, words, numbered, false, false, false},
		{"comparator", Job{NumReduces: 2, SortMB: 1, Compare: reverse}, words, constant(len(words), "1"), false, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			job := tc.job
			exact, exactSegs, exactCounters, _ := collectSorted(t, &job, tc.keys, tc.values, tc.noOverlap, tc.lastToDisk, true)
			var mu sync.Mutex
			radixRecords, sorts := 0, 0
			sortHook = func(radix bool, n int) {
				mu.Lock()
				defer mu.Unlock()
				sorts++
				if radix {
					radixRecords += n
				}
			}
			got, gotSegs, gotCounters, spills := collectSorted(t, &job, tc.keys, tc.values, tc.noOverlap, tc.lastToDisk, false)
			sortHook = nil
			if spills < 2 {
				t.Fatalf("%d spill files: the test needs several", spills)
			}
			if tc.radix && radixRecords != len(tc.keys) {
				t.Fatalf("the radix sort sorted %d of %d records in %d sorts", radixRecords, len(tc.keys), sorts)
			}
			if !tc.radix && radixRecords != 0 {
				t.Fatalf("the radix sort sorted %d records, where the exact sort must run", radixRecords)
			}
			if !bytes.Equal(exact, got) {
				t.Fatalf("map output (%d bytes) differs from the exact sort's (%d bytes)", len(got), len(exact))
			}
			for p := range exactSegs {
				if exactSegs[p] != gotSegs[p] {
					t.Errorf("partition %d: segment %+v, exact sort %+v", p, gotSegs[p], exactSegs[p])
				}
			}
			for _, name := range []string{CounterSpilledRecords, CounterMapOutputRecords, CounterMapOutputBytes, CounterCombineInputRecords, CounterCombineOutputRecords} {
				if e, g := exactCounters.Get(GroupTask, name), gotCounters.Get(GroupTask, name); e != g {
					t.Errorf("counter %s = %d, exact sort %d", name, g, e)
				}
			}
		})
	}
}

// collectSorted is collectAll with the choice of sort, overlap and where
// the last spill goes; segment paths are made relative to the task
// directory so that two runs compare.
func collectSorted(t *testing.T, job *Job, keys, values [][]byte, noOverlap, lastToDisk, exactOnly bool) ([]byte, []Segment, *Counters, int) {
	t.Helper()
	dir := t.TempDir()
	tc := &TaskContext{Counters: &Counters{}, Dir: dir}
	sb := newSortBuffer(context.Background(), job, tc, dir)
	sb.noOverlap, sb.lastSpillToDisk, sb.exactSortOnly = noOverlap, lastToDisk, exactOnly
	for i := range keys {
		if err := sb.Collect(keys[i], values[i]); err != nil {
			t.Fatal(err)
		}
	}
	out, err := sb.finish()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(out.Path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range out.Segments {
		out.Segments[i].Path = ""
	}
	return data, out.Segments, tc.Counters, len(sb.spills)
}

// BenchmarkMapSideSort is the sort of one full spill alone, Hadoop's
// QuickSort (exact) vs the radix sort, on 1.5M word-count records (Zipf
// words, value "1") and on 320k identity-sort records (10-byte gensort-like
// keys, whole 100-byte lines as keys as `-mapper cat` gives them, empty
// values), one partition and two. Each iteration restores the unsorted
// metadata first (included in the time).
func BenchmarkMapSideSort(b *testing.B) {
	words, _ := wordRecords(1500000, 31)
	sortKeys, sortValues := benchRecords(320000, 32)
	lines := make([][]byte, len(sortKeys))
	for i := range lines {
		lines[i] = append(append([]byte(nil), sortKeys[i]...), sortValues[i][:89]...)
	}
	for _, shape := range []struct {
		name  string
		keys  [][]byte
		value string
	}{{"words", words, "1"}, {"lines", lines, ""}} {
		values := make([][]byte, len(shape.keys))
		for i := range values {
			values[i] = []byte(shape.value)
		}
		for _, nPart := range []int{1, 2} {
			for _, exact := range []bool{true, false} {
				name := fmt.Sprintf("%s/reduces=%d/sort=%s", shape.name, nPart, map[bool]string{true: "exact", false: "radix"}[exact])
				b.Run(name, func(b *testing.B) {
					sb, orig := filledBuffer(shape.keys, values, nPart)
					sb.valuesSame, sb.exactSortOnly = true, exact
					b.ResetTimer()
					c0 := cpuTime(b)
					for i := 0; i < b.N; i++ {
						copy(sb.meta, orig)
						sb.sortMeta()
					}
					reportCPU(b, c0)
				})
			}
		}
	}
}

// TestCollectPrefix checks the key prefixes Collect stores (read from the
// arena, see arenaPrefix) against keyPrefix of each key, for keys of 0 to
// 12 bytes including zero and 0xff bytes, also at the arena's end.
func TestCollectPrefix(t *testing.T) {
	r := rand.New(rand.NewSource(5))
	alphabet := []byte{0, 1, 'a', 0xfe, 0xff}
	dir := t.TempDir()
	b := newSortBuffer(context.Background(), &Job{NumReduces: 1, SortMB: 1}, &TaskContext{Counters: &Counters{}, Dir: dir}, dir)
	defer b.release()
	var keys [][]byte
	for i := 0; i < 2000; i++ {
		k := make([]byte, r.Intn(13))
		for j := range k {
			k[j] = alphabet[r.Intn(len(alphabet))]
		}
		v := make([]byte, r.Intn(3))
		for j := range v {
			v[j] = alphabet[r.Intn(len(alphabet))]
		}
		keys = append(keys, k)
		if err := b.Collect(k, v); err != nil {
			t.Fatal(err)
		}
	}
	for i, m := range b.meta {
		if want := keyPrefix(keys[i]); m.prefix != want {
			t.Fatalf("record %d, key %q: prefix %016x, keyPrefix %016x", i, keys[i], m.prefix, want)
		}
	}
	for klen := 0; klen <= 9; klen++ {
		arena := make([]byte, 16)
		for i := range arena {
			arena[i] = 0xee
		}
		off := 16 - klen
		if got, want := arenaPrefix(arena[:16:16], off, klen), keyPrefix(arena[off:]); got != want {
			t.Errorf("key of %d bytes at the arena's end: prefix %016x, keyPrefix %016x", klen, got, want)
		}
	}
}
