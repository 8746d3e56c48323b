package mapreduce

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// writeTestSegment writes records with Append, the engine's own writer, and
// returns the segment and the file's bytes.
func writeTestSegment(t *testing.T, path string, recs [][2][]byte) (Segment, []byte) {
	t.Helper()
	f, err := CreateSegmentFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if err := f.Append(r[0], r[1]); err != nil {
			t.Fatal(err)
		}
	}
	seg, err := f.Close()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return seg, b
}

// chunkTestRecords: empty keys and values, small records, and records
// longer than the chunk sizes the test asks for.
func chunkTestRecords() [][2][]byte {
	rng := rand.New(rand.NewPCG(7, 7))
	rb := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	var recs [][2][]byte
	for i := range 3000 {
		switch {
		case i%500 == 7:
			recs = append(recs, [2][]byte{rb(3), rb(70000)})
		case i%100 == 3:
			recs = append(recs, [2][]byte{nil, nil})
		default:
			recs = append(recs, [2][]byte{rb(rng.IntN(20)), rb(rng.IntN(300))})
		}
	}
	return recs
}

// TestSegmentChunks reads a segment (not at the start of its file) in
// chunks of several sizes: the chunks put together are the segment's
// bytes, each chunk ends at a record boundary, and ends are the records'
// ends, as a reader of the records finds them.
func TestSegmentChunks(t *testing.T) {
	dir := t.TempDir()
	recs := chunkTestRecords()
	seg, b := writeTestSegment(t, filepath.Join(dir, "seg"), recs)
	// Put the segment between other bytes, as in a map output file.
	pre, post := bytes.Repeat([]byte{0xee}, 1000), bytes.Repeat([]byte{0xdd}, 1000)
	path := filepath.Join(dir, "file.out")
	if err := os.WriteFile(path, append(append(append([]byte{}, pre...), b...), post...), 0o644); err != nil {
		t.Fatal(err)
	}
	seg.Path, seg.Offset = path, int64(len(pre))
	// The records' ends, found by reading them one by one.
	var wantEnds []int64
	pos := int64(0)
	if err := ScanSegment(seg, func(k, v []byte) error {
		pos += int64(uvarintLen(uint64(len(k))) + uvarintLen(uint64(len(v))) + len(k) + len(v))
		wantEnds = append(wantEnds, pos)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, size := range []int{1, 100, 4096, 65536, 1 << 20, 64 << 20} {
		c, err := OpenSegmentChunks(seg)
		if err != nil {
			t.Fatal(err)
		}
		var got []byte
		var gotEnds []int64
		var ends []int32
		// Buffers used in turn, as the shuffle server does: one sent while
		// the next is read, and the chunk overwritten once used.
		var bufs [3][]byte
		for i := 0; ; i++ {
			chunk, e, err := c.Next(bufs[i%len(bufs)], size, ends[:0])
			if err != nil {
				t.Fatalf("size %d: %v", size, err)
			}
			ends = e
			if len(chunk) == 0 {
				if len(ends) != 0 {
					t.Fatalf("size %d: empty chunk with %d ends", size, len(ends))
				}
				break
			}
			if len(ends) == 0 || int(ends[len(ends)-1]) != len(chunk) {
				t.Fatalf("size %d: chunk of %d bytes, ends %v", size, len(chunk), ends)
			}
			if len(chunk) > size && len(ends) > 1 {
				t.Fatalf("size %d: chunk of %d bytes with %d records", size, len(chunk), len(ends))
			}
			for _, e := range ends {
				gotEnds = append(gotEnds, int64(len(got))+int64(e))
			}
			got = append(got, chunk...)
			for j := range chunk {
				chunk[j] = 0xaa
			}
			bufs[i%len(bufs)] = chunk[:cap(chunk)]
		}
		c.Close()
		if !bytes.Equal(got, b) {
			t.Fatalf("size %d: chunks make %d bytes, not the segment's %d", size, len(got), len(b))
		}
		if len(gotEnds) != len(wantEnds) {
			t.Fatalf("size %d: %d record ends, want %d", size, len(gotEnds), len(wantEnds))
		}
		for i := range gotEnds {
			if gotEnds[i] != wantEnds[i] {
				t.Fatalf("size %d: record %d ends at %d, want %d", size, i, gotEnds[i], wantEnds[i])
			}
		}
	}
}

// TestSegmentChunksCorrupt: a segment cut inside a record, and one whose
// record lengths run past its end, fail with an Internal error.
func TestSegmentChunksCorrupt(t *testing.T) {
	dir := t.TempDir()
	seg, b := writeTestSegment(t, filepath.Join(dir, "seg"), chunkTestRecords())
	cut := seg
	cut.Length -= 5
	bad := filepath.Join(dir, "bad")
	damaged := bytes.Clone(b)
	for i := len(b) / 2; i < len(b); i++ {
		damaged[i] = 0xff
	}
	os.WriteFile(bad, damaged, 0o644)
	long := seg
	long.Path = bad
	for name, s := range map[string]Segment{"cut": cut, "lengths past the end": long} {
		for _, size := range []int{100, 1 << 20} {
			c, err := OpenSegmentChunks(s)
			if err != nil {
				t.Fatal(err)
			}
			for {
				chunk, _, err := c.Next(nil, size, nil)
				if err != nil {
					if !IsKind(err, Internal) {
						t.Errorf("%s, size %d: %v, want an Internal error", name, size, err)
					}
					break
				}
				if len(chunk) == 0 {
					t.Errorf("%s, size %d: read to the end without an error", name, size)
					break
				}
			}
			c.Close()
		}
	}
}

// TestAppendRecords writes records given as stored bytes and offsets: the
// file is those bytes and the segment counts what Append would.
func TestAppendRecords(t *testing.T) {
	dir := t.TempDir()
	recs := chunkTestRecords()
	want, b := writeTestSegment(t, filepath.Join(dir, "want"), recs)
	offsets := []int32{0}
	pos := 0
	for _, r := range recs {
		pos += uvarintLen(uint64(len(r[0]))) + uvarintLen(uint64(len(r[1]))) + len(r[0]) + len(r[1])
		offsets = append(offsets, int32(pos))
	}
	f, err := CreateSegmentFile(filepath.Join(dir, "got"))
	if err != nil {
		t.Fatal(err)
	}
	// In three calls: a third of the records, one, the rest.
	third := len(offsets) / 3
	if err := f.AppendRecords(offsets[:third+1], b); err != nil {
		t.Fatal(err)
	}
	rest := b[offsets[third]:]
	first := offsets[third]
	restOff := make([]int32, 0, len(offsets)-third)
	for _, o := range offsets[third:] {
		restOff = append(restOff, o-first)
	}
	if err := f.AppendRecords(restOff[:2], rest); err != nil {
		t.Fatal(err)
	}
	if err := f.AppendRecords(restOff[1:], rest); err != nil {
		t.Fatal(err)
	}
	// Bad input appends nothing.
	for _, c := range []struct {
		offsets []int32
		data    []byte
	}{
		{[]int32{0, 3}, []byte{1, 1, 'k'}},                 // shorter than its lengths
		{[]int32{0, 4}, []byte{1, 0, 'k', 'x'}},            // longer
		{[]int32{0, 2, 1}, []byte{0, 0}},                   // decreasing
		{[]int32{0, 12}, binary.AppendUvarint(nil, 1<<62)}, // past the data
		{[]int32{0, 11}, bytes.Repeat([]byte{0xff}, 11)},   // no uvarint
		{[]int32{0, 2, 5}, []byte{0, 0, 1, 1, 'k'}},        // the second record bad
		{[]int32{-1, 2}, []byte{0, 0}},                     // negative
		{[]int32{0, 4}, []byte{1, 1, 'k'}},                 // lengths that fit the offsets, past the data
		{[]int32{0, math.MaxInt32}, []byte{0, 0}},          // past the data, far
		{[]int32{math.MaxInt32, math.MaxInt32}, nil},       // the first offset past the data
		{[]int32{0, 2, 2}, []byte{0, 0}},                   // an empty record
	} {
		if err := f.AppendRecords(c.offsets, c.data); !IsKind(err, Invalid) {
			t.Errorf("AppendRecords(%v, %q): %v, want an Invalid error", c.offsets, c.data, err)
		}
	}
	got, err := f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if got.Length != want.Length || got.Records != want.Records || got.IFileSize != want.IFileSize {
		t.Errorf("segment %+v, want %+v", got, want)
	}
	gb, _ := os.ReadFile(got.Path)
	if !bytes.Equal(gb, b) {
		t.Errorf("file of %d bytes differs from Append's %d", len(gb), len(b))
	}
}

// TestSegmentChunksSmallSegmentBuffer: a small segment read in large
// batches gets a buffer of its own size, not of the batch's (a shuffle
// server holds one per fetch for the fetch's life).
func TestSegmentChunksSmallSegmentBuffer(t *testing.T) {
	path := filepath.Join(t.TempDir(), "seg")
	rec := []byte{1, 1, 'k', 'v'}
	if err := os.WriteFile(path, append(rec, rec...), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := OpenSegmentChunks(Segment{Path: path, Length: 2 * int64(len(rec))})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	chunk, ends, err := c.Next(nil, 64<<20, nil)
	if err != nil {
		t.Fatal(err)
	}
	if string(chunk) != string(append(rec, rec...)) || len(ends) != 2 {
		t.Errorf("chunk %q ends %v, want both records", chunk, ends)
	}
	if cap(chunk) > 1<<10 {
		t.Errorf("an %d-byte segment got a %d-byte read buffer", 2*len(rec), cap(chunk))
	}
	if chunk, _, err = c.Next(chunk, 64<<20, nil); err != nil || len(chunk) != 0 {
		t.Errorf("after the last record: %q, %v; want the end", chunk, err)
	}
}
