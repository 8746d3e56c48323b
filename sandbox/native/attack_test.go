package native

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"zebra/mapreduce"
)

// The attack suite runs real attacks, as python3 and sh scripts started the
// way a streaming mapper is (./script, #! line, the worker's environment),
// and checks that each is contained: the script fails or gets nothing, the
// host and other tasks are unchanged, and the reason is clear — in the
// ExitError's Reason when the controller or the kernel stopped it for a
// limit, else in the script's stderr (the attempt log).

// attackRun writes script into a fresh working directory and runs it.
func attackRun(t *testing.T, r *Runner, script string) (result, string) {
	t.Helper()
	dir := workDir(t)
	return attackIn(t, r, dir, script), dir
}

func attackIn(t *testing.T, r *Runner, dir, script string) result {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "attack"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	var out, errb limitedBuffer
	p, err := r.Start(context.Background(), mapreduce.Command{Args: []string{"./attack"}, Dir: dir, Env: os.Environ(),
		Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb})
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	err = p.Wait()
	res := result{stdout: out.String(), stderr: errb.String(), err: err}
	t.Logf("exit: %v\nstdout: %.500s\nstderr: %.500s", res.err, res.stdout, res.stderr)
	return res
}

// limitedBuffer keeps what it is given and counts it.
type limitedBuffer struct {
	bytes.Buffer
	n atomic.Int64
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	b.n.Add(int64(len(p)))
	if b.Buffer.Len() < 1<<20+4096 {
		b.Buffer.Write(p)
	}
	return len(p), nil
}

func exitErr(t *testing.T, err error) *mapreduce.ExitError {
	t.Helper()
	var ee *mapreduce.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("got %v, want an *ExitError", err)
	}
	return ee
}

// wantFailed asserts a non-zero exit whose stderr says why.
func wantFailed(t *testing.T, res result, stderrHas ...string) {
	t.Helper()
	exitErr(t, res.err)
	for _, s := range stderrHas {
		if !strings.Contains(res.stderr, s) {
			t.Errorf("stderr %q does not contain %q", res.stderr, s)
		}
	}
}

func wantReason(t *testing.T, res result, reason string) {
	t.Helper()
	ee := exitErr(t, res.err)
	if !strings.Contains(ee.Reason, reason) {
		t.Errorf("reason %q does not contain %q", ee.Reason, reason)
	}
}

