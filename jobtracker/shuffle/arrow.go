package shuffle

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"unsafe"

	flatbuffers "github.com/google/flatbuffers/go"

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
// batch per data message. The arrays are built directly on a batch's
// offset and data slices, and the IPC writer's output is gathered into
// frames that refer to those slices rather than copying them (see batch):
// ZeroMQ copies each frame as it sends it, and the fetcher's decoder finds
// the buffers in the frames it receives, so a record's bytes are not
// copied for Arrow's sake on either side.
type encoder struct {
	out gatherWriter
	w   *ipc.Writer
}

// batch is one data message: its columns and the frames of its IPC
// message, which refer to the columns. It is reused for a later message
// once this one is sent.
type batch struct {
	keyOff, valOff []int32
	keys, vals     []byte
	small          []byte  // the IPC writer's other output: metadata, padding
	pieces         []piece // the message, in order
	frames         [][]byte
}

// piece is a part of a batch's message: ref, one of its columns, or
// small[start:end] if ref is nil.
type piece struct {
	ref        []byte
	start, end int
}

// bigPiece is the size from which a column is sent as a frame of its own
// rather than copied with its neighbours.
const bigPiece = 4 << 10

// owns reports whether p lies in one of b's columns.
func (b *batch) owns(p []byte) bool {
	return within(p, b.keys) || within(p, b.vals) ||
		within(p, arrow.Int32Traits.CastToBytes(b.keyOff)) || within(p, arrow.Int32Traits.CastToBytes(b.valOff))
}

// within reports whether p lies in the memory of s.
func within(p, s []byte) bool {
	if cap(s) == 0 || len(p) == 0 {
		return false
	}
	lo := uintptr(unsafe.Pointer(unsafe.SliceData(s[:1])))
	at := uintptr(unsafe.Pointer(unsafe.SliceData(p)))
	return at >= lo && at+uintptr(len(p)) <= lo+uintptr(cap(s))
}

// gatherWriter is the io.Writer under the IPC writer: it records what is
// written to b as pieces, the big writes from b's columns by reference.
type gatherWriter struct{ b *batch }

func (g *gatherWriter) Write(p []byte) (int, error) {
	b := g.b
	if len(p) >= bigPiece && b.owns(p) {
		b.pieces = append(b.pieces, piece{ref: p})
		return len(p), nil
	}
	start := len(b.small)
	b.small = append(b.small, p...)
	if n := len(b.pieces); n > 0 && b.pieces[n-1].ref == nil && b.pieces[n-1].end == start {
		b.pieces[n-1].end = len(b.small)
	} else {
		b.pieces = append(b.pieces, piece{start: start, end: len(b.small)})
	}
	return len(p), nil
}

// appendWriter is an io.Writer that appends to b.
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
// at least) into b, a new batch if nil, and returns b with its frames, the
// Arrow IPC message (the first one preceded by the schema message); the
// frames are valid until b is reused. It returns n == 0 at the end of the
// segment.
func (e *encoder) encode(r *mapreduce.SegmentReader, target int, b *batch) (_ *batch, n int, err error) {
	if b == nil {
		b = &batch{}
	}
	b.keyOff, b.valOff = append(b.keyOff[:0], 0), append(b.valOff[:0], 0)
	b.keys, b.vals = b.keys[:0], b.vals[:0]
	size := 0
	for size < target && r.Next() {
		k, v := r.Key(), r.Value()
		if len(b.keys)+len(k) > math.MaxInt32 || len(b.vals)+len(v) > math.MaxInt32 {
			return b, 0, errTooLarge
		}
		b.keys = append(b.keys, k...)
		b.vals = append(b.vals, v...)
		b.keyOff = append(b.keyOff, int32(len(b.keys)))
		b.valOff = append(b.valOff, int32(len(b.vals)))
		size += len(k) + len(v) + 8
	}
	if err := r.Err(); err != nil {
		return b, 0, err
	}
	n = len(b.keyOff) - 1
	if n == 0 {
		return b, 0, nil
	}
	keys, vals := binaryArray(b.keyOff, b.keys), binaryArray(b.valOff, b.vals)
	rec := array.NewRecord(schema, []arrow.Array{keys, vals}, int64(n))
	keys.Release()
	vals.Release()
	defer rec.Release()

	b.small, b.pieces, b.frames = b.small[:0], b.pieces[:0], b.frames[:0]
	e.out.b = b
	err = e.w.Write(rec)
	e.out.b = nil
	for _, p := range b.pieces {
		if p.ref == nil {
			p.ref = b.small[p.start:p.end]
		}
		b.frames = append(b.frames, p.ref)
	}
	return b, n, err
}

