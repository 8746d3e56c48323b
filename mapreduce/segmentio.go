package mapreduce

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"os"
)

// This file exports reading and writing of single segments for code outside
// the engine that moves map outputs around (the cluster shuffle). The record
// format is the one of Segment: uvarint key length, uvarint value length,
// key bytes, value bytes.

// SegmentReader reads the records of one segment in stored order. It does
// not allocate per record: the slices returned by Key and Value are valid
// only until the next call to Next or Close and must not be modified.
type SegmentReader struct {
	r *segmentReader
}

// segmentChunk is the size of the chunks a SegmentReader reads.
const segmentChunk = 1 << 20

// OpenSegment opens s for reading. Segments of up to 256 KiB are read whole
// into memory, larger ones 1 MiB at a time.
func OpenSegment(s Segment) (*SegmentReader, error) {
	r, err := openSegmentChunk(s, segmentsInMemory, segmentChunk)
	if err != nil {
		return nil, err
	}
	return &SegmentReader{r: r}, nil
}

// Next advances to the next record. It returns false at the end of the
// segment or on an error, which Err then reports.
func (r *SegmentReader) Next() bool { return r.r.next() }

// Key returns the current record's key.
func (r *SegmentReader) Key() []byte { return r.r.key }

// Value returns the current record's value.
func (r *SegmentReader) Value() []byte { return r.r.value }

// Err returns the error that stopped Next, if any: an *Error of kind
// Internal for a corrupt record, Infra for a failed read.
func (r *SegmentReader) Err() error { return r.r.err }

// Close releases the file. The reader must not be used afterwards.
func (r *SegmentReader) Close() { r.r.close() }

// ScanSegment calls fn for each record of s, in stored order, and stops at
// the first error fn returns, returning it. key and value are valid only
// during the call.
func ScanSegment(s Segment, fn func(key, value []byte) error) error {
	r, err := OpenSegment(s)
	if err != nil {
		return err
	}
	defer r.Close()
	for r.Next() {
		if err := fn(r.Key(), r.Value()); err != nil {
			return err
		}
	}
	return r.Err()
}

// SegmentFile writes one segment as a file of its own.
type SegmentFile struct {
	f    *os.File
	path string
	w    segmentWriter
	buf  []byte // for AppendColumns
}

// CreateSegmentFile creates (or truncates) the file at path for a segment
// written with Append and finished with Close.
func CreateSegmentFile(path string) (*SegmentFile, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, E("create segment file", Infra, path, err)
	}
	return &SegmentFile{f: f, path: path, w: segmentWriter{w: bufio.NewWriterSize(f, 256<<10)}}, nil
}

// Append writes one record. The caller is responsible for the order of
// records: a segment of a map output must be sorted as the job sorts keys.
func (f *SegmentFile) Append(key, value []byte) error {
	if err := f.w.write(key, value); err != nil {
		return E("write segment file", Infra, f.path, err)
	}
	return nil
}

// AppendColumns appends records given in columns, laid out as Arrow lays
// out binary arrays: record i has key keys[keyOffsets[i]:keyOffsets[i+1]]
// and value values[valueOffsets[i]:valueOffsets[i+1]]. The offset slices
// have one element more than there are records. It is the fast way to
// append many records. Offsets that decrease or lie outside their data are
// an error of kind Invalid, returned after the records before the bad one
// have been appended.
func (f *SegmentFile) AppendColumns(keyOffsets []int32, keys []byte, valueOffsets []int32, values []byte) error {
	if len(keyOffsets) != len(valueOffsets) {
		return E("append to segment file", Invalid, f.path, fmt.Errorf("%d key offsets but %d value offsets", len(keyOffsets), len(valueOffsets)))
	}
	// Records are encoded into f.buf and written from there, by-passing
	// the bufio.Writer (flushed first) to save a copy.
	w := &f.w
	if f.buf == nil {
		f.buf = make([]byte, 0, columnsChunk)
	}
	b := f.buf[:0]
	for i := 1; i < len(keyOffsets); i++ {
		ks, ke, vs, ve := keyOffsets[i-1], keyOffsets[i], valueOffsets[i-1], valueOffsets[i]
		if ks < 0 || ke < ks || int(ke) > len(keys) || vs < 0 || ve < vs || int(ve) > len(values) {
			if err := f.writeDirect(b); err != nil {
				return err
			}
			return E("append to segment file", Invalid, f.path, fmt.Errorf("bad offsets for record %d", i-1))
		}
		key, value := keys[ks:ke], values[vs:ve]
		if need := len(key) + len(value) + 2*binary.MaxVarintLen64; len(b)+need > cap(b) {
			if err := f.writeDirect(b); err != nil {
				return err
			}
			b = b[:0]
			if need > cap(b) {
				if err := f.Append(key, value); err != nil {
					return err
				}
				continue
			}
		}
		n := len(b)
		b = binary.AppendUvarint(b, uint64(len(key)))
		b = binary.AppendUvarint(b, uint64(len(value)))
		b = append(b, key...)
		b = append(b, value...)
		// Count as segmentWriter.write does.
		w.off += int64(len(b) - n)
		w.records++
		kl, vl := vintSize(len(key))+len(key), vintSize(len(value))+len(value)
		w.ifile += int64(vintSize(kl) + vintSize(vl) + kl + vl)
	}
	return f.writeDirect(b)
}

// columnsChunk is the size of the chunks AppendColumns writes.
const columnsChunk = 512 << 10

// writeDirect writes b, already counted, after what the bufio.Writer holds.
func (f *SegmentFile) writeDirect(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	err := f.w.w.Flush()
	if err == nil {
		_, err = f.f.Write(b)
	}
	if err != nil {
		return E("write segment file", Infra, f.path, err)
	}
	return nil
}

// Close flushes and closes the file and returns the segment written: the
// whole file (Offset 0), with Length, Records and IFileSize counted as the
// engine counts them for its own map outputs (IFileSize includes the two
// bytes of IFile's end-of-file marker). Close does not remove the file when
// it fails. f must not be used afterwards.
func (f *SegmentFile) Close() (Segment, error) {
	err := f.w.w.Flush()
	if cerr := f.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Segment{}, E("write segment file", Infra, f.path, err)
	}
	return Segment{Path: f.path, Length: f.w.off, Records: f.w.records, IFileSize: f.w.ifile + 2}, nil
}
