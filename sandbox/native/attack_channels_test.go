package native

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"golang.org/x/sys/unix"

	"zebra/mapreduce"
)

// The channel attacks: two instances of one Runner, running at the same
// time, try to pass data and descriptors to each other, and one tries to
// read the host's kernel information and devices, with testdata/chan.c
// (compiled with gcc at test time) as both the attacker and the victim.
// Each checks that the attempt was refused and why (the attacker's
// stderr, the attempt log), that the victim got nothing and still runs,
// and that the host is unchanged.

// chanBin is testdata/chan.c compiled by buildChan.
var chanBin string

// buildChan compiles testdata/chan.c into a directory that lives as long as
// the (top-level) test t.
func buildChan(t *testing.T) {
	t.Helper()
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		t.Fatalf("the channel attacks need gcc (Debian: gcc libc6-dev; .ci/run installs them): %v", err)
	}
	src, err := filepath.Abs(filepath.Join("testdata", "chan.c"))
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "chan")
	if out, err := exec.Command(gcc, "-O1", "-Wall", "-Werror", "-o", bin, src).CombinedOutput(); err != nil {
		t.Fatalf("gcc testdata/chan.c: %v: %s", err, out)
	}
	chanBin = bin
	t.Cleanup(func() { chanBin = "" })
}

// chanProgram is the compiled program of the running test.
func chanProgram(t *testing.T) string {
	t.Helper()
	if chanBin == "" {
		t.Fatal("buildChan was not called")
	}
	return chanBin
}

// chanDir returns a fresh working directory holding the program as ./chan.
func chanDir(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(chanProgram(t))
	if err != nil {
		t.Fatal(err)
	}
	dir := workDir(t)
	if err := os.WriteFile(filepath.Join(dir, "chan"), b, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// chanRun runs ./chan args in a fresh working directory.
func chanRun(t *testing.T, r *Runner, args ...string) result {
	t.Helper()
	return chanRunIn(t, r, chanDir(t), args...)
}

func chanRunIn(t *testing.T, r *Runner, dir string, args ...string) result {
	t.Helper()
	var out, errb limitedBuffer
	p, err := r.Start(context.Background(), mapreduce.Command{Args: append([]string{"./chan"}, args...), Dir: dir,
		Env: []string{"PATH=/usr/bin:/bin"}, Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb})
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	err = p.Wait()
	res := result{stdout: out.String(), stderr: errb.String(), err: err}
	t.Logf("chan %v: exit %v\nstdout: %.2000s\nstderr: %.2000s", args, res.err, res.stdout, res.stderr)
	return res
}

// victim is a task that runs until stopped.
type victim struct {
	werr   chan error // the task's Wait
	cancel context.CancelFunc
	done   chan struct{}
	mu     sync.Mutex
	out    bytes.Buffer
}

// startVictim starts ./chan args and returns once it has printed "ready".
func startVictim(t *testing.T, r *Runner, args ...string) *victim {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	p, err := r.Start(ctx, mapreduce.Command{Args: append([]string{"./chan"}, args...), Dir: chanDir(t),
		Env: []string{"PATH=/usr/bin:/bin"}, Stdout: pw, Stderr: pw})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	v := &victim{werr: make(chan error, 1), cancel: cancel, done: make(chan struct{})}
	ready := make(chan bool, 1)
	go func() {
		defer close(v.done)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			v.mu.Lock()
			v.out.WriteString(sc.Text() + "\n")
			v.mu.Unlock()
			if sc.Text() == "ready" {
				ready <- true
			}
		}
		ready <- false
	}()
	go func() { err := p.Wait(); pw.Close(); v.werr <- err }()
	if !<-ready {
		t.Fatalf("victim %v did not start: %s", args, v.output())
	}
	return v
}

func (v *victim) output() string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.out.String()
}

// stop checks the victim still runs (it ends only when cancelled), stops
// it and returns what it printed.
func (v *victim) stop(t *testing.T) string {
	t.Helper()
	v.cancel()
	err := <-v.werr
	<-v.done
	out := v.output()
	t.Logf("victim: %v\n%s", err, out)
	var ee *mapreduce.ExitError
	if !errors.As(err, &ee) || ee.Reason != "killed: task cancelled" {
		t.Errorf("the victim ended before it was stopped: %v", err)
	}
	return out
}

