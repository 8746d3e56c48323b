package wasm

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"zebra/mapreduce"

	"zebra/mapreduce/mrtest/suite"
)

func TestEcho(t *testing.T) {
	r := newRunner(t, nil)
	input := bytes.Repeat([]byte("hello\tworld\x00\xff\n"), 50000) // ~700 KB, more than a pipe holds
	t.Run("buffers", func(t *testing.T) {
		out, stderr, err := run(t, r, context.Background(), mapreduce.Command{
			Args: []string{guest(t), "echo"}, Stdin: bytes.NewReader(input)})
		if err != nil {
			t.Fatalf("Wait = %v, stderr %s", err, stderr)
		}
		if out != string(input) {
			t.Errorf("echo gave %d bytes, want the %d bytes of input", len(out), len(input))
		}
	})
	t.Run("pipes", func(t *testing.T) {
		// As streaming does: pipes whose ends the caller closes right
		// after Start.
		inR, inW, _ := os.Pipe()
		outR, outW, _ := os.Pipe()
		p, err := r.Start(context.Background(), mapreduce.Command{
			Args: []string{guest(t), "echo"}, Stdin: inR, Stdout: outW, Stderr: outW})
		if err != nil {
			t.Fatal(err)
		}
		inR.Close()
		outW.Close()
		go func() {
			inW.Write(input)
			inW.Close()
		}()
		var got bytes.Buffer
		if _, err := got.ReadFrom(outR); err != nil {
			t.Fatal(err)
		}
		if err := p.Wait(); err != nil {
			t.Fatalf("Wait = %v", err)
		}
		if !bytes.Equal(got.Bytes(), input) {
			t.Errorf("echo gave %d bytes, want the %d bytes of input", got.Len(), len(input))
		}
	})
}

func reportCmd(t *testing.T, attempt string) mapreduce.Command {
	return mapreduce.Command{
		Args: []string{guest(t), "report", "x y"},
		Dir:  t.TempDir(), // differs every time; must not show
		Env: []string{"ZED=last", "mapreduce_task_attempt_id=" + attempt, "PWD=/host/dir",
			"ALPHA=1", "ALPHA=2", "=junk"},
	}
}

func TestDeterminism(t *testing.T) {
	r := newRunner(t, nil)
	a, _, err := run(t, r, context.Background(), reportCmd(t, "attempt_202601010000_0001_m_000003_0"))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("report:\n%s", a)
	// The same command in another Runner without a disk cache, so
	// compiled afresh: byte-identical.
	r2 := newRunner(t, func(c *Config) { c.CacheDir = "" })
	b, _, err := run(t, r2, context.Background(), reportCmd(t, "attempt_202601010000_0001_m_000003_0"))
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Errorf("two runs differ:\n--- first\n%s--- second\n%s", a, b)
	}
	// Another attempt of the same task: only its attempt id differs.
	b, _, err = run(t, r, context.Background(), reportCmd(t, "attempt_202601010000_0001_m_000003_1"))
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Replace(a, "m_000003_0", "m_000003_1", 1); b != want {
		t.Errorf("two attempts of one task differ:\n--- first\n%s--- second\n%s", a, b)
	}
	for _, want := range []string{
		`args ["guest.wasm" "report" "x y"]` + "\n",
		"env ALPHA=2\nenv PWD=/\nenv ZED=last\nenv mapreduce_task_attempt_id=attempt_202601010000_0001_m_000003_0\n",
		"now 2000-01-01T00:00:00Z 946684800000000000\n",
		"slept 1.5s 2000-01-01T00:00:01.5Z\n",
	} {
		if !strings.Contains(a, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	// Another task draws other numbers, and nothing else changes.
	c, _, err := run(t, r, context.Background(), reportCmd(t, "attempt_202601010000_0001_m_000004_0"))
	if err != nil {
		t.Fatal(err)
	}
	randLines := func(s string) (rnd, rest []string) {
		for _, l := range strings.Split(s, "\n") {
			switch {
			case strings.Contains(l, "rand"):
				rnd = append(rnd, l)
			case !strings.Contains(l, "attempt_"):
				rest = append(rest, l)
			}
		}
		return
	}
	ra, resta := randLines(a)
	rc, restc := randLines(c)
	for i := range ra {
		if ra[i] == rc[i] {
			t.Errorf("tasks 3 and 4 draw the same %q", ra[i])
		}
	}
	if strings.Join(resta, "\n") != strings.Join(restc, "\n") {
		t.Errorf("tasks 3 and 4 differ beyond random numbers:\n%s\n---\n%s", a, c)
	}
}

func TestSeed(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"mapreduce_task_id": "task_1_0001_r_000002", "mapreduce_task_attempt_id": "attempt_9_0009_m_000009_0"}, "task_1_0001_r_000002"},
		{map[string]string{"mapreduce_task_attempt_id": "attempt_1_0001_m_000002_3"}, "task_1_0001_m_000002"},
		{map[string]string{"mapreduce_task_attempt_id": "odd"}, "odd"},
		{nil, defaultSeed},
	} {
		if got := seedOf(tc.env); got != tc.want {
			t.Errorf("seedOf(%v) = %q, want %q", tc.env, got, tc.want)
		}
	}
}

