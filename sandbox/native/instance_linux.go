package native

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// An instance is a fork of the factory process (see init_linux.go) made
// with raw clone(2) into new namespaces: its init, and the program's
// process the init starts. Neither re-enters the Go runtime, which does
// not exist in them beyond the copy of the factory's memory. Like the
// child side of syscall.ForkExec, every function here is nosplit (no stack
// growth: the linker checks the chain fits), allocates nothing, writes no
// pointer into the heap (no write barrier), takes no lock and runs with
// every signal blocked. Their only inputs are the childCtx the factory
// filled before the fork and the ops the Runner sends at hand-over.

const (
	handoverMagic  = 0x5a424831 // "ZBH1"
	handoverHeader = 16         // magic, body length, argv+envp slots, descriptors
	maxFDs         = 4096       // most descriptors at hand-over: stdio, then mounts
	batchFDs       = 250        // most descriptors per message
	maxHandover    = 64 << 20   // largest hand-over body
	maxPtrs        = 1 << 20    // most argv+envp entries
	maxStr         = 8          // most strings in an op other than opExec
	recHeader      = 12         // kind, code, text length
)

// Records an instance sends to the Runner on its socket.
const (
	recError  = 1 // setup failed: code is the errno, the text says what failed
	recStatus = 2 // the program's wait status, then its CPU time and peak RSS; the instance exits next
)

// atFDCWD is unix.AT_FDCWD as a system call argument.
const atFDCWD = ^uintptr(-unix.AT_FDCWD - 1)

// Failure stages the program's process reports on its exec pipe (stage
// and errno, 4 bytes each, little-endian); the pipe closes without a word
// when the program runs.
const (
	stageDir  = 1 // taking its stdio and working directory
	stageExec = 2 // execve
	// entering its Landlock domain
	stageLandlock = 3
)

// The memory shared by the init and the program's process (shmSize bytes):
// the hand-over body, then the path, argv and envp pointers and their
// slots, then the received descriptors (at fdtabOff).
const (
	fdtabOff = maxHandover + 8*(maxPtrs+3)
	shmSize  = (fdtabOff + 4*maxFDs + 4095) &^ 4095
)

// Descriptions of steps that are not ops, for errors.
var (
	descShared  = []byte("set up the program's process")
	descDrop    = []byte("drop privileges")
	descSeccomp = []byte("load seccomp filter")
)

// childCtx is what the instance knows; the factory prepares it before the
// fork. The instance writes only its non-pointer scratch fields.
type childCtx struct {
	sock       int       // the init's end of its socket to the Runner
	sync       int       // read end: one byte once the id maps and cgroups are set
	execfd     int       // write end of the exec pipe, for the program's process
	pre        []byte    // the init's ops ahead of the task
	pops       []byte    // the program's process's ops ahead of the task
	prog       *childCtx // the program's process's context
	programPC  uintptr   // entry of programEntry, if the program's process can share the init's memory
	endNice    int       // the init's nice value once it has reported (0: unchanged)
	fprog      *unix.SockFprog
	lastCap    int
	switchUser bool
	cmsgData   uintptr // offset of the fds in a control message
	cmsgSpace  int     // room for batchFDs descriptors
	rcmsgLen   uint64  // length of the SCM_RIGHTS header with 4 fds
	rcmsgSpace uintptr
	root       [2]byte // "/"

	msg  unix.Msghdr // from the Runner: iov → hdr, control → cmsg
	iov  unix.Iovec
	hdr  [handoverHeader]byte
	bmsg unix.Msghdr // further descriptors: iov → bbuf, control → cmsg
	biov unix.Iovec
	bbuf [1]byte
	cmsg [1040]byte

	smsg  unix.Msghdr // init to program: iov → sbuf, control → scmsg
	siov  unix.Iovec
	sbuf  [1]byte
	scmsg [64]byte
	rmsg  unix.Msghdr // as received by the program's process
	riov  unix.Iovec
	rbuf  [8]byte
	rcmsg [64]byte

	// Scratch, written by the instance.
	str     [maxStr]uintptr // the current op's strings
	slen    [maxStr]uintptr
	rec     [recHeader]byte
	word    [4]byte
	shm     uintptr
	psock   [2]int32
	pid     uintptr // the program's
	dirfd   int
	fdtab   uintptr // the received descriptors, in shm
	nfds    uintptr
	rfds    [4]int32
	w, ws   int32
	ru      unix.Rusage
	status  [statusLen]byte
	statfs  unix.Statfs_t
	mattr   unix.MountAttr
	rlim    unix.Rlimit
	capHdr  unix.CapUserHeader
	capData [2]unix.CapUserData
	sigset  [2]uint32 // empty: the program's signal mask

	// The program's Landlock policy (zero: none), set by the factory, and
	// its ruleset and a rule, written by the instance.
	ll     landlockPolicy
	llFD   int
	llRule unix.LandlockPathBeneathAttr
}