// wantLines asserts that out has each line.
func wantLines(t *testing.T, what, out string, lines ...string) {
	t.Helper()
	have := map[string]bool{}
	for _, l := range strings.Split(out, "\n") {
		have[l] = true
	}
	for _, l := range lines {
		if !have[l] {
			t.Errorf("%s has no line %q", what, l)
		}
	}
}

func TestChannelAttacks(t *testing.T) {
	c := testConfig(t)
	buildChan(t)
	perTask := newRunner(t, c)
	c.SharedNetwork = true
	shared := newRunner(t, c)
	abi := landlockABI()
	t.Logf("Landlock ABI %d; shared network namespace: %v", abi, shared.sharedNet)

	for _, tc := range []struct {
		name string
		r    *Runner
	}{{"shared network", shared}, {"network per instance", perTask}} {
		t.Run("socketpair bound to an abstract name/"+tc.name, func(t *testing.T) {
			v := startVictim(t, tc.r, "abstract-serve", "zebra-chan-"+strings.ReplaceAll(tc.name, " ", "-"))
			res := chanRun(t, tc.r, "abstract-send", "zebra-chan-"+strings.ReplaceAll(tc.name, " ", "-"))
			got := v.stop(t)
			if strings.Contains(got, "GOT") || strings.Contains(res.stdout, "sendmsg(abstract, SCM_RIGHTS): ok") {
				t.Errorf("data passed between the instances: victim %q, attacker %q", got, res.stdout)
			}
			// The victim did bind its name: the channel was there to try.
			wantLines(t, "victim", got, "bind(abstract): ok")
			exitErr(t, res.err)
			if tc.r.sharedNet {
				// Landlock's abstract unix socket scope refuses the send;
				// seccomp refuses socket(AF_UNIX).
				wantLines(t, "attempt log", res.stderr, "sendmsg(abstract, SCM_RIGHTS): Operation not permitted",
					"connect(abstract): Operation not permitted", "socket(AF_UNIX): Permission denied")
			} else {
				// The name is in the victim's network namespace only.
				wantLines(t, "attempt log", res.stderr, "sendmsg(abstract, SCM_RIGHTS): Connection refused",
					"connect(abstract): Connection refused")
			}
		})
	}
	if !shared.sharedNet && abi >= landlockMinScopeABI {
		t.Error("the Runner did not share a network namespace though Landlock scopes abstract unix sockets")
	}

	t.Run("AF_VSOCK", func(t *testing.T) {
		v := startVictim(t, shared, "abstract-serve", "zebra-vsock")
		res := chanRun(t, shared, "vsock", "5000")
		v.stop(t)
		exitErr(t, res.err)
		wantLines(t, "attempt log", res.stderr, "socket(AF_VSOCK): Permission denied")
	})

	t.Run("AF_NETLINK and other families", func(t *testing.T) {
		for _, r := range []*Runner{shared, perTask} {
			res := chanRun(t, r, "netlink")
			exitErr(t, res.err)
			wantLines(t, "attempt log", res.stderr, "socket(AF_NETLINK, NETLINK_ROUTE): Permission denied",
				"socket(AF_NETLINK, NETLINK_KOBJECT_UEVENT): Permission denied", "socket(AF_NETLINK, NETLINK_AUDIT): Permission denied",
				"socket(AF_NETLINK, NETLINK_SOCK_DIAG): Permission denied", "socket(AF_PACKET): Permission denied",
				"socket(AF_ALG): Permission denied")
			if res.stdout != "" {
				t.Errorf("some families were allowed: %q", res.stdout)
			}
		}
	})

	// Landlock's network rules cover TCP only: an MPTCP socket (plain TCP
	// on the wire towards a peer that does not speak MPTCP), SCTP, DCCP
	// or UDP-Lite would bind and connect past them, and asking for one
	// makes the kernel load its module. Only TCP, UDP and ping sockets
	// of the IP families are allowed.
	t.Run("IP protocols other than TCP, UDP and ICMP", func(t *testing.T) {
		for _, r := range []*Runner{shared, perTask} {
			res := chanRun(t, r, "protocols", "40009")
			exitErr(t, res.err)
			wantLines(t, "attempt log", res.stderr,
				"socket(AF_INET, SOCK_STREAM, IPPROTO_MPTCP): Permission denied",
				"socket(AF_INET6, SOCK_STREAM, IPPROTO_MPTCP): Permission denied",
				"socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP): Permission denied",
				"socket(AF_INET, SOCK_DGRAM, IPPROTO_UDPLITE): Permission denied",
				"socket(AF_INET, SOCK_SEQPACKET, 0): Permission denied",
				"socket(AF_INET6, SOCK_SEQPACKET, IPPROTO_SCTP): Permission denied",
				"socket(AF_INET, SOCK_DCCP, 0): Permission denied")
			// TCP, UDP stay usable (for programs that only talk to
			// themselves, or probe the network and carry on).
			wantLines(t, "stdout", res.stdout, "socket(AF_INET, SOCK_STREAM, 0): ok",
				"socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, IPPROTO_TCP): ok", "socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP): ok")
			if strings.Contains(res.stdout, "bind(") {
				t.Errorf("a socket of another protocol was bound: %q", res.stdout)
			}
		}
	})

	t.Run("signals to other instances and the init", func(t *testing.T) {
		v := startVictim(t, shared, "abstract-serve", "zebra-signal")
		res := chanRun(t, shared, "signal")
		v.stop(t)
		// The attacker sees its own instance's init only (pid 1): not the
		// victim's processes nor the worker's.
		wantLines(t, "attacker", res.stdout, "pids seen: 1")
		if abi >= landlockMinScopeABI {
			wantLines(t, "attempt log", res.stderr, "kill(1, SIGKILL): Operation not permitted", "kill(1, SIGUSR1): Operation not permitted")
		}
		alive(t)
	})

	t.Run("SysV shm, POSIX mqueue and /dev/shm", func(t *testing.T) {
		v := startVictim(t, shared, "ipc-serve")
		res := chanRun(t, shared, "ipc-steal")
		got := v.stop(t)
		wantLines(t, "victim", got, "shmget(create): ok", "mq_open(create): ok", "mq_send: ok", "shm_open(create): ok", "write /dev/shm: ok")
		exitErr(t, res.err)
		if strings.Contains(res.stdout, "GOT") {
			t.Errorf("the attacker read the victim's data: %q", res.stdout)
		}
		// Each instance has its own IPC namespace and /dev/shm.
		wantLines(t, "attempt log", res.stderr, "shmget(0x5a45): No such file or directory",
			"mq_open(/zebra-chan): No such file or directory", "shm_open(/zebra-chan): No such file or directory")
		if _, err := unix.SysvShmGet(0x5a45, 0, 0); !errors.Is(err, unix.ENOENT) {
			t.Errorf("host SysV segment 0x5a45: %v, want ENOENT", err)
		}
		if _, err := os.Lstat("/dev/shm/zebra-chan"); err == nil {
			t.Error("/dev/shm/zebra-chan exists on the host")
		}
	})

	t.Run("host information in /proc and /sys", func(t *testing.T) {
		hostCmdline, err := os.ReadFile("/proc/cmdline")
		if err != nil || len(bytes.TrimSpace(hostCmdline)) == 0 {
			t.Fatalf("host /proc/cmdline: %v %q", err, hostCmdline)
		}
		dir := workDir(t)
		script := fmt.Sprintf(`#!/bin/sh
echo "cmdline=[$(cat /proc/cmdline)]"
echo "kallsyms=[$(head -c 64 /proc/kallsyms)]"
for f in keys key-users timer_list sched_debug kcore config.gz; do [ -e /proc/$f ] && echo "$f=[$(head -c 64 /proc/$f 2>&1 | tr -d '\0')]"; done
echo "acpi=[$(ls /proc/acpi /proc/driver /proc/bus 2>&1)]"
cat /proc/%d/cmdline
echo 1 > /proc/sys/vm/drop_caches
echo zebra > /proc/sys/kernel/hostname
ls /sys/firmware /sys/fs/cgroup
ls /proc | grep -c '^[0-9]'
exit 1
`, os.Getpid())
		os.WriteFile(filepath.Join(dir, "attack"), []byte(script), 0o755)
		res := attackIn(t, shared, dir, script)
		exitErr(t, res.err)
		if strings.Contains(res.stdout, strings.TrimSpace(string(hostCmdline))) {
			t.Errorf("read the host's kernel command line: %q", res.stdout)
		}
		wantLines(t, "output", res.stdout, "cmdline=[]", "kallsyms=[]", "keys=[]", "key-users=[]", "acpi=[/proc/acpi:",
			"", "/proc/bus:", "/proc/driver:]")
		// Root-only files are left unmasked: the program cannot read them.
		for _, l := range strings.Split(res.stdout, "\n") {
			if strings.HasPrefix(l, "timer_list=") && l != "timer_list=[]" && !strings.HasSuffix(l, "Permission denied]") {
				t.Errorf("read /proc/timer_list: %q", l)
			}
		}
		script = filepath.Join(dir, "attack")
		wantLines(t, "attempt log", res.stderr,
			fmt.Sprintf("cat: /proc/%d/cmdline: No such file or directory", os.Getpid()),
			script+": 7: cannot create /proc/sys/vm/drop_caches: Read-only file system",
			script+": 8: cannot create /proc/sys/kernel/hostname: Read-only file system",
			"ls: cannot access '/sys/firmware': No such file or directory",
			"ls: cannot access '/sys/fs/cgroup': No such file or directory")
		// Only the instance's own processes: its init, the script, and ls
		// and grep while they run.
		last := strings.TrimSpace(res.stdout)
		if n := last[strings.LastIndex(last, "\n")+1:]; n != "2" && n != "3" && n != "4" {
			t.Errorf("the instance's /proc shows %s processes, want 2 to 4", n)
		}
	})

	t.Run("device nodes", func(t *testing.T) {
		dir := chanDir(t)
		// A node outside the fixed list, named by a symlink the task
		// leaves in its working directory (once, such targets were bound).
		outside := ""
		for _, d := range []string{"/dev/fuse", "/dev/ptmx", "/dev/tty", "/dev/net/tun"} {
			if fi, err := os.Stat(d); err == nil && fi.Mode()&os.ModeCharDevice != 0 && fi.Mode().Perm()&0o006 == 0o006 {
				outside = d
				break
			}
		}
		args := []string{"devices", "/dev/null"}
		if outside != "" {
			os.Symlink(outside, filepath.Join(dir, "dev-link"))
			args = append(args, outside)
		} else {
			t.Log("no world-writable device outside the list on this host to bind")
		}
		res := chanRunIn(t, shared, dir, args...)
		exitErr(t, res.err)
		// Landlock refuses device nodes (EACCES) before the missing
		// CAP_MKNOD would (EPERM); /dev is not the program's to write.
		why := "Operation not permitted"
		if abi >= 1 {
			why = "Permission denied"
		}
		wantLines(t, "attempt log", res.stderr, "mknod /tmp/null: "+why, "mknod /dev/shm/mem: "+why,
			"mknod ./sda: "+why, "mknod /dev/fifo (fifo): Permission denied")
		wantLines(t, "output", res.stdout, "open /dev/null: ok")
		if outside != "" {
			// Mounts come only from the trusted plan, never from links a
			// task leaves in its directory: the node is not there at all.
			wantLines(t, "attempt log", res.stderr, "open "+outside+": No such file or directory")
		}
		if _, err := os.Lstat(filepath.Join(dir, "sda")); err == nil {
			t.Error("a device node was made in the working directory")
		}
		res = run(t, context.Background(), shared, workDir(t), "", "sh", "-c", "ls -A /dev | tr '\\n' ' '")
		var want []string
		for _, d := range devNodes {
			if _, err := os.Stat(d); err == nil {
				want = append(want, filepath.Base(d))
			}
		}
		want = append(want, "fd", "mqueue", "shm", "stderr", "stdin", "stdout")
		if got := strings.Fields(res.stdout); !sameSet(got, want) {
			t.Errorf("/dev has %v, want %v", got, want)
		}
	})

	t.Run("kernel interfaces", func(t *testing.T) {
		v := startVictim(t, shared, "abstract-serve", "zebra-syscalls")
		res := chanRun(t, shared, "syscalls")
		v.stop(t)
		exitErr(t, res.err)
		eperm := []string{"ptrace(PTRACE_ATTACH, 1)", "userfaultfd", "io_uring_setup", "perf_event_open", "keyctl(JOIN_SESSION_KEYRING)",
			"add_key", "bpf(BPF_MAP_CREATE)", "unshare(CLONE_NEWUSER)", "unshare(CLONE_NEWNET)", "unshare(CLONE_NEWIPC)",
			"clone(CLONE_NEWUSER)", "setns", "inotify_init1", "inotify_add_watch(/usr/bin)", "fanotify_init", "mount(cgroup2)",
			"process_vm_readv", "open_by_handle_at"}
		var want []string
		for _, w := range eperm {
			want = append(want, w+": Operation not permitted")
		}
		want = append(want, "clone3: Function not implemented", "open /sys/fs/cgroup: No such file or directory")
		wantLines(t, "attempt log", res.stderr, want...)
		if res.stdout != "" {
			t.Errorf("some calls were allowed: %q", res.stdout)
		}
	})
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]int{}
	for _, x := range a {
		m[x]++
	}
	for _, x := range b {
		m[x]--
	}
	for _, n := range m {
		if n != 0 {
			return false
		}
	}
	return true
}

