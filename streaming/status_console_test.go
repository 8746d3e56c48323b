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
	// copy lines, which zebra does not print. Hadoop's client polls once
	// a second and happened to skip "reduce 33%"; zebra's console, too,
	// prints a changed progress line at most once a second, so which of
	// the middle progress lines appear depends on timing: the status
	// lines must all be there in order, and the progress lines must be
	// these in order, the first and the last included.
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
	split := func(lines []string) (status, progress []string) {
		for _, l := range lines {
			if strings.HasPrefix(l, "INFO mapreduce.Job:  map ") {
				progress = append(progress, l)
			} else {
				status = append(status, l)
			}
		}
		return status, progress
	}
	gs, gp := split(got)
	ws, wp := split(want)
	i := 0
	for _, l := range gp {
		for i < len(wp) && wp[i] != l {
			i++
		}
		i++
	}
	if strings.Join(gs, "\n") != strings.Join(ws, "\n") || i > len(wp) || len(gp) < 2 || gp[0] != wp[0] || gp[len(gp)-1] != wp[len(wp)-1] {
		t.Errorf("console status and progress lines:\n%s\nwant (middle progress lines may be skipped):\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
