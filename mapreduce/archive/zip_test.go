package archive

import (
	"archive/zip"
	"errors"
	"os"
	"path/filepath"
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
			if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "x")); err == nil {
				t.Errorf("wrote outside the directory")
			}
		})
	}
}
