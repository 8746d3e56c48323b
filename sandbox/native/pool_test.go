package native

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"zebra/mapreduce"
)

// TestPoolInstancesAreFresh runs tasks one after the other through a pool:
// each must find a fresh instance, with nothing of the task before it.
func TestPoolInstancesAreFresh(t *testing.T) {
	c := testConfig(t)
	c.Pool = 2
	r := newRunner(t, c)
	script := `#!/bin/sh
ls -A /dev/shm
test -e /tmp/mark && echo "/tmp/mark is there"
echo "pid $$, $(cat /proc/[0-9]*/comm 2>/dev/null | grep -c '^sleep$') sleeping"
echo mark > /tmp/mark; echo mark > /dev/shm/mark
sleep 30 </dev/null >/dev/null 2>&1 &
`
	for i := 0; i < 6; i++ {
		dir := workDir(t)
		os.WriteFile(filepath.Join(dir, "task"), []byte(script), 0o755)
		res := run(t, context.Background(), r, dir, "", "./task")
		if res.err != nil {
			t.Fatalf("task %d: %v; stderr %s", i, res.err, res.stderr)
		}
		// A fresh PID namespace, in which the program is the init's first
		// child; a fresh /tmp and /dev/shm.
		if res.stdout != "pid 2, 0 sleeping\n" {
			t.Errorf("task %d: stdout %q, want a fresh PID namespace, /tmp and /dev/shm", i, res.stdout)
		}
	}
	if pids := hostProcs("sleep 30"); len(pids) > 0 {
		t.Errorf("background processes survived their tasks: %v", pids)
	}
}

// TestPoolOff makes every instance at Start.
func TestPoolOff(t *testing.T) {
	c := testConfig(t)
	c.Pool = 0
	r := newRunner(t, c)
	for i := 0; i < 3; i++ {
		res := run(t, context.Background(), r, workDir(t), "in", "cat")
		if res.err != nil || res.stdout != "in" {
			t.Fatalf("run %d: %v %q %q", i, res.err, res.stdout, res.stderr)
		}
	}
}

// TestPoolMaxIdle replaces instances that waited too long.
func TestPoolMaxIdle(t *testing.T) {
	c := testConfig(t)
	c.Pool = 1
	c.PoolMaxIdle = 20 * time.Millisecond
	r := newRunner(t, c)
	time.Sleep(100 * time.Millisecond)
	if in := r.pool.get(); in != nil && time.Since(in.born) > 50*time.Millisecond {
		t.Errorf("got an instance made %v ago", time.Since(in.born))
		in.destroy()
	} else if in != nil {
		in.destroy()
	}
	res := run(t, context.Background(), r, workDir(t), "", "echo", "ok")
	if res.err != nil || res.stdout != "ok\n" {
		t.Fatalf("%v %q %q", res.err, res.stdout, res.stderr)
	}
}

// TestBindFromHostRoot covers the hand-over for workers that cannot make
// detached mounts (unprivileged, or before Linux 5.12): the instance binds
// the task's paths from the host's root and detaches it only then.
func TestBindFromHostRoot(t *testing.T) {
	canDetachMounts = func() bool { return false }
	defer func() { canDetachMounts = canDetach }()
	r := newRunner(t, testConfig(t))
	testBinds(t, r)
	run(t, context.Background(), r, workDir(t), "", "true")
}

// TestManyBinds hands more detached mounts over than fit in one message.
func TestManyBinds(t *testing.T) {
	r := newRunner(t, testConfig(t))
	if !r.detached {
		t.Skip("no detached mounts on this host")
	}
	testBinds(t, r)
}

// testBinds runs a task whose working directory links to batchFDs+20
// shipped files and to an input file.
func testBinds(t *testing.T, r *Runner) {
	dir := workDir(t)
	files := filepath.Join(t.TempDir(), "cache")
	os.MkdirAll(files, 0o755)
	n := batchFDs + 20
	var shipped []string
	for i := 0; i < n; i++ {
		d := filepath.Join(files, strconv.Itoa(i))
		os.Mkdir(d, 0o755)
		os.WriteFile(filepath.Join(d, "f"), []byte(strconv.Itoa(i)), 0o644)
		os.Symlink(filepath.Join(d, "f"), filepath.Join(dir, "f"+strconv.Itoa(i)))
		shipped = append(shipped, filepath.Join(d, "f"))
	}
	res := runShipped(t, context.Background(), r, dir, shipped, "", "sh", "-c",
		fmt.Sprintf("cat f0 f%d; echo; echo x > f0 || echo read-only; pwd", n-1))
	if res.err != nil {
		t.Fatalf("%v; stderr %s", res.err, res.stderr)
	}
	want := fmt.Sprintf("0%d\nread-only\n%s\n", n-1, dir)
	if res.stdout != want {
		t.Errorf("stdout %q, want %q (stderr %q)", res.stdout, want, res.stderr)
	}
}

