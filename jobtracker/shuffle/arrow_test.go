package shuffle

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/ipc"

	"zebra/mapreduce"
)

// TestArrowFrames checks the data messages against Arrow's own IPC reader:
// the frames of a fetch's data messages, concatenated, are an Arrow IPC
// stream of the records, and the decoder, given the frames as they are
// sent, writes the same records. Batches of small and large records make
// both kinds of frames (columns by reference, short buffers copied with
// their neighbours, so not aligned in their frame).
func TestArrowFrames(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	recs := append(randomRecords(rng, 3000, 30), randomRecords(rng, 200, 3000)...)
	out := writeMapOutput(t, t.TempDir(), [][]kv{recs})
	for _, target := range []int{4 << 10, 64 << 10, 1 << 20} {
		r, err := mapreduce.OpenSegment(out.Segments[0])
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "decoded")
		seg, err := mapreduce.CreateSegmentFile(path)
		if err != nil {
			t.Fatal(err)
		}
		enc, dec := newEncoder(), newDecoder()
		var stream bytes.Buffer
		var b *batch
		for {
			var n int
			if b, n, err = enc.encode(r, target, b); err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				break
			}
			stream.Write(b.message())
			// As received: each frame a slice of its own.
			var frames [][]byte
			for _, f := range b.frames {
				frames = append(frames, bytes.Clone(f))
			}
			if err := dec.decode(frames, seg); err != nil {
				t.Fatalf("batch target %d: %v", target, err)
			}
		}
		r.Close()
		if _, err := seg.Close(); err != nil {
			t.Fatal(err)
		}

		// Arrow's reader on the concatenation.
		ar, err := ipc.NewReader(&stream)
		if err != nil {
			t.Fatal(err)
		}
		i := 0
		for ar.Next() {
			rec := ar.Record()
			keys, vals := rec.Column(0).(*array.Binary), rec.Column(1).(*array.Binary)
			for j := 0; j < int(rec.NumRows()); j++ {
				if i >= len(recs) || !bytes.Equal(keys.Value(j), recs[i].key) || !bytes.Equal(vals.Value(j), recs[i].value) {
					t.Fatalf("batch target %d: Arrow reads record %d differently", target, i)
				}
				i++
			}
		}
		if err := ar.Err(); err != nil && !errors.Is(err, io.EOF) {
			t.Fatalf("batch target %d: Arrow's reader: %v", target, err)
		}
		ar.Release()
		if i != len(recs) {
			t.Fatalf("batch target %d: Arrow reads %d records, want %d", target, i, len(recs))
		}

		// The decoder's segment.
		sr, err := mapreduce.OpenSegment(mapreduce.Segment{Path: path, Length: fileSize(t, path)})
		if err != nil {
			t.Fatal(err)
		}
		i = 0
		for sr.Next() {
			if i >= len(recs) || !bytes.Equal(sr.Key(), recs[i].key) || !bytes.Equal(sr.Value(), recs[i].value) {
				t.Fatalf("batch target %d: decoded record %d differs", target, i)
			}
			i++
		}
		if err := sr.Err(); err != nil || i != len(recs) {
			t.Fatalf("batch target %d: decoded %d records, want %d (%v)", target, i, len(recs), err)
		}
		sr.Close()
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}
