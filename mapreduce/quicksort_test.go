package mapreduce

import (
	"bufio"
	"bytes"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// testdata/quicksort_golden.txt holds the final permutations produced by
// Hadoop 3.4.1's org.apache.hadoop.util.QuickSort and HeapSort on int arrays
// with many duplicates (see testdata/javaref/GenGolden.java; regenerate with
// testdata/javaref/regen.sh). Matching the permutation, not just the order,
// proves equal keys end in Hadoop's relative order.

type intSortable struct{ v, idx []int }

func newIntSortable(v []int) *intSortable {
	s := &intSortable{v: append([]int(nil), v...), idx: make([]int, len(v))}
	for i := range s.idx {
		s.idx[i] = i
	}
	return s
}

func (s *intSortable) Compare(i, j int) int {
	switch {
	case s.v[i] < s.v[j]:
		return -1
	case s.v[i] > s.v[j]:
		return 1
	}
	return 0
}

func (s *intSortable) Swap(i, j int) {
	s.v[i], s.v[j] = s.v[j], s.v[i]
	s.idx[i], s.idx[j] = s.idx[j], s.idx[i]
}

func parseInts(t *testing.T, s string) []int {
	t.Helper()
	f := strings.Fields(s)
	out := make([]int, len(f))
	for i, x := range f {
		v, err := strconv.Atoi(x)
		if err != nil {
			t.Fatalf("bad int %q: %v", x, err)
		}
		out[i] = v
	}
	return out
}

func TestQuickSortGolden(t *testing.T) {
	f, err := os.Open("testdata/quicksort_golden.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	n := 0
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if strings.HasPrefix(text, "#") || text == "" {
			continue
		}
		parts := strings.Split(text, " : ")
		head := strings.Fields(parts[0])
		lo, _ := strconv.Atoi(head[1])
		hi, _ := strconv.Atoi(head[2])
		in, want := parseInts(t, parts[1]), parseInts(t, parts[2])
		s := newIntSortable(in)
		switch head[0] {
		case "qs":
			QuickSort(s, lo, hi)
		case "qsd":
			d, _ := strconv.Atoi(head[3])
			quickSort(s, lo, hi, d)
		case "hs":
			HeapSort(s, lo, hi)
		default:
			t.Fatalf("line %d: unknown algorithm %q", line, head[0])
		}
		if !equalInts(s.idx, want) {
			t.Errorf("line %d: %s [%d,%d) of %d items: permutation differs from Hadoop", line, head[0], lo, hi, len(in))
		}
		n++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n < 100 {
		t.Fatalf("only %d golden cases", n)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestQuickSortSorts(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 2, 12, 13, 14, 100, 5000} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			v := make([]int, n)
			for i := range v {
				v[i] = r.IntN(n/3 + 1)
			}
			for _, sorter := range []func(IndexedSortable, int, int){QuickSort, HeapSort} {
				s := newIntSortable(v)
				sorter(s, 0, n)
				if !sort.IntsAreSorted(s.v) {
					t.Fatalf("not sorted: %v", s.v)
				}
			}
		})
	}
}

// keySortable sorts fixed-width keys stored back to back, the shape of the
// map-side sort buffer.
type keySortable struct {
	data  []byte
	order []int32
	width int
}

func (k *keySortable) Compare(i, j int) int {
	a, b := int(k.order[i])*k.width, int(k.order[j])*k.width
	return bytes.Compare(k.data[a:a+k.width], k.data[b:b+k.width])
}

func (k *keySortable) Swap(i, j int) { k.order[i], k.order[j] = k.order[j], k.order[i] }

func benchKeys(n, width int) []byte {
	r := rand.New(rand.NewPCG(42, 42))
	data := make([]byte, n*width)
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	return data
}

const benchN, benchWidth = 1_000_000, 10

func BenchmarkQuickSort(b *testing.B) {
	data := benchKeys(benchN, benchWidth)
	s := &keySortable{data: data, order: make([]int32, benchN), width: benchWidth}
	b.ReportAllocs()
	for b.Loop() {
		for i := range s.order {
			s.order[i] = int32(i)
		}
		QuickSort(s, 0, benchN)
	}
}

// BenchmarkSortSlice is the standard-library baseline for BenchmarkQuickSort.
func BenchmarkSortSlice(b *testing.B) {
	data := benchKeys(benchN, benchWidth)
	order := make([]int32, benchN)
	b.ReportAllocs()
	for b.Loop() {
		for i := range order {
			order[i] = int32(i)
		}
		sort.Slice(order, func(i, j int) bool {
			a, c := int(order[i])*benchWidth, int(order[j])*benchWidth
			return bytes.Compare(data[a:a+benchWidth], data[c:c+benchWidth]) < 0
		})
	}
}

// TestQuickSortDirectIsQuickSort checks that the map-side sort as sortMeta
// runs it (quickSortOf on byteSorter, direct calls) leaves records with
// equal keys in the same order as QuickSort through the interface: values
// number the records, and most keys repeat.
func TestQuickSortDirectIsQuickSort(t *testing.T) {
	for _, n := range []int{0, 1, 12, 13, 100, 5000, 60000} {
		keys, _ := wordRecords(n, int64(n))
		values := make([][]byte, n)
		for i := range values {
			values[i] = []byte(strconv.Itoa(i))
		}
		iface, orig := filledBuffer(keys, values, 3)
		direct, _ := filledBuffer(keys, values, 3)
		QuickSort(byteSorter{b: iface}, 0, len(iface.meta))
		quickSortOf(byteSorter{b: direct}, 0, len(direct.meta))
		for i := range orig {
			if iface.meta[i] != direct.meta[i] {
				t.Fatalf("%d records: record %d is %q=%q, through the interface %q=%q", n, i,
					direct.keyOf(direct.meta[i]), direct.valueOf(direct.meta[i]), iface.keyOf(iface.meta[i]), iface.valueOf(iface.meta[i]))
			}
		}
	}
}
