// Package typedbytes is Hadoop's typed bytes format
// (org.apache.hadoop.typedbytes): a type code byte followed by the value's
// big-endian encoding. Streaming's "-io typedbytes" speaks it to task
// programs, and a TypedBytesWritable holds one encoded value.
//
// Values are handled raw: ReadRaw returns one complete encoded value (code
// included) without decoding it, which is all a shuffle needs; Text decodes a
// value as Java's TypedBytesWritable.toString prints it.
package typedbytes

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Type codes.
const (
	Bytes  = 0
	Byte   = 1
	Bool   = 2
	Int    = 3
	Long   = 4
	Float  = 5
	Double = 6
	String = 7
	Vector = 8
	List   = 9
	Map    = 10
	// Codes 50 to 200 are application-specific: an int length and bytes.
	Writable = 50
	Marker   = 255
)

// maxLen bounds one length field, so that a corrupt stream cannot make a
// reader allocate gigabytes. Java's arrays stop at 2^31-1 too.
const maxLen = math.MaxInt32

// ErrUnknownType is returned for a type code that is not defined.
var ErrUnknownType = errors.New("unknown typed bytes type code")

// Reader reads raw typed bytes values from a stream.
type Reader struct {
	r   *bufio.Reader
	buf []byte
}

// NewReader reads from r (buffered if it is not a *bufio.Reader already).
func NewReader(r io.Reader) *Reader {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 64<<10)
	}
	return &Reader{r: br}
}

// ReadRaw returns the next complete value, type code included. The slice is
// valid until the next call. At a clean end of stream (no byte of a new
// value) it returns io.EOF; a value cut short is io.ErrUnexpectedEOF.
func (r *Reader) ReadRaw() ([]byte, error) {
	r.buf = r.buf[:0]
	// Fast paths: a scalar, string or bytes value wholly in the read
	// buffer is copied out in one piece.
	if h, _ := r.r.Peek(1); len(h) == 1 {
		if n := scalarSize(h[0]); n > 0 {
			if b, err := r.r.Peek(1 + n); err == nil {
				r.buf = append(r.buf, b...)
				r.r.Discard(1 + n)
				return r.buf, nil
			}
		}
	}
	if h, _ := r.r.Peek(5); len(h) == 5 && (h[0] == String || h[0] == Bytes) {
		n := int(int32(binary.BigEndian.Uint32(h[1:])))
		if n >= 0 && n <= r.r.Size()-5 {
			if b, err := r.r.Peek(5 + n); err == nil {
				r.buf = append(r.buf, b...)
				r.r.Discard(5 + n)
				return r.buf, nil
			}
		}
	}
	code, err := r.r.ReadByte()
	if err != nil {
		return nil, err
	}
	if err := r.rest(code, 0); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return r.buf, nil
}

// scalarSize is the body size of a fixed-size type, 0 for others.
func scalarSize(code byte) int {
	switch code {
	case Byte, Bool:
		return 1
	case Int, Float:
		return 4
	case Long, Double:
		return 8
	}
	return 0
}

// rest appends code and the body of a value of that code to r.buf.
func (r *Reader) rest(code byte, depth int) error {
	if depth > 1000 {
		return errors.New("typed bytes: containers nested more than 1000 deep")
	}
	r.buf = append(r.buf, code)
	switch {
	case code == Byte || code == Bool:
		return r.fixed(1)
	case code == Int || code == Float:
		return r.fixed(4)
	case code == Long || code == Double:
		return r.fixed(8)
	case code == Bytes || code == String || (code >= Writable && code <= 200):
		n, err := r.length()
		if err != nil {
			return err
		}
		return r.fixed(n)
	case code == Vector || code == Map:
		n, err := r.length()
		if err != nil {
			return err
		}
		if code == Map {
			n *= 2
		}
		for i := 0; i < n; i++ {
			c, err := r.r.ReadByte()
			if err != nil {
				return err
			}
			if err := r.rest(c, depth+1); err != nil {
				return err
			}
		}
		return nil
	case code == List:
		for {
			c, err := r.r.ReadByte()
			if err != nil {
				return err
			}
			if c == Marker {
				r.buf = append(r.buf, c)
				return nil
			}
			if err := r.rest(c, depth+1); err != nil {
				return err
			}
		}
	}
	return fmt.Errorf("%w %d", ErrUnknownType, code)
}

