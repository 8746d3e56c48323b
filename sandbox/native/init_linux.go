package native

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"zebra/sandbox/seccomp"
)

// The Runner starts its init binary (Config.InitPath, by default the
// running executable) as "PATH sandbox-init" with ZEBRA_SANDBOX_INIT=1.
// This package's init turns such a process into the factory during
// package initialisation, before any main or TestMain runs, so that
// every binary that links the package — the zebra binary, each test
// binary — is an init without a hook of its own.
// (A test binary without one ran its own tests instead, as root, and
// started a Runner of its own, whose factory did the same, until go test's
// timeout killed the chain: every level's t.TempDir was left in /tmp.)
func init() {
	if len(os.Args) > 1 && os.Args[1] == InitArg && os.Getenv(InitEnv) == "1" {
		InitMain()
	}
}

// InitMain is the sandbox's factory process (this package's init calls
// it, see above). It reads its factorySpec from fd 3, says factoryReady on
// the control socket (fd 4), then makes one instance per request on it
// until the Runner closes it. It never returns: it exits with status 0 at
// the end of the requests and 127 on failure, which it reports as the
// reply to the next request (or instead of factoryReady).
func InitMain() {
	runtime.LockOSThread() // instances are forked from this thread
	if err := factoryMain(); err != nil {
		msg := "sandbox factory: " + err.Error()
		unix.Write(ctlFD, append(make([]byte, 4), msg...))
		fmt.Fprintln(os.Stderr, msg)
		os.Exit(127)
	}
	os.Exit(0)
}

// factorySpec is what the Runner tells its factory, as JSON on fd 3.
type factorySpec struct {
	// Cloneflags are the namespaces of an instance (CLONE_NEW*).
	Cloneflags uint64 `json:"cloneflags"`
	// UIDMap and GIDMap are written to the instance's uid_map and gid_map,
	// SetGroups ("allow" or "deny") to its setgroups first.
	UIDMap    string `json:"uid_map"`
	GIDMap    string `json:"gid_map"`
	SetGroups string `json:"setgroups"`
	Hostname  string `json:"hostname"`
	TmpSize   int64  `json:"tmp_size"`
	// Rlimits are set on the program's process.
	Rlimits []rlimit `json:"rlimits"`
	// SwitchUser makes the instance, root of its user namespace, drop its
	// supplementary groups and become sandboxUID/sandboxGID before the
	// program starts (the worker is root and mapped two ids).
	SwitchUser bool `json:"switch_user,omitempty"`
	// SharedNetwork selects the seccomp rules for a shared network
	// namespace.
	SharedNetwork bool `json:"shared_network,omitempty"`
	// Detached: the Runner hands the task's paths over as detached mounts
	// (open_tree), so the instance detaches the host's root ahead.
	Detached bool `json:"detached,omitempty"`
	// LandlockABI is the kernel's Landlock ABI the program's process uses
	// (0: none).
	LandlockABI int `json:"landlock_abi,omitempty"`
	// Nice, if not WorkerNice (the worker's), is the lower priority at
	// which instances are made ahead and end: the Runner (root) gives an
	// instance the worker's back at hand-over.
	Nice       int `json:"nice"`
	WorkerNice int `json:"worker_nice"`
}

// File descriptors of the factory besides stdio.
const (
	specFD = 3 // read: the JSON factorySpec, then EOF
	ctlFD  = 4 // SOCK_SEQPACKET to the Runner: requests and replies
)

// A request is one byte, spawnRequest or spawnNow (an instance a Start
// waits for, made at the worker's priority), with the instance's end of its
// socket, the write end of its exec pipe and then the cgroup.procs files to
// put it in (SCM_RIGHTS). The
// reply is the instance's pid (int32, little-endian; 0 if none was made)
// followed by an error message if something failed.
const (
	spawnRequest = 'S'
	spawnNow     = 'N'
)

type factory struct {
	spec     factorySpec
	ctx      *childCtx
	pre      []byte // the init's ops ahead of the task, made at preAt
	preAt    time.Time
	pops     []byte         // the program's process's ops
	fprog    unix.SockFprog // the program's
	initProg unix.SockFprog // the init's (initFilter)
	lastCap  int
	nice     int // of the forking thread
}

