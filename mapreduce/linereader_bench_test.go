package mapreduce

import (
	"bufio"
	"bytes"
	"hash/fnv"
	"io"
	"math/rand"
	"testing"
)

// benchText is deterministic text of Zipf-distributed words in lines of
// 4..16 words, about size bytes.
func benchText(size int) []byte {
	r := rand.New(rand.NewSource(7))
	words := benchWords(r, 20000)
	z := rand.NewZipf(r, 1.07, 2, uint64(len(words)-1))
	var b bytes.Buffer
	for b.Len() < size {
		n := 4 + r.Intn(13)
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.Write(words[z.Uint64()])
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func benchWords(r *rand.Rand, n int) [][]byte {
	seen := map[string]bool{}
	var out [][]byte
	for len(out) < n {
		w := make([]byte, 1+r.Intn(10))
		for i := range w {
			w[i] = byte('a' + r.Intn(26))
		}
		if !seen[string(w)] {
			seen[string(w)] = true
			out = append(out, w)
		}
	}
	return out
}

// BenchmarkLineReader reads 4 MB of text line by line: zebra's LineReader
// (Hadoop's LF/CR/CRLF rule) vs bufio.Scanner with ScanLines.
func BenchmarkLineReader(b *testing.B) {
	data := benchText(4 << 20)
	b.Run("base-bufio-scanner", func(b *testing.B) {
		b.ReportAllocs()
		b.ResetTimer()
		b.SetBytes(int64(len(data)))
		for i := 0; i < b.N; i++ {
			sc := bufio.NewScanner(bytes.NewReader(data))
			n := 0
			for sc.Scan() {
				n += len(sc.Bytes())
			}
			if n == 0 {
				b.Fatal("no lines")
			}
		}
	})
	b.Run("zebra", func(b *testing.B) {
		b.ReportAllocs()
		b.ResetTimer()
		b.SetBytes(int64(len(data)))
		for i := 0; i < b.N; i++ {
			lr := NewLineReader(bytes.NewReader(data), nil)
			n := 0
			for {
				line, _, err := lr.ReadLine()
				if err == io.EOF {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
				n += len(line)
			}
			if n == 0 {
				b.Fatal("no lines")
			}
		}
	})
}

// BenchmarkPartition assigns word keys to 7 partitions: Hadoop's
// HashPartitioner (zebra) vs hash/fnv + modulo, a naive std-lib partitioner.
func BenchmarkPartition(b *testing.B) {
	keys := bytes.Fields(benchText(1 << 20))
	b.Run("base-fnv", func(b *testing.B) {
		b.ReportAllocs()
		b.ResetTimer()
		s := 0
		for i := 0; i < b.N; i++ {
			h := fnv.New32a()
			h.Write(keys[i%len(keys)])
			s += int(h.Sum32() % 7)
		}
		_ = s
	})
	b.Run("zebra", func(b *testing.B) {
		b.ReportAllocs()
		b.ResetTimer()
		s := 0
		for i := 0; i < b.N; i++ {
			s += HashPartition(keys[i%len(keys)], 7)
		}
		_ = s
	})
}