func (r *Reader) length() (int, error) {
	if err := r.fixed(4); err != nil {
		return 0, err
	}
	n := int32(binary.BigEndian.Uint32(r.buf[len(r.buf)-4:]))
	if n < 0 {
		return 0, fmt.Errorf("typed bytes: negative length %d", n)
	}
	return int(n), nil
}

// fixed appends exactly n bytes from the stream.
func (r *Reader) fixed(n int) error {
	if n > maxLen {
		return fmt.Errorf("typed bytes: length %d too large", n)
	}
	start := len(r.buf)
	for len(r.buf)-start < n {
		want := n - (len(r.buf) - start)
		if want > 1<<20 {
			want = 1 << 20
		}
		r.buf = append(r.buf, make([]byte, want)...)
		if _, err := io.ReadFull(r.r, r.buf[len(r.buf)-want:]); err != nil {
			return err
		}
	}
	return nil
}

// AppendString appends s as a typed string.
func AppendString(dst, s []byte) []byte {
	dst = append(dst, String)
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(s)))
	return append(dst, s...)
}

// AppendBytes appends b as typed bytes (code 0).
func AppendBytes(dst, b []byte) []byte {
	dst = append(dst, Bytes)
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(b)))
	return append(dst, b...)
}

// AppendLong appends v as a typed long.
func AppendLong(dst []byte, v int64) []byte {
	return binary.BigEndian.AppendUint64(append(dst, Long), uint64(v))
}

// AppendInt appends v as a typed int.
func AppendInt(dst []byte, v int32) []byte {
	return binary.BigEndian.AppendUint32(append(dst, Int), uint32(v))
}

// Text appends to dst the value raw (one complete encoded value) as Java's
// TypedBytesWritable.toString prints it: the decoded object's toString.
// Values whose Java text is not reproducible (raw bytes and
// application-specific types print an object identity hash in Java) are an
// error naming the type.
func Text(dst, raw []byte) ([]byte, error) {
	dst, rest, err := appendText(dst, raw, 0)
	if err != nil {
		return dst, err
	}
	if len(rest) != 0 {
		return dst, fmt.Errorf("typed bytes: %d bytes after the value", len(rest))
	}
	return dst, nil
}

var errShort = errors.New("typed bytes: value cut short")

