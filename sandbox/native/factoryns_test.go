package native

import (
	"context"
	"os"
	"strconv"
	"testing"

	"github.com/moby/sys/mountinfo"
)

// TestFactoryMountNamespace checks that the factory of a Runner that hands
// paths over as detached mounts forks its instances from a mount
// namespace holding only the root, /proc and the mounts of the system
// directories: the host's other mounts (/sys, cgroup file systems, data
// disks) are not in it, so no instance copies them. The instances still
// run (the attack tests check what they see).
func TestFactoryMountNamespace(t *testing.T) {
	if os.Getuid() != 0 || !canDetach() {
		t.Skip("needs root and detached mounts (open_tree, mount_setattr)")
	}
	host, err := mountinfo.GetMounts(nil)
	if err != nil {
		t.Fatal(err)
	}
	// Host mounts no system directory of an instance comes from.
	var other []string
	for _, m := range host {
		if m.Mountpoint == "/sys" || under(m.Mountpoint, "/sys") || m.Mountpoint == "/dev/pts" {
			other = append(other, m.Mountpoint)
		}
	}
	if len(other) == 0 {
		t.Skip("the host has no /sys or /dev/pts mount to leave out")
	}
	c := testConfig(t)
	c.Pool = 0
	r := newRunner(t, c)
	if res := run(t, context.Background(), r, workDir(t), "", "true"); res.err != nil {
		t.Fatalf("run: %v; stderr %s", res.err, res.stderr)
	}
	r.factory.mu.Lock()
	pid := r.factory.cmd.Process.Pid
	r.factory.mu.Unlock()
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	mounts, err := mountinfo.GetMountsFromReader(f, nil)
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, m := range mounts {
		have[m.Mountpoint] = true
	}
	for _, mp := range []string{"/", "/proc"} {
		if !have[mp] {
			t.Errorf("the factory's mount namespace has no %s", mp)
		}
	}
	for _, mp := range other {
		if have[mp] {
			t.Errorf("the factory's mount namespace still has the host's %s", mp)
		}
	}
	if len(mounts) >= len(host) {
		t.Errorf("the factory has %d mounts, the host %d", len(mounts), len(host))
	}
}
