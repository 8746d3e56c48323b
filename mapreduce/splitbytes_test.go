package mapreduce

import (
	"strings"
	"testing"
)

// TestSplitRawBytesOfHadoopRuns: Hadoop 3.4.1's "Input split bytes" (SPLIT_RAW_BYTES)
// of one map, as its local runner printed it (scripts/hadoop-oracle.sh run
// -input IN -output out -mapper cat -reducer NONE, run in /tmp/fixes/o;
// the second path has a space and a two-byte 'ä'; the 300-character one
// needs a vint of three bytes), and docs/hadoop-observed.md's 81.
func TestSplitRawBytesOfHadoopRuns(t *testing.T) {
	long := "file:/tmp/fixes/o/" + strings.Repeat("dddddddddd/", 26) + "x.txt" // 309 bytes
	for uri, want := range map[string]int64{
		"file:/tmp/fixes/o/b.txt":                 75,
		"file:/tmp/fixes/o/dir with späce/in.txt": 92,
		"file:/tmp/obs/txreduce/in.txt":           81,
		long:                                      int64(35 + 3 + len(long) + 16),
	} {
		if got := (Split{URI: uri}).RawBytes(); got != want {
			t.Errorf("RawBytes of %q = %d, want %d", uri, got, want)
		}
	}
}
