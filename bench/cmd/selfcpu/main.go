// Command selfcpu runs a command and reports the CPU time of that process
// alone (all its threads) apart from that of the children it reaped.
//
//	selfcpu [-o FILE] -- CMD ARGS...
//
// It prints one line "self_user_s=... self_sys_s=... children_user_s=...
// children_sys_s=... wall_s=... rc=..." to FILE (or stderr). The figures
// are read from /proc/PID/stat once the command has exited and before it
// is reaped (waitid with WNOWAIT), so nothing it did is missed. The
// command's exit status is passed on.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

func main() {
	outPath := flag.String("o", "", "append the result line to this file (default stderr)")
	flag.Parse()
	args := flag.Args()
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: selfcpu [-o FILE] -- CMD ARGS...")
		os.Exit(2)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "selfcpu:", err)
		os.Exit(2)
	}
	pid := cmd.Process.Pid
	var info unix.Siginfo
	for {
		err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if err == nil {
			break
		}
		if err != unix.EINTR {
			fmt.Fprintln(os.Stderr, "selfcpu: waitid:", err)
			os.Exit(2)
		}
	}
	wall := time.Since(t0)
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		fmt.Fprintln(os.Stderr, "selfcpu:", err)
		os.Exit(2)
	}
	// Fields after the command name (which may hold spaces) in parentheses.
	f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+2:]))
	tick := func(i int) float64 { // field i of proc(5), 1-based
		v, _ := strconv.ParseFloat(f[i-3], 64)
		return v / 100 // USER_HZ
	}
	cmd.Wait()
	line := fmt.Sprintf("self_user_s=%.2f self_sys_s=%.2f children_user_s=%.2f children_sys_s=%.2f wall_s=%.3f rc=%d\n",
		tick(14), tick(15), tick(16), tick(17), wall.Seconds(), cmd.ProcessState.ExitCode())
	if *outPath == "" {
		os.Stderr.WriteString(line)
	} else if f, err := os.OpenFile(*outPath, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
		f.WriteString(line)
		f.Close()
	}
	os.Exit(cmd.ProcessState.ExitCode())
}
