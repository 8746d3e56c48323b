package mapreduce

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	"zebra/mapreduce/typedbytes"
)

func TestVIntRoundTrip(t *testing.T) {
	for _, v := range []int64{0, 1, -1, 127, 128, -112, -113, 255, 256, 1 << 20, -1 << 20, 1<<63 - 1, -1 << 63} {
		b := AppendVInt(nil, v)
		got, n := ReadVInt(b)
		if got != v || n != len(b) {
			t.Errorf("vint %d: encoded % x, read back %d (%d of %d bytes)", v, b, got, n, len(b))
		}
	}
	// WritableUtils.writeVInt's documented forms: one byte up to 127,
	// then a length byte of -113 (0x8f) for one more byte.
	if b := AppendVInt(nil, 200); !bytes.Equal(b, []byte{0x8f, 200}) {
		t.Errorf("vint 200 = % x, want 8f c8", b)
	}
}

// TestSeqWriterReadBack writes enough records to need sync markers and
// reads them back with ReadSequenceFile.
func TestSeqWriterReadBack(t *testing.T) {
	var buf bytes.Buffer
	bw := bufio.NewWriter(&buf)
	w, err := NewSeqWriter(bw, ClassText, ClassLong)
	if err != nil {
		t.Fatal(err)
	}
	const n = 20000
	for i := 0; i < n; i++ {
		if _, err := w.Append([]byte(fmt.Sprintf("key-%06d", i)), []byte(fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
	bw.Flush()
	if w.pos != int64(buf.Len()) {
		t.Fatalf("writer counted %d bytes, wrote %d", w.pos, buf.Len())
	}
	h, recs, err := ReadSequenceFile(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if h.KeyClass != "org.apache.hadoop.io.Text" || h.ValueClass != "org.apache.hadoop.io.LongWritable" || h.Compressed {
		t.Fatalf("header %+v", h)
	}
	if len(recs) != n {
		t.Fatalf("%d records, want %d", len(recs), n)
	}
	for _, i := range []int{0, 1, n / 2, n - 1} {
		wantKey := AppendVInt(nil, 10)
		wantKey = append(wantKey, fmt.Sprintf("key-%06d", i)...)
		wantVal := []byte{0, 0, 0, 0, 0, 0, byte(i >> 8), byte(i)}
		if !bytes.Equal(recs[i].Key, wantKey) || !bytes.Equal(recs[i].Value, wantVal) {
			t.Errorf("record %d: % x / % x", i, recs[i].Key, recs[i].Value)
		}
	}
}

func TestSeqWriterRefusesBadLong(t *testing.T) {
	w, err := NewSeqWriter(bufio.NewWriter(io.Discard), ClassLong, ClassText)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Append([]byte("abc"), nil); err == nil || !strings.Contains(err.Error(), "not a number") {
		t.Fatalf("Append(non-number LongWritable) = %v", err)
	}
}

func TestWritableText(t *testing.T) {
	got, err := ClassBytes.AppendText(nil, []byte{0xde, 0xad, 1})
	if err != nil || string(got) != "de ad 01" {
		t.Errorf("BytesWritable text %q, %v", got, err)
	}
	got, err = ClassTypedBytes.AppendText(nil, typedbytes.AppendInt(nil, 3))
	if err != nil || string(got) != "3" {
		t.Errorf("TypedBytesWritable text %q, %v", got, err)
	}
}

func BenchmarkSeqWriterAppend(b *testing.B) {
	bw := bufio.NewWriterSize(io.Discard, 256<<10)
	w, err := NewSeqWriter(bw, ClassText, ClassText)
	if err != nil {
		b.Fatal(err)
	}
	key, val := []byte("violets.are.blue"), []byte("roses are red, violets are blue")
	b.SetBytes(int64(len(key) + len(val)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := w.Append(key, val); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTextWriterBaseline is the same records through the text path,
// the baseline for BenchmarkSeqWriterAppend.
func BenchmarkTextWriterBaseline(b *testing.B) {
	bw := bufio.NewWriterSize(io.Discard, 256<<10)
	key, val := []byte("violets.are.blue"), []byte("roses are red, violets are blue")
	b.SetBytes(int64(len(key) + len(val)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		bw.Write(key)
		bw.WriteByte('\t')
		bw.Write(val)
		bw.WriteByte('\n')
	}
}
