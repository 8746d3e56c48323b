package native

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"zebra/mapreduce"
)

var _ mapreduce.Runner = (*Runner)(nil)

// Runner starts every command as a native sandbox instance. It is safe for
// concurrent use. Close it to release the shared network namespace.
type Runner struct {
	cfg     Config
	cgroups *cgroupSetup // nil: rlimits only
	logger  *slog.Logger

	// forks carries fork requests to the goroutine that lives, locked to
	// its thread, in the shared empty network namespace (nil: each
	// instance gets its own network namespace).
	forks     chan func()
	closeOnce sync.Once
}

// New checks the host (see Check) and returns a Runner for cfg. A nil
// logger means slog.Default().
func New(cfg Config, logger *slog.Logger) (*Runner, error) {
	if cfg.InitPath == "" {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("native sandbox: init path: %w", err)
		}
		cfg.InitPath = exe
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := Check(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.Default()
	}
	r := &Runner{cfg: cfg, logger: logger.With("component", "sandbox")}
	r.cfg.ReadOnly = append([]string(nil), cfg.ReadOnly...)
	if !cfg.NoCgroups && (cfg.Memory > 0 || cfg.Processes > 0) {
		cs, err := detectCgroups(cfg.CgroupParent)
		if err != nil {
			r.logger.Warn("native sandbox: no cgroups, limits are rlimits only", "err", err)
		} else {
			r.cgroups = cs
		}
	}
	if !cfg.NetworkPerTask {
		if err := r.startForker(); err != nil {
			r.logger.Info("native sandbox: one network namespace per task", "reason", err)
		}
	}
	return r, nil
}

// startForker starts the goroutine that forks instances from inside one
// empty network namespace made for this Runner. Only its loopback device
// exists, and it is down; the instances' user namespace has no privilege
// over it, so they cannot bring it up.
func (r *Runner) startForker() error {
	errc := make(chan error)
	forks := make(chan func())
	go func() {
		runtime.LockOSThread()
		// Never unlocked: the thread ends with the goroutine and does not
		// return to the scheduler in the wrong namespace.
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("create shared network namespace: %w", err)
			return
		}
		errc <- nil
		for f := range forks {
			f()
		}
	}()
	if err := <-errc; err != nil {
		return err
	}
	r.forks = forks
	return nil
}

// Close stops the Runner's forking thread. Instances started before keep
// running only until they exit; Start must not be called after Close.
// (Instances get SIGKILL when the thread that forked them exits, so Close
// waits for none of them but must be called only once all are done.)
func (r *Runner) Close() error {
	r.closeOnce.Do(func() {
		if r.forks != nil {
			close(r.forks)
		}
	})
	return nil
}

// Config returns a copy of the Runner's configuration.
func (r *Runner) Config() Config {
	c := r.cfg
	c.ReadOnly = append([]string(nil), r.cfg.ReadOnly...)
	return c
}

// Start implements mapreduce.Runner: it resolves the command on the host,
// plans the instance's root, starts the init in new namespaces and returns
// once the program has been executed (a setup failure is returned here).
func (r *Runner) Start(ctx context.Context, c mapreduce.Command) (mapreduce.Process, error) {
	if len(c.Args) == 0 {
		return nil, mapreduce.E("start sandbox", mapreduce.Invalid, "", errors.New("empty command"))
	}
	if err := ctx.Err(); err != nil {
		return nil, mapreduce.E("start sandbox", mapreduce.Canceled, "", err)
	}
	dir := c.Dir
	if dir == "" {
		d, err := os.Getwd()
		if err != nil {
			return nil, mapreduce.E("start sandbox", mapreduce.Infra, "", err)
		}
		dir = d
	}
	s, err := r.spec(c, dir)
	if err != nil {
		return nil, mapreduce.E("start sandbox", mapreduce.UserCode, c.Args[0], err)
	}
	if err := r.ownWorkDir(s.Dir); err != nil {
		return nil, mapreduce.E("start sandbox", mapreduce.Infra, s.Dir, err)
	}
	p := &process{cfg: &r.cfg, done: make(chan struct{})}
	if r.cgroups != nil {
		ic, err := r.cgroups.newInstance(r.cfg.Memory, r.cfg.Processes)
		if err != nil {
			return nil, mapreduce.E("start sandbox", mapreduce.Infra, "", err)
		}
		p.cg = ic
	}
	if err := r.start(ctx, p, c, s); err != nil {
		if p.status != nil {
			p.status.Close()
		}
		p.cg.remove()
		return nil, err
	}
	return p, nil
}

