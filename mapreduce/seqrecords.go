package mapreduce

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// SeqMinSplitSize is SequenceFileInputFormat's minimum split size
// (SequenceFile.SYNC_INTERVAL).
const SeqMinSplitSize = seqSyncInterval

// SeqRecords reads the records of one split of an uncompressed SequenceFile
// as Hadoop's SequenceFileRecordReader does: a split not at the start of the
// file begins at the first sync marker at or after its start, and reads
// every record that starts before its end, then on until the next sync
// marker. Keys and values are turned into zebra's representation of their
// classes (see WritableClass); with AsText, into the text of their toString
// (SequenceFileAsTextInputFormat), with Text classes.
type SeqRecords struct {
	r        io.ReadCloser
	br       *bufio.Reader
	name     string
	header   *SeqHeader
	key      WritableClass
	value    WritableClass
	asText   bool
	pos      int64
	end      int64
	more     bool
	synced   bool // the last record read was preceded by a sync marker
	atEscape bool // positioned at a sync escape by sync()
	rec      []byte
	kbuf     []byte
	vbuf     []byte
	start    int64
}

// OpenSeqRecords opens split s of the SequenceFile in fsys.
func OpenSeqRecords(ctx context.Context, fsys FS, s Split, asText bool) (*SeqRecords, error) {
	// The header first; a split that starts after it is then read from
	// its own offset (see below), not through the bytes before it.
	n := s.Start + s.Length
	if s.Start > seqHeaderRange {
		n = seqHeaderRange
	}
	r, err := openInputRange(ctx, fsys, s.Path, 0, n)
	if err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(r, 64<<10)
	h, headerLen, err := readSeqHeader(br)
	if err != nil {
		r.Close()
		return nil, E("open SequenceFile", Invalid, s.Path, err)
	}
	q := &SeqRecords{r: r, br: br, name: s.Path, header: h, asText: asText, pos: headerLen, end: s.Start + s.Length, start: s.Start}
	if h.Compressed {
		r.Close()
		return nil, E("open SequenceFile", Invalid, s.Path, fmt.Errorf("compressed SequenceFile (codec %s) input is not supported by zebra", h.Codec))
	}
	var ok bool
	if q.key, ok = ParseWritableClass(h.KeyClass); !ok {
		r.Close()
		return nil, E("open SequenceFile", Invalid, s.Path, fmt.Errorf("key class %s is not supported by zebra (Text, LongWritable, IntWritable, BytesWritable, TypedBytesWritable, NullWritable)", h.KeyClass))
	}
	if q.value, ok = ParseWritableClass(h.ValueClass); !ok {
		r.Close()
		return nil, E("open SequenceFile", Invalid, s.Path, fmt.Errorf("value class %s is not supported by zebra (Text, LongWritable, IntWritable, BytesWritable, TypedBytesWritable, NullWritable)", h.ValueClass))
	}
	if s.Start > q.pos {
		if skip := s.Start + 4 - q.pos; skip > int64(br.Buffered()) {
			// Reopen at the split, where sync starts.
			r.Close()
			if r, err = openInputRange(ctx, fsys, s.Path, s.Start, s.Length); err != nil {
				return nil, err
			}
			q.r, q.br, q.pos = r, bufio.NewReaderSize(r, 64<<10), s.Start
		}
		if err := q.sync(s.Start); err != nil {
			r.Close()
			return nil, E("read SequenceFile", Other, s.Path, err)
		}
	}
	q.more = q.pos < q.end
	return q, nil
}

// seqHeaderRange is how much of a SequenceFile a split that starts later
// asks for to read the header: its classes and metadata are usually far
// shorter (more is fetched if it is not).
const seqHeaderRange = 4 << 10

// Classes are the classes of the records Next returns.
func (q *SeqRecords) Classes() (key, value WritableClass) {
	if q.asText {
		return ClassText, ClassText
	}
	return q.key, q.value
}

func readSeqHeader(br *bufio.Reader) (*SeqHeader, int64, error) {
	// Parse the header from a copy of its bytes, counting them.
	var n int64
	cr := &countingByteReader{br: br, n: &n}
	h, err := parseSeqHeader(cr)
	return h, n, err
}

type countingByteReader struct {
	br *bufio.Reader
	n  *int64
}

func (c *countingByteReader) Read(p []byte) (int, error) {
	k, err := c.br.Read(p)
	*c.n += int64(k)
	return k, err
}

func (c *countingByteReader) ReadByte() (byte, error) {
	b, err := c.br.ReadByte()
	if err == nil {
		*c.n++
	}
	return b, err
}

// sync skips to the first sync marker that starts at or after position
// off+4 (Hadoop's SequenceFile.Reader.sync), leaving the reader at the
// marker's escape, to be read with the next record.
func (q *SeqRecords) sync(off int64) error {
	if _, err := q.br.Discard(int(off + 4 - q.pos)); err != nil {
		q.pos, q.end = off, off // past the end of the file: no records
		return nil
	}
	q.pos = off + 4
	window := make([]byte, 0, seqSyncSize)
	for {
		if len(window) == seqSyncSize && bytes.Equal(window, q.header.Sync[:]) {
			q.pos -= 4 + seqSyncSize
			q.atEscape = true
			return nil
		}
		c, err := q.br.ReadByte()
		if err == io.EOF {
			q.end = q.pos
			return nil
		}
		if err != nil {
			return err
		}
		q.pos++
		if len(window) == seqSyncSize {
			copy(window, window[1:])
			window = window[:seqSyncSize-1]
		}
		window = append(window, c)
	}
}

