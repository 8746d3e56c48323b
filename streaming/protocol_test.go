package streaming

import (
	"bufio"
	"bytes"
	"io"
	"strings"
	"sync/atomic"
	"testing"

	"zebra/mapreduce"
	"zebra/mapreduce/typedbytes"
)

func TestResolveWire(t *testing.T) {
	for id, want := range map[string]wire{"": wireText, "text": wireText, "TypedBytes": wireTypedBytes, "RAWBYTES": wireRawBytes, "keyonlytext": wireKeyOnly, "other": wireText} {
		if got := resolveWire(id); got != want {
			t.Errorf("resolveWire(%q) = %d, want %d", id, got, want)
		}
	}
}

type collected struct{ keys, values []string }

func (c *collected) Collect(k, v []byte) error {
	c.keys = append(c.keys, string(k))
	c.values = append(c.values, string(v))
	return nil
}

// TestBinaryRoundTrip writes records with the input writers and reads them
// back with the output readers of the same protocol.
func TestBinaryRoundTrip(t *testing.T) {
	for _, w := range []wire{wireRawBytes, wireTypedBytes} {
		class := mapreduce.ClassBytes
		if w == wireTypedBytes {
			class = mapreduce.ClassTypedBytes
		}
		p := &pipeProgram{role: "map", inWire: w, outWire: w, inKey: class, inValue: class}
		var buf bytes.Buffer
		s := &started{prog: p, w: bufio.NewWriter(&buf), inKey: class, inValue: class}
		recs := [][2][]byte{{[]byte("a"), []byte("")}, {[]byte("key\n\t"), []byte{0, 1, 2}}}
		if w == wireTypedBytes {
			recs = [][2][]byte{{typedbytes.AppendString(nil, []byte("a")), typedbytes.AppendInt(nil, 1)}}
		}
		for _, r := range recs {
			if err := s.write(r[0], r[1]); err != nil {
				t.Fatal(err)
			}
		}
		s.w.Flush()
		var got collected
		var written atomic.Int64
		if err := p.readOutput(&buf, &got, &written); err != nil {
			t.Fatalf("wire %d: %v", w, err)
		}
		if len(got.keys) != len(recs) {
			t.Fatalf("wire %d: %d records back, want %d", w, len(got.keys), len(recs))
		}
		if written.Load() != int64(len(recs)) {
			t.Errorf("wire %d: written counter %d, want %d", w, written.Load(), len(recs))
		}
		for i, r := range recs {
			if got.keys[i] != string(r[0]) || got.values[i] != string(r[1]) {
				t.Errorf("wire %d record %d: %q/%q", w, i, got.keys[i], got.values[i])
			}
		}
	}
}

// TestBinaryOutputCutShort: a key without its value fails the task with
// a message naming the protocol and the program.
func TestBinaryOutputCutShort(t *testing.T) {
	p := &pipeProgram{role: "reduce", outWire: wireTypedBytes}
	err := p.readOutput(bytes.NewReader(typedbytes.AppendString(nil, []byte("k"))), &collected{}, new(atomic.Int64))
	if err == nil || !strings.Contains(err.Error(), "without its value") {
		t.Fatalf("got %v", err)
	}
	p.outWire = wireRawBytes
	err = p.readOutput(bytes.NewReader([]byte{0, 0, 0, 1, 'k', 0, 0}), &collected{}, new(atomic.Int64))
	if err == nil || !strings.Contains(err.Error(), "rawbytes output of the reduce program") {
		t.Fatalf("got %v", err)
	}
}

func TestRefuseCustomResolver(t *testing.T) {
	conf := mapreduce.NewConf()
	conf.Set("stream.io.identifier.resolver.class", "com.example.Resolver")
	if err := refuseUnsupportedIO(conf); err == nil || !mapreduce.IsKind(err, mapreduce.Invalid) {
		t.Fatalf("got %v", err)
	}
}

type discard struct{}

func (discard) Collect(k, v []byte) error { return nil }

func benchRead(b *testing.B, w wire, stream []byte) {
	p := &pipeProgram{role: "map", outWire: w, outSep: []byte("\t"), numKeys: 1}
	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	r := bytes.NewReader(stream)
	for i := 0; i < b.N; i++ {
		r.Reset(stream)
		if err := p.readOutput(r, discard{}, new(atomic.Int64)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadTypedBytes decodes a typed bytes program output; compare
// with BenchmarkReadTextBaseline over the same records as text lines.
func BenchmarkReadTypedBytes(b *testing.B) {
	var stream []byte
	for i := 0; i < 10000; i++ {
		stream = typedbytes.AppendString(stream, []byte("violets.are.blue"))
		stream = typedbytes.AppendInt(stream, 1)
	}
	benchRead(b, wireTypedBytes, stream)
}

func BenchmarkReadTextBaseline(b *testing.B) {
	var stream []byte
	for i := 0; i < 10000; i++ {
		stream = append(stream, "violets.are.blue\t1\n"...)
	}
	benchRead(b, wireText, stream)
}

func benchWrite(b *testing.B, w wire, class mapreduce.WritableClass, key, value []byte) {
	p := &pipeProgram{role: "reduce", inWire: w, inKey: class, inValue: class, inSep: []byte("\t")}
	s := &started{prog: p, w: bufio.NewWriterSize(io.Discard, 128<<10), inKey: class, inValue: class}
	b.SetBytes(int64(len(key) + len(value)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if err := s.write(key, value); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWriteTypedBytes encodes Text records as typed strings for a
// program's stdin; BenchmarkWriteTextBaseline writes them as text lines.
func BenchmarkWriteTypedBytes(b *testing.B) {
	benchWrite(b, wireTypedBytes, mapreduce.ClassText, []byte("violets.are.blue"), []byte("1"))
}

func BenchmarkWriteTextBaseline(b *testing.B) {
	benchWrite(b, wireText, mapreduce.ClassText, []byte("violets.are.blue"), []byte("1"))
}
