package shuffle

import (
	"testing"

	"zebra/mapreduce"
)

// BenchmarkEncode encodes the benchmark partition into data messages in
// process: the server's work per byte besides ZeroMQ.
func BenchmarkEncode(b *testing.B) {
	out := benchData(b)
	b.SetBytes(out.Segments[0].Length)
	var buf []byte
	for b.Loop() {
		r, err := mapreduce.OpenSegment(out.Segments[0])
		if err != nil {
			b.Fatal(err)
		}
		enc := newEncoder()
		for {
			msg, n, err := enc.encode(r, DefaultBatchBytes, buf)
			if err != nil {
				b.Fatal(err)
			}
			if n == 0 {
				break
			}
			buf = msg
		}
		r.Close()
	}
}

// BenchmarkSegmentRead reads the benchmark partition's records: the part
// of BenchmarkEncode that any server does.
func BenchmarkSegmentRead(b *testing.B) {
	out := benchData(b)
	b.SetBytes(out.Segments[0].Length)
	for b.Loop() {
		r, err := mapreduce.OpenSegment(out.Segments[0])
		if err != nil {
			b.Fatal(err)
		}
		for r.Next() {
		}
		if err := r.Err(); err != nil {
			b.Fatal(err)
		}
		r.Close()
	}
}
