package streaming_test

// Bad-input tests: the zebra binary is run on broken command lines, broken
// programs and hostile data, and must fail (or succeed) as Hadoop streaming
// does — same exit code (docs/hadoop-observed.md, scripts/hadoop-oracle.sh),
// a specific message on stderr — without losing anything: an existing
// output directory stays untouched, a failed job leaves no _SUCCESS and no
// part files under their final names, inputs are never modified.

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"zebra/streaming"

	"zebra/mapreduce/mrtest/suite"
	"zebra/mapreduce/mrtest/zebratest"
)

var (
	biOnce   sync.Once
	biTmp    string // holds the binary; removed by TestMain
	biBin    string
	biErr    error
	biRootMu sync.Mutex
)

func TestMain(m *testing.M) {
	if n := os.Getenv(streaming.SmallWritesEnv); n != "" {
		streaming.SmallWrites(n) // a child of BenchmarkStdoutReader
		return
	}
	code := m.Run()
	biRootMu.Lock()
	if biTmp != "" {
		os.RemoveAll(biTmp)
	}
	biRootMu.Unlock()
	os.Exit(code)
}

// biZebra builds cmd/zebra once per test binary (lazily, so that unit tests
// and fuzzing of this package do not pay for it) and returns its path.
func biZebra(t *testing.T) string {
	t.Helper()
	biOnce.Do(func() {
		root, err := zebratest.ModuleRoot()
		if err != nil {
			biErr = err
			return
		}
		tmp, err := os.MkdirTemp("", "zebra-badinput-bin-")
		if err != nil {
			biErr = err
			return
		}
		biRootMu.Lock()
		biTmp = tmp
		biRootMu.Unlock()
		bin := filepath.Join(tmp, "zebra")
		cmd := exec.Command("go", "build", "-o", bin, "./cmd/zebra")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			biErr = fmt.Errorf("go build ./cmd/zebra: %v\n%s", err, out)
			return
		}
		biBin = bin
	})
	if biErr != nil {
		t.Fatal(biErr)
	}
	return biBin
}

// biResult is one zebra run.
type biResult struct {
	code           int
	stdout, stderr string
}

// biJob is a temp working directory for one zebra run, with its own
// ZEBRA_HOME (task logs) outside the working directory.
type biJob struct {
	t    *testing.T
	dir  string
	home string
	env  []string
}

func newBIJob(t *testing.T) *biJob {
	t.Helper()
	base := t.TempDir()
	j := &biJob{t: t, dir: filepath.Join(base, "work"), home: filepath.Join(base, "zhome")}
	if err := os.MkdirAll(j.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return j
}

func (j *biJob) path(name string) string { return filepath.Join(j.dir, name) }

func (j *biJob) write(name, content string, mode fs.FileMode) {
	j.t.Helper()
	p := j.path(name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		j.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		j.t.Fatal(err)
	}
	// WriteFile keeps the mode of an existing file and is subject to umask.
	if err := os.Chmod(p, mode); err != nil {
		j.t.Fatal(err)
	}
}

// run runs `zebra streaming args...` in the job directory.
func (j *biJob) run(args ...string) biResult {
	j.t.Helper()
	cmd := exec.Command(biZebra(j.t), append([]string{"streaming"}, args...)...)
	cmd.Dir = j.dir
	env := []string{}
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); k == "ZEBRA_HOME" || k == "ZEBRA_SLOTS" {
			continue
		}
		env = append(env, kv)
	}
	cmd.Env = append(append(env, "ZEBRA_HOME="+j.home), j.env...)
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		j.t.Fatalf("run zebra: %v", err)
	}
	r := biResult{code: cmd.ProcessState.ExitCode(), stdout: so.String(), stderr: se.String()}
	j.t.Logf("zebra streaming %q: exit %d\n--- stderr (tail) ---\n%s", args, r.code, biTail(r.stderr, 40))
	return r
}

