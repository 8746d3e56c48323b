package mapreduce

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// SequenceFile constants of Hadoop's org.apache.hadoop.io.SequenceFile
// (version 6 files).
const (
	seqVersion      = 6
	seqSyncSize     = 16
	seqSyncEscape   = -1
	seqSyncInterval = 102400 // SequenceFile.SYNC_INTERVAL
)

// SeqHeader is a SequenceFile's header.
type SeqHeader struct {
	Version              byte
	KeyClass, ValueClass string
	Compressed, Block    bool
	Codec                string
	Metadata             [][2]string // in file order
	Sync                 [seqSyncSize]byte
}

// SeqWriter writes an uncompressed SequenceFile as Hadoop's
// SequenceFile.Writer does: the header with a random sync marker, then
// records of (record length, key length, key, value), with the sync marker
// escaped in before the first record at or past every SYNC_INTERVAL bytes.
// Keys and values arrive in zebra's representation of their class (see
// WritableClass) and are serialized with it.
type SeqWriter struct {
	w            *bufio.Writer
	keys, values WritableClass
	sync         [seqSyncSize]byte
	pos, lastAt  int64
	kbuf         []byte
}

// NewSeqWriter writes the header to w. The caller flushes w's underlying
// writer through Flush.
func NewSeqWriter(w *bufio.Writer, keys, values WritableClass) (*SeqWriter, error) {
	s := &SeqWriter{w: w, keys: keys, values: values}
	if _, err := rand.Read(s.sync[:]); err != nil {
		return nil, fmt.Errorf("make SequenceFile sync marker: %w", err)
	}
	h := []byte{'S', 'E', 'Q', seqVersion}
	h = appendJavaString(h, keys.JavaName())
	h = appendJavaString(h, values.JavaName())
	h = append(h, 0, 0)       // not compressed, not block-compressed
	h = append(h, 0, 0, 0, 0) // no metadata
	h = append(h, s.sync[:]...)
	if _, err := w.Write(h); err != nil {
		return nil, err
	}
	s.pos = int64(len(h))
	return s, nil
}

func appendJavaString(dst []byte, s string) []byte {
	return append(AppendVInt(dst, int64(len(s))), s...)
}

// Append writes one record; it returns the number of bytes written.
func (s *SeqWriter) Append(key, value []byte) (int, error) {
	// The record is built in one buffer: lengths, key, value.
	b := append(s.kbuf[:0], 0, 0, 0, 0, 0, 0, 0, 0)
	var err error
	if b, err = s.keys.AppendWritable(b, key); err != nil {
		return 0, err
	}
	keyLen := len(b) - 8
	if b, err = s.values.AppendWritable(b, value); err != nil {
		return 0, err
	}
	binary.BigEndian.PutUint32(b[:4], uint32(len(b)-8))
	binary.BigEndian.PutUint32(b[4:8], uint32(keyLen))
	s.kbuf = b
	n := 0
	if s.pos >= s.lastAt+seqSyncInterval {
		s.w.Write([]byte{0xff, 0xff, 0xff, 0xff})
		s.w.Write(s.sync[:])
		n += 4 + seqSyncSize
		s.pos += 4 + seqSyncSize
		s.lastAt = s.pos
	}
	if _, err := s.w.Write(b); err != nil {
		return n, err
	}
	s.pos += int64(len(b))
	return n + len(b), nil
}

// SeqRecord is one record of a SequenceFile in its serialized form.
type SeqRecord struct{ Key, Value []byte }

