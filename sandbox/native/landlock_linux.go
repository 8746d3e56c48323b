package native

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Landlock is the second wall around a program, behind the mounts, the
// namespaces and the seccomp filter: should one of those be wrong, the
// program's process is still confined by its Landlock domain, which it
// enters just before it executes the program:
//   - files: read and execute anywhere; write, create, remove and rename
//     only beneath its working directory, /tmp and /dev (the private /dev
//     tmpfs, which the program's user cannot write itself, its /dev/shm, the
//     fixed device nodes and an executor's /dev mounts); no device nodes
//     made anywhere (ABI 1-3, 5);
//   - network: no TCP bind or connect at all (ABI 4);
//   - scopes: no connecting or sending to an abstract unix socket, and no
//     signal to a process, outside the program's own domain — that is, of
//     another instance or of its own init (ABI 6).
//
// Each instance's program enters a domain of its own, so two instances
// are foreign to each other. Where the kernel has an older ABI the Runner
// uses what it has and logs what is missing; without the scopes it gives
// every instance its own network namespace, which scopes abstract unix
// sockets instead (see Runner.startForker).

// landlockABI returns the Landlock ABI version of the running kernel, 0 if
// it has none (or has it disabled).
func landlockABI() int {
	v, _, e := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, 0, 0, unix.LANDLOCK_CREATE_RULESET_VERSION)
	if e != 0 {
		return 0
	}
	return int(v)
}

// landlockMinScopeABI is the first ABI with LANDLOCK_SCOPE_*.
const landlockMinScopeABI = 6

// landlockPolicy is what an instance's program's process is given for ABI
// abi: the ruleset's handled rights (and the size of the attr the ABI
// knows), the rights beneath the root and those beneath the writable
// directories. A zero policy means no Landlock.
type landlockPolicy struct {
	attr     unix.LandlockRulesetAttr
	attrSize uintptr
	ro, rw   uint64
}

func newLandlockPolicy(abi int) landlockPolicy {
	var p landlockPolicy
	if abi < 1 {
		return p
	}
	fs := uint64(unix.LANDLOCK_ACCESS_FS_EXECUTE | unix.LANDLOCK_ACCESS_FS_WRITE_FILE | unix.LANDLOCK_ACCESS_FS_READ_FILE |
		unix.LANDLOCK_ACCESS_FS_READ_DIR | unix.LANDLOCK_ACCESS_FS_REMOVE_DIR | unix.LANDLOCK_ACCESS_FS_REMOVE_FILE |
		unix.LANDLOCK_ACCESS_FS_MAKE_CHAR | unix.LANDLOCK_ACCESS_FS_MAKE_DIR | unix.LANDLOCK_ACCESS_FS_MAKE_REG |
		unix.LANDLOCK_ACCESS_FS_MAKE_SOCK | unix.LANDLOCK_ACCESS_FS_MAKE_FIFO | unix.LANDLOCK_ACCESS_FS_MAKE_BLOCK |
		unix.LANDLOCK_ACCESS_FS_MAKE_SYM)
	p.attrSize = 8
	if abi >= 2 {
		fs |= unix.LANDLOCK_ACCESS_FS_REFER
	}
	if abi >= 3 {
		fs |= unix.LANDLOCK_ACCESS_FS_TRUNCATE
	}
	if abi >= 4 {
		p.attr.Handled_access_net = unix.LANDLOCK_ACCESS_NET_BIND_TCP | unix.LANDLOCK_ACCESS_NET_CONNECT_TCP
		p.attrSize = 16
	}
	if abi >= 5 {
		fs |= unix.LANDLOCK_ACCESS_FS_IOCTL_DEV
	}
	if abi >= landlockMinScopeABI {
		p.attr.Scoped = unix.LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | unix.LANDLOCK_SCOPE_SIGNAL
		p.attrSize = 24
	}
	p.attr.Handled_access_fs = fs
	p.ro = fs & (unix.LANDLOCK_ACCESS_FS_EXECUTE | unix.LANDLOCK_ACCESS_FS_READ_FILE | unix.LANDLOCK_ACCESS_FS_READ_DIR)
	p.rw = fs &^ (unix.LANDLOCK_ACCESS_FS_MAKE_CHAR | unix.LANDLOCK_ACCESS_FS_MAKE_BLOCK)
	return p
}

