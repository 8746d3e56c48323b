package typedbytes

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// TestReadRawRoundTrip reads back what the Append functions wrote, value by
// value, with containers (built by hand from the format's definition).
func TestReadRawRoundTrip(t *testing.T) {
	var vals [][]byte
	vals = append(vals, AppendString(nil, []byte("roses")))
	vals = append(vals, AppendInt(nil, -7))
	vals = append(vals, AppendLong(nil, 1<<40))
	vals = append(vals, AppendBytes(nil, []byte{0, 255, 10}))
	list := append([]byte{List}, AppendInt(nil, 1)...)
	list = append(append(list, AppendString(nil, []byte("x"))...), Marker)
	vals = append(vals, list)
	vec := append([]byte{Vector, 0, 0, 0, 2}, AppendInt(nil, 1)...)
	vec = append(vec, AppendInt(nil, 2)...)
	vals = append(vals, vec)
	var stream []byte
	for _, v := range vals {
		stream = append(stream, v...)
	}
	r := NewReader(bytes.NewReader(stream))
	for i, want := range vals {
		got, err := r.ReadRaw()
		if err != nil {
			t.Fatalf("value %d: %v", i, err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("value %d: got % x, want % x", i, got, want)
		}
	}
	if _, err := r.ReadRaw(); err != io.EOF {
		t.Fatalf("after the last value: %v, want io.EOF", err)
	}
	// Cut short: unexpected EOF, not a clean end.
	r = NewReader(bytes.NewReader(vals[0][:3]))
	if _, err := r.ReadRaw(); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("cut value: %v, want io.ErrUnexpectedEOF", err)
	}
	r = NewReader(bytes.NewReader([]byte{42}))
	if _, err := r.ReadRaw(); !errors.Is(err, ErrUnknownType) {
		t.Fatalf("code 42: %v, want ErrUnknownType", err)
	}
}

// TestText checks the Java toString forms (values as Java prints them:
// Integer.toString, ArrayList.toString, Double.toString).
func TestText(t *testing.T) {
	list := append([]byte{List}, AppendInt(nil, 1)...)
	list = append(append(list, AppendString(nil, []byte("x"))...), Marker)
	for _, c := range []struct {
		raw  []byte
		want string
	}{
		{AppendString(nil, []byte("are")), "are"},
		{AppendInt(nil, -3), "-3"},
		{AppendLong(nil, 1<<40), "1099511627776"},
		{list, "[1, x]"},
		{[]byte{Bool, 1}, "true"},
		{[]byte{Double, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0}, "1.5"},
		{[]byte{Double, 0x41, 0x6e, 0x84, 0x80, 0, 0, 0, 0}, "1.6E7"},
	} {
		got, err := Text(nil, c.raw)
		if err != nil || string(got) != c.want {
			t.Errorf("Text(% x) = %q, %v; want %q", c.raw, got, err, c.want)
		}
	}
	if _, err := Text(nil, AppendBytes(nil, []byte("x"))); err == nil {
		t.Error("Text of raw bytes: no error; Java prints an identity hash there, which zebra must refuse")
	}
}

func BenchmarkReadRaw(b *testing.B) {
	var stream []byte
	for i := 0; i < 1000; i++ {
		stream = AppendString(stream, []byte("violets.are.blue"))
		stream = AppendInt(stream, int32(i))
	}
	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	rd := bytes.NewReader(stream)
	for i := 0; i < b.N; i++ {
		rd.Reset(stream)
		r := NewReader(rd)
		for {
			if _, err := r.ReadRaw(); err != nil {
				if err != io.EOF {
					b.Fatal(err)
				}
				break
			}
		}
	}
}

func BenchmarkAppendString(b *testing.B) {
	word := []byte("violets.are.blue")
	buf := make([]byte, 0, 64)
	b.SetBytes(int64(len(word)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		buf = AppendString(buf[:0], word)
	}
}

// FuzzReadRawText: hostile program output never panics the reader or the
// text printer, and a value ReadRaw accepts is one Text can walk whole.
func FuzzReadRawText(f *testing.F) {
	f.Add(AppendString(nil, []byte("x")))
	f.Add([]byte{List, Int, 0, 0, 0, 1, Marker})
	f.Add([]byte{Map, 0, 0, 0, 1, String, 0, 0, 0, 1, 'k', Int, 0, 0, 0, 2})
	f.Add([]byte{Vector, 0x7f, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(bytes.NewReader(data))
		for {
			v, err := r.ReadRaw()
			if err != nil {
				return
			}
			if _, err := Text(nil, v); err != nil && errors.Is(err, errShort) {
				t.Fatalf("ReadRaw returned % x, which Text finds cut short", v)
			}
		}
	})
}
