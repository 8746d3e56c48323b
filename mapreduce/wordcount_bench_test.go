package mapreduce

import (
	"context"
	"fmt"
	"math/rand"
	"syscall"
	"testing"
	"time"
)

// cpuTime is the CPU time (user and system) this process has used so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU adds a cpu-ns/op metric from start (a cpuTime): on a shared,
// loaded machine the CPU a benchmark used varies less than its wall time.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(cpuTime(b)-start)/float64(b.N), "cpu-ns/op")
}

// wordRecords returns n word-count map outputs ("word", "1") whose words
// follow a Zipf law over a vocabulary of 50,000 words of 1 to 14 letters,
// the shape of bench/cmd/gendata's text through examples/wordcount: many
// tiny records, most of them repeats of a few short words.
func wordRecords(n int, seed int64) (keys, values [][]byte) {
	r := rand.New(rand.NewSource(seed))
	vocab := make([][]byte, 50000)
	for i := range vocab {
		w := make([]byte, 1+r.Intn(14))
		for j := range w {
			w[j] = byte('a' + r.Intn(26))
		}
		vocab[i] = w
	}
	z := rand.NewZipf(r, 1.1, 1, uint64(len(vocab)-1))
	one := []byte("1")
	for i := 0; i < n; i++ {
		keys = append(keys, vocab[z.Uint64()])
		values = append(values, one)
	}
	return keys, values
}

// BenchmarkWordCountMapSide is one word-count map task's collection path:
// 2M word records collected into a 16 MB sort buffer (several spills, then
// the final merge), with nPart partitions; last=disk writes the last spill
// to a file and reads it back for the final merge, last=memory merges it
// from memory (the default); sort=exact runs Hadoop's QuickSort even where
// the radix sort gives the same bytes (every value is "1"), sort=radix is
// the default.
func BenchmarkWordCountMapSide(b *testing.B) {
	keys, values := wordRecords(2000000, 7)
	var size int64
	for i := range keys {
		size += int64(len(keys[i]) + len(values[i]) + 2)
	}
	for _, c := range []struct {
		np     int
		toDisk bool
		exact  bool
	}{{1, true, false}, {1, false, true}, {1, false, false}, {2, true, false}, {2, false, true}, {2, false, false}} {
		np := c.np
		name := fmt.Sprintf("reduces=%d/last=%s/sort=%s", np, map[bool]string{true: "disk", false: "memory"}[c.toDisk],
			map[bool]string{true: "exact", false: "radix"}[c.exact])
		b.Run(name, func(b *testing.B) {
			b.SetBytes(size)
			b.ReportAllocs()
			b.ResetTimer()
			c0 := cpuTime(b)
			for i := 0; i < b.N; i++ {
				dir := b.TempDir()
				job := &Job{NumReduces: np, SortMB: 16}
				t := &TaskContext{Counters: &Counters{}, Dir: dir}
				sb := newSortBuffer(context.Background(), job, t, dir)
				sb.lastSpillToDisk, sb.exactSortOnly = c.toDisk, c.exact
				for j := range keys {
					if err := sb.Collect(keys[j], values[j]); err != nil {
						b.Fatal(err)
					}
				}
				if _, err := sb.finish(); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, c0)
		})
	}
}

// BenchmarkWordCountSpill is one spill of a full sort buffer of word
// records (sort, then write the spill file): 1.5M records, 2 partitions;
// sort=exact is Hadoop's QuickSort, sort=radix the radix sort the buffer
// uses when all values are the same (they are all "1").
func BenchmarkWordCountSpill(b *testing.B) {
	keys, values := wordRecords(1500000, 8)
	for _, exact := range []bool{true, false} {
		b.Run("sort="+map[bool]string{true: "exact", false: "radix"}[exact], func(b *testing.B) {
			sb, orig := filledBuffer(keys, values, 2)
			sb.ctx = context.Background()
			sb.job = &Job{NumReduces: 2}
			sb.t = &TaskContext{Counters: &Counters{}}
			sb.valuesSame, sb.exactSortOnly = true, exact
			full := len(sb.arena)
			dir := b.TempDir()
			var cpu time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				sb.dir = dir
				sb.spills = nil
				sb.arena = sb.arena[:full]
				sb.meta = append(sb.meta[:0], orig...)
				c0 := cpuTime(b)
				b.StartTimer()
				if err := sb.spill(); err != nil {
					b.Fatal(err)
				}
				cpu += cpuTime(b) - c0
			}
			b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}

// BenchmarkRecordHash is the digest of 1M word records (what every map
// output and reduce input and output record goes through).
func BenchmarkRecordHash(b *testing.B) {
	keys, values := wordRecords(1000000, 9)
	b.ReportAllocs()
	b.ResetTimer()
	c0 := cpuTime(b)
	for i := 0; i < b.N; i++ {
		h := newRecordHash()
		for j := range keys {
			h.add(keys[j], values[j])
		}
		h.sum()
	}
	reportCPU(b, c0)
}