// Next implements RecordReader.
func (q *SeqRecords) Next() (key, value []byte, err error) {
	if !q.more {
		return nil, nil, io.EOF
	}
	at := q.pos
	ok, err := q.readRecord()
	if err != nil {
		return nil, nil, E("read SequenceFile", Other, q.name, err)
	}
	if !ok || (at >= q.end && q.synced) {
		q.more = false
		return nil, nil, io.EOF
	}
	return q.convert()
}

// readRecord reads the next record into kbuf and vbuf, noting whether a
// sync marker preceded it.
func (q *SeqRecords) readRecord() (bool, error) {
	var n [4]byte
	q.synced = false
	if q.atEscape {
		q.atEscape = false
		q.pos += 4 + seqSyncSize
		q.synced = true
	}
	if _, err := io.ReadFull(q.br, n[:]); err == io.EOF {
		return false, nil
	} else if err != nil {
		return false, err
	}
	q.pos += 4
	length := int32(binary.BigEndian.Uint32(n[:]))
	if length == seqSyncEscape {
		var s [seqSyncSize]byte
		if _, err := io.ReadFull(q.br, s[:]); err != nil {
			return false, err
		}
		if s != q.header.Sync {
			return false, errors.New("file is corrupt: sync marker does not match the header's")
		}
		q.pos += seqSyncSize
		q.synced = true
		if _, err := io.ReadFull(q.br, n[:]); err == io.EOF {
			return false, nil
		} else if err != nil {
			return false, err
		}
		q.pos += 4
		length = int32(binary.BigEndian.Uint32(n[:]))
	}
	if _, err := io.ReadFull(q.br, n[:]); err != nil {
		return false, fmt.Errorf("record cut short: %w", io.ErrUnexpectedEOF)
	}
	keyLen := int32(binary.BigEndian.Uint32(n[:]))
	if length < 0 || keyLen < 0 || keyLen > length {
		return false, fmt.Errorf("file is corrupt: record length %d, key length %d", length, keyLen)
	}
	q.pos += 4
	// Grow the buffer as the bytes arrive: a corrupt length must not
	// allocate more than the file holds.
	q.rec = q.rec[:0]
	for len(q.rec) < int(length) {
		want := min(int(length)-len(q.rec), 1<<20)
		q.rec = append(q.rec, make([]byte, want)...)
		if _, err := io.ReadFull(q.br, q.rec[len(q.rec)-want:]); err != nil {
			return false, fmt.Errorf("record cut short: %w", io.ErrUnexpectedEOF)
		}
	}
	q.pos += int64(length)
	q.kbuf = q.rec[:keyLen]
	q.vbuf = q.rec[keyLen:]
	return true, nil
}

func (q *SeqRecords) convert() (key, value []byte, err error) {
	k, err := fromWritable(q.key, q.kbuf)
	if err != nil {
		return nil, nil, E("read SequenceFile", Invalid, q.name, fmt.Errorf("key: %w", err))
	}
	v, err := fromWritable(q.value, q.vbuf)
	if err != nil {
		return nil, nil, E("read SequenceFile", Invalid, q.name, fmt.Errorf("value: %w", err))
	}
	if q.asText {
		if !q.key.Textual() {
			if k, err = q.key.AppendText(nil, k); err != nil {
				return nil, nil, E("read SequenceFile", UserCode, q.name, err)
			}
		}
		if !q.value.Textual() {
			if v, err = q.value.AppendText(nil, v); err != nil {
				return nil, nil, E("read SequenceFile", UserCode, q.name, err)
			}
		}
	}
	return k, v, nil
}

// fromWritable turns a Writable's serialization into zebra's
// representation of the class.
func fromWritable(c WritableClass, b []byte) ([]byte, error) {
	switch c {
	case ClassText:
		n, k := ReadVInt(b)
		if k == 0 || n < 0 || int64(len(b)-k) < n {
			return nil, errors.New("bad Text serialization")
		}
		return b[k : k+int(n)], nil
	case ClassLong:
		if len(b) != 8 {
			return nil, errors.New("bad LongWritable serialization")
		}
		return strconv.AppendInt(nil, int64(binary.BigEndian.Uint64(b)), 10), nil
	case ClassInt:
		if len(b) != 4 {
			return nil, errors.New("bad IntWritable serialization")
		}
		return strconv.AppendInt(nil, int64(int32(binary.BigEndian.Uint32(b))), 10), nil
	case ClassBytes, ClassTypedBytes:
		if len(b) < 4 || int(binary.BigEndian.Uint32(b)) != len(b)-4 {
			return nil, errors.New("bad BytesWritable serialization")
		}
		return b[4:], nil
	}
	return nil, nil
}

// Close implements RecordReader.
func (q *SeqRecords) Close() error { return q.r.Close() }

// IsSequenceFile reports whether the file starts with "SEQ", as
// AutoInputFormat decides.
func IsSequenceFile(ctx context.Context, fsys FS, name string) (bool, error) {
	r, err := fsys.Open(ctx, name, 0)
	if err != nil {
		return false, E("open input", Other, name, err)
	}
	defer r.Close()
	var b [3]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return false, nil
	}
	return string(b[:]) == "SEQ", nil
}
