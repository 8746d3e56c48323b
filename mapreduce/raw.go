package mapreduce

import (
	"context"
	"errors"
	"io"
)

// RawChunk is the largest value a RawRecords reader yields.
const RawChunk = 1 << 20

// RawRecords reads the bytes [Start, Start+Length) of a split as records
// of up to RawChunk bytes each, with nil keys (RawInput).
type RawRecords struct {
	r    io.ReadCloser
	left int64
	buf  []byte
	// Read counts the bytes returned so far.
	Read int64
}

// OpenRawRecords opens split s of fsys for RawInput. A split with an empty
// Path yields no records and touches no file system.
func OpenRawRecords(ctx context.Context, fsys FS, s Split) (*RawRecords, error) {
	if s.Path == "" {
		return &RawRecords{}, nil
	}
	r, err := OpenRange(ctx, fsys, s.Path, s.Start, s.Length)
	if err != nil {
		return nil, E("open input", Other, s.Path, err)
	}
	return &RawRecords{r: r, left: s.Length, buf: make([]byte, min(RawChunk, max(s.Length, 1)))}, nil
}

// Next implements RecordReader: the next chunk, io.EOF at the split's end.
// A file shorter than the split is an error.
func (r *RawRecords) Next() (key, value []byte, err error) {
	if r.r == nil || r.left <= 0 {
		return nil, nil, io.EOF
	}
	n, err := io.ReadFull(r.r, r.buf[:min(int64(len(r.buf)), r.left)])
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return nil, nil, E("read input", Other, "", errors.New("the object is shorter than when the job was submitted"))
	}
	if err != nil {
		return nil, nil, E("read input", Other, "", err)
	}
	r.left -= int64(n)
	r.Read += int64(n)
	return nil, r.buf[:n], nil
}

// Close implements RecordReader.
func (r *RawRecords) Close() error {
	if r.r == nil {
		return nil
	}
	return r.r.Close()
}
