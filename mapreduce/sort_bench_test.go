package mapreduce

import (
	"bufio"
	"bytes"
	"container/heap"
	"context"
	"encoding/binary"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// benchRecords returns n gensort-like records: a 10-byte printable key and
// a 90-byte value.
func benchRecords(n int, seed int64) (keys, values [][]byte) {
	r := rand.New(rand.NewSource(seed))
	buf := make([]byte, n*100)
	for i := range buf {
		buf[i] = byte(' ' + r.Intn(95))
	}
	for i := 0; i < n; i++ {
		rec := buf[i*100 : (i+1)*100 : (i+1)*100]
		keys = append(keys, rec[:10:10])
		values = append(values, rec[10:])
	}
	return keys, values
}

// filledBuffer is a sortBuffer holding keys/values unsorted, with its meta
// saved so a benchmark can restore the unsorted order.
func filledBuffer(keys, values [][]byte, nPart int) (*sortBuffer, []recMeta) {
	sb := &sortBuffer{nPart: nPart}
	for i := range keys {
		off := len(sb.arena)
		sb.arena = append(sb.arena, keys[i]...)
		sb.arena = append(sb.arena, values[i]...)
		sb.meta = append(sb.meta, recMeta{part: int32(HashPartition(keys[i], nPart)), koff: uint32(off),
			klen: uint32(len(keys[i])), vlen: uint32(len(values[i])), prefix: keyPrefix(keys[i])})
	}
	return sb, append([]recMeta(nil), sb.meta...)
}

type naiveRec struct {
	part       int
	key, value []byte
}

// BenchmarkSortBuffer sorts 100k records by (partition, key) over 4
// partitions: zebra's sort buffer (Hadoop QuickSort over metadata) vs
// sort.Slice over a slice of records. Both restore the unsorted order each
// iteration (a copy of the metadata, included in the time).
func BenchmarkSortBuffer(b *testing.B) {
	keys, values := benchRecords(100000, 1)
	b.Run("base-sort-slice", func(b *testing.B) {
		orig := make([]naiveRec, len(keys))
		for i := range keys {
			orig[i] = naiveRec{HashPartition(keys[i], 4), keys[i], values[i]}
		}
		recs := make([]naiveRec, len(orig))
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			copy(recs, orig)
			sort.Slice(recs, func(i, j int) bool {
				if recs[i].part != recs[j].part {
					return recs[i].part < recs[j].part
				}
				return bytes.Compare(recs[i].key, recs[j].key) < 0
			})
		}
	})
	// zebra-interface is QuickSort through the IndexedSortable interface
	// (a dynamic call per Compare and Swap); zebra is the map-side sort as
	// sortMeta runs it, the same calls made directly.
	b.Run("zebra-interface", func(b *testing.B) {
		sb, orig := filledBuffer(keys, values, 4)
		b.ReportAllocs()
		b.ResetTimer()
		c0 := cpuTime(b)
		defer func() { reportCPU(b, c0) }()
		for i := 0; i < b.N; i++ {
			copy(sb.meta, orig)
			QuickSort(byteSorter{b: sb}, 0, len(sb.meta))
		}
	})
	b.Run("zebra", func(b *testing.B) {
		sb, orig := filledBuffer(keys, values, 4)
		b.ReportAllocs()
		b.ResetTimer()
		c0 := cpuTime(b)
		defer func() { reportCPU(b, c0) }()
		for i := 0; i < b.N; i++ {
			copy(sb.meta, orig)
			quickSortOf(byteSorter{b: sb}, 0, len(sb.meta))
		}
	})
}

// BenchmarkSortCompare is one comparison of the map-side sort: zebra's
// byteSorter.Compare (partition, then raw key bytes via the arena) vs a
// plain bytes.Compare of two key slices.
func BenchmarkSortCompare(b *testing.B) {
	keys, values := benchRecords(1<<16, 2)
	b.Run("base-bytes-compare", func(b *testing.B) {
		b.ReportAllocs()
		b.ResetTimer()
		s := 0
		for i := 0; i < b.N; i++ {
			j := i & (1<<16 - 1)
			s += bytes.Compare(keys[j], keys[(j+1)&(1<<16-1)])
		}
		_ = s
	})
	b.Run("zebra", func(b *testing.B) {
		sb, _ := filledBuffer(keys, values, 1)
		c := byteSorter{b: sb}
		b.ReportAllocs()
		b.ResetTimer()
		s := 0
		for i := 0; i < b.N; i++ {
			j := i & (1<<16 - 1)
			s += c.Compare(j, (j+1)&(1<<16-1))
		}
		_ = s
	})
}

