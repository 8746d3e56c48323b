package worker

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"zebra/jobtracker"
)

// TestDeepTreeDoesNotBlockRestart: a task can leave a directory tree in
// its work directory deeper than the worker's open-file limit (os.RemoveAll
// holds a descriptor per level). The restarted worker must still start: the
// leftovers are moved aside at once, and their deletion failing is only
// logged.
func TestDeepTreeDoesNotBlockRestart(t *testing.T) {
	data := t.TempDir()
	job := filepath.Join(data, "work", "job_1_0001")
	dir := filepath.Join(job, "attempt_1_0001_m_000000_0", "work")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var old unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &old); err != nil {
		t.Fatal(err)
	}
	const limit, depth = 256, 600 // the limit stands for the hard one (Go raises the soft limit to it)
	fd, err := unix.Open(dir, unix.O_DIRECTORY|unix.O_RDONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	for range depth {
		if err := unix.Mkdirat(fd, "a", 0o755); err != nil {
			t.Fatal(err)
		}
		nfd, err := unix.Openat(fd, "a", unix.O_DIRECTORY|unix.O_RDONLY, 0)
		unix.Close(fd)
		if err != nil {
			t.Fatal(err)
		}
		fd = nfd
	}
	unix.Close(fd)
	lim := old
	lim.Cur = limit
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	err = clearLeftovers(data, slog.New(slog.DiscardHandler))
	unix.Setrlimit(unix.RLIMIT_NOFILE, &old)
	if err != nil {
		t.Fatalf("clearLeftovers: %v; want the worker to start", err)
	}
	if _, err := os.Lstat(job); err == nil {
		t.Errorf("%s is still in work/", job)
	}
	trash, _ := filepath.Glob(filepath.Join(data, trashPrefix+"*"))
	if len(trash) != 1 {
		t.Fatalf("trash directories %v, want one", trash)
	}
	// The test's own clean-up must not depend on the background deletion.
	t.Cleanup(func() { os.RemoveAll(trash[0]) })
}

// TestWorkerRefusesTrackerData: a worker given the jobtracker's --data
// (the same layout, jobs/<id>/bundle.tar) is refused and removes nothing,
// and entries of jobs/ and work/ that are not a job's are left alone.
func TestWorkerRefusesTrackerData(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	data := t.TempDir()
	tr, err := jobtracker.Open(jobtracker.Config{Data: data, PollWait: 50 * time.Millisecond, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	bundle := filepath.Join(data, "jobs", "job_1_0001", "bundle.tar")
	if err := os.MkdirAll(filepath.Dir(bundle), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bundle, []byte("a running job's bundle\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = Run(ctx, Config{JobTracker: "http://127.0.0.1:1", Data: data, Name: "w0", MapSlots: 1, ReduceSlots: 1,
		Transport: newMemShuffles(1)[0], Logger: log})
	if err == nil || !strings.Contains(err.Error(), "jobtracker.db") || !strings.Contains(err.Error(), "--data") {
		t.Fatalf("Run: %v; want a refusal naming jobtracker.db and --data", err)
	}
	if _, err := os.Stat(bundle); err != nil {
		t.Errorf("the jobtracker's bundle: %v, want it kept", err)
	}

	other := t.TempDir()
	keep := filepath.Join(other, "work", "not-a-job", "f")
	if err := os.MkdirAll(filepath.Dir(keep), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keep, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := clearLeftovers(other, log); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(keep); err != nil {
		t.Errorf("%s: %v, want it kept (not a job's)", keep, err)
	}
}
