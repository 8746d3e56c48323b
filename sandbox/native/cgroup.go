package native

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// cgroupSetup says where instance cgroups are made. With v2 one directory
// holds every controller; with v1 memory and pids have their own
// hierarchies.
type cgroupSetup struct {
	v2     bool
	memory string // parent directory for memory (v2: the unified parent)
	pids   string // parent directory for pids; "" if unavailable
}

var cgroupSeq atomic.Uint64

// detectCgroups finds the worker's cgroups and checks that children can be
// made there. parent, if set, overrides the worker's own cgroup path.
func detectCgroups(parent string) (*cgroupSetup, error) {
	own, err := ownCgroups()
	if err != nil {
		return nil, err
	}
	var sfs unix.Statfs_t
	if err := unix.Statfs("/sys/fs/cgroup", &sfs); err != nil {
		return nil, fmt.Errorf("cgroups: %w", err)
	}
	if sfs.Type == unix.CGROUP2_SUPER_MAGIC {
		p := filepath.Join("/sys/fs/cgroup", own[""])
		if parent != "" {
			p = parent
			if !filepath.IsAbs(p) || !strings.HasPrefix(p, "/sys/fs/cgroup") {
				p = filepath.Join("/sys/fs/cgroup", parent)
			}
		}
		ctl, err := os.ReadFile(filepath.Join(p, "cgroup.subtree_control"))
		if err != nil {
			return nil, fmt.Errorf("cgroups v2: %w", err)
		}
		for _, c := range []string{"memory", "pids"} {
			if !strings.Contains(string(ctl), c) {
				if err := os.WriteFile(filepath.Join(p, "cgroup.subtree_control"), []byte("+"+c), 0); err != nil {
					return nil, fmt.Errorf("cgroups v2: enable %s controller in %s: %w (set Config.CgroupParent to a delegated cgroup)", c, p, err)
				}
			}
		}
		return &cgroupSetup{v2: true, memory: p, pids: p}, nil
	}
	cs := &cgroupSetup{}
	for _, c := range []string{"memory", "pids"} {
		rel, ok := own[c]
		if !ok {
			continue
		}
		if parent != "" {
			rel = parent
		}
		d := filepath.Join("/sys/fs/cgroup", c, rel)
		if unix.Access(d, unix.W_OK) != nil {
			continue
		}
		if c == "memory" {
			cs.memory = d
		} else {
			cs.pids = d
		}
	}
	if cs.memory == "" && cs.pids == "" {
		return nil, errors.New("cgroups v1: no writable memory or pids hierarchy")
	}
	return cs, nil
}

