package native

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// Mount kinds that hide or freeze parts of the instance's fresh /proc.
const (
	// kindMask hides Dst: an empty read-only tmpfs over a directory, the
	// instance's /dev/null over a file.
	kindMask = "mask"
	// kindReadOnly binds the instance's own Dst (not the host's) on itself
	// read-only.
	kindReadOnly = "readonly"
	// kindMqueue mounts the instance's IPC namespace's POSIX message
	// queues at Dst (for the program's Landlock rule, see landlockAhead).
	kindMqueue = "mqueue"
)

// A fresh /proc of the instance's PID namespace shows only its processes,
// but its other files are the kernel's, and some are about the host: the
// kernel's command line, its symbols and configuration, keys, timers,
// physical memory and device layout. The instance masks these (as runc,
// crun and gVisor do) and makes the kernel's tunables read-only; /sys is
// not mounted at all.
var (
	procMasked = []string{
		"acpi", "asound", "bus", "cmdline", "config.gz", "driver", "iomem", "ioports", "irq", "kallsyms",
		"kcore", "key-users", "keys", "kmsg", "kpagecgroup", "kpagecount", "kpageflags", "latency_stats",
		"modules", "mtrr", "pagetypeinfo", "sched_debug", "scsi", "slabinfo", "sysrq-trigger", "timer_list",
		"timer_stats", "vmallocinfo",
	}
	procReadOnly = []string{"fs", "sys"}
)

// procMasks returns the plan entries that mask procMasked and freeze
// procReadOnly of the /proc mounted at dst, for the entries the host's
// kernel has (the instance's /proc is of the same kernel). Files only
// their owner, root, may read (kcore, kmsg, timer_list, ...) need no mask:
// the program's user is never root's (a mount costs each instance time).
func procMasks(dst string) []mountEntry {
	var plan []mountEntry
	for _, n := range procMasked {
		if fi, err := os.Lstat(filepath.Join("/proc", n)); err == nil && (fi.IsDir() || fi.Mode()&0o004 != 0) {
			plan = append(plan, mountEntry{Kind: kindMask, Dst: filepath.Join(dst, n)})
		}
	}
	for _, n := range procReadOnly {
		if _, err := os.Lstat(filepath.Join("/proc", n)); err == nil {
			plan = append(plan, mountEntry{Kind: kindReadOnly, Dst: filepath.Join(dst, n)})
		}
	}
	return plan
}

// mqueueMount returns the plan entry that mounts the instance's POSIX
// message queues at dst, if the kernel has them.
func mqueueMount(dst string) []mountEntry {
	b, err := os.ReadFile("/proc/filesystems")
	if err != nil || !bytes.Contains(b, []byte("\tmqueue\n")) {
		return nil
	}
	return []mountEntry{{Kind: kindMqueue, Dst: dst}}
}

// maskEntry adds the steps of a kindMask or kindReadOnly entry. Whether Dst
// is a directory is read from the host's /proc.
func (w *opWriter) maskEntry(m mountEntry) error {
	host := filepath.Join("/proc", filepath.Base(m.Dst))
	fi, err := os.Stat(host)
	if err != nil && m.Kind != kindMqueue {
		return fmt.Errorf("%s %s: %w", m.Kind, m.Dst, err)
	}
	desc := m.Kind + " " + m.Dst
	if m.Kind == kindMqueue {
		w.mkdirAll(m.Dst, 0o755)
		w.op(opMount, unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, 0, 0, desc, "mqueue", m.Dst, "mqueue", "")
		return nil
	}
	switch {
	case m.Kind == kindReadOnly:
		w.op(opBind, unix.MOUNT_ATTR_RDONLY|unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NODEV|unix.MOUNT_ATTR_NOEXEC, 0, 0, desc, m.Dst, m.Dst)
	case fi.IsDir() && w.maskDir != "":
		// The first directory's empty tmpfs again: a bind costs the
		// instance less than a file system of its own, to make and to
		// tear down.
		w.op(opBind, unix.MOUNT_ATTR_RDONLY|unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NODEV|unix.MOUNT_ATTR_NOEXEC, 0, 0, desc, w.maskDir, m.Dst)
	case fi.IsDir():
		w.op(opMount, unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, 0, 0, desc, "tmpfs", m.Dst, "tmpfs", "size=0,nr_inodes=1,mode=0555")
		w.maskDir = m.Dst
	default:
		// Reads are empty; a write would go to /dev/null.
		w.op(opBind, unix.MOUNT_ATTR_RDONLY|unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NOEXEC, 0, 0, desc, "/dev/null", m.Dst)
	}
	return nil
}