func factoryMain() error {
	f := os.NewFile(specFD, "spec")
	b, err := io.ReadAll(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("read spec: %w", err)
	}
	fa := &factory{lastCap: unix.CAP_LAST_CAP}
	if err := json.Unmarshal(b, &fa.spec); err != nil {
		return fmt.Errorf("decode spec: %w", err)
	}
	fa.nice = fa.spec.WorkerNice
	// The kernel may know more capabilities than this build.
	if b, err := os.ReadFile("/proc/sys/kernel/cap_last_cap"); err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && n > fa.lastCap {
			fa.lastCap = n
		}
	}
	prog, err := seccomp.Assemble(seccomp.Options{SharedNetwork: fa.spec.SharedNetwork})
	if err != nil {
		return err
	}
	if len(prog) == 0 || len(prog) > 0xffff {
		return fmt.Errorf("seccomp program of %d instructions", len(prog))
	}
	fa.fprog = unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]}
	var w opWriter
	for _, l := range fa.spec.Rlimits {
		w.op(opRlimit, uint64(l.Resource), l.Cur, l.Max, fmt.Sprintf("set rlimit %d", l.Resource))
	}
	fa.pops = w.b
	if fa.spec.Detached {
		// Fewer mounts for every instance to copy and tear down; the
		// instances are the same without it.
		plan, err := systemPlan(fa.spec.TmpSize)
		if err == nil {
			_, err = narrowMounts(plan)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "sandbox factory: instances copy the host's whole mount table:", err)
		}
	}
	fa.ctx = fa.newChildCtx()
	fa.ctx.prog = fa.newChildCtx()
	fa.ctx.prog.ll = newLandlockPolicy(fa.spec.LandlockABI)
	if fa.spec.Nice != fa.spec.WorkerNice {
		fa.ctx.endNice = fa.spec.Nice
	}
	if p := initFilter(); p != nil {
		fa.initProg = unix.SockFprog{Len: uint16(len(p)), Filter: &p[0]}
		fa.ctx.fprog = &fa.initProg
	}
	if runtime.GOARCH == "amd64" {
		f := programEntry
		fa.ctx.programPC = **(**uintptr)(unsafe.Pointer(&f))
	}
	programCtx = fa.ctx.prog
	buf := make([]byte, 16)
	oob := make([]byte, unix.CmsgSpace(16*4))
	// Every instance starts as a copy of this process: the less memory it
	// has, the cheaper the instances' forks, execs and exits. Spawning
	// makes little garbage; collect it often.
	debug.SetGCPercent(10)
	debug.FreeOSMemory()
	if _, err := unix.Write(ctlFD, []byte(factoryReady)); err != nil {
		return fmt.Errorf("say ready: %w", err)
	}
	for {
		n, oobn, _, _, err := unix.Recvmsg(ctlFD, buf, oob, unix.MSG_CMSG_CLOEXEC)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return fmt.Errorf("read request: %w", err)
		}
		if n == 0 {
			return nil // the Runner is closed
		}
		fds, err := rights(oob[:oobn])
		var pid int
		switch {
		case err != nil:
		case n != 1 || (buf[0] != spawnRequest && buf[0] != spawnNow) || len(fds) < 2:
			err = errors.New("malformed request")
		default:
			pid, err = fa.spawn(fds[0], fds[1], fds[2:], buf[0] == spawnNow)
		}
		for _, fd := range fds {
			unix.Close(fd)
		}
		reply := binary.LittleEndian.AppendUint32(nil, uint32(pid))
		if err != nil {
			reply = append(reply, err.Error()...)
		}
		if _, err := unix.Write(ctlFD, reply); err != nil {
			return fmt.Errorf("reply: %w", err)
		}
	}
}

func rights(oob []byte) ([]int, error) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return nil, err
	}
	var fds []int
	for _, m := range msgs {
		f, err := unix.ParseUnixRights(&m)
		if err != nil {
			return nil, err
		}
		fds = append(fds, f...)
	}
	return fds, nil
}

// spawn makes an instance whose socket is sock and exec pipe execW and puts
// it in the cgroups of cgroupProcs. The instance builds the system part of
// its root by itself and then waits for its program on sock.
func (fa *factory) spawn(sock, execW int, cgroupProcs []int, now bool) (int, error) {
	// This thread forks the instances: they start at its priority.
	nice := fa.spec.Nice
	if now {
		nice = fa.spec.WorkerNice
	}
	if nice != fa.nice {
		if err := unix.Setpriority(unix.PRIO_PROCESS, 0, nice); err != nil {
			return 0, fmt.Errorf("set priority: %w", err)
		}
		fa.nice = nice
	}
	if fa.pre == nil || time.Since(fa.preAt) > time.Second {
		pre, err := fa.preOps()
		if err != nil {
			return 0, err
		}
		fa.pre, fa.preAt = pre, time.Now()
	}
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		return 0, fmt.Errorf("pipe: %w", err)
	}
	defer unix.Close(p[1])
	c := fa.ctx
	c.sock, c.sync, c.execfd, c.pre = sock, p[0], execW, fa.pre
	// CLONE_PARENT: the instance is the Runner's child, which waits for it
	// and whose forking thread's death kills it (PR_SET_PDEATHSIG).
	pid, e := cloneInstance(uintptr(fa.spec.Cloneflags)|unix.CLONE_PARENT|uintptr(unix.SIGCHLD), c)
	unix.Close(p[0])
	if e != 0 {
		return 0, fmt.Errorf("clone: %w", e)
	}
	if err := fa.setUp(pid, cgroupProcs); err != nil {
		unix.Kill(pid, unix.SIGKILL)
		return pid, err
	}
	if _, err := unix.Write(p[1], []byte{1}); err != nil {
		unix.Kill(pid, unix.SIGKILL)
		return pid, fmt.Errorf("release instance: %w", err)
	}
	return pid, nil
}

