package native

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"zebra/mapreduce"
)

// Mount kinds of a plan.
const (
	kindBind    = "bind"    // bind Src at Dst, read-only unless RW
	kindTmpfs   = "tmpfs"   // fresh tmpfs of Size bytes
	kindProc    = "proc"    // fresh proc of the new PID namespace
	kindSymlink = "symlink" // symlink Dst -> Src
	kindFile    = "file"    // regular file Dst with Data
)

// mountEntry is one step of building the sandbox root. Dst is the path
// inside the sandbox; Src, for binds, the host path.
type mountEntry struct {
	Kind string `json:"kind"`
	Src  string `json:"src,omitempty"`
	Dst  string `json:"dst"`
	RW   bool   `json:"rw,omitempty"`
	Size int64  `json:"size,omitempty"`
	Data string `json:"data,omitempty"`
	Mode uint32 `json:"mode,omitempty"`
}

func (m mountEntry) String() string {
	switch m.Kind {
	case kindBind:
		mode := "ro"
		if m.RW {
			mode = "rw"
		}
		if m.Src == m.Dst {
			return fmt.Sprintf("bind %s %s", mode, m.Dst)
		}
		return fmt.Sprintf("bind %s %s <- %s", mode, m.Dst, m.Src)
	case kindTmpfs:
		return fmt.Sprintf("tmpfs %s size=%d", m.Dst, m.Size)
	case kindSymlink:
		return fmt.Sprintf("symlink %s -> %s", m.Dst, m.Src)
	case kindFile:
		return fmt.Sprintf("file %s", m.Dst)
	}
	return m.Kind + " " + m.Dst
}

// Identity of the program inside the sandbox: a non-root user; it maps to
// the worker's own uid and gid on the host.
const (
	sandboxUID  = 1000
	sandboxGID  = 1000
	sandboxUser = "zebra"
)

var (
	rootDirs = []string{"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"}
	// etcBinds are host files of /etc that programs read and that hold no
	// secrets.
	etcBinds = []string{"/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime",
		"/etc/timezone", "/etc/alternatives", "/etc/mime.types", "/etc/protocols", "/etc/services"}
	devNodes = []string{"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom"}
)

// planInput is what a mount plan is made of. Every path in it comes from
// a trusted place (the operator's configuration, the job's plan, the
// resolved command's checked prefixes), never from what a task could have
// written: the working directory's contents decide no mount.
type planInput struct {
	WorkDir  string   // read-write
	ReadOnly []string // extra read-only paths (Config.ReadOnly, prefixes)
	// Shipped are the job's shipped files and directories, mounted
	// read-only at the paths given (the working directory's links name
	// them); Files are single files the command names (local runner).
	Shipped []string
	// Readable, if set, returns the host path of a copy of a shipped
	// file that the task's user can read, or the file itself.
	Readable func(path string) (string, error)
	TmpSize  int64
}

// planMounts returns the steps that assemble the sandbox root, parents
// before children: systemPlan, the task's /etc/passwd, then taskBinds.
// Paths that do not exist on the host are left out.
func planMounts(in planInput) ([]mountEntry, error) {
	plan, err := systemPlan(in.TmpSize)
	if err != nil {
		return nil, err
	}
	binds, err := taskBinds(in)
	if err != nil {
		return nil, err
	}
	plan = append(plan, passwdEntry(in.WorkDir))
	return append(plan, binds...), nil
}