// message returns the frames of b as one byte slice.
func (b *batch) message() []byte { return bytes.Join(b.frames, nil) }

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
// to a segment file. It reads the record batches in place: Arrow's IPC
// reader would copy every buffer out of the message. It accepts what
// encode sends, Arrow IPC record batches of the schema without
// compression or nulls, and checks every length and offset against the
// frames before use.
type decoder struct {
	started bool
	offsets [2][]int32 // for offsets that are not aligned in their frame
}

func newDecoder() *decoder { return &decoder{} }

func corrupt(format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), ErrCorrupt)
}

// Arrow's flatbuffer schema (format/Message.fbs): field slots of the
// Message and RecordBatch tables, and the RecordBatch header type.
const (
	slotMessageHeaderType = 4 + 2*1
	slotMessageHeader     = 4 + 2*2
	slotMessageBodyLength = 4 + 2*3
	slotBatchLength       = 4 + 2*0
	slotBatchNodes        = 4 + 2*1
	slotBatchBuffers      = 4 + 2*2
	slotBatchCompression  = 4 + 2*3
	headerRecordBatch     = 3
)

// decode appends the records of the record batch in frames, whose
// concatenation is an encapsulated IPC message (the first one preceded by
// the schema message), to out. A buffer must lie within one frame. Errors
// of out are returned as they are, anything wrong with frames as
// ErrCorrupt.
func (d *decoder) decode(frames [][]byte, out *mapreduce.SegmentFile) (err error) {
	// Flatbuffer accessors index without checks: a bad offset panics.
	defer func() {
		if r := recover(); r != nil {
			err = corrupt("malformed Arrow record batch: %v", r)
		}
	}()
	if len(frames) == 0 {
		return corrupt("data message without a record batch")
	}
	first := frames[0]
	if !d.started {
		if !bytes.HasPrefix(first, schemaMessage) {
			return corrupt("first data message without the Arrow schema")
		}
		first = first[len(schemaMessage):]
		d.started = true
	}
	// Encapsulated message: 0xFFFFFFFF, metadata length (padded), the
	// Message flatbuffer, then the body.
	if len(first) < 8 || binary.LittleEndian.Uint32(first) != 0xFFFFFFFF {
		return corrupt("missing Arrow IPC continuation marker")
	}
	metaLen := int64(binary.LittleEndian.Uint32(first[4:]))
	if metaLen < 8 || metaLen > int64(len(first))-8 {
		return corrupt("bad Arrow IPC metadata length %d", metaLen)
	}
	meta := first[8 : 8+metaLen]
	body := frameSpan{frames: append([][]byte{first[8+metaLen:]}, frames[1:]...)}

	msg := flatbuffers.Table{Bytes: meta, Pos: flatbuffers.GetUOffsetT(meta)}
	if o := msg.Offset(slotMessageHeaderType); o == 0 || msg.GetByte(msg.Pos+flatbuffers.UOffsetT(o)) != headerRecordBatch {
		return corrupt("Arrow IPC message is not a record batch")
	}
	var rb flatbuffers.Table
	if o := msg.Offset(slotMessageHeader); o != 0 {
		msg.Union(&rb, flatbuffers.UOffsetT(o))
	} else {
		return corrupt("Arrow record batch without a header")
	}
	bodyLen := int64Slot(&msg, slotMessageBodyLength)
	if bodyLen != body.len() {
		return corrupt("Arrow record batch body of %d bytes in %d", bodyLen, body.len())
	}
	if rb.Offset(slotBatchCompression) != 0 {
		return corrupt("compressed Arrow record batch")
	}
	n := int64Slot(&rb, slotBatchLength)
	if n < 0 || n > bodyLen/8 {
		return corrupt("bad Arrow record batch length %d", n)
	}
	nodes := structVector(&rb, slotBatchNodes)
	bufs := structVector(&rb, slotBatchBuffers)
	if len(nodes) != 2 || len(bufs) != 6 {
		return corrupt("Arrow record batch of %d columns, %d buffers", len(nodes), len(bufs))
	}
	for _, nd := range nodes {
		if nd[0] != n || nd[1] != 0 {
			return corrupt("bad Arrow record batch columns")
		}
	}
	if n == 0 {
		return nil
	}
	// Buffers: key validity, offsets, data; value validity, offsets, data.
	var cols [4][]byte
	for i, bi := range []int{1, 2, 4, 5} {
		if cols[i], err = body.slice(bufs[bi][0], bufs[bi][1]); err != nil {
			return err
		}
	}
	keyOff, err1 := int32s(cols[0], n+1, &d.offsets[0])
	valOff, err2 := int32s(cols[2], n+1, &d.offsets[1])
	if err := errors.Join(err1, err2); err != nil {
		return err
	}
	err = out.AppendColumns(keyOff, cols[1], valOff, cols[3])
	if mapreduce.IsKind(err, mapreduce.Invalid) {
		return corrupt("%v", err)
	}
	return err
}

