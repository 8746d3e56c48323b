package mapreduce

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// TestByteSorterCompareIsBytesCompare checks the sort buffer's key order
// (prefix, then length or arena bytes) against bytes.Compare on keys made to
// hit every path: short keys differing only in trailing zero bytes, equal
// prefixes with long tails, and empty keys.
func TestByteSorterCompareIsBytesCompare(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	alphabet := []byte{0, 1, 'a', 'b', 0xff}
	var keys [][]byte
	for i := 0; i < 400; i++ {
		k := make([]byte, r.Intn(13))
		for j := range k {
			k[j] = alphabet[r.Intn(len(alphabet))]
		}
		keys = append(keys, k)
	}
	keys = append(keys, []byte{}, []byte{0}, []byte{0, 0}, []byte("abcdefgh"), []byte("abcdefgh\x00"), []byte("abcdefg"))
	sb, _ := filledBuffer(keys, keys, 1)
	s := byteSorter{b: sb}
	for i := range keys {
		for j := range keys {
			if got, want := sign(s.Compare(i, j)), bytes.Compare(keys[i], keys[j]); got != want {
				t.Fatalf("Compare(%q, %q) = %d, bytes.Compare says %d", keys[i], keys[j], got, want)
			}
		}
	}
}

// collectAll runs a sort buffer over the records and returns the map
// output's bytes, partition segments, counters and number of spills.
func collectAll(t *testing.T, job *Job, keys, values [][]byte, noOverlap bool) ([]byte, []Segment, *Counters, int) {
	t.Helper()
	dir := t.TempDir()
	tc := &TaskContext{Counters: &Counters{}, Dir: dir}
	sb := newSortBuffer(context.Background(), job, tc, dir)
	sb.noOverlap = noOverlap
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
	return data, out.Segments, tc.Counters, len(sb.spills)
}

// TestOverlappedSpillsMatchSynchronous checks that spilling in the
// background while collecting goes on gives the same map output, byte for
// byte, as spilling in the collecting goroutine (the behaviour the Hadoop
// conformance cases with small sort buffers were checked against): same
// spill boundaries, so the same order of equal keys and the same combiner
// input. Small buffers make many spills; values number the records so any
// change of order shows.
func TestOverlappedSpillsMatchSynchronous(t *testing.T) {
	keys, _ := wordRecords(120000, 11)
	values := make([][]byte, len(keys))
	for i := range values {
		values[i] = []byte(strconv.Itoa(i))
	}
	concat := concatReducer{}
	for _, tc := range []struct {
		name string
		job  Job
	}{
		{"1 reducer", Job{NumReduces: 1, SortMB: 1}},
		{"3 reducers", Job{NumReduces: 3, SortMB: 1, SpillPercent: 0.6}},
		{"3 reducers, spill percent 0.3", Job{NumReduces: 3, SortMB: 1, SpillPercent: 0.3}},
		{"combiner", Job{NumReduces: 2, SortMB: 1, Combiner: concat}},
		{"no overlap room", Job{NumReduces: 2, SortMB: 1, SpillPercent: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			job := tc.job
			sync, syncSegs, syncCounters, spills := collectAll(t, &job, keys, values, true)
			over, overSegs, overCounters, _ := collectAll(t, &job, keys, values, false)
			if !bytes.Equal(sync, over) {
				t.Fatalf("overlapped spills wrote %d bytes that differ from the synchronous spills' %d", len(over), len(sync))
			}
			for p := range syncSegs {
				s, o := syncSegs[p], overSegs[p]
				if s.Offset != o.Offset || s.Length != o.Length || s.Records != o.Records || s.IFileSize != o.IFileSize {
					t.Errorf("partition %d: segment %+v, synchronous %+v", p, o, s)
				}
			}
			for _, name := range []string{CounterSpilledRecords, CounterMapOutputRecords, CounterCombineInputRecords, CounterCombineOutputRecords} {
				if s, o := syncCounters.Get(GroupTask, name), overCounters.Get(GroupTask, name); s != o {
					t.Errorf("counter %s = %d, synchronous %d", name, o, s)
				}
			}
			if spills < 3 {
				t.Errorf("%d spills: the test needs several", spills)
			}
		})
	}
}