// systemPlan returns the part of the root that is the same for every task
// of a Runner: the system directories, /etc (but /etc/passwd), /dev, /proc
// and the private /tmp. A factory builds it ahead, while the instance waits
// in the pool.
func systemPlan(tmpSize int64) ([]mountEntry, error) {
	var plan []mountEntry
	for _, d := range rootDirs {
		fi, err := os.Lstat(d)
		switch {
		case err != nil:
			continue
		case fi.Mode()&fs.ModeSymlink != 0:
			t, err := os.Readlink(d)
			if err != nil {
				return nil, err
			}
			plan = append(plan, mountEntry{Kind: kindSymlink, Src: t, Dst: d})
		case fi.IsDir():
			plan = append(plan, mountEntry{Kind: kindBind, Src: d, Dst: d})
		}
	}
	plan = append(plan,
		mountEntry{Kind: kindFile, Dst: "/etc/group", Mode: 0o644, Data: fmt.Sprintf(
			"root:x:0:\n%s:x:%d:\nnogroup:x:65534:\n", sandboxUser, sandboxGID)},
		mountEntry{Kind: kindFile, Dst: "/etc/nsswitch.conf", Mode: 0o644, Data: "passwd: files\ngroup: files\nhosts: files\nservices: files\nprotocols: files\n"},
		mountEntry{Kind: kindFile, Dst: "/etc/hosts", Mode: 0o644, Data: "127.0.0.1 localhost\n::1 localhost\n"},
	)
	for _, p := range etcBinds {
		fi, err := os.Lstat(p)
		switch {
		case err != nil:
		case fi.Mode()&fs.ModeSymlink != 0:
			if t, err := os.Readlink(p); err == nil {
				plan = append(plan, mountEntry{Kind: kindSymlink, Src: t, Dst: p})
			}
		default:
			plan = append(plan, mountEntry{Kind: kindBind, Src: p, Dst: p})
		}
	}
	plan = append(plan, mountEntry{Kind: kindTmpfs, Dst: "/dev", Size: 64 * kiB, Mode: 0o755})
	for _, d := range devNodes {
		if _, err := os.Stat(d); err == nil {
			plan = append(plan, mountEntry{Kind: kindBind, Src: d, Dst: d, RW: true})
		}
	}
	plan = append(plan,
		mountEntry{Kind: kindSymlink, Src: "/proc/self/fd", Dst: "/dev/fd"},
		mountEntry{Kind: kindSymlink, Src: "/proc/self/fd/0", Dst: "/dev/stdin"},
		mountEntry{Kind: kindSymlink, Src: "/proc/self/fd/1", Dst: "/dev/stdout"},
		mountEntry{Kind: kindSymlink, Src: "/proc/self/fd/2", Dst: "/dev/stderr"},
		mountEntry{Kind: kindTmpfs, Dst: "/dev/shm", Size: tmpSize, Mode: 0o1777},
		mountEntry{Kind: kindProc, Dst: "/proc"},
	)
	plan = append(plan, mqueueMount("/dev/mqueue")...)
	plan = append(plan, procMasks("/proc")...)
	plan = append(plan, mountEntry{Kind: kindTmpfs, Dst: "/tmp", Size: tmpSize, Mode: 0o1777})
	return plan, nil
}

// passwdEntry is the task's /etc/passwd: the user "zebra" has the working
// directory as home.
func passwdEntry(workDir string) mountEntry {
	return mountEntry{Kind: kindFile, Dst: "/etc/passwd", Mode: 0o644, Data: fmt.Sprintf(
		"root:x:0:0:root:/root:/bin/sh\n%s:x:%d:%d:zebra task:%s:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
		sandboxUser, sandboxUID, sandboxGID, workDir)}
}

