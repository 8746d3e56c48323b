package mapreduce

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSplitsReadEveryLineOnce cuts random files with random CR/LF/CRLF line
// ends at every possible split size and checks that reading all splits gives
// back exactly the file's lines, in order, each once.
func TestSplitsReadEveryLineOnce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	dir := t.TempDir()
	ends := []string{"\n", "\r", "\r\n"}
	for n := 0; n < 30; n++ {
		var b strings.Builder
		lines := rng.IntN(12)
		for i := 0; i < lines; i++ {
			b.WriteString(strings.Repeat(string(rune('a'+i%26)), rng.IntN(7)))
			if i < lines-1 || rng.IntN(2) == 0 {
				b.WriteString(ends[rng.IntN(3)])
			}
		}
		data := b.String()
		p := filepath.Join(dir, fmt.Sprintf("f%d", n))
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		want, _ := splitLines([]byte(data))
		for size := int64(1); size <= int64(len(data))+1; size++ {
			splits := FileSplits(dirFS{}, []FileInfo{{Path: p, Size: int64(len(data))}}, 1, size, size)
			var got []string
			for _, s := range splits {
				rr, err := OpenLineRecords(context.Background(), dirFS{}, s, TextInput, NewConf())
				if err != nil {
					t.Fatal(err)
				}
				for {
					_, v, err := rr.Next()
					if errors.Is(err, io.EOF) {
						break
					}
					if err != nil {
						t.Fatal(err)
					}
					got = append(got, string(v))
				}
				rr.Close()
			}
			if strings.Join(got, "|") != strings.Join(want, "|") || len(got) != len(want) {
				t.Fatalf("file %q, split size %d (%v): got %q, want %q", data, size, splits, got, want)
			}
		}
	}
}

func TestFileSplitsHadoopRule(t *testing.T) {
	const mb = 1 << 20
	files := []FileInfo{{Path: "/a", Size: 100 * mb}, {Path: "/b", Size: 0}, {Path: "/c.gz", Size: 70 * mb}, {Path: "/d", Size: 35 * mb}}
	got := FileSplits(dirFS{}, files, 1, 1, 32*mb)
	// 100 MiB at 32 MiB: 32, 32, 36 (36/32 = 1.125 > 1.1 would cut; remaining
	// after two cuts is 36 MiB, 36/32 > 1.1 so a third cut leaves 4).
	var desc []string
	for _, s := range got {
		desc = append(desc, fmt.Sprintf("%s:%d+%d", s.Path, s.Start/mb, s.Length/mb))
	}
	want := "/a:0+32 /a:32+32 /a:64+32 /a:96+4 /b:0+0 /c.gz:0+70 /d:0+35"
	if strings.Join(desc, " ") != want {
		t.Fatalf("got %s, want %s", strings.Join(desc, " "), want)
	}
}

// TestFileSplitsOwnBlockSize: a file with its own block size (HDFS) is cut
// at that size, as Hadoop's FileInputFormat uses FileStatus.getBlockSize;
// files without one keep the job's block size.
func TestFileSplitsOwnBlockSize(t *testing.T) {
	const mb = 1 << 20
	files := []FileInfo{{Path: "/h", Size: 300 * mb, BlockSize: 128 * mb}, {Path: "/l", Size: 70 * mb}}
	var desc []string
	for _, s := range FileSplits(dirFS{}, files, 1, 1, 32*mb) {
		desc = append(desc, fmt.Sprintf("%s:%d+%d", s.Path, s.Start/mb, s.Length/mb))
	}
	// /h: 300/128 > 1.1 → 128; 172/128 > 1.1 → 128; 44 left. /l at 32 MiB:
	// 32, then 38/32 = 1.19 > 1.1 → 32, 6 left.
	want := "/h:0+128 /h:128+128 /h:256+44 /l:0+32 /l:32+32 /l:64+6"
	if strings.Join(desc, " ") != want {
		t.Fatalf("got %s, want %s", strings.Join(desc, " "), want)
	}
}