// concatReducer emits each group's key once with its values joined by
// commas, in the order it got them: as a combiner its output shows which
// records each spill held.
type concatReducer struct{}

func (concatReducer) Reduce(_ context.Context, _ *TaskContext, in KVIterator, out Collector) error {
	var key, joined []byte
	for in.Next() {
		if in.NewGroup() && key != nil {
			if err := out.Collect(key, joined); err != nil {
				return err
			}
			joined = joined[:0]
		}
		if in.NewGroup() {
			key = append(key[:0], in.Key()...)
		} else {
			joined = append(joined, ',')
		}
		joined = append(joined, in.Value()...)
	}
	if key != nil {
		return out.Collect(key, joined)
	}
	return in.Err()
}

// TestRecordHashIsDigestOfStream checks a recordHash (which hashes batches)
// against SHA-256 of the records' encoding written out in one piece, with
// records smaller and larger than its batch.
func TestRecordHashIsDigestOfStream(t *testing.T) {
	keys, values := wordRecords(20000, 12)
	keys = append(keys, bytes.Repeat([]byte("k"), 3*recordHashBuffer), []byte("after"))
	values = append(values, []byte("v"), bytes.Repeat([]byte("v"), recordHashBuffer))
	h := newRecordHash()
	var stream []byte
	for i := range keys {
		h.add(keys[i], values[i])
		stream = binary.AppendUvarint(stream, uint64(len(keys[i])))
		stream = binary.AppendUvarint(stream, uint64(len(values[i])))
		stream = append(append(stream, keys[i]...), values[i]...)
	}
	want := sha256.Sum256(stream)
	if got := h.sum(); got != hex.EncodeToString(want[:]) {
		t.Errorf("digest %s, SHA-256 of the stream %x", got, want)
	}
	if h.n != int64(len(keys)) {
		t.Errorf("%d records counted, %d added", h.n, len(keys))
	}
}

