package shuffle

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/ipc"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"zebra/mapreduce"
)

// schema is the schema of every record batch: one row per record, the
// record's bytes exactly as the map output's segment stores them (uvarint
// key length, uvarint value length, key, value), so that a batch's data
// buffer is a run of the segment as it is and the fetcher writes it to its
// segment file as it arrives.
var schema = arrow.NewSchema([]arrow.Field{
	{Name: "record", Type: arrow.BinaryTypes.Binary, Metadata: arrow.NewMetadata(
		[]string{"zebra.encoding"}, []string{"uvarint key length, uvarint value length, key, value"})},
}, nil)

// schemaMessage is schema as an encapsulated Arrow IPC message, which
// starts the first data message of every fetch. The decoder checks it byte
// for byte instead of parsing what arrives: Arrow's reader would allocate
// whatever corrupt metadata claims.
var schemaMessage = func() []byte {
	var out bytes.Buffer
	if err := ipc.NewWriter(&out, ipc.WithSchema(schema)).Close(); err != nil {
		panic(err)
	}
	return out.Bytes()[:out.Len()-8] // without the end-of-stream marker
}()

// encoder turns batches of records into Arrow IPC messages, one record
// batch per data message. A batch's array is built on the records' bytes
// and offsets as they are, and the IPC writer's output is split around its
// data buffer, which is sent from where it was read: a message is head
// (the encapsulated message up to the data buffer: its prefix, metadata and
// offsets buffer), the data, and pad (the data buffer's padding).
type encoder struct {
	w   *ipc.Writer
	out splitWriter
}

// splitWriter is the io.Writer under the IPC writer: it appends what is
// written before data to head and counts what is written after it.
type splitWriter struct {
	data    []byte
	head    []byte
	sawData bool
	pad     int
}

func (w *splitWriter) Write(p []byte) (int, error) {
	switch {
	case w.sawData:
		w.pad += len(p)
	case len(p) == len(w.data) && len(p) > 0 && &p[0] == &w.data[0]:
		w.sawData = true
	default:
		w.head = append(w.head, p...)
	}
	return len(p), nil
}

// zeros is the padding of a data buffer.
var zeros [8]byte

func newEncoder() *encoder {
	e := &encoder{}
	e.w = ipc.NewWriter(&e.out, ipc.WithSchema(schema))
	return e
}

// errTooLarge is returned for records that do not fit the 32-bit offsets
// of Arrow's binary type.
var errTooLarge = errors.New("record too large for an Arrow binary array")

// batch encodes the records in data, offsets their boundaries (from 0 to
// len(data), one more than there are records), as the next message of the
// stream: the message is head, data, pad. head is built in headBuf's
// memory when it is big enough; the first message's starts with the schema
// message. pad is shared, read-only memory.
func (e *encoder) batch(offsets []int32, data, headBuf []byte) (head, pad []byte, err error) {
	if len(data) > math.MaxInt32 {
		return nil, nil, errTooLarge
	}
	records := binaryArray(offsets, data)
	rec := array.NewRecord(schema, []arrow.Array{records}, int64(len(offsets)-1))
	records.Release()
	defer rec.Release()
	e.out = splitWriter{data: data, head: headBuf[:0]}
	if err := e.w.Write(rec); err != nil {
		return nil, nil, err
	}
	if !e.out.sawData || e.out.pad >= len(zeros) {
		return nil, nil, errors.New("the Arrow IPC writer did not write the data buffer as it is") // a bug
	}
	return e.out.head, zeros[:e.out.pad], nil
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

// decoder checks the data messages of one fetch and appends their records
// to a segment file. It does not parse a message's Arrow metadata, so that
// a corrupt message cannot make Arrow allocate what its metadata claims.
//
// The guarantee: decode accepts a message only if its head and pad frames
// are, byte for byte, what the server's encoder writes for a record batch
// of the offsets and data the message carries (the offsets buffer as it
// is in head, the data frame), and out.AppendRecords accepts every record
// against those offsets. The check is made in one of two ways, which
// accept the same messages:
//
//   - the first message, and any whose record count or data length differs
//     from those of the last message so checked, is encoded again by an
//     encoder of the decoder's own, on the received offsets and data, and
//     its head and pad must equal the encoder's;
//   - a later message with the same record count and data length must
//     have the same metadata bytes as that message (the continuation
//     marker, the metadata length and the Message flatbuffer), an offsets
//     buffer of the length the count gives, whose padding is zero, and a
//     pad frame of the data's padding, zeros.
//
// The second is the first without the encoding because the metadata of a
// record batch of this schema depends on nothing else than its record
// count and data length: its length, null count 0, the buffers' offsets
// and lengths and the body's length follow from them, and the encoder
// writes the offsets buffer as it is (offsets[0] is 0 and the last offset
// is the data's length, which decode requires before either check).
// TestDecodeFastCheck holds the two against each other on damaged
// messages.
type decoder struct {
	enc *encoder
	// offsets holds the offsets of the current message when they cannot
	// be read in place (a big-endian machine).
	offsets []int32
	head    []byte // what enc wrote last
	// The last message checked by encoding: its record count and data
	// length, its metadata bytes and its pad's length; meta is empty
	// before the first.
	records, dataLen int
	meta             []byte
	pad              int
}

func newDecoder() *decoder { return &decoder{enc: newEncoder()} }

func corrupt(format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), ErrCorrupt)
}