func TestNoNetwork(t *testing.T) {
	// A listener the program could reach if it had a network.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan struct{})
	go func() {
		if c, err := l.Accept(); err == nil {
			c.Close()
			close(accepted)
		}
	}()
	out, _, err := run(t, newRunner(t, nil), context.Background(), mapreduce.Command{
		Args: []string{guest(t), "dial", l.Addr().String()}})
	var ee *mapreduce.ExitError
	if !errors.As(err, &ee) || ee.Code != 3 || !strings.HasPrefix(out, "dial: ") {
		t.Fatalf("dial: Wait = %v, output %q; want exit 3 after a dial error", err, out)
	}
	t.Logf("%s", out)
	select {
	case <-accepted:
		t.Error("the listener accepted a connection")
	case <-time.After(100 * time.Millisecond):
	}
}

func TestNoHostFiles(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "shipped.txt"), []byte("shipped data\n"), 0o644)
	for _, tc := range []struct {
		name  string
		mount bool
		file  string
		want  string // output, "" for an open error
	}{
		{"etc passwd", false, "/etc/passwd", ""},
		{"work dir unmounted", false, "shipped.txt", ""},
		{"absolute host path", false, filepath.Join(dir, "shipped.txt"), ""},
		{"work dir mounted", true, "shipped.txt", "shipped data\n"},
		{"etc passwd mounted", true, "/etc/passwd", ""},
		{"escape mount", true, "../../../../etc/passwd", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRunner(t, func(c *Config) { c.MountWorkDir = tc.mount })
			out, _, err := run(t, r, context.Background(), mapreduce.Command{
				Args: []string{guest(t), "open", tc.file}, Dir: dir})
			if tc.want != "" {
				if err != nil || out != tc.want {
					t.Fatalf("Wait = %v, output %q; want %q", err, out, tc.want)
				}
				return
			}
			var ee *mapreduce.ExitError
			if !errors.As(err, &ee) || ee.Code != 3 || !strings.HasPrefix(out, "open: ") {
				t.Fatalf("Wait = %v, output %q; want exit 3 after an open error", err, out)
			}
		})
	}
}

func TestMemoryLimit(t *testing.T) {
	r := newRunner(t, func(c *Config) { c.MemoryLimitBytes = 64 << 20 })
	out, _, err := run(t, r, context.Background(), mapreduce.Command{Args: []string{guest(t), "alloc", "16"}})
	if err != nil || out != "allocated 16 MiB\n" {
		t.Fatalf("alloc 16 MiB under a 64 MiB limit: Wait = %v, output %q", err, out)
	}
	_, stderr, err := run(t, r, context.Background(), mapreduce.Command{Args: []string{guest(t), "alloc", "200"}})
	var ee *mapreduce.ExitError
	if !errors.As(err, &ee) || !strings.HasPrefix(ee.Reason, "memory limit exceeded: ") || !strings.Contains(ee.Reason, "limit is 64 MiB") {
		t.Fatalf("alloc 200 MiB under a 64 MiB limit: Wait = %v, want a memory limit reason", err)
	}
	t.Logf("Wait = %v; stderr starts %.80q", err, stderr)

	// A limit below the module's initial memory fails at Start.
	small := newRunner(t, func(c *Config) { c.MemoryLimitBytes = PageSize })
	_, err = small.Start(context.Background(), mapreduce.Command{Args: []string{guest(t), "exit0"}})
	if !mapreduce.IsKind(err, mapreduce.Invalid) || !strings.Contains(err.Error(), "MiB of memory to start") {
		t.Fatalf("Start under a 64 KiB limit = %v, want an Invalid error about memory", err)
	}
}

