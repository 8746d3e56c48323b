// Package wordcount_test runs the word count example on zebra's local runner
// and compares the result with the output real Hadoop 3.4 streaming produced
// for the same command (expected/part-00000; regenerate with
// `scripts/hadoop-oracle.sh run -files mapper.py,reducer.py -input input.txt
// -output out -mapper mapper.py -reducer reducer.py` in a copy of this
// directory).
package wordcount_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"zebra/adapters/localfs"
	"zebra/mapreduce"
	"zebra/sandbox"
	"zebra/streaming"
)

func TestWordCountMatchesHadoop(t *testing.T) {
	want, err := os.ReadFile("expected/part-00000")
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out")
	reg := &mapreduce.Registry{}
	localfs.Register(reg, &localfs.FS{Checksums: true})
	var stdout, stderr bytes.Buffer
	e := &streaming.Env{Stdout: &stdout, Stderr: &stderr, Environ: os.Environ(), Dir: dir, Registry: reg,
		Runner: sandbox.Plain{}, WorkDir: t.TempDir(), LogDir: t.TempDir()}
	args := []string{"-files", "mapper.py,reducer.py", "-input", "input.txt", "-output", out,
		"-mapper", "mapper.py", "-reducer", "reducer.py"}
	if code := streaming.Run(context.Background(), args, e); code != 0 {
		t.Fatalf("exit code %d\n%s", code, stderr.String())
	}
	got, err := os.ReadFile(filepath.Join(out, "part-00000"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("part-00000 differs from Hadoop's:\n--- zebra\n%s--- hadoop\n%s", got, want)
	}
	if _, err := os.Stat(filepath.Join(out, "_SUCCESS")); err != nil {
		t.Error("no _SUCCESS")
	}
}
