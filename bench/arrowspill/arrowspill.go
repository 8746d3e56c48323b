// Package arrowspill compares two encodings of sorted map output for
// zebra's spill files: zebra's own record framing (uvarint key length,
// uvarint value length, key, value; the format of mapreduce/segment.go,
// restated here because that code is unexported) and Arrow IPC record
// batches with a binary key column and a binary value column.
package arrowspill

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/ipc"
	"github.com/apache/arrow/go/v15/arrow/memory"
)

// Records is a sorted run of key/value records.
type Records struct {
	Keys, Values [][]byte
}

// Bytes is the payload size (keys plus values).
func (r *Records) Bytes() int64 {
	var n int64
	for i := range r.Keys {
		n += int64(len(r.Keys[i]) + len(r.Values[i]))
	}
	return n
}

// WriteZebra writes recs in zebra's spill framing through a 256 KB buffer,
// as mapreduce's segmentWriter does.
func WriteZebra(w io.Writer, recs *Records) error {
	bw := bufio.NewWriterSize(w, 256<<10)
	var hdr [2 * binary.MaxVarintLen64]byte
	for i, k := range recs.Keys {
		v := recs.Values[i]
		n := binary.PutUvarint(hdr[:], uint64(len(k)))
		n += binary.PutUvarint(hdr[n:], uint64(len(v)))
		bw.Write(hdr[:n])
		bw.Write(k)
		if _, err := bw.Write(v); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// ReadZebra reads records in zebra's framing, calling fn for each; key and
// value are valid only during the call (one reused buffer, as mapreduce's
// streaming segmentReader does). It returns the number of records.
func ReadZebra(r io.Reader, fn func(key, value []byte)) (int, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var buf []byte
	n := 0
	for {
		kl, err := binary.ReadUvarint(br)
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		vl, err := binary.ReadUvarint(br)
		if err != nil {
			return n, fmt.Errorf("record %d: %w", n, err)
		}
		need := int(kl + vl)
		if cap(buf) < need {
			buf = make([]byte, need)
		}
		buf = buf[:need]
		if _, err := io.ReadFull(br, buf); err != nil {
			return n, fmt.Errorf("record %d: %w", n, err)
		}
		fn(buf[:kl], buf[kl:])
		n++
	}
}

// Schema is the Arrow schema of a spill: binary key and value columns.
var Schema = arrow.NewSchema([]arrow.Field{
	{Name: "key", Type: arrow.BinaryTypes.Binary},
	{Name: "value", Type: arrow.BinaryTypes.Binary},
}, nil)

// WriteArrow writes recs as an Arrow IPC stream of record batches of at
// most batchRows rows (builders are reused across batches).
func WriteArrow(w io.Writer, recs *Records, batchRows int, mem memory.Allocator) error {
	if mem == nil {
		mem = memory.NewGoAllocator()
	}
	bw := bufio.NewWriterSize(w, 256<<10)
	iw := ipc.NewWriter(bw, ipc.WithSchema(Schema), ipc.WithAllocator(mem))
	kb := array.NewBinaryBuilder(mem, arrow.BinaryTypes.Binary)
	vb := array.NewBinaryBuilder(mem, arrow.BinaryTypes.Binary)
	defer kb.Release()
	defer vb.Release()
	for lo := 0; lo < len(recs.Keys); lo += batchRows {
		hi := min(lo+batchRows, len(recs.Keys))
		kn, vn := 0, 0
		for i := lo; i < hi; i++ {
			kn += len(recs.Keys[i])
			vn += len(recs.Values[i])
		}
		kb.Reserve(hi - lo)
		kb.ReserveData(kn)
		vb.Reserve(hi - lo)
		vb.ReserveData(vn)
		for i := lo; i < hi; i++ {
			kb.Append(recs.Keys[i])
			vb.Append(recs.Values[i])
		}
		ka, va := kb.NewArray(), vb.NewArray()
		rec := array.NewRecord(Schema, []arrow.Array{ka, va}, int64(hi-lo))
		ka.Release()
		va.Release()
		err := iw.Write(rec)
		rec.Release()
		if err != nil {
			return err
		}
	}
	if err := iw.Close(); err != nil {
		return err
	}
	return bw.Flush()
}

// ReadArrow reads an Arrow IPC stream written by WriteArrow, calling fn for
// every record in order; key and value are valid only during the call.
func ReadArrow(r io.Reader, mem memory.Allocator, fn func(key, value []byte)) (int, error) {
	if mem == nil {
		mem = memory.NewGoAllocator()
	}
	rd, err := ipc.NewReader(bufio.NewReaderSize(r, 256<<10), ipc.WithAllocator(mem), ipc.WithSchema(Schema))
	if err != nil {
		return 0, err
	}
	defer rd.Release()
	n := 0
	for rd.Next() {
		rec := rd.Record()
		if rec.NumCols() != 2 {
			return n, errors.New("arrowspill: batch without 2 columns")
		}
		ks, ok1 := rec.Column(0).(*array.Binary)
		vs, ok2 := rec.Column(1).(*array.Binary)
		if !ok1 || !ok2 {
			return n, errors.New("arrowspill: columns are not binary")
		}
		for i := 0; i < int(rec.NumRows()); i++ {
			fn(ks.Value(i), vs.Value(i))
			n++
		}
	}
	return n, rd.Err()
}