// BenchmarkKeyFieldCompare compares "word\tcount" keys on -k2,2n -k1,1:
// zebra's KeyFieldBasedComparator vs splitting with bytes.Split and
// comparing parsed numbers, then fields.
func BenchmarkKeyFieldCompare(b *testing.B) {
	r := rand.New(rand.NewSource(3))
	words := benchWords(r, 1000)
	keys := make([][]byte, 1<<12)
	for i := range keys {
		k := append([]byte(nil), words[r.Intn(len(words))]...)
		k = append(k, '\t')
		k = append(k, []byte(benchItoa(r.Intn(100000)))...)
		keys[i] = k
	}
	mask := len(keys) - 1
	b.Run("base-split-atoi", func(b *testing.B) {
		b.ReportAllocs()
		b.ResetTimer()
		s := 0
		for i := 0; i < b.N; i++ {
			x := bytes.Split(keys[i&mask], []byte{'\t'})
			y := bytes.Split(keys[(i+1)&mask], []byte{'\t'})
			nx, ny := atoiBytes(x[1]), atoiBytes(y[1])
			switch {
			case nx < ny:
				s--
			case nx > ny:
				s++
			default:
				s += bytes.Compare(x[0], y[0])
			}
		}
		_ = s
	})
	b.Run("zebra", func(b *testing.B) {
		cmp, err := NewKeyFieldComparator("-k2,2n -k1,1", []byte{'\t'})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		s := 0
		for i := 0; i < b.N; i++ {
			s += cmp(keys[i&mask], keys[(i+1)&mask])
		}
		_ = s
	})
}

func benchItoa(n int) string {
	if n == 0 {
		return "0"
	}
	var d []byte
	for ; n > 0; n /= 10 {
		d = append([]byte{byte('0' + n%10)}, d...)
	}
	return string(d)
}

func atoiBytes(b []byte) int {
	n := 0
	for _, c := range b {
		n = n*10 + int(c-'0')
	}
	return n
}

// sortedRecords is benchRecords sorted by key.
func sortedRecords(n int, seed int64) (keys, values [][]byte) {
	keys, values = benchRecords(n, seed)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(i, j int) bool { return bytes.Compare(keys[idx[i]], keys[idx[j]]) < 0 })
	k2, v2 := make([][]byte, n), make([][]byte, n)
	for i, j := range idx {
		k2[i], v2[i] = keys[j], values[j]
	}
	return k2, v2
}

// naiveWrite is the std-lib way to frame a record: binary.Write of two
// fixed-size lengths, then the bytes.
func naiveWrite(w io.Writer, k, v []byte) error {
	if err := binary.Write(w, binary.BigEndian, [2]uint32{uint32(len(k)), uint32(len(v))}); err != nil {
		return err
	}
	if _, err := w.Write(k); err != nil {
		return err
	}
	_, err := w.Write(v)
	return err
}

// BenchmarkSpillWrite writes 100k sorted 100-byte records through a 256 KB
// bufio.Writer to io.Discard: zebra's segmentWriter (uvarint framing) vs
// binary.Write framing.
func BenchmarkSpillWrite(b *testing.B) {
	keys, values := sortedRecords(100000, 4)
	size := int64(len(keys) * 100)
	b.Run("base-binary-write", func(b *testing.B) {
		bw := bufio.NewWriterSize(io.Discard, 256<<10)
		b.ReportAllocs()
		b.ResetTimer()
		b.SetBytes(size)
		for i := 0; i < b.N; i++ {
			for j := range keys {
				if err := naiveWrite(bw, keys[j], values[j]); err != nil {
					b.Fatal(err)
				}
			}
			bw.Flush()
		}
	})
	b.Run("zebra", func(b *testing.B) {
		w := &segmentWriter{w: bufio.NewWriterSize(io.Discard, 256<<10)}
		b.ReportAllocs()
		b.ResetTimer()
		b.SetBytes(size)
		for i := 0; i < b.N; i++ {
			for j := range keys {
				if err := w.write(keys[j], values[j]); err != nil {
					b.Fatal(err)
				}
			}
			w.w.Flush()
		}
	})
}

// writeSegmentFile writes keys/values as one zebra segment to a file.
func writeSegmentFile(b *testing.B, path string, keys, values [][]byte) Segment {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := &segmentWriter{w: bufio.NewWriterSize(f, 256<<10)}
	for j := range keys {
		w.write(keys[j], values[j])
	}
	if err := w.w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	return Segment{Path: path, Length: w.off, Records: w.records}
}

