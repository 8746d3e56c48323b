package streaming_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"zebra/adapters/localfs"
	"zebra/mapreduce"
	"zebra/sandbox"
	"zebra/streaming"
)

// runPlain runs a streaming job in dir with the plain runner and returns
// its exit code, stderr and part-00000.
func runPlain(ctx context.Context, t *testing.T, dir, out string, args ...string) (int, string, []byte) {
	t.Helper()
	reg := &mapreduce.Registry{}
	localfs.Register(reg, &localfs.FS{Checksums: true})
	var so, se bytes.Buffer
	env := &streaming.Env{Stdout: &so, Stderr: &se, Environ: os.Environ(), Dir: dir, Registry: reg,
		Runner: sandbox.Plain{}, WorkDir: t.TempDir(), LogDir: t.TempDir()}
	code := streaming.Run(ctx, append([]string{"-input", "input.txt", "-output", out}, args...), env)
	b, _ := os.ReadFile(filepath.Join(dir, out, "part-00000"))
	return code, se.String(), b
}

// TestStdoutHeldByGrandchild: a mapper that leaves a background process
// holding its stdout still ends (the runner reaps the program's group, and
// the blocking read of the stdout pipe then sees EOF), with the output of
// the same job without the background process.
func TestStdoutHeldByGrandchild(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "input.txt"), []byte("b 1\na 2\nc 3\na 4\n"), 0o644)
	code, se, want := runPlain(context.Background(), t, dir, "plain", "-mapper", "cat", "-reducer", "cat")
	if code != 0 {
		t.Fatalf("without a background process: exit %d:\n%s", code, se)
	}
	code, se, got := runPlain(context.Background(), t, dir, "held", "-mapper", "sh -c 'sleep 300 & exec cat'", "-reducer", "cat")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, se)
	}
	if len(want) == 0 || !bytes.Equal(got, want) {
		t.Fatalf("output %q, want %q (the same job without the background process)", got, want)
	}
}

// TestStdoutReadCanceled: cancelling the job ends a mapper whose stdout is
// also held by a background process, and with it the read of that stdout.
func TestStdoutReadCanceled(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "input.txt"), []byte("a\n"), 0o644)
	started := filepath.Join(dir, "started")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for ctx.Err() == nil {
			if _, err := os.Stat(started); err == nil {
				cancel()
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	code, _, _ := runPlain(ctx, t, dir, "out", "-mapper", "sh -c 'sleep 300 & touch "+started+"; echo x; sleep 300'", "-reducer", "cat")
	if code == 0 {
		t.Fatal("a cancelled job exited 0")
	}
}
