package mapreduce

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
)

// This file gives code that moves segments without looking at their
// records (the cluster shuffle) the segment's stored bytes as they are, in
// chunks that end at record boundaries: records are parsed only to find
// those boundaries and to count them.

// SegmentChunks reads the stored bytes of one segment a chunk of whole
// records at a time, into buffers of the caller's.
type SegmentChunks struct {
	f        *os.File
	path     string
	off, end int64  // the file's unread range
	rest     []byte // read beyond the last chunk, in the last chunk's buffer
	buf      []byte // the buffer of the current call to Next
	n        int    // bytes of buf read
}

// OpenSegmentChunks opens s for reading with Next.
func OpenSegmentChunks(s Segment) (*SegmentChunks, error) {
	f, err := os.Open(s.Path)
	if err != nil {
		return nil, E("open map output segment", Infra, s.Path, err)
	}
	return &SegmentChunks{f: f, path: s.Path, off: s.Offset, end: s.Offset + s.Length}, nil
}

// Next returns the next records of the segment, at least one, as many as
// fit in size bytes (a single record may be larger), exactly as the
// segment stores them, and appends the end of each record in chunk (its
// offset from chunk's start) to ends. At the end of the segment chunk is
// empty.
//
// chunk is read into buf's memory, from its start, when buf's capacity
// holds size bytes and the record that begins the chunk, and into a new
// buffer otherwise; chunk[:cap(chunk)] is the buffer used, which may be
// passed as buf in a later call. Until the next call its bytes after chunk
// hold what was read beyond it, which that call uses: they must not be
// modified meanwhile (chunk may be). A record that does not parse or runs
// past the segment's end is an error of kind Internal; a failed read, of
// kind Infra.
func (c *SegmentChunks) Next(buf []byte, size int, ends []int32) (chunk []byte, _ []int32, err error) {
	size = max(size, 1)
	// A buffer is never larger than what is left of the segment needs: a
	// small partition asked for in large batches holds only its own bytes.
	if need := max(min(int64(size), int64(len(c.rest))+c.end-c.off), int64(len(c.rest)), 1); int64(cap(buf)) < need {
		buf = make([]byte, need)
	}
	c.buf = buf[:cap(buf)]
	c.n = copy(c.buf, c.rest) // buf may be the one rest is in: copy moves
	c.rest = nil
	for fillTo := size; ; {
		if err := c.fill(fillTo); err != nil {
			return nil, ends, err
		}
		pos, first, b := 0, len(ends), c.buf[:c.n]
		for pos < len(b) {
			var end int
			if pos+1 < len(b) && b[pos] < 0x80 && b[pos+1] < 0x80 { // the common case
				end = pos + 2 + int(b[pos]) + int(b[pos+1])
			} else if hdr, rec, ok := storedRecord(b[pos:]); ok {
				end = pos + hdr + rec
			} else {
				break // the rest is for the next call (or corrupt: see below)
			}
			if end > len(b) || end > size && len(ends) > first {
				break
			}
			pos = end
			ends = append(ends, int32(pos))
		}
		if len(ends) > first || c.n == 0 {
			c.rest = c.buf[pos:c.n]
			return c.buf[:pos], ends, nil
		}
		// Not one whole record in the buffer: its header is corrupt, or
		// the record is longer than the buffer and needs more of the file.
		need, err := c.recordSize()
		if err != nil {
			return nil, ends, err
		}
		if need > len(c.buf) {
			c.buf = append(c.buf[:c.n], make([]byte, need-c.n)...)
			c.buf = c.buf[:cap(c.buf)]
		}
		fillTo = need
	}
}

// fill reads from the file into the buffer, up to size bytes in it, or
// the segment's end.
func (c *SegmentChunks) fill(size int) error {
	m := int(min(int64(max(size-c.n, 0)), c.end-c.off))
	if m == 0 {
		return nil
	}
	if _, err := c.f.ReadAt(c.buf[c.n:c.n+m], c.off); err != nil {
		return E("read map output segment", Infra, c.path, err)
	}
	c.off += int64(m)
	c.n += m
	return nil
}

