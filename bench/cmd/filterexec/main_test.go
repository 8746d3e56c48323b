package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestMain runs filterexec's main when the test starts its own binary as
// filterexec (FILTEREXEC_TEST_MAIN=1), the tests otherwise: the tests run
// the real command without a separate build.
func TestMain(m *testing.M) {
	if os.Getenv("FILTEREXEC_TEST_MAIN") == "1" {
		os.Args = append([]string{"filterexec"}, os.Args[1:]...)
		main()
		return
	}
	os.Exit(m.Run())
}

// filterexec returns the command "filterexec args..." (this test binary).
func filterexec(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "FILTEREXEC_TEST_MAIN=1")
	return cmd
}

// seccompMode is the "Seccomp:" field of a /proc/PID/status text.
func seccompMode(t *testing.T, status string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^Seccomp:\s*(\d+)$`).FindStringSubmatch(status)
	if m == nil {
		t.Skipf("kernel without seccomp (no Seccomp: line in /proc/self/status)")
	}
	return m[1]
}

// filters is the "Seccomp_filters:" field of a /proc/PID/status text.
func filters(t *testing.T, status string) int {
	t.Helper()
	m := regexp.MustCompile(`(?m)^Seccomp_filters:\s*(\d+)$`).FindStringSubmatch(status)
	if m == nil {
		t.Skipf("kernel without Seccomp_filters in /proc/PID/status (before 5.9)")
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// TestChildIsFiltered checks the program filterexec starts runs in seccomp
// filter mode (Seccomp: 2) with one filter more than the same program
// started directly by this process (which may itself run under a
// container's filter), and with no_new_privs set.
func TestChildIsFiltered(t *testing.T) {
	plain, err := exec.Command("cat", "/proc/self/status").Output()
	if err != nil {
		t.Fatalf("cat /proc/self/status: %v", err)
	}
	seccompMode(t, string(plain))
	out, err := filterexec(t, "cat", "/proc/self/status").Output()
	if err != nil {
		t.Fatalf("filterexec cat /proc/self/status: %v", err)
	}
	if got := seccompMode(t, string(out)); got != "2" {
		t.Errorf("Seccomp: %s in filterexec's child, want 2 (filter mode)", got)
	}
	if got, want := filters(t, string(out)), filters(t, string(plain))+1; got != want {
		t.Errorf("Seccomp_filters: %d in filterexec's child, want %d (one more than without filterexec)", got, want)
	}
	if !regexp.MustCompile(`(?m)^NoNewPrivs:\s*1$`).Match(out) {
		t.Errorf("want NoNewPrivs: 1 in the child:\n%s", out)
	}
}

// TestExitStatusPassedOn checks the program's exit status is filterexec's.
func TestExitStatusPassedOn(t *testing.T) {
	for _, code := range []string{"0", "1", "7", "255"} {
		err := filterexec(t, "sh", "-c", "exit "+code).Run()
		got := "0"
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			got = strconv.Itoa(ee.ExitCode())
		} else if err != nil {
			t.Fatalf("filterexec sh -c 'exit %s': %v", code, err)
		}
		if got != code {
			t.Errorf("filterexec sh -c 'exit %s' exited %s", code, got)
		}
	}
}

// TestShippedScriptFirst checks a bare name is found in the working
// directory before $PATH, as a streaming task's program is.
func TestShippedScriptFirst(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "true"), []byte("#!/bin/sh\necho shipped \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := filterexec(t, "true", "a", "b")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("filterexec true a b in %s: %v", dir, err)
	}
	if string(out) != "shipped a b\n" {
		t.Errorf("output %q: want the working directory's script to run with its arguments", out)
	}
}

// TestErrors checks filterexec's own failures: no program (2), a program
// not found (127), one not executable (126), each with a message.
func TestErrors(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "noexec"), []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{nil, 2, "usage: filterexec"},
		{[]string{"no-such-program-zebra"}, 127, `find program "no-such-program-zebra"`},
		{[]string{"./noexec"}, 126, "exec ./noexec: permission denied"},
	} {
		cmd := filterexec(t, c.args...)
		cmd.Dir = dir
		var stderr strings.Builder
		cmd.Stderr = &stderr
		err := cmd.Run()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != c.code {
			t.Errorf("filterexec %q: %v, want exit status %d", c.args, err, c.code)
		}
		if !strings.Contains(stderr.String(), c.msg) {
			t.Errorf("filterexec %q: stderr %q, want it to contain %q", c.args, stderr.String(), c.msg)
		}
	}
}
