package mapreduce

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// splitLines is an independent, obviously-correct statement of Hadoop's
// line rule: LF, CRLF and lone CR end a line; a last line without
// terminator counts.
func splitLines(data []byte) (lines []string, consumed []int) {
	start := 0
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case '\n':
			lines, consumed = append(lines, string(data[start:i])), append(consumed, i+1-start)
			start = i + 1
		case '\r':
			end := i + 1
			if i+1 < len(data) && data[i+1] == '\n' {
				end++
			}
			lines, consumed = append(lines, string(data[start:i])), append(consumed, end-start)
			start = end
			i = end - 1
		}
	}
	if start < len(data) {
		lines, consumed = append(lines, string(data[start:])), append(consumed, len(data)-start)
	}
	return lines, consumed
}

func readAll(t testing.TB, r io.Reader, delim []byte) (lines []string, consumed []int) {
	lr := NewLineReader(r, delim)
	for {
		line, n, err := lr.ReadLine()
		if errors.Is(err, io.EOF) {
			return lines, consumed
		}
		if err != nil {
			t.Fatalf("ReadLine: %v", err)
		}
		lines = append(lines, string(line))
		consumed = append(consumed, n)
	}
}

func TestLineReader(t *testing.T) {
	cases := map[string]string{
		"empty":         "",
		"lf":            "a\nb\n",
		"no final nl":   "a\nb",
		"crlf":          "a\r\nb\r\n",
		"lone cr":       "a\rb\rc",
		"cr then lf":    "a\r\n\nb",
		"empty lines":   "\n\n\r\n\r",
		"cr at end":     "abc\r",
		"nul and utf8":  "a\x00b\n\xff\xfe\nж\n",
		"long line":     strings.Repeat("x", 3*lineBufSize+7) + "\r\ny",
		"many crlf":     strings.Repeat("ab\r\n", 100000),
		"cr boundaries": strings.Repeat("x", lineBufSize-1) + "\r\n" + strings.Repeat("y", lineBufSize) + "\r",
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			wantL, wantN := splitLines([]byte(in))
			for _, r := range []io.Reader{strings.NewReader(in), iotest.OneByteReader(strings.NewReader(in)), iotest.HalfReader(strings.NewReader(in))} {
				gotL, gotN := readAll(t, r, nil)
				if strings.Join(gotL, "|") != strings.Join(wantL, "|") || len(gotN) != len(wantN) {
					t.Fatalf("lines: got %q, want %q", gotL, wantL)
				}
				for i := range gotN {
					if gotN[i] != wantN[i] {
						t.Fatalf("consumed[%d]: got %d, want %d", i, gotN[i], wantN[i])
					}
				}
			}
		})
	}
}

func TestLineReaderCustomDelimiter(t *testing.T) {
	in := "a||b|c||||d"
	got, _ := readAll(t, iotest.OneByteReader(strings.NewReader(in)), []byte("||"))
	want := strings.Split(in, "||")
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func FuzzLineReader(f *testing.F) {
	for _, s := range []string{"", "a\n", "a\r\nb", "\r\r\n\n", "x\ry\rz\r\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		wantL, wantN := splitLines(data)
		gotL, gotN := readAll(t, iotest.HalfReader(bytes.NewReader(data)), nil)
		if len(gotL) != len(wantL) {
			t.Fatalf("got %d lines, want %d", len(gotL), len(wantL))
		}
		total := 0
		for i := range gotL {
			if gotL[i] != wantL[i] || gotN[i] != wantN[i] {
				t.Fatalf("line %d: got %q/%d, want %q/%d", i, gotL[i], gotN[i], wantL[i], wantN[i])
			}
			total += gotN[i]
		}
		if total != len(data) {
			t.Fatalf("consumed %d of %d bytes", total, len(data))
		}
	})
}

// endless is an input of n bytes of 'x' and no line end, made as read.
type endless int64

func (e *endless) Read(p []byte) (int, error) {
	if *e <= 0 {
		return 0, io.EOF
	}
	n := min(int64(len(p)), int64(*e))
	for i := range p[:n] {
		p[i] = 'x'
	}
	*e -= endless(n)
	return int(n), nil
}

// TestLineReaderLimit: with a limit, a 64 MiB line without an end comes
// back in parts of the limit (ErrLineTooLong, then the last part with a nil
// error) and the buffer stays small; without one the whole line is
// buffered (the worker held any line a task wrote).
func TestLineReaderLimit(t *testing.T) {
	const size, limit = 64 << 20, 1 << 20
	for _, delim := range [][]byte{nil, []byte("||")} {
		in := endless(size)
		lr := NewLineReader(&in, delim)
		lr.SetLimit(limit)
		total, parts := 0, 0
		for {
			line, n, err := lr.ReadLine()
			if err == io.EOF {
				break
			}
			if err != nil && err != ErrLineTooLong {
				t.Fatal(err)
			}
			if n != len(line) || len(line) > limit || strings.Trim(string(line), "x") != "" {
				t.Fatalf("delim %q: a part of %d bytes (consumed %d), want at most %d of x", delim, len(line), n, limit)
			}
			total += n
			parts++
			if last := err == nil; last != (total == size) {
				t.Fatalf("delim %q: part %d: error %v at %d of %d bytes", delim, parts, err, total, size)
			}
			if c := cap(lr.buf); c > 2*max(limit, lineBufSize) {
				t.Fatalf("delim %q: buffer of %d bytes for a limit of %d", delim, c, limit)
			}
		}
		if total != size || parts != size/limit {
			t.Errorf("delim %q: %d bytes in %d parts, want %d in %d", delim, total, parts, size, size/limit)
		}
	}
	// Lines within the limit are unchanged.
	lr := NewLineReader(strings.NewReader("a\r\nbb\ncc"), nil)
	lr.SetLimit(2)
	var got []string
	for {
		line, _, err := lr.ReadLine()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(line))
	}
	if strings.Join(got, ",") != "a,bb,cc" {
		t.Errorf("short lines: %q", got)
	}
}
