package native

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"zebra/sandbox/seccomp"
)

// InitMain is the sandbox init: the Runner starts the init binary
// (Config.InitPath) in the new namespaces, and the binary's main must call
// InitMain first thing when os.Args[1] is InitArg (cmd/zebra) or the
// environment has InitEnv=1 (tests). It reads the spec from fd 3, builds the
// root file system, sets the host name and limits, drops capabilities,
// loads the seccomp filter, starts the program and reaps until it exits,
// reporting its wait status on fd 5. It never returns: on failure it
// reports on fd 4 and exits with status 127.
func InitMain() {
	runtime.LockOSThread()
	err := initSandbox()
	msg := "sandbox init: " + err.Error()
	if _, werr := unix.Write(errorFD, []byte(msg)); werr != nil {
		fmt.Fprintln(os.Stderr, msg)
	}
	os.Exit(127)
}

func initSandbox() error {
	unix.CloseOnExec(errorFD)
	unix.CloseOnExec(statusFD)
	f := os.NewFile(specFD, "spec")
	b, err := io.ReadAll(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("read spec: %w", err)
	}
	var s spec
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("decode spec: %w", err)
	}
	// The parent has put us in our cgroups: make them our cgroup root.
	if err := unix.Unshare(unix.CLONE_NEWCGROUP); err != nil {
		return fmt.Errorf("new cgroup namespace: %w", err)
	}
	// Assemble the filter before the first mount: nothing after the
	// capabilities are gone should be able to fail for lack of memory.
	prog, err := seccomp.Assemble(seccomp.Options{SharedNetwork: s.SharedNetwork})
	if err != nil {
		return err
	}
	if err := buildRoot(s.Mounts); err != nil {
		return err
	}
	if s.Hostname != "" {
		if err := unix.Sethostname([]byte(s.Hostname)); err != nil {
			return fmt.Errorf("set host name: %w", err)
		}
	}
	if err := unix.Chdir(s.Dir); err != nil {
		return fmt.Errorf("enter working directory: %w", err)
	}
	for _, r := range s.Rlimits {
		if err := unix.Setrlimit(r.Resource, &unix.Rlimit{Cur: r.Cur, Max: r.Max}); err != nil {
			return fmt.Errorf("set rlimit %d: %w", r.Resource, err)
		}
	}
	if err := dropCapabilities(s.SwitchUser); err != nil {
		return err
	}
	if err := unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
		return fmt.Errorf("set non-dumpable: %w", err)
	}
	if err := seccomp.Load(prog); err != nil {
		return err
	}
	// The program must not be PID 1: the kernel drops signals with a default
	// action sent to a namespace's init from inside, SIGXCPU and SIGXFSZ of
	// the rlimits included. The init stays as PID 1, with the program's
	// privileges (none), and reaps.
	pid, err := syscall.ForkExec(s.Path, s.Args, &syscall.ProcAttr{Env: s.Env, Files: []uintptr{0, 1, 2}})
	if err != nil {
		return fmt.Errorf("exec %s: %w", s.Path, err)
	}
	unix.Close(errorFD)
	for {
		var ws unix.WaitStatus
		wpid, err := unix.Wait4(-1, &ws, 0, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil || wpid == pid {
			// Report the program's status; exiting kills what is left.
			var b [4]byte
			binary.LittleEndian.PutUint32(b[:], uint32(ws))
			unix.Write(statusFD, b[:])
			os.Exit(0)
		}
	}
}

const oldRoot = "/.oldroot"

// buildRoot makes a tmpfs the root, with the host's root at /.oldroot while
// the plan's binds are made from it, then detaches the host's root and makes
// the new root read-only.
func buildRoot(plan []mountEntry) error {
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("make mounts private: %w", err)
	}
	// The base is mounted on /tmp only to have a mount point: after
	// pivot_root, /.oldroot/tmp is the host's /tmp again.
	base := "/tmp"
	if err := unix.Mount("tmpfs", base, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "size=1m,nr_inodes=4096,mode=0755"); err != nil {
		return fmt.Errorf("mount root tmpfs: %w", err)
	}
	if err := unix.Mkdir(base+oldRoot, 0o700); err != nil {
		return fmt.Errorf("mkdir: %w", err)
	}
	if err := unix.PivotRoot(base, base+oldRoot); err != nil {
		return fmt.Errorf("pivot_root: %w", err)
	}
	if err := unix.Chdir("/"); err != nil {
		return err
	}
	for _, m := range plan {
		if err := doMount(m); err != nil {
			return fmt.Errorf("%v: %w", m, err)
		}
	}
	if err := unix.Unmount(oldRoot, unix.MNT_DETACH); err != nil {
		return fmt.Errorf("detach host root: %w", err)
	}
	if err := unix.Rmdir(oldRoot); err != nil {
		return fmt.Errorf("remove %s: %w", oldRoot, err)
	}
	if err := unix.Mount("", "/", "", unix.MS_REMOUNT|unix.MS_BIND|unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV, ""); err != nil {
		return fmt.Errorf("make root read-only: %w", err)
	}
	return nil
}