// ReadSequenceFile parses a whole uncompressed or record-compressed-free
// SequenceFile: its header and its records' serialized keys and values, in
// file order. Compressed files are an error (zebra writes none).
func ReadSequenceFile(r io.Reader) (*SeqHeader, []SeqRecord, error) {
	br := bufio.NewReader(r)
	hp, err := parseSeqHeader(br)
	if err != nil {
		return nil, nil, err
	}
	h := *hp
	if h.Compressed {
		return &h, nil, errors.New("compressed SequenceFile: records are not read")
	}
	var recs []SeqRecord
	for {
		var lens [8]byte
		if _, err := io.ReadFull(br, lens[:4]); err == io.EOF {
			return &h, recs, nil
		} else if err != nil {
			return &h, recs, fmt.Errorf("read SequenceFile record %d: %w", len(recs), err)
		}
		rl := int32(binary.BigEndian.Uint32(lens[:4]))
		if rl == seqSyncEscape {
			var s [seqSyncSize]byte
			if _, err := io.ReadFull(br, s[:]); err != nil {
				return &h, recs, fmt.Errorf("read SequenceFile sync: %w", err)
			}
			if s != h.Sync {
				return &h, recs, fmt.Errorf("SequenceFile sync marker before record %d differs from the header's", len(recs))
			}
			continue
		}
		if _, err := io.ReadFull(br, lens[4:]); err != nil {
			return &h, recs, fmt.Errorf("read SequenceFile record %d: %w", len(recs), err)
		}
		kl := int32(binary.BigEndian.Uint32(lens[4:]))
		if rl < 0 || kl < 0 || kl > rl || rl > 1<<30 {
			return &h, recs, fmt.Errorf("SequenceFile record %d: bad lengths %d/%d", len(recs), rl, kl)
		}
		buf := make([]byte, rl)
		if _, err := io.ReadFull(br, buf); err != nil {
			return &h, recs, fmt.Errorf("read SequenceFile record %d: %w", len(recs), err)
		}
		recs = append(recs, SeqRecord{Key: buf[:kl], Value: buf[kl:]})
	}
}

func readVBytes(br byteReader) ([]byte, error) {
	first, err := br.ReadByte()
	if err != nil {
		return nil, err
	}
	b := []byte{first}
	n := 0
	if int8(first) < -112 {
		if int8(first) < -120 {
			n = -120 - int(int8(first))
		} else {
			n = -112 - int(int8(first))
		}
	}
	for i := 0; i < n; i++ {
		c, err := br.ReadByte()
		if err != nil {
			return nil, err
		}
		b = append(b, c)
	}
	l, _ := ReadVInt(b)
	if l < 0 || l > 1<<24 {
		return nil, fmt.Errorf("bad string length %d", l)
	}
	s := make([]byte, l)
	_, err = io.ReadFull(br, s)
	return s, err
}

// byteReader is what header parsing reads from.
type byteReader interface {
	io.Reader
	io.ByteReader
}

// parseSeqHeader reads a SequenceFile header.
func parseSeqHeader(br byteReader) (*SeqHeader, error) {
	var h SeqHeader
	var magic [4]byte
	if _, err := io.ReadFull(br, magic[:]); err != nil {
		return nil, fmt.Errorf("read SequenceFile header: %w", err)
	}
	if !bytes.Equal(magic[:3], []byte("SEQ")) {
		return nil, errors.New("not a SequenceFile (no SEQ magic)")
	}
	h.Version = magic[3]
	if h.Version != seqVersion {
		return nil, fmt.Errorf("SequenceFile version %d: only version 6 is read", h.Version)
	}
	var err error
	str := func() string {
		if err != nil {
			return ""
		}
		var s []byte
		s, err = readVBytes(br)
		return string(s)
	}
	flag := func() bool {
		if err != nil {
			return false
		}
		var b byte
		b, err = br.ReadByte()
		return b != 0
	}
	h.KeyClass, h.ValueClass = str(), str()
	h.Compressed, h.Block = flag(), flag()
	if h.Compressed {
		h.Codec = str()
	}
	var n [4]byte
	if err == nil {
		_, err = io.ReadFull(br, n[:])
	}
	for i := 0; err == nil && i < int(int32(binary.BigEndian.Uint32(n[:]))); i++ {
		k := str()
		v := str()
		h.Metadata = append(h.Metadata, [2]string{k, v})
	}
	if err == nil {
		_, err = io.ReadFull(br, h.Sync[:])
	}
	if err != nil {
		return nil, fmt.Errorf("read SequenceFile header: %w", err)
	}
	return &h, nil
}
