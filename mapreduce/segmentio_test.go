package mapreduce

import (
	"bufio"
	"bytes"
	"errors"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

type testKV struct{ key, value []byte }

func randomKVs(rng *rand.Rand, n, maxLen int) []testKV {
	kvs := make([]testKV, n)
	for i := range kvs {
		kvs[i].key = make([]byte, rng.IntN(maxLen+1))
		kvs[i].value = make([]byte, rng.IntN(maxLen+1))
		for j := range kvs[i].key {
			kvs[i].key[j] = byte(rng.Uint32())
		}
		for j := range kvs[i].value {
			kvs[i].value[j] = byte(rng.Uint32())
		}
	}
	return kvs
}

func TestSegmentFileRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		name   string
		n, max int
	}{
		{"empty", 0, 0},
		{"small", 100, 20},
		{"one chunk", 3000, 200},   // larger than segmentsInMemory
		{"chunks", 20000, 300},     // records across chunk boundaries
		{"big values", 5, 3 << 20}, // records larger than a chunk
	} {
		t.Run(tc.name, func(t *testing.T) {
			kvs := randomKVs(rng, tc.n, tc.max)
			path := filepath.Join(t.TempDir(), "seg")
			f, err := CreateSegmentFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var ref bytes.Buffer
			rw := &segmentWriter{w: bufio.NewWriter(&ref)}
			for _, kv := range kvs {
				if err := f.Append(kv.key, kv.value); err != nil {
					t.Fatal(err)
				}
				rw.write(kv.key, kv.value)
			}
			rw.w.Flush()
			seg, err := f.Close()
			if err != nil {
				t.Fatal(err)
			}
			want := Segment{Path: path, Length: rw.off, Records: int64(len(kvs)), IFileSize: rw.ifile + 2}
			if seg != want {
				t.Fatalf("segment %+v, want %+v", seg, want)
			}
			data, _ := os.ReadFile(path)
			if !bytes.Equal(data, ref.Bytes()) {
				t.Fatal("file differs from segmentWriter output")
			}

			i := 0
			err = ScanSegment(seg, func(k, v []byte) error {
				if i >= len(kvs) || !bytes.Equal(k, kvs[i].key) || !bytes.Equal(v, kvs[i].value) {
					t.Fatalf("record %d differs", i)
				}
				i++
				return nil
			})
			if err != nil || i != len(kvs) {
				t.Fatalf("scan: %v after %d of %d records", err, i, len(kvs))
			}
		})
	}
}

func TestSegmentReaderOffset(t *testing.T) {
	// A segment in the middle of a file, streamed (longer than
	// segmentsInMemory) and read whole.
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{10, 5000, 30000} {
		kvs := randomKVs(rng, n, 100)
		var buf bytes.Buffer
		w := &segmentWriter{w: bufio.NewWriter(&buf)}
		w.write([]byte("before"), []byte("x"))
		start := w.off
		for _, kv := range kvs {
			w.write(kv.key, kv.value)
		}
		end := w.off
		w.write([]byte("after"), []byte("y"))
		w.w.Flush()
		path := filepath.Join(t.TempDir(), "file.out")
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := OpenSegment(Segment{Path: path, Offset: start, Length: end - start, Records: int64(n)})
		if err != nil {
			t.Fatal(err)
		}
		i := 0
		for r.Next() {
			if !bytes.Equal(r.Key(), kvs[i].key) || !bytes.Equal(r.Value(), kvs[i].value) {
				t.Fatalf("record %d differs", i)
			}
			i++
		}
		r.Close()
		if r.Err() != nil || i != n {
			t.Fatalf("read %d of %d records: %v", i, n, r.Err())
		}
	}
}

func TestScanSegmentErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "seg")
	f, _ := CreateSegmentFile(path)
	f.Append([]byte("a"), []byte("1"))
	f.Append([]byte("b"), []byte("2"))
	seg, _ := f.Close()

	stop := errors.New("stop")
	n := 0
	if err := ScanSegment(seg, func(k, v []byte) error { n++; return stop }); err != stop || n != 1 {
		t.Fatalf("got %v after %d records, want the callback's error after 1", err, n)
	}

	os.WriteFile(path, []byte{5, 1, 'a'}, 0o644) // key runs past the segment
	seg.Length = 3
	if err := ScanSegment(seg, func(k, v []byte) error { return nil }); !IsKind(err, Internal) {
		t.Fatalf("corrupt segment: got %v, want an Internal error", err)
	}
	if _, err := OpenSegment(Segment{Path: filepath.Join(t.TempDir(), "missing"), Length: 1}); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing file: got %v, want fs.ErrNotExist", err)
	}
}

