package shuffle

import (
	"testing"

	"zebra/mapreduce"
)

// BenchmarkEncode encodes the benchmark partition into data messages in
// process: the server's cost per byte besides ZeroMQ.
func BenchmarkEncode(b *testing.B) {
	out := benchData(b)
	b.SetBytes(out.Segments[0].Length)
	var bt *batch
	for b.Loop() {
		r, err := mapreduce.OpenSegment(out.Segments[0])
		if err != nil {
			b.Fatal(err)
		}
		enc := newEncoder()
		for {
			var n int
			if bt, n, err = enc.encode(r, DefaultBatchBytes, bt); err != nil {
				b.Fatal(err)
			}
			if n == 0 {
				break
			}
		}
		r.Close()
	}
}

// BenchmarkDecode decodes the partition's data messages, as received (a
// slice per frame), into a segment file on /dev/null: the fetcher's cost
// per byte besides ZeroMQ and the disk.
func BenchmarkDecode(b *testing.B) {
	out := benchData(b)
	r, err := mapreduce.OpenSegment(out.Segments[0])
	if err != nil {
		b.Fatal(err)
	}
	enc := newEncoder()
	var msgs [][][]byte
	for {
		bt, n, err := enc.encode(r, DefaultBatchBytes, nil)
		if err != nil {
			b.Fatal(err)
		}
		if n == 0 {
			break
		}
		var frames [][]byte
		for _, f := range bt.frames {
			frames = append(frames, append([]byte(nil), f...))
		}
		msgs = append(msgs, frames)
	}
	r.Close()
	b.SetBytes(out.Segments[0].Length)
	for b.Loop() {
		f, err := mapreduce.CreateSegmentFile("/dev/null")
		if err != nil {
			b.Fatal(err)
		}
		d := newDecoder()
		for _, m := range msgs {
			if err := d.decode(m, f); err != nil {
				b.Fatal(err)
			}
		}
		d.close()
		f.Close()
	}
}
