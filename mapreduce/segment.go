package mapreduce

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"os"
)

// Segment is one sorted run of records of one partition: a byte range of a
// spill or map-output file. Records are stored as uvarint key length,
// uvarint value length, key bytes, value bytes.
type Segment struct {
	Path    string
	Offset  int64
	Length  int64
	Records int64
	// IFileSize is what the segment would measure in Hadoop's IFile format
	// (Hadoop orders merge inputs by it, which decides the order of equal
	// keys).
	IFileSize int64
}

// MaterializedBytes is the size of the segment as Hadoop stores a map's
// output of one partition: its IFile (IFileSize: the records with their
// lengths, the end marker) and the 4-byte checksum after it. Hadoop's
// "Map output materialized bytes" and "Reduce shuffle bytes" count these
// (uncompressed map output; Hadoop's counts compressed bytes when
// mapreduce.map.output.compress is set).
func (s Segment) MaterializedBytes() int64 {
	return max(s.IFileSize, 2) + 4
}

// segmentWriter appends records to a file, counting what it writes.
type segmentWriter struct {
	w       *bufio.Writer
	off     int64
	records int64
	ifile   int64
	hdr     [2 * binary.MaxVarintLen64]byte
}

func (s *segmentWriter) write(key, value []byte) error {
	if b := s.w.AvailableBuffer(); cap(b) >= 2*binary.MaxVarintLen64+len(key)+len(value) {
		// The common case: the record is encoded in place in the writer's
		// buffer, one Write instead of three.
		b = binary.AppendUvarint(b, uint64(len(key)))
		b = binary.AppendUvarint(b, uint64(len(value)))
		b = append(b, key...)
		b = append(b, value...)
		s.w.Write(b) // cannot fail: it fits the buffer
		s.count(len(b), len(key), len(value))
		return nil
	}
	n := binary.PutUvarint(s.hdr[:], uint64(len(key)))
	n += binary.PutUvarint(s.hdr[n:], uint64(len(value)))
	if _, err := s.w.Write(s.hdr[:n]); err != nil {
		return err
	}
	if _, err := s.w.Write(key); err != nil {
		return err
	}
	if _, err := s.w.Write(value); err != nil {
		return err
	}
	s.count(n+len(key)+len(value), len(key), len(value))
	return nil
}

// count accounts for one record of n bytes with a key and value of the
// given lengths.
func (s *segmentWriter) count(n, klen, vlen int) {
	s.off += int64(n)
	s.records++
	kl, vl := vintSize(klen)+klen, vintSize(vlen)+vlen
	s.ifile += int64(vintSize(kl) + vintSize(vl) + kl + vl)
}

// segmentReader reads the records of one segment, from memory or a file,
// or the records meta[mi:mhi] of a sorted sort buffer (src).
type segmentReader struct {
	src        *sortBuffer
	mi, mhi    int
	mem        []byte // whole segment when in memory
	pos        int
	br         *bufio.Reader
	f          *os.File
	remaining  int64
	key, value []byte
	// prefix is keyPrefix(key), kept when prefixes is set (a merger in
	// raw byte order sets it).
	prefix   uint64
	prefixes bool
	buf      []byte
	err      error
	path     string
}

// openSegment opens s. Segments of at most inMemory bytes are read whole.
func openSegment(s Segment, inMemory int64) (*segmentReader, error) {
	f, err := os.Open(s.Path)
	if err != nil {
		return nil, E("open map output segment", Infra, s.Path, err)
	}
	r := &segmentReader{path: s.Path, remaining: s.Length}
	if s.Length <= inMemory {
		r.mem = make([]byte, s.Length)
		_, err := f.ReadAt(r.mem, s.Offset)
		f.Close()
		if err != nil {
			return nil, E("read map output segment", Infra, s.Path, err)
		}
		return r, nil
	}
	r.f = f
	r.br = bufio.NewReaderSize(io.NewSectionReader(f, s.Offset, s.Length), 64<<10)
	return r, nil
}

// next advances to the next record; false at the end or on error (see err).
func (r *segmentReader) next() bool {
	if !r.advance() {
		return false
	}
	if r.prefixes {
		r.prefix = keyPrefix(r.key)
	}
	return true
}

// advance is next without the key's prefix.
func (r *segmentReader) advance() bool {
	if r.src != nil {
		if r.mi >= r.mhi {
			return false
		}
		m := r.src.meta[r.mi]
		r.key, r.value = r.src.keyOf(m), r.src.valueOf(m)
		r.mi++
		return true
	}
	if r.mem != nil || r.br == nil {
		if r.pos >= len(r.mem) {
			return false
		}
		kl, n1 := binary.Uvarint(r.mem[r.pos:])
		if n1 <= 0 {
			r.err = E("read map output segment", Internal, r.path, fmt.Errorf("corrupt record header at %d", r.pos))
			return false
		}
		vl, n2 := binary.Uvarint(r.mem[r.pos+n1:])
		if n2 <= 0 {
			r.err = E("read map output segment", Internal, r.path, fmt.Errorf("corrupt record header at %d", r.pos))
			return false
		}
		p := r.pos + n1 + n2
		end := p + int(kl) + int(vl)
		if end > len(r.mem) {
			r.err = E("read map output segment", Internal, r.path, fmt.Errorf("record at %d runs past the segment", r.pos))
			return false
		}
		r.key = r.mem[p : p+int(kl)]
		r.value = r.mem[p+int(kl) : end]
		r.pos = end
		return true
	}
	if r.remaining <= 0 {
		return false
	}
	// The record is parsed in the reader's buffer and, when it fits
	// there, returned from it without a copy: it stays valid until this
	// reader's next read.
	hdr, err := r.br.Peek(int(min(2*binary.MaxVarintLen64, r.remaining)))
	if len(hdr) == 0 && err != nil {
		r.err = E("read map output segment", Infra, r.path, err)
		return false
	}
	kl, n1 := binary.Uvarint(hdr)
	vl, n2 := uint64(0), 0
	if n1 > 0 {
		vl, n2 = binary.Uvarint(hdr[n1:])
	}
	if n1 <= 0 || n2 <= 0 || kl > uint64(r.remaining) || vl > uint64(r.remaining) || int64(n1+n2)+int64(kl+vl) > r.remaining {
		r.err = E("read map output segment", Internal, r.path, fmt.Errorf("corrupt record header %d bytes before the segment's end", r.remaining))
		return false
	}
	r.br.Discard(n1 + n2)
	need := int(kl + vl)
	var data []byte
	if need <= r.br.Size() {
		data, err = r.br.Peek(need)
		if err == nil {
			r.br.Discard(need)
		}
	} else {
		if cap(r.buf) < need {
			r.buf = make([]byte, need)
		}
		data = r.buf[:need]
		_, err = io.ReadFull(r.br, data)
	}
	if err != nil {
		r.err = E("read map output segment", Infra, r.path, err)
		return false
	}
	r.remaining -= int64(n1 + n2 + need)
	r.key = data[:kl:kl]
	r.value = data[kl:need:need]
	return true
}

func (r *segmentReader) close() {
	if r.f != nil {
		r.f.Close()
		r.f = nil
	}
}

func uvarintLen(x uint64) int {
	n := 1
	for x >= 0x80 {
		x >>= 7
		n++
	}
	return n
}

// vintSize is the size of Hadoop's WritableUtils vint encoding of n >= 0,
// used for Hadoop-compatible byte counters (a Text is vint length + bytes).
func vintSize(n int) int {
	if n <= 127 {
		return 1
	}
	s := 1
	for v := n; v != 0; v >>= 8 {
		s++
	}
	return s
}