func TestCancel(t *testing.T) {
	r := newRunner(t, nil)
	for _, mode := range []string{"loop", "sleeploop", "readforever"} {
		t.Run(mode, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			inR, inW, _ := os.Pipe() // never written: readforever blocks
			defer inW.Close()
			outR, outW, _ := os.Pipe()
			p, err := r.Start(ctx, mapreduce.Command{Args: []string{guest(t), mode}, Stdin: inR, Stdout: outW})
			if err != nil {
				t.Fatal(err)
			}
			inR.Close()
			outW.Close()
			if mode == "loop" {
				buf := make([]byte, 8)
				outR.Read(buf) // "looping": it is in the loop now
			} else {
				time.Sleep(50 * time.Millisecond)
			}
			t0 := time.Now()
			cancel()
			done := make(chan error, 1)
			go func() { done <- p.Wait() }()
			select {
			case err = <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("Wait did not return within 5s of cancel")
			}
			var ee *mapreduce.ExitError
			if !errors.As(err, &ee) || ee.Reason != "killed: task cancelled" || ee.Code != CodeKilled {
				t.Fatalf("Wait = %v, want exit %d (killed: task cancelled)", err, CodeKilled)
			}
			t.Logf("returned %v after cancel", time.Since(t0))
			// The instance's stdout is closed.
			outR.SetReadDeadline(time.Now().Add(time.Second))
			if _, err := outR.Read(make([]byte, 100)); err == nil {
				t.Error("stdout still open")
			}
		})
	}
}

func TestExitCodes(t *testing.T) {
	r := newRunner(t, nil)
	for _, tc := range []struct {
		args         []string
		code         int
		reason       string
		stderrPrefix string
	}{
		{[]string{"exit0"}, 0, "", ""},
		{[]string{"exit", "0"}, 0, "", "exiting with 0"},
		{[]string{"exit", "7"}, 7, "", "exiting with 7"},
		{[]string{"exit", "255"}, 255, "", "exiting with 255"},
		{[]string{"panic"}, 2, "", "panic: guest panics"},
		{[]string{"trap"}, CodeTrap, "wasm trap: out of bounds memory access", "wasm trap: out of bounds memory access"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			_, stderr, err := run(t, r, context.Background(), mapreduce.Command{Args: append([]string{guest(t)}, tc.args...)})
			if !strings.HasPrefix(stderr, tc.stderrPrefix) {
				t.Errorf("stderr %q, want it to start with %q", stderr, tc.stderrPrefix)
			}
			if tc.code == 0 {
				if err != nil {
					t.Fatalf("Wait = %v, want nil", err)
				}
				return
			}
			var ee *mapreduce.ExitError
			if !errors.As(err, &ee) || ee.Code != tc.code || ee.Reason != tc.reason {
				t.Fatalf("Wait = %v, want exit status %d (%s)", err, tc.code, tc.reason)
			}
		})
	}
}

