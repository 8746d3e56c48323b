package main

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestStaleScratchSwept: a local job's scratch directory that a killed
// command left behind (no live command holds it) is removed by the next
// command; a live command's, a just-made one and a link named like one
// (with what it points to) are left; the command's own scratch directory
// is locked while it runs and removed at its end.
func TestStaleScratchSwept(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	old := time.Now().Add(-2 * time.Hour)
	mk := func(name string) string {
		d := filepath.Join(tmp, name)
		if err := os.MkdirAll(filepath.Join(d, "attempt_x", "out"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "attempt_x", "out", "spill0.out"), []byte("map output\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(d, old, old); err != nil {
			t.Fatal(err)
		}
		return d
	}
	stale := mk(scratchPrefix + "killed")
	live := mk(scratchPrefix + "live")
	lock, err := lockDir(live, false) // as the running command holds it
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	young := filepath.Join(tmp, scratchPrefix+"young")
	if err := os.Mkdir(young, 0o700); err != nil {
		t.Fatal(err)
	}
	victim := mk("victim")
	link := filepath.Join(tmp, scratchPrefix+"link")
	if err := os.Symlink(victim, link); err != nil {
		t.Fatal(err)
	}
	ts := []unix.Timespec{unix.NsecToTimespec(old.UnixNano()), unix.NsecToTimespec(old.UnixNano())}
	if err := unix.UtimesNanoAt(unix.AT_FDCWD, link, ts, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		t.Fatal(err)
	}

	e, done, err := localEnv()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the killed command's scratch directory is still there (%v)", err)
	}
	for _, p := range []string{live, young, link, filepath.Join(victim, "attempt_x", "out", "spill0.out")} {
		if _, err := os.Lstat(p); err != nil {
			t.Errorf("%s: %v, want it left", p, err)
		}
	}
	if filepath.Dir(e.WorkDir) != tmp {
		t.Fatalf("scratch directory %s, want one in %s", e.WorkDir, tmp)
	}
	if f, err := lockDir(e.WorkDir, true); !errors.Is(err, unix.EWOULDBLOCK) {
		t.Errorf("lock the running command's scratch directory: %v, want EWOULDBLOCK (it holds it)", err)
		if f != nil {
			f.Close()
		}
	}
	done()
	if _, err := os.Lstat(e.WorkDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the command's own scratch directory is left after it ended (%v)", err)
	}
}