func TestAttacks(t *testing.T) {
	c := testConfig(t)
	secretDir := t.TempDir() // stands for storage data and other tenants' files
	storage := filepath.Join(secretDir, "srv", "node", "sda1", "objects")
	if err := os.MkdirAll(storage, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(storage, "obj.data"), []byte("STORAGE-SECRET"), 0o644); err != nil {
		t.Fatal(err)
	}
	input := filepath.Join(t.TempDir(), "input.txt")
	if err := os.WriteFile(input, []byte("input data\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c.ReadOnly = []string{input}
	r := newRunner(t, c)

	t.Run("read /etc/shadow and home directories", func(t *testing.T) {
		res, _ := attackRun(t, r, `#!/usr/bin/env python3
import os, sys
failed = 0
for p in ["/etc/shadow", "/root/.bashrc", "/root/.ssh", "/home"]:
    try:
        if os.path.isdir(p):
            print(p, os.listdir(p))
        else:
            print(p, open(p).read()[:50])
    except OSError as e:
        print("denied", p, e.strerror, file=sys.stderr)
        failed += 1
sys.exit(1 if failed == 4 else 0)
`)
		wantFailed(t, res, "denied /etc/shadow No such file or directory", "denied /root/.bashrc", "denied /home")
	})

	t.Run("read another running task's working directory", func(t *testing.T) {
		other := workDir(t)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		os.WriteFile(filepath.Join(other, "attack"), []byte("#!/bin/sh\necho OTHER-SECRET > secret\necho ready\nexec sleep 60\n"), 0o755)
		pr, pw := io.Pipe()
		p, err := r.Start(ctx, mapreduce.Command{Args: []string{"./attack"}, Dir: other, Env: os.Environ(), Stdout: pw, Stderr: io.Discard})
		if err != nil {
			t.Fatal(err)
		}
		line := make([]byte, 6)
		io.ReadFull(pr, line) // "ready\n": the secret exists
		go io.Copy(io.Discard, pr)
		res, _ := attackRun(t, r, fmt.Sprintf("#!/bin/sh\ncat %s/secret; ls %s\n", other, filepath.Dir(other)))
		wantFailed(t, res, "No such file or directory")
		if strings.Contains(res.stdout, "OTHER-SECRET") {
			t.Error("read the other task's file")
		}
		cancel()
		perr := p.Wait()
		pw.Close()
		if ee := exitErr(t, perr); ee.Reason != "killed: task cancelled" {
			t.Errorf("other task: reason %q, want %q", ee.Reason, "killed: task cancelled")
		}
	})

	t.Run("read storage data directories", func(t *testing.T) {
		res, _ := attackRun(t, r, fmt.Sprintf("#!/bin/sh\ncat %s/obj.data || ls /srv /work /farm /var /mnt\n", storage))
		wantFailed(t, res, "No such file or directory")
		if strings.Contains(res.stdout, "STORAGE-SECRET") {
			t.Error("read storage data")
		}
	})

	t.Run("write outside the working directory", func(t *testing.T) {
		res, dir := attackRun(t, r, fmt.Sprintf(`#!/usr/bin/env python3
import os, sys
ok = []
for p in ["/usr/evil", "/etc/evil", "/evil", "/dev/evil", %q, %q]:
    try:
        with open(p, "a") as f:
            f.write("pwned")
        ok.append(p)
    except OSError as e:
        print("denied", p, e.strerror, file=sys.stderr)
open("inside", "w").write("fine")
open("/tmp/private", "w").write("fine")
print("wrote", ok)
sys.exit(1 if not ok else 0)
`, input, filepath.Join(filepath.Dir(input), "new")))
		wantFailed(t, res, "Read-only file system")
		if b, _ := os.ReadFile(input); string(b) != "input data\n" {
			t.Errorf("input changed: %q", b)
		}
		for _, p := range []string{"/usr/evil", "/etc/evil", "/evil", filepath.Join(filepath.Dir(input), "new")} {
			if _, err := os.Lstat(p); err == nil {
				t.Errorf("%s exists on the host", p)
			}
		}
		if b, _ := os.ReadFile(filepath.Join(dir, "inside")); string(b) != "fine" {
			t.Errorf("working directory not writable: %q", b)
		}
	})

	t.Run("connect to a TCP listener on 127.0.0.1", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		var accepted atomic.Int32
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				accepted.Add(1)
				c.Write([]byte("HOST-SERVICE\n"))
				c.Close()
			}
		}()
		port := ln.Addr().(*net.TCPAddr).Port
		res, _ := attackRun(t, r, fmt.Sprintf(`#!/usr/bin/env python3
import socket
s = socket.create_connection(("127.0.0.1", %d), timeout=2)
print(s.recv(100))
`, port))
		// Landlock (ABI 4) refuses the connect before the empty network
		// namespace's missing route would.
		want := "Network is unreachable"
		if landlockABI() >= 4 {
			want = "PermissionError: [Errno 13] Permission denied"
		}
		wantFailed(t, res, want)
		if accepted.Load() != 0 || strings.Contains(res.stdout, "HOST-SERVICE") {
			t.Error("the sandbox reached the host's listener")
		}
	})

	t.Run("DNS lookup", func(t *testing.T) {
		res, _ := attackRun(t, r, `#!/usr/bin/env python3
import socket
print(socket.getaddrinfo("example.com", 80))
`)
		wantFailed(t, res, "socket.gaierror")
	})

	t.Run("fork bomb", func(t *testing.T) {
		cc := c
		cc.WallTime = 2 * time.Second
		rr := newRunner(t, cc)
		res, _ := attackRun(t, rr, "#!/bin/sh\nbomb() { bomb | bomb & }\nbomb\nsleep 30\n")
		wantReason(t, res, "process limit of 64 reached")
		alive(t)
	})

	t.Run("memory bomb", func(t *testing.T) {
		res, _ := attackRun(t, r, `#!/usr/bin/env python3
blocks = []
while True:
    blocks.append(bytearray(16 << 20))
`)
		wantReason(t, res, "memory limit of 128 MiB exceeded")
	})

	t.Run("fill /tmp", func(t *testing.T) {
		res, _ := attackRun(t, r, "#!/bin/sh\ncat /dev/zero > /tmp/fill\n")
		wantFailed(t, res, "No space left on device")
		if _, err := os.Stat("/tmp/fill"); err == nil {
			t.Error("/tmp/fill exists on the host")
		}
	})

	t.Run("fill the working directory", func(t *testing.T) {
		res, dir := attackRun(t, r, "#!/bin/sh\nexec cat /dev/zero > fill\n")
		wantReason(t, res, "file size limit of 8 MiB exceeded")
		if fi, err := os.Stat(filepath.Join(dir, "fill")); err != nil || fi.Size() > c.FileSize {
			t.Errorf("fill: %v, size %d, want at most %d", err, fi.Size(), c.FileSize)
		}
	})

	t.Run("CPU infinite loop", func(t *testing.T) {
		cc := c
		cc.CPUTime = time.Second
		cc.WallTime = 60 * time.Second // the CPU limit must be what stops it, even on a loaded machine
		rr := newRunner(t, cc)
		res, _ := attackRun(t, rr, "#!/usr/bin/env python3\nwhile True:\n    pass\n")
		wantReason(t, res, "cpu time limit of 1s exceeded")
	})

	t.Run("sleep forever", func(t *testing.T) {
		cc := c
		cc.WallTime = time.Second
		rr := newRunner(t, cc)
		res, _ := attackRun(t, rr, "#!/bin/sh\nsleep 100000\n")
		wantReason(t, res, "wall time limit 1s exceeded")
	})

	t.Run("ptrace the parent", func(t *testing.T) {
		res, _ := attackRun(t, r, `#!/usr/bin/env python3
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
PTRACE_ATTACH, PTRACE_TRACEME = 16, 0
child = os.fork()
if child == 0:
    import time; time.sleep(5); os._exit(0)
for pid in [os.getppid(), 1, child]:
    if libc.ptrace(PTRACE_ATTACH, pid, 0, 0) != 0:
        print("ptrace", pid, os.strerror(ctypes.get_errno()), file=sys.stderr)
    else:
        print("attached", pid)
os.kill(child, 9)
sys.exit(1)
`)
		wantFailed(t, res, "Operation not permitted")
		if strings.Contains(res.stdout, "attached") {
			t.Error("ptrace succeeded")
		}
	})

	t.Run("kill -9 -1", func(t *testing.T) {
		victim := exec.Command("sleep", "60")
		if err := victim.Start(); err != nil {
			t.Fatal(err)
		}
		defer victim.Process.Kill()
		res, _ := attackRun(t, r, "#!/bin/sh\nkill -9 -1\nkill -9 1\necho still here\nexit 3\n")
		exitErr(t, res.err)
		if err := victim.Process.Signal(os.Signal(nil)); err != nil && !errors.Is(err, os.ErrProcessDone) {
			// Signal(nil) is not allowed by os; use signal 0 below.
		}
		if err := killZero(victim.Process.Pid); err != nil {
			t.Errorf("host process killed: %v", err)
		}
		alive(t)
	})

	t.Run("kill the process group", func(t *testing.T) {
		// Process groups are not scoped by PID namespace: kill(0, ...)
		// would reach every process in the caller's group, other tasks
		// (and an unprivileged worker) included, if they shared it.
		other := workDir(t)
		os.WriteFile(filepath.Join(other, "attack"), []byte("#!/bin/sh\necho ready\nsleep 60\n"), 0o755)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		pr, pw := io.Pipe()
		p, err := r.Start(ctx, mapreduce.Command{Args: []string{"./attack"}, Dir: other, Env: os.Environ(), Stdout: pw, Stderr: io.Discard})
		if err != nil {
			t.Fatal(err)
		}
		io.ReadFull(pr, make([]byte, 6)) // "ready\n"
		go io.Copy(io.Discard, pr)
		res, _ := attackRun(t, r, "#!/bin/sh\nkill -9 0\n")
		exitErr(t, res.err)
		waited := make(chan error, 1)
		go func() { waited <- p.Wait() }()
		select {
		case err := <-waited:
			t.Errorf("the other task died: %v", err)
		case <-time.After(200 * time.Millisecond):
		}
		cancel()
		<-waited
		pw.Close()
		alive(t)
	})

	t.Run("mount and unshare", func(t *testing.T) {
		res, _ := attackRun(t, r, `#!/usr/bin/env python3
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
if libc.mount(b"none", b"/tmp", b"tmpfs", 0, None) != 0:
    print("mount", os.strerror(ctypes.get_errno()), file=sys.stderr)
CLONE_NEWUSER, CLONE_NEWNS = 0x10000000, 0x20000
if libc.unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0:
    print("unshare", os.strerror(ctypes.get_errno()), file=sys.stderr)
r = os.system("mount -t proc proc /tmp 2>&1")
sys.exit(1)
`)
		wantFailed(t, res, "mount Operation not permitted", "unshare Operation not permitted")
	})

	t.Run("setuid and setgid binaries", func(t *testing.T) {
		res, _ := attackRun(t, r, `#!/bin/sh
id -u
for b in /usr/bin/su /usr/bin/passwd /usr/bin/newgrp /usr/bin/mount; do
  [ -x $b ] && $b </dev/null >/dev/null 2>&1; echo "$b -> $?"
done
cp /bin/sh ./rootsh && chmod 6755 ./rootsh && ./rootsh -c 'id -u; id -g'
su -c 'id -u' root </dev/null
`)
		exitErr(t, res.err)
		for _, l := range strings.Split(res.stdout, "\n") {
			if strings.TrimSpace(l) == "0" {
				t.Errorf("got uid or gid 0 inside the sandbox: stdout %q", res.stdout)
			}
		}
		if !strings.Contains(res.stdout, "1000") {
			t.Errorf("stdout %q: want the sandbox uid 1000", res.stdout)
		}
	})

	t.Run("read host /proc/1/environ", func(t *testing.T) {
		t.Setenv("ZEBRA_WORKER_SECRET", "WORKER-SECRET")
		dir := workDir(t)
		os.WriteFile(filepath.Join(dir, "attack"), []byte(`#!/bin/sh
tr '\0' '\n' < /proc/1/environ
ls /proc | grep -c '^[0-9]' >&2
cat /proc/[0-9]*/environ 2>/dev/null | tr '\0' '\n'
`), 0o755)
		var out, errb bytes.Buffer
		p, err := r.Start(context.Background(), mapreduce.Command{Args: []string{"./attack"}, Dir: dir,
			Env: []string{"PATH=/usr/bin:/bin", "TASK=1"}, Stdout: &out, Stderr: &errb})
		if err != nil {
			t.Fatal(err)
		}
		err = p.Wait()
		t.Logf("exit %v stdout %q stderr %q", err, out.String(), errb.String())
		if strings.Contains(out.String(), "WORKER-SECRET") || strings.Contains(out.String(), "HOME=") {
			t.Errorf("saw the host's environment: %q", out.String())
		}
		// /proc is the instance's own: the environ seen is the task's.
		if !strings.Contains(out.String(), "TASK=1") {
			t.Errorf("want the task's own environment in its /proc: %q", out.String())
		}
	})

	t.Run("flood stdout", func(t *testing.T) {
		res, _ := attackRunCounted(t, r, "#!/bin/sh\nexec yes flood\n", false)
		wantReason(t, res, "output limit of 1 MiB on stdout exceeded")
	})

	t.Run("flood stderr", func(t *testing.T) {
		res, _ := attackRunCounted(t, r, "#!/usr/bin/env python3\nimport sys\nwhile True:\n    sys.stderr.write('x' * 65536)\n", true)
		wantReason(t, res, "output limit of 1 MiB on stderr exceeded")
	})

	t.Run("leave a background daemon", func(t *testing.T) {
		res, _ := attackRun(t, r, `#!/bin/sh
(setsid sleep 31337 </dev/null >/dev/null 2>&1 &)
nohup sleep 31338 >/dev/null 2>&1 &
echo started
`)
		if res.err != nil {
			t.Fatalf("the script itself should succeed: %v", res.err)
		}
		if pids := hostProcs("31337", "31338"); len(pids) > 0 {
			t.Errorf("daemons survived the task: %v", pids)
		}
	})
}