// landlockMissing says what ABI abi lacks of the full policy, for the log.
func landlockMissing(abi int) string {
	switch {
	case abi < 1:
		return "no Landlock: files rely on the mounts, TCP on the empty network namespace, abstract unix sockets on a network namespace per instance, signals on the PID namespace"
	case abi < 4:
		return "Landlock without network rules (ABI 4) and scopes (ABI 6): TCP relies on the empty network namespace, abstract unix sockets on a network namespace per instance, signals on the PID namespace"
	case abi < landlockMinScopeABI:
		return "Landlock without scopes (ABI 6): abstract unix sockets rely on a network namespace per instance, signals on the PID namespace"
	}
	return ""
}

// Paths the program's Landlock rules are beneath, NUL-terminated.
var (
	llRoot = []byte("/\x00")
	llTmp  = []byte("/tmp\x00")
	llDev  = []byte("/dev\x00")
	// The instance's message queues: mq_open reaches them through the
	// kernel's internal mount, beneath no other rule.
	llMqueue = []byte("/dev/mqueue\x00")
)

var descLandlock = []byte("landlock ruleset")

// landlockAhead makes the program's ruleset, but for its working
// directory, in c.llFD (-1 without Landlock).
//
//go:nosplit
//go:norace
func landlockAhead(c *childCtx) {
	c.llFD = -1
	if c.ll.attr.Handled_access_fs == 0 {
		return
	}
	c.str[0], c.slen[0] = uintptr(unsafe.Pointer(&descLandlock[0])), uintptr(len(descLandlock))
	fd, e := sys3(unix.SYS_LANDLOCK_CREATE_RULESET, uintptr(unsafe.Pointer(&c.ll.attr)), c.ll.attrSize, 0)
	if e != 0 {
		fail(c, e)
	}
	c.llFD = int(fd)
	landlockPath(c, &llRoot[0], c.ll.ro)
	landlockPath(c, &llTmp[0], c.ll.rw)
	landlockPath(c, &llDev[0], c.ll.rw)
	landlockPath(c, &llMqueue[0], c.ll.rw&^(unix.LANDLOCK_ACCESS_FS_EXECUTE|unix.LANDLOCK_ACCESS_FS_MAKE_SOCK|unix.LANDLOCK_ACCESS_FS_MAKE_FIFO))
}

// landlockPath allows access beneath path; a path that does not exist (a
// kernel without POSIX message queues) needs no rule.
//
//go:nosplit
//go:norace
func landlockPath(c *childCtx, path *byte, access uint64) {
	pfd, e := sys6(unix.SYS_OPENAT, atFDCWD, uintptr(unsafe.Pointer(path)), unix.O_PATH|unix.O_CLOEXEC, 0, 0, 0)
	if e == syscall.ENOENT {
		return
	}
	if e != 0 {
		fail(c, e)
	}
	e = landlockRule(c, int(pfd), access)
	sys3(unix.SYS_CLOSE, pfd, 0, 0)
	if e != 0 {
		fail(c, e)
	}
}

//go:nosplit
//go:norace
func landlockRule(c *childCtx, fd int, access uint64) syscall.Errno {
	c.llRule.Allowed_access, c.llRule.Parent_fd = access, int32(fd)
	_, e := sys6(unix.SYS_LANDLOCK_ADD_RULE, uintptr(c.llFD), unix.LANDLOCK_RULE_PATH_BENEATH, uintptr(unsafe.Pointer(&c.llRule)), 0, 0, 0)
	return e
}

// landlockStart adds the working directory dir to the ruleset and enters
// the domain (no_new_privs is set). Nothing to do without Landlock.
//
//go:nosplit
//go:norace
func landlockStart(c *childCtx, dir int) syscall.Errno {
	if c.llFD < 0 {
		return 0
	}
	if e := landlockRule(c, dir, c.ll.rw); e != 0 {
		return e
	}
	_, e := sys3(unix.SYS_LANDLOCK_RESTRICT_SELF, uintptr(c.llFD), 0, 0)
	sys3(unix.SYS_CLOSE, uintptr(c.llFD), 0, 0)
	return e
}
