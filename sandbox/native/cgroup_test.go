package native

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// TestCgroupsLeftByDeadProcesses: cgroups a killed process left behind
// (names carry its pid) neither block a later process that gets the same
// pid nor pile up: an existing empty one is made again, and sweep removes
// dead processes' ones while keeping live processes'.
func TestCgroupsLeftByDeadProcesses(t *testing.T) {
	cs, err := detectCgroups("")
	if err != nil {
		t.Skipf("no cgroups here: %v", err)
	}
	parent := cs.memory
	if parent == "" {
		parent = cs.pids
	}
	dead := 0
	for pid := 32000; pid > 2; pid-- {
		if errors.Is(unix.Kill(pid, 0), unix.ESRCH) {
			dead = pid
			break
		}
	}
	leftover := filepath.Join(parent, fmt.Sprintf("zebra-%d-1", dead))
	live := filepath.Join(parent, fmt.Sprintf("zebra-%d-1", os.Getppid()))
	for _, d := range []string{leftover, live} {
		if err := os.Mkdir(d, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
			t.Fatal(err)
		}
	}
	defer unix.Rmdir(live)
	defer unix.Rmdir(leftover)
	// The next instance name of this process exists already, as if a dead
	// process with this pid had left it.
	mine := filepath.Join(parent, fmt.Sprintf("zebra-%d-%d", os.Getpid(), cgroupSeq.Load()+1))
	if err := os.Mkdir(mine, 0o755); err != nil {
		t.Fatal(err)
	}
	ic, err := cs.newInstance(64<<20, 16)
	if err != nil {
		unix.Rmdir(mine)
		t.Fatalf("an instance whose cgroup name was taken by a leftover: %v", err)
	}
	ic.remove()
	if n := cs.sweep(); n < 1 {
		t.Errorf("sweep removed %d cgroups, want the dead process's", n)
	}
	if _, err := os.Stat(leftover); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the dead process's cgroup %s is still there (%v)", leftover, err)
	}
	if _, err := os.Stat(live); err != nil {
		t.Errorf("the live process's cgroup %s was removed: %v", live, err)
	}
}
