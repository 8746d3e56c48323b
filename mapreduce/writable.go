package mapreduce

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strconv"

	"zebra/mapreduce/typedbytes"
)

// WritableClass is the Java class of a job's keys or values. zebra keeps
// every record as bytes; the class says what those bytes are and how they
// are printed (TextOutputFormat) or serialized (SequenceFile):
//
//	ClassText        the text itself
//	ClassLong        a decimal number (a TextInputFormat offset)
//	ClassInt         a decimal number
//	ClassBytes       the bytes of a BytesWritable
//	ClassTypedBytes  one typed bytes value, code included
//	ClassNull        nothing (NullWritable)
type WritableClass uint8

// The Writable classes zebra can hold.
const (
	ClassText WritableClass = iota
	ClassLong
	ClassInt
	ClassBytes
	ClassTypedBytes
	ClassNull
)

var classNames = [...]string{
	ClassText:       "org.apache.hadoop.io.Text",
	ClassLong:       "org.apache.hadoop.io.LongWritable",
	ClassInt:        "org.apache.hadoop.io.IntWritable",
	ClassBytes:      "org.apache.hadoop.io.BytesWritable",
	ClassTypedBytes: "org.apache.hadoop.typedbytes.TypedBytesWritable",
	ClassNull:       "org.apache.hadoop.io.NullWritable",
}

// JavaName is the class's fully qualified Java name.
func (c WritableClass) JavaName() string { return classNames[c] }

// ParseWritableClass returns the class of a fully qualified Java name.
func ParseWritableClass(name string) (WritableClass, bool) {
	for i, n := range classNames {
		if n == name {
			return WritableClass(i), true
		}
	}
	return 0, false
}

// AppendText appends rec as the class's toString prints it, which is what
// TextOutputFormat writes.
func (c WritableClass) AppendText(dst, rec []byte) ([]byte, error) {
	switch c {
	case ClassBytes:
		// BytesWritable.toString: two hex digits a byte, space separated.
		for i, b := range rec {
			if i > 0 {
				dst = append(dst, ' ')
			}
			dst = hex.AppendEncode(dst, []byte{b})
		}
		return dst, nil
	case ClassTypedBytes:
		return typedbytes.Text(dst, rec)
	case ClassNull:
		return append(dst, "(null)"...), nil
	}
	return append(dst, rec...), nil
}

// Textual reports whether AppendText returns rec unchanged.
func (c WritableClass) Textual() bool { return c == ClassText || c == ClassLong || c == ClassInt }

// AppendWritable appends rec in the class's Writable.write serialization.
func (c WritableClass) AppendWritable(dst, rec []byte) ([]byte, error) {
	switch c {
	case ClassText:
		dst = AppendVInt(dst, int64(len(rec)))
		return append(dst, rec...), nil
	case ClassLong:
		v, err := strconv.ParseInt(string(rec), 10, 64)
		if err != nil {
			return dst, fmt.Errorf("LongWritable record %q is not a number", rec)
		}
		return binary.BigEndian.AppendUint64(dst, uint64(v)), nil
	case ClassInt:
		v, err := strconv.ParseInt(string(rec), 10, 32)
		if err != nil {
			return dst, fmt.Errorf("IntWritable record %q is not a 32-bit number", rec)
		}
		return binary.BigEndian.AppendUint32(dst, uint32(v)), nil
	case ClassBytes, ClassTypedBytes:
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(rec)))
		return append(dst, rec...), nil
	}
	return dst, nil
}

// AppendTypedBytes appends rec as TypedBytesWritableOutput.write encodes an
// object of the class (streaming's typedbytes input writer).
func (c WritableClass) AppendTypedBytes(dst, rec []byte) ([]byte, error) {
	switch c {
	case ClassText:
		return typedbytes.AppendString(dst, rec), nil
	case ClassLong:
		v, err := strconv.ParseInt(string(rec), 10, 64)
		if err != nil {
			return dst, fmt.Errorf("LongWritable record %q is not a number", rec)
		}
		return typedbytes.AppendLong(dst, v), nil
	case ClassInt:
		v, err := strconv.ParseInt(string(rec), 10, 32)
		if err != nil {
			return dst, fmt.Errorf("IntWritable record %q is not a 32-bit number", rec)
		}
		return typedbytes.AppendInt(dst, int32(v)), nil
	case ClassBytes:
		return typedbytes.AppendBytes(dst, rec), nil
	case ClassTypedBytes:
		return append(dst, rec...), nil
	}
	// NullWritable is written as a generic Writable: code 50, no bytes.
	return append(dst, typedbytes.Writable, 0, 0, 0, 0), nil
}

// AppendVInt appends v in Hadoop's WritableUtils.writeVLong encoding.
func AppendVInt(dst []byte, v int64) []byte {
	if v >= -112 && v <= 127 {
		return append(dst, byte(v))
	}
	n := int64(-112)
	if v < 0 {
		v ^= -1
		n = -120
	}
	for t := v; t != 0; t >>= 8 {
		n--
	}
	dst = append(dst, byte(n))
	if n < -120 {
		n = -(n + 120)
	} else {
		n = -(n + 112)
	}
	for i := n; i > 0; i-- {
		dst = append(dst, byte(v>>((i-1)*8)))
	}
	return dst
}

// ReadVInt decodes a WritableUtils vlong from b, returning the value and
// its encoded size (0 if b is too short).
func ReadVInt(b []byte) (int64, int) {
	if len(b) == 0 {
		return 0, 0
	}
	first := int8(b[0])
	if first >= -112 {
		return int64(first), 1
	}
	neg := first < -120
	n := -112 - int(first)
	if neg {
		n = -120 - int(first)
	}
	if len(b) < 1+n {
		return 0, 0
	}
	var v int64
	for i := 0; i < n; i++ {
		v = v<<8 | int64(b[1+i])
	}
	if neg {
		v ^= -1
	}
	return v, 1 + n
}