// BenchmarkSpillRead reads back 100k records from a spill file (page cache):
// zebra's segmentReader, streaming and whole-segment-in-memory, vs
// bufio.Reader + binary.Read framing with a fresh slice per record.
func BenchmarkSpillRead(b *testing.B) {
	keys, values := sortedRecords(100000, 5)
	dir := b.TempDir()
	seg := writeSegmentFile(b, filepath.Join(dir, "zebra.seg"), keys, values)
	naivePath := filepath.Join(dir, "naive.seg")
	{
		f, _ := os.Create(naivePath)
		bw := bufio.NewWriter(f)
		for j := range keys {
			naiveWrite(bw, keys[j], values[j])
		}
		bw.Flush()
		f.Close()
	}
	size := int64(len(keys) * 100)
	b.Run("base-binary-read", func(b *testing.B) {
		b.ReportAllocs()
		b.ResetTimer()
		b.SetBytes(size)
		for i := 0; i < b.N; i++ {
			f, err := os.Open(naivePath)
			if err != nil {
				b.Fatal(err)
			}
			br := bufio.NewReaderSize(f, 64<<10)
			n := 0
			for {
				var l [2]uint32
				if err := binary.Read(br, binary.BigEndian, &l); err != nil {
					break
				}
				k := make([]byte, l[0])
				v := make([]byte, l[1])
				io.ReadFull(br, k)
				io.ReadFull(br, v)
				n++
			}
			f.Close()
			if n != len(keys) {
				b.Fatalf("read %d records", n)
			}
		}
	})
	for _, mode := range []struct {
		name     string
		inMemory int64
	}{{"zebra-stream", 0}, {"zebra-inmemory", 1 << 40}} {
		b.Run(mode.name, func(b *testing.B) {
			b.ReportAllocs()
			b.ResetTimer()
			b.SetBytes(size)
			for i := 0; i < b.N; i++ {
				r, err := openSegment(seg, mode.inMemory)
				if err != nil {
					b.Fatal(err)
				}
				n := 0
				for r.next() {
					n++
				}
				r.close()
				if r.err != nil || n != len(keys) {
					b.Fatalf("read %d records: %v", n, r.err)
				}
			}
		})
	}
}

// naiveHeap merges sorted runs with container/heap.
type naiveCursor struct {
	keys, values [][]byte
	i, run       int
}
type naiveHeap []*naiveCursor

