package localfs

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestChecksumFileMatchesHadoop writes the part file of a map-only job
// observed under real Hadoop 3.4.1 (docs/hadoop-observed.md §b) and checks
// the .crc sibling byte for byte against Hadoop's (xxd of
// out/.part-00000.crc in that run), and the empty _SUCCESS's.
func TestChecksumFileMatchesHadoop(t *testing.T) {
	cases := []struct {
		name, data, crcHex string
	}{
		{"part-00000", "hello world\t\nfoo bar\t\nhello again\t\n", "6372630000000200f1a749e0"},
		{"part-00001", "3\t\n", "6372630000000200e87bd08c"},
		{"_SUCCESS", "", "6372630000000200"},
	}
	dir := t.TempDir()
	f := &FS{Checksums: true}
	ctx := context.Background()
	for _, c := range cases {
		w, err := f.Create(ctx, filepath.Join(dir, c.name))
		if err != nil {
			t.Fatal(err)
		}
		// Write in odd pieces: chunking must not depend on write sizes.
		for _, piece := range strings.SplitAfter(c.data, "o") {
			if _, err := io.WriteString(w, piece); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(dir, "."+c.name+".crc"))
		if err != nil {
			t.Fatal(err)
		}
		if hex.EncodeToString(got) != c.crcHex {
			t.Errorf("%s: crc file %x, want %s", c.name, got, c.crcHex)
		}
	}
}

func TestChecksumsLargeFileAndWriteSizes(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcdefghij\n"), 5000) // 105000 bytes: 206 chunks, the last short
	dir := t.TempDir()
	f := &FS{Checksums: true}
	var crcs [][]byte
	for i, step := range []int{1, 511, 512, 513, 100000} {
		p := filepath.Join(dir, "f"+string(rune('a'+i)))
		w, err := f.Create(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		for off := 0; off < len(data); off += step {
			w.Write(data[off:min(off+step, len(data))])
		}
		w.Close()
		c, _ := os.ReadFile(filepath.Join(dir, "."+filepath.Base(p)+".crc"))
		crcs = append(crcs, c)
	}
	if want := 8 + 4*((len(data)+511)/512); len(crcs[0]) != want {
		t.Fatalf("crc file has %d bytes, want %d", len(crcs[0]), want)
	}
	for i := 1; i < len(crcs); i++ {
		if !bytes.Equal(crcs[i], crcs[0]) {
			t.Errorf("write size changed the checksum file (case %d)", i)
		}
	}
}

func TestListHidesChecksumsAndRenameMovesThem(t *testing.T) {
	dir := t.TempDir()
	f := &FS{Checksums: true}
	ctx := context.Background()
	w, _ := f.Create(ctx, filepath.Join(dir, "a", "x"))
	w.Write([]byte("data"))
	w.Close()
	if err := f.Rename(ctx, filepath.Join(dir, "a", "x"), filepath.Join(dir, "b", "y")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "b", ".y.crc")); err != nil {
		t.Error("checksum not moved with its file")
	}
	infos, err := f.List(ctx, filepath.Join(dir, "b"))
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != 1 || filepath.Base(infos[0].Path) != "y" {
		t.Errorf("List = %v, want just y", infos)
	}
	if _, err := f.Create(ctx, filepath.Join(dir, "b", "y")); !errors.Is(err, fs.ErrExist) {
		t.Errorf("Create over an existing file: got %v, want fs.ErrExist", err)
	}
	if _, err := f.Stat(ctx, filepath.Join(dir, "nope")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Stat of a missing file: got %v, want fs.ErrNotExist", err)
	}
}

func TestPathOf(t *testing.T) {
	wd, _ := os.Getwd()
	for in, want := range map[string]string{
		"file:///tmp/x":          "/tmp/x",
		"file:/tmp/x":            "/tmp/x",
		"file://localhost/tmp/x": "/tmp/x",
		"/tmp/a/../x":            "/tmp/x",
		"rel/x":                  filepath.Join(wd, "rel/x"),
	} {
		got, err := PathOf(in)
		if err != nil || got != want {
			t.Errorf("PathOf(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := PathOf("file://otherhost/x"); err == nil {
		t.Error("a file URL naming another host must be refused")
	}
}
