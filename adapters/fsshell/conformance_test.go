package fsshell_test

// FsShell conformance: every case of testdata/cases.txt (a sequence of
// `fs` command lines) runs twice from the same fixture, once with real
// Hadoop 3.4.1's FsShell (org.apache.hadoop.fs.FsShell from the oracle's
// jars) and once with zebra's, and each command's stdout, stderr message
// lines and exit code must match; so must the files left behind (names,
// modes, bytes, .crc files included). It runs on local files (fs.defaultFS
// file:///) and on a real HDFS (fs.defaultFS from core-site.xml in
// HADOOP_CONF_DIR, relative paths under /user/<user>).
//
//	ZEBRA_CONFORMANCE=1 go test ./adapters/fsshell -run FsShellConformance -v
//
// ZEBRA_FSSHELL_CASES=<regexp> selects cases; ZEBRA_HDFS=hdfs://host:port
// uses a running HDFS instead of starting one (adapters/hdfs/minicluster).
//
// Dates: the fixture's files carry fixed times, which must print
// identically; a date within a day of now (a file a command just made) is
// replaced by <now> on both sides before comparing, as the two runs happen
// minutes apart.

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"zebra/adapters/fsshell"
	"zebra/adapters/hdfs"
	"zebra/adapters/hdfs/minicluster"
	"zebra/adapters/localfs"
	"zebra/mapreduce"
)

func envOn(name string) bool {
	v := os.Getenv(name)
	return v != "" && v != "0" && v != "false"
}

type fsCase struct {
	name  string
	lines [][]string
	local bool // local files only (not on HDFS)
	hdfs  bool // HDFS only
}

// loadCases reads testdata/cases.txt: "== name [local]" starts a case,
// each further line is one command's arguments (after `fs`), split on
// blanks, with '…' quoting.
func loadCases(t *testing.T) []*fsCase {
	b, err := os.ReadFile("testdata/cases.txt")
	if err != nil {
		t.Fatal(err)
	}
	var out []*fsCase
	for _, l := range strings.Split(string(b), "\n") {
		l = strings.TrimSpace(l)
		switch {
		case l == "" || strings.HasPrefix(l, "#"):
		case strings.HasPrefix(l, "== "):
			f := strings.Fields(l[3:])
			c := &fsCase{name: f[0]}
			for _, w := range f[1:] {
				c.local = c.local || w == "local"
				c.hdfs = c.hdfs || w == "hdfs"

			}
			out = append(out, c)
		default:
			if len(out) == 0 {
				t.Fatalf("cases.txt: command before the first case: %s", l)
			}
			c := out[len(out)-1]
			c.lines = append(c.lines, splitWords(l))
		}
	}
	return out
}

func splitWords(s string) []string {
	var out []string
	var cur strings.Builder
	in, any := false, false
	for _, r := range s {
		switch {
		case r == '\'':
			in = !in
			any = true
		case (r == ' ' || r == '\t') && !in:
			if any {
				out = append(out, cur.String())
				cur.Reset()
				any = false
			}
		default:
			cur.WriteRune(r)
			any = true
		}
	}
	if any {
		out = append(out, cur.String())
	}
	return out
}

// fixture is the tree every case starts from: name → contents ("/" suffix:
// a directory), each with a fixed modification time.
func fixture(t *testing.T) map[string][]byte {
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write([]byte("l1\nl2\n"))
	w.Close()
	big := bytes.Repeat([]byte("0123456789abcdef"), 200000) // 3.05 MiB
	f := map[string][]byte{
		"a.txt":         []byte("hello\n"),
		"b.txt":         []byte(strings.Repeat("line\n", 600)),
		"empty":         nil,
		"big":           big,
		"g.gz":          gz.Bytes(),
		"dir/":          nil,
		"dir/x.txt":     []byte("x\n"),
		"dir/y.txt":     []byte("yy\n"),
		"dir/sub/":      nil,
		"dir/sub/z.txt": []byte("zzz\n"),
		"emptydir/":     nil,
	}
	if bz, err := exec.LookPath("bzip2"); err == nil {
		cmd := exec.Command(bz, "-c")
		cmd.Stdin = strings.NewReader("b1\nb2\n")
		out, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		f["c.bz2"] = out
	}
	return f
}

var fixtureTime = time.Date(2021, 3, 4, 5, 6, 7, 0, time.UTC)

