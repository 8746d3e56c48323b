package arrowspill

import (
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
)

// wideRecords is n sorted records of 10-byte printable keys and 90-byte
// values (gensort-like).
func wideRecords(n int) *Records {
	r := rand.New(rand.NewSource(1))
	buf := make([]byte, 100*n)
	for i := range buf {
		buf[i] = byte(' ' + r.Intn(95))
	}
	recs := &Records{}
	for i := 0; i < n; i++ {
		recs.Keys = append(recs.Keys, buf[i*100:i*100+10:i*100+10])
		recs.Values = append(recs.Values, buf[i*100+10:(i+1)*100:(i+1)*100])
	}
	sortRecords(recs)
	return recs
}

// wordRecords is n sorted wordcount map-output records: Zipf-distributed
// words of 1..11 letters (about 6 on average) with value "1".
func wordRecords(n int) *Records {
	r := rand.New(rand.NewSource(2))
	vocab := make([][]byte, 50000)
	for i := range vocab {
		w := make([]byte, 1+r.Intn(11))
		for j := range w {
			w[j] = byte('a' + r.Intn(26))
		}
		vocab[i] = w
	}
	z := rand.NewZipf(r, 1.07, 2, uint64(len(vocab)-1))
	one := []byte("1")
	recs := &Records{}
	for i := 0; i < n; i++ {
		recs.Keys = append(recs.Keys, vocab[z.Uint64()])
		recs.Values = append(recs.Values, one)
	}
	sortRecords(recs)
	return recs
}

func sortRecords(r *Records) {
	idx := make([]int, len(r.Keys))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return bytes.Compare(r.Keys[idx[a]], r.Keys[idx[b]]) < 0 })
	k, v := make([][]byte, len(idx)), make([][]byte, len(idx))
	for i, j := range idx {
		k[i], v[i] = r.Keys[j], r.Values[j]
	}
	r.Keys, r.Values = k, v
}

func TestRoundTrip(t *testing.T) {
	for _, recs := range []*Records{wideRecords(70000), wordRecords(70000), {}} {
		for _, f := range []struct {
			name  string
			write func(*bytes.Buffer) error
			read  func(*bytes.Buffer, func(k, v []byte)) (int, error)
		}{
			{"zebra", func(b *bytes.Buffer) error { return WriteZebra(b, recs) },
				func(b *bytes.Buffer, fn func(k, v []byte)) (int, error) { return ReadZebra(b, fn) }},
			{"arrow", func(b *bytes.Buffer) error { return WriteArrow(b, recs, 1<<16, nil) },
				func(b *bytes.Buffer, fn func(k, v []byte)) (int, error) { return ReadArrow(b, nil, fn) }},
		} {
			var buf bytes.Buffer
			if err := f.write(&buf); err != nil {
				t.Fatal(f.name, err)
			}
			i := 0
			n, err := f.read(&buf, func(k, v []byte) {
				if i < len(recs.Keys) && (!bytes.Equal(k, recs.Keys[i]) || !bytes.Equal(v, recs.Values[i])) {
					t.Fatalf("%s: record %d differs", f.name, i)
				}
				i++
			})
			if err != nil || n != len(recs.Keys) {
				t.Fatalf("%s: read %d of %d records: %v", f.name, n, len(recs.Keys), err)
			}
		}
	}
}

// BenchmarkArrowSpill writes a sorted run to a spill file and reads it back
// (page cache), in zebra's framing (base-zebrafmt) and as Arrow IPC stream
// batches of 64K rows (arrow). Sets: wide = 1M records of 10-byte keys and
// 90-byte values; wordcount = 1M records (ARROWSPILL_RECORDS overrides 1M) of ~6-byte words and "1".
func BenchmarkArrowSpill(b *testing.B) {
	n := 1 << 20
	if s := os.Getenv("ARROWSPILL_RECORDS"); s != "" {
		if v, err := strconv.Atoi(s); err == nil && v > 0 {
			n = v
		}
	}
	sets := []struct {
		name string
		recs *Records
	}{{"wide", wideRecords(n)}, {"wordcount", wordRecords(n)}}
	dir := b.TempDir()
	for _, set := range sets {
		recs := set.recs
		size := recs.Bytes()
		zpath := filepath.Join(dir, set.name+".zebra")
		apath := filepath.Join(dir, set.name+".arrow")
		write := map[string]func(f *os.File) error{
			"base-zebrafmt": func(f *os.File) error { return WriteZebra(f, recs) },
			"arrow":         func(f *os.File) error { return WriteArrow(f, recs, 1<<16, nil) },
		}
		paths := map[string]string{"base-zebrafmt": zpath, "arrow": apath}
		for _, v := range []string{"base-zebrafmt", "arrow"} {
			b.Run(fmt.Sprintf("%s/write/%s", set.name, v), func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(size)
				for i := 0; i < b.N; i++ {
					f, err := os.Create(paths[v])
					if err != nil {
						b.Fatal(err)
					}
					if err := write[v](f); err != nil {
						b.Fatal(err)
					}
					if err := f.Close(); err != nil {
						b.Fatal(err)
					}
				}
				if fi, err := os.Stat(paths[v]); err == nil {
					b.ReportMetric(float64(fi.Size())/float64(size), "file/payload")
				}
			})
		}
		for _, v := range []string{"base-zebrafmt", "arrow"} {
			b.Run(fmt.Sprintf("%s/read/%s", set.name, v), func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(size)
				for i := 0; i < b.N; i++ {
					f, err := os.Open(paths[v])
					if err != nil {
						b.Fatal(err)
					}
					var sum int
					visit := func(k, val []byte) { sum += len(k) + len(val) }
					var n int
					if v == "arrow" {
						n, err = ReadArrow(f, nil, visit)
					} else {
						n, err = ReadZebra(f, visit)
					}
					f.Close()
					if err != nil || n != len(recs.Keys) || int64(sum) != size {
						b.Fatalf("read %d records, %d bytes: %v", n, sum, err)
					}
				}
			})
		}
	}
}
