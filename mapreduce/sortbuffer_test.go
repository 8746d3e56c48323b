package mapreduce

import (
	"bytes"
	"math/rand"
	"testing"
)

// TestByteSorterCompareIsBytesCompare checks the sort buffer's key order
// (prefix, then length or arena bytes) against bytes.Compare on keys made to
// hit every path: short keys differing only in trailing zero bytes, equal
// prefixes with long tails, and empty keys.
func TestByteSorterCompareIsBytesCompare(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	alphabet := []byte{0, 1, 'a', 'b', 0xff}
	var keys [][]byte
	for i := 0; i < 400; i++ {
		k := make([]byte, r.Intn(13))
		for j := range k {
			k[j] = alphabet[r.Intn(len(alphabet))]
		}
		keys = append(keys, k)
	}
	keys = append(keys, []byte{}, []byte{0}, []byte{0, 0}, []byte("abcdefgh"), []byte("abcdefgh\x00"), []byte("abcdefg"))
	sb, _ := filledBuffer(keys, keys, 1)
	s := byteSorter{sb}
	for i := range keys {
		for j := range keys {
			if got, want := sign(s.Compare(i, j)), bytes.Compare(keys[i], keys[j]); got != want {
				t.Fatalf("Compare(%q, %q) = %d, bytes.Compare says %d", keys[i], keys[j], got, want)
			}
		}
	}
}
