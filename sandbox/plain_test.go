package sandbox

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"zebra/mapreduce"
)

func TestPlainRunsAndReportsExitCode(t *testing.T) {
	var out bytes.Buffer
	p, err := Plain{}.Start(context.Background(), mapreduce.Command{
		Args: []string{"/bin/sh", "-c", "echo hi; exit 3"}, Dir: t.TempDir(), Stdout: &out, Stderr: &out})
	if err != nil {
		t.Fatal(err)
	}
	err = p.Wait()
	var ee *mapreduce.ExitError
	if !errors.As(err, &ee) || ee.Code != 3 {
		t.Fatalf("Wait = %v, want exit status 3", err)
	}
	if out.String() != "hi\n" {
		t.Errorf("stdout %q, want %q", out.String(), "hi\n")
	}
}

func TestPlainMissingProgram(t *testing.T) {
	_, err := Plain{}.Start(context.Background(), mapreduce.Command{Args: []string{"/nonexistent/prog"}, Dir: t.TempDir()})
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Start = %v, want a not-exist error", err)
	}
}

// TestPlainCancelKillsProcessTree starts a shell that leaves a background
// grandchild, cancels the context, and checks both are gone.
func TestPlainCancelKillsProcessTree(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "pid")
	ctx, cancel := context.WithCancel(context.Background())
	p, err := Plain{}.Start(ctx, mapreduce.Command{
		Args: []string{"/bin/sh", "-c", "sleep 300 & echo $! > " + pidFile + "; wait"}, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	var grandchild int
	for i := 0; i < 500 && grandchild == 0; i++ {
		if b, err := os.ReadFile(pidFile); err == nil && strings.HasSuffix(string(b), "\n") {
			grandchild, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		} else {
			time.Sleep(10 * time.Millisecond)
		}
	}
	if grandchild == 0 {
		t.Fatal("the shell never reported its child")
	}
	cancel()
	err = p.Wait()
	var ee *mapreduce.ExitError
	if !errors.As(err, &ee) || ee.Signal == "" {
		t.Fatalf("Wait = %v, want death by signal", err)
	}
	// The grandchild must be gone (or a zombie about to be reaped by init).
	for i := 0; i < 500; i++ {
		if err := syscall.Kill(grandchild, 0); errors.Is(err, syscall.ESRCH) {
			return
		}
		if b, err := os.ReadFile("/proc/" + strconv.Itoa(grandchild) + "/stat"); err == nil && strings.Contains(string(b), ") Z ") {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("grandchild %d survived the kill", grandchild)
}

// TestPlainRefusesMounts checks that a plain process is never started
// without the channels its command asks for.
func TestPlainRefusesMounts(t *testing.T) {
	_, err := Plain{}.Start(context.Background(), mapreduce.Command{Args: []string{"true"},
		Mounts: []mapreduce.Mount{{Host: "/tmp", Guest: "/dev/in"}}})
	if err == nil || !strings.Contains(err.Error(), "need the native sandbox") {
		t.Fatalf("got %v, want a refusal naming the native sandbox", err)
	}
}
