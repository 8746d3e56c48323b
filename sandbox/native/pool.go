package native

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// factoryProc is the Runner's handle on its factory process (InitMain),
// which forks the instances. It is started on first use and again after it
// died.
type factoryProc struct {
	r  *Runner
	mu sync.Mutex
	// Under mu: the running factory, if any.
	cmd    *exec.Cmd
	ctl    *net.UnixConn
	closed bool
}

func (f *factoryProc) start() error {
	r := f.r
	b, err := json.Marshal(r.factorySpec())
	if err != nil {
		return err
	}
	specR, specW, err := os.Pipe()
	if err != nil {
		return err
	}
	defer specR.Close()
	defer specW.Close()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("socketpair: %w", err)
	}
	mine, theirs := os.NewFile(uintptr(fds[0]), "factory"), os.NewFile(uintptr(fds[1]), "factory")
	defer theirs.Close()
	defer mine.Close()
	cmd := &exec.Cmd{
		Path:       r.cfg.InitPath,
		Args:       []string{r.cfg.InitPath, InitArg},
		Env:        []string{InitEnv + "=1"},
		Dir:        "/",
		ExtraFiles: []*os.File{specR, theirs},
		// The factory and the instances it forks (its siblings) die with
		// the forking thread, which lives as long as the Runner.
		SysProcAttr: &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL},
	}
	done := make(chan struct{})
	r.forks <- func() { err = cmd.Start(); close(done) }
	<-done
	theirs.Close() // the factory's alone now: its exit reads as EOF
	if err != nil {
		return fmt.Errorf("start factory: %w", err)
	}
	fail := func(err error) error {
		cmd.Process.Kill()
		cmd.Wait()
		return err
	}
	_, err = specW.Write(b)
	specW.Close() // the factory reads the spec to its end
	if err != nil {
		return fail(fmt.Errorf("send factory spec: %w", err))
	}
	c, err := net.FileConn(mine)
	if err != nil {
		return fail(err)
	}
	ctl := c.(*net.UnixConn)
	if err := awaitFactory(ctl, r.cfg.InitPath, factoryStartTimeout); err != nil {
		ctl.Close()
		return fail(err)
	}
	f.cmd, f.ctl = cmd, ctl
	return nil
}

// factoryStartTimeout bounds how long a factory may take to say that it
// is ready; a binary that is no sandbox init never does. (A variable for
// the tests.)
var factoryStartTimeout = 30 * time.Second

// awaitFactory waits up to timeout for the factory's factoryReady message
// on ctl. A binary that is not the sandbox init (a test binary would run
// its tests instead, a program its own main) does not send it: that is an
// error naming the binary and what it must do, instead of a Start that
// waits for ever.
func awaitFactory(ctl *net.UnixConn, initPath string, timeout time.Duration) error {
	ctl.SetReadDeadline(time.Now().Add(timeout))
	defer ctl.SetReadDeadline(time.Time{})
	buf := make([]byte, 4096)
	n, err := ctl.Read(buf)
	switch {
	case err == nil && string(buf[:n]) == factoryReady:
		return nil
	case err == nil && n > 4:
		return fmt.Errorf("start factory: %s", buf[4:n]) // its own error
	}
	why := "exited"
	if errors.Is(err, os.ErrDeadlineExceeded) {
		why = "did not answer within " + timeout.String()
	}
	return fmt.Errorf("start factory: %s %s without starting as the sandbox init: the init binary (Config.InitPath) must link zebra/sandbox/native, whose init runs InitMain when started as %q with %s=1", initPath, why, InitArg, InitEnv)
}

// stop ends the factory (under mu).
func (f *factoryProc) stop() {
	if f.cmd == nil {
		return
	}
	f.ctl.Close() // the factory exits at EOF
	t := time.AfterFunc(5*time.Second, func() { f.cmd.Process.Kill() })
	f.cmd.Wait()
	t.Stop()
	f.cmd, f.ctl = nil, nil
}

func (f *factoryProc) close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	f.stop()
}

