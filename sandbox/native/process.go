package native

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"zebra/mapreduce"
)

// process is a running instance.
type process struct {
	cfg  *Config
	proc *os.Process // the instance's init
	conn *net.UnixConn
	exec *os.File // the instance's exec pipe, until the program runs
	cg   *instanceCgroup
	// cleanups counts the instances whose exit is waited for in the
	// background (the Runner's; Close waits for them).
	cleanups *sync.WaitGroup
	timer    *time.Timer
	started  time.Time
	done     chan struct{}

	copies    sync.WaitGroup // stdin and output copiers; Wait waits for them
	childEnds []*os.File     // the program's ends of its stdio
	stdinErr  error          // copying stdin failed (set before copies.Done)

	mu      sync.Mutex
	reasons []string // why the controller killed the instance, first first
	exited  bool

	// usage is what the program used, set by Wait.
	usage mapreduce.Usage
}

// Usage implements mapreduce.UsageReporter: the program's CPU time (its
// instance's processes that ended) and the peak resident memory of its
// instance (the memory cgroup's peak where the kernel keeps one, else
// the largest process's), against the instance's limits.
func (p *process) Usage() mapreduce.Usage { return p.usage }

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
		p.proc.Signal(syscall.SIGKILL)
		p.cg.kill()
	}
}

// handOver gives the instance the program's stdio and ops and waits until
// the program runs. On failure the instance is gone when it returns.
func (p *process) handOver(c mapreduce.Command, ops *opWriter) error {
	err := p.sendProgram(c, ops)
	p.closeChildEnds()
	ops.closeFDs()
	ek := mapreduce.Infra
	if err == nil {
		// EOF: the program runs, unless the instance died before; then it
		// has said why on its socket first.
		var b [8]byte
		n, rerr := io.ReadFull(p.exec, b[:])
		switch {
		case n == 8:
			stage, errno := binary.LittleEndian.Uint32(b[:]), syscall.Errno(binary.LittleEndian.Uint32(b[4:]))
			switch stage {
			case stageExec:
				ek = mapreduce.UserCode
				err = fmt.Errorf("sandbox init: exec %s: %w", ops.path, errno)
			case stageLandlock:
				err = fmt.Errorf("sandbox init: enter the Landlock domain: %w", errno)
			default:
				err = fmt.Errorf("sandbox init: enter working directory: %w", errno)
			}
		case n == 0 && errors.Is(rerr, io.EOF) && p.peekRecord() != recError:
			p.exec.Close()
			return nil
		default:
			err = errors.New("sandbox init: the instance ended during setup")
		}
	} else {
		err = fmt.Errorf("sandbox init: hand-over: %w", err)
	}
	// The reason the instance gave, if any, is the better one.
	p.proc.Kill()
	for {
		kind, code, text, rerr := readRecord(p.conn)
		if rerr != nil {
			break
		}
		if kind == recError {
			err = fmt.Errorf("sandbox init: %s: %w", text, syscall.Errno(code))
			ek = mapreduce.Infra
			break
		}
	}
	p.exec.Close()
	p.conn.Close()
	p.proc.Wait()
	p.copies.Wait()
	p.cg.remove()
	return mapreduce.E("start sandbox", ek, c.Args[0], err)
}

// peekRecord returns the kind of the record the instance has sent and
// that was not read yet, or 0. (A fast program may have exited, and its
// status come, by the time its start is confirmed.)
func (p *process) peekRecord() uint32 {
	rc, err := p.conn.SyscallConn()
	if err != nil {
		return 0
	}
	var b [4]byte
	n := 0
	rc.Read(func(fd uintptr) bool {
		n, _, _ = unix.Recvfrom(int(fd), b[:], unix.MSG_PEEK|unix.MSG_DONTWAIT)
		return true
	})
	if n < 4 {
		return 0
	}
	return binary.LittleEndian.Uint32(b[:])
}

func (p *process) sendProgram(c mapreduce.Command, ops *opWriter) error {
	stdin, err := p.inputFile(c.Stdin)
	if err != nil {
		return err
	}
	stdout, err := p.outputPipe(c.Stdout, "stdout")
	if err != nil {
		return err
	}
	stderr, err := p.outputPipe(c.Stderr, "stderr")
	if err != nil {
		return err
	}
	fds := make([]int, 3, 3+len(ops.fds))
	var null *os.File
	for i, f := range []*os.File{stdin, stdout, stderr} {
		if f == nil {
			if null == nil {
				if null, err = os.OpenFile(os.DevNull, os.O_RDWR, 0); err != nil {
					return err
				}
				p.childEnds = append(p.childEnds, null)
			}
			f = null
		}
		fds[i] = int(f.Fd()) // Fd makes it blocking, as the program expects
	}
	fds = append(fds, ops.fds...)
	var hdr [handoverHeader]byte
	binary.LittleEndian.PutUint32(hdr[0:], handoverMagic)
	binary.LittleEndian.PutUint32(hdr[4:], uint32(len(ops.b)))
	binary.LittleEndian.PutUint32(hdr[8:], uint32(ops.ptrs))
	binary.LittleEndian.PutUint32(hdr[12:], uint32(len(fds)))
	for i, data := 0, hdr[:]; i < len(fds); i, data = i+batchFDs, []byte{0} {
		batch := fds[i:min(i+batchFDs, len(fds))]
		if _, _, err := p.conn.WriteMsgUnix(data, unix.UnixRights(batch...), nil); err != nil {
			return err
		}
	}
	runtime.KeepAlive(stdin)
	runtime.KeepAlive(stdout)
	runtime.KeepAlive(stderr)
	_, err = p.conn.Write(ops.b)
	return err
}

