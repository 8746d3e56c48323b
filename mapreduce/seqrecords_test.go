package mapreduce_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"zebra/mapreduce"
	"zebra/mapreduce/mrtest"
)

func writeSeq(t *testing.T, fsys *mrtest.MemFS, name string, n int) int64 {
	t.Helper()
	w, err := fsys.Create(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	bw := bufio.NewWriter(w)
	sw, err := mapreduce.NewSeqWriter(bw, mapreduce.ClassText, mapreduce.ClassLong)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		if _, err := sw.Append([]byte(fmt.Sprintf("key-%06d-%s", i, strings.Repeat("x", 40))), []byte(fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
	bw.Flush()
	w.Close()
	fi, err := fsys.Stat(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size
}

func readSeq(t *testing.T, fsys mapreduce.FS, s mapreduce.Split) []string {
	t.Helper()
	r, err := mapreduce.OpenSeqRecords(context.Background(), fsys, s, false)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []string
	for {
		k, v, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(k)+"="+string(v))
	}
}

// TestSeqRecordsSplits cuts a SequenceFile with several sync markers into
// splits of many sizes: together they must yield every record once, in
// order (a record belongs to the split it starts in, or to the split before
// when no sync marker precedes it).
func TestSeqRecordsSplits(t *testing.T) {
	fsys := &mrtest.MemFS{}
	const n = 6000
	size := writeSeq(t, fsys, "/in.seq", n)
	whole := readSeq(t, fsys, mapreduce.Split{Path: "/in.seq", Length: size})
	if len(whole) != n || whole[0] != "key-000000-"+strings.Repeat("x", 40)+"=0" || !strings.HasSuffix(whole[n-1], "=5999") {
		t.Fatalf("whole file: %d records, first %q", len(whole), whole[0])
	}
	for _, splitSize := range []int64{1000, 50000, 102400, 102401, 123457, size - 1} {
		var got []string
		for start := int64(0); start < size; start += splitSize {
			length := min(splitSize, size-start)
			got = append(got, readSeq(t, fsys, mapreduce.Split{Path: "/in.seq", Start: start, Length: length})...)
		}
		if strings.Join(got, "\n") != strings.Join(whole, "\n") {
			t.Fatalf("splits of %d bytes: %d records, want %d", splitSize, len(got), len(whole))
		}
	}
}

func TestSeqRecordsUnsupportedClass(t *testing.T) {
	fsys := &mrtest.MemFS{}
	w, _ := fsys.Create(context.Background(), "/f.seq")
	name := "org.apache.hadoop.io.FloatWritable"
	hdr := append([]byte("SEQ\x06"), mapreduce.AppendVInt(nil, int64(len(name)))...)
	hdr = append(hdr, name...)
	hdr = append(append(hdr, mapreduce.AppendVInt(nil, int64(len(name)))...), name...)
	hdr = append(hdr, 0, 0, 0, 0, 0, 0)
	hdr = append(hdr, make([]byte, 16)...)
	w.Write(hdr)
	w.Close()
	_, err := mapreduce.OpenSeqRecords(context.Background(), fsys, mapreduce.Split{Path: "/f.seq", Length: int64(len(hdr))}, false)
	if err == nil || !strings.Contains(err.Error(), "FloatWritable is not supported by zebra") {
		t.Fatalf("got %v", err)
	}
}