// spawn asks the factory for an instance with socket sock and exec pipe
// execW in the cgroups of procs and returns its pid, also when something
// failed after the fork (the caller, its parent, must reap it then). A
// factory that died is started again.
func (f *factoryProc) spawn(sock, execW *os.File, procs []*os.File, now bool) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fds := []int{int(sock.Fd()), int(execW.Fd())}
	for _, p := range procs {
		fds = append(fds, int(p.Fd()))
	}
	for try := 0; ; try++ {
		if f.closed {
			return 0, errors.New("runner closed")
		}
		if f.cmd == nil {
			if err := f.start(); err != nil {
				return 0, err
			}
		}
		pid, alive, err := f.request(fds, now)
		if alive || try == 1 {
			return pid, err
		}
		f.stop()
	}
}

// request sends one spawn request; alive is false if the factory did not
// answer.
func (f *factoryProc) request(fds []int, now bool) (pid int, alive bool, err error) {
	req := byte(spawnRequest)
	if now {
		req = spawnNow
	}
	if _, _, err := f.ctl.WriteMsgUnix([]byte{req}, unix.UnixRights(fds...), nil); err != nil {
		return 0, false, fmt.Errorf("factory: %w", err)
	}
	buf := make([]byte, 4096)
	n, err := f.ctl.Read(buf)
	if err != nil || n < 4 {
		return 0, false, fmt.Errorf("factory died: %v", err)
	}
	pid = int(int32(binary.LittleEndian.Uint32(buf)))
	if n > 4 {
		return pid, true, fmt.Errorf("make instance: %s", buf[4:n])
	}
	return pid, true, nil
}

// factorySpec is how the Runner's instances are made.
func (r *Runner) factorySpec() factorySpec {
	s := factorySpec{
		Cloneflags:    unix.CLONE_NEWUSER | unix.CLONE_NEWNS | unix.CLONE_NEWPID | unix.CLONE_NEWIPC | unix.CLONE_NEWUTS,
		Hostname:      r.cfg.Hostname,
		TmpSize:       r.cfg.TmpSize,
		Rlimits:       r.rlimits(),
		Detached:      r.detached,
		SharedNetwork: r.sharedNet,
		LandlockABI:   r.landlockABI,
		WorkerNice:    r.nice,
	}
	if !r.sharedNet {
		s.Cloneflags |= unix.CLONE_NEWNET
	}
	// A root worker maps two ids: root of the namespace to host root, for
	// the instance's setup only (it needs to reach the bind sources), and
	// the program's user to the unprivileged HostUID/HostGID: were the
	// program host root, even without capabilities, the kernel's uid-0
	// checks (sysctl files, /proc/sysrq-trigger) would let it write host
	// state. An unprivileged worker maps only itself, to the program's user.
	if os.Getuid() == 0 {
		s.UIDMap = fmt.Sprintf("0 0 1\n%d %d 1\n", sandboxUID, r.cfg.HostUID)
		s.GIDMap = fmt.Sprintf("0 0 1\n%d %d 1\n", sandboxGID, r.cfg.HostGID)
		s.SetGroups = "allow"
		s.SwitchUser = true
		// Instances are made ahead at a lower priority than the tasks that
		// run; the Runner, root, raises an instance's back at hand-over.
		s.Nice = min(r.nice+poolNiceIncrement, 19)
	} else {
		s.UIDMap = fmt.Sprintf("%d %d 1\n", sandboxUID, os.Getuid())
		s.GIDMap = fmt.Sprintf("%d %d 1\n", sandboxGID, os.Getgid())
		s.SetGroups = "deny"
		s.Nice = r.nice
	}
	return s
}

// poolNiceIncrement is how much nicer instances are made than the worker
// runs.
const poolNiceIncrement = 10

// instance is an instance that waits for its program on conn: namespaces,
// cgroups and the system part of its root are ready. It is used once.
type instance struct {
	proc *os.Process // the instance's init, a child of this process
	conn *net.UnixConn
	// exec reads EOF once the program runs, or the stage and errno of why
	// it could not be started (the program's process holds the write end).
	exec *os.File
	cg   *instanceCgroup
	born time.Time
}

