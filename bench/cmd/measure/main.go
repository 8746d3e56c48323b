// Command measure runs a command and reports its wall time, CPU time and the
// peak resident memory of its whole process tree.
//
//	measure [-interval 10ms] [-o FILE] [-stdout FILE [-pipe]] -- CMD ARGS...
//
// It prints one line "wall_s=... user_s=... sys_s=... peak_tree_rss_kb=...
// peak_procs=... rc=..." to FILE (or stderr). The tree RSS is sampled: every
// interval it walks /proc/<pid>/task/<tid>/children from the child down and
// sums VmRSS (resident pages of /proc/<pid>/statm) of every process found;
// the peak is the largest such sum seen. Short-lived processes between two
// samples are missed, so the figure is a lower bound of the true peak (the
// long-lived framework process and its map/reduce children dominate it).
// The command's exit status is passed on.
//
// With -pipe the command's stdout is a pipe that measure copies to the
// -stdout file, as a job's programs write to a pipe: a program that writes
// in small pieces (Python with PYTHONUNBUFFERED set writes every print)
// spends far more system time writing them to a regular file than to a
// pipe, and the figure should be the one the program costs in the job.
// The copying is measure's own CPU, not in the command's figures.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	interval := flag.Duration("interval", 10*time.Millisecond, "RSS sampling interval")
	outPath := flag.String("o", "", "append the result line to this file (default stderr)")
	stdout := flag.String("stdout", "", "send the command's stdout to this file")
	pipe := flag.Bool("pipe", false, "with -stdout: through a pipe, copied to the file by measure")
	flag.Parse()
	args := flag.Args()
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: measure [flags] -- CMD ARGS...")
		os.Exit(2)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin = os.Stdin
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	if *stdout != "" {
		f, err := os.Create(*stdout)
		if err != nil {
			fmt.Fprintln(os.Stderr, "measure:", err)
			os.Exit(2)
		}
		defer f.Close()
		cmd.Stdout = f
		if *pipe {
			// A writer that is not an *os.File: exec makes a pipe and
			// copies from it, and Wait waits for the copy to finish.
			cmd.Stdout = struct{ io.Writer }{f}
		}
	} else if *pipe {
		fmt.Fprintln(os.Stderr, "measure: -pipe needs -stdout FILE")
		os.Exit(2)
	}
	pageKB := int64(os.Getpagesize() / 1024)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "measure:", err)
		os.Exit(127)
	}
	done := make(chan struct{})
	var peakKB int64
	peakProcs := 0
	go func() {
		t := time.NewTicker(*interval)
		defer t.Stop()
		for {
			kb, n := treeRSS(cmd.Process.Pid, pageKB)
			if kb > peakKB {
				peakKB = kb
			}
			if n > peakProcs {
				peakProcs = n
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	err := cmd.Wait()
	wall := time.Since(start)
	close(done)
	rc := 0
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			rc = ee.ExitCode()
		} else {
			rc = 126
		}
	}
	ru, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	var user, sys float64
	if ru != nil {
		user = float64(ru.Utime.Sec) + float64(ru.Utime.Usec)/1e6
		sys = float64(ru.Stime.Sec) + float64(ru.Stime.Usec)/1e6
	}
	line := fmt.Sprintf("wall_s=%.4f user_s=%.3f sys_s=%.3f peak_tree_rss_kb=%d peak_procs=%d rc=%d\n",
		wall.Seconds(), user, sys, peakKB, peakProcs, rc)
	if *outPath != "" {
		f, err := os.OpenFile(*outPath, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err == nil {
			f.WriteString(line)
			f.Close()
		}
	} else {
		os.Stderr.WriteString(line)
	}
	if rc == 126 && err != nil {
		fmt.Fprintln(os.Stderr, "measure:", err)
	}
	os.Exit(rc)
}

// treeRSS sums the resident set of pid and all its descendants.
func treeRSS(root int, pageKB int64) (kb int64, procs int) {
	stack := []int{root}
	seen := map[int]bool{}
	for len(stack) > 0 {
		pid := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[pid] {
			continue
		}
		seen[pid] = true
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/statm")
		if err != nil {
			continue
		}
		f := bytes.Fields(b)
		if len(f) < 2 {
			continue
		}
		pages, _ := strconv.ParseInt(string(f[1]), 10, 64)
		kb += pages * pageKB
		procs++
		tasks, _ := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/task")
		for _, t := range tasks {
			c, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/task/" + t.Name() + "/children")
			if err != nil {
				continue
			}
			for _, s := range strings.Fields(string(c)) {
				if n, err := strconv.Atoi(s); err == nil {
					stack = append(stack, n)
				}
			}
		}
	}
	return kb, procs
}
