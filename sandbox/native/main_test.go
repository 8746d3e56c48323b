package native

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"zebra/mapreduce"
)

// testConfig is the configuration of the tests: small limits, the test
// binary as init.
func testConfig(t testing.TB) Config {
	t.Helper()
	if err := Check(); err != nil {
		t.Skipf("native sandbox not available on this host: %v", err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	c := DefaultConfig()
	c.InitPath = exe
	c.Memory = 128 * miB
	c.Processes = 64
	c.CPUTime = 3 * time.Second
	c.WallTime = 5 * time.Second
	c.FileSize = 8 * miB
	c.Output = 1 * miB
	c.TmpSize = 4 * miB
	// The host's Python may be a pyenv version: the tests' "operator"
	// allows the pyenv installations on the host's PATH.
	for _, p := range localInstallations(os.Environ(), &hostPolicy{}) {
		if _, err := os.Stat(p); err == nil && filepath.Base(p) == "versions" {
			c.Allow = append(c.Allow, p)
		}
	}
	return c
}

func newRunner(t testing.TB, c Config) *Runner {
	t.Helper()
	r, err := New(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

type result struct {
	stdout, stderr string
	err            error
}

// run runs args in dir through r with the host's environment.
func run(t testing.TB, ctx context.Context, r *Runner, dir string, stdin string, args ...string) result {
	t.Helper()
	return runShipped(t, ctx, r, dir, nil, stdin, args...)
}

// runShipped is run of a job that ships the host paths shipped.
func runShipped(t testing.TB, ctx context.Context, r *Runner, dir string, shipped []string, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	p, err := r.Start(ctx, mapreduce.Command{Args: args, Dir: dir, Env: os.Environ(), ReadOnly: shipped,
		Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb})
	if err != nil {
		return result{err: err}
	}
	err = p.Wait()
	return result{stdout: out.String(), stderr: errb.String(), err: err}
}

func workDir(t testing.TB) string {
	t.Helper()
	d := filepath.Join(t.TempDir(), "work")
	if err := os.Mkdir(d, 0o755); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestRunBasic(t *testing.T) {
	r := newRunner(t, testConfig(t))
	dir := workDir(t)
	for _, tc := range []struct {
		name string
		args []string
		in   string
		want string
	}{
		{"echo", []string{"echo", "hello"}, "", "hello\n"},
		{"cat stdin", []string{"cat"}, "a\tb\n", "a\tb\n"},
		{"sh pwd id", []string{"sh", "-c", "pwd; id -un; hostname"}, "", dir + "\nzebra\nzebra\n"},
		{"python3", []string{"python3", "-c", "import sys, json; print(sys.version_info[0])"}, "", "3\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := run(t, context.Background(), r, dir, tc.in, tc.args...)
			if res.err != nil {
				t.Fatalf("%v; stderr: %s", res.err, res.stderr)
			}
			if res.stdout != tc.want {
				t.Errorf("stdout: got %q, want %q (stderr %q)", res.stdout, tc.want, res.stderr)
			}
		})
	}
}

// TestRunArgv0: Command.Argv0 is a native program's argv[0] (sh reading
// its commands from stdin prints it as $0); a #! script's interpreter,
// run through env, keeps its own (the script runs as without Argv0).
func TestRunArgv0(t *testing.T) {
	r := newRunner(t, testConfig(t))
	dir := workDir(t)
	start := func(argv0 string, stdin string, args ...string) result {
		var out, errb bytes.Buffer
		p, err := r.Start(context.Background(), mapreduce.Command{Args: args, Argv0: argv0, Dir: dir, Env: os.Environ(),
			Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb})
		if err != nil {
			return result{err: err}
		}
		err = p.Wait()
		return result{stdout: out.String(), stderr: errb.String(), err: err}
	}
	if res := start("map-1", "echo \"$0\"\n", "sh"); res.err != nil || res.stdout != "map-1\n" {
		t.Errorf("sh with Argv0 map-1: %q, %v (stderr %q); want map-1", res.stdout, res.err, res.stderr)
	}
	script := filepath.Join(dir, "app.sh")
	if err := os.WriteFile(script, []byte("#!/usr/bin/env sh\necho \"$0\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if res := start("map-1", "", "./app.sh"); res.err != nil || !strings.HasSuffix(res.stdout, "app.sh\n") {
		t.Errorf("#!/usr/bin/env script with Argv0: %q, %v (stderr %q); want its own path as $0", res.stdout, res.err, res.stderr)
	}
}
