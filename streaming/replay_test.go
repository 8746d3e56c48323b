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

// TestReplay runs a job, then replays its map and reduce attempts: a
// deterministic mapper replays identically; one that prints a fresh random
// number on every run is reported as different.
func TestReplay(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "in.txt"), []byte("b 1\na 2\nb 3\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "random.sh"), []byte("#!/bin/sh\ncat\nhead -c 16 /dev/urandom | od -An -tx1\n"), 0o755)
	reg := &mapreduce.Registry{}
	localfs.Register(reg, &localfs.FS{Checksums: true})
	logs := t.TempDir()
	env := func(stdout, stderr *bytes.Buffer) *streaming.Env {
		return &streaming.Env{Stdout: stdout, Stderr: stderr, Environ: os.Environ(), Dir: dir, Registry: reg,
			Runner: sandbox.Plain{}, WorkDir: t.TempDir(), LogDir: logs}
	}
	jobID := regexp.MustCompile(`job_local\d+_0001`)
	run := func(out string, args ...string) string {
		var so, se bytes.Buffer
		if code := streaming.Run(context.Background(), append([]string{"-input", "in.txt", "-output", out}, args...), env(&so, &se)); code != 0 {
			t.Fatalf("job failed (%d):\n%s", code, se.String())
		}
		id := jobID.FindString(se.String())
		if id == "" {
			t.Fatalf("no job id on the console:\n%s", se.String())
		}
		return strings.Replace(id, "job_", "attempt_", 1)
	}
	replay := func(attempt string) (int, string) {
		var so, se bytes.Buffer
		code := streaming.Replay(context.Background(), attempt, env(&so, &se))
		return code, so.String() + se.String()
	}

	a := run("out1", "-mapper", "cat", "-reducer", "sort -r")
	for _, attempt := range []string{a + "_m_000000_0", a + "_r_000000_0"} {
		code, report := replay(attempt)
		if code != 0 || !strings.Contains(report, "output:   identical") || !strings.Contains(report, "input:    identical") {
			t.Errorf("replay %s: exit %d, want 0 with identical input and output:\n%s", attempt, code, report)
		}
	}
	b := run("out2", "-mapper", "random.sh", "-numReduceTasks", "0")
	code, report := replay(b + "_m_000000_0")
	if code != 1 || !strings.Contains(report, "output:   DIFFERENT") || !strings.Contains(report, "input:    identical") {
		t.Errorf("replay of a random mapper: exit %d, want 1 with identical input and different output:\n%s", code, report)
	}
	if code, _ := replay("attempt_nonsense"); code != 2 {
		t.Errorf("bad attempt id: exit %d, want 2", code)
	}
	if _, err := os.Stat(filepath.Join(dir, "out1", "_SUCCESS")); err != nil {
		t.Error("replay disturbed the job's output")
	}
}
