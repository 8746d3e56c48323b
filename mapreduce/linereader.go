package mapreduce

import (
	"bytes"
	"errors"
	"io"
)

// ErrLineTooLong is returned by ReadLine, with the next part of the line,
// for a line longer than the reader's limit (SetLimit).
var ErrLineTooLong = errors.New("line longer than the limit")

// LineReader reads lines the way Hadoop's LineReader does: a line ends at
// "\n", "\r\n" or a lone "\r" (or, with a custom delimiter, at that exact
// byte sequence), the last line may lack a terminator, and an empty line is
// a line. It buffers internally and never copies a line it can return from
// its buffer; lines may be of any length (the buffer grows).
type LineReader struct {
	r     io.Reader
	buf   []byte
	start int // first unread byte in buf
	end   int // end of valid data in buf
	eof   bool
	err   error
	delim []byte // nil: LF, CR or CRLF
	// What is known about carriage returns: the first '\r' of
	// buf[crFrom:crEnd] is at crNext, or there is none when crNext is -1.
	// It lets a buffer of LF-only text be scanned for CR once, not per line.
	crFrom, crEnd, crNext int
	// limit bounds what a line may hold in the buffer (0: no bound).
	limit int
}

// SetLimit bounds the bytes of a line the reader buffers to about n (0:
// no bound, the default), so that its buffer stays under twice n (or its
// initial size) whatever the input. A line whose end is not within n
// bytes comes back in parts of n bytes, each with ErrLineTooLong, and then
// its last part with a nil error; a line whose end was buffered already
// comes back whole, and may be somewhat longer than n.
func (l *LineReader) SetLimit(n int) { l.limit = n }

// tooLong returns the next part of an unterminated line over the limit.
func (l *LineReader) tooLong() ([]byte, int, bool) {
	if l.limit <= 0 || l.end-l.start <= l.limit {
		return nil, 0, false
	}
	line := l.buf[l.start : l.start+l.limit]
	l.start += l.limit
	return line, l.limit, true
}

const lineBufSize = 128 << 10

// NewLineReader returns a LineReader over r. delim nil or empty selects the
// default LF/CR/CRLF rule.
func NewLineReader(r io.Reader, delim []byte) *LineReader {
	if len(delim) == 0 {
		delim = nil
	}
	return &LineReader{r: r, buf: make([]byte, lineBufSize), delim: delim, crNext: -1}
}

// fill reads more data, compacting or growing the buffer as needed. It
// returns false when no more data can be read.
func (l *LineReader) fill() bool {
	if l.eof {
		return false
	}
	if l.start > 0 {
		copy(l.buf, l.buf[l.start:l.end])
		l.end -= l.start
		l.crFrom = max(0, l.crFrom-l.start)
		l.crEnd = max(0, l.crEnd-l.start)
		if l.crNext >= 0 {
			l.crNext -= l.start
		}
		l.start = 0
	}
	if l.end == len(l.buf) {
		nb := make([]byte, 2*len(l.buf))
		copy(nb, l.buf[:l.end])
		l.buf = nb
	}
	for {
		n, err := l.r.Read(l.buf[l.end:])
		l.end += n
		if err != nil {
			l.eof = true
			if err != io.EOF {
				l.err = err
			}
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
}

// findCR returns the index of the first '\r' in buf[from:limit], or -1,
// scanning each byte of the buffer for CR about once.
func (l *LineReader) findCR(from, limit int) int {
	if from < l.crFrom || (l.crNext >= 0 && l.crNext < from) || (l.crNext < 0 && l.crEnd < from) {
		l.crFrom, l.crEnd, l.crNext = from, from, -1
	}
	for {
		if l.crNext >= 0 {
			if l.crNext < limit {
				return l.crNext
			}
			return -1
		}
		if limit <= l.crEnd {
			return -1
		}
		if j := bytes.IndexByte(l.buf[l.crEnd:l.end], '\r'); j >= 0 {
			l.crNext = l.crEnd + j
			l.crEnd = l.crNext + 1
		} else {
			l.crEnd = l.end
		}
	}
}

// ReadLine returns the next line without its terminator and the number of
// input bytes it consumed (line plus terminator). The line is valid until
// the next call. At the end of input it returns io.EOF (with no line); a read
// error of the underlying reader is returned as is.
func (l *LineReader) ReadLine() (line []byte, consumed int, err error) {
	if l.delim != nil {
		return l.readDelim()
	}
	scan := l.start
	for {
		nl := bytes.IndexByte(l.buf[scan:l.end], '\n')
		limit := l.end
		if nl >= 0 {
			limit = scan + nl
		}
		if i := l.findCR(scan, limit); i >= 0 {
			if i+1 == l.end && !l.eof {
				// A CR at the end of the buffer: peek for LF.
				off := scan - l.start
				l.fill()
				scan = l.start + off
				continue
			}
			line = l.buf[l.start:i]
			n := i + 1 - l.start
			if i+1 < l.end && l.buf[i+1] == '\n' {
				n++
			}
			l.start += n
			return line, n, nil
		}
		if nl >= 0 {
			i := scan + nl
			line = l.buf[l.start:i]
			n := i + 1 - l.start
			l.start += n
			return line, n, nil
		}
		if line, n, ok := l.tooLong(); ok {
			return line, n, ErrLineTooLong
		}
		off := l.end - l.start
		if !l.fill() {
			if l.start < l.end {
				line = l.buf[l.start:l.end]
				n := l.end - l.start
				l.start = l.end
				return line, n, nil
			}
			if l.err != nil {
				return nil, 0, l.err
			}
			return nil, 0, io.EOF
		}
		scan = l.start + off
	}
}

func (l *LineReader) readDelim() ([]byte, int, error) {
	scan := l.start
	for {
		if i := bytes.Index(l.buf[scan:l.end], l.delim); i >= 0 {
			i += scan
			line := l.buf[l.start:i]
			n := i + len(l.delim) - l.start
			l.start += n
			return line, n, nil
		}
		// Keep the last len(delim)-1 bytes in the next scan: a delimiter may
		// straddle the refill.
		if line, n, ok := l.tooLong(); ok {
			return line, n, ErrLineTooLong
		}
		off := l.end - l.start - (len(l.delim) - 1)
		if off < 0 {
			off = 0
		}
		if !l.fill() {
			if l.start < l.end {
				line := l.buf[l.start:l.end]
				n := l.end - l.start
				l.start = l.end
				return line, n, nil
			}
			if l.err != nil {
				return nil, 0, l.err
			}
			return nil, 0, io.EOF
		}
		scan = l.start + off
	}
}
