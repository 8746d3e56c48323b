package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"zebra/mapreduce/mrtest/suite"
	"zebra/mapreduce/mrtest/zebratest"
)

// consoleCounters parses the job's final "Counters: N" dump of a
// console: the groups in order, each with its name=value lines in order.
func consoleCounters(t *testing.T, console string) (groups []string, lines map[string][]string) {
	t.Helper()
	i := strings.LastIndex(console, "mapreduce.Job: Counters: ")
	if i < 0 {
		t.Fatalf("no counters in the console:\n%s", console)
	}
	lines = map[string][]string{}
	for _, l := range strings.Split(console[i:], "\n")[1:] {
		switch {
		case strings.HasPrefix(l, "\t\t"):
			g := groups[len(groups)-1]
			lines[g] = append(lines[g], strings.TrimPrefix(l, "\t\t"))
		case strings.HasPrefix(l, "\t"):
			groups = append(groups, strings.TrimPrefix(l, "\t"))
		default:
			return groups, lines
		}
	}
	return groups, lines
}

// TestConsoleCountersAgainstHadoop: the local console's final counters
// have Hadoop's groups in Hadoop's order, Hadoop's counter names in its
// order (but the JVM's GC and heap counters), and Hadoop's values where
// they are deterministic: Input split bytes included (a path longer than
// 127 bytes makes its vint two bytes). Values that cannot match are
// listed in differ (docs/hadoop-observed.md says why); the file system
// group's values are zebra's own (docs too).
func TestConsoleCountersAgainstHadoop(t *testing.T) {
	suite.Require(t, suite.Hadoop)
	root, _ := filepath.Abs("../..")
	oracle := filepath.Join(root, "scripts", "hadoop-oracle.sh")
	bin := zebratest.Build(t)
	jvmOnly := []string{"GC time elapsed (ms)", "Total committed heap usage (bytes)"}
	base := t.TempDir()
	long := strings.Repeat("long-directory-name-", 7) // the split's path over 127 bytes
	for _, job := range []struct {
		name string
		args []string
	}{
		{"reduce", []string{"-input", "in", "-output", "out", "-mapper", "cat", "-reducer", "cat"}},
		{"map-only", []string{"-D", "mapreduce.job.reduces=0", "-input", "in", "-output", "out", "-mapper", "cat"}},
		// Bytes Written counts what reached the file system: compressed,
		// with the .crc sibling; an empty part file's .crc alone.
		{"gzip", []string{"-D", "mapreduce.job.reduces=0", "-D", "mapreduce.output.fileoutputformat.compress=true",
			"-D", "mapreduce.output.fileoutputformat.compress.codec=org.apache.hadoop.io.compress.GzipCodec",
			"-input", "in", "-output", "out", "-mapper", "cat"}},
		{"empty", []string{"-D", "mapreduce.job.reduces=0", "-input", "in", "-output", "out", "-mapper", "sed -n /nomatch/p"}},
		// Three partitions (an IFile each, empty or not), a combiner.
		{"combiner", []string{"-D", "mapreduce.job.reduces=3", "-input", "in", "-output", "out", "-mapper", "cat",
			"-combiner", "uniq", "-reducer", "uniq -c"}},
		// A program's groups among the framework's: sorted by name.
		{"user-groups", []string{"-input", "in", "-output", "out", "-mapper", "count.sh", "-reducer", "cat", "-file", "count.sh"}},
	} {
		consoles := map[string]string{}
		for _, side := range []string{"h", "z"} {
			dir := filepath.Join(base, job.name, side)
			os.MkdirAll(filepath.Join(dir, "in", long), 0o755)
			os.WriteFile(filepath.Join(dir, "in", "a.txt"), []byte("one two\nthree\nfour five six\n"), 0o644)
			os.WriteFile(filepath.Join(dir, "in", long, "b.txt"), []byte("seven\neight nine\n"), 0o644)
			os.WriteFile(filepath.Join(dir, "count.sh"), []byte("#!/bin/sh\nwhile read -r l; do\n  echo 'reporter:counter:MyGroup,Lines,1' >&2\n"+
				"  echo 'reporter:counter:zeta,Lines,1' >&2\n  echo 'reporter:counter:Alpha,Lines,1' >&2\n  echo \"$l\"\ndone\n"), 0o755)
			// FileInputFormat lists the input directory recursively only
			// when asked: Hadoop and zebra alike.
			args := append([]string{"-D", "mapreduce.input.fileinputformat.input.dir.recursive=true"}, job.args...)
			cmd := exec.Command(bin, append([]string{"streaming"}, args...)...)
			if side == "h" {
				cmd = exec.Command(oracle, append([]string{"run"}, args...)...)
			}
			cmd.Dir = dir
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%s %s: %v\n%s", side, job.name, err, out)
			}
			consoles[side] = string(out)
		}
		hg, hl := consoleCounters(t, consoles["h"])
		zg, zl := consoleCounters(t, consoles["z"])
		if !slices.Equal(hg, zg) {
			t.Errorf("%s: groups\n%q\nHadoop's\n%q", job.name, zg, hg)
			continue
		}
		split := false
		for _, g := range hg {
			var hn, zn []string
			hv, zv := map[string]string{}, map[string]string{}
			for _, l := range hl[g] {
				n, v, _ := strings.Cut(l, "=")
				if !slices.Contains(jvmOnly, n) {
					hn = append(hn, n)
					hv[n] = v
				}
			}
			for _, l := range zl[g] {
				n, v, _ := strings.Cut(l, "=")
				zn = append(zn, n)
				zv[n] = v
			}
			if !slices.Equal(hn, zn) {
				t.Errorf("%s: group %q lists\n%q\nHadoop\n%q", job.name, g, zn, hn)
				continue
			}
			if g == "File System Counters" {
				continue
			}
			for _, n := range hn {
				if n == "Input split bytes" {
					split = true
				}
				if hv[n] != zv[n] {
					t.Errorf("%s: %s / %s = %s, Hadoop %s", job.name, g, n, zv[n], hv[n])
				}
			}
		}
		if !split {
			t.Errorf("%s: Hadoop printed no Input split bytes", job.name)
		}
	}
}