func appendText(dst, raw []byte, depth int) ([]byte, []byte, error) {
	if len(raw) == 0 {
		// An empty TypedBytesWritable's value is null.
		return append(dst, "null"...), nil, nil
	}
	if depth > 1000 {
		return dst, nil, errors.New("typed bytes: containers nested more than 1000 deep")
	}
	code, b := raw[0], raw[1:]
	need := func(n int) error {
		if len(b) < n {
			return errShort
		}
		return nil
	}
	switch code {
	case Byte:
		if err := need(1); err != nil {
			return dst, nil, err
		}
		return strconv.AppendInt(dst, int64(int8(b[0])), 10), b[1:], nil
	case Bool:
		if err := need(1); err != nil {
			return dst, nil, err
		}
		return strconv.AppendBool(dst, b[0] != 0), b[1:], nil
	case Int:
		if err := need(4); err != nil {
			return dst, nil, err
		}
		return strconv.AppendInt(dst, int64(int32(binary.BigEndian.Uint32(b))), 10), b[4:], nil
	case Long:
		if err := need(8); err != nil {
			return dst, nil, err
		}
		return strconv.AppendInt(dst, int64(binary.BigEndian.Uint64(b)), 10), b[8:], nil
	case Float:
		if err := need(4); err != nil {
			return dst, nil, err
		}
		return append(dst, JavaFloat(float64(math.Float32frombits(binary.BigEndian.Uint32(b))), 32)...), b[4:], nil
	case Double:
		if err := need(8); err != nil {
			return dst, nil, err
		}
		return append(dst, JavaFloat(math.Float64frombits(binary.BigEndian.Uint64(b)), 64)...), b[8:], nil
	case String:
		if err := need(4); err != nil {
			return dst, nil, err
		}
		n := int(binary.BigEndian.Uint32(b))
		b = b[4:]
		if n < 0 || len(b) < n {
			return dst, nil, errShort
		}
		return append(dst, b[:n]...), b[n:], nil
	case Vector, List:
		n := -1
		if code == Vector {
			if err := need(4); err != nil {
				return dst, nil, err
			}
			n = int(int32(binary.BigEndian.Uint32(b)))
			b = b[4:]
		}
		dst = append(dst, '[')
		for i := 0; n < 0 || i < n; i++ {
			if n < 0 {
				if len(b) == 0 {
					return dst, nil, errShort
				}
				if b[0] == Marker {
					b = b[1:]
					break
				}
			}
			if i > 0 {
				dst = append(dst, ", "...)
			}
			var err error
			if dst, b, err = appendText(dst, b, depth+1); err != nil {
				return dst, nil, err
			}
		}
		return append(dst, ']'), b, nil
	case Map:
		// Java reads a map into a TreeMap, printed in key order: zebra
		// supports maps whose keys are all strings or all integers.
		if err := need(4); err != nil {
			return dst, nil, err
		}
		n := int(int32(binary.BigEndian.Uint32(b)))
		b = b[4:]
		type entry struct {
			code byte
			num  int64
			key  string
			val  string
		}
		entries := make([]entry, 0, min(max(n, 0), 1024)) // n comes from the data
		for i := 0; i < n; i++ {
			if len(b) == 0 {
				return dst, nil, errShort
			}
			kc := b[0]
			if kc != String && kc != Int && kc != Long {
				return dst, nil, fmt.Errorf("typed bytes: zebra cannot print a map with keys of type %d as text (only string or integer keys)", kc)
			}
			var k, v []byte
			var err error
			if k, b, err = appendText(nil, b, depth+1); err != nil {
				return dst, nil, err
			}
			if v, b, err = appendText(nil, b, depth+1); err != nil {
				return dst, nil, err
			}
			e := entry{code: kc, key: string(k), val: string(v)}
			if kc != String {
				e.num, _ = strconv.ParseInt(e.key, 10, 64)
			}
			if len(entries) > 0 && (entries[0].code == String) != (kc == String) {
				return dst, nil, errors.New("typed bytes: a map with keys of mixed types cannot be printed (Java fails too)")
			}
			entries = append(entries, e)
		}
		sort.SliceStable(entries, func(i, j int) bool {
			if entries[i].code == String {
				return javaLess(entries[i].key, entries[j].key)
			}
			return entries[i].num < entries[j].num
		})
		// A TreeMap keeps the last value of equal keys.
		var uniq []entry
		for _, e := range entries {
			if len(uniq) > 0 && uniq[len(uniq)-1].key == e.key {
				uniq[len(uniq)-1].val = e.val
				continue
			}
			uniq = append(uniq, e)
		}
		dst = append(dst, '{')
		for i, e := range uniq {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = append(append(append(dst, e.key...), '='), e.val...)
		}
		return append(dst, '}'), b, nil
	}
	if code == Bytes || (code >= Writable && code <= 200) {
		return dst, nil, fmt.Errorf("typed bytes: a value of type %d (raw bytes) has no reproducible text form (Java prints an object identity); use a SequenceFile output or a text -io for the final output", code)
	}
	return dst, nil, fmt.Errorf("%w %d", ErrUnknownType, code)
}

// javaLess is String.compareTo order (UTF-16 code units).
func javaLess(a, b string) bool {
	ua, ub := []rune(a), []rune(b)
	for i := 0; i < len(ua) && i < len(ub); i++ {
		if ua[i] != ub[i] {
			x, y := utf16Key(ua[i]), utf16Key(ub[i])
			return x < y
		}
	}
	return len(ua) < len(ub)
}

func utf16Key(r rune) rune {
	if r >= 0x10000 {
		return 0xD800 + ((r - 0x10000) >> 10)
	}
	return r
}

// JavaFloat formats f as Java's Float.toString (bits 32) or
// Double.toString (bits 64): the shortest digits that read back, in plain
// notation with at least one fractional digit for 1e-3 <= |f| < 1e7 and as
// d.dddE±n otherwise.
func JavaFloat(f float64, bits int) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	a := math.Abs(f)
	if a >= 1e-3 && a < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, bits)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'e', -1, bits) // d.ddde+XX
	mant, exp, _ := strings.Cut(s, "e")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	e, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(e)
}
