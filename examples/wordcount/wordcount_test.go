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
	"os/exec"
	"path/filepath"
	"testing"

	"zebra/adapters/localfs"
	"zebra/mapreduce"
	"zebra/sandbox"
	"zebra/sandbox/wasm"
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

// TestWasmWordCountMatchesHadoop builds the Go word count programs for WASI
// and runs them with the same streaming command line in the wasm sandbox:
// the output must be Hadoop's output for the Python scripts.
func TestWasmWordCountMatchesHadoop(t *testing.T) {
	want, err := os.ReadFile("expected/part-00000")
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	for _, prog := range []string{"mapper", "reducer"} {
		b := exec.Command("go", "build", "-trimpath", "-o", filepath.Join(bin, prog+".wasm"), "./wasm/"+prog)
		b.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
		if out, err := b.CombinedOutput(); err != nil {
			t.Fatalf("build %s.wasm: %v\n%s", prog, err, out)
		}
	}
	cfg := wasm.DefaultConfig()
	cfg.CacheDir = t.TempDir()
	w, err := wasm.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close(context.Background())
	out := filepath.Join(t.TempDir(), "out")
	reg := &mapreduce.Registry{}
	localfs.Register(reg, &localfs.FS{Checksums: true})
	var stdout, stderr bytes.Buffer
	e := &streaming.Env{Stdout: &stdout, Stderr: &stderr, Environ: os.Environ(), Dir: dir, Registry: reg,
		Sandbox: func(string, *mapreduce.Conf) (mapreduce.Runner, string, error) {
			return sandbox.Dispatch{Default: sandbox.Refuse{Reason: "only .wasm programs in this test"}, Wasm: w}, "", nil
		},
		WorkDir: t.TempDir(), LogDir: t.TempDir()}
	args := []string{"-files", filepath.Join(bin, "mapper.wasm") + "," + filepath.Join(bin, "reducer.wasm"),
		"-input", "input.txt", "-output", out, "-mapper", "mapper.wasm", "-reducer", "reducer.wasm"}
	if code := streaming.Run(context.Background(), args, e); code != 0 {
		t.Fatalf("exit code %d\n%s", code, stderr.String())
	}
	got, err := os.ReadFile(filepath.Join(out, "part-00000"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("part-00000 differs from Hadoop's:\n--- zebra (wasm)\n%s--- hadoop (python)\n%s", got, want)
	}
}
