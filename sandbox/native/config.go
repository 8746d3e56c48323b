package native

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Config configures a Runner. The zero value of a limit means "no limit";
// DefaultConfig sets the limits a shared worker should use. A Runner copies
// its Config; change a copy to derive another Runner.
type Config struct {
	// InitPath is the binary that runs the sandbox init inside the new
	// namespaces: the zebra binary or, in tests, the test binary; any
	// binary that links this package is one (its init runs InitMain).
	// Empty means the running executable.
	InitPath string

	// ReadOnly are extra host paths mounted read-only at the same path
	// (shipped files, archives, input data on local disk).
	ReadOnly []string
	// Allow are the host directories, besides the system directories every
	// instance has (/usr, /bin, /sbin, /lib*), that resolving a command may
	// mount: the interpreter installations the operator names (a pyenv
	// root's versions, /opt/conda, ...). On a cluster worker a program or
	// interpreter outside them, or a hint the job ships (a #! line, a
	// pyvenv.cfg home, PATH or PYENV_* of -cmdenv) naming another place,
	// is refused with an error saying so.
	Allow []string
	// Local marks the local runner, where the submitting user runs their
	// own job (as Hadoop's local mode does): the command's PATH lookups and
	// absolute paths are the user's and are mounted as found (the user's
	// interpreters and virtualenvs), files the command line names by
	// absolute path are shown read-only, and hints from the job's own files
	// may name only the user's interpreter installations and Allow.
	Local bool
	// Hostname is the host name inside the sandbox.
	Hostname string
	// HostUID and HostGID are the host identity of the program when the
	// worker runs as root (the sandbox's user "zebra", 1000, maps to them).
	// The working directory is given to this user. An unprivileged worker
	// can map only itself: the program then runs as the worker's uid.
	HostUID, HostGID int

	// Memory bounds the instance's memory (cgroup memory limit, tmpfs pages
	// included; swap is not allowed). Without a usable memory cgroup it
	// becomes RLIMIT_AS of each process.
	Memory int64
	// AddressSpace is RLIMIT_AS of every process, on top of Memory.
	AddressSpace int64
	// Processes bounds the number of tasks (processes and threads) of the
	// instance: cgroup pids.max, else RLIMIT_NPROC.
	Processes int
	// CPUTime is RLIMIT_CPU of every process (rounded up to seconds).
	CPUTime time.Duration
	// WallTime is the longest an instance may run; the host-side controller
	// kills it afterwards.
	WallTime time.Duration
	// FileSize is RLIMIT_FSIZE: the largest file a program may write.
	FileSize int64
	// OpenFiles is RLIMIT_NOFILE.
	OpenFiles int
	// Output bounds the bytes written to stdout and to stderr (each).
	Output int64
	// TmpSize is the size of the private tmpfs on /tmp (and /dev/shm).
	TmpSize int64

	// SharedNetwork, opt-in, puts all instances of the Runner in one empty
	// network namespace instead of giving each its own (made ahead, in
	// the pool). It saves about 0.6 ms of CPU time per start (the kernel
	// makes and tears down a namespace per instance; a pool only moves
	// that work), and up to about that much of a start's p50 when starts
	// come back to back (BenchmarkBootTrueSharedNetwork), but instances then
	// see each other's sockets in /proc/net (unix, tcp, udp: bound
	// abstract names and ports), a channel between tenants' tasks; it also
	// needs root and Landlock's scope of abstract unix sockets (ABI 6), and
	// without them the Runner falls back to one namespace per task.
	SharedNetwork bool

	// CgroupParent is the cgroup directory (v2) or the path below each v1
	// controller's mount under which instance cgroups are made. Empty means
	// the worker's own cgroup.
	CgroupParent string
	// NoCgroups disables cgroups: limits are rlimits only.
	NoCgroups bool

	// Pool is how many instances the Runner keeps ready ahead of Start:
	// namespaces, cgroups and the system part of the root made, waiting for
	// a program. Start then only binds the task's directories and starts
	// the program, which takes the instance's setup off the start latency.
	// Each instance is used for one task and then destroyed; nothing of one
	// task reaches another. Pooled instances cost little memory (a few
	// mounts, empty tmpfs, cgroup directories, a small process); a root
	// worker makes them at a lower priority (nice +10) than its tasks run
	// at and gives each the worker's priority back when it gets its task.
	// 0 makes every instance at Start. DefaultConfig uses 2.
	Pool int
	// PoolMaxIdle is the longest a pooled instance waits for a task before
	// it is destroyed and replaced. It bounds how old an instance's view of
	// the host's system directories is: files of /etc it binds (one
	// replaced by a rename stays the old one in the instance) and, for a
	// worker that cannot make detached mounts, the host's mount table the
	// task's paths are bound from. 0 means 10 seconds.
	PoolMaxIdle time.Duration
}

const defaultPoolMaxIdle = 10 * time.Second

const (
	kiB = 1 << 10
	miB = 1 << 20
)

// DefaultConfig returns the limits of a shared worker.
func DefaultConfig() Config {
	exe, _ := os.Executable()
	return Config{
		InitPath:  exe,
		Hostname:  "zebra",
		HostUID:   65534,
		HostGID:   65534,
		Memory:    1 << 30,
		Processes: 256,
		CPUTime:   time.Hour,
		WallTime:  2 * time.Hour,
		FileSize:  10 << 30,
		OpenFiles: 1024,
		Output:    64 << 30,
		TmpSize:   256 * miB,
		Pool:      2,
	}
}

// Validate reports the first problem of c.
func (c *Config) Validate() error {
	if c.InitPath != "" && !filepath.IsAbs(c.InitPath) {
		return fmt.Errorf("sandbox config: init path %q is not absolute", c.InitPath)
	}
	for _, p := range c.ReadOnly {
		if !filepath.IsAbs(p) {
			return fmt.Errorf("sandbox config: read-only path %q is not absolute", p)
		}
	}
	for _, p := range c.Allow {
		if !filepath.IsAbs(p) || filepath.Clean(p) == "/" {
			return fmt.Errorf("sandbox config: allowed installation %q must be an absolute directory other than /", p)
		}
	}
	switch {
	case c.Memory < 0, c.AddressSpace < 0, c.FileSize < 0, c.Output < 0, c.TmpSize < 0:
		return errors.New("sandbox config: negative size limit")
	case c.HostUID <= 0 || c.HostGID <= 0:
		return errors.New("sandbox config: the host uid and gid of programs must be set and must not be root's")
	case c.Processes < 0, c.OpenFiles < 0:
		return errors.New("sandbox config: negative count limit")
	case c.Pool < 0:
		return errors.New("sandbox config: negative pool size")
	case c.CPUTime < 0, c.WallTime < 0, c.PoolMaxIdle < 0:
		return errors.New("sandbox config: negative time limit")
	case c.Memory > 0 && c.Memory < 8*miB:
		return fmt.Errorf("sandbox config: memory limit %s is below 8 MiB", size(c.Memory))
	case c.Processes == 1:
		return errors.New("sandbox config: a process limit of 1 leaves no room for the init")
	case c.OpenFiles > 0 && c.OpenFiles < 16:
		return fmt.Errorf("sandbox config: open-files limit %d is below 16", c.OpenFiles)
	}
	return nil
}

// size formats n bytes for messages: "512 MiB", "64 KiB", "100 B".
func size(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= miB && n%miB == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= kiB && n%kiB == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}