// makeInstance makes an instance through the factory, at the worker's
// priority if a Start waits for it (now).
func (r *Runner) makeInstance(now bool) (*instance, error) {
	var cg *instanceCgroup
	var procs []*os.File
	defer func() {
		for _, f := range procs {
			f.Close()
		}
	}()
	if r.cgroups != nil {
		ic, err := r.cgroups.newInstance(r.cfg.Memory, r.cfg.Processes)
		if err != nil {
			return nil, err
		}
		cg = ic
		ic.openEvents()
		for _, d := range ic.dirs() {
			f, err := os.OpenFile(filepath.Join(d, "cgroup.procs"), os.O_WRONLY, 0)
			if err != nil {
				cg.remove()
				return nil, fmt.Errorf("join cgroup: %w", err)
			}
			procs = append(procs, f)
		}
	}
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		cg.remove()
		return nil, fmt.Errorf("socketpair: %w", err)
	}
	mine, theirs := os.NewFile(uintptr(fds[0]), "instance"), os.NewFile(uintptr(fds[1]), "instance")
	execR, execW, err := os.Pipe()
	if err != nil {
		mine.Close()
		theirs.Close()
		cg.remove()
		return nil, err
	}
	pid, err := r.factory.spawn(theirs, execW, procs, now)
	theirs.Close()
	execW.Close()
	var proc *os.Process
	if pid > 0 {
		proc, _ = os.FindProcess(pid) // never fails on Unix
	}
	var conn net.Conn
	if err == nil {
		conn, err = net.FileConn(mine)
	}
	mine.Close()
	if err != nil {
		if proc != nil {
			proc.Kill()
			proc.Wait()
		}
		execR.Close()
		cg.remove()
		return nil, err
	}
	return &instance{proc: proc, conn: conn.(*net.UnixConn), exec: execR, cg: cg, born: time.Now()}, nil
}

// destroy kills an unused instance and removes its cgroups.
func (in *instance) destroy() {
	in.conn.Close()
	in.exec.Close()
	in.proc.Kill()
	in.proc.Wait()
	in.cg.remove()
}

// pool keeps instances made ahead, so that Start only hands the program
// over. Each is used once; one older than maxIdle is destroyed instead.
type pool struct {
	r       *Runner
	size    int
	maxIdle time.Duration
	wake    chan struct{}
	done    chan struct{}
	filler  sync.WaitGroup

	mu     sync.Mutex
	ready  []*instance // oldest first
	closed bool
}

func newPool(r *Runner, size int, maxIdle time.Duration) *pool {
	p := &pool{r: r, size: size, maxIdle: maxIdle, wake: make(chan struct{}, 1), done: make(chan struct{})}
	p.filler.Add(1)
	go p.fill()
	p.kick()
	return p
}

func (p *pool) kick() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// get returns the oldest fresh instance, or nil if there is none. The
// caller kicks the pool once it is done with the start (the refill then
// competes less with it for the CPU).
func (p *pool) get() *instance {
	p.mu.Lock()
	var in *instance
	var stale []*instance
	for len(p.ready) > 0 && in == nil {
		x := p.ready[0]
		p.ready = p.ready[1:]
		if time.Since(x.born) > p.maxIdle {
			stale = append(stale, x)
		} else {
			in = x
		}
	}
	p.mu.Unlock()
	for _, x := range stale {
		go x.destroy()
	}
	return in
}

// fill keeps size instances ready, replacing those that got stale.
func (p *pool) fill() {
	defer p.filler.Done()
	tick := time.NewTicker(p.maxIdle / 2)
	defer tick.Stop()
	for {
		select {
		case <-p.done:
			return
		case <-p.wake:
		case <-tick.C:
			p.expire()
		}
		for {
			p.mu.Lock()
			need := !p.closed && len(p.ready) < p.size
			p.mu.Unlock()
			if !need {
				break
			}
			in, err := p.r.makeInstance(false)
			if err != nil {
				// Start makes its instance itself and reports why.
				p.r.logger.Debug("native sandbox: cannot fill the instance pool", "err", err)
				break
			}
			p.mu.Lock()
			if p.closed {
				p.mu.Unlock()
				in.destroy()
				return
			}
			p.ready = append(p.ready, in)
			p.mu.Unlock()
		}
	}
}

// expire destroys the stale instances.
func (p *pool) expire() {
	p.mu.Lock()
	var keep, stale []*instance
	for _, in := range p.ready {
		if time.Since(in.born) > p.maxIdle {
			stale = append(stale, in)
		} else {
			keep = append(keep, in)
		}
	}
	p.ready = keep
	p.mu.Unlock()
	for _, in := range stale {
		in.destroy()
	}
}

// close destroys the ready instances and stops filling.
func (p *pool) close() {
	p.mu.Lock()
	p.closed = true
	ready := p.ready
	p.ready = nil
	p.mu.Unlock()
	close(p.done)
	p.filler.Wait()
	for _, in := range ready {
		in.destroy()
	}
}
