package mapreduce

import "math/bits"

// IndexedSortable is a collection sortable by index, the shape of Hadoop's
// org.apache.hadoop.util.IndexedSortable. Compare returns <0, 0 or >0 as item i
// sorts before, equal to or after item j; Swap exchanges items i and j.
type IndexedSortable interface {
	Compare(i, j int) int
	Swap(i, j int)
}

// QuickSort sorts the items in [lo, hi) exactly as Hadoop 3.4's
// org.apache.hadoop.util.QuickSort does (the map-side sort of MapTask): ranges
// of fewer than 13 items by insertion sort, otherwise median-of-three pivot
// selection and a 3-way partition, recursing on the smaller side, and falling
// back to HeapSort once 4*ceil(log2(hi-lo)) levels are exhausted. The sequence
// of Compare and Swap calls is the same as Hadoop's, so items that compare
// equal end in the same relative order as in Hadoop (the sort is not stable).
//
// Hadoop throws IllegalArgumentException for an empty range; here a range with
// hi-lo <= 0 is a no-op.
func QuickSort(s IndexedSortable, lo, hi int) {
	quickSortOf(s, lo, hi)
}

// quickSortOf is QuickSort for any sortable type: instantiated with a
// concrete type of its own shape (see byteSorter) its Compare and Swap
// calls are direct and can be inlined, with the same sequence of calls.
func quickSortOf[S IndexedSortable](s S, lo, hi int) {
	if hi-lo <= 0 {
		return
	}
	quickSort(s, lo, hi, maxDepth(hi-lo))
}

// maxDepth is QuickSort.getMaxDepth: (32 - nlz32(x-1)) << 2 for x > 0.
func maxDepth(x int) int {
	return (32 - bits.LeadingZeros32(uint32(x-1))) << 2
}

// fix swaps p and r when item p sorts after item r.
func fix[S IndexedSortable](s S, p, r int) {
	if s.Compare(p, r) > 0 {
		s.Swap(p, r)
	}
}

func quickSort[S IndexedSortable](s S, p, r, depth int) {
	for {
		if r-p < 13 {
			for i := p; i < r; i++ {
				for j := i; j > p && s.Compare(j-1, j) > 0; j-- {
					s.Swap(j, j-1)
				}
			}
			return
		}
		depth--
		if depth < 0 {
			heapSort(s, p, r)
			return
		}

		// Select the pivot and move it into position p.
		mid := int(uint(p+r) >> 1)
		fix(s, mid, p)
		fix(s, mid, r-1)
		fix(s, p, r-1)

		// Divide: items equal to the pivot collect at both ends.
		i, j := p, r
		ll, rr := p, r
		for {
			for i++; i < j; i++ {
				cr := s.Compare(i, p)
				if cr > 0 {
					break
				}
				if cr == 0 {
					ll++
					if ll != i {
						s.Swap(ll, i)
					}
				}
			}
			for j--; j > i; j-- {
				cr := s.Compare(p, j)
				if cr > 0 {
					break
				}
				if cr == 0 {
					rr--
					if rr != j {
						s.Swap(rr, j)
					}
				}
			}
			if i < j {
				s.Swap(i, j)
			} else {
				break
			}
		}
		j = i
		// Move the pivot and its equals into the middle.
		for ll >= p {
			i--
			s.Swap(ll, i)
			ll--
		}
		for rr < r {
			s.Swap(rr, j)
			rr++
			j++
		}

		// Conquer: recurse on the smaller side, loop on the larger.
		if i-p < r-j {
			quickSort(s, p, i, depth)
			p = j
		} else {
			quickSort(s, j, r, depth)
			r = i
		}
	}
}

// HeapSort sorts [lo, hi) exactly as Hadoop's org.apache.hadoop.util.HeapSort
// (QuickSort's fallback), issuing the same Compare and Swap calls.
func HeapSort(s IndexedSortable, lo, hi int) {
	heapSort(s, lo, hi)
}

func heapSort[S IndexedSortable](s S, lo, hi int) {
	n := hi - lo
	if n <= 0 {
		return
	}
	// Build the heap (1-based indices offset by lo-1), then pop from the end.
	t := 1 << (bits.Len(uint(n)) - 1)
	for i := t; i > 1; i >>= 1 {
		for j := i >> 1; j < i; j++ {
			downHeap(s, lo-1, j, n+1)
		}
	}
	for i := hi - 1; i > lo; i-- {
		s.Swap(lo, i)
		downHeap(s, lo-1, 1, i-lo+1)
	}
}

func downHeap[S IndexedSortable](s S, b, i, n int) {
	for idx := i << 1; idx < n; idx = i << 1 {
		if idx+1 < n && s.Compare(b+idx, b+idx+1) < 0 {
			if s.Compare(b+i, b+idx+1) < 0 {
				s.Swap(b+i, b+idx+1)
			} else {
				return
			}
			i = idx + 1
		} else if s.Compare(b+i, b+idx) < 0 {
			s.Swap(b+i, b+idx)
			i = idx
		} else {
			return
		}
	}
}
