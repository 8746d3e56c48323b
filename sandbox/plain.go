package sandbox

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"syscall"

	"zebra/mapreduce"
)

var _ mapreduce.Runner = Plain{}

// Plain runs commands as ordinary child processes, each in a new process
// group. It isolates nothing.
type Plain struct{}

// Start implements mapreduce.Runner. When ctx is cancelled the whole process
// group gets SIGKILL.
func (Plain) Start(ctx context.Context, c mapreduce.Command) (mapreduce.Process, error) {
	if len(c.Args) == 0 {
		return nil, mapreduce.E("start program", mapreduce.Invalid, "", errors.New("empty command"))
	}
	if len(c.Mounts) > 0 {
		return nil, mapreduce.E("start program", mapreduce.Invalid, c.Args[0],
			fmt.Errorf("a plain process cannot see %s at %s: channels other than stdin and stdout need the native sandbox (not zebra.sandbox=none)", c.Mounts[0].Host, c.Mounts[0].Guest))
	}
	cmd := exec.Command(c.Args[0], c.Args[1:]...)
	if c.Argv0 != "" {
		cmd.Args[0] = c.Argv0 // a #! script's is dropped by the kernel
	}
	cmd.Dir = c.Dir
	cmd.Env = c.Env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = c.Stdin, c.Stdout, c.Stderr
	// Pdeathsig: a program dies with the process that runs it (a killed worker
	// leaves no task behind).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		var pe *exec.Error
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, err
	}
	p := &plainProc{cmd: cmd, done: make(chan struct{}), ctx: ctx}
	go func() {
		select {
		case <-ctx.Done():
			p.killed = true
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		case <-p.done:
		}
	}()
	return p, nil
}

type plainProc struct {
	ctx    context.Context
	cmd    *exec.Cmd
	done   chan struct{}
	killed bool
}

// Usage implements mapreduce.UsageReporter: the program's own rusage
// (its process, not descendants it did not wait for); no limits.
func (p *plainProc) Usage() mapreduce.Usage {
	st := p.cmd.ProcessState
	if st == nil {
		return mapreduce.Usage{}
	}
	u := mapreduce.Usage{CPU: st.UserTime() + st.SystemTime(), Programs: 1}
	if ru, ok := st.SysUsage().(*syscall.Rusage); ok {
		u.PeakRSS = ru.Maxrss << 10 // KiB on Linux
	}
	return u
}

// Wait implements mapreduce.Process.
func (p *plainProc) Wait() error {
	err := p.cmd.Wait()
	close(p.done)
	// Reap anything the program left behind in its group.
	syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	if err == nil {
		return nil
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		ws, _ := ee.Sys().(syscall.WaitStatus)
		out := &mapreduce.ExitError{Code: ee.ExitCode()}
		if ws.Signaled() {
			out.Code = 128 + int(ws.Signal())
			out.Signal = ws.Signal().String()
		}
		if p.killed {
			out.Reason = "killed: task cancelled"
			if errors.Is(context.Cause(p.ctx), context.DeadlineExceeded) {
				out.Reason = "killed: wall time limit exceeded"
			}
		}
		return out
	}
	return err
}
