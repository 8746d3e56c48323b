package archive

import (
	"archive/zip"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func zipOf(t *testing.T, files map[string]string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "a.zip")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for name, data := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(data))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return p
}

func TestExtractZip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	ms, err := ExtractZip(zipOf(t, map[string]string{"d/": "", "d/a.txt": "hello"}), dir, Options{Readable: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 {
		t.Errorf("members %+v, want 2", ms)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "d", "a.txt")); err != nil || string(b) != "hello" {
		t.Errorf("d/a.txt = %q, %v; want hello", b, err)
	}
}

func TestExtractZipRefuses(t *testing.T) {
	for name, c := range map[string]struct {
		files map[string]string
		o     Options
	}{
		"leaves":   {map[string]string{"../x": "x"}, Options{}},
		"absolute": {map[string]string{"/x": "x"}, Options{}},
		"bytes":    {map[string]string{"a": "12345", "b": "12345"}, Options{MaxBytes: 8}},
		"entries":  {map[string]string{"a": "", "b": "", "c": ""}, Options{MaxEntries: 2}},
	} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			_, err := ExtractZip(zipOf(t, c.files), dir, c.o)
			var ae *Error
			if !errors.As(err, &ae) {
				t.Fatalf("err = %v, want an *Error", err)
			}
			if bound := name == "bytes" || name == "entries"; ae.Bound != bound {
				t.Errorf("Bound = %v, want %v", ae.Bound, bound)
			}
			if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "x")); err == nil {
				t.Errorf("wrote outside the directory")
			}
		})
	}
}

// zipEntries writes a zip of the entries in order (names may repeat),
// each with its mode.
func zipEntries(t *testing.T, entries ...zipEntry) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "a.zip")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		h.SetMode(e.mode)
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(e.data))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return p
}

type zipEntry struct {
	name, data string
	mode       os.FileMode
}

// TestExtractZipContract checks the package doc's zip rules: a symlink
// entry is written as a regular file holding its bytes, a backslash is
// part of a name, set-id bits and group/other write are dropped, a
// repeated file is refused unless Replace, when the later one wins.
func TestExtractZipContract(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	z := zipEntries(t,
		zipEntry{"link", "../../etc/passwd", os.ModeSymlink | 0o777},
		zipEntry{`..\evil`, "x", 0o644},
		zipEntry{"suid", "#!/bin/sh\n", os.ModeSetuid | 0o777},
		zipEntry{"dup", "first", 0o644},
		zipEntry{"dup", "second", 0o644})
	if _, err := ExtractZip(z, dir, Options{}); err == nil || !strings.Contains(err.Error(), "appears twice") {
		t.Errorf("a repeated name without Replace: %v, want an error saying it appears twice", err)
	}
	dir = filepath.Join(t.TempDir(), "out")
	ms, err := ExtractZip(z, dir, Options{Replace: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 4 {
		t.Errorf("members %+v, want 4 (dup once)", ms)
	}
	fi, err := os.Lstat(filepath.Join(dir, "link"))
	if err != nil || !fi.Mode().IsRegular() {
		t.Fatalf("link: %v, %v; want a regular file", fi, err)
	}
	for name, want := range map[string]string{"link": "../../etc/passwd", `..\evil`: "x", "dup": "second"} {
		if b, err := os.ReadFile(filepath.Join(dir, name)); err != nil || string(b) != want {
			t.Errorf("%s = %q, %v; want %q", name, b, err, want)
		}
	}
	if fi, err := os.Stat(filepath.Join(dir, "suid")); err != nil || fi.Mode()&(os.ModeSetuid|os.ModeSetgid|0o022) != 0 {
		t.Errorf("suid: %v, %v; want no set-id bits and no group or other write", fi.Mode(), err)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "evil")); err == nil {
		t.Error("a backslash name was written outside the directory")
	}
}
