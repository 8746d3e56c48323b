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
		{"streamed", 3000, 500}, // larger than segmentsInMemory
		{"big values", 5, 200 << 10},
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
	for _, n := range []int{10, 5000} {
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