// TestStreamedSegmentReader reads a segment from its file (not whole into
// memory) at an offset inside the file, with records smaller and larger
// than the read buffer, and checks a segment cut inside its last record
// is reported as corrupt.
func TestStreamedSegmentReader(t *testing.T) {
	path := filepath.Join(t.TempDir(), "seg")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := &segmentWriter{w: bufio.NewWriterSize(f, 4096)}
	w.write([]byte("before"), []byte("the segment"))
	start := w.off
	keys, values := wordRecords(30000, 13)
	keys = append(keys, bytes.Repeat([]byte("K"), 100<<10), []byte("k"))
	values = append(values, bytes.Repeat([]byte("V"), 70<<10), bytes.Repeat([]byte("v"), 65<<10))
	for i := range keys {
		w.write(keys[i], values[i])
	}
	if err := w.w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	seg := Segment{Path: path, Offset: start, Length: w.off - start}
	r, err := openSegment(seg, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for r.next() {
		if n >= len(keys) || !bytes.Equal(r.key, keys[n]) || !bytes.Equal(r.value, values[n]) {
			t.Fatalf("record %d: %.20q %.20q", n, r.key, r.value)
		}
		n++
	}
	r.close()
	if r.err != nil || n != len(keys) {
		t.Fatalf("read %d of %d records: %v", n, len(keys), r.err)
	}
	seg.Length -= 10
	r, err = openSegment(seg, 0)
	if err != nil {
		t.Fatal(err)
	}
	for r.next() {
	}
	r.close()
	if !IsKind(r.err, Internal) {
		t.Errorf("segment cut in its last record: error %v, want a corrupt record", r.err)
	}
}

// TestLastSpillFromMemoryMatchesDisk checks that merging the last spill
// from memory gives the map output, byte for byte, that writing it as a
// spill file and merging that gives (the path the Hadoop conformance cases
// were checked against): the same records in the same order (values number
// the records, so the order of equal keys shows), the same segments and
// the same counters.
func TestLastSpillFromMemoryMatchesDisk(t *testing.T) {
	keys, _ := wordRecords(120000, 13)
	values := make([][]byte, len(keys))
	for i := range values {
		values[i] = []byte(strconv.Itoa(i))
	}
	reverse := func(a, b []byte) int { return bytes.Compare(b, a) }
	for _, tc := range []struct {
		name string
		job  Job
		n    int // records collected
	}{
		{"1 reducer", Job{NumReduces: 1, SortMB: 1}, len(keys)},
		{"3 reducers", Job{NumReduces: 3, SortMB: 1, SpillPercent: 0.6}, len(keys)},
		{"comparator", Job{NumReduces: 2, SortMB: 1, Compare: reverse}, len(keys)},
		{"one record past a spill", Job{NumReduces: 2, SortMB: 1}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			job := tc.job
			n := tc.n
			if n == 0 {
				// The fewest records that make one spill: the last of them
				// (the one that did not fit) is alone in memory at the end.
				spillsAt := func(n int) int {
					_, _, _, s := collectAllN(t, &job, keys[:n], values[:n], 1, false)
					return s
				}
				hi := 1
				for spillsAt(hi) == 0 {
					hi *= 2
				}
				lo := hi / 2
				for hi-lo > 1 {
					if mid := (lo + hi) / 2; spillsAt(mid) > 0 {
						hi = mid
					} else {
						lo = mid
					}
				}
				n = hi
			}
			disk, diskSegs, diskCounters, spills := collectAllN(t, &job, keys[:n], values[:n], 0, true)
			mem, memSegs, memCounters, memSpills := collectAllN(t, &job, keys[:n], values[:n], 0, false)
			if spills < 2 || memSpills != spills-1 {
				t.Fatalf("%d spill files written to disk, %d with the last in memory: the test needs several", spills, memSpills)
			}
			if !bytes.Equal(disk, mem) {
				t.Fatalf("map output with the last spill merged from memory (%d bytes) differs from the one with it on disk (%d bytes)", len(mem), len(disk))
			}
			for p := range diskSegs {
				d, m := diskSegs[p], memSegs[p]
				if d.Offset != m.Offset || d.Length != m.Length || d.Records != m.Records || d.IFileSize != m.IFileSize {
					t.Errorf("partition %d: segment %+v, with the last spill on disk %+v", p, m, d)
				}
			}
			for _, name := range []string{CounterSpilledRecords, CounterMapOutputRecords, CounterMapOutputBytes} {
				if d, m := diskCounters.Get(GroupTask, name), memCounters.Get(GroupTask, name); d != m {
					t.Errorf("counter %s = %d, with the last spill on disk %d", name, m, d)
				}
			}
		})
	}
}

// collectAllN is collectAll with synchronous spills and the last spill
// written to disk or not; with stopAfterSpills > 0 it only counts the
// spill files written while collecting (nothing is merged). The count
// returned leaves out a last spill merged from memory.
func collectAllN(t *testing.T, job *Job, keys, values [][]byte, stopAfterSpills int, lastToDisk bool) ([]byte, []Segment, *Counters, int) {
	t.Helper()
	dir := t.TempDir()
	tc := &TaskContext{Counters: &Counters{}, Dir: dir}
	sb := newSortBuffer(context.Background(), job, tc, dir)
	sb.noOverlap = true
	sb.lastSpillToDisk = lastToDisk
	for i := range keys {
		if err := sb.Collect(keys[i], values[i]); err != nil {
			t.Fatal(err)
		}
	}
	if stopAfterSpills > 0 {
		n := len(sb.spills)
		sb.release()
		return nil, nil, nil, n
	}
	out, err := sb.finish()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(out.Path)
	if err != nil {
		t.Fatal(err)
	}
	return data, out.Segments, tc.Counters, len(sb.spills)
}