// decode appends the records of a data message's payload frames (head,
// data, pad) to out. Errors of out are returned as they are, anything
// wrong with the frames as ErrCorrupt.
func (d *decoder) decode(frames [][]byte, out *mapreduce.SegmentFile) (err error) {
	defer func() {
		if r := recover(); r != nil { // a bug, not the data's fault
			err = corrupt("Arrow record batch: %v", r)
		}
	}()
	if len(frames) != 3 {
		return corrupt("data message of %d frames, want 3", len(frames))
	}
	head, data, pad := frames[0], frames[1], frames[2]
	meta, offsets, err := d.split(head, len(data))
	if err != nil {
		return err
	}
	records := len(offsets) - 1
	if len(d.meta) == 0 || records != d.records || len(data) != d.dataLen {
		if err := d.check(head, pad, meta, offsets, data); err != nil {
			return err
		}
	} else if !bytes.Equal(meta, d.meta) || len(pad) != d.pad || !allZero(pad) {
		return corrupt("record batch of %d records in %d bytes not as Arrow encodes it", records, len(data))
	}
	err = out.AppendRecords(offsets, data)
	if mapreduce.IsKind(err, mapreduce.Invalid) {
		return corrupt("%v", err)
	}
	return err
}

// check encodes a record batch of offsets and data as the server does and
// requires head and pad to be what the encoder wrote; it remembers the
// batch's metadata, meta (in head), for later messages.
func (d *decoder) check(head, pad, meta []byte, offsets []int32, data []byte) error {
	want, wantPad, err := d.enc.batch(offsets, data, d.head)
	if err != nil {
		return corrupt("%v", err)
	}
	d.head = want
	if !bytes.Equal(want, head) || !bytes.Equal(pad, wantPad) {
		return corrupt("record batch of %d records in %d bytes not as Arrow encodes it", len(offsets)-1, len(data))
	}
	d.meta = append(d.meta[:0], meta...)
	d.records, d.dataLen, d.pad = len(offsets)-1, len(data), len(wantPad)
	return nil
}

// allZero reports whether b holds only zero bytes.
func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// split finds the metadata (continuation marker, metadata length, Message
// flatbuffer) and the offsets buffer of the record batch message in head,
// whose data buffer is dataLen bytes: the end of the message, after its
// metadata; the first message starts with the schema message. It requires
// the offsets to start at 0 and end at dataLen, with at least one record,
// and the offsets buffer's padding to be zero. offsets is read in place
// on a little-endian machine.
func (d *decoder) split(head []byte, dataLen int) (meta []byte, offsets []int32, err error) {
	b := head
	if len(d.head) == 0 { // the first message
		if !bytes.HasPrefix(b, schemaMessage) {
			return nil, nil, corrupt("first data message without the Arrow schema")
		}
		b = b[len(schemaMessage):]
	}
	// Encapsulated message: 0xFFFFFFFF, metadata length (padded), the
	// Message flatbuffer, then the body: here the offsets buffer, padded
	// to 8 bytes.
	if len(b) < 8 || binary.LittleEndian.Uint32(b) != 0xFFFFFFFF {
		return nil, nil, corrupt("missing Arrow IPC continuation marker")
	}
	metaLen := binary.LittleEndian.Uint32(b[4:])
	if uint64(metaLen) > uint64(len(b)-8) {
		return nil, nil, corrupt("truncated Arrow IPC metadata")
	}
	meta, b = b[:8+metaLen], b[8+metaLen:]
	if len(b) < 8 || len(b)%8 != 0 {
		return nil, nil, corrupt("Arrow offsets buffer of %d bytes", len(b))
	}
	n := len(b) / 4
	if binary.LittleEndian.Uint32(b[len(b)-4:]) == 0 {
		n-- // padding: the data of a batch is never empty
	}
	if littleEndian {
		offsets = arrow.Int32Traits.CastFromBytes(b[:4*n])
	} else {
		d.offsets = d.offsets[:0]
		for i := range n {
			d.offsets = append(d.offsets, int32(binary.LittleEndian.Uint32(b[4*i:])))
		}
		offsets = d.offsets
	}
	if n < 2 || offsets[0] != 0 || int64(offsets[n-1]) != int64(dataLen) {
		return nil, nil, corrupt("Arrow offsets do not span the batch's %d bytes of records", dataLen)
	}
	return meta, offsets, nil
}

// littleEndian is whether this machine stores integers as Arrow's IPC
// format does, so that an offsets buffer can be read in place.
var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1
