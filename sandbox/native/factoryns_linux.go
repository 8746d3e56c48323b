package native

import (
	"fmt"
	"os"
	"sort"

	"github.com/moby/sys/mountinfo"
	"golang.org/x/sys/unix"
)

// narrowMounts gives the calling thread, the factory's forking thread, a
// mount namespace of its own with only the mounts that the system part of
// an instance's root (plan) is bound from: the root file system, the
// mounts of the plan's bind sources and those beneath its directories,
// and /proc (the factory writes its instances' id maps there). Every
// instance starts as a copy of this namespace (CLONE_NEWNS copies every
// mount) and detaches all of it once its root is built, so each host
// mount it leaves out is one mount fewer to copy and to tear down per
// instance; a storage node has one per disk. It is only for a Runner that
// hands the task's paths over as detached mounts (Config: a worker with
// open_tree): otherwise they are bound from the host's tree at hand-over.
// Host mounts made later still reach the namespace (it is a slave of the
// host's). It returns how many mounts it detached.
func narrowMounts(plan []mountEntry) (int, error) {
	if err := unix.Unshare(unix.CLONE_NEWNS); err != nil {
		return 0, fmt.Errorf("new mount namespace: %w", err)
	}
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_SLAVE, ""); err != nil {
		return 0, fmt.Errorf("make mounts slaves: %w", err)
	}
	f, err := os.Open("/proc/thread-self/mountinfo")
	if err != nil {
		return 0, err
	}
	mounts, err := mountinfo.GetMountsFromReader(f, nil)
	f.Close()
	if err != nil {
		return 0, fmt.Errorf("read mountinfo: %w", err)
	}
	keep := func(mp string) bool {
		if mp == "/" || mp == "/proc" {
			return true
		}
		for _, m := range plan {
			if m.Kind != kindBind {
				continue
			}
			// The source lies in the mount, or the mount lies beneath a
			// source directory (a recursive bind carries it).
			if under(m.Src, mp) || under(mp, m.Src) {
				return true
			}
		}
		return false
	}
	var drop []string
	for _, m := range mounts {
		if !keep(m.Mountpoint) {
			drop = append(drop, m.Mountpoint)
		}
	}
	// Deepest first; a mount point listed twice (one mount over another)
	// is unmounted twice.
	sort.SliceStable(drop, func(i, j int) bool { return len(drop[i]) > len(drop[j]) })
	n := 0
	for _, mp := range drop {
		if unix.Unmount(mp, unix.MNT_DETACH) == nil {
			n++
		}
	}
	return n, nil
}