// TestMergerRawLessIsBytesCompare checks the merger's prefix comparison
// in raw byte order against bytes.Compare, on keys around the 8-byte
// prefix with zero and 0xff bytes.
func TestMergerRawLessIsBytesCompare(t *testing.T) {
	r := rand.New(rand.NewSource(4))
	alphabet := []byte{0, 1, 'a', 'b', 0xff}
	var keys [][]byte
	for i := 0; i < 400; i++ {
		k := make([]byte, r.Intn(13))
		for j := range k {
			k[j] = alphabet[r.Intn(len(alphabet))]
		}
		keys = append(keys, k)
	}
	keys = append(keys, []byte{}, []byte{0}, []byte{0, 0}, []byte("abcdefgh"), []byte("abcdefgh\x00"), []byte("abcdefg"))
	m := newMerger(nil, nil, nil)
	reader := func(k []byte) *segmentReader {
		return &segmentReader{key: k, prefix: keyPrefix(k), prefixes: true}
	}
	for _, a := range keys {
		for _, b := range keys {
			if got, want := m.less(reader(a), reader(b)), bytes.Compare(a, b) < 0; got != want {
				t.Fatalf("less(%q, %q) = %v, bytes.Compare says %v", a, b, got, want)
			}
		}
	}
}

// TestMergerRawGroupsAreBytesEqual checks the merger's grouping in raw
// byte order (sameRawKey: prefix, length, then the bytes past 8) against
// bytes.Equal, on keys made to hit every path: equal prefixes with
// different lengths, trailing zero bytes, keys that differ only past 8
// bytes, and empty keys.
func TestMergerRawGroupsAreBytesEqual(t *testing.T) {
	r := rand.New(rand.NewSource(6))
	alphabet := []byte{0, 'a', 0xff}
	var keys [][]byte
	for i := 0; i < 300; i++ {
		k := make([]byte, r.Intn(12))
		for j := range k {
			k[j] = alphabet[r.Intn(len(alphabet))]
		}
		keys = append(keys, k)
	}
	keys = append(keys, []byte{}, []byte{0}, []byte("abcdefgh"), []byte("abcdefgh\x00"), []byte("abcdefghij"), []byte("abcdefghik"))
	m := newMerger(nil, nil, nil)
	for _, a := range keys {
		m.groupKey, m.groupPrefix = a, keyPrefix(a)
		for _, b := range keys {
			if got, want := m.sameRawKey(&segmentReader{key: b, prefix: keyPrefix(b)}), bytes.Equal(a, b); got != want {
				t.Fatalf("sameRawKey: group %q, key %q: %v, bytes.Equal says %v", a, b, got, want)
			}
		}
	}
}

// TestKeyPrefix checks keyPrefix against its definition, the key's first
// 8 bytes zero-padded and read big-endian, computed here byte by byte, for
// every key length up to 10 and bytes that include 0 and 0xff.
func TestKeyPrefix(t *testing.T) {
	r := rand.New(rand.NewSource(5))
	for n := 0; n <= 10; n++ {
		for i := 0; i < 200; i++ {
			key := make([]byte, n, n+r.Intn(3))
			for j := range key {
				key[j] = []byte{0, 1, 0x7f, 0x80, 0xff, byte(r.Intn(256))}[r.Intn(6)]
			}
			var want uint64
			for j := 0; j < 8; j++ {
				want <<= 8
				if j < n {
					want |= uint64(key[j])
				}
			}
			if got := keyPrefix(key); got != want {
				t.Fatalf("keyPrefix(%x) = %016x, want %016x", key, got, want)
			}
		}
	}
}