// attackRunCounted runs script and checks that at most the output limit
// reached the caller's writer.
func attackRunCounted(t *testing.T, r *Runner, script string, stderr bool) (result, string) {
	t.Helper()
	dir := workDir(t)
	os.WriteFile(filepath.Join(dir, "attack"), []byte(script), 0o755)
	var out, errb limitedBuffer
	p, err := r.Start(context.Background(), mapreduce.Command{Args: []string{"./attack"}, Dir: dir, Env: os.Environ(), Stdout: &out, Stderr: &errb})
	if err != nil {
		t.Fatal(err)
	}
	err = p.Wait()
	n := out.n.Load()
	if stderr {
		n = errb.n.Load()
	}
	if limit := r.Config().Output; n > limit {
		t.Errorf("%d bytes reached the caller, limit %d", n, limit)
	}
	t.Logf("exit %v; %d bytes passed", err, n)
	return result{stdout: out.String(), stderr: errb.String(), err: err}, dir
}

// hostProcs returns the host pids whose command line contains any of words.
func hostProcs(words ...string) []string {
	var out []string
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		for _, w := range words {
			if bytes.Contains(b, []byte(w)) {
				out = append(out, e.Name()+":"+strings.ReplaceAll(string(b), "\x00", " "))
			}
		}
	}
	return out
}

// alive checks that the sandbox still runs programs after an attack.
func alive(t *testing.T) {
	t.Helper()
	r := newRunner(t, testConfig(t))
	res := run(t, context.Background(), r, workDir(t), "", "echo", "ok")
	if res.err != nil || res.stdout != "ok\n" {
		t.Errorf("after the attack: %v %q", res.err, res.stdout)
	}
}