// int64Slot reads an int64 field of t, 0 if absent.
func int64Slot(t *flatbuffers.Table, slot flatbuffers.VOffsetT) int64 {
	if o := t.Offset(slot); o != 0 {
		return t.GetInt64(t.Pos + flatbuffers.UOffsetT(o))
	}
	return 0
}

// structVector reads a vector of structs of two int64 (Arrow's FieldNode
// and Buffer) of t; at most 8 are read, enough to tell a bad count.
func structVector(t *flatbuffers.Table, slot flatbuffers.VOffsetT) [][2]int64 {
	o := flatbuffers.UOffsetT(t.Offset(slot))
	if o == 0 {
		return nil
	}
	start, n := t.Vector(o), t.VectorLen(o)
	v := make([][2]int64, min(n, 8))
	for i := range v {
		at := start + flatbuffers.UOffsetT(16*i)
		v[i] = [2]int64{t.GetInt64(at), t.GetInt64(at + 8)}
	}
	return v
}

// int32s returns the first n int32 of b: in place if b is aligned, else
// copied to scratch (a short buffer sent with its neighbours can follow
// padding in its frame).
func int32s(b []byte, n int64, scratch *[]int32) ([]int32, error) {
	if int64(len(b)) < 4*n {
		return nil, corrupt("bad Arrow offsets buffer")
	}
	if uintptr(unsafe.Pointer(unsafe.SliceData(b)))%4 == 0 {
		return arrow.Int32Traits.CastFromBytes(b)[:n], nil
	}
	v := (*scratch)[:0]
	for i := range n {
		v = append(v, int32(binary.LittleEndian.Uint32(b[4*i:])))
	}
	*scratch = v
	return v, nil
}

// frameSpan is the concatenation of frames, without copying them.
type frameSpan struct{ frames [][]byte }

func (s frameSpan) len() int64 {
	n := int64(0)
	for _, f := range s.frames {
		n += int64(len(f))
	}
	return n
}

// slice returns the bytes [off, off+n) of the concatenation, which must
// lie within one frame.
func (s frameSpan) slice(off, n int64) ([]byte, error) {
	if off < 0 || n < 0 {
		return nil, corrupt("bad Arrow buffer [%d, +%d)", off, n)
	}
	if n == 0 {
		return nil, nil
	}
	for _, f := range s.frames {
		if off < int64(len(f)) {
			if n > int64(len(f))-off {
				break
			}
			return f[off : off+n], nil
		}
		off -= int64(len(f))
	}
	return nil, corrupt("Arrow buffer [%d, +%d) outside the message or across frames", off, n)
}

func (d *decoder) close() {}
