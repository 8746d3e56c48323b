package archive

import (
	"archive/tar"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// entry is a test member: a trailing / makes a directory, link a symlink.
type entry struct {
	name, body, link string
	typ              byte
}

func tarOf(t *testing.T, es ...entry) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, e := range es {
		h := &tar.Header{Name: e.name, Mode: 0o644, Typeflag: e.typ}
		switch {
		case e.typ != 0:
			h.Linkname = e.link
		case e.link != "":
			h.Typeflag, h.Linkname = tar.TypeSymlink, e.link
		case strings.HasSuffix(e.name, "/"):
			h.Typeflag, h.Mode = tar.TypeDir, 0o755
		default:
			h.Typeflag, h.Size, h.Mode = tar.TypeReg, int64(len(e.body)), 0o755
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			tw.Write([]byte(e.body))
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestExtract(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "img")
	data := tarOf(t,
		entry{name: "bin/"},
		entry{name: "bin/count.sh", body: "#!/bin/sh\nwc -w\n"},
		entry{name: "lib/words.txt", body: "a b c"},
		entry{name: "bin/words", link: "../lib/words.txt"},
		entry{name: "current", link: "bin"},
		entry{name: "dangling", link: "lib/nothing/yet"},
	)
	ms, err := Extract(bytes.NewReader(data), dir, Options{Symlinks: true, ReadOnly: true, MaxBytes: 100, MaxEntries: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 6 || ms[1].Name != "bin/count.sh" || ms[1].Type != tar.TypeReg || ms[1].Size != 16 {
		t.Fatalf("members: %+v", ms)
	}
	got, err := os.ReadFile(filepath.Join(dir, "current", "words"))
	if err != nil || string(got) != "a b c" {
		t.Fatalf("through links: %q, %v", got, err)
	}
	fi, err := os.Stat(filepath.Join(dir, "bin", "count.sh"))
	if err != nil || fi.Mode().Perm() != 0o555 {
		t.Fatalf("read-only executable: %v %v", fi.Mode(), err)
	}
}

func TestExtractRefuses(t *testing.T) {
	cases := []struct {
		name string
		o    Options
		es   []entry
		want string
	}{
		{"absolute", Options{}, []entry{{name: "/etc/passwd", body: "x"}}, `"/etc/passwd": an absolute name`},
		{"dotdot", Options{}, []entry{{name: "a/../../x", body: "x"}}, "leaves the archive"},
		{"symlinks off", Options{}, []entry{{name: "l", link: "x"}}, "symlinks are not allowed"},
		{"absolute link", Options{Symlinks: true}, []entry{{name: "l", link: "/etc"}}, "is absolute"},
		{"link escapes", Options{Symlinks: true}, []entry{{name: "a/l", link: "../../etc"}}, "leaves the archive"},
		// Lexically inside, but a/up is the top, so ../x is above it.
		{"link escapes through a link", Options{Symlinks: true}, []entry{{name: "a/up", link: ".."}, {name: "a/x", link: "up/../x"}},
			`"a/x": the link's target up/../x leaves the archive`},
		{"write through link", Options{Symlinks: true}, []entry{{name: "d", link: "."}, {name: "d/f", body: "x"}}, "written through the symlink d"},
		{"link loop", Options{Symlinks: true}, []entry{{name: "a", link: "b"}, {name: "b", link: "a"}}, "too many links"},
		{"hard link", Options{}, []entry{{name: "f", body: "x"}, {name: "h", link: "f", typ: tar.TypeLink}}, "hard link members are not allowed"},
		{"device", Options{}, []entry{{name: "null", typ: tar.TypeChar}}, "character device"},
		{"twice", Options{}, []entry{{name: "f", body: "x"}, {name: "f", body: "y"}}, "appears twice"},
		{"too big", Options{MaxBytes: 3}, []entry{{name: "f", body: "abcd"}}, "more than 3 bytes"},
		{"too many", Options{MaxEntries: 1}, []entry{{name: "f", body: "a"}, {name: "g", body: "b"}}, "more than 1 members"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Extract(bytes.NewReader(tarOf(t, c.es...)), t.TempDir(), c.o)
			var ue *Error
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an *Error with %q", err, c.want)
			}
		})
	}
	_, err := Extract(strings.NewReader(strings.Repeat("not a tar ", 100)), t.TempDir(), Options{})
	if err == nil || !strings.Contains(err.Error(), "not a tar archive") {
		t.Fatalf("non-tar: %v", err)
	}
}

func TestExtractSkipOther(t *testing.T) {
	dir := t.TempDir()
	ms, err := Extract(bytes.NewReader(tarOf(t, entry{name: "f", body: "x"}, entry{name: "h", link: "f", typ: tar.TypeLink})), dir, Options{SkipOther: true})
	if err != nil || len(ms) != 1 {
		t.Fatalf("%v %+v", err, ms)
	}
	if _, err := os.Lstat(filepath.Join(dir, "h")); !os.IsNotExist(err) {
		t.Fatalf("hard link written: %v", err)
	}
}

// TestExtractReplace: with Replace a repeated regular file's later copy
// wins (Hadoop's unTar overwrites); a file repeated as a link, or a link
// repeated as a file, is still refused.
func TestExtractReplace(t *testing.T) {
	dir := t.TempDir()
	ms, err := Extract(bytes.NewReader(tarOf(t, entry{name: "f", body: "first"}, entry{name: "g", body: "g"}, entry{name: "f", body: "second!"})), dir, Options{Replace: true, MaxBytes: 13})
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "f")); string(b) != "second!" {
		t.Errorf("f = %q, want the later copy", b)
	}
	if len(ms) != 2 || ms[0].Name != "g" || ms[1].Name != "f" || ms[1].Size != 7 {
		t.Errorf("members %+v, want g then the later f", ms)
	}
	for _, es := range [][]entry{
		{{name: "f", body: "x"}, {name: "f", link: "elsewhere"}},
		{{name: "l", link: "f"}, {name: "l", body: "x"}},
	} {
		_, err := Extract(bytes.NewReader(tarOf(t, es...)), t.TempDir(), Options{Replace: true, Symlinks: true})
		if err == nil || !strings.Contains(err.Error(), "appears twice") {
			t.Errorf("%+v: %v, want appears twice", es, err)
		}
	}
}