func (h naiveHeap) Len() int { return len(h) }
func (h naiveHeap) Less(i, j int) bool {
	c := bytes.Compare(h[i].keys[h[i].i], h[j].keys[h[j].i])
	if c != 0 {
		return c < 0
	}
	return h[i].run < h[j].run
}
func (h naiveHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *naiveHeap) Push(x any)   { *h = append(*h, x.(*naiveCursor)) }
func (h *naiveHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// BenchmarkMerge merges 10 sorted runs of 20k records each (200k records):
// zebra's merger over in-memory segments (grouping included) vs a
// container/heap merge over in-memory slices.
func BenchmarkMerge(b *testing.B) {
	const runs, per = 10, 20000
	dir := b.TempDir()
	var segs []Segment
	var rk, rv [][][]byte
	for r := 0; r < runs; r++ {
		k, v := sortedRecords(per, int64(100+r))
		rk, rv = append(rk, k), append(rv, v)
		segs = append(segs, writeSegmentFile(b, filepath.Join(dir, "seg"+benchItoa(r)), k, v))
	}
	size := int64(runs * per * 100)
	b.Run("base-container-heap", func(b *testing.B) {
		b.ReportAllocs()
		b.ResetTimer()
		b.SetBytes(size)
		for i := 0; i < b.N; i++ {
			h := naiveHeap{}
			for r := 0; r < runs; r++ {
				h = append(h, &naiveCursor{keys: rk[r], values: rv[r], run: r})
			}
			heap.Init(&h)
			n := 0
			for h.Len() > 0 {
				c := h[0]
				_, _ = c.keys[c.i], c.values[c.i]
				n++
				c.i++
				if c.i == len(c.keys) {
					heap.Pop(&h)
				} else {
					heap.Fix(&h, 0)
				}
			}
			if n != runs*per {
				b.Fatal(n)
			}
		}
	})
	// Segments are read into memory once; each iteration rewinds them, so
	// only the merge itself is timed.
	readers := make([]*segmentReader, runs)
	for r, s := range segs {
		sr, err := openSegment(s, 1<<40)
		if err != nil {
			b.Fatal(err)
		}
		readers[r] = sr
	}
	b.Run("zebra", func(b *testing.B) {
		b.ReportAllocs()
		b.ResetTimer()
		b.SetBytes(size)
		c0 := cpuTime(b)
		defer func() { reportCPU(b, c0) }()
		for i := 0; i < b.N; i++ {
			rs := make([]*segmentReader, runs)
			for r, sr := range readers {
				rs[r] = &segmentReader{mem: sr.mem, path: sr.path}
			}
			m := newMerger(rs, nil, nil)
			n := 0
			for m.Next() {
				_, _ = m.RawKey(), m.Value()
				n++
			}
			m.close()
			if m.Err() != nil || n != runs*per {
				b.Fatal(n, m.Err())
			}
		}
	})
}

// BenchmarkCollectSpill is the whole map-side path for 200k 100-byte
// records into 4 partitions with a 4 MB sort buffer (several spills, then
// the final merge into one file): zebra's sortBuffer (Collect, spill, finish)
// vs copying records into a slice, sort.Slice per 4 MB chunk, binary.Write
// spills, and a container/heap merge of the chunks into the output file.
func BenchmarkCollectSpill(b *testing.B) {
	keys, values := benchRecords(200000, 6)
	size := int64(len(keys) * 100)
	b.Run("base-naive", func(b *testing.B) {
		b.ReportAllocs()
		b.ResetTimer()
		b.SetBytes(size)
		for i := 0; i < b.N; i++ {
			naiveCollectSpill(b, b.TempDir(), keys, values, 4, 4<<20)
		}
	})
	b.Run("zebra", func(b *testing.B) {
		b.ReportAllocs()
		b.ResetTimer()
		b.SetBytes(size)
		c0 := cpuTime(b)
		defer func() { reportCPU(b, c0) }()
		for i := 0; i < b.N; i++ {
			dir := b.TempDir()
			job := &Job{NumReduces: 4, SortMB: 4, SpillPercent: 1}
			t := &TaskContext{Counters: &Counters{}, Dir: dir}
			sb := newSortBuffer(context.Background(), job, t, dir)
			for j := range keys {
				if err := sb.Collect(keys[j], values[j]); err != nil {
					b.Fatal(err)
				}
			}
			if _, err := sb.finish(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func naiveCollectSpill(b *testing.B, dir string, keys, values [][]byte, nPart, limit int) {
	var chunks [][]naiveRec
	var cur []naiveRec
	used := 0
	flush := func() {
		sort.Slice(cur, func(i, j int) bool {
			if cur[i].part != cur[j].part {
				return cur[i].part < cur[j].part
			}
			return bytes.Compare(cur[i].key, cur[j].key) < 0
		})
		f, err := os.Create(filepath.Join(dir, "chunk"+benchItoa(len(chunks))))
		if err != nil {
			b.Fatal(err)
		}
		bw := bufio.NewWriterSize(f, 256<<10)
		for _, r := range cur {
			naiveWrite(bw, r.key, r.value)
		}
		bw.Flush()
		f.Close()
		chunks = append(chunks, cur)
		cur, used = nil, 0
	}
	for j := range keys {
		k := append([]byte(nil), keys[j]...)
		v := append([]byte(nil), values[j]...)
		cur = append(cur, naiveRec{HashPartition(k, nPart), k, v})
		used += len(k) + len(v) + 16
		if used >= limit {
			flush()
		}
	}
	if len(cur) > 0 {
		flush()
	}
	// Merge the chunks (kept in memory here, which favours the baseline).
	f, err := os.Create(filepath.Join(dir, "file.out"))
	if err != nil {
		b.Fatal(err)
	}
	bw := bufio.NewWriterSize(f, 256<<10)
	for p := 0; p < nPart; p++ {
		h := naiveHeap{}
		for c, ch := range chunks {
			lo := sort.Search(len(ch), func(i int) bool { return ch[i].part >= p })
			hi := sort.Search(len(ch), func(i int) bool { return ch[i].part > p })
			if lo == hi {
				continue
			}
			cu := &naiveCursor{run: c}
			for _, r := range ch[lo:hi] {
				cu.keys = append(cu.keys, r.key)
				cu.values = append(cu.values, r.value)
			}
			h = append(h, cu)
		}
		heap.Init(&h)
		for h.Len() > 0 {
			c := h[0]
			naiveWrite(bw, c.keys[c.i], c.values[c.i])
			c.i++
			if c.i == len(c.keys) {
				heap.Pop(&h)
			} else {
				heap.Fix(&h, 0)
			}
		}
	}
	bw.Flush()
	f.Close()
}

// BenchmarkSpillGather writes 400k sorted 100-byte records (a 40 MB arena,
// far larger than the caches) to io.Discard: the gather of a spill.
// touch=first loads each record's first byte ahead, touch=both its first
// and last.
func BenchmarkSpillGather(b *testing.B) {
	keys, values := benchRecords(400000, 9)
	sb, _ := filledBuffer(keys, values, 1)
	sb.sortMeta()
	for _, first := range []bool{true, false} {
		b.Run(map[bool]string{true: "touch=first", false: "touch=both"}[first], func(b *testing.B) {
			touchFirstOnly = first
			defer func() { touchFirstOnly = false }()
			w := &segmentWriter{w: bufio.NewWriterSize(io.Discard, 256<<10)}
			b.SetBytes(int64(len(keys) * 100))
			b.ResetTimer()
			c0 := cpuTime(b)
			defer func() { reportCPU(b, c0) }()
			for i := 0; i < b.N; i++ {
				if err := sb.writeRun(w, 0, len(sb.meta)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
