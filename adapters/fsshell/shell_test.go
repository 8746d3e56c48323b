package fsshell

// Fast tests (no Java): expected values were taken from real FsShell 3.4.1
// runs (scripts/hadoop-oracle.sh's jars) on the same inputs; the
// conformance suite (conformance_test.go) compares whole runs.

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"zebra/adapters/localfs"
	"zebra/mapreduce"
)

func TestHumanSize(t *testing.T) {
	for n, want := range map[int64]string{
		0:             "0",
		1023:          "1023",
		1024:          "1 K",
		3000000:       "2.9 M", // FsShell: -du -h of a 3,000,000-byte file
		3 << 30:       "3 G",
		1280:          "1.3 K", // 1.25 K: Java's %.1f rounds half up
		1<<20 - 1:     "1.0 M", // 1024.0 K moves to the next prefix
		5<<40 + 1<<39: "5.5 T",
	} {
		if got := humanSize(n); got != want {
			t.Errorf("humanSize(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestParseMode(t *testing.T) {
	for _, c := range []struct {
		spec string
		from fs.FileMode
		dir  bool
		want fs.FileMode
	}{
		{"600", 0o644, false, 0o600},
		{"1777", 0o755, true, 0o777 | fs.ModeSticky},
		{"go+w", 0o644, false, 0o666},
		{"a-r", 0o644, false, 0o200},
		{"u=rwx,g=r", 0o644, false, 0o744},
		{"+X", 0o644, true, 0o755},
		{"+X", 0o644, false, 0o644},
	} {
		f, err := parseMode(c.spec)
		if err != nil {
			t.Errorf("parseMode(%q): %v", c.spec, err)
			continue
		}
		if got := f(c.from, c.dir); got != c.want {
			t.Errorf("parseMode(%q)(%v) = %v, want %v", c.spec, c.from, got, c.want)
		}
	}
	for _, bad := range []string{"bogus", "u=rwx,g=r,o=", "9", "u"} {
		if _, err := parseMode(bad); err == nil {
			t.Errorf("parseMode(%q) accepted", bad)
		}
	}
}

func run(t *testing.T, dir string, args ...string) (int, string, string) {
	t.Helper()
	reg := &mapreduce.Registry{}
	localfs.Register(reg, &localfs.FS{Checksums: true})
	var so, se bytes.Buffer
	code := Run(context.Background(), args, &Env{Stdout: &so, Stderr: &se, Stdin: strings.NewReader("from stdin\n"),
		Dir: dir, Registry: reg, HadoopConf: map[string]string{}, User: "u", Location: time.UTC})
	return code, so.String(), se.String()
}

func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := run(t, dir, "-foo")
	if code != 255 || out != "" || !strings.HasPrefix(errs, "-foo: Unknown command\nUsage: hadoop fs [generic options]\n") {
		t.Errorf("-foo: exit %d, stdout %q, stderr %.80q", code, out, errs)
	}
	code, _, errs = run(t, dir, "-mkdir")
	if code != 255 || !strings.HasPrefix(errs, "-mkdir: Not enough arguments: expected 1 but got 0\n") ||
		!strings.HasSuffix(errs, "\nUsage: hadoop fs [generic options] -mkdir [-p] <path> ...\n") {
		t.Errorf("-mkdir: exit %d, stderr %q", code, errs)
	}
	code, _, errs = run(t, dir, "-rm", "-rf", "x")
	if code != 255 || !strings.HasPrefix(errs, "-rm: Illegal option -rf\n") {
		t.Errorf("-rm -rf: exit %d, stderr %.80q", code, errs)
	}
}

func TestLocalRoundTrip(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.txt"), []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		args      []string
		code      int
		out, errs string
	}{
		{[]string{"-mkdir", "-p", "x/y"}, 0, "", ""},
		{[]string{"-put", "a.txt", "x/y"}, 0, "", ""},
		{[]string{"-put", "a.txt", "x/y"}, 1, "", "put: `x/y/a.txt': File exists\n"},
		{[]string{"-put", "-", "x/in"}, 0, "", ""},
		{[]string{"-test", "-f", "x/y/.a.txt.crc"}, 0, "", ""}, // local files keep Hadoop's checksum file
		{[]string{"-cat", "x/y/a.txt", "x/in"}, 0, "hello\nfrom stdin\n", ""},
		{[]string{"-test", "-e", "x/nope"}, 1, "", ""},
		{[]string{"-test", "-d", "x/y"}, 0, "", ""},
		{[]string{"-stat", "%n %b %F %r", "x/y/a.txt"}, 0, "a.txt 6 regular file 1\n", ""},
		{[]string{"-ls", "nope"}, 1, "", "ls: `nope': No such file or directory\n"},
		{[]string{"-ls", "-C", "x/y"}, 0, "x/y/a.txt\n", ""},
		{[]string{"-du", "-s", "x"}, 0, "17  17  x\n", ""},
		{[]string{"-mv", "x/in", "x/moved"}, 0, "", ""},
		{[]string{"-touchz", "x/y/a.txt"}, 1, "", "touchz: `x/y/a.txt': Not a zero-length file\n"},
		{[]string{"-rm", "x"}, 1, "", "rm: `x': Is a directory\n"},
		{[]string{"-rm", "-r", "x"}, 0, "Deleted x\n", ""},
	}
	for _, s := range steps {
		code, out, errs := run(t, dir, s.args...)
		if code != s.code || out != s.out || errs != s.errs {
			t.Errorf("fs %s: exit %d, stdout %q, stderr %q; want %d, %q, %q", strings.Join(s.args, " "), code, out, errs, s.code, s.out, s.errs)
		}
	}
}
