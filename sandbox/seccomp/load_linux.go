package seccomp

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Load sets no_new_privs and installs prog on every thread of the calling
// process (SECCOMP_FILTER_FLAG_TSYNC). prog comes from Assemble; assembling
// before the point of no return keeps Load itself allocation-free.
func Load(prog []unix.SockFilter) error {
	if len(prog) == 0 {
		return fmt.Errorf("load seccomp filter: empty program")
	}
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("set no_new_privs: %w", err)
	}
	fprog := unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]}
	_, _, e := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, unix.SECCOMP_FILTER_FLAG_TSYNC, uintptr(unsafe.Pointer(&fprog)))
	if e != 0 {
		return fmt.Errorf("load seccomp filter: %w", e)
	}
	return nil
}

// Supported reports whether the kernel has seccomp filters.
func Supported() bool {
	// Strict mode with flags 1 is invalid: EINVAL means the call exists.
	_, _, e := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_STRICT, 1, 0)
	return e == unix.EINVAL
}