func writeLocalFixture(t *testing.T, dir string, fx map[string][]byte) {
	names := sortedKeys(fx)
	for _, n := range names {
		p := filepath.Join(dir, strings.TrimSuffix(n, "/"))
		if strings.HasSuffix(n, "/") {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.WriteFile(p, fx[n], 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Times last, deepest first (writing a child touches its parent).
	for i := len(names) - 1; i >= 0; i-- {
		os.Chtimes(filepath.Join(dir, strings.TrimSuffix(names[i], "/")), fixtureTime, fixtureTime)
	}
}

func sortedKeys(m map[string][]byte) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// result is one command's outcome.
type result struct {
	code           int
	stdout, stderr string
}

// noise are log lines of Hadoop's that are no part of FsShell's output.
var noise = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (WARN|INFO) (util\.NativeCodeLoader|Configuration\.deprecation|compress\.CodecPool|sasl\.|impl\.MetricsConfig|hdfs\.DFSUtil)`)

var logTime = regexp.MustCompile(`(?m)^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} `)

var dateRE = regexp.MustCompile(`\b(\d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)?)\b|\b(1\d{12})\b`)

// normalize filters noise and replaces recent dates and millisecond
// times by <now>.
func normalize(s string, now time.Time) string {
	var lines []string
	for _, l := range strings.SplitAfter(s, "\n") {
		if noise.MatchString(l) {
			continue
		}
		lines = append(lines, l)
	}
	s = strings.Join(lines, "")
	s = logTime.ReplaceAllString(s, "<log time> ")
	return dateRE.ReplaceAllStringFunc(s, func(m string) string {
		var tm time.Time
		var err error
		switch {
		case len(m) == 13 && !strings.Contains(m, "-"):
			ms, _ := strconv.ParseInt(m, 10, 64)
			tm = time.UnixMilli(ms)
		case len(m) == 16:
			tm, err = time.ParseInLocation("2006-01-02 15:04", m, time.Local)
		default:
			tm, err = time.ParseInLocation("2006-01-02 15:04:05", m, time.UTC)
		}
		if err == nil && tm.Sub(now).Abs() < 24*time.Hour {
			return "<now>"
		}
		return m
	})
}

// snapshot describes a local tree: one line per entry with its mode and
// the hash of its bytes; directory sizes and times are left out.
func snapshot(t *testing.T, dir string) string {
	var b strings.Builder
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		fi, err := os.Lstat(p)
		if err != nil {
			return nil
		}
		if d.IsDir() {
			fmt.Fprintf(&b, "%s/ %v\n", rel, fi.Mode())
			return nil
		}
		data, _ := os.ReadFile(p)
		fmt.Fprintf(&b, "%s %v %d %x\n", rel, fi.Mode(), len(data), sha256.Sum256(data))
		return nil
	})
	return b.String()
}

// hdfsSnapshot is snapshot on HDFS under dir.
func hdfsSnapshot(t *testing.T, ctx context.Context, h *hdfs.FS, dir string) string {
	var b strings.Builder
	var walk func(p, rel string)
	walk = func(p, rel string) {
		sts, err := h.ListStatus(ctx, p)
		if err != nil {
			fmt.Fprintf(&b, "%s: %v\n", rel, err)
			return
		}
		for _, st := range sts {
			r := path.Join(rel, path.Base(st.Path))
			if st.IsDir {
				fmt.Fprintf(&b, "%s/ %v %s:%s\n", r, st.Perm, st.Owner, st.Group)
				walk(st.Path, r)
				continue
			}
			rc, err := h.Open(ctx, st.Path, 0)
			if err != nil {
				fmt.Fprintf(&b, "%s: %v\n", r, err)
				continue
			}
			var buf bytes.Buffer
			buf.ReadFrom(rc)
			rc.Close()
			fmt.Fprintf(&b, "%s %v %d r%d %x\n", r, st.Perm, buf.Len(), st.Replication, sha256.Sum256(buf.Bytes()))
		}
	}
	walk(dir, ".")
	return b.String()
}

// side runs one case's commands: oracle or zebra.
type side func(ctx context.Context, args []string, dir string) result

func oracleSide(t *testing.T, root, confDir string) side {
	lib := filepath.Join(cacheDir(), "hadoop-3.4.1", "lib")
	return func(ctx context.Context, args []string, dir string) result {
		java := "java"
		if jh := os.Getenv("JAVA_HOME"); jh != "" {
			java = filepath.Join(jh, "bin", "java")
		}
		cmd := exec.CommandContext(ctx, java, append([]string{"-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto",
			"-Dlog4j.configuration=file:" + filepath.Join(root, "scripts", "hadoop-oracle", "log4j.properties"),
			"-cp", confDir + string(os.PathListSeparator) + filepath.Join(lib, "*"),
			"org.apache.hadoop.fs.FsShell"}, args...)...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "HADOOP_CONF_DIR="+confDir)
		var so, se bytes.Buffer
		cmd.Stdout, cmd.Stderr = &so, &se
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("run FsShell: %v", err)
		}
		return result{code, so.String(), se.String()}
	}
}

func zebraSide(confDir string) side {
	return func(ctx context.Context, args []string, dir string) result {
		conf, err := hdfs.LoadConf(confDir)
		if err != nil {
			return result{code: -2, stderr: err.Error()}
		}
		reg := &mapreduce.Registry{}
		localfs.Register(reg, &localfs.FS{Checksums: true})
		st := fsshell.RegisterHDFS(reg, hdfs.Options{Conf: conf}, nil)
		defer st.Close()
		var so, se bytes.Buffer
		code := fsshell.Run(ctx, args, &fsshell.Env{Stdout: &so, Stderr: &se, Stdin: strings.NewReader(""),
			Dir: dir, Registry: reg, HadoopConf: conf})
		return result{code, so.String(), se.String()}
	}
}

func cacheDir() string {
	if d := os.Getenv("ZEBRA_CACHE"); d != "" {
		return d
	}
	h, _ := os.UserHomeDir()
	return filepath.Join(h, ".cache", "zebra")
}

func moduleRoot(t *testing.T) string {
	wd, _ := os.Getwd()
	for d := wd; ; d = filepath.Dir(d) {
		if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil && bytes.HasPrefix(b, []byte("module zebra")) {
			return d
		}
		if filepath.Dir(d) == d {
			t.Fatal("zebra module root not found")
		}
	}
}

func writeCoreSite(t *testing.T, dir, defaultFS string) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var props string
	if defaultFS != "" {
		props = "<property><name>fs.defaultFS</name><value>" + defaultFS + "</value></property>\n"
	}
	if err := os.WriteFile(filepath.Join(dir, "core-site.xml"), []byte("<?xml version=\"1.0\"?>\n<configuration>\n"+props+"</configuration>\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestFsShellConformance(t *testing.T) {
	if testing.Short() {
		t.Skip("FsShell conformance suite skipped under -short")
	}
	if !envOn("ZEBRA_CONFORMANCE") {
		t.Skip("FsShell conformance suite skipped: set ZEBRA_CONFORMANCE=1 to run Hadoop's FsShell against zebra fs; needs java and mvn")
	}
	root := moduleRoot(t)
	inst := exec.Command("bash", filepath.Join(root, "scripts", "hadoop-oracle.sh"), "install")
	inst.Dir = root
	if out, err := inst.CombinedOutput(); err != nil {
		t.Fatalf("hadoop-oracle.sh install: %v\n%s", err, out)
	}
	cases := loadCases(t)
	if re := os.Getenv("ZEBRA_FSSHELL_CASES"); re != "" {
		rx, err := regexp.Compile(re)
		if err != nil {
			t.Fatal(err)
		}
		var sel []*fsCase
		for _, c := range cases {
			if rx.MatchString(c.name) {
				sel = append(sel, c)
			}
		}
		cases = sel
	}
	if len(cases) == 0 {
		t.Fatal("no cases selected")
	}
	tmp := t.TempDir()
	fx := fixture(t)

	t.Run("local", func(t *testing.T) {
		conf := filepath.Join(tmp, "conf-local")
		writeCoreSite(t, conf, "")
		hadoop, zebra := oracleSide(t, root, conf), zebraSide(conf)
		for _, c := range cases {
			if c.hdfs {
				continue
			}
			t.Run(c.name, func(t *testing.T) {
				run := func(s side, name string) ([]result, string) {
					dir := filepath.Join(tmp, "local", c.name, name)
					if err := os.MkdirAll(dir, 0o755); err != nil {
						t.Fatal(err)
					}
					writeLocalFixture(t, dir, fx)
					var rs []result
					for _, args := range c.lines {
						rs = append(rs, unDir(s(context.Background(), args, dir), dir))
					}
					return rs, snapshot(t, dir)
				}
				hr, hs := run(hadoop, "hadoop")
				zr, zs := run(zebra, "zebra")
				compare(t, c, hr, zr)
				if hs != zs {
					t.Errorf("files left differ:\n--- hadoop:\n%s--- zebra:\n%s", hs, zs)
				}
			})
		}
	})

	t.Run("hdfs", func(t *testing.T) {
		nn := os.Getenv("ZEBRA_HDFS")
		if nn == "" {
			if err := minicluster.Available(); err != nil {
				t.Skip("no HDFS to run on: " + err.Error())
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			cl, err := minicluster.Start(ctx, filepath.Join(tmp, "hdfs"))
			cancel()
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				if err := cl.Stop(); err != nil {
					t.Error(err)
				}
			})
			nn = cl.URI
		}
		nn = strings.TrimSuffix(nn, "/")
		os.Unsetenv("HADOOP_USER_NAME")
		conf := filepath.Join(tmp, "conf-hdfs")
		writeCoreSite(t, conf, nn)
		admin, err := hdfs.New(strings.TrimPrefix(nn, "hdfs://"), hdfs.Options{Conf: map[string]string{}})
		if err != nil {
			t.Fatal(err)
		}
		defer admin.Close()
		home := admin.Home()
		hadoop, zebra := oracleSide(t, root, conf), zebraSide(conf)
		ctx := context.Background()
		for _, c := range cases {
			if c.local {
				continue
			}
			t.Run(c.name, func(t *testing.T) {
				run := func(s side, name string) ([]result, string, string) {
					dir := filepath.Join(tmp, "hdfs-local", c.name, name)
					if err := os.MkdirAll(dir, 0o755); err != nil {
						t.Fatal(err)
					}
					writeLocalFixture(t, dir, fx)
					if err := admin.RemoveAll(ctx, home); err != nil {
						t.Fatal(err)
					}
					writeHDFSFixture(t, ctx, admin, home, fx)
					var rs []result
					for _, args := range c.lines {
						rs = append(rs, unDir(s(ctx, args, dir), dir))
					}
					return rs, snapshot(t, dir), hdfsSnapshot(t, ctx, admin, home)
				}
				hr, hl, hh := run(hadoop, "hadoop")
				zr, zl, zh := run(zebra, "zebra")
				compare(t, c, hr, zr)
				if hl != zl {
					t.Errorf("local files left differ:\n--- hadoop:\n%s--- zebra:\n%s", hl, zl)
				}
				if hh != zh {
					t.Errorf("HDFS files left differ:\n--- hadoop:\n%s--- zebra:\n%s", hh, zh)
				}
			})
		}
	})
}

func writeHDFSFixture(t *testing.T, ctx context.Context, h *hdfs.FS, home string, fx map[string][]byte) {
	if err := h.MkdirAll(ctx, home); err != nil {
		t.Fatal(err)
	}
	names := sortedKeys(fx)
	for _, n := range names {
		p := path.Join(home, strings.TrimSuffix(n, "/"))
		if strings.HasSuffix(n, "/") {
			if err := h.MkdirAll(ctx, p); err != nil {
				t.Fatal(err)
			}
			continue
		}
		w, err := h.Create(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(fx[n])
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	for i := len(names) - 1; i >= 0; i-- {
		if err := h.Chtimes(ctx, path.Join(home, strings.TrimSuffix(names[i], "/")), fixtureTime, fixtureTime); err != nil {
			t.Fatal(err)
		}
	}
}

func compare(t *testing.T, c *fsCase, h, z []result) {
	t.Helper()
	now := time.Now()
	for i := range h {
		cmd := "fs " + strings.Join(c.lines[i], " ")
		if h[i].code != z[i].code {
			t.Errorf("%s: exit code: hadoop %d, zebra %d\n--- hadoop stderr:\n%s--- zebra stderr:\n%s", cmd, h[i].code, z[i].code, normalize(h[i].stderr, now), z[i].stderr)
		}
		if a, b := normalize(h[i].stdout, now), normalize(z[i].stdout, now); a != b {
			t.Errorf("%s: stdout differs:\n--- hadoop:\n%s--- zebra:\n%s", cmd, a, b)
		}
		if a, b := normalize(h[i].stderr, now), normalize(z[i].stderr, now); a != b {
			t.Errorf("%s: stderr differs:\n--- hadoop:\n%s--- zebra:\n%s", cmd, shortUsage(a), shortUsage(b))
		}
	}
}

// shortUsage abbreviates FsShell's long usage text in a message.
func shortUsage(s string) string {
	i := strings.Index(s, "Usage: hadoop fs [generic options]\n")
	j := strings.Index(s, "command [genericOptions] [commandOptions]\n")
	if i < 0 || j < i {
		return s
	}
	return s[:i] + "<usage text>\n" + s[j+len("command [genericOptions] [commandOptions]\n"):]
}

// unDir replaces a side's own working directory by <dir> in r.
func unDir(r result, dir string) result {
	r.stdout = strings.ReplaceAll(r.stdout, dir, "<dir>")
	r.stderr = strings.ReplaceAll(r.stderr, dir, "<dir>")
	return r
}
