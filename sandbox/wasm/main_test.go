package wasm

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"zebra/mapreduce"
)

// binDir holds the modules the tests build, shared by all tests.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "zebra-wasm-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var (
	buildMu  sync.Mutex
	builtBin = map[string]string{}
)

// buildGo builds the Go package at pkg (relative to this directory) with
// GOOS=wasip1 GOARCH=wasm, once per test binary, and returns the module.
func buildGo(tb testing.TB, pkg string) string {
	tb.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	if out, ok := builtBin[pkg]; ok {
		return out
	}
	out := filepath.Join(binDir, filepath.Base(pkg)+".wasm")
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if msg, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("go build %s for wasip1: %v\n%s", pkg, err, msg)
	}
	builtBin[pkg] = out
	return out
}

func guest(tb testing.TB) string { return buildGo(tb, "./testdata/guest") }

// newRunner returns a Runner with a private disk cache, closed at the end
// of the test; edit, if not nil, changes its Config.
func newRunner(tb testing.TB, edit func(*Config)) *Runner {
	tb.Helper()
	cfg := DefaultConfig()
	cfg.CacheDir = filepath.Join(binDir, "cache")
	if edit != nil {
		edit(&cfg)
	}
	r, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { r.Close(context.Background()) })
	return r
}

// run starts cmd and waits for it, returning its stdout and stderr.
func run(tb testing.TB, r *Runner, ctx context.Context, cmd mapreduce.Command) (stdout, stderr string, err error) {
	tb.Helper()
	var out, errb bytes.Buffer
	if cmd.Stdout == nil {
		cmd.Stdout = &out
	}
	if cmd.Stderr == nil {
		cmd.Stderr = &errb
	}
	p, err := r.Start(ctx, cmd)
	if err != nil {
		tb.Fatalf("Start(%q): %v", cmd.Args, err)
	}
	err = p.Wait()
	return out.String(), errb.String(), err
}
