package mapreduce

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"hash"
	"sync"
)

// newReduceHashes returns the input and output hashes of a reduce attempt.
// They give the same digests as two newRecordHash, but while the output
// stream repeats the input stream byte for byte (an identity reducer, the
// sort's), its bytes are compared, not hashed again: SHA-256 of a prefix
// both streams share is computed once (with up to mirrorWindow bytes of
// lag either way). The two may be used from different goroutines (the
// reduce's merge and a streaming reducer's output reader), each by one.
func newReduceHashes() (in, out *recordHash) {
	m := &hashMirror{in: sha256.New()}
	return &recordHash{h: mirrorSide{m: m}}, &recordHash{h: mirrorSide{m: m, out: true}}
}

// mirrorWindow bounds the bytes a hashMirror keeps of the stream that is
// ahead for the other to catch up with; one lagging further gets its own
// hash. A streaming reducer's output lags its input by what its pipes and
// buffers hold (about 1.5 MiB at most for cat).
const mirrorWindow = 2 << 20

// hashMirror shares SHA-256 work between a reduce attempt's input and
// output streams while one is a prefix of the other. Until they diverge,
// in holds the state after the prefix both streams share (hashed once), and
// kept[off:] the bytes after it of whichever stream is ahead (outAhead says
// which), not yet hashed. At divergence out becomes a clone of that state,
// each side hashes its own bytes after it, and the mirror is done.
type hashMirror struct {
	mu       sync.Mutex
	in       hash.Hash
	out      hash.Hash // nil until the streams diverge
	kept     []byte
	off      int
	outAhead bool
	// matched counts the bytes of the shared prefix, hashed once for both.
	matched int64
}

// split gives the output its own hash. mu is held and out is nil.
func (m *hashMirror) split() {
	c, err := m.in.(hash.Cloner).Clone()
	if err != nil { // crypto/sha256's Clone does not fail
		panic(fmt.Errorf("clone the input digest: %w", err))
	}
	m.out = c
	if m.outAhead {
		m.out.Write(m.kept[m.off:])
	} else {
		m.in.Write(m.kept[m.off:])
	}
	m.kept, m.off = nil, 0
}

// write takes p, the next bytes of the output stream (out) or the input's.
func (m *hashMirror) write(out bool, p []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case m.out != nil:
		if out {
			m.out.Write(p)
		} else {
			m.in.Write(p)
		}
		return
	case m.off == len(m.kept) || m.outAhead == out:
		// This side is ahead (or level): keep p until the other catches up.
		if m.off == len(m.kept) {
			m.kept, m.off = m.kept[:0], 0
		} else if m.off >= len(m.kept)/2 {
			m.kept, m.off = m.kept[:copy(m.kept, m.kept[m.off:])], 0
		}
		if m.kept == nil {
			// Room for the window and a batch, so that the appends
			// below never grow it past that.
			m.kept = make([]byte, 0, mirrorWindow+recordHashBuffer)
		}
		m.kept, m.outAhead = append(m.kept, p...), out
	default:
		// This side is behind: compare p with what the other side wrote.
		k := m.kept[m.off:]
		n := min(len(p), len(k))
		if !bytes.Equal(p[:n], k[:n]) {
			m.split()
			if out {
				m.out.Write(p)
			} else {
				m.in.Write(p)
			}
			return
		}
		m.in.Write(p[:n])
		m.off += n
		m.matched += int64(n)
		if n < len(p) { // now this side is ahead
			m.kept, m.off, m.outAhead = append(m.kept[:0], p[n:]...), 0, out
		}
	}
	if len(m.kept)-m.off > mirrorWindow {
		m.split()
	}
}

// sum is the digest of one side so far.
func (m *hashMirror) sum(out bool) []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.out == nil {
		m.split()
	}
	if out {
		return m.out.Sum(nil)
	}
	return m.in.Sum(nil)
}

// reset starts one side's stream afresh.
func (m *hashMirror) reset(out bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.out == nil {
		m.split()
	}
	if out {
		m.out.Reset()
	} else {
		m.in.Reset()
	}
}

// mirrorSide is one side of a hashMirror as the hash.Hash of a recordHash:
// what the recordHash writes is that side's stream.
type mirrorSide struct {
	m   *hashMirror
	out bool
}

func (s mirrorSide) Write(p []byte) (int, error) {
	s.m.write(s.out, p)
	return len(p), nil
}

func (s mirrorSide) Sum(b []byte) []byte { return append(b, s.m.sum(s.out)...) }
func (s mirrorSide) Reset()              { s.m.reset(s.out) }
func (s mirrorSide) Size() int           { return sha256.Size }
func (s mirrorSide) BlockSize() int      { return sha256.BlockSize }

var _ hash.Hash = mirrorSide{}
