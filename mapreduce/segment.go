package mapreduce

import (
	"bufio"
	"encoding/binary"
	"fmt"
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
// or the records meta[mi:mhi] of a sorted sort buffer (src). A segment in
// memory is parsed in mem; one in a file is read a chunk at a time into
// mem (see refill) and parsed there, so that a record is returned without
// a copy: key and value stay valid until this reader's next advance.
type segmentReader struct {
	src     *sortBuffer
	mi, mhi int
	mem     []byte // the whole segment in memory, or the chunk read last
	pos     int
	// f, off and end: the segment's bytes f[off:end] not read into mem yet.
	f          *os.File
	off, end   int64
	key, value []byte
	// prefix is keyPrefix(key), kept when prefixes is set (a merger in
	// raw byte order sets it).
	prefix   uint64
	prefixes bool
	err      error
	path     string
}

// segmentChunkMin is the chunk a segment read from its file is read in by
// default (openSegment); openSegmentChunk takes another size.
const segmentChunkMin = 64 << 10

// openSegment opens s. Segments of at most inMemory bytes are read whole;
// larger ones segmentChunkMin bytes at a time.
func openSegment(s Segment, inMemory int64) (*segmentReader, error) {
	return openSegmentChunk(s, inMemory, segmentChunkMin)
}

// openSegmentChunk is openSegment reading a segment larger than inMemory in
// chunks of the given size (at least segmentChunkMin; a record larger than
// a chunk gets a chunk of its own size).
func openSegmentChunk(s Segment, inMemory int64, chunk int) (*segmentReader, error) {
	f, err := os.Open(s.Path)
	if err != nil {
		return nil, E("open map output segment", Infra, s.Path, err)
	}
	r := &segmentReader{path: s.Path}
	if s.Length <= inMemory {
		r.mem = make([]byte, s.Length)
		_, err := f.ReadAt(r.mem, s.Offset)
		f.Close()
		if err != nil {
			return nil, E("read map output segment", Infra, s.Path, err)
		}
		return r, nil
	}
	r.f, r.off, r.end = f, s.Offset, s.Offset+s.Length
	r.mem = make([]byte, 0, int(min(int64(max(chunk, segmentChunkMin)), s.Length)))
	return r, nil
}

// next advances to the next record; false at the end or on error (see err).
func (r *segmentReader) next() bool {
	if r.src != nil {
		// A run of a sorted buffer: its metadata has the prefix.
		if r.mi >= r.mhi {
			return false
		}
		m := r.src.meta[r.mi]
		r.key, r.value, r.prefix = r.src.keyOf(m), r.src.valueOf(m), m.prefix
		r.mi++
		return true
	}
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
	for {
		rest := r.mem[r.pos:]
		if len(rest) == 0 && r.off == r.end {
			return false
		}
		kl, n1 := binary.Uvarint(rest)
		if n1 > 0 {
			vl, n2 := binary.Uvarint(rest[n1:])
			if n2 > 0 {
				p := uint64(n1 + n2)
				if kl <= uint64(len(rest)) && vl <= uint64(len(rest)) && p+kl+vl <= uint64(len(rest)) {
					k, e := r.pos+int(p), r.pos+int(p+kl)
					end := e + int(vl)
					r.key, r.value, r.pos = r.mem[k:e:e], r.mem[e:end:end], end
					return true
				}
			} else if n2 < 0 {
				n1 = -1
			}
		}
		// The record's header is malformed, or the record is not all in
		// mem: read on, unless the segment is all read.
		if n1 < 0 || r.off == r.end {
			r.err = E("read map output segment", Internal, r.path, fmt.Errorf("corrupt record header %d bytes before the segment's end", int64(len(rest))+r.end-r.off))
			return false
		}
		if err := r.refill(); err != nil {
			r.err = err
			return false
		}
	}
}

// refill moves the unread bytes of mem to the front of its buffer and reads
// as much of the rest of the segment as fits after them; a record longer
// than the buffer gets a buffer of its size, unless its header claims more
// than the segment holds.
func (r *segmentReader) refill() error {
	tail := r.mem[r.pos:]
	buf := r.mem[:cap(r.mem)]
	if len(tail) == len(buf) {
		kl, n1 := binary.Uvarint(tail)
		vl, n2 := uint64(0), 0
		if n1 > 0 {
			vl, n2 = binary.Uvarint(tail[n1:])
		}
		rest := uint64(int64(len(tail)) + r.end - r.off)
		if n1 <= 0 || n2 <= 0 || kl > rest || vl > rest || uint64(n1+n2)+kl+vl > rest {
			return E("read map output segment", Internal, r.path, fmt.Errorf("corrupt record header %d bytes before the segment's end", rest))
		}
		buf = make([]byte, n1+n2+int(kl+vl))
	}
	n := copy(buf, tail)
	m := int(min(int64(len(buf)-n), r.end-r.off))
	if _, err := r.f.ReadAt(buf[n:n+m], r.off); err != nil {
		return E("read map output segment", Infra, r.path, err)
	}
	r.off += int64(m)
	r.mem, r.pos = buf[:n+m], 0
	return nil
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
