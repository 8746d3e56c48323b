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
// The oracle runs all cases' command lines in one JVM per file system
// (testdata/FsShellBatch.java, which runs each as FsShell.main in a fresh
// JVM would: its own stdout, stderr, empty stdin, exit code, no FileSystem
// kept), as a JVM start costs more than the command; ZEBRA_FSSHELL_ORACLE_CHECK=1 also runs every case
// with a fresh JVM per command, as `hadoop fs` does, and fails where the two
// differ.
//
// Dates: the fixture's files carry fixed times, which must print
// identically; a date within a day of now (a file a command just made) is
// replaced by <now> on both sides before comparing, as the two runs happen
// minutes apart.

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"zebra/adapters/fsshell"
	"zebra/adapters/hdfs"
	"zebra/adapters/hdfs/minicluster"
	"zebra/adapters/localfs"
	"zebra/mapreduce"

	"zebra/mapreduce/mrtest/suite"
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

// side runs a case's command lines, one after another, in the case's
// directory dir: start readies it and gives the function that runs one
// command line and the one that ends the run (which must be called, once
// or more, before dir is examined).
type side func(t *testing.T, dir string) (run func(ctx context.Context, args []string) result, end func())

// oracle runs Hadoop's FsShell: by default all of a case's command lines
// in one JVM (testdata/FsShellBatch.java, compiled into classes), each
// line as a fresh JVM would run it; a line that changes JVM-wide state
// (freshJVMOnly) in a JVM of its own. fresh: every line in a JVM of its
// own, as `hadoop fs` does (the suite's former oracle, kept for
// ZEBRA_FSSHELL_ORACLE_CHECK).
type oracle struct {
	java    string
	flags   []string // JVM options up to and including the classpath's -cp
	cp      string
	classes string // the compiled FsShellBatch
	confDir string
	fresh   bool

	batch    *batchJVM // the running FsShellBatch, if any
	batchDir string    // its working directory
}

func newOracle(t *testing.T, root, confDir, classes string, fresh bool) *oracle {
	lib := filepath.Join(cacheDir(), "hadoop-3.4.1", "lib")
	return &oracle{
		java: javaTool("java"),
		flags: []string{"-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto",
			"-Dlog4j.configuration=file:" + filepath.Join(root, "scripts", "hadoop-oracle", "log4j.properties")},
		cp:      confDir + string(os.PathListSeparator) + filepath.Join(lib, "*"),
		classes: classes,
		confDir: confDir,
		fresh:   fresh,
	}
}

func javaTool(name string) string {
	if jh := os.Getenv("JAVA_HOME"); jh != "" {
		return filepath.Join(jh, "bin", name)
	}
	return name
}

// compileBatch compiles testdata/FsShellBatch.java into a directory under
// tmp and returns it.
func compileBatch(t *testing.T, tmp string) string {
	out := filepath.Join(tmp, "fsshell-batch-classes")
	lib := filepath.Join(cacheDir(), "hadoop-3.4.1", "lib")
	cmd := exec.Command(javaTool("javac"), "-d", out, "-cp", filepath.Join(lib, "*"), filepath.Join("testdata", "FsShellBatch.java"))
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("compile testdata/FsShellBatch.java: %v\n%s", err, b)
	}
	return out
}

// freshJVMOnly reports whether a command line has a generic option whose
// effect outlives the command in a JVM (the thread's context class loader
// for -libjars, -files and -archives, the current user's credentials for
// -tokenCacheFile), or -conf, so that FsShellBatch could not run it as a
// fresh JVM does. It errs on the safe side: such a word anywhere counts.
func freshJVMOnly(args []string) bool {
	for _, a := range args {
		switch strings.TrimLeft(a, "-") {
		case "libjars", "files", "archives", "tokenCacheFile", "conf":
			if strings.HasPrefix(a, "-") {
				return true
			}
		}
	}
	return false
}

