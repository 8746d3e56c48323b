// Command filterexec installs a seccomp filter of one instruction that
// allows every system call, then execs its arguments: the program runs
// with the kernel's system-call entry path of a filtered process (what any
// seccomp filter costs, whatever its rules) and nothing else of a sandbox.
// It is a benchmark tool only: bench/run.sh starts a word count's mapper
// and reducer through it under `-D zebra.sandbox=none` to measure the
// floor the native sandbox's seccomp filter sets.
//
//	filterexec PROGRAM [ARGS...]
//
// PROGRAM is found as a streaming task's program is: a name with a slash
// is taken as it is; otherwise a regular file of that name in the working
// directory (a shipped script), then $PATH. The filter is inherited by
// everything PROGRAM starts (seccomp filters survive fork and exec), and
// no_new_privs is set, as the filter requires of a process without
// CAP_SYS_ADMIN. exec replaces filterexec, so PROGRAM's exit status is
// the command's. When filterexec itself fails it exits 2 (bad usage, the
// filter could not be installed), 126 (PROGRAM found but not executable)
// or 127 (PROGRAM not found), as a shell does, with the reason on stderr.
package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"zebra/sandbox/seccomp"
)

func main() {
	if len(os.Args) < 2 || os.Args[1] == "" {
		fmt.Fprintln(os.Stderr, "usage: filterexec PROGRAM [ARGS...]: installs a seccomp filter that allows every system call, then execs PROGRAM")
		os.Exit(2)
	}
	path, err := lookup(os.Args[1])
	if err != nil {
		fmt.Fprintf(os.Stderr, "filterexec: %v\n", err)
		os.Exit(127)
	}
	if err := allowAll(); err != nil {
		fmt.Fprintf(os.Stderr, "filterexec: %v (the kernel needs seccomp filters: CONFIG_SECCOMP_FILTER)\n", err)
		os.Exit(2)
	}
	err = unix.Exec(path, os.Args[1:], os.Environ())
	fmt.Fprintf(os.Stderr, "filterexec: exec %s: %v\n", path, err)
	if errors.Is(err, unix.ENOENT) {
		os.Exit(127)
	}
	os.Exit(126)
}

// lookup finds name: with a slash as it is, else a regular file of that
// name in the working directory, else on $PATH.
func lookup(name string) (string, error) {
	if strings.Contains(name, "/") {
		return name, nil
	}
	if fi, err := os.Stat(name); err == nil && fi.Mode().IsRegular() {
		return filepath.Abs(name)
	}
	p, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("find program %q in the working directory or $PATH: %w", name, err)
	}
	return p, nil
}

// allowAll installs, on every thread, a filter of the single instruction
// "return SECCOMP_RET_ALLOW" (seccomp.Load also sets no_new_privs).
func allowAll() error {
	return seccomp.Load([]unix.SockFilter{{Code: unix.BPF_RET | unix.BPF_K, K: unix.SECCOMP_RET_ALLOW}})
}
