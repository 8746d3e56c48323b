package mapreduce

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"testing"
)

// streamBytes is records' uvarint-framed encoding, the stream a
// recordHash hashes.
func streamBytes(keys, values [][]byte) []byte {
	var stream []byte
	for i := range keys {
		stream = binary.AppendUvarint(stream, uint64(len(keys[i])))
		stream = binary.AppendUvarint(stream, uint64(len(values[i])))
		stream = append(append(stream, keys[i]...), values[i]...)
	}
	return stream
}

// streamDigest is SHA-256 of records' encoding, computed in one piece.
func streamDigest(keys, values [][]byte) string {
	sum := sha256.Sum256(streamBytes(keys, values))
	return hex.EncodeToString(sum[:])
}

// TestReduceHashesUnchanged checks that the paired reduce hashes give each
// stream the digest of SHA-256 over that stream alone (computed in one
// piece) and of the former separate recordHash (recordHashBefore),
// however the output relates to the input (equal, a prefix, longer,
// diverging, empty) and however the two sides interleave: concurrently,
// the output lagging the input as through a reducer, the input all before
// the output (further behind than the window), the output all before the
// input, with the output's digest taken first, and with one side reset.
func TestReduceHashesUnchanged(t *testing.T) {
	keys, values := mixedRecords(3000, 5)
	for len(streamBytes(keys, values)) > mirrorWindow/2 {
		keys, values = keys[:len(keys)/2], values[:len(values)/2]
	}
	if len(keys) < 50 {
		t.Fatalf("only %d records fit half the window", len(keys))
	}
	n := len(keys)
	big, bigv := sortRecords(60000) // 6 MB: more than mirrorWindow
	changed := func(vs [][]byte, i int) [][]byte {
		out := append([][]byte(nil), vs...)
		out[i] = append(append([]byte(nil), vs[i]...), 'x')
		return out
	}
	type kv struct{ k, v [][]byte }
	cases := []struct {
		name    string
		in, out kv
	}{
		{"identity", kv{keys, values}, kv{keys, values}},
		{"identity-large", kv{big, bigv}, kv{big, bigv}},
		{"prefix", kv{keys, values}, kv{keys[:n/2], values[:n/2]}},
		{"longer", kv{keys[:n/2], values[:n/2]}, kv{keys, values}},
		{"diverges-late", kv{keys, values}, kv{keys, changed(values, n-3)}},
		{"diverges-first", kv{keys, values}, kv{keys, changed(values, 0)}},
		{"empty-output", kv{keys, values}, kv{}},
		{"empty-input", kv{}, kv{keys, values}},
		{"both-empty", kv{}, kv{}},
	}
	feed := func(h *recordHash, s kv) {
		for i := range s.k {
			h.add(s.k[i], s.v[i])
		}
	}
	for _, c := range cases {
		wantIn, wantOut := streamDigest(c.in.k, c.in.v), streamDigest(c.out.k, c.out.v)
		before := &recordHashBefore{h: sha256.New()}
		for i := range c.out.k {
			before.add(c.out.k[i], c.out.v[i])
		}
		if got := before.sum(); got != wantOut {
			t.Fatalf("%s: the former hash gives %s, SHA-256 of the stream %s", c.name, got, wantOut)
		}
		for _, order := range []string{"concurrent", "lagging", "input-first", "output-first", "output-sum-first", "reset-output"} {
			in, out := newReduceHashes()
			switch order {
			case "concurrent":
				done := make(chan struct{})
				go func() { feed(in, c.in); close(done) }()
				feed(out, c.out)
				<-done
			case "lagging":
				// As through a reducer: output record i after input record i.
				next := make(chan int, 64)
				go func() {
					for i := range c.in.k {
						in.add(c.in.k[i], c.in.v[i])
						next <- i
					}
					close(next)
				}()
				i := 0
				for range next {
					if i < len(c.out.k) {
						out.add(c.out.k[i], c.out.v[i])
						i++
					}
				}
				for ; i < len(c.out.k); i++ {
					out.add(c.out.k[i], c.out.v[i])
				}
			case "input-first", "output-sum-first":
				feed(in, c.in)
				feed(out, c.out)
			case "output-first":
				feed(out, c.out)
				feed(in, c.in)
			case "reset-output":
				// Half of the input, the output's reset, then everything.
				feed(in, kv{c.in.k[:len(c.in.k)/2], c.in.v[:len(c.in.v)/2]})
				feed(out, kv{c.in.k[:len(c.in.k)/2], c.in.v[:len(c.in.v)/2]})
				out.flush()
				out.h.Reset()
				feed(in, kv{c.in.k[len(c.in.k)/2:], c.in.v[len(c.in.v)/2:]})
				feed(out, c.out)
			}
			var gotIn, gotOut string
			if order == "output-sum-first" {
				gotOut, gotIn = out.sum(), in.sum()
			} else {
				gotIn, gotOut = in.sum(), out.sum()
			}
			if gotIn != wantIn || gotOut != wantOut {
				t.Errorf("%s, %s: digests %s, %s; want %s, %s", c.name, order, gotIn, gotOut, wantIn, wantOut)
			}
			// Where the output repeats the input within the window, all
			// but the last batch was compared, not hashed twice.
			if m := in.h.(mirrorSide).m; c.name == "identity" && order != "concurrent" && order != "reset-output" && m.matched < int64(len(streamBytes(c.in.k, c.in.v))/2) {
				t.Errorf("%s, %s: only %d bytes of the output's digest were shared with the input's", c.name, order, m.matched)
			}
			wantN := int64(len(c.out.k))
			if order == "reset-output" {
				wantN += int64(len(c.in.k) / 2) // counts records, not the stream
			}
			if in.n != int64(len(c.in.k)) || out.n != wantN {
				t.Errorf("%s, %s: %d and %d records counted, want %d and %d", c.name, order, in.n, out.n, len(c.in.k), wantN)
			}
		}
	}
}

// BenchmarkReduceDigests compares a reduce attempt's two digests computed
// as before (two separate hashes) with newReduceHashes, in the same run,
// for an identity reducer over 1M identity-sort records whose output lags
// its input by 1,000 records (about 100 KB, as through the reducer's pipes).
func BenchmarkReduceDigests(b *testing.B) {
	keys, values := sortRecords(1000000)
	const lag = 1000
	size := int64(len(streamBytes(keys, values)))
	for _, c := range []struct {
		name string
		mk   func() (in, out *recordHash)
	}{
		{"separate", func() (in, out *recordHash) { return newRecordHash(), newRecordHash() }},
		{"mirrored", newReduceHashes},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(size)
			b.ReportAllocs()
			c0 := cpuTime(b)
			for i := 0; i < b.N; i++ {
				in, out := c.mk()
				for j := range keys {
					in.add(keys[j], values[j])
					if j >= lag {
						out.add(keys[j-lag], values[j-lag])
					}
				}
				for j := len(keys) - lag; j < len(keys); j++ {
					out.add(keys[j], values[j])
				}
				in.sum()
				out.sum()
			}
			reportCPU(b, c0)
		})
	}
}
