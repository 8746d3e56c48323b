package streaming

import (
	"bytes"
	"testing"
)

// BenchmarkSplitKeyValue splits reducer/mapper output lines into key and
// value: zebra's splitKeyValue vs bytes.SplitN (which allocates the result
// slice), for the 1st and the 2nd tab.
func BenchmarkSplitKeyValue(b *testing.B) {
	lines := [][]byte{
		[]byte("the\t1"),
		[]byte("hadoop\t42"),
		[]byte("a-rather-longer-key-with-dashes\tand a value with spaces\tand a third field"),
		[]byte("no tab in this line at all, so the whole line is the key"),
	}
	sep := []byte("\t")
	for _, n := range []int{1, 2} {
		name := "n1"
		if n == 2 {
			name = "n2"
		}
		b.Run(name+"/base-bytes-splitn", func(b *testing.B) {
			b.ReportAllocs()
			b.ResetTimer()
			s := 0
			for i := 0; i < b.N; i++ {
				line := lines[i&3]
				parts := bytes.SplitN(line, sep, n+1)
				var k, v []byte
				if len(parts) <= n {
					k = line
				} else {
					k = line[:len(line)-len(parts[n])-len(sep)]
					v = parts[n]
				}
				s += len(k) + len(v)
			}
			_ = s
		})
		b.Run(name+"/zebra", func(b *testing.B) {
			b.ReportAllocs()
			b.ResetTimer()
			s := 0
			for i := 0; i < b.N; i++ {
				k, v := splitKeyValue(lines[i&3], sep, n)
				s += len(k) + len(v)
			}
			_ = s
		})
	}
}