//go:nosplit
//go:norace
func sys3(trap, a1, a2, a3 uintptr) (uintptr, syscall.Errno) {
	r, _, e := syscall.RawSyscall6(trap, a1, a2, a3, 0, 0, 0)
	return r, e
}

//go:nosplit
//go:norace
func sys6(trap, a1, a2, a3, a4, a5, a6 uintptr) (uintptr, syscall.Errno) {
	r, _, e := syscall.RawSyscall6(trap, a1, a2, a3, a4, a5, a6)
	return r, e
}

//go:nosplit
//go:norace
func exitGroup(code uintptr) {
	for {
		syscall.RawSyscall6(unix.SYS_EXIT_GROUP, code, 0, 0, 0, 0, 0)
	}
}

//go:nosplit
//go:norace
func le32(p unsafe.Pointer) uint32 {
	b := (*[4]byte)(p)
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

//go:nosplit
//go:norace
func le64(p unsafe.Pointer) uint64 {
	return uint64(le32(p)) | uint64(le32(unsafe.Add(p, 4)))<<32
}

//go:nosplit
//go:norace
func put32(p *[4]byte, v uint32) {
	p[0], p[1], p[2], p[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
}

//go:nosplit
//go:norace
func writeAll(fd int, p unsafe.Pointer, n uintptr) bool {
	for n > 0 {
		r, e := sys3(unix.SYS_WRITE, uintptr(fd), uintptr(p), n)
		if e == syscall.EINTR {
			continue
		}
		if e != 0 || r == 0 {
			return false
		}
		p = unsafe.Add(p, r)
		n -= r
	}
	return true
}

//go:nosplit
//go:norace
func readFull(fd int, p unsafe.Pointer, n uintptr) bool {
	for n > 0 {
		r, e := sys3(unix.SYS_READ, uintptr(fd), uintptr(p), n)
		if e == syscall.EINTR {
			continue
		}
		if e != 0 || r == 0 {
			return false
		}
		p = unsafe.Add(p, r)
		n -= r
	}
	return true
}

// sendRecord sends a record to the Runner.
//
//go:nosplit
//go:norace
func sendRecord(c *childCtx, kind, code uint32, text uintptr, n uintptr) {
	put32((*[4]byte)(unsafe.Pointer(&c.rec[0])), kind)
	put32((*[4]byte)(unsafe.Pointer(&c.rec[4])), code)
	put32((*[4]byte)(unsafe.Pointer(&c.rec[8])), uint32(n))
	if writeAll(c.sock, unsafe.Pointer(&c.rec[0]), recHeader) && n > 0 {
		writeAll(c.sock, *(*unsafe.Pointer)(unsafe.Pointer(&text)), n)
	}
}

// fail reports the failed op (its description is string 0) and exits.
//
//go:nosplit
//go:norace
func fail(c *childCtx, e syscall.Errno) {
	sendRecord(c, recError, uint32(e), c.str[0], c.slen[0])
	exitGroup(127)
}

// closeFrom2 closes every descriptor from 3 on except a and b.
//
//go:nosplit
//go:norace
func closeFrom2(a, b int) {
	if a > b {
		a, b = b, a
	}
	closeRange(3, a-1)
	closeRange(a+1, b-1)
	closeRange(b+1, -1)
}

//go:nosplit
//go:norace
func closeRange(lo, hi int) {
	if _, e := sys3(unix.SYS_CLOSE_RANGE, uintptr(lo), uintptr(uint32(hi)), 0); e != syscall.ENOSYS {
		return
	}
	if hi < 0 {
		hi = 65535
	}
	for fd := lo; fd <= hi; fd++ {
		sys3(unix.SYS_CLOSE, uintptr(fd), 0, 0)
	}
}

// instanceMain is the instance's init from its fork to its exit. Ahead of
// the task it builds the system part of the root and starts the program's
// process (programMain), which drops every privilege and loads the seccomp
// filter while it waits; at hand-over the init binds the task's paths,
// passes the program its stdio and working directory, drops its own
// privileges, loads its own filter (initFilter) and then only reaps.
//
//go:nosplit
//go:norace
func instanceMain(c *childCtx) {
	if initAhead(c) {
		programMain(c.prog)
	}
	initHandOver(c)
	initReap(c)
}

// programMain is the program's process.
//
//go:nosplit
//go:norace
func programMain(pc *childCtx) {
	programAhead(pc)
	programStart(pc)
	exitGroup(127)
}

// programCtx is the context of the program's process when it shares the
// init's memory (see initAhead); the factory sets it before each fork.
var programCtx *childCtx

// programEntry is where the program's process starts when it shares the
// init's memory: on a stack of its own, called by nothing.
//
//go:nosplit
//go:norace
func programEntry() {
	programMain(programCtx)
}

// initAhead is the init's part before the task. It returns true in the
// program's process if that is a fork.
//
//go:nosplit
//go:norace
func initAhead(c *childCtx) bool {
	// Die with the Runner's forking thread. (getppid is 0 in a new PID
	// namespace, so the thread's death before this prctl cannot be seen
	// here; but then the factory gets killed too and the sync pipe or the
	// socket, at the latest, reads EOF.)
	sys6(unix.SYS_PRCTL, unix.PR_SET_PDEATHSIG, uintptr(syscall.SIGKILL), 0, 0, 0, 0)
	// A process group of the instance's own: kill(0, ...) reaches the
	// caller's process group across PID namespaces, and the factory's is
	// the worker's, shared with every other instance. (Not a session: with
	// autogroup scheduling a session of its own would change how the
	// program shares the CPU with the worker that feeds it.)
	if _, e := sys3(unix.SYS_SETPGID, 0, 0, 0); e != 0 {
		exitGroup(1)
	}
	// Keep only the socket, the sync pipe and the exec pipe of the
	// factory's descriptors (and 0-2, /dev/null).
	a, b, d := c.sock, c.sync, c.execfd
	if a > b {
		a, b = b, a
	}
	if b > d {
		b, d = d, b
	}
	if a > b {
		a, b = b, a
	}
	closeRange(3, a-1)
	closeRange(a+1, b-1)
	closeRange(b+1, d-1)
	closeRange(d+1, -1)
	if !readFull(c.sync, unsafe.Pointer(&c.word[0]), 1) {
		exitGroup(1)
	}
	sys3(unix.SYS_CLOSE, uintptr(c.sync), 0, 0)
	if len(c.pre) > 0 {
		base := unsafe.Pointer(&c.pre[0])
		if n := uintptr(len(c.pre)); runOps(c, base, n) != n {
			c.slen[0] = 0
			fail(c, syscall.EINVAL) // the factory sent an opExec
		}
	}

	// The hand-over body goes to memory the program's process shares.
	c.str[0], c.slen[0] = uintptr(unsafe.Pointer(&descShared[0])), uintptr(len(descShared))
	shm, e := sys6(unix.SYS_MMAP, 0, shmSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_ANONYMOUS|unix.MAP_NORESERVE, ^uintptr(0), 0)
	if e != 0 {
		fail(c, e)
	}
	c.shm = shm
	// Fault in what a common hand-over uses now rather than then.
	base := *(*unsafe.Pointer)(unsafe.Pointer(&c.shm))
	for off := uintptr(0); off < 64<<10; off += 4096 {
		*(*byte)(unsafe.Add(base, off)) = 0
	}
	*(*byte)(unsafe.Add(base, maxHandover)) = 0
	*(*byte)(unsafe.Add(base, fdtabOff)) = 0
	if _, e := sys6(unix.SYS_SOCKETPAIR, unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0, uintptr(unsafe.Pointer(&c.psock[0])), 0, 0); e != 0 {
		fail(c, e)
	}
	pc := c.prog
	pc.sock, pc.execfd, pc.psock, pc.shm = c.sock, c.execfd, c.psock, c.shm
	// The program's process shares this memory (CLONE_VM) where it can
	// start on a stack of its own: it is then no copy to make now, and its
	// execve frees nothing on the way to the program. Elsewhere it is a
	// fork.
	flags, top := uintptr(syscall.SIGCHLD), uintptr(0)
	if c.programPC != 0 {
		const stackSize = 64 << 10
		stack, e := sys6(unix.SYS_MMAP, 0, stackSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS, ^uintptr(0), 0)
		if e != 0 {
			fail(c, e)
		}
		// The clone returns into programEntry: on amd64 the Go assembly
		// of the system call returns straight off the new stack.
		top = (stack + stackSize - 64) &^ 15
		*(*uintptr)(*(*unsafe.Pointer)(unsafe.Pointer(&top))) = c.programPC
		flags |= unix.CLONE_VM
	}
	pid, e := sys6(unix.SYS_CLONE, flags, top, 0, 0, 0, 0)
	if e != 0 {
		fail(c, e)
	}
	if pid == 0 {
		return true // a fork
	}
	c.pid = pid
	sys3(unix.SYS_CLOSE, uintptr(c.psock[1]), 0, 0)
	sys3(unix.SYS_CLOSE, uintptr(c.execfd), 0, 0)
	return false
}

// initHandOver takes the task and starts the program.
//
//go:nosplit
//go:norace
func initHandOver(c *childCtx) {
	// Wait for the program: a header and the first descriptors (stdio, then
	// detached mounts), further batches of descriptors, then the ops. EOF
	// means the Runner discarded the instance.
	r, e := sys3(unix.SYS_RECVMSG, uintptr(c.sock), uintptr(unsafe.Pointer(&c.msg)), unix.MSG_CMSG_CLOEXEC)
	if e != 0 || r == 0 {
		exitGroup(0)
	}
	if r < handoverHeader && !readFull(c.sock, unsafe.Pointer(&c.hdr[r]), handoverHeader-r) {
		exitGroup(0)
	}
	bodyLen := uintptr(le32(unsafe.Pointer(&c.hdr[4])))
	nptrs := uintptr(le32(unsafe.Pointer(&c.hdr[8])))
	c.nfds = uintptr(le32(unsafe.Pointer(&c.hdr[12])))
	c.slen[0] = 0
	if le32(unsafe.Pointer(&c.hdr[0])) != handoverMagic || bodyLen > maxHandover || nptrs > maxPtrs || nptrs < 2 ||
		c.nfds < 3 || c.nfds > maxFDs {
		fail(c, syscall.EPROTO)
	}
	c.fdtab = c.shm + fdtabOff
	got := takeFDs(c, &c.msg, 0)
	for got < c.nfds {
		c.bmsg.SetControllen(c.cmsgSpace)
		r, e := sys3(unix.SYS_RECVMSG, uintptr(c.sock), uintptr(unsafe.Pointer(&c.bmsg)), unix.MSG_CMSG_CLOEXEC)
		if e != 0 || r == 0 {
			exitGroup(0)
		}
		got += takeFDs(c, &c.bmsg, got)
	}
	fds := (*[3]int32)(*(*unsafe.Pointer)(unsafe.Pointer(&c.fdtab)))
	body := *(*unsafe.Pointer)(unsafe.Pointer(&c.shm))
	if !readFull(c.sock, body, bodyLen) {
		exitGroup(0)
	}
	c.dirfd = -1
	off := runOps(c, body, bodyLen)
	if off+opHeader > bodyLen || opKind(le32(unsafe.Add(body, off))) != opExec || c.dirfd < 0 {
		c.slen[0] = 0
		fail(c, syscall.EPROTO)
	}
	setArgs(c, body, off, bodyLen, nptrs)

	// From here on this process has the program's privileges: none.
	dropPrivileges(c)
	if _, e := sys6(unix.SYS_PRCTL, unix.PR_SET_DUMPABLE, 0, 0, 0, 0, 0); e != 0 {
		fail(c, e)
	}
	// The program's stdio and working directory start it; the init keeps
	// none of them.
	c.rfds[0], c.rfds[1], c.rfds[2], c.rfds[3] = fds[0], fds[1], fds[2], int32(c.dirfd)
	c.slen[0] = 0
	if !sendFDs(c, c.psock[0]) {
		fail(c, syscall.EPIPE)
	}
	for i := 0; i < 3; i++ {
		sys3(unix.SYS_CLOSE, uintptr(fds[i]), 0, 0)
	}
	sys3(unix.SYS_CLOSE, uintptr(c.dirfd), 0, 0)
	// The program's process tells the Runner itself whether it could
	// execute the program; the init loads its seccomp filter only then,
	// not to compete with the execve.
	sys3(unix.SYS_READ, uintptr(c.psock[0]), uintptr(unsafe.Pointer(&c.word[0])), 1)
	sys3(unix.SYS_CLOSE, uintptr(c.psock[0]), 0, 0)
	loadFilter(c)
}

// initReap reaps until the program exits, then kills and reaps what it
// left, reports and exits.
//
//go:nosplit
//go:norace
func initReap(c *childCtx) {
	// Reap until the program exits; then kill and reap what it left, and
	// only then report: when the Runner reads the status, nothing of the
	// task runs any more.
	for {
		wpid, e := sys6(unix.SYS_WAIT4, ^uintptr(0), uintptr(unsafe.Pointer(&c.w)), 0, 0, 0, 0)
		if e == syscall.EINTR {
			continue
		}
		if e != 0 {
			break
		}
		if wpid == c.pid {
			c.ws = c.w
			break
		}
	}
	sys3(unix.SYS_KILL, ^uintptr(0), uintptr(syscall.SIGKILL), 0)
	for {
		_, e := sys6(unix.SYS_WAIT4, ^uintptr(0), uintptr(unsafe.Pointer(&c.w)), 0, 0, 0, 0)
		if e != 0 && e != syscall.EINTR {
			break
		}
	}
	sys3(unix.SYS_GETRUSAGE, ^uintptr(0) /* RUSAGE_CHILDREN */, uintptr(unsafe.Pointer(&c.ru)), 0)
	putTime(&c.status, 0, c.ru.Utime)
	putTime(&c.status, 8, c.ru.Stime)
	putU64(&c.status, 16, uint64(c.ru.Maxrss)<<10) // KiB
	sendRecord(c, recStatus, uint32(c.ws), uintptr(unsafe.Pointer(&c.status[0])), uintptr(len(c.status)))
	// The instance's teardown is background work.
	if c.endNice != 0 {
		sys3(unix.SYS_SETPRIORITY, unix.PRIO_PROCESS, 0, uintptr(c.endNice))
	}
	exitGroup(0)
}

// statusLen is the length of a status record's text: the program's user
// and system CPU time in microseconds and the peak resident memory of the
// instance's largest process in bytes, each 8 bytes little-endian.
const statusLen = 24

// putTime stores t in microseconds at b[off:off+8].
//
//go:nosplit
//go:norace
func putTime(b *[statusLen]byte, off int, t unix.Timeval) {
	putU64(b, off, uint64(t.Sec)*1e6+uint64(t.Usec))
}

// putU64 stores v at b[off:off+8], little-endian.
//
//go:nosplit
//go:norace
func putU64(b *[statusLen]byte, off int, v uint64) {
	for i := 0; i < 8; i++ {
		b[uint(off+i)%statusLen] = byte(v >> (8 * i))
	}
}

// programAhead is the program's process from its start by the init until
// the task: it sets the rlimits, loads the seccomp filter and drops every
// privilege.
//
//go:nosplit
//go:norace
func programAhead(c *childCtx) {
	sys6(unix.SYS_PRCTL, unix.PR_SET_PDEATHSIG, uintptr(syscall.SIGKILL), 0, 0, 0, 0)
	sys3(unix.SYS_CLOSE, uintptr(c.psock[0]), 0, 0)
	if len(c.pops) > 0 {
		base := unsafe.Pointer(&c.pops[0])
		if n := uintptr(len(c.pops)); runOps(c, base, n) != n {
			c.slen[0] = 0
			fail(c, syscall.EINVAL)
		}
	}
	landlockAhead(c)
	loadFilter(c)
	dropPrivileges(c)
	// Only the init talks to the Runner.
	sys3(unix.SYS_CLOSE, uintptr(c.sock), 0, 0)
}

// programStart takes the program's stdio and working directory from the
// init and executes the program. It reports a failure on the exec pipe.
//
//go:nosplit
//go:norace
func programStart(c *childCtx) {
	ps := int(c.psock[1])

	r, e := sys3(unix.SYS_RECVMSG, uintptr(ps), uintptr(unsafe.Pointer(&c.rmsg)), unix.MSG_CMSG_CLOEXEC)
	h := (*unix.Cmsghdr)(unsafe.Pointer(&c.rcmsg[0]))
	if e != 0 || r == 0 || uint64(h.Len) != c.rcmsgLen || h.Level != unix.SOL_SOCKET || h.Type != unix.SCM_RIGHTS {
		exitGroup(1)
	}
	fds := (*[4]int32)(unsafe.Add(unsafe.Pointer(&c.rcmsg[0]), c.cmsgData))
	ex := c.execfd
	for i := 0; i < 3; i++ {
		if _, e := sys3(unix.SYS_DUP3, uintptr(fds[i]), uintptr(i), 0); e != 0 {
			programFailed(ex, stageDir, e)
		}
		sys3(unix.SYS_CLOSE, uintptr(fds[i]), 0, 0)
	}
	if _, e := sys3(unix.SYS_FCHDIR, uintptr(fds[3]), 0, 0); e != 0 {
		programFailed(ex, stageDir, e)
	}
	if e := landlockStart(c, int(fds[3])); e != 0 {
		programFailed(ex, stageLandlock, e)
	}
	sys3(unix.SYS_CLOSE, uintptr(fds[3]), 0, 0)
	// Nothing but stdio reaches the program (the exec pipe and the socket
	// to the init are close-on-exec: the execve tells both).
	closeFrom2(ex, ps)
	ptrs := unsafe.Add(*(*unsafe.Pointer)(unsafe.Pointer(&c.shm)), maxHandover)
	sys6(unix.SYS_RT_SIGPROCMASK, unix.SIG_SETMASK, uintptr(unsafe.Pointer(&c.sigset[0])), 0, unsafe.Sizeof(c.sigset), 0, 0)
	_, e = sys3(unix.SYS_EXECVE, *(*uintptr)(ptrs), *(*uintptr)(unsafe.Add(ptrs, 8)), *(*uintptr)(unsafe.Add(ptrs, 16)))
	programFailed(ex, stageExec, e)
}

//go:nosplit
//go:norace
func programFailed(fd int, stage uint32, e syscall.Errno) {
	var b [8]byte
	put32((*[4]byte)(unsafe.Pointer(&b[0])), stage)
	put32((*[4]byte)(unsafe.Pointer(&b[4])), uint32(e))
	writeAll(fd, unsafe.Pointer(&b[0]), 8)
	exitGroup(127)
}

// sendFDs sends c.rfds on fd.
//
//go:nosplit
//go:norace
func sendFDs(c *childCtx, fd int32) bool {
	p := (*[4]int32)(unsafe.Add(unsafe.Pointer(&c.scmsg[0]), c.cmsgData))
	p[0], p[1], p[2], p[3] = c.rfds[0], c.rfds[1], c.rfds[2], c.rfds[3]
	_, e := sys3(unix.SYS_SENDMSG, uintptr(fd), uintptr(unsafe.Pointer(&c.smsg)), 0)
	return e == 0
}

// setArgs lays out the opExec at off: path, argv and envp pointers at the
// start of the shared pointer area, then argv and envp, NULL-terminated.
//
//go:nosplit
//go:norace
func setArgs(c *childCtx, body unsafe.Pointer, off, n, nptrs uintptr) {
	argc := uintptr(le64(unsafe.Add(body, off+8)))
	envc := uintptr(le64(unsafe.Add(body, off+16)))
	nstr := uintptr(le32(unsafe.Add(body, off+4)))
	c.slen[0] = 0
	if argc+envc+2 > nptrs || nstr != argc+envc+2 || scanStrings(c, body, off+opHeader, n, nstr) == 0 {
		fail(c, syscall.EPROTO)
	}
	ptrs := unsafe.Add(body, maxHandover)
	args := unsafe.Add(ptrs, 24)
	q := off + opHeader
	for i := uintptr(0); i < nstr; i++ {
		l := uintptr(le32(unsafe.Add(body, q)))
		q += 4
		if i >= 2 {
			slot := i - 2
			if slot >= argc {
				slot++ // after argv's NULL
			}
			*(*uintptr)(unsafe.Add(args, slot*8)) = uintptr(unsafe.Add(body, q))
		}
		q += l + 1
	}
	*(*uintptr)(unsafe.Add(args, argc*8)) = 0
	*(*uintptr)(unsafe.Add(args, (argc+envc+1)*8)) = 0
	*(*uintptr)(ptrs) = c.str[1]
	*(*uintptr)(unsafe.Add(ptrs, 8)) = uintptr(args)
	*(*uintptr)(unsafe.Add(ptrs, 16)) = uintptr(unsafe.Add(args, (argc+1)*8))
}

// dropPrivileges leaves the calling process an ordinary user of its
// namespace: the program's user (when the worker is root), no capability in
// any set, not even in the bounding set, and no_new_privs.
//
//go:nosplit
//go:norace
func dropPrivileges(c *childCtx) {
	c.str[0], c.slen[0] = uintptr(unsafe.Pointer(&descDrop[0])), uintptr(len(descDrop))
	for cp := 0; cp <= c.lastCap; cp++ {
		if _, e := sys6(unix.SYS_PRCTL, unix.PR_CAPBSET_DROP, uintptr(cp), 0, 0, 0, 0); e != 0 && e != syscall.EINVAL {
			fail(c, e)
		}
	}
	if c.switchUser {
		if _, e := sys3(unix.SYS_SETGROUPS, 0, 0, 0); e != 0 {
			fail(c, e)
		}
		if _, e := sys3(unix.SYS_SETRESGID, sandboxGID, sandboxGID, sandboxGID); e != 0 {
			fail(c, e)
		}
		if _, e := sys3(unix.SYS_SETRESUID, sandboxUID, sandboxUID, sandboxUID); e != 0 {
			fail(c, e)
		}
	}
	if _, e := sys6(unix.SYS_PRCTL, unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0, 0); e != 0 {
		fail(c, e)
	}
	c.capHdr.Version, c.capHdr.Pid = unix.LINUX_CAPABILITY_VERSION_3, 0
	if _, e := sys3(unix.SYS_CAPSET, uintptr(unsafe.Pointer(&c.capHdr)), uintptr(unsafe.Pointer(&c.capData[0])), 0); e != 0 {
		fail(c, e)
	}
	if _, e := sys6(unix.SYS_PRCTL, unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0, 0); e != 0 {
		fail(c, e)
	}
}

// loadFilter loads the seccomp filter on the calling process.
//
//go:nosplit
//go:norace
func loadFilter(c *childCtx) {
	c.str[0], c.slen[0] = uintptr(unsafe.Pointer(&descSeccomp[0])), uintptr(len(descSeccomp))
	if _, e := sys3(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, unix.SECCOMP_FILTER_FLAG_TSYNC, uintptr(unsafe.Pointer(c.fprog))); e != 0 {
		fail(c, e)
	}
}

// takeFDs appends the descriptors of the control message m received to
// fdtab at index got and returns their number; a message without any, or
// with too many, ends the instance.
//
//go:nosplit
//go:norace
func takeFDs(c *childCtx, m *unix.Msghdr, got uintptr) uintptr {
	h := (*unix.Cmsghdr)(unsafe.Pointer(&c.cmsg[0]))
	n := (uintptr(h.Len) - c.cmsgData) / 4
	if m.Flags&unix.MSG_CTRUNC != 0 || h.Level != unix.SOL_SOCKET || h.Type != unix.SCM_RIGHTS ||
		uintptr(h.Len) <= c.cmsgData || n > batchFDs || got+n > c.nfds {
		c.slen[0] = 0
		fail(c, syscall.EPROTO)
	}
	src := unsafe.Add(unsafe.Pointer(&c.cmsg[0]), c.cmsgData)
	dst := unsafe.Add(*(*unsafe.Pointer)(unsafe.Pointer(&c.fdtab)), got*4)
	for i := uintptr(0); i < n; i++ {
		*(*int32)(unsafe.Add(dst, i*4)) = *(*int32)(unsafe.Add(src, i*4))
	}
	return n
}

// runOps runs the ops in [base, base+n) up to an opExec, whose offset it
// returns (n if there is none). A failing op ends the instance.
//
//go:nosplit
//go:norace
func runOps(c *childCtx, base unsafe.Pointer, n uintptr) uintptr {
	off := uintptr(0)
	for off+opHeader <= n {
		op := unsafe.Add(base, off)
		kind := opKind(le32(op))
		if kind == opExec {
			return off
		}
		nstr := uintptr(le32(unsafe.Add(op, 4)))
		q := scanStrings(c, base, off+opHeader, n, nstr)
		if q == 0 || nstr > maxStr {
			c.slen[0] = 0
			fail(c, syscall.EPROTO)
		}
		doOp(c, kind, le64(unsafe.Add(op, 8)), le64(unsafe.Add(op, 16)), le64(unsafe.Add(op, 24)))
		off = q
	}
	return off
}

// scanStrings records the first maxStr of nstr strings starting at q and
// returns the offset after them, or 0 if they do not fit in n.
//
//go:nosplit
//go:norace
func scanStrings(c *childCtx, base unsafe.Pointer, q, n, nstr uintptr) uintptr {
	for i := uintptr(0); i < nstr; i++ {
		if q+4 > n {
			return 0
		}
		l := uintptr(le32(unsafe.Add(base, q)))
		q += 4
		if l > n || q+l+1 > n {
			return 0
		}
		if i < maxStr {
			c.str[i&(maxStr-1)] = uintptr(unsafe.Add(base, q))
			c.slen[i&(maxStr-1)] = l
		}
		q += l + 1
	}
	return q
}

// orNil is string i, or NULL if it is empty.
//
//go:nosplit
//go:norace
func orNil(c *childCtx, i int) uintptr {
	if c.slen[i&(maxStr-1)] == 0 {
		return 0
	}
	return c.str[i&(maxStr-1)]
}

//go:nosplit
//go:norace
func doOp(c *childCtx, kind opKind, a, b, x uint64) {
	var e syscall.Errno
	var fd uintptr
	switch kind {
	case opMount:
		_, e = sys6(unix.SYS_MOUNT, orNil(c, 1), c.str[2], orNil(c, 3), uintptr(a), orNil(c, 4), 0)
	case opMkdir:
		if _, e = sys3(unix.SYS_MKDIRAT, atFDCWD, c.str[1], uintptr(a)); e == syscall.EEXIST {
			e = 0
		}
	case opSymlink:
		_, e = sys3(unix.SYS_SYMLINKAT, c.str[1], atFDCWD, c.str[2])
	case opWriteFile:
		if fd, e = sys6(unix.SYS_OPENAT, atFDCWD, c.str[1], unix.O_WRONLY|unix.O_CREAT|unix.O_TRUNC|unix.O_CLOEXEC, uintptr(a), 0, 0); e == 0 {
			if !writeAll(int(fd), *(*unsafe.Pointer)(unsafe.Pointer(&c.str[2])), c.slen[2]) {
				e = syscall.EIO
			}
			sys3(unix.SYS_CLOSE, fd, 0, 0)
		}
	case opCreate:
		// A mount point for a file; it may already exist inside an
		// earlier (read-only) bind of its directory, which is fine.
		fd, e = sys6(unix.SYS_OPENAT, atFDCWD, c.str[1], unix.O_RDONLY|unix.O_CREAT|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o644, 0, 0)
		switch e {
		case 0:
			sys3(unix.SYS_CLOSE, fd, 0, 0)
		case syscall.EEXIST, syscall.ELOOP, syscall.EISDIR:
			e = 0
		}
	case opBind:
		e = bindMount(c, a)
	case opPivot:
		if _, e = sys3(unix.SYS_PIVOT_ROOT, c.str[1], c.str[2], 0); e == 0 {
			_, e = sys3(unix.SYS_CHDIR, uintptr(unsafe.Pointer(&c.root[0])), 0, 0)
		}
	case opUmount:
		_, e = sys3(unix.SYS_UMOUNT2, c.str[1], uintptr(a), 0)
	case opRmdir:
		_, e = sys3(unix.SYS_UNLINKAT, atFDCWD, c.str[1], unix.AT_REMOVEDIR)
	case opMoveMount:
		if uintptr(a)+3 >= c.nfds {
			e = syscall.EPROTO
			break
		}
		fd := uintptr(*(*int32)(unsafe.Add(*(*unsafe.Pointer)(unsafe.Pointer(&c.fdtab)), (uintptr(a)+3)*4)))
		_, e = sys6(unix.SYS_MOVE_MOUNT, fd, uintptr(unsafe.Pointer(&c.root[1])), atFDCWD, c.str[1], unix.MOVE_MOUNT_F_EMPTY_PATH, 0)
		sys3(unix.SYS_CLOSE, fd, 0, 0)
	case opOpenDir:
		if fd, e = sys6(unix.SYS_OPENAT, atFDCWD, c.str[1], unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0, 0, 0); e == 0 {
			c.dirfd = int(fd)
		}
	case opSethostname:
		_, e = sys3(unix.SYS_SETHOSTNAME, c.str[1], c.slen[1], 0)
	case opRlimit:
		c.rlim.Cur, c.rlim.Max = b, x
		_, e = sys6(unix.SYS_PRLIMIT64, 0, uintptr(a), uintptr(unsafe.Pointer(&c.rlim)), 0, 0, 0)
	case opUnshare:
		_, e = sys3(unix.SYS_UNSHARE, uintptr(a), 0, 0)
	default:
		e = syscall.EPROTO
	}
	if e != 0 {
		fail(c, e)
	}
}

// bindMount binds string 1 at string 2 with its submounts, sets attr on
// all of them and makes them private.
//
//go:nosplit
//go:norace
func bindMount(c *childCtx, attr uint64) syscall.Errno {
	if _, e := sys6(unix.SYS_MOUNT, c.str[1], c.str[2], 0, unix.MS_BIND|unix.MS_REC, 0, 0); e != 0 {
		return e
	}
	c.mattr.Attr_set, c.mattr.Attr_clr, c.mattr.Propagation, c.mattr.Userns_fd = attr, 0, unix.MS_PRIVATE, 0
	_, e := sys6(unix.SYS_MOUNT_SETATTR, atFDCWD, c.str[2], unix.AT_RECURSIVE, uintptr(unsafe.Pointer(&c.mattr)), unsafe.Sizeof(c.mattr), 0)
	if e != syscall.ENOSYS {
		return e
	}
	// Before Linux 5.12: remount the top mount only, keeping the flags the
	// kernel locks in a user namespace.
	if _, e := sys6(unix.SYS_MOUNT, 0, c.str[2], 0, unix.MS_REC|unix.MS_PRIVATE, 0, 0); e != 0 {
		return e
	}
	if _, e := sys3(unix.SYS_STATFS, c.str[2], uintptr(unsafe.Pointer(&c.statfs)), 0); e != 0 {
		return e
	}
	st := uint64(c.statfs.Flags)
	flags := uintptr(unix.MS_BIND | unix.MS_REMOUNT | unix.MS_NOSUID)
	if st&unix.ST_RDONLY != 0 || attr&unix.MOUNT_ATTR_RDONLY != 0 {
		flags |= unix.MS_RDONLY
	}
	if st&unix.ST_NODEV != 0 || attr&unix.MOUNT_ATTR_NODEV != 0 {
		flags |= unix.MS_NODEV
	}
	if st&unix.ST_NOEXEC != 0 {
		flags |= unix.MS_NOEXEC
	}
	if st&unix.ST_NOATIME != 0 {
		flags |= unix.MS_NOATIME
	}
	if st&unix.ST_NODIRATIME != 0 {
		flags |= unix.MS_NODIRATIME
	}
	if st&unix.ST_RELATIME != 0 {
		flags |= unix.MS_RELATIME
	}
	_, e = sys6(unix.SYS_MOUNT, 0, c.str[2], 0, flags, 0, 0)
	return e
}

// cloneInstance forks the calling (factory) process into new namespaces
// with flags; the child runs instanceMain and never returns. It must run on
// a locked OS thread.
//
//go:norace
func cloneInstance(flags uintptr, c *childCtx) (int, syscall.Errno) {
	var all, old [2]uint32
	all[0], all[1] = ^uint32(0), ^uint32(0)
	// No signal handler may run in the child: block them all on this thread
	// across the fork.
	sys6(unix.SYS_RT_SIGPROCMASK, unix.SIG_SETMASK, uintptr(unsafe.Pointer(&all[0])), uintptr(unsafe.Pointer(&old[0])), unsafe.Sizeof(all), 0, 0)
	pid, e := forkInstance(flags, c)
	sys6(unix.SYS_RT_SIGPROCMASK, unix.SIG_SETMASK, uintptr(unsafe.Pointer(&old[0])), 0, unsafe.Sizeof(old), 0, 0)
	return int(pid), e
}

//go:nosplit
//go:norace
func forkInstance(flags uintptr, c *childCtx) (uintptr, syscall.Errno) {
	pid, e := sys6(unix.SYS_CLONE, flags, 0, 0, 0, 0, 0)
	if e == 0 && pid == 0 {
		instanceMain(c)
		exitGroup(127)
	}
	return pid, e
}