// newChildCtx returns the factory's template of an instance's context; the
// per-instance fields are set before each fork.
func (fa *factory) newChildCtx() *childCtx {
	c := &childCtx{
		pops: fa.pops, fprog: &fa.fprog,
		lastCap: fa.lastCap, switchUser: fa.spec.SwitchUser, root: [2]byte{'/', 0},
		cmsgData: uintptr(unix.CmsgLen(0)), cmsgSpace: unix.CmsgSpace(batchFDs * 4),
		rcmsgLen: uint64(unix.CmsgLen(4 * 4)), rcmsgSpace: uintptr(unix.CmsgSpace(4 * 4)),
	}
	setMsg(&c.msg, &c.iov, c.hdr[:], c.cmsg[:c.cmsgSpace])
	setMsg(&c.bmsg, &c.biov, c.bbuf[:], c.cmsg[:c.cmsgSpace])
	setMsg(&c.smsg, &c.siov, c.sbuf[:], c.scmsg[:c.rcmsgSpace])
	setMsg(&c.rmsg, &c.riov, c.rbuf[:], c.rcmsg[:c.rcmsgSpace])
	h := (*unix.Cmsghdr)(unsafe.Pointer(&c.scmsg[0]))
	h.Level, h.Type = unix.SOL_SOCKET, unix.SCM_RIGHTS
	h.SetLen(int(c.rcmsgLen))
	return c
}

func setMsg(m *unix.Msghdr, iov *unix.Iovec, data, control []byte) {
	iov.Base = &data[0]
	iov.SetLen(len(data))
	m.Iov = iov
	m.SetIovlen(1)
	m.Control = &control[0]
	m.SetControllen(len(control))
}

// setUp maps the instance's ids and puts it in its cgroups.
func (fa *factory) setUp(pid int, cgroupProcs []int) error {
	dir := "/proc/" + strconv.Itoa(pid) + "/"
	for _, m := range [][2]string{{"uid_map", fa.spec.UIDMap}, {"setgroups", fa.spec.SetGroups}, {"gid_map", fa.spec.GIDMap}} {
		if err := writeFile(dir+m[0], m[1]); err != nil {
			return fmt.Errorf("write %s: %w", m[0], err)
		}
	}
	for _, fd := range cgroupProcs {
		if _, err := unix.Write(fd, []byte(strconv.Itoa(pid))); err != nil {
			return fmt.Errorf("join cgroup: %w", err)
		}
	}
	return nil
}

func writeFile(path, data string) error {
	fd, err := unix.Open(path, unix.O_WRONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	_, err = unix.Write(fd, []byte(data))
	if cerr := unix.Close(fd); err == nil {
		err = cerr
	}
	return err
}

const oldRoot = "/.oldroot"

// preOps are the steps an instance takes on its own, before its program is
// known: it makes its cgroups the root of a new cgroup namespace (the
// factory has put it in them), makes a tmpfs its root with the host's root
// at /.oldroot, and builds systemPlan from it.
func (fa *factory) preOps() ([]byte, error) {
	plan, err := systemPlan(fa.spec.TmpSize)
	if err != nil {
		return nil, err
	}
	var w opWriter
	w.op(opUnshare, unix.CLONE_NEWCGROUP, 0, 0, "new cgroup namespace")
	w.op(opMount, unix.MS_REC|unix.MS_PRIVATE, 0, 0, "make mounts private", "", "/", "", "")
	// The base is mounted on /tmp only to have a mount point: after
	// pivot_root, /.oldroot/tmp is the host's /tmp again.
	w.op(opMount, unix.MS_NOSUID|unix.MS_NODEV, 0, 0, "mount root tmpfs", "tmpfs", "/tmp", "tmpfs", "size=1m,nr_inodes=4096,mode=0755")
	w.op(opMkdir, 0o700, 0, 0, "mkdir "+oldRoot, "/tmp"+oldRoot)
	w.op(opPivot, 0, 0, 0, "pivot_root", "/tmp", "/tmp"+oldRoot)
	for _, m := range plan {
		if err := w.entry(m, oldRoot); err != nil {
			return nil, err
		}
	}
	if fa.spec.Detached {
		w.op(opUmount, unix.MNT_DETACH, 0, 0, "detach host root", oldRoot)
		w.op(opRmdir, 0, 0, 0, "remove "+oldRoot, oldRoot)
	}
	if fa.spec.Hostname != "" {
		w.op(opSethostname, 0, 0, 0, "set host name", fa.spec.Hostname)
	}
	return w.b, w.err
}