func TestBadModules(t *testing.T) {
	r := newRunner(t, nil)
	dir := t.TempDir()
	script := filepath.Join(dir, "mapper.wasm")
	os.WriteFile(script, []byte("#!/usr/bin/env python3\nprint('hi')\n"), 0o755)
	truncated := filepath.Join(dir, "truncated.wasm")
	code, _ := os.ReadFile(guest(t))
	os.WriteFile(truncated, code[:len(code)/2], 0o644)
	component := filepath.Join(dir, "component.wasm")
	os.WriteFile(component, []byte("\x00asm\x0d\x00\x01\x00"), 0o644)
	for _, tc := range []struct {
		name string
		args []string
		kind mapreduce.Kind
		text string
	}{
		{"not wasm", []string{script}, mapreduce.Invalid, "not a WebAssembly module (no \\0asm header)"},
		{"truncated", []string{truncated}, mapreduce.Invalid, "compile wasm module"},
		{"component", []string{component}, mapreduce.Invalid, "not a WebAssembly core module"},
		{"missing", []string{filepath.Join(dir, "nope.wasm")}, mapreduce.NotExist, "no such file"},
		{"empty", nil, mapreduce.Invalid, "empty command"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := r.Start(context.Background(), mapreduce.Command{Args: tc.args})
			if !mapreduce.IsKind(err, tc.kind) || !strings.Contains(err.Error(), tc.text) {
				t.Fatalf("Start = %v (kind %v), want a %v error containing %q", err, mapreduce.KindOf(err), tc.kind, tc.text)
			}
			if tc.kind == mapreduce.NotExist && !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("errors.Is(%v, fs.ErrNotExist) = false", err)
			}
		})
	}
}

func TestCompileOnce(t *testing.T) {
	cache := t.TempDir()
	r := newRunner(t, func(c *Config) { c.CacheDir = cache })
	g := guest(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, errs[i] = run(t, r, context.Background(), mapreduce.Command{Args: []string{g, "exit0"}})
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if n := len(r.modules.byHash); n != 1 {
		t.Errorf("%d compiled modules cached, want 1", n)
	}
	if entries, _ := os.ReadDir(cache); len(entries) == 0 {
		t.Error("disk cache is empty")
	}
	// A new Runner on the same disk cache starts without compiling: much
	// faster than the first compile.
	t0 := time.Now()
	r2 := newRunner(t, func(c *Config) { c.CacheDir = cache })
	if _, _, err := run(t, r2, context.Background(), mapreduce.Command{Args: []string{g, "exit0"}}); err != nil {
		t.Fatal(err)
	}
	t.Logf("new Runner, disk-cached module: first run in %v", time.Since(t0))
}

func TestEviction(t *testing.T) {
	suite.Require(t, suite.Heavy) // compiles the guest three times
	r := newRunner(t, func(c *Config) { c.MaxCompiled = 1 })
	dir := t.TempDir()
	code, _ := os.ReadFile(guest(t))
	a, b := filepath.Join(dir, "a.wasm"), filepath.Join(dir, "b.wasm")
	os.WriteFile(a, code, 0o644)
	// Same program, other bytes: a custom section appended.
	os.WriteFile(b, append(append([]byte(nil), code...), 0, 4, 2, 'z', 'z', 'x'), 0o644)
	for _, p := range []string{a, b, a} {
		if _, _, err := run(t, r, context.Background(), mapreduce.Command{Args: []string{p, "exit0"}}); err != nil {
			t.Fatal(err)
		}
		if n := len(r.modules.byHash); n != 1 {
			t.Errorf("%d compiled modules cached, want 1", n)
		}
	}
}

// TestMemoryReuseIsZeroed runs a C module that checks its memory is zero
// outside its image and then dirties it all, several times in one Runner,
// whose memory pool hands the dirtied memory to the next instance.
func TestMemoryReuseIsZeroed(t *testing.T) {
	module := buildC(t, "testdata/zeroes.c")
	r := newRunner(t, nil)
	for i := range 3 {
		out, _, err := run(t, r, context.Background(), mapreduce.Command{Args: []string{module}})
		if err != nil || !strings.HasPrefix(out, "clean ") {
			t.Fatalf("run %d: Wait = %v, output %q", i, err, out)
		}
		// A Go instance in between uses and dirties memory too.
		if _, _, err := run(t, r, context.Background(), mapreduce.Command{Args: []string{guest(t), "alloc", "20"}}); err != nil {
			t.Fatal(err)
		}
	}
}