// recordSize is the size of the record at the front of the buffer, which
// is not all in it, checked against what is left of the segment; if its
// header is not all read yet, the buffer's size with the longest header.
func (c *SegmentChunks) recordSize() (int, error) {
	more := c.end - c.off
	kl, n1 := binary.Uvarint(c.buf[:c.n])
	vl, n2 := uint64(0), 0
	if n1 > 0 {
		vl, n2 = binary.Uvarint(c.buf[n1:c.n])
	}
	if (n1 == 0 || n1 > 0 && n2 == 0) && more > 0 {
		return c.n + int(min(more, 2*binary.MaxVarintLen64)), nil
	}
	left := uint64(c.n) + uint64(more)
	if n1 <= 0 || n2 <= 0 || kl > left || vl > left || uint64(n1+n2)+kl+vl > left || uint64(n1+n2)+kl+vl <= uint64(c.n) {
		return 0, E("read map output segment", Internal, c.path, fmt.Errorf("corrupt record header %d bytes before the segment's end", left))
	}
	return n1 + n2 + int(kl+vl), nil
}

// Close releases the file. c must not be used afterwards.
func (c *SegmentChunks) Close() {
	if c.f != nil {
		c.f.Close()
		c.f = nil
	}
	c.rest, c.buf = nil, nil
}

// storedRecord parses the header of the record at the front of b: hdr is
// the size of its two lengths, rec that of its key and value. ok is false
// if the record is not all in b or its header does not parse.
func storedRecord(b []byte) (hdr, rec int, ok bool) {
	kl, vl, hdr := recordHeader(b)
	if hdr == 0 || kl > uint64(len(b)) || vl > uint64(len(b)) || uint64(hdr)+kl+vl > uint64(len(b)) {
		return 0, 0, false
	}
	return hdr, int(kl + vl), true
}

// recordHeader parses the key and value lengths at the front of b; hdr is
// their size, 0 if they are not all in b or do not parse.
func recordHeader(b []byte) (kl, vl uint64, hdr int) {
	if len(b) >= 2 && b[0] < 0x80 && b[1] < 0x80 { // the common case
		return uint64(b[0]), uint64(b[1]), 2
	}
	kl, n1 := binary.Uvarint(b)
	if n1 <= 0 {
		return 0, 0, 0
	}
	vl, n2 := binary.Uvarint(b[n1:])
	if n2 <= 0 {
		return 0, 0, 0
	}
	return kl, vl, n1 + n2
}

// AppendRecords appends records stored as a segment stores them (uvarint
// key length, uvarint value length, key, value): record i is
// data[offsets[i]:offsets[i+1]], and offsets has one element more than
// there are records. The bytes are written as they are, with one write. If
// a record does not parse or its lengths disagree with its offsets, nothing
// is appended and the error is of kind Invalid.
func (f *SegmentFile) AppendRecords(offsets []int32, data []byte) error {
	if len(offsets) < 2 {
		return nil
	}
	var ifile int64
	s := int(offsets[0])
	if s < 0 || s > len(data) {
		return E("append to segment file", Invalid, f.path, errors.New("bad offsets for record 0"))
	}
	for i, e32 := range offsets[1:] {
		e := int(e32)
		// The common case, with no call: one-byte lengths below 127 that
		// add up to the record's size.
		if e-s >= 2 && e <= len(data) {
			kl, vl := data[s], data[s+1]
			if kl < 127 && vl < 127 && e-s == 2+int(kl)+int(vl) {
				ifile += int64(4 + int(kl) + int(vl))
				s = e
				continue
			}
		}
		if e < s || e > len(data) {
			return E("append to segment file", Invalid, f.path, fmt.Errorf("bad offsets for record %d", i))
		}
		b := data[s:e]
		kl, vl, hdr := recordHeader(b)
		if hdr == 0 || kl > uint64(len(b)) || vl > uint64(len(b)) || uint64(hdr)+kl+vl != uint64(len(b)) {
			return E("append to segment file", Invalid, f.path, fmt.Errorf("record %d is not %d bytes of key and value lengths, key and value", i, len(b)))
		}
		k, v := vintSize(int(kl))+int(kl), vintSize(int(vl))+int(vl)
		ifile += int64(vintSize(k) + vintSize(v) + k + v)
		s = e
	}
	first, last := offsets[0], offsets[len(offsets)-1]
	if err := f.writeDirect(data[first:last]); err != nil {
		return err
	}
	f.w.off += int64(last - first)
	f.w.records += int64(len(offsets) - 1)
	f.w.ifile += ifile
	return nil
}
