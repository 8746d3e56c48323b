package wasm

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"zebra/mapreduce"
	"zebra/sandbox"
)

// The warm-start benchmarks time Start+Wait of a module that exits at once,
// compiled and cached before the timer starts, and report the median (p50)
// and p99 of single runs; BenchmarkForkExecTrue is the same for a plain
// process, the baseline.

func BenchmarkWarmStartGo(b *testing.B) {
	benchStart(b, newRunner(b, nil), buildGo(b, "./testdata/exit"))
}

func BenchmarkWarmStartC(b *testing.B) {
	module := buildC(b, "testdata/exit.c")
	r := newRunner(b, nil)
	b.Run("env=0", func(b *testing.B) { benchStart(b, r, module) })
	// Streaming passes every job setting as an environment variable.
	env := make([]string, 100)
	for i := range env {
		env[i] = fmt.Sprintf("mapreduce_setting_%03d=value-%d", i, i)
	}
	b.Run("env=100", func(b *testing.B) { benchStart(b, r, module, env...) })
}

func BenchmarkForkExecTrue(b *testing.B) {
	path, err := exec.LookPath("true")
	if err != nil {
		b.Skip("no true")
	}
	benchRun(b, sandbox.Plain{}, mapreduce.Command{Args: []string{path}})
}

func benchStart(b *testing.B, r *Runner, module string, env ...string) {
	benchRun(b, r, mapreduce.Command{Args: []string{module}, Env: env})
}

func benchRun(b *testing.B, r mapreduce.Runner, cmd mapreduce.Command) {
	ctx := context.Background()
	once := func() {
		p, err := r.Start(ctx, cmd)
		if err == nil {
			err = p.Wait()
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	once() // compile and cache
	times := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		once()
		times = append(times, time.Since(t0))
	}
	b.StopTimer()
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(times[len(times)*99/100].Nanoseconds()), "p99-ns")
}

// buildC compiles a C file to a WASI module with clang and wasi-libc
// (Debian: apt-get install clang lld wasi-libc libclang-rt-dev-wasm32),
// skipping when they are missing.
func buildC(tb testing.TB, src string) string {
	tb.Helper()
	clang, err := exec.LookPath("clang")
	if err != nil {
		tb.Skip("no clang: apt-get install clang lld wasi-libc libclang-rt-dev-wasm32")
	}
	out := filepath.Join(binDir, filepath.Base(src)+".wasm")
	if msg, err := exec.Command(clang, "--target=wasm32-wasi", "-O2", "-o", out, src).CombinedOutput(); err != nil {
		tb.Skipf("clang cannot build for wasm32-wasi (install lld wasi-libc libclang-rt-dev-wasm32): %v\n%s", err, msg)
	}
	return out
}
