package streaming

import (
	"archive/tar"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUnpackArchiveTar: a -archives tar is unpacked with its files and
// directories, its links and special members skipped as before, and a
// member leaving the directory refused.
func TestUnpackArchiveTar(t *testing.T) {
	write := func(hs ...*tar.Header) string {
		var b bytes.Buffer
		tw := tar.NewWriter(&b)
		for _, h := range hs {
			tw.WriteHeader(h)
			if h.Typeflag == tar.TypeReg {
				tw.Write([]byte(strings.Repeat("x", int(h.Size))))
			}
		}
		tw.Close()
		p := filepath.Join(t.TempDir(), "a.tar")
		os.WriteFile(p, b.Bytes(), 0o644)
		return p
	}
	p := write(&tar.Header{Name: "d/", Typeflag: tar.TypeDir, Mode: 0o755},
		&tar.Header{Name: "d/f", Typeflag: tar.TypeReg, Mode: 0o755, Size: 3},
		&tar.Header{Name: "l", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"},
		&tar.Header{Name: "h", Typeflag: tar.TypeLink, Linkname: "d/f"})
	dir := filepath.Join(t.TempDir(), "u")
	if _, err := unpackArchive(p, dir, nil); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "d", "f")); err != nil || string(b) != "xxx" {
		t.Fatalf("d/f: %q %v", b, err)
	}
	for _, n := range []string{"l", "h"} {
		if _, err := os.Lstat(filepath.Join(dir, n)); !os.IsNotExist(err) {
			t.Errorf("%s was unpacked: %v", n, err)
		}
	}
	bad := write(&tar.Header{Name: "../evil", Typeflag: tar.TypeReg, Mode: 0o644, Size: 1})
	if _, err := unpackArchive(bad, filepath.Join(t.TempDir(), "v"), nil); err == nil || !strings.Contains(err.Error(), "leaves the archive") {
		t.Fatalf("../evil: %v", err)
	}
}
