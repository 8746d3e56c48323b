package native

import "syscall"

func killZero(pid int) error { return syscall.Kill(pid, 0) }
