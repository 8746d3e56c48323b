package mapreduce

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"math/rand"
	"testing"
)

// recordHashBefore is recordHash.add as it was before its fast path
// (commit 4b96047), kept to show the digests did not change and to
// benchmark against.
type recordHashBefore struct {
	h   hash.Hash
	n   int64
	buf []byte
}

func (r *recordHashBefore) add(key, value []byte) {
	need := 2*binary.MaxVarintLen64 + len(key) + len(value)
	if len(r.buf)+need > cap(r.buf) {
		if len(r.buf) > 0 {
			r.h.Write(r.buf)
			r.buf = r.buf[:0]
		}
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

func (r *recordHashBefore) sum() string {
	r.h.Write(r.buf)
	return hex.EncodeToString(r.h.Sum(nil))
}

// mixedRecords returns n records whose key and value lengths fall on
// every side of the one-byte uvarint limit (127/128), include empty ones,
// and some larger than a batch.
func mixedRecords(n int, seed int64) (keys, values [][]byte) {
	r := rand.New(rand.NewSource(seed))
	lengths := []int{0, 1, 9, 100, 126, 127, 128, 129, 300, 16383, 16384, recordHashBuffer - 3, recordHashBuffer, 3 * recordHashBuffer}
	pick := func() []byte {
		l := lengths[r.Intn(len(lengths))]
		if r.Intn(4) != 0 { // mostly short records, as in real jobs
			l = r.Intn(128)
		}
		b := make([]byte, l)
		r.Read(b)
		return b
	}
	for i := 0; i < n; i++ {
		keys, values = append(keys, pick()), append(values, pick())
	}
	return keys, values
}

// TestRecordHashUnchanged checks recordHash gives, for the same records,
// the digest and count the implementation before its fast path gave, and
// that both are SHA-256 of the records' uvarint-framed encoding written
// out in one piece.
func TestRecordHashUnchanged(t *testing.T) {
	for seed := int64(1); seed <= 4; seed++ {
		keys, values := mixedRecords(5000, seed)
		h, before := newRecordHash(), &recordHashBefore{h: sha256.New()}
		var stream []byte
		for i := range keys {
			h.add(keys[i], values[i])
			before.add(keys[i], values[i])
			stream = binary.AppendUvarint(stream, uint64(len(keys[i])))
			stream = binary.AppendUvarint(stream, uint64(len(values[i])))
			stream = append(append(stream, keys[i]...), values[i]...)
		}
		want := sha256.Sum256(stream)
		got, old := h.sum(), before.sum()
		if got != old || got != hex.EncodeToString(want[:]) {
			t.Errorf("seed %d: digest %s, before %s, SHA-256 of the stream %x", seed, got, old, want)
		}
		if h.n != before.n || h.n != int64(len(keys)) {
			t.Errorf("seed %d: %d records counted, before %d, %d added", seed, h.n, before.n, len(keys))
		}
	}
	// An attempt with no records keeps SHA-256 of nothing.
	empty := sha256.Sum256(nil)
	if got := newRecordHash().sum(); got != hex.EncodeToString(empty[:]) {
		t.Errorf("no records: digest %s, want %x", got, empty)
	}
	// The framing is of key and value apart: moving a byte between them
	// changes the digest.
	a, b := newRecordHash(), newRecordHash()
	a.add([]byte("ab"), []byte("c"))
	b.add([]byte("a"), []byte("bc"))
	if a.sum() == b.sum() {
		t.Error("records ab|c and a|bc have the same digest")
	}
}

// sortRecords returns n records shaped like the identity sort's
// (bench/cmd/gendata: a 10-byte key and an 88-byte value).
func sortRecords(n int) (keys, values [][]byte) {
	r := rand.New(rand.NewSource(1))
	for i := 0; i < n; i++ {
		k, v := make([]byte, 10), bytes.Repeat([]byte{'x'}, 88)
		for j := range k {
			k[j] = byte('A' + r.Intn(26))
		}
		keys, values = append(keys, k), append(values, v)
	}
	return keys, values
}

// BenchmarkRecordDigest compares recordHash with the implementation
// before its fast path in the same run, over 1M word-count records and
// 1M identity-sort records (98 MB), and SHA-256 alone over the same
// encoded bytes (the floor).
func BenchmarkRecordDigest(b *testing.B) {
	wk, wv := wordRecords(1000000, 9)
	sk, sv := sortRecords(1000000)
	for _, shape := range []struct {
		name         string
		keys, values [][]byte
	}{{"words", wk, wv}, {"sort", sk, sv}} {
		var stream []byte
		for i := range shape.keys {
			stream = binary.AppendUvarint(stream, uint64(len(shape.keys[i])))
			stream = binary.AppendUvarint(stream, uint64(len(shape.values[i])))
			stream = append(append(stream, shape.keys[i]...), shape.values[i]...)
		}
		b.Run(shape.name+"/before", func(b *testing.B) {
			b.SetBytes(int64(len(stream)))
			b.ReportAllocs()
			c0 := cpuTime(b)
			for i := 0; i < b.N; i++ {
				h := &recordHashBefore{h: sha256.New()}
				for j := range shape.keys {
					h.add(shape.keys[j], shape.values[j])
				}
				h.sum()
			}
			reportCPU(b, c0)
		})
		b.Run(shape.name+"/after", func(b *testing.B) {
			b.SetBytes(int64(len(stream)))
			b.ReportAllocs()
			c0 := cpuTime(b)
			for i := 0; i < b.N; i++ {
				h := newRecordHash()
				for j := range shape.keys {
					h.add(shape.keys[j], shape.values[j])
				}
				h.sum()
			}
			reportCPU(b, c0)
		})
		b.Run(shape.name+"/sha256-only", func(b *testing.B) {
			b.SetBytes(int64(len(stream)))
			c0 := cpuTime(b)
			for i := 0; i < b.N; i++ {
				h := sha256.New()
				for off := 0; off < len(stream); off += recordHashBuffer {
					h.Write(stream[off:min(off+recordHashBuffer, len(stream))])
				}
				h.Sum(nil)
			}
			reportCPU(b, c0)
		})
	}
}