// ownCgroups parses /proc/self/cgroup: controller → path ("" for v2).
func ownCgroups() (map[string]string, error) {
	f, err := os.Open("/proc/self/cgroup")
	if err != nil {
		return nil, fmt.Errorf("cgroups: %w", err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		if parts[1] == "" {
			out[""] = parts[2]
			continue
		}
		for _, c := range strings.Split(parts[1], ",") {
			out[c] = parts[2]
		}
	}
	return out, sc.Err()
}

// instanceCgroup is the cgroup (v2) or pair of cgroups (v1) of one instance.
type instanceCgroup struct {
	v2          bool
	memory      string // directory, "" if none
	pids        string
	memoryLimit int64
	pidsLimit   int
	// The event files of oomKilled and pidsExhausted, opened ahead
	// (openEvents) to keep path lookups off the end of a task.
	oomEvents, pidsEvents *os.File
}

// openEvents opens the files oomKilled and pidsExhausted read.
func (ic *instanceCgroup) openEvents() {
	if ic.hasMemory() {
		file := "memory.oom_control"
		if ic.v2 {
			file = "memory.events"
		}
		ic.oomEvents, _ = os.Open(filepath.Join(ic.memory, file))
	}
	if ic.hasPids() {
		ic.pidsEvents, _ = os.Open(filepath.Join(ic.pids, "pids.events"))
	}
}

// newInstance creates the instance's cgroups with the limits set.
func (cs *cgroupSetup) newInstance(memory int64, pids int) (*instanceCgroup, error) {
	name := fmt.Sprintf("zebra-%d-%d", os.Getpid(), cgroupSeq.Add(1))
	ic := &instanceCgroup{v2: cs.v2, memoryLimit: memory, pidsLimit: pids}
	write := func(dir, file, val string) error {
		if err := os.WriteFile(filepath.Join(dir, file), []byte(val), 0); err != nil {
			return fmt.Errorf("cgroup %s: %w", file, err)
		}
		return nil
	}
	if cs.v2 {
		d := filepath.Join(cs.memory, name)
		if err := mkCgroup(d); err != nil {
			return nil, fmt.Errorf("create cgroup: %w", err)
		}
		ic.memory, ic.pids = d, d
		if memory > 0 {
			if err := write(d, "memory.max", strconv.FormatInt(memory, 10)); err != nil {
				ic.remove()
				return nil, err
			}
			write(d, "memory.swap.max", "0") // absent without swap accounting
		}
		if pids > 0 {
			if err := write(d, "pids.max", strconv.Itoa(pids)); err != nil {
				ic.remove()
				return nil, err
			}
		}
		return ic, nil
	}
	if cs.memory != "" && memory > 0 {
		d := filepath.Join(cs.memory, name)
		if err := mkCgroup(d); err != nil {
			return nil, fmt.Errorf("create memory cgroup: %w", err)
		}
		ic.memory = d
		if err := write(d, "memory.limit_in_bytes", strconv.FormatInt(memory, 10)); err != nil {
			ic.remove()
			return nil, err
		}
		write(d, "memory.memsw.limit_in_bytes", strconv.FormatInt(memory, 10)) // absent without swap accounting
	}
	if cs.pids != "" && pids > 0 {
		d := filepath.Join(cs.pids, name)
		if err := mkCgroup(d); err != nil {
			ic.remove()
			return nil, fmt.Errorf("create pids cgroup: %w", err)
		}
		ic.pids = d
		if err := write(d, "pids.max", strconv.Itoa(pids)); err != nil {
			ic.remove()
			return nil, err
		}
	}
	return ic, nil
}

// mkCgroup creates the cgroup directory d. Names carry this process's pid,
// so one that exists was left by a dead process that had the same pid (a
// process killed before it could remove its instances' cgroups): an empty
// one is removed and made again.
func mkCgroup(d string) error {
	err := os.Mkdir(d, 0o755)
	if errors.Is(err, fs.ErrExist) {
		if rerr := unix.Rmdir(d); rerr != nil {
			return fmt.Errorf("%w (left by an earlier process with this pid, and not empty: %v)", err, rerr)
		}
		err = os.Mkdir(d, 0o755)
	}
	return err
}

// sweep removes the instance cgroups (zebra-PID-N) under the setup's
// parents that dead processes left behind; a cgroup still holding
// processes cannot be removed and stays.
func (cs *cgroupSetup) sweep() (removed int) {
	seen := map[string]bool{}
	for _, parent := range []string{cs.memory, cs.pids} {
		if parent == "" || seen[parent] {
			continue
		}
		seen[parent] = true
		entries, err := os.ReadDir(parent)
		if err != nil {
			continue
		}
		for _, e := range entries {
			pid, _, ok := strings.Cut(strings.TrimPrefix(e.Name(), "zebra-"), "-")
			if !e.IsDir() || !strings.HasPrefix(e.Name(), "zebra-") || !ok {
				continue
			}
			if n, err := strconv.Atoi(pid); err != nil || n == os.Getpid() || unix.Kill(n, 0) == nil || !errors.Is(unix.Kill(n, 0), unix.ESRCH) {
				continue // not ours to judge: a live process (or unknown)
			}
			if unix.Rmdir(filepath.Join(parent, e.Name())) == nil {
				removed++
			}
		}
	}
	return removed
}

// dirs returns the instance's cgroup directories.
func (ic *instanceCgroup) dirs() []string {
	var out []string
	for _, d := range []string{ic.memory, ic.pids} {
		if d != "" && (len(out) == 0 || out[0] != d) {
			out = append(out, d)
		}
	}
	return out
}

// hasMemory and hasPids tell which limits the cgroups enforce.
func (ic *instanceCgroup) hasMemory() bool { return ic != nil && ic.memory != "" && ic.memoryLimit > 0 }
func (ic *instanceCgroup) hasPids() bool   { return ic != nil && ic.pids != "" && ic.pidsLimit > 0 }

// peak is the instance's peak memory use in bytes as its memory cgroup
// counted it (0 without a memory cgroup or where the kernel keeps no
// peak: cgroup v2 before Linux 5.19).
func (ic *instanceCgroup) peak() int64 {
	if !ic.hasMemory() {
		return 0
	}
	file := "memory.max_usage_in_bytes"
	if ic.v2 {
		file = "memory.peak"
	}
	b, err := os.ReadFile(filepath.Join(ic.memory, file))
	if err != nil {
		return 0
	}
	n, _ := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	return max(n, 0)
}

// oomKilled reports whether the kernel killed a process for the memory limit.
func (ic *instanceCgroup) oomKilled() bool {
	if !ic.hasMemory() {
		return false
	}
	if ic.oomEvents != nil {
		return counterAt(ic.oomEvents, "oom_kill") > 0
	}
	file := "memory.oom_control"
	if ic.v2 {
		file = "memory.events"
	}
	return counter(filepath.Join(ic.memory, file), "oom_kill") > 0
}

// pidsExhausted reports whether a fork failed for the pids limit.
func (ic *instanceCgroup) pidsExhausted() bool {
	if !ic.hasPids() {
		return false
	}
	if ic.pidsEvents != nil {
		return counterAt(ic.pidsEvents, "max") > 0
	}
	return counter(filepath.Join(ic.pids, "pids.events"), "max") > 0
}

func counter(file, key string) int64 {
	b, err := os.ReadFile(file)
	if err != nil {
		return 0
	}
	return parseCounter(b, key)
}

// counterAt reads the counter from the start of an open file.
func counterAt(f *os.File, key string) int64 {
	var b [512]byte
	n, _ := f.ReadAt(b[:], 0)
	return parseCounter(b[:n], key)
}

func parseCounter(b []byte, key string) int64 {
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, " ")
		if ok && k == key {
			n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			return n
		}
	}
	return 0
}