// TestChannelAttacksOlderKernel pretends the kernel has an older Landlock
// ABI (or none) and checks what holds then: the Runner says what is
// missing, gives every instance its own network namespace (abstract unix
// socket names are scoped by it), and the channels stay closed.
func TestChannelAttacksOlderKernel(t *testing.T) {
	c := testConfig(t)
	c.SharedNetwork = true // asked for; refused without Landlock's scopes
	buildChan(t)
	if landlockABI() < landlockMinScopeABI {
		t.Logf("this kernel has Landlock ABI %d: the main suite already runs without scopes", landlockABI())
	}
	for _, abi := range []int{0, 4} {
		t.Run(fmt.Sprintf("Landlock ABI %d", abi), func(t *testing.T) {
			kernelLandlockABI = func() int { return min(abi, landlockABI()) }
			defer func() { kernelLandlockABI = landlockABI }()
			var log bytes.Buffer
			r, err := New(c, slog.New(slog.NewTextHandler(&log, nil)))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { r.Close() })
			if !strings.Contains(log.String(), "abstract unix sockets") || !strings.Contains(log.String(), "network namespace per instance") {
				t.Errorf("the Runner's log does not say what is missing: %q", log.String())
			}
			if r.sharedNet {
				t.Fatal("the instances share a network namespace without Landlock's scopes")
			}
			v := startVictim(t, r, "abstract-serve", "zebra-old")
			res := chanRun(t, r, "abstract-send", "zebra-old")
			got := v.stop(t)
			exitErr(t, res.err)
			if strings.Contains(got, "GOT") {
				t.Errorf("data passed between the instances: %q", got)
			}
			wantLines(t, "attempt log", res.stderr, "sendmsg(abstract, SCM_RIGHTS): Connection refused", "connect(abstract): Connection refused")
			res = chanRun(t, r, "signal")
			wantLines(t, "attacker", res.stdout, "pids seen: 1")
			res = chanRun(t, r, "vsock", "5000")
			wantLines(t, "attempt log", res.stderr, "socket(AF_VSOCK): Permission denied")
			res = chanRun(t, r, "devices", "/dev/null")
			why := "Operation not permitted"
			if abi >= 1 {
				why = "Permission denied"
			}
			wantLines(t, "attempt log", res.stderr, "mknod /tmp/null: "+why)
			wantLines(t, "output", res.stdout, "open /dev/null: ok")
		})
	}
}

// TestProcNetPerInstance: by default an instance's /proc/net lists only its
// own sockets, so a socket another instance has bound (here an abstract
// unix name) is not even visible, let alone reachable.
func TestProcNetPerInstance(t *testing.T) {
	c := testConfig(t)
	buildChan(t)
	r := newRunner(t, c)
	v := startVictim(t, r, "abstract-serve", "zebra-procnet")
	res := run(t, context.Background(), r, workDir(t), "", "cat", "/proc/net/unix")
	v.stop(t)
	if res.err != nil {
		t.Fatalf("cat /proc/net/unix: %v; stderr %s", res.err, res.stderr)
	}
	if strings.Contains(res.stdout, "zebra-procnet") {
		t.Errorf("another instance's abstract socket is listed in /proc/net/unix:\n%s", res.stdout)
	}
}