func biTail(s string, lines int) string {
	l := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(l) > lines {
		l = l[len(l)-lines:]
	}
	return strings.Join(l, "\n")
}

func (r biResult) expect(t *testing.T, code int, phrases ...string) {
	t.Helper()
	if r.code != code {
		t.Errorf("exit code %d, want %d", r.code, code)
	}
	for _, p := range phrases {
		if !strings.Contains(r.stderr, p) {
			t.Errorf("stderr lacks %q", p)
		}
	}
	if code != 0 && !strings.Contains(r.stderr, "Streaming Command Failed!") {
		t.Errorf("stderr lacks the closing %q", "Streaming Command Failed!")
	}
}

// biFile is what must not change about a file or directory.
type biFile struct {
	mode  fs.FileMode
	size  int64
	mtime time.Time
	hash  string
}

// biSnapshot records every entry under root (root itself included, as ".").
func biSnapshot(t *testing.T, root string) map[string]biFile {
	t.Helper()
	snap := map[string]biFile{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		f := biFile{mode: fi.Mode(), size: fi.Size(), mtime: fi.ModTime()}
		if fi.Mode().IsRegular() {
			f.hash = biHashFile(t, p)
		}
		if fi.IsDir() {
			f.size = 0 // a directory's size is not content
		}
		snap[rel] = f
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

func biHashFile(t *testing.T, p string) string {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func biSameSnapshot(t *testing.T, what string, before, after map[string]biFile) {
	t.Helper()
	for name, b := range before {
		a, ok := after[name]
		switch {
		case !ok:
			t.Errorf("%s: %s was removed", what, name)
		case a != b:
			t.Errorf("%s: %s changed: before %+v, after %+v", what, name, b, a)
		}
	}
	for name := range after {
		if _, ok := before[name]; !ok {
			t.Errorf("%s: %s appeared", what, name)
		}
	}
}

// biInputs snapshots the job directory's inputs: everything but the output
// directory.
func biInputs(t *testing.T, j *biJob, out string) map[string]biFile {
	t.Helper()
	snap := biSnapshot(t, j.dir)
	for name := range snap {
		if name == "." || name == out || strings.HasPrefix(name, out+string(filepath.Separator)) {
			delete(snap, name)
		}
	}
	return snap
}

// biNoOutput checks a failed job's output directory: absent, or (as Hadoop
// leaves it) empty — in particular no _SUCCESS and no part file.
func biNoOutput(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	for _, n := range names {
		if n == "_SUCCESS" || strings.HasPrefix(n, "part-") || strings.HasPrefix(n, ".part-") {
			t.Errorf("failed job left %s in %s", n, dir)
		}
	}
	if len(names) > 0 {
		t.Errorf("failed job left entries in the output directory: %q (Hadoop leaves it empty)", names)
	}
}

// biSuccess checks a successful job's output directory and returns its part
// file names, sorted.
func biSuccess(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("output directory: %v", err)
	}
	var parts []string
	success := false
	for _, e := range entries {
		switch n := e.Name(); {
		case n == "_SUCCESS":
			success = true
		case strings.HasPrefix(n, "part-"):
			parts = append(parts, n)
		case n == "_temporary":
			t.Errorf("_temporary left in %s", dir)
		}
	}
	if !success {
		t.Errorf("no _SUCCESS in %s", dir)
	}
	sort.Strings(parts)
	return parts
}

func biReadParts(t *testing.T, dir string, parts []string) []byte {
	t.Helper()
	var all []byte
	for _, p := range parts {
		b, err := os.ReadFile(filepath.Join(dir, p))
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	return all
}

// biTextOut is TextOutputFormat applied to a line that went through `cat`:
// a line without a tab becomes "line\t"; one with a tab is unchanged.
func biTextOut(line []byte) []byte {
	out := append([]byte(nil), line...)
	if !bytes.Contains(line, []byte{'\t'}) {
		out = append(out, '\t')
	}
	return append(out, '\n')
}

const biThreeLines = "hello world\nfoo bar\nhello again\n"

func TestBadInput(t *testing.T) {
	t.Run("unknown option", func(t *testing.T) {
		j := newBIJob(t)
		j.write("in.txt", biThreeLines, 0o644)
		in := biInputs(t, j, "out")
		r := j.run("-input", "in.txt", "-output", "out", "-mapper", "cat", "-foo")
		r.expect(t, 1, "ERROR streaming.StreamJob: Unrecognized option: -foo", "Try -help for more information")
		if !strings.Contains(r.stdout, "Usage:") {
			t.Errorf("stdout lacks the usage text, as Hadoop prints it")
		}
		biSameSnapshot(t, "inputs", in, biInputs(t, j, "out"))
		biNoOutput(t, j.path("out"))
	})

	t.Run("missing -input", func(t *testing.T) {
		j := newBIJob(t)
		r := j.run("-output", "out", "-mapper", "cat")
		r.expect(t, 1, "Required argument: -input <name>", "Try -help for more information")
		biNoOutput(t, j.path("out"))
	})

	t.Run("missing -output", func(t *testing.T) {
		j := newBIJob(t)
		j.write("in.txt", biThreeLines, 0o644)
		in := biInputs(t, j, "out")
		r := j.run("-input", "in.txt", "-mapper", "cat")
		r.expect(t, 1, "Required argument: -output", "Try -help for more information")
		biSameSnapshot(t, "inputs", in, biInputs(t, j, "out"))
	})

	t.Run("input path missing", func(t *testing.T) {
		j := newBIJob(t)
		j.write("other.txt", biThreeLines, 0o644)
		in := biInputs(t, j, "out")
		r := j.run("-input", "nosuch.txt", "-output", "out", "-mapper", "cat")
		r.expect(t, 5, "Error Launching job : Input path does not exist: file:"+j.path("nosuch.txt"))
		biSameSnapshot(t, "inputs", in, biInputs(t, j, "out"))
		if _, err := os.Stat(j.path("out")); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("output directory created for a job that never launched (stat: %v)", err)
		}
	})

	t.Run("bad zebra.locality", func(t *testing.T) {
		j := newBIJob(t)
		j.write("in.txt", biThreeLines, 0o644)
		in := biInputs(t, j, "out")
		r := j.run("-D", "zebra.locality=nope", "-input", "in.txt", "-output", "out", "-mapper", "cat")
		r.expect(t, 5, `Error Launching job : -D zebra.locality="nope": want on or off`)
		biSameSnapshot(t, "inputs", in, biInputs(t, j, "out"))
		biNoOutput(t, j.path("out"))
	})

	t.Run("output exists", func(t *testing.T) {
		j := newBIJob(t)
		j.write("in.txt", biThreeLines, 0o644)
		j.write("out/part-00000", "precious results\n", 0o644)
		j.write("out/notes.txt", "keep me\n", 0o600)
		old := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
		for _, p := range []string{"out/part-00000", "out/notes.txt", "out"} {
			if err := os.Chtimes(j.path(p), old, old); err != nil {
				t.Fatal(err)
			}
		}
		in := biInputs(t, j, "out")
		outBefore := biSnapshot(t, j.path("out"))
		r := j.run("-input", "in.txt", "-output", "out", "-mapper", "cat")
		r.expect(t, 5, "Error Launching job : Output directory file:"+j.path("out")+" already exists")
		biSameSnapshot(t, "existing output", outBefore, biSnapshot(t, j.path("out")))
		biSameSnapshot(t, "inputs", in, biInputs(t, j, "out"))
	})

	t.Run("mapper not found", func(t *testing.T) {
		j := newBIJob(t)
		j.write("in.txt", biThreeLines, 0o644)
		in := biInputs(t, j, "out")
		r := j.run("-input", "in.txt", "-output", "out", "-mapper", "nosuchcmd")
		r.expect(t, 1, `Cannot run program "nosuchcmd": error=2, No such file or directory`, "Job not successful!")
		biSameSnapshot(t, "inputs", in, biInputs(t, j, "out"))
		biNoOutput(t, j.path("out"))
	})

	// Hadoop runs the task in the client's cwd and makes a file named by the
	// command executable before running it (observed with the oracle: the
	// job succeeds and noexec.sh ends up 0755). zebra does the same.
	t.Run("mapper not executable and not shipped", func(t *testing.T) {
		j := newBIJob(t)
		j.write("in.txt", biThreeLines, 0o644)
		const script = "#!/bin/sh\ncat\n"
		j.write("noexec.sh", script, 0o644)
		r := j.run("-input", "in.txt", "-output", "out", "-mapper", "noexec.sh", "-numReduceTasks", "0")
		r.expect(t, 0)
		parts := biSuccess(t, j.path("out"))
		if got, want := string(biReadParts(t, j.path("out"), parts)), "hello world\t\nfoo bar\t\nhello again\t\n"; got != want {
			t.Errorf("output %q, want %q", got, want)
		}
		fi, err := os.Stat(j.path("noexec.sh"))
		if err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(j.path("noexec.sh")); string(b) != script {
			t.Errorf("script content changed: %q", b)
		}
		if fi.Mode().Perm()&0o100 == 0 {
			t.Errorf("noexec.sh mode %v: Hadoop makes it executable", fi.Mode())
		}
		t.Logf("noexec.sh mode after the job: %v (Hadoop: -rwxr-xr-x)", fi.Mode())
	})

	// Named by an absolute path, the file is not made executable (by Hadoop
	// or zebra): exec fails with EACCES, exit 1 (checked with the oracle).
	t.Run("mapper not executable, absolute path", func(t *testing.T) {
		j := newBIJob(t)
		j.write("in.txt", biThreeLines, 0o644)
		j.write("bin/noexec.sh", "#!/bin/sh\ncat\n", 0o644)
		in := biInputs(t, j, "out")
		script := j.path("bin/noexec.sh")
		r := j.run("-input", "in.txt", "-output", "out", "-mapper", script, "-numReduceTasks", "0")
		r.expect(t, 1, `Cannot run program "`+script+`": error=13, Permission denied`, "Job not successful!")
		biSameSnapshot(t, "inputs and script", in, biInputs(t, j, "out"))
		biNoOutput(t, j.path("out"))
	})

	t.Run("script crash", func(t *testing.T) {
		if _, err := exec.LookPath("python3"); err != nil {
			t.Skip("python3 not installed")
		}
		j := newBIJob(t)
		j.write("in.txt", biThreeLines, 0o644)
		j.write("crash.py", "#!/usr/bin/env python3\nimport sys\n\ndef boom(line):\n    raise ValueError(\"bad record: \" + line.strip())\n\nfor line in sys.stdin:\n    boom(line)\n", 0o755)
		in := biInputs(t, j, "out")
		r := j.run("-input", "in.txt", "-output", "out", "-mapper", "crash.py", "-reducer", "cat")
		r.expect(t, 1, "subprocess failed with code 1", "Job not successful!",
			"Traceback (most recent call last):", `raise ValueError("bad record: " + line.strip())`,
			"ValueError: bad record: hello world")
		// The failing attempt's stderr tail names its log file; the job's log
		// directory is named too.
		m := regexp.MustCompile(`full log: (\S+)\)`).FindStringSubmatch(r.stderr)
		if m == nil {
			t.Fatalf("stderr does not name the attempt's log file")
		}
		logFile := m[1]
		logs := filepath.Join(j.home, "logs")
		if !strings.HasPrefix(logFile, logs+string(filepath.Separator)) {
			t.Errorf("log file %s is not under ZEBRA_HOME/logs (%s)", logFile, logs)
		}
		jm := regexp.MustCompile(`Task logs: (\S+)`).FindStringSubmatch(r.stderr)
		if jm == nil {
			t.Errorf("stderr does not name the job's log directory")
		} else if !strings.HasPrefix(logFile, jm[1]+string(filepath.Separator)) {
			t.Errorf("attempt log %s is not inside the job log directory %s", logFile, jm[1])
		}
		b, err := os.ReadFile(logFile)
		if err != nil {
			t.Fatalf("attempt log: %v", err)
		}
		for _, p := range []string{"Traceback (most recent call last):", "ValueError: bad record: hello world"} {
			if !bytes.Contains(b, []byte(p)) {
				t.Errorf("attempt log lacks %q:\n%s", p, b)
			}
		}
		biSameSnapshot(t, "inputs", in, biInputs(t, j, "out"))
		biNoOutput(t, j.path("out"))
	})

	// A mapper that exits 0 without reading stdin, on an input much larger
	// than a pipe buffer. Hadoop fails the task ("java.io.IOException: Stream
	// closed" / "Broken pipe", exit 1, checked with scripts/hadoop-oracle.sh
	// for map-only and reduce jobs); zebra must too.
	t.Run("mapper never reads stdin", func(t *testing.T) {
		for _, mode := range []struct {
			name string
			args []string
		}{
			{"map-only", []string{"-numReduceTasks", "0"}},
			{"with reducer", []string{"-reducer", "cat"}},
		} {
			t.Run(mode.name, func(t *testing.T) {
				j := newBIJob(t)
				j.write("noread.sh", "#!/bin/sh\nexit 0\n", 0o755)
				var big strings.Builder
				for i := 0; big.Len() < 8<<20; i++ {
					fmt.Fprintf(&big, "record %d with some filler text to make it longer\n", i)
				}
				j.write("big.txt", big.String(), 0o644)
				in := biInputs(t, j, "out")
				args := append([]string{"-input", "big.txt", "-output", "out", "-mapper", "noread.sh"}, mode.args...)
				r := j.run(args...)
				r.expect(t, 1, "Broken pipe", "Job not successful!")
				biSameSnapshot(t, "inputs", in, biInputs(t, j, "out"))
				biNoOutput(t, j.path("out"))
			})
		}
	})

	// Hadoop's GenericOptionsParser ignores a -D value without '=' (the job
	// runs, exit 0); a non-numeric mapreduce.job.reduces fails with exit 1
	// (Hadoop itself prints no message for it; zebra must name the key).
	t.Run("malformed -D", func(t *testing.T) {
		t.Run("no equals sign is ignored", func(t *testing.T) {
			j := newBIJob(t)
			j.write("in.txt", biThreeLines, 0o644)
			r := j.run("-D", "foo", "-input", "in.txt", "-output", "out", "-mapper", "cat", "-numReduceTasks", "0")
			r.expect(t, 0)
			parts := biSuccess(t, j.path("out"))
			if got, want := string(biReadParts(t, j.path("out"), parts)), "hello world\t\nfoo bar\t\nhello again\t\n"; got != want {
				t.Errorf("output %q, want %q", got, want)
			}
		})
		t.Run("non-numeric reduces", func(t *testing.T) {
			j := newBIJob(t)
			j.write("in.txt", biThreeLines, 0o644)
			in := biInputs(t, j, "out")
			r := j.run("-D", "mapreduce.job.reduces=abc", "-input", "in.txt", "-output", "out", "-mapper", "cat")
			r.expect(t, 1, "mapreduce.job.reduces", "abc")
			biSameSnapshot(t, "inputs", in, biInputs(t, j, "out"))
			biNoOutput(t, j.path("out"))
		})
	})

	// -k0x: Hadoop's KeyFieldHelper throws NumberFormatException: For input
	// string: "0x" when the partitioner is configured (more than one reduce
	// task), failing the job with exit 1.
	t.Run("bad KeyField options", func(t *testing.T) {
		j := newBIJob(t)
		j.write("in.txt", biThreeLines, 0o644)
		in := biInputs(t, j, "out")
		r := j.run("-D", "mapreduce.partition.keypartitioner.options=-k0x",
			"-input", "in.txt", "-output", "out", "-mapper", "cat", "-reducer", "cat", "-numReduceTasks", "2",
			"-partitioner", "org.apache.hadoop.mapred.lib.KeyFieldBasedPartitioner")
		r.expect(t, 1, "-k0x")
		biSameSnapshot(t, "inputs", in, biInputs(t, j, "out"))
		biNoOutput(t, j.path("out"))
	})

	t.Run("non-UTF-8 and NUL bytes", func(t *testing.T) {
		lines := biBinaryLines()
		var data []byte
		for _, l := range lines {
			data = append(append(data, l...), '\n')
		}
		t.Run("map-only", func(t *testing.T) {
			j := newBIJob(t)
			j.write("bin.dat", string(data), 0o644)
			in := biInputs(t, j, "out")
			r := j.run("-input", "bin.dat", "-output", "out", "-mapper", "cat", "-numReduceTasks", "0")
			r.expect(t, 0)
			var want []byte
			for _, l := range lines {
				want = append(want, biTextOut(l)...)
			}
			got := biReadParts(t, j.path("out"), biSuccess(t, j.path("out")))
			if !bytes.Equal(got, want) {
				t.Errorf("output differs from input (got %d bytes, want %d); first difference at %d", len(got), len(want), biFirstDiff(got, want))
			}
			biSameSnapshot(t, "inputs", in, biInputs(t, j, "out"))
		})
		t.Run("with reducer", func(t *testing.T) {
			// The output is the lines ordered by key (bytes before the first
			// tab, compared as unsigned bytes, as Text's comparator does).
			// Keys must be unique for the order to be fully determined.
			key := func(l []byte) []byte { k, _, _ := bytes.Cut(l, []byte{'\t'}); return k }
			seen := map[string]bool{}
			var unique [][]byte
			var data []byte
			for _, l := range lines {
				if !seen[string(key(l))] {
					seen[string(key(l))] = true
					unique = append(unique, l)
					data = append(append(data, l...), '\n')
				}
			}
			j := newBIJob(t)
			j.write("bin.dat", string(data), 0o644)
			in := biInputs(t, j, "out")
			r := j.run("-input", "bin.dat", "-output", "out", "-mapper", "cat", "-reducer", "cat")
			r.expect(t, 0)
			sorted := slices.Clone(unique)
			sort.SliceStable(sorted, func(a, b int) bool { return bytes.Compare(key(sorted[a]), key(sorted[b])) < 0 })
			var want []byte
			for _, l := range sorted {
				want = append(want, biTextOut(l)...)
			}
			got := biReadParts(t, j.path("out"), biSuccess(t, j.path("out")))
			if !bytes.Equal(got, want) {
				t.Errorf("output differs (got %d bytes, want %d); first difference at %d", len(got), len(want), biFirstDiff(got, want))
			}
			biSameSnapshot(t, "inputs", in, biInputs(t, j, "out"))
		})
	})

	t.Run("100 MB single line", func(t *testing.T) {
		suite.Require(t, suite.Heavy) // a 100 MB line
		const size = 100 << 20
		for _, mode := range []struct {
			name string
			args []string
		}{
			{"map-only", []string{"-numReduceTasks", "0"}},
			{"with reducer", []string{"-reducer", "cat"}},
		} {
			t.Run(mode.name, func(t *testing.T) {
				j := newBIJob(t)
				inHash, wantHash := biWriteLongLine(t, j.path("long.txt"), size)
				r := j.run(append([]string{"-input", "long.txt", "-output", "out", "-mapper", "cat"}, mode.args...)...)
				r.expect(t, 0)
				parts := biSuccess(t, j.path("out"))
				h := sha256.New()
				var n int64
				for _, p := range parts {
					f, err := os.Open(filepath.Join(j.path("out"), p))
					if err != nil {
						t.Fatal(err)
					}
					m, err := io.Copy(h, f)
					f.Close()
					if err != nil {
						t.Fatal(err)
					}
					n += m
				}
				if n != size+2 {
					t.Errorf("output is %d bytes in %d part files, want %d (the line, a tab, a newline)", n, len(parts), size+2)
				}
				if got := hex.EncodeToString(h.Sum(nil)); got != wantHash {
					t.Errorf("output sha256 %s, want %s", got, wantHash)
				}
				if got := biHashFile(t, j.path("long.txt")); got != inHash {
					t.Errorf("input changed")
				}
			})
		}
	})

	t.Run("empty input file", func(t *testing.T) {
		for _, mode := range []struct {
			name string
			args []string
		}{
			{"map-only", []string{"-numReduceTasks", "0"}},
			{"with reducer", []string{"-reducer", "cat"}},
		} {
			t.Run(mode.name, func(t *testing.T) {
				j := newBIJob(t)
				j.write("empty.txt", "", 0o644)
				r := j.run(append([]string{"-input", "empty.txt", "-output", "out", "-mapper", "cat"}, mode.args...)...)
				r.expect(t, 0)
				parts := biSuccess(t, j.path("out"))
				if !slices.Equal(parts, []string{"part-00000"}) {
					t.Errorf("part files %q, want [part-00000]", parts)
				}
				for _, p := range parts {
					if fi, err := os.Stat(filepath.Join(j.path("out"), p)); err != nil {
						t.Error(err)
					} else if fi.Size() != 0 {
						t.Errorf("%s is %d bytes, want an empty file", p, fi.Size())
					}
				}
				if fi, err := os.Stat(filepath.Join(j.path("out"), "_SUCCESS")); err == nil && fi.Size() != 0 {
					t.Errorf("_SUCCESS is %d bytes, want 0", fi.Size())
				}
			})
		}
	})

	t.Run("10000 tiny input files", func(t *testing.T) {
		suite.Require(t, suite.Heavy) // 10,000 map tasks
		const n = 10000
		j := newBIJob(t)
		want := make([]string, 0, n)
		for i := 0; i < n; i++ {
			rec := fmt.Sprintf("rec %d", i)
			j.write(fmt.Sprintf("in/f%05d.txt", i), rec+"\n", 0o644)
			want = append(want, rec+"\t")
		}
		in := biInputs(t, j, "out")
		r := j.run("-input", "in", "-output", "out", "-mapper", "cat", "-numReduceTasks", "0")
		r.expect(t, 0)
		parts := biSuccess(t, j.path("out"))
		if len(parts) != n {
			t.Fatalf("%d part files, want %d", len(parts), n)
		}
		for i, p := range parts {
			if p != fmt.Sprintf("part-%05d", i) {
				t.Fatalf("part file %d is named %s", i, p)
			}
		}
		var got []string
		for _, p := range parts {
			b, err := os.ReadFile(filepath.Join(j.path("out"), p))
			if err != nil {
				t.Fatal(err)
			}
			if len(b) == 0 || b[len(b)-1] != '\n' || bytes.Count(b, []byte{'\n'}) != 1 {
				t.Errorf("%s holds %q, want exactly one line", p, b)
			}
			got = append(got, strings.TrimSuffix(string(b), "\n"))
		}
		sort.Strings(got)
		sort.Strings(want)
		if !slices.Equal(got, want) {
			t.Errorf("the part files' records differ from the inputs' records")
		}
		biSameSnapshot(t, "inputs", in, biInputs(t, j, "out"))
	})

	t.Run("disk full during spill", func(t *testing.T) {
		j := newBIJob(t)
		scratch := filepath.Join(filepath.Dir(j.dir), "scratch")
		if err := os.MkdirAll(scratch, 0o755); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", scratch).CombinedOutput(); err != nil {
			t.Skipf("cannot mount a 2 MB tmpfs for zebra's scratch dir (needs root): %v %s", err, bytes.TrimSpace(out))
		}
		t.Cleanup(func() {
			if err := syscall.Unmount(scratch, 0); err != nil {
				t.Errorf("umount %s: %v", scratch, err)
			}
		})
		// ~20 MB of records in scrambled key order, so that the map output
		// (1 MB sort buffer) spills many times and the spills overflow 2 MB.
		f, err := os.Create(j.path("in.txt"))
		if err != nil {
			t.Fatal(err)
		}
		w := bufio.NewWriter(f)
		const recs = 600000
		for i := 0; i < recs; i++ {
			fmt.Fprintf(w, "%08d\tthe quick brown fox jumps\n", (i*7919)%recs)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		f.Close()
		in := biInputs(t, j, "out")
		j.env = append(j.env, "TMPDIR="+scratch)
		r := j.run("-D", "mapreduce.task.io.sort.mb=1", "-input", "in.txt", "-output", "out", "-mapper", "cat", "-reducer", "cat")
		r.expect(t, 1, "no space left on device", "Job not successful!")
		biSameSnapshot(t, "inputs", in, biInputs(t, j, "out"))
		biNoOutput(t, j.path("out"))
		if left, _ := os.ReadDir(scratch); len(left) > 0 {
			var names []string
			for _, e := range left {
				names = append(names, e.Name())
			}
			t.Errorf("scratch dir not cleaned up after the failure: %q", names)
		}
	})
}

// biBinaryLines returns records with NUL bytes, invalid UTF-8 and tabs in
// various places (never CR or LF).
func biBinaryLines() [][]byte {
	fixed := [][]byte{
		{},
		{0},
		{0, 0, '\t', 0},
		[]byte("a\x00b\tc\xff\xfe"),
		{0x80, 0x81, 0},
		[]byte("\ttab first"),
		[]byte("no tab\x00"),
		[]byte("\xc3\x28 invalid 2-byte"),
		[]byte("\xed\xa0\x80 surrogate"),
		[]byte("\xf4\x90\x80\x80 beyond U+10FFFF"),
		[]byte("valid \xc3\xa9 utf-8\t\xe2\x82\xac"),
		[]byte("trailing tab\t"),
		[]byte("two\ttabs\there"),
	}
	rng := rand.New(rand.NewPCG(1, 2))
	out := slices.Clone(fixed)
	for i := 0; i < 3000; i++ {
		l := make([]byte, rng.IntN(120))
		for k := range l {
			for {
				c := byte(rng.IntN(256))
				if c != '\n' && c != '\r' {
					l[k] = c
					break
				}
			}
		}
		out = append(out, l)
	}
	return out
}

// biWriteLongLine writes one line of size bytes (no tab, no CR/LF, not
// UTF-8) plus '\n' to p, returning the sha256 of the file and of the output
// `cat` must produce for it ("line\t\n").
func biWriteLongLine(t *testing.T, p string, size int) (inHash, outHash string) {
	t.Helper()
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	hin, hout := sha256.New(), sha256.New()
	w := bufio.NewWriterSize(io.MultiWriter(f, hin, hout), 1<<20)
	rng := rand.New(rand.NewPCG(3, 4))
	chunk := make([]byte, 1<<20)
	for written := 0; written < size; {
		for i := range chunk {
			c := byte(rng.IntN(256))
			if c == '\n' || c == '\r' || c == '\t' {
				c = 'x'
			}
			chunk[i] = c
		}
		n := min(len(chunk), size-written)
		w.Write(chunk[:n])
		written += n
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte{'\n'}); err != nil {
		t.Fatal(err)
	}
	hin.Write([]byte{'\n'})
	hout.Write([]byte{'\t', '\n'})
	return hex.EncodeToString(hin.Sum(nil)), hex.EncodeToString(hout.Sum(nil))
}

func biFirstDiff(a, b []byte) int {
	for i := 0; i < min(len(a), len(b)); i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