// taskBinds returns the binds below the root that are the task's: extra
// read-only paths, the working directory (read-write) and the shipped
// paths (read-only, at the path the job's plan names, each file alone),
// sorted so that parents come first. Nothing is derived from the working
// directory's contents: a symlink a task leaves there mounts nothing.
func taskBinds(in planInput) ([]mountEntry, error) {
	var binds []mountEntry
	seen := map[string]bool{}
	var wd string
	if in.WorkDir != "" {
		var err error
		if wd, err = filepath.EvalSymlinks(in.WorkDir); err != nil {
			return nil, fmt.Errorf("working directory: %w", err)
		}
		if wd == "/" || isHomeOrRoot(wd) {
			return nil, fmt.Errorf("working directory %s: refusing to mount a home or top-level directory read-write", wd)
		}
		binds = append(binds, mountEntry{Kind: kindBind, Src: wd, Dst: wd, RW: true})
		seen[wd] = true
	}
	add := func(dst string, shipped bool) error {
		dst = filepath.Clean(dst)
		if seen[dst] || covered(dst) || (wd != "" && (under(dst, wd) || under(dst, in.WorkDir))) {
			return nil
		}
		src, err := filepath.EvalSymlinks(dst)
		if err != nil {
			if shipped {
				return fmt.Errorf("shipped path %s: %w", dst, err)
			}
			return nil // what does not exist needs no mount
		}
		if !shipped {
			dst = src
			if seen[dst] || covered(dst) {
				return nil
			}
		} else if in.Readable != nil {
			if src, err = in.Readable(src); err != nil {
				return fmt.Errorf("shipped path %s: %w", dst, err)
			}
		}
		seen[dst] = true
		binds = append(binds, mountEntry{Kind: kindBind, Src: src, Dst: dst})
		return nil
	}
	for _, p := range in.ReadOnly {
		add(p, false)
	}
	for _, p := range in.Shipped {
		if err := add(p, true); err != nil {
			return nil, err
		}
	}
	sort.SliceStable(binds, func(i, j int) bool {
		return strings.Count(binds[i].Dst, "/") < strings.Count(binds[j].Dst, "/")
	})
	return binds, nil
}

// covered reports whether p is inside a directory every sandbox has.
func covered(p string) bool {
	for _, c := range systemDirsResolved() {
		if under(p, c) {
			return true
		}
	}
	return false
}

var (
	sysDirsMu   sync.Mutex
	sysDirs     []string
	sysDirsWhen time.Time
)

// systemDirsResolved returns the directories every sandbox has, symlinks
// resolved, as of at most a second ago.
func systemDirsResolved() []string {
	sysDirsMu.Lock()
	defer sysDirsMu.Unlock()
	if sysDirs == nil || time.Since(sysDirsWhen) > time.Second {
		sysDirs = sysDirs[:0]
		for _, d := range []string{"/usr", "/lib", "/lib32", "/lib64", "/libx32", "/bin", "/sbin"} {
			if c, err := filepath.EvalSymlinks(d); err == nil {
				sysDirs = append(sysDirs, c)
			}
		}
		sysDirsWhen = time.Now()
	}
	return sysDirs
}

// guestBinds are the binds of a command's Mounts, in order: each host path
// (symlinks resolved) at its guest path, read-only unless Writable. A
// guest path must be absolute and clean and must not be the root or one of
// the system directories every sandbox has. A writable one must be
// beneath /dev: the program's Landlock domain writes nowhere else but its
// working directory and /tmp.
func guestBinds(mounts []mapreduce.Mount) ([]mountEntry, error) {
	var out []mountEntry
	for _, m := range mounts {
		g := m.Guest
		if !filepath.IsAbs(g) || filepath.Clean(g) != g || g == "/" {
			return nil, fmt.Errorf("mount %s at %q: the guest path must be absolute and clean", m.Host, g)
		}
		if m.Writable && !under(g, "/dev") {
			return nil, fmt.Errorf("mount %s at %s: a writable guest path must be beneath /dev", m.Host, g)
		}
		for _, d := range append(append([]string{"/proc", "/etc", "/tmp", "/dev/fd", "/dev/stdin", "/dev/stdout", "/dev/stderr", "/dev/shm", "/dev/mqueue"}, rootDirs...), devNodes...) {
			if under(g, d) || under(d, g) {
				return nil, fmt.Errorf("mount %s at %s: would cover the sandbox's %s", m.Host, g, d)
			}
		}
		src, err := filepath.EvalSymlinks(m.Host)
		if err != nil {
			return nil, fmt.Errorf("mount at %s: %w", g, err)
		}
		out = append(out, mountEntry{Kind: kindBind, Src: src, Dst: g, RW: m.Writable})
	}
	return out, nil
}