func (r *Runner) spec(c mapreduce.Command, dir string) (*spec, error) {
	res, err := resolveCommand(c.Args, c.Env, dir)
	if err != nil {
		return nil, err
	}
	ro := append(append([]string(nil), r.cfg.ReadOnly...), res.Prefixes...)
	plan, err := planMounts(planInput{WorkDir: dir, ReadOnly: ro, TmpSize: r.cfg.TmpSize})
	if err != nil {
		return nil, err
	}
	env := append([]string(nil), c.Env...)
	if len(res.BinDirs) > 0 {
		env = setenv(env, "PATH", strings.Join(res.BinDirs, ":")+":"+getenv(c.Env, "PATH"))
	}
	return &spec{
		Path:          res.Path,
		Args:          res.Args,
		Env:           env,
		Dir:           dir,
		Hostname:      r.cfg.Hostname,
		Mounts:        plan,
		Rlimits:       r.rlimits(),
		SharedNetwork: r.forks != nil,
		SwitchUser:    os.Getuid() == 0,
	}, nil
}

func (r *Runner) rlimits() []rlimit {
	var out []rlimit
	add := func(res int, cur, max uint64) { out = append(out, rlimit{Resource: res, Cur: cur, Max: max}) }
	c := &r.cfg
	as := c.AddressSpace
	if c.Memory > 0 && (r.cgroups == nil || r.cgroups.memory == "") && (as == 0 || c.Memory < as) {
		as = c.Memory
	}
	if as > 0 {
		add(unix.RLIMIT_AS, uint64(as), uint64(as))
	}
	if c.Processes > 0 && (r.cgroups == nil || r.cgroups.pids == "") {
		add(unix.RLIMIT_NPROC, uint64(c.Processes), uint64(c.Processes))
	}
	if c.CPUTime > 0 {
		s := uint64((c.CPUTime + time.Second - 1) / time.Second)
		add(unix.RLIMIT_CPU, s, s+1) // SIGXCPU at the limit, SIGKILL a second later
	}
	if c.FileSize > 0 {
		add(unix.RLIMIT_FSIZE, uint64(c.FileSize), uint64(c.FileSize))
	}
	if c.OpenFiles > 0 {
		add(unix.RLIMIT_NOFILE, uint64(c.OpenFiles), uint64(c.OpenFiles))
	}
	add(unix.RLIMIT_CORE, 0, 0)
	return out
}