func doMount(m mountEntry) error {
	switch m.Kind {
	case kindSymlink:
		if err := os.MkdirAll(filepath.Dir(m.Dst), 0o755); err != nil {
			return err
		}
		return os.Symlink(m.Src, m.Dst)
	case kindFile:
		if err := os.MkdirAll(filepath.Dir(m.Dst), 0o755); err != nil {
			return err
		}
		return os.WriteFile(m.Dst, []byte(m.Data), os.FileMode(m.Mode))
	case kindTmpfs:
		if err := os.MkdirAll(m.Dst, 0o755); err != nil {
			return err
		}
		opts := "mode=" + strconv.FormatUint(uint64(m.Mode), 8)
		if m.Size > 0 {
			opts += ",size=" + strconv.FormatInt(m.Size, 10)
		}
		return unix.Mount("tmpfs", m.Dst, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, opts)
	case kindProc:
		if err := os.MkdirAll(m.Dst, 0o555); err != nil {
			return err
		}
		return unix.Mount("proc", m.Dst, "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "")
	case kindBind:
		src := oldRoot + m.Src
		var st unix.Stat_t
		if err := unix.Stat(src, &st); err != nil {
			return err
		}
		if st.Mode&unix.S_IFMT == unix.S_IFDIR {
			if err := os.MkdirAll(m.Dst, 0o755); err != nil {
				return err
			}
		} else if _, err := os.Lstat(m.Dst); err != nil {
			// A mount point for a file; it may already exist inside an
			// earlier (read-only) bind of its directory, which is fine.
			if err := os.MkdirAll(filepath.Dir(m.Dst), 0o755); err != nil {
				return err
			}
			fd, err := unix.Open(m.Dst, unix.O_CREAT|unix.O_WRONLY|unix.O_CLOEXEC, 0o644)
			if err != nil && !errors.Is(err, unix.EEXIST) {
				return err
			}
			unix.Close(fd)
		}
		if err := unix.Mount(src, m.Dst, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
			return err
		}
		attr := uint64(unix.MOUNT_ATTR_NOSUID)
		isDev := strings.HasPrefix(m.Dst, "/dev/")
		if !isDev {
			attr |= unix.MOUNT_ATTR_NODEV
		}
		if !m.RW {
			attr |= unix.MOUNT_ATTR_RDONLY
		}
		err := unix.MountSetattr(-1, m.Dst, unix.AT_RECURSIVE, &unix.MountAttr{Attr_set: attr})
		if errors.Is(err, unix.ENOSYS) {
			// Before Linux 5.12: remount the top mount only, keeping the
			// flags the kernel locks in a user namespace.
			var sfs unix.Statfs_t
			if err := unix.Statfs(m.Dst, &sfs); err != nil {
				return err
			}
			flags := uintptr(unix.MS_BIND|unix.MS_REMOUNT|unix.MS_NOSUID) | lockedFlags(sfs.Flags)
			if !isDev {
				flags |= unix.MS_NODEV
			}
			if !m.RW {
				flags |= unix.MS_RDONLY
			}
			err = unix.Mount("", m.Dst, "", flags, "")
		}
		return err
	}
	return fmt.Errorf("unknown mount kind %q", m.Kind)
}

func lockedFlags(st int64) uintptr {
	var f uintptr
	for _, p := range [][2]int64{
		{unix.ST_RDONLY, unix.MS_RDONLY}, {unix.ST_NOSUID, unix.MS_NOSUID}, {unix.ST_NODEV, unix.MS_NODEV},
		{unix.ST_NOEXEC, unix.MS_NOEXEC}, {unix.ST_NOATIME, unix.MS_NOATIME}, {unix.ST_NODIRATIME, unix.MS_NODIRATIME},
		{unix.ST_RELATIME, unix.MS_RELATIME},
	} {
		if st&p[0] != 0 {
			f |= uintptr(p[1])
		}
	}
	return f
}

// dropCapabilities empties the bounding, ambient, inheritable, permitted and
// effective sets: the program runs as an ordinary user of its namespace.
func dropCapabilities(switchUser bool) error {
	for c := 0; c <= unix.CAP_LAST_CAP; c++ {
		if err := unix.Prctl(unix.PR_CAPBSET_DROP, uintptr(c), 0, 0, 0); err != nil && !errors.Is(err, unix.EINVAL) {
			return fmt.Errorf("drop capability %d from the bounding set: %w", c, err)
		}
	}
	if switchUser {
		// Raw calls: only this thread matters, as it is the one to execve.
		if _, _, e := unix.RawSyscall(unix.SYS_SETGROUPS, 0, 0, 0); e != 0 {
			return fmt.Errorf("drop supplementary groups: %w", e)
		}
		if _, _, e := unix.RawSyscall(unix.SYS_SETRESGID, sandboxGID, sandboxGID, sandboxGID); e != 0 {
			return fmt.Errorf("setresgid: %w", e)
		}
		if _, _, e := unix.RawSyscall(unix.SYS_SETRESUID, sandboxUID, sandboxUID, sandboxUID); e != 0 {
			return fmt.Errorf("setresuid: %w", e)
		}
	}
	if err := unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0); err != nil {
		return fmt.Errorf("clear ambient capabilities: %w", err)
	}
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capset(&hdr, &data[0]); err != nil {
		return fmt.Errorf("drop capabilities: %w", err)
	}
	return nil
}
