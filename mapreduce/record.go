package mapreduce

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"os"
	"path/filepath"
)

// Digests say what one attempt consumed and produced: SHA-256 over its
// input and output records (each as uvarint-length-prefixed key and value,
// in the order the user's code saw or emitted them) and their counts. Two
// runs with equal digests saw and produced the same bytes.
type Digests struct {
	Input         string `json:"input_sha256"`
	Output        string `json:"output_sha256"`
	InputRecords  int64  `json:"input_records"`
	OutputRecords int64  `json:"output_records"`
}

// AttemptRecord is what the executor keeps about every attempt, in
// <log dir>/<attempt>/record.json, so that the attempt can be replayed and
// its result checked (ZeroVM's "functional" principle).
type AttemptRecord struct {
	Attempt string `json:"attempt"`
	Kind    string `json:"kind"`
	// Split is a map attempt's input; a reduce attempt's input is its
	// partition of every map output, summarised by Digests.Input.
	Split *Split `json:"split,omitempty"`
	// PieceSize is the job's PieceSize, which a replay must reuse.
	PieceSize int64 `json:"piece_size,omitempty"`
	// Settings is the SHA-256 of the job's configuration (sorted key=value).
	Settings string `json:"settings_sha256"`
	Digests
	Error string `json:"error,omitempty"`
}

// RecordFile is the name of an attempt's record in its log directory.
const RecordFile = "record.json"

// ReadAttemptRecord reads the record of an attempt from its log directory.
func ReadAttemptRecord(dir string) (*AttemptRecord, error) {
	data, err := os.ReadFile(filepath.Join(dir, RecordFile))
	if err != nil {
		return nil, E("read attempt record", Other, dir, err)
	}
	var r AttemptRecord
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, E("read attempt record", Invalid, dir, err)
	}
	return &r, nil
}

func writeAttemptRecord(dir string, r *AttemptRecord) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return E("write attempt record", Internal, dir, err)
	}
	if err := os.WriteFile(filepath.Join(dir, RecordFile), append(data, '\n'), 0o644); err != nil {
		return E("write attempt record", Infra, dir, err)
	}
	return nil
}

// SettingsDigest is the SHA-256 of a configuration, over its sorted
// key=value pairs.
func SettingsDigest(c *Conf) string {
	h := sha256.New()
	for _, k := range c.Keys() {
		v, _ := c.Lookup(k)
		fmt.Fprintf(h, "%d:%s=%d:%s\n", len(k), k, len(v), v)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// recordHash accumulates one side of an attempt's digests. It is safe for
// use by one goroutine at a time. Records are encoded into buf and hashed a
// buffer at a time (the digest of a stream does not depend on how it is
// cut into writes): a hash write per record costs more than the record.
type recordHash struct {
	h   hash.Hash
	n   int64
	buf []byte
}

// recordHashBuffer is the size of the batches a recordHash hashes.
const recordHashBuffer = 32 << 10

func newRecordHash() *recordHash { return &recordHash{h: sha256.New()} }

// add hashes one record. The common record (key and value shorter than
// 128 bytes, so each length is one uvarint byte) is stored into the batch
// with plain copies; others take addSlow. Both encode the same bytes.
func (r *recordHash) add(key, value []byte) {
	kl, vl, n := len(key), len(value), len(r.buf)
	if kl|vl < 0x80 && n+2+kl+vl <= cap(r.buf) {
		b := r.buf[:n+2+kl+vl]
		b[n], b[n+1] = byte(kl), byte(vl)
		copy(b[n+2+kl:], value)
		copy(b[n+2:], key)
		r.buf = b
		r.n++
		return
	}
	r.addSlow(key, value)
}

// addSlow hashes a record that does not fit the batch's free space or has
// a length of more than one uvarint byte.
func (r *recordHash) addSlow(key, value []byte) {
	need := 2*binary.MaxVarintLen64 + len(key) + len(value)
	if len(r.buf)+need > cap(r.buf) {
		r.flush()
		if r.buf == nil {
			r.buf = make([]byte, 0, recordHashBuffer)
		}
		if need > cap(r.buf) {
			var hdr [2 * binary.MaxVarintLen64]byte
			n := binary.PutUvarint(hdr[:], uint64(len(key)))
			n += binary.PutUvarint(hdr[n:], uint64(len(value)))
			r.h.Write(hdr[:n])
			r.h.Write(key)
			r.h.Write(value)
			r.n++
			return
		}
	}
	r.buf = binary.AppendUvarint(r.buf, uint64(len(key)))
	r.buf = binary.AppendUvarint(r.buf, uint64(len(value)))
	r.buf = append(r.buf, key...)
	r.buf = append(r.buf, value...)
	r.n++
}

func (r *recordHash) flush() {
	if len(r.buf) > 0 {
		r.h.Write(r.buf)
		r.buf = r.buf[:0]
	}
}

func (r *recordHash) sum() string {
	r.flush()
	return hex.EncodeToString(r.h.Sum(nil))
}

// hashingCollector passes records on and hashes them.
type hashingCollector struct {
	out Collector
	h   *recordHash
}

func (c hashingCollector) Collect(key, value []byte) error {
	c.h.add(key, value)
	return c.out.Collect(key, value)
}

// hashingReader hashes the records a mapper reads.
type hashingReader struct {
	RecordReader
	h *recordHash
}

func (r hashingReader) Next() (key, value []byte, err error) {
	key, value, err = r.RecordReader.Next()
	if err == nil {
		r.h.add(key, value)
	}
	return key, value, err
}
