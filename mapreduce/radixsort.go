package mapreduce

import (
	"bytes"
	"math/bits"
	"slices"
)

// The map-side sort in raw byte order when equal keys cannot show their
// order.
//
// Hadoop's QuickSort is not stable: records with equal keys end in an
// order that only its exact sequence of compares and swaps decides, and
// that order reaches the reducer (values of one key arrive in it). So the
// sort buffer runs the same QuickSort (see sortMeta). But when keys are
// ordered as raw bytes (no comparator) and every record of the buffer has
// the same value, records with equal keys are equal byte for byte: any
// order of them gives the same spill bytes, the same combiner input, the
// same merge, digests and counters. A word count ("word\t1") and an
// identity sort of lines without a tab (empty values) are such buffers.
// Then the buffer is sorted by (partition, key) with radixSortMeta, which
// spends a few linear passes per record instead of QuickSort's
// mispredicted compares.

// radixSmall is the size up to which a bucket is finished by insertion
// sort.
const radixSmall = 32

// radixSortMeta sorts b.meta by partition, then key bytes (bytes.Compare
// order); the order of records with equal partition and key is
// unspecified. b.arena holds the keys.
func (b *sortBuffer) radixSortMeta() {
	m, arena := b.meta, b.arena
	if b.nPart <= 1 || len(m) <= 1 {
		radixSortPrefix(m, arena, 56)
		return
	}
	// A counting sort by partition, in place (American flag sort):
	// start[p] is where partition p begins, next[p] its first slot not
	// yet filled with a record of p.
	start := make([]int, b.nPart+1)
	for _, r := range m {
		start[r.part+1]++
	}
	for p := 1; p <= b.nPart; p++ {
		start[p] += start[p-1]
	}
	next := slices.Clone(start[:b.nPart])
	for p := 0; p < b.nPart; p++ {
		for end := start[p+1]; next[p] < end; next[p]++ {
			r := m[next[p]]
			for q := int(r.part); q != p; q = int(r.part) {
				j := next[q]
				next[q]++
				r, m[j] = m[j], r
			}
			m[next[p]] = r
		}
	}
	for p := 0; p < b.nPart; p++ {
		if start[p+1]-start[p] > 1 {
			radixSortPrefix(m[start[p]:start[p+1]], arena, 56)
		}
	}
}

// radixSortPrefix sorts records of one partition by key: by their 8-byte
// prefixes a byte at a time (most significant first, skipping the bytes
// all of them share), then records with equal prefixes by the rest of the
// key (sortEqualPrefix). Small buckets are finished by insertion sort.
// shift selects the byte the records most likely differ in first (the one
// after the bytes known to be equal): it is counted in the same pass that
// finds which byte they do differ in.
func radixSortPrefix(m []recMeta, arena []byte, shift uint) {
	if len(m) <= radixSmall {
		insertionSortMeta(m, arena)
		return
	}
	var count [256]int
	p0, diff := m[0].prefix, uint64(0)
	for _, r := range m {
		diff |= r.prefix ^ p0
		count[byte(r.prefix>>shift)]++
	}
	if diff == 0 {
		sortEqualPrefix(m, arena)
		return
	}
	// The most significant byte in which some prefixes differ.
	if s := uint(56 - bits.LeadingZeros64(diff)&^7); s != shift {
		shift = s
		count = [256]int{}
		for _, r := range m {
			count[byte(r.prefix>>shift)]++
		}
	}
	// next[c] is the first slot of bucket c not yet holding a record of
	// c; end[c] is where the bucket ends.
	var next, end [256]int
	n := 0
	for c := range count {
		next[c] = n
		n += count[c]
		end[c] = n
	}
	for c := range count {
		for ; next[c] < end[c]; next[c]++ {
			r := m[next[c]]
			for q := int(byte(r.prefix >> shift)); q != c; q = int(byte(r.prefix >> shift)) {
				j := next[q]
				next[q]++
				r, m[j] = m[j], r
			}
			m[next[c]] = r
		}
	}
	sub := shift - 8
	if shift == 0 {
		sub = 0
	}
	for c := range count {
		if count[c] > 1 {
			radixSortPrefix(m[end[c]-count[c]:end[c]], arena, sub)
		}
	}
}

// sortEqualPrefix sorts records of one partition whose keys have the same
// 8-byte prefix. Keys of at most 8 bytes are then ordered by length alone
// (see byteSorter.Compare); keys that are all equal (the common case: a
// word repeated) are left as they are.
func sortEqualPrefix(m []recMeta, arena []byte) {
	k0 := arena[m[0].koff : m[0].koff+m[0].klen]
	for _, r := range m[1:] {
		if r.klen != m[0].klen || r.klen > 8 && !bytes.Equal(arena[r.koff:r.koff+r.klen], k0) {
			slices.SortFunc(m, func(a, b recMeta) int { return rawCompareMeta(a, b, arena) })
			return
		}
	}
}

// insertionSortMeta sorts a few records by (partition, key).
func insertionSortMeta(m []recMeta, arena []byte) {
	for i := 1; i < len(m); i++ {
		for j := i; j > 0 && rawCompareMeta(m[j-1], m[j], arena) > 0; j-- {
			m[j-1], m[j] = m[j], m[j-1]
		}
	}
}

// rawCompareMeta orders two records by partition, then key bytes, as
// byteSorter.Compare does (kept apart so that the exact QuickSort's
// compare stays small enough to inline).
func rawCompareMeta(a, b recMeta, arena []byte) int {
	if a.part != b.part {
		if a.part < b.part {
			return -1
		}
		return 1
	}
	if a.prefix != b.prefix {
		if a.prefix < b.prefix {
			return -1
		}
		return 1
	}
	if a.klen <= 8 && b.klen <= 8 {
		if a.klen != b.klen {
			if a.klen < b.klen {
				return -1
			}
			return 1
		}
		return 0
	}
	return bytes.Compare(arena[a.koff:a.koff+a.klen], arena[b.koff:b.koff+b.klen])
}