// TestCloseLeavesNothing: after Close, no instance and no cgroup of the
// Runner is left.
func TestCloseLeavesNothing(t *testing.T) {
	c := testConfig(t)
	c.Pool = 3
	r, err := New(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		r.pool.mu.Lock()
		n := len(r.pool.ready)
		r.pool.mu.Unlock()
		if n == c.Pool || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	res := run(t, context.Background(), r, workDir(t), "", "true")
	if res.err != nil {
		t.Fatal(res.err)
	}
	r.Close()
	if kids := children(); len(kids) > 0 {
		t.Errorf("processes left after Close: %v", kids)
	}
	if r.cgroups != nil {
		for _, parent := range []string{r.cgroups.memory, r.cgroups.pids} {
			if parent == "" {
				continue
			}
			left, _ := filepath.Glob(filepath.Join(parent, fmt.Sprintf("zebra-%d-*", os.Getpid())))
			if len(left) > 0 {
				t.Errorf("cgroups left after Close: %v", left)
			}
		}
	}
}

// children returns this process's live children that are factories or
// instances (their command line is the factory's).
func children() []string {
	var out []string
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "status"))
		if err != nil {
			continue
		}
		cmd, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		mine, zombie := false, false
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "PPid:"); ok && strings.TrimSpace(v) == strconv.Itoa(os.Getpid()) {
				mine = true
			}
			if v, ok := strings.CutPrefix(l, "State:"); ok && strings.HasPrefix(strings.TrimSpace(v), "Z") {
				zombie = true
			}
		}
		if mine && !zombie && strings.Contains(string(cmd), InitArg) {
			out = append(out, e.Name()+": "+strings.ReplaceAll(string(cmd), "\x00", " "))
		}
	}
	return out
}

// TestNetworkPerTask: by default each instance has its own empty network
// namespace.
func TestNetworkPerTask(t *testing.T) {
	c := testConfig(t)
	r := newRunner(t, c)
	if r.sharedNet {
		t.Fatal("a shared network namespace by default")
	}
	res := run(t, context.Background(), r, workDir(t), "", "cat", "/proc/net/dev")
	if res.err != nil {
		t.Fatalf("%v; stderr %s", res.err, res.stderr)
	}
	var ifaces []string
	for _, l := range strings.Split(res.stdout, "\n") {
		if name, _, ok := strings.Cut(l, ":"); ok {
			ifaces = append(ifaces, strings.TrimSpace(name))
		}
	}
	if len(ifaces) != 1 || ifaces[0] != "lo" {
		t.Errorf("interfaces %q, want only lo", ifaces)
	}
}

// TestStartErrors: why an instance could not start the program reaches
// Start's caller, from the program's process (exec) and from the init
// (setup ahead of the task).
func TestStartErrors(t *testing.T) {
	r := newRunner(t, testConfig(t))
	dir := workDir(t)
	os.WriteFile(filepath.Join(dir, "script"), []byte("#!/nonexistent/interpreter\n"), 0o755)
	res := run(t, context.Background(), r, dir, "", "./script")
	if res.err == nil || !strings.Contains(res.err.Error(), "sandbox init: exec "+filepath.Join(dir, "script")+": no such file or directory") {
		t.Errorf("exec failure: got %v", res.err)
	}
	var me *mapreduce.Error
	if !errors.As(res.err, &me) || me.Kind != mapreduce.UserCode {
		t.Errorf("exec failure: got %#v, want a UserCode error", res.err)
	}

	c := testConfig(t)
	c.Hostname = strings.Repeat("h", 100) // longer than the kernel allows
	for _, pool := range []int{0, 1} {
		c.Pool = pool
		rr := newRunner(t, c)
		res = run(t, context.Background(), rr, workDir(t), "", "true")
		if res.err == nil || !strings.Contains(res.err.Error(), "sandbox init: set host name: invalid argument") {
			t.Errorf("pool %d: setup failure: got %v", pool, res.err)
		}
	}
	// The Runner still works after the failures.
	if res := run(t, context.Background(), r, dir, "", "true"); res.err != nil {
		t.Errorf("after the failures: %v", res.err)
	}
}

// TestFactoryRestart: a factory that died is replaced.
func TestFactoryRestart(t *testing.T) {
	c := testConfig(t)
	c.Pool = 0
	r := newRunner(t, c)
	for i := 0; i < 3; i++ {
		if res := run(t, context.Background(), r, workDir(t), "", "true"); res.err != nil {
			t.Fatalf("run %d: %v", i, res.err)
		}
		r.factory.mu.Lock()
		r.factory.cmd.Process.Kill()
		r.factory.cmd.Wait()
		r.factory.mu.Unlock()
	}
}
