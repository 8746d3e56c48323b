package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"zebra/adapters/localfs"
	"zebra/mapreduce"
)

// TestSplitRecordsMatchesLineReader checks the floor's split files against
// what zebra's own record reader (checked against Hadoop by the conformance
// suite) gives each split's mapper: the same lines, split by split.
func TestSplitRecordsMatchesLineReader(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	dir := t.TempDir()
	fsys := &localfs.FS{}
	for trial := 0; trial < 40; trial++ {
		var b bytes.Buffer
		for b.Len() < 200+rng.IntN(3000) {
			b.WriteString(string(rune('a' + rng.IntN(26))))
			if rng.IntN(6) == 0 {
				b.WriteByte('\n')
			}
		}
		if rng.IntN(2) == 0 {
			b.WriteByte('\n') // with and without a final newline
		}
		path := filepath.Join(dir, "in.txt")
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		fi, err := fsys.Stat(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		block := int64(1 + rng.IntN(400))
		for _, s := range mapreduce.FileSplits(fsys, []mapreduce.FileInfo{fi}, 1, 1, block) {
			got := splitRecords(b.Bytes(), s.Start, s.Start+s.Length)
			lr, err := mapreduce.OpenLineRecords(context.Background(), fsys, s, mapreduce.TextInput, mapreduce.NewConf())
			if err != nil {
				t.Fatal(err)
			}
			var lines [][]byte
			for {
				_, v, err := lr.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				lines = append(lines, append([]byte(nil), v...))
			}
			lr.Close()
			gotLines := bytes.Split(bytes.TrimSuffix(got, []byte("\n")), []byte("\n"))
			if len(got) == 0 {
				gotLines = nil
			}
			if !equalLines(gotLines, lines) {
				t.Fatalf("trial %d, block %d, split %v: floor's split has lines %q, the record reader %q", trial, block, s, gotLines, lines)
			}
		}
	}
}

func equalLines(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}
