package shuffle

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/ipc"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"zebra/mapreduce"
)

// schema is the schema of every record batch: one row per record.
var schema = arrow.NewSchema([]arrow.Field{
	{Name: "key", Type: arrow.BinaryTypes.Binary},
	{Name: "value", Type: arrow.BinaryTypes.Binary},
}, nil)

// schemaMessage is schema as an encapsulated Arrow IPC message, which
// starts the first data message of every fetch. The decoder checks it byte
// for byte instead of parsing what arrives: Arrow's reader would allocate
// whatever corrupt metadata claims.
var schemaMessage = func() []byte {
	var out appendWriter
	if err := ipc.NewWriter(&out, ipc.WithSchema(schema)).Close(); err != nil {
		panic(err)
	}
	return out.b[:len(out.b)-8] // without the end-of-stream marker
}()

// encoder turns a segment's records into Arrow IPC messages, one record
// batch per data message. The arrays are built directly on its offset and
// data slices, which are reused from batch to batch.
type encoder struct {
	keyOff, valOff []int32
	keys, vals     []byte
	out            appendWriter
	w              *ipc.Writer
}

// appendWriter is the io.Writer under the IPC writer: it appends to b.
type appendWriter struct{ b []byte }

func (a *appendWriter) Write(p []byte) (int, error) {
	a.b = append(a.b, p...)
	return len(p), nil
}

func newEncoder() *encoder {
	e := &encoder{}
	e.w = ipc.NewWriter(&e.out, ipc.WithSchema(schema))
	return e
}

// errTooLarge is returned for a batch whose keys or values do not fit the
// 32-bit offsets of Arrow's binary type.
var errTooLarge = errors.New("record too large for an Arrow binary array")

// encode reads records from r until their size reaches target (one record
// at least) and returns them as an Arrow IPC message in buf, reused if big
// enough; the first message is preceded by the schema message. It returns
// n == 0 at the end of the segment.
func (e *encoder) encode(r *mapreduce.SegmentReader, target int, buf []byte) (msg []byte, n int, err error) {
	e.keyOff, e.valOff = append(e.keyOff[:0], 0), append(e.valOff[:0], 0)
	e.keys, e.vals = e.keys[:0], e.vals[:0]
	size := 0
	for size < target && r.Next() {
		k, v := r.Key(), r.Value()
		if len(e.keys)+len(k) > math.MaxInt32 || len(e.vals)+len(v) > math.MaxInt32 {
			return nil, 0, errTooLarge
		}
		e.keys = append(e.keys, k...)
		e.vals = append(e.vals, v...)
		e.keyOff = append(e.keyOff, int32(len(e.keys)))
		e.valOff = append(e.valOff, int32(len(e.vals)))
		size += len(k) + len(v) + 8
	}
	if err := r.Err(); err != nil {
		return nil, 0, err
	}
	n = len(e.keyOff) - 1
	if n == 0 {
		return nil, 0, nil
	}
	keys, vals := binaryArray(e.keyOff, e.keys), binaryArray(e.valOff, e.vals)
	rec := array.NewRecord(schema, []arrow.Array{keys, vals}, int64(n))
	keys.Release()
	vals.Release()
	defer rec.Release()

	if need := size + 4<<10; cap(buf) < need {
		buf = make([]byte, 0, need)
	}
	e.out.b = buf[:0]
	err = e.w.Write(rec)
	msg, e.out.b = e.out.b, nil
	return msg, n, err
}

// binaryArray makes a binary array on the given offsets and data, without
// copying them.
func binaryArray(offsets []int32, data []byte) *array.Binary {
	d := array.NewData(arrow.BinaryTypes.Binary, len(offsets)-1, []*memory.Buffer{
		nil,
		memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(offsets)),
		memory.NewBufferBytes(data),
	}, nil, 0, 0)
	defer d.Release()
	return array.NewBinaryData(d)
}

// decoder decodes the data messages of one fetch and appends their records
// to a segment file.
type decoder struct {
	msgs frameMessages
	r    *ipc.Reader
	mem  *poolAllocator
}

func newDecoder() *decoder { return &decoder{mem: &poolAllocator{}} }

func corrupt(format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), ErrCorrupt)
}