// kill kills every process in the cgroups (the PID namespace's death does
// this already; this covers a process caught mid-exit).
func (ic *instanceCgroup) kill() {
	if ic == nil {
		return
	}
	if ic.v2 && ic.pids != "" {
		if os.WriteFile(filepath.Join(ic.pids, "cgroup.kill"), []byte("1"), 0) == nil {
			return
		}
	}
	for _, d := range []string{ic.memory, ic.pids} {
		if d == "" {
			continue
		}
		b, _ := os.ReadFile(filepath.Join(d, "cgroup.procs"))
		for _, f := range strings.Fields(string(b)) {
			if pid, err := strconv.Atoi(f); err == nil && pid > 0 {
				unix.Kill(pid, unix.SIGKILL)
			}
		}
	}
}

// remove deletes the cgroups, waiting briefly for exiting processes.
func (ic *instanceCgroup) remove() {
	if ic == nil {
		return
	}
	for _, f := range []*os.File{ic.oomEvents, ic.pidsEvents} {
		if f != nil {
			f.Close()
		}
	}
	seen := ""
	for _, d := range []string{ic.memory, ic.pids} {
		if d == "" || d == seen {
			continue
		}
		seen = d
		for i := 0; i < 50; i++ {
			err := unix.Rmdir(d)
			if err == nil || errors.Is(err, unix.ENOENT) {
				break
			}
			ic.kill()
			time.Sleep(time.Duration(i+1) * time.Millisecond)
		}
	}
}
