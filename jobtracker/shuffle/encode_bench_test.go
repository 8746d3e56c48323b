package shuffle

import (
	"bytes"
	"os"
	"testing"

	"zebra/mapreduce"
)

// forBatches encodes seg's records in batches of batchBytes as a server
// does and calls fn with each data message's payload frames (head, data,
// pad), valid during the call.
func forBatches(tb testing.TB, seg mapreduce.Segment, batchBytes int, fn func(frames [][]byte)) {
	c, err := mapreduce.OpenSegmentChunks(seg)
	if err != nil {
		tb.Fatal(err)
	}
	defer c.Close()
	enc := newEncoder()
	var buf, head []byte
	var offsets []int32
	for {
		data, offs, err := c.Next(buf, batchBytes, append(offsets[:0], 0))
		offsets = offs
		if err != nil {
			tb.Fatal(err)
		}
		if len(data) == 0 {
			return
		}
		h, pad, err := enc.batch(offsets, data, head)
		if err != nil {
			tb.Fatal(err)
		}
		fn([][]byte{h, data, pad})
		buf, head = data[:cap(data)], h
	}
}

// BenchmarkEncode encodes the benchmark partition into data messages in
// process: the server's work per byte besides ZeroMQ.
func BenchmarkEncode(b *testing.B) {
	out := benchData(b)
	b.SetBytes(out.Segments[0].Length)
	for b.Loop() {
		forBatches(b, out.Segments[0], DefaultBatchBytes, func([][]byte) {})
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

// BenchmarkDecode checks and writes the benchmark partition's data
// messages in process, as a fetcher does: the fetcher's work per byte
// besides ZeroMQ and the file system. The messages are encoded once,
// before the timing, and written to /dev/null.
func BenchmarkDecode(b *testing.B) {
	out := benchData(b)
	var msgs [][][]byte
	forBatches(b, out.Segments[0], DefaultBatchBytes, func(frames [][]byte) {
		msgs = append(msgs, [][]byte{bytes.Clone(frames[0]), bytes.Clone(frames[1]), frames[2]})
	})
	b.SetBytes(out.Segments[0].Length)
	for b.Loop() {
		f, err := mapreduce.CreateSegmentFile(os.DevNull)
		if err != nil {
			b.Fatal(err)
		}
		d := newDecoder()
		for _, m := range msgs {
			if err := d.decode(m, f); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := f.Close(); err != nil {
			b.Fatal(err)
		}
	}
}
