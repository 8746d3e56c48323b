package mapreduce

import (
	"bufio"
	"context"
	"errors"
	"io"
)

// Settings of streaming's StreamXmlRecordReader (-inputreader
// "StreamXmlRecordReader,begin=...,end=...").
const (
	KeyXMLBegin     = "stream.recordreader.begin"
	KeyXMLEnd       = "stream.recordreader.end"
	KeyXMLSlowMatch = "stream.recordreader.slowmatch"
)

// XMLRecords reads the records of one split as Hadoop streaming's
// StreamXmlRecordReader does in its default (fast) mode: a record is
// everything from a begin pattern up to and including the next end pattern,
// the key is the record and the value is empty. A split not at offset 0
// first skips to the next begin pattern; a split reads every record whose
// begin pattern starts before its end, to that record's end pattern even
// past the split. A begin with no end before the end of the file is not a
// record.
//
// The patterns are matched byte by byte as Hadoop does: after a partial
// match fails, the failing byte is not tried as the start of a new match
// (so "<<doc>" does not contain a "<doc>" for it).
type XMLRecords struct {
	r          io.ReadCloser
	br         *bufio.Reader
	pos, end   int64
	begin, fin []byte
	// pending holds the begin pattern after a match: Hadoop resets its
	// stream to the start of the begin pattern, which the end scan
	// then reads again.
	pending []byte
	buf     []byte
	done    bool
}

// OpenXMLRecords opens split s of fsys, with the begin and end patterns of
// conf.
func OpenXMLRecords(ctx context.Context, fsys FS, s Split, conf *Conf) (*XMLRecords, error) {
	begin, ok := conf.Lookup(KeyXMLBegin)
	if !ok {
		return nil, E("open split", Invalid, s.Path, errors.New("JobConf: missing required property: "+KeyXMLBegin))
	}
	end, ok := conf.Lookup(KeyXMLEnd)
	if !ok {
		return nil, E("open split", Invalid, s.Path, errors.New("JobConf: missing required property: "+KeyXMLEnd))
	}
	if begin == "" || end == "" {
		return nil, E("open split", Invalid, s.Path, errors.New("StreamXmlRecordReader: the begin and end patterns must not be empty"))
	}
	start, stop := s.Start, s.Start+s.Length
	if CodecFor(s.Path) != NoCodec {
		start, stop = 0, 1<<62
	}
	r, err := openInputRange(ctx, fsys, s.Path, start, stop-start)
	if err != nil {
		return nil, err
	}
	x := &XMLRecords{r: r, br: bufio.NewReaderSize(r, 64<<10), pos: start, end: stop, begin: []byte(begin), fin: []byte(end)}
	if start != 0 {
		if _, err := x.scan(x.begin, false, false); err != nil {
			r.Close()
			return nil, E("read split", Other, s.Path, err)
		}
	}
	return x, nil
}

// Next implements RecordReader: the key is the record, the value nil.
func (x *XMLRecords) Next() (key, value []byte, err error) {
	if x.done || x.pos >= x.end {
		return nil, nil, io.EOF
	}
	ok, err := x.scan(x.begin, false, false)
	if err != nil {
		return nil, nil, err
	}
	if !ok || x.pos >= x.end {
		x.done = true
		return nil, nil, io.EOF
	}
	x.buf = x.buf[:0]
	if ok, err = x.scan(x.fin, true, true); err != nil {
		return nil, nil, err
	}
	if !ok {
		x.done = true
		return nil, nil, io.EOF
	}
	return x.buf, nil, nil
}

func (x *XMLRecords) readByte() (byte, error) {
	if len(x.pending) > 0 {
		c := x.pending[0]
		x.pending = x.pending[1:]
		return c, nil
	}
	return x.br.ReadByte()
}

// scan is StreamXmlRecordReader.fastReadUntilMatch: it reads up to and
// including pat. With include it counts the pattern as read (and keep
// appends it to the record); without, the pattern is put back to be read
// again. It reports whether pat was found before the end of the input.
func (x *XMLRecords) scan(pat []byte, include, keep bool) (bool, error) {
	m := 0
	for {
		c, err := x.readByte()
		if err == io.EOF {
			break
		}
		if err != nil {
			return false, err
		}
		if c == pat[m] {
			m++
			if m == len(pat) {
				if include {
					if keep {
						x.buf = append(x.buf, pat...)
					}
					x.pos += int64(len(pat))
				} else {
					x.pending = append(x.pending[:0], pat...)
				}
				return true, nil
			}
			continue
		}
		if keep {
			x.buf = append(append(x.buf, pat[:m]...), c)
		}
		x.pos += int64(m + 1)
		m = 0
	}
	// At the end of the input a partial match is dropped, as in Hadoop.
	return false, nil
}

// Close implements RecordReader.
func (x *XMLRecords) Close() error { return x.r.Close() }