func (r *Runner) start(ctx context.Context, p *process, c mapreduce.Command, s *spec) error {
	specR, specW, err := os.Pipe()
	if err != nil {
		return mapreduce.E("start sandbox", mapreduce.Infra, "", err)
	}
	defer specR.Close()
	defer specW.Close()
	errR, errW, err := os.Pipe()
	if err != nil {
		return mapreduce.E("start sandbox", mapreduce.Infra, "", err)
	}
	defer errR.Close()
	defer errW.Close()
	statusR, statusW, err := os.Pipe()
	if err != nil {
		return mapreduce.E("start sandbox", mapreduce.Infra, "", err)
	}
	defer statusW.Close()
	p.status = statusR

	flags := uintptr(unix.CLONE_NEWUSER | unix.CLONE_NEWNS | unix.CLONE_NEWPID | unix.CLONE_NEWIPC | unix.CLONE_NEWUTS)
	if r.forks == nil {
		flags |= unix.CLONE_NEWNET
	}
	stdout, err := p.outputPipe(c.Stdout, "stdout")
	if err != nil {
		return mapreduce.E("start sandbox", mapreduce.Infra, "", err)
	}
	stderr, err := p.outputPipe(c.Stderr, "stderr")
	if err != nil {
		p.closeChildEnds()
		return mapreduce.E("start sandbox", mapreduce.Infra, "", err)
	}
	defer p.closeChildEnds()
	cmd := &exec.Cmd{
		Path:        r.cfg.InitPath,
		Args:        []string{r.cfg.InitPath, InitArg},
		Env:         []string{InitEnv + "=1"},
		Dir:         "/",
		Stdin:       c.Stdin,
		Stdout:      stdout,
		Stderr:      stderr,
		ExtraFiles:  []*os.File{specR, errW, statusW},
		SysProcAttr: r.sysProcAttr(flags),
	}
	p.cmd = cmd
	if r.forks != nil {
		done := make(chan struct{})
		r.forks <- func() { err = cmd.Start(); close(done) }
		<-done
	} else {
		err = cmd.Start()
	}
	if err != nil {
		return mapreduce.E("start sandbox", mapreduce.Infra, "", err)
	}
	specR.Close()
	errW.Close()
	statusW.Close()
	if p.cg != nil {
		if err := p.cg.add(cmd.Process.Pid); err != nil {
			cmd.Process.Kill()
			cmd.Wait()
			return mapreduce.E("start sandbox", mapreduce.Infra, "", err)
		}
	}
	b, err := json.Marshal(s)
	if err == nil {
		_, err = specW.Write(b)
	}
	specW.Close()
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return mapreduce.E("start sandbox", mapreduce.Infra, "", fmt.Errorf("send spec: %w", err))
	}
	// The init closes errW by executing the program, or writes why not.
	msg, _ := io.ReadAll(errR)
	if len(msg) > 0 {
		cmd.Wait()
		kind := mapreduce.Infra
		if strings.Contains(string(msg), "exec ") {
			kind = mapreduce.UserCode
		}
		return mapreduce.E("start sandbox", kind, c.Args[0], errors.New(string(msg)))
	}
	p.started = time.Now()
	if r.cfg.WallTime > 0 {
		p.timer = time.AfterFunc(r.cfg.WallTime, func() {
			p.kill(fmt.Sprintf("wall time limit %s exceeded", r.cfg.WallTime))
		})
	}
	go func() {
		select {
		case <-ctx.Done():
			p.kill("killed: task cancelled")
		case <-p.done:
		}
	}()
	return nil
}

// sysProcAttr returns how the init is cloned. A root worker maps two ids:
// root of the namespace to host root, for the init only (it needs to reach
// the bind sources), and the program's user to the unprivileged
// HostUID/HostGID: were the program host root, even without capabilities,
// the kernel's uid-0 checks (sysctl files, /proc/sysrq-trigger) would let
// it write host state. An unprivileged worker maps only itself; the init
// then runs as the program's user with ambient capabilities.
func (r *Runner) sysProcAttr(flags uintptr) *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{Cloneflags: flags, Pdeathsig: syscall.SIGKILL}
	if os.Getuid() == 0 {
		a.UidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 1}, {ContainerID: sandboxUID, HostID: r.cfg.HostUID, Size: 1}}
		a.GidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 1}, {ContainerID: sandboxGID, HostID: r.cfg.HostGID, Size: 1}}
		a.GidMappingsEnableSetgroups = true
		return a
	}
	a.UidMappings = []syscall.SysProcIDMap{{ContainerID: sandboxUID, HostID: os.Getuid(), Size: 1}}
	a.GidMappings = []syscall.SysProcIDMap{{ContainerID: sandboxGID, HostID: os.Getgid(), Size: 1}}
	a.Credential = &syscall.Credential{Uid: sandboxUID, Gid: sandboxGID, NoSetGroups: true}
	a.AmbientCaps = initCaps
	return a
}

// ownWorkDir gives the working directory (not its contents) to the
// program's host user, so that it can create files there.
func (r *Runner) ownWorkDir(dir string) error {
	if os.Getuid() != 0 {
		return nil
	}
	var st unix.Stat_t
	if err := unix.Stat(dir, &st); err != nil {
		return err
	}
	if int(st.Uid) == r.cfg.HostUID && int(st.Gid) == r.cfg.HostGID {
		return nil
	}
	return os.Chown(dir, r.cfg.HostUID, r.cfg.HostGID)
}

func setenv(env []string, key, val string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, key+"=") {
			out = append(out, kv)
		}
	}
	return append(out, key+"="+val)
}