// readRecord reads one record of the instance.
func readRecord(r io.Reader) (kind, code uint32, text string, err error) {
	var h [recHeader]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, 0, "", err
	}
	kind = binary.LittleEndian.Uint32(h[0:])
	code = binary.LittleEndian.Uint32(h[4:])
	n := binary.LittleEndian.Uint32(h[8:])
	if n > 1<<16 {
		return 0, 0, "", fmt.Errorf("record of %d bytes", n)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return 0, 0, "", err
	}
	return kind, code, string(b), nil
}

// Wait implements mapreduce.Process. The init reports the program's status
// once it has killed and reaped every process the program left; Wait then
// returns, and the init's exit (and with it the teardown of the instance's
// namespaces and cgroups) is waited for in the background.
func (p *process) Wait() error {
	var ws syscall.WaitStatus
	var cpu time.Duration
	var rss int64
	var err error
	reaped := false
	kind, code, text, rerr := readRecord(p.conn)
	if rerr == nil && kind == recStatus && len(text) == statusLen {
		ws = syscall.WaitStatus(code)
		us := binary.LittleEndian.Uint64([]byte(text[0:])) + binary.LittleEndian.Uint64([]byte(text[8:]))
		cpu = time.Duration(us) * time.Microsecond
		rss = int64(min(binary.LittleEndian.Uint64([]byte(text[16:])), 1<<62))
	} else {
		// Killed, or it died: its own status, once the kernel has killed
		// the rest of the instance.
		state, werr := p.proc.Wait()
		reaped, err = true, werr
		if state != nil {
			ws, _ = state.Sys().(syscall.WaitStatus)
			cpu = cpuTime(state)
		}
		if rerr == nil && kind == recError && err == nil {
			err = mapreduce.E("sandbox", mapreduce.Infra, "", fmt.Errorf("sandbox init: %s: %w", text, syscall.Errno(code)))
		}
	}
	p.copies.Wait()
	p.mu.Lock()
	p.exited = true
	reasons := p.reasons
	p.mu.Unlock()
	close(p.done)
	if p.timer != nil {
		p.timer.Stop()
	}
	p.conn.Close()
	// Limits the kernel enforced, and the memory peak: look before the
	// cgroup goes.
	p.usage = mapreduce.Usage{CPU: cpu, PeakRSS: max(rss, p.cg.peak()), MemoryLimit: p.cfg.Memory, CPULimit: p.cfg.CPUTime, Programs: 1}
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
			if len(reasons) == 0 && p.cfg.CPUTime > 0 && cpu >= p.cfg.CPUTime {
				reasons = append(reasons, fmt.Sprintf("cpu time limit of %s exceeded", p.cfg.CPUTime))
			}
		}
	}
	if reaped {
		p.cg.remove()
	} else {
		p.cleanups.Add(1)
		go func() {
			defer p.cleanups.Done()
			p.proc.Wait()
			p.cg.remove()
		}()
	}
	if err != nil {
		return err
	}
	if p.stdinErr != nil {
		return p.stdinErr // copying stdin failed
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

func cpuTime(st *os.ProcessState) time.Duration {
	if st == nil {
		return 0
	}
	return st.UserTime() + st.SystemTime()
}

// inputFile returns the file the program reads as stdin: r itself if it is
// an *os.File, nil (/dev/null) if r is nil, else the read end of a pipe that
// a goroutine fills from r, as os/exec does.
func (p *process) inputFile(r io.Reader) (*os.File, error) {
	switch f := r.(type) {
	case nil:
		return nil, nil
	case *os.File:
		return f, nil
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	p.childEnds = append(p.childEnds, pr)
	p.copies.Add(1)
	go func() {
		defer p.copies.Done()
		_, err := io.Copy(pw, r)
		if errors.Is(err, syscall.EPIPE) {
			err = nil // the program did not read it all
		}
		if cerr := pw.Close(); err == nil {
			err = cerr
		}
		p.stdinErr = err
	}()
	return pr, nil
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
