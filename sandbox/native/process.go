package native

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"zebra/mapreduce"
)

// process is a running instance.
type process struct {
	cfg     *Config
	cmd     *exec.Cmd
	cg      *instanceCgroup
	status  *os.File // the init reports the program's wait status here
	timer   *time.Timer
	started time.Time
	done    chan struct{}

	copies    sync.WaitGroup // output copiers; Wait waits for them
	childEnds []*os.File     // the program's ends of the output pipes

	mu      sync.Mutex
	reasons []string // why the controller killed the instance, first first
	exited  bool
}

// kill records why and kills the instance: SIGKILL to its PID namespace's
// init takes every process of the namespace with it.
func (p *process) kill(reason string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.exited {
		return
	}
	p.reasons = append(p.reasons, reason)
	if len(p.reasons) == 1 {
		p.cmd.Process.Signal(syscall.SIGKILL)
		p.cg.kill()
	}
}

// Wait implements mapreduce.Process.
func (p *process) Wait() error {
	err := p.cmd.Wait()
	p.copies.Wait()
	p.mu.Lock()
	p.exited = true
	reasons := p.reasons
	p.mu.Unlock()
	close(p.done)
	if p.timer != nil {
		p.timer.Stop()
	}
	// The init's own status, unless it reported the program's.
	var ws syscall.WaitStatus
	if p.cmd.ProcessState != nil {
		ws, _ = p.cmd.ProcessState.Sys().(syscall.WaitStatus)
	}
	var b [4]byte
	if n, _ := io.ReadFull(p.status, b[:]); n == 4 {
		ws = syscall.WaitStatus(binary.LittleEndian.Uint32(b[:]))
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			err = nil // the init's exit status is not the program's
		}
	}
	p.status.Close()
	// Limits the kernel enforced: look before the cgroup goes.
	if p.cg.oomKilled() {
		reasons = append(reasons, fmt.Sprintf("memory limit of %s exceeded", size(p.cfg.Memory)))
	}
	if p.cg.pidsExhausted() {
		reasons = append(reasons, fmt.Sprintf("process limit of %d reached", p.cfg.Processes))
	}
	if ws.Signaled() {
		switch ws.Signal() {
		case syscall.SIGXCPU:
			reasons = append(reasons, fmt.Sprintf("cpu time limit of %s exceeded", p.cfg.CPUTime))
		case syscall.SIGXFSZ:
			reasons = append(reasons, fmt.Sprintf("file size limit of %s exceeded", size(p.cfg.FileSize)))
		case syscall.SIGSYS:
			reasons = append(reasons, "killed by the seccomp filter")
		case syscall.SIGKILL:
			if len(reasons) == 0 && p.cfg.CPUTime > 0 && cpuTime(p.cmd) >= p.cfg.CPUTime {
				reasons = append(reasons, fmt.Sprintf("cpu time limit of %s exceeded", p.cfg.CPUTime))
			}
		}
	}
	p.cg.remove()
	var ee *exec.ExitError
	var le *limitError
	if err != nil && !errors.As(err, &ee) && !errors.As(err, &le) {
		return err // copying a stream failed
	}
	if ws.Exited() && ws.ExitStatus() == 0 && len(reasons) == 0 {
		return nil
	}
	out := &mapreduce.ExitError{Code: ws.ExitStatus(), Reason: strings.Join(reasons, "; ")}
	if ws.Signaled() {
		out.Code = 128 + int(ws.Signal())
		out.Signal = ws.Signal().String()
	} else if out.Code == 0 {
		out.Code = 1 // killed for a limit after a clean exit
	}
	return out
}

func cpuTime(cmd *exec.Cmd) time.Duration {
	if cmd.ProcessState == nil {
		return 0
	}
	return cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
}

type limitError struct{ stream string }

func (e *limitError) Error() string { return e.stream + " limit exceeded" }

// limitWriter counts what the instance writes to w and kills it when the
// count passes Config.Output. With no limit, w is returned as is (an
// *os.File then goes to the instance directly).
// outputPipe returns the file the program writes one of its output streams
// to: the write end of a pipe whose other end this process copies into w,
// counting against the output limit. When w is an *os.File it is duplicated
// first and the duplicate closed when the program and everything it left
// behind have closed the stream, so the caller may close its own copy right
// after Start returns and still sees end-of-file at the right time, as with
// a plain child process. The caller closes the returned file after Start.
func (p *process) outputPipe(w io.Writer, stream string) (*os.File, error) {
	if w == nil {
		return nil, nil
	}
	if f, ok := w.(*os.File); ok && p.cfg.Output <= 0 {
		return f, nil
	}
	r, child, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	var dup *os.File
	dst := w
	if f, ok := w.(*os.File); ok {
		fd, err := syscall.Dup(int(f.Fd()))
		if err != nil {
			r.Close()
			child.Close()
			return nil, err
		}
		syscall.CloseOnExec(fd)
		dup = os.NewFile(uintptr(fd), f.Name())
		dst = dup
	}
	var cw io.Writer = dst
	if p.cfg.Output > 0 {
		cw = &countingWriter{w: dst, left: p.cfg.Output, p: p, stream: stream}
	}
	p.copies.Add(1)
	go func() {
		defer p.copies.Done()
		if _, err := io.Copy(cw, r); err != nil {
			io.Copy(io.Discard, r) // over the limit: the instance is being killed
		}
		r.Close()
		if dup != nil {
			dup.Close()
		}
	}()
	p.childEnds = append(p.childEnds, child)
	return child, nil
}

type countingWriter struct {
	w      io.Writer
	left   int64
	p      *process
	stream string
}

func (c *countingWriter) Write(b []byte) (int, error) {
	if int64(len(b)) > c.left {
		n, _ := c.w.Write(b[:c.left])
		c.left = 0
		c.p.kill(fmt.Sprintf("output limit of %s on %s exceeded", size(c.p.cfg.Output), c.stream))
		return n, &limitError{c.stream}
	}
	c.left -= int64(len(b))
	return c.w.Write(b)
}

// closeChildEnds closes this process's copies of the program's output
// pipe ends (the program keeps its own).
func (p *process) closeChildEnds() {
	for _, f := range p.childEnds {
		f.Close()
	}
	p.childEnds = nil
}