// side runs a case's command lines in dir. The batch JVM outlives the
// case, for the next case in the same directory (a JVM cannot change its
// working directory); close ends it.
func (o *oracle) side(t *testing.T, dir string) (func(context.Context, []string) result, func()) {
	return func(ctx context.Context, args []string) result {
			if o.fresh || freshJVMOnly(args) {
				return o.runFresh(t, ctx, args, dir)
			}
			if o.batch != nil && o.batch.dead {
				o.batch = nil
			}
			if o.batch != nil && o.batchDir != dir {
				o.close(t)
			}
			if o.batch == nil {
				o.batch, o.batchDir = o.startBatch(t, dir), dir
			}
			return o.batch.run(t, args)
		}, func() {
			if o.batch != nil {
				o.batch.checkStderr(t)
			}
		}
}

// close ends the batch JVM, if one runs.
func (o *oracle) close(t *testing.T) {
	if b := o.batch; b != nil && !b.dead {
		o.batch = nil
		b.end(t)
	}
}

// runFresh runs one command line as `hadoop fs` does: FsShell in a JVM of
// its own, stdin /dev/null.
func (o *oracle) runFresh(t *testing.T, ctx context.Context, args []string, dir string) result {
	cmd := exec.CommandContext(ctx, o.java, append(append(append([]string{}, o.flags...), "-cp", o.cp,
		"org.apache.hadoop.fs.FsShell"), args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HADOOP_CONF_DIR="+o.confDir)
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

// batchJVM is a running FsShellBatch.
type batchJVM struct {
	cmd    *exec.Cmd
	in     io.WriteCloser
	out    *bufio.Reader
	stderr lockedBuffer // the JVM's own stderr: empty unless it fails
	dead   bool         // failed and waited for
}

// lockedBuffer is a bytes.Buffer an exec.Cmd may write while it is read.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (o *oracle) startBatch(t *testing.T, dir string) *batchJVM {
	b := &batchJVM{}
	b.cmd = exec.Command(o.java, append(append([]string{}, o.flags...), "-cp",
		o.cp+string(os.PathListSeparator)+o.classes, "FsShellBatch")...)
	b.cmd.Dir = dir
	b.cmd.Env = append(os.Environ(), "HADOOP_CONF_DIR="+o.confDir)
	b.cmd.Stderr = &b.stderr
	var err error
	if b.in, err = b.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	out, err := b.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	b.out = bufio.NewReader(out)
	if err := b.cmd.Start(); err != nil {
		t.Fatalf("start FsShellBatch: %v", err)
	}
	return b
}

// run sends one command line to the JVM and reads its outcome.
func (b *batchJVM) run(t *testing.T, args []string) result {
	req := []string{strconv.Itoa(len(args))}
	for _, a := range args {
		req = append(req, ":"+base64.StdEncoding.EncodeToString([]byte(a)))
	}
	if _, err := io.WriteString(b.in, strings.Join(req, " ")+"\n"); err != nil {
		b.fail(t, args, fmt.Errorf("send request: %w", err))
	}
	line, err := b.out.ReadString('\n')
	if err != nil {
		b.fail(t, args, fmt.Errorf("read outcome: %w", err))
	}
	f := strings.Split(strings.TrimSuffix(line, "\n"), " ")
	if len(f) != 3 {
		b.fail(t, args, fmt.Errorf("bad outcome line %q", line))
	}
	code, err1 := strconv.Atoi(f[0])
	so, err2 := base64.StdEncoding.DecodeString(f[1])
	se, err3 := base64.StdEncoding.DecodeString(f[2])
	if err := errors.Join(err1, err2, err3); err != nil {
		b.fail(t, args, fmt.Errorf("bad outcome line: %w", err))
	}
	return result{code, string(so), string(se)}
}

func (b *batchJVM) fail(t *testing.T, args []string, err error) {
	t.Helper()
	b.dead = true
	b.in.Close()
	werr := b.cmd.Wait()
	t.Fatalf("FsShellBatch, command fs %s: %v (JVM: %v)\n--- its stderr:\n%s", strings.Join(args, " "), err, werr, b.stderr.String())
}

// end closes the JVM's stdin and waits for it to exit.
func (b *batchJVM) end(t *testing.T) {
	b.in.Close()
	if err := b.cmd.Wait(); err != nil || b.stderr.String() != "" {
		t.Fatalf("FsShellBatch: %v\n--- its stderr:\n%s", err, b.stderr.String())
	}
}

// checkStderr fails if the JVM wrote to its own stderr (not a command's).
func (b *batchJVM) checkStderr(t *testing.T) {
	if s := b.stderr.String(); s != "" {
		t.Fatalf("FsShellBatch wrote to its stderr:\n%s", s)
	}
}

func zebraSide(confDir string) side {
	return func(t *testing.T, dir string) (func(context.Context, []string) result, func()) {
		return func(ctx context.Context, args []string) result {
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
		}, func() {}
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
	// live: Hadoop's FsShell runs too (and on HDFS); otherwise the local
	// cases compare zebra with Hadoop's stored outputs.
	live, why := suite.Enabled(suite.Hadoop)
	record := envOn("ZEBRA_ORACLE_RECORD")
	if record && !live {
		t.Fatalf("ZEBRA_ORACLE_RECORD=1 records live Hadoop's outputs, but %s", why)
	}
	root := moduleRoot(t)
	if live {
		inst := exec.Command("bash", filepath.Join(root, "scripts", "hadoop-oracle.sh"), "install")
		inst.Dir = root
		if out, err := inst.CombinedOutput(); err != nil {
			t.Fatalf("hadoop-oracle.sh install: %v\n%s", err, out)
		}
	} else {
		if os.Geteuid() != 0 {
			t.Skipf("Hadoop's stored FsShell outputs were recorded as root (owners in listings, chown): run as root, or against live Hadoop (%s)", why)
		}
		t.Logf("local cases compared with Hadoop's stored outputs (%s; %s records them): %s", storedFile, recordScript, why)
	}
	cases := loadCases(t)
	selected := false
	if re := os.Getenv("ZEBRA_FSSHELL_CASES"); re != "" {
		selected = true
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
	stored, err := loadStored()
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	fx := fixture(t)
	var classes string
	if live {
		classes = compileBatch(t, tmp)
	}
	// check: also run every case's oracle side with a fresh JVM per
	// command, as `hadoop fs` does, and require the same outcome as the
	// batch JVM's: the check that FsShellBatch is a faithful oracle.
	check := envOn("ZEBRA_FSSHELL_ORACLE_CHECK")

	t.Run("local", func(t *testing.T) {
		conf := filepath.Join(tmp, "conf-local")
		writeCoreSite(t, conf, "")
		zebra := zebraSide(conf)
		var hadoop, fresh side
		if live {
			or := newOracle(t, root, conf, classes, false)
			t.Cleanup(func() { or.close(t) })
			hadoop, fresh = or.side, newOracle(t, root, conf, classes, true).side
		}
		recorded := map[string]storedCase{}
		if selected {
			recorded = stored
		}
		for _, c := range cases {
			if c.hdfs {
				continue
			}
			t.Run(c.name, func(t *testing.T) {
				run := func(s side, name string) ([]result, string) {
					dir := caseDir(t, filepath.Join(tmp, "local"), c.name, name)
					writeLocalFixture(t, dir, fx)
					cmd, end := s(t, dir)
					defer end()
					var rs []result
					for _, args := range c.lines {
						rs = append(rs, unDir(cmd(context.Background(), args), dir))
					}
					end()
					return rs, snapshot(t, dir)
				}
				var hr []result
				var hs string
				if live {
					hr, hs = run(hadoop, "hadoop")
					if check {
						fr, fsn := run(fresh, "hadoop-fresh")
						compare(t, c, "hadoop (fresh JVMs)", fr, "hadoop (FsShellBatch)", hr)
						if fsn != hs {
							t.Errorf("files left differ:\n--- hadoop (fresh JVMs):\n%s--- hadoop (FsShellBatch):\n%s", fsn, hs)
						}
					}
					if record {
						recorded[c.name] = toStored(c, hr, hs)
						return
					}
					if sr, ss, err := storedFor(stored, c); err != nil {
						t.Error(err)
					} else if !t.Run("stored-equals-live", func(t *testing.T) {
						compare(t, c, "stored hadoop", sr, "live hadoop", hr)
						if ss != hs {
							t.Errorf("files left differ:\n--- stored hadoop:\n%s--- live hadoop:\n%s", ss, hs)
						}
					}) {
						t.Errorf("the stored Hadoop output of FsShell case %s differs from live Hadoop's (above): re-record it with %s ZEBRA_FSSHELL_CASES='^%s$'",
							c.name, recordScript, c.name)
					}
				} else if hr, hs, err = storedFor(stored, c); err != nil {
					t.Fatal(err)
				}
				zr, zs := run(zebra, "zebra")
				if !live {
					zr = sameOrderAsStored(t, c, hr, zr)
				}
				compare(t, c, "hadoop", hr, "zebra", zr)
				if hs != zs {
					t.Errorf("files left differ:\n--- hadoop:\n%s--- zebra:\n%s", hs, zs)
				}
			})
		}
		if record {
			if err := saveStored(recorded); err != nil {
				t.Fatal(err)
			}
			t.Logf("recorded %d cases in %s", len(recorded), storedFile)
		}
	})

	t.Run("hdfs", func(t *testing.T) {
		suite.Require(t, suite.HDFS)
		if !live {
			t.Skip("FsShell on HDFS is compared with live Hadoop only (HDFS itself needs Java): " + why)
		}
		if record {
			t.Skip("ZEBRA_ORACLE_RECORD=1 records the local cases only")
		}
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
		or := newOracle(t, root, conf, classes, false)
		t.Cleanup(func() { or.close(t) })
		hadoop, fresh, zebra := or.side, newOracle(t, root, conf, classes, true).side, zebraSide(conf)
		ctx := context.Background()
		for _, c := range cases {
			if c.local {
				continue
			}
			t.Run(c.name, func(t *testing.T) {
				run := func(s side, name string) ([]result, string, string) {
					dir := caseDir(t, filepath.Join(tmp, "hdfs-local"), c.name, name)
					writeLocalFixture(t, dir, fx)
					if err := admin.RemoveAll(ctx, home); err != nil {
						t.Fatal(err)
					}
					writeHDFSFixture(t, ctx, admin, home, fx)
					cmd, end := s(t, dir)
					defer end()
					var rs []result
					for _, args := range c.lines {
						rs = append(rs, unDir(cmd(ctx, args), dir))
					}
					end()
					return rs, snapshot(t, dir), hdfsSnapshot(t, ctx, admin, home)
				}
				hr, hl, hh := run(hadoop, "hadoop")
				if check {
					fr, fl, fh := run(fresh, "hadoop-fresh")
					compare(t, c, "hadoop (fresh JVMs)", fr, "hadoop (FsShellBatch)", hr)
					if fl != hl {
						t.Errorf("local files left differ:\n--- hadoop (fresh JVMs):\n%s--- hadoop (FsShellBatch):\n%s", fl, hl)
					}
					if fh != hh {
						t.Errorf("HDFS files left differ:\n--- hadoop (fresh JVMs):\n%s--- hadoop (FsShellBatch):\n%s", fh, hh)
					}
				}
				zr, zl, zh := run(zebra, "zebra")
				compare(t, c, "hadoop", hr, "zebra", zr)
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

// caseDir makes the empty local directory a case's side runs in: under
// base, the case's own, except for the batch oracle ("hadoop"), whose JVM
// runs every case and so stays in one directory, emptied for each case.
func caseDir(t *testing.T, base, caseName, sideName string) string {
	dir := filepath.Join(base, caseName, sideName)
	if sideName == "hadoop" {
		dir = filepath.Join(base, sideName)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	return dir
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

// compare requires each command's outcome in z (named zn) to be h's (hn).
func compare(t *testing.T, c *fsCase, hn string, h []result, zn string, z []result) {
	t.Helper()
	now := time.Now()
	for i := range h {
		cmd := "fs " + strings.Join(c.lines[i], " ")
		if h[i].code != z[i].code {
			t.Errorf("%s: exit code: %s %d, %s %d\n--- %s stderr:\n%s--- %s stderr:\n%s", cmd, hn, h[i].code, zn, z[i].code, hn, normalize(h[i].stderr, now), zn, z[i].stderr)
		}
		if a, b := normalize(h[i].stdout, now), normalize(z[i].stdout, now); a != b {
			t.Errorf("%s: stdout differs:\n--- %s:\n%s--- %s:\n%s", cmd, hn, a, zn, b)
		}
		if a, b := normalize(h[i].stderr, now), normalize(z[i].stderr, now); a != b {
			t.Errorf("%s: stderr differs:\n--- %s:\n%s--- %s:\n%s", cmd, hn, shortUsage(a), zn, shortUsage(b))
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