func TestAppendColumns(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	kvs := randomKVs(rng, 5000, 300)
	kvs[1234].value = make([]byte, 700<<10) // more than AppendColumns' chunk
	dir := t.TempDir()
	ref, _ := CreateSegmentFile(filepath.Join(dir, "ref"))
	f, _ := CreateSegmentFile(filepath.Join(dir, "cols"))
	// Batches of columns, with a record appended singly in between.
	for lo := 0; lo < len(kvs); {
		hi := min(lo+1+rng.IntN(1000), len(kvs))
		ko, vo := []int32{0}, []int32{0}
		var keys, values []byte
		for _, kv := range kvs[lo:hi] {
			keys, values = append(keys, kv.key...), append(values, kv.value...)
			ko, vo = append(ko, int32(len(keys))), append(vo, int32(len(values)))
			ref.Append(kv.key, kv.value)
		}
		if err := f.AppendColumns(ko, keys, vo, values); err != nil {
			t.Fatal(err)
		}
		ref.Append([]byte("single"), []byte{byte(lo)})
		f.Append([]byte("single"), []byte{byte(lo)})
		lo = hi
	}
	want, err := ref.Close()
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.Close()
	if err != nil {
		t.Fatal(err)
	}
	want.Path = got.Path
	if got != want {
		t.Fatalf("segment %+v, want %+v", got, want)
	}
	a, _ := os.ReadFile(filepath.Join(dir, "ref"))
	b, _ := os.ReadFile(filepath.Join(dir, "cols"))
	if !bytes.Equal(a, b) {
		t.Fatal("AppendColumns wrote other bytes than Append")
	}

	f, _ = CreateSegmentFile(filepath.Join(dir, "bad"))
	for _, c := range []struct {
		ko, vo []int32
	}{
		{[]int32{0, 1, 0}, []int32{0, 1, 2}}, // decreasing
		{[]int32{0, 1, 2}, []int32{0, 1, 9}}, // past the data
		{[]int32{-1, 1, 2}, []int32{0, 1, 2}},
		{[]int32{0, 1}, []int32{0, 1, 2}}, // lengths differ
	} {
		if err := f.AppendColumns(c.ko, []byte("ab"), c.vo, []byte("cd")); !IsKind(err, Invalid) {
			t.Errorf("offsets %v %v: got %v, want an Invalid error", c.ko, c.vo, err)
		}
	}
	seg, err := f.Close()
	if err != nil || seg.Records != 2 {
		// The first record of each of the first two cases is good.
		t.Errorf("after bad offsets: %+v, %v; want the 2 good records", seg, err)
	}
}

func TestSegmentReaderCorruptStreamed(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	kvs := randomKVs(rng, 40000, 100) // about 4 MB
	path := filepath.Join(t.TempDir(), "seg")
	f, _ := CreateSegmentFile(path)
	for _, kv := range kvs {
		f.Append(kv.key, kv.value)
	}
	seg, _ := f.Close()
	data, _ := os.ReadFile(path)
	scan := func(s Segment) error {
		return ScanSegment(s, func(k, v []byte) error { return nil })
	}

	// Cut inside the last record.
	short := seg
	short.Length--
	if err := scan(short); !IsKind(err, Internal) {
		t.Errorf("cut record: got %v, want an Internal error", err)
	}
	// Longer than the file.
	long := seg
	long.Length += 100
	if err := scan(long); err == nil {
		t.Error("segment past the end of the file: no error")
	}
	// A record claiming more than the segment holds, in the third chunk.
	var off int64
	for i := 0; off < 2*segmentChunk+1000; i++ {
		off += int64(uvarintLen(uint64(len(kvs[i].key))) + uvarintLen(uint64(len(kvs[i].value))) + len(kvs[i].key) + len(kvs[i].value))
	}
	bad := append(append(append([]byte{}, data[:off]...), 0xff, 0xff, 0xff, 0x7f, 0), data[off:]...)
	os.WriteFile(path, bad, 0o644)
	seg.Length = int64(len(bad))
	if err := scan(seg); !IsKind(err, Internal) {
		t.Errorf("huge record: got %v, want an Internal error", err)
	}
}
