package native

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"

	"zebra/sandbox/seccomp"
)

var (
	checkOnce sync.Once
	checkErr  error
)

// Check reports whether this host can run native sandboxes: create user,
// mount, PID, IPC, UTS and network namespaces and load seccomp filters. The
// error says what is missing and how to opt out. The result is cached.
func Check() error {
	checkOnce.Do(func() { checkErr = check() })
	return checkErr
}

const optOut = "; to run tasks without a sandbox, which isolates nothing, pass -D zebra.sandbox=none"

func check() error {
	if !seccomp.Supported() {
		return fmt.Errorf("native sandbox unavailable: the kernel has no seccomp filters%s", optOut)
	}
	true_ := "/bin/true"
	if _, err := os.Stat(true_); err != nil {
		true_ = "/usr/bin/true"
	}
	cmd := exec.Command(true_)
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags: unix.CLONE_NEWUSER | unix.CLONE_NEWNS | unix.CLONE_NEWPID | unix.CLONE_NEWIPC |
			unix.CLONE_NEWUTS | unix.CLONE_NEWNET,
		UidMappings: []syscall.SysProcIDMap{{ContainerID: sandboxUID, HostID: os.Getuid(), Size: 1}},
		GidMappings: []syscall.SysProcIDMap{{ContainerID: sandboxGID, HostID: os.Getgid(), Size: 1}},
	}
	err := cmd.Run()
	if err == nil {
		return nil
	}
	var hints []string
	if b, e := os.ReadFile("/proc/sys/user/max_user_namespaces"); e == nil && strings.TrimSpace(string(b)) == "0" {
		hints = append(hints, "user.max_user_namespaces is 0")
	}
	if b, e := os.ReadFile("/proc/sys/kernel/unprivileged_userns_clone"); e == nil && strings.TrimSpace(string(b)) == "0" && os.Getuid() != 0 {
		hints = append(hints, "kernel.unprivileged_userns_clone is 0")
	}
	if b, e := os.ReadFile("/proc/sys/kernel/apparmor_restrict_unprivileged_userns"); e == nil && strings.TrimSpace(string(b)) == "1" && os.Getuid() != 0 {
		hints = append(hints, "AppArmor restricts unprivileged user namespaces")
	}
	h := ""
	if len(hints) > 0 {
		h = " (" + strings.Join(hints, ", ") + ")"
	}
	return fmt.Errorf("native sandbox unavailable: this host cannot create user, mount, PID, IPC, UTS and network namespaces: %v%s%s", err, h, optOut)
}
