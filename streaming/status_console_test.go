package streaming_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"zebra/adapters/localfs"
	"zebra/mapreduce"
	"zebra/sandbox"
	"zebra/streaming"
)

// TestLocalRunnerLogsTaskStatus checks the local runner's console against
// what Hadoop 3.4.1's LocalJobRunner printed for the same job (run with
// scripts/hadoop-oracle.sh, the case of conformance 346): each task's last
// reporter:status: as it is done, a reduce's followed by " > reduce",
// and the reduce progress as Hadoop rounds it ("reduce 67%" at 2 of 3).
func TestLocalRunnerLogsTaskStatus(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join("testdata", "conformance", "346-hadoop-teststreamingstatus")
	for _, f := range []string{"input.txt", "status.py"} {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, f), b, 0o755)
	}
	reg := &mapreduce.Registry{}
	localfs.Register(reg, &localfs.FS{Checksums: true})
	var so, se bytes.Buffer
	env := &streaming.Env{Stdout: &so, Stderr: &se, Environ: os.Environ(), Dir: dir, Registry: reg,
		Runner: sandbox.Plain{}, WorkDir: t.TempDir(), LogDir: t.TempDir()}
	args := []string{"-input", "input.txt", "-output", "out", "-mapper", "python3 status.py map",
		"-reducer", "python3 status.py reduce", "-numReduceTasks", "3"}
	if code := streaming.Run(context.Background(), args, env); code != 0 {
		t.Fatalf("exit %d:\n%s", code, se.String())
	}
	stamp := regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} `)
	var got []string
	for _, l := range strings.Split(se.String(), "\n") {
		l = stamp.ReplaceAllString(l, "")
		if strings.HasPrefix(l, "INFO mapred.LocalJobRunner: ") || strings.HasPrefix(l, "INFO mapreduce.Job:  map ") {
			got = append(got, l)
		}
	}
	// Hadoop's lines, but for its empty status line of the map and its
	// copy lines, which zebra does not print, and "reduce 33%": Hadoop's
	// client polls once a second and happened to skip it, zebra's prints
	// every change.
	want := []string{
		"INFO mapreduce.Job:  map 0% reduce 0%",
		"INFO mapred.LocalJobRunner: map done",
		"INFO mapreduce.Job:  map 100% reduce 0%",
		"INFO mapred.LocalJobRunner: reduce done > reduce",
		"INFO mapreduce.Job:  map 100% reduce 33%",
		"INFO mapred.LocalJobRunner: reduce done > reduce",
		"INFO mapreduce.Job:  map 100% reduce 67%",
		"INFO mapred.LocalJobRunner: reduce done > reduce",
		"INFO mapreduce.Job:  map 100% reduce 100%",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("console status and progress lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
