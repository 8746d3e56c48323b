package native

import (
	"runtime"

	"golang.org/x/sys/unix"
)

// initFilter is the seccomp filter of an instance's init once it has handed
// the program over: an allow list of the few system calls it still makes
// (reaping, killing what the program left, reporting, lowering its
// priority, exiting), stricter
// than the program's deny list and much cheaper to load. Other calls and
// other ABIs kill it. Nil on architectures it does not know.
func initFilter() []unix.SockFilter {
	var arch uint32
	switch runtime.GOARCH {
	case "amd64":
		arch = unix.AUDIT_ARCH_X86_64
	case "arm64":
		arch = unix.AUDIT_ARCH_AARCH64
	default:
		return nil
	}
	allow := []uint32{
		unix.SYS_READ, unix.SYS_WRITE, unix.SYS_CLOSE, unix.SYS_WAIT4, unix.SYS_KILL,
		unix.SYS_GETRUSAGE, unix.SYS_SETPRIORITY, unix.SYS_EXIT_GROUP, unix.SYS_EXIT, unix.SYS_RT_SIGRETURN,
		unix.SYS_RESTART_SYSCALL,
	}
	const (
		ld  = unix.BPF_LD | unix.BPF_W | unix.BPF_ABS
		jeq = unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K
		ret = unix.BPF_RET | unix.BPF_K
	)
	n := len(allow)
	// seccomp_data: nr at 0, arch at 4.
	prog := []unix.SockFilter{
		{Code: ld, K: 4},
		{Code: jeq, Jt: 0, Jf: uint8(n + 1), K: arch}, // to the kill
		{Code: ld, K: 0},
	}
	for i, nr := range allow {
		prog = append(prog, unix.SockFilter{Code: jeq, Jt: uint8(n - i), K: nr}) // to the allow
	}
	return append(prog,
		unix.SockFilter{Code: ret, K: unix.SECCOMP_RET_KILL_PROCESS},
		unix.SockFilter{Code: ret, K: unix.SECCOMP_RET_ALLOW})
}