// decode appends the records of the record batch in msg (the first one
// preceded by the schema) to out. Errors of out are returned as they are,
// anything wrong with msg as ErrCorrupt.
func (d *decoder) decode(msg []byte, out *mapreduce.SegmentFile) (err error) {
	// Arrow's arrays trust their metadata and panic on inconsistencies.
	defer func() {
		if r := recover(); r != nil {
			err = corrupt("malformed Arrow record batch: %v", r)
		}
	}()
	if d.r == nil {
		if !bytes.HasPrefix(msg, schemaMessage) {
			return corrupt("first data message without the Arrow schema")
		}
		d.msgs.frame = schemaMessage
		r, err := ipc.NewReaderFromMessageReader(&d.msgs, ipc.WithSchema(schema), ipc.WithAllocator(d.mem))
		if err != nil {
			return fmt.Errorf("read Arrow schema: %w", err) // a bug
		}
		d.r = r
		msg = msg[len(schemaMessage):]
	}
	d.msgs.frame = msg
	d.mem.limit = len(msg) + 64 // no array buffer is longer than the message
	if !d.r.Next() {
		if err := d.r.Err(); err != nil {
			return corrupt("read Arrow record batch: %v", err)
		}
		return corrupt("data message without a record batch")
	}
	if len(d.msgs.frame) != 0 {
		return corrupt("%d bytes after the record batch", len(d.msgs.frame))
	}
	rec := d.r.Record()
	keys, ok1 := rec.Column(0).(*array.Binary)
	vals, ok2 := rec.Column(1).(*array.Binary)
	n := int(rec.NumRows())
	if !ok1 || !ok2 || keys.Len() != n || vals.Len() != n || keys.NullN() != 0 || vals.NullN() != 0 {
		return corrupt("bad record batch columns")
	}
	if n == 0 {
		return nil
	}
	err = out.AppendColumns(keys.ValueOffsets(), dataBytes(keys), vals.ValueOffsets(), dataBytes(vals))
	if mapreduce.IsKind(err, mapreduce.Invalid) {
		return corrupt("%v", err)
	}
	return err
}

// dataBytes returns the data buffer of a binary array, which the array's
// offsets index.
func dataBytes(a *array.Binary) []byte {
	if b := a.Data().Buffers()[2]; b != nil {
		return b.Bytes()
	}
	return nil
}

func (d *decoder) close() {
	if d.r != nil {
		d.r.Release()
	}
}

// frameMessages is an ipc.MessageReader over the encapsulated Arrow IPC
// messages in frame, consumed from the front. Messages share frame's
// memory.
type frameMessages struct {
	frame []byte
}

var emptyBuffer = memory.NewBufferBytes(nil)

func (m *frameMessages) Message() (msg *ipc.Message, err error) {
	defer func() {
		if recover() != nil {
			msg, err = nil, errors.New("malformed Arrow IPC message")
		}
	}()
	if len(m.frame) == 0 {
		return nil, io.EOF
	}
	// Encapsulated message: 0xFFFFFFFF, metadata length (padded), the
	// Message flatbuffer, then the body, whose length the flatbuffer gives.
	if len(m.frame) < 8 || binary.LittleEndian.Uint32(m.frame) != 0xFFFFFFFF {
		return nil, errors.New("missing Arrow IPC continuation marker")
	}
	metaLen := int(binary.LittleEndian.Uint32(m.frame[4:]))
	if metaLen == 0 {
		return nil, io.EOF // end-of-stream marker
	}
	if metaLen > len(m.frame)-8 {
		return nil, errors.New("truncated Arrow IPC metadata")
	}
	meta := memory.NewBufferBytes(m.frame[8 : 8+metaLen])
	bodyLen := ipc.NewMessage(meta, emptyBuffer).BodyLen()
	rest := m.frame[8+metaLen:]
	if bodyLen < 0 || bodyLen > int64(len(rest)) {
		return nil, errors.New("truncated Arrow IPC body")
	}
	m.frame = rest[bodyLen:]
	return ipc.NewMessage(meta, memory.NewBufferBytes(rest[:bodyLen])), nil
}

func (m *frameMessages) Retain()  {}
func (m *frameMessages) Release() {}

// poolAllocator is a memory.Allocator that reuses freed buffers: the IPC
// reader allocates a fresh buffer for every array buffer of every batch,
// which would otherwise be as much garbage as data. It is used by one
// goroutine only.
//
// It refuses to allocate more than limit bytes, by panicking: the IPC reader
// allocates what a message's metadata claims before reading it, and turns
// the panic into an error.
type poolAllocator struct {
	free  [][]byte
	limit int
}

const poolMax = 8

func (p *poolAllocator) Allocate(size int) []byte {
	if size > p.limit {
		panic(fmt.Sprintf("Arrow buffer of %d bytes in a message of %d", size, p.limit))
	}
	for i, b := range p.free {
		if cap(b) >= size {
			last := len(p.free) - 1
			p.free[i] = p.free[last]
			p.free = p.free[:last]
			return b[:size]
		}
	}
	return make([]byte, size, max(size, 4<<10))
}

func (p *poolAllocator) Reallocate(size int, b []byte) []byte {
	if cap(b) >= size {
		return b[:size]
	}
	nb := p.Allocate(size)
	copy(nb, b)
	p.Free(b)
	return nb
}

func (p *poolAllocator) Free(b []byte) {
	if cap(b) == 0 {
		return
	}
	if len(p.free) < poolMax {
		p.free = append(p.free, b)
		return
	}
	// Keep the biggest buffers.
	for i, f := range p.free {
		if cap(f) < cap(b) {
			p.free[i] = b
			return
		}
	}
}
