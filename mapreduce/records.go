package mapreduce

import (
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"compress/zlib"
	"context"
	"errors"
	"io"
	"strconv"
)

// RecordReader yields the records of one split. Next returns io.EOF after the
// last record; the returned slices are valid until the next call. Readers
// are not safe for concurrent use.
type RecordReader interface {
	Next() (key, value []byte, err error)
	Close() error
}

// InputFormat selects how splits are made and how their records are read.
type InputFormat uint8

const (
	// TextInput is TextInputFormat: key = byte offset, value = line.
	TextInput InputFormat = iota
	// KeyValueInput is KeyValueTextInputFormat: key and value split at the
	// first separator of each line.
	KeyValueInput
	// NLineInput is NLineInputFormat: like TextInput, n lines per split.
	NLineInput
	// RawInput reads a split's bytes as they are, in chunks of up to
	// RawChunk bytes (key nil): no line rule, no decompression. A split
	// with an empty Path has no records.
	RawInput
	// XMLInput is streaming's StreamInputFormat with StreamXmlRecordReader
	// (see XMLRecords).
	XMLInput
	// SeqInput is SequenceFileInputFormat (see SeqRecords): records of
	// the file's classes.
	SeqInput
	// SeqTextInput is SequenceFileAsTextInputFormat: SeqInput records as
	// the text of their toString.
	SeqTextInput
	// AutoInput is streaming's AutoInputFormat: SeqInput for files that
	// start with "SEQ", TextInput (offset keys) for the others.
	AutoInput
)

// OpenInput opens name at offset off, decompressing by file suffix (off must
// be 0 for a compressed file). The caller closes the reader.
func OpenInput(ctx context.Context, fsys FS, name string, off int64) (io.ReadCloser, error) {
	return openInputRange(ctx, fsys, name, off, 0)
}

// openInputRange is OpenInput for a split reader that expects to read
// about n bytes from off (see RangeOpener); n is ignored for a compressed
// file, which is read whole.
func openInputRange(ctx context.Context, fsys FS, name string, off, n int64) (io.ReadCloser, error) {
	if CodecFor(name) != NoCodec {
		n = 0
	}
	r, err := OpenRange(ctx, fsys, name, off, n)
	if err != nil {
		return nil, E("open input", Other, name, err)
	}
	codec := CodecFor(name)
	if codec == NoCodec {
		return r, nil
	}
	var dr io.Reader
	switch codec {
	case GzipCodec:
		gz, err := gzip.NewReader(r)
		if err != nil {
			r.Close()
			return nil, E("open gzip input", Invalid, name, err)
		}
		dr = gz
	case Bzip2Codec:
		dr = bzip2.NewReader(r)
	case DeflateCodec:
		zr, err := zlib.NewReader(r)
		if err != nil {
			r.Close()
			return nil, E("open deflate input", Invalid, name, err)
		}
		dr = zr
	}
	return struct {
		io.Reader
		io.Closer
	}{dr, r}, nil
}

// LineRecords reads the lines of one split under Hadoop's LineRecordReader
// rules: a split not at offset 0 skips its first (partial) line, and a split
// reads every line that starts at or before its end, so each line belongs to
// exactly one split. A UTF-8 BOM at offset 0 is dropped.
type LineRecords struct {
	r        io.ReadCloser
	lr       *LineReader
	pos, end int64
	maxLen   int64
	format   InputFormat
	kvSep    []byte
	keyBuf   []byte
	first    bool
	// WantKey makes TextInput records carry the decimal offset as key; when
	// false (streaming's default for TextInputFormat) the key is nil.
	WantKey bool
}

// OpenLineRecords opens split s of fsys for format f, reading conf's
// delimiter, maximum line length and key/value separator.
func OpenLineRecords(ctx context.Context, fsys FS, s Split, f InputFormat, conf *Conf) (*LineRecords, error) {
	codec := CodecFor(s.Path)
	start := s.Start
	end := s.Start + s.Length
	if codec != NoCodec {
		start, end = 0, 1<<62
	}
	// The split's bytes; LineReader reads past the end only to finish the
	// last line.
	r, err := openInputRange(ctx, fsys, s.Path, start, end-start)
	if err != nil {
		return nil, err
	}
	var delim []byte
	if d, ok := conf.Lookup(KeyRecordDelimiter); ok && d != "" {
		delim = []byte(d)
	}
	maxLen, err := conf.Int64(KeyLineMaxLength, 1<<31-1)
	if err != nil {
		r.Close()
		return nil, err
	}
	lr := &LineRecords{r: r, lr: NewLineReader(r, delim), pos: start, end: end, maxLen: maxLen, format: f,
		kvSep: []byte(conf.Get(KeyKVSeparator, "\t")), first: start == 0}
	if start != 0 {
		_, n, err := lr.lr.ReadLine()
		if err != nil && !errors.Is(err, io.EOF) {
			r.Close()
			return nil, E("read split", Other, s.Path, err)
		}
		lr.pos += int64(n)
	}
	if len(lr.kvSep) == 0 {
		lr.kvSep = []byte("\t")
	}
	return lr, nil
}

// Next implements RecordReader.
func (l *LineRecords) Next() (key, value []byte, err error) {
	for {
		if l.pos > l.end {
			return nil, nil, io.EOF
		}
		off := l.pos
		line, n, err := l.lr.ReadLine()
		if err != nil {
			return nil, nil, err
		}
		l.pos += int64(n)
		if l.first {
			l.first = false
			line = bytes.TrimPrefix(line, []byte{0xEF, 0xBB, 0xBF})
		}
		if int64(len(line)) > l.maxLen {
			continue
		}
		switch l.format {
		case KeyValueInput:
			if i := bytes.Index(line, l.kvSep); i >= 0 {
				return line[:i], line[i+len(l.kvSep):], nil
			}
			return line, nil, nil
		default:
			if l.WantKey {
				l.keyBuf = strconv.AppendInt(l.keyBuf[:0], off, 10)
				return l.keyBuf, line, nil
			}
			return nil, line, nil
		}
	}
}

// Close implements RecordReader.
func (l *LineRecords) Close() error { return l.r.Close() }
