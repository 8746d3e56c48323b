package native

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"zebra/mapreduce"
)

var _ mapreduce.Runner = (*Runner)(nil)

// Runner starts every command as a native sandbox instance. It is safe for
// concurrent use. Close it to release its factory, pool and shared network
// namespace.
type Runner struct {
	cfg     Config
	cgroups *cgroupSetup // nil: rlimits only
	logger  *slog.Logger

	// forks carries requests to the goroutine that lives locked to its
	// thread, in the shared empty network namespace if sharedNet: the
	// factory is started from there, and the instances, forked with
	// CLONE_PARENT, have that thread as parent too.
	forks     chan func()
	sharedNet bool
	// landlockABI is the Landlock ABI the programs are confined with (0:
	// none).
	landlockABI int
	// detached: task paths are handed over as detached mounts
	// (canDetach), else bound from the host's root, kept until then.
	detached  bool
	nice      int // the worker's nice value
	factory   *factoryProc
	pool      *pool // nil: no instances made ahead
	cleanups  sync.WaitGroup
	closeOnce sync.Once
	// allow is cfg.Allow with symlinks resolved.
	allow []string
	// copies are the task-readable copies of shipped files the task's
	// user could not read (see readable), by file identity.
	copiesMu  sync.Mutex
	copiesDir string
	copies    map[string]string
}

// New checks the host (see Check) and returns a Runner for cfg. A nil
// logger means slog.Default(). With Config.Pool > 0 it starts making
// instances right away.
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
	r.cfg.Allow = append([]string(nil), cfg.Allow...)
	for _, a := range cfg.Allow {
		if c, err := filepath.EvalSymlinks(a); err == nil {
			r.allow = append(r.allow, c)
		} else {
			r.logger.Warn("native sandbox: allowed installation does not exist", "path", a, "err", err)
		}
	}
	if r.cfg.PoolMaxIdle == 0 {
		r.cfg.PoolMaxIdle = defaultPoolMaxIdle
	}
	if !cfg.NoCgroups && (cfg.Memory > 0 || cfg.Processes > 0) {
		cs, err := detectCgroups(cfg.CgroupParent)
		if err != nil {
			r.logger.Warn("native sandbox: no cgroups, limits are rlimits only", "err", err)
		} else {
			r.cgroups = cs
			if n := cs.sweep(); n > 0 {
				r.logger.Info("native sandbox: removed cgroups left by dead processes", "count", n)
			}
		}
	}
	r.landlockABI = kernelLandlockABI()
	if m := landlockMissing(r.landlockABI); m != "" {
		r.logger.Info("native sandbox: "+m, "landlock_abi", r.landlockABI)
	}
	// Abstract unix socket names are scoped by network namespace: a shared
	// one is safe only with Landlock's scope (and socket(AF_UNIX) denied).
	shareNet := cfg.SharedNetwork && r.landlockABI >= landlockMinScopeABI
	if err := r.startForker(shareNet); err != nil {
		r.logger.Info("native sandbox: one network namespace per task", "reason", err)
	} else if cfg.SharedNetwork && !shareNet {
		r.logger.Info("native sandbox: one network namespace per task", "reason", "a shared one needs Landlock's scope of abstract unix sockets (ABI 6)")
	}
	r.detached = canDetachMounts()
	if prio, err := unix.Getpriority(unix.PRIO_PROCESS, 0); err == nil {
		r.nice = 20 - prio // the raw system call's convention
	}
	r.factory = &factoryProc{r: r}
	if r.cfg.Pool > 0 {
		r.pool = newPool(r, r.cfg.Pool, r.cfg.PoolMaxIdle)
	}
	return r, nil
}

// startForker starts the goroutine that starts the factory, from inside one
// empty network namespace made for this Runner if shareNet. Only its
// loopback device exists, and it is down; the instances' user namespace has
// no privilege over it, so they cannot bring it up. If that namespace
// cannot be made, the forker stays in the worker's and the error says why.
func (r *Runner) startForker(shareNet bool) error {
	errc := make(chan error)
	forks := make(chan func())
	go func() {
		runtime.LockOSThread()
		// Never unlocked: the thread ends with the goroutine and does not
		// return to the scheduler in the wrong namespace.
		var err error
		if shareNet {
			if err = unix.Unshare(unix.CLONE_NEWNET); err != nil {
				err = fmt.Errorf("create shared network namespace: %w", err)
			}
		}
		errc <- err
		for f := range forks {
			f()
		}
	}()
	r.forks = forks
	err := <-errc
	r.sharedNet = shareNet && err == nil
	return err
}

// Close destroys the instances made ahead and stops the factory and the
// forking thread. Instances started before keep running only until they
// exit; Start must not be called after Close. (Instances get SIGKILL when
// the thread that forked them exits, so Close waits for none of them but
// must be called only once all are done.)
func (r *Runner) Close() error {
	r.closeOnce.Do(func() {
		if r.pool != nil {
			r.pool.close()
		}
		r.cleanups.Wait()
		r.factory.close()
		close(r.forks)
		if r.copiesDir != "" {
			os.RemoveAll(r.copiesDir)
		}
	})
	return nil
}

// Config returns a copy of the Runner's configuration.
func (r *Runner) Config() Config {
	c := r.cfg
	c.ReadOnly = append([]string(nil), r.cfg.ReadOnly...)
	c.Allow = append([]string(nil), r.cfg.Allow...)
	return c
}

// Start implements mapreduce.Runner: it resolves the command on the host,
// plans the task's part of the instance's root, takes an instance from the
// pool (or makes one), hands the program over and returns once the program
// has been executed (a setup failure is returned here).
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
	ops, err := r.taskOps(c, dir)
	if err != nil {
		return nil, mapreduce.E("start sandbox", mapreduce.UserCode, c.Args[0], err)
	}
	if err := r.ownWorkDir(dir); err != nil {
		ops.closeFDs()
		return nil, mapreduce.E("start sandbox", mapreduce.Infra, dir, err)
	}
	var in *instance
	if r.pool != nil {
		in = r.pool.get()
	}
	if in == nil {
		if in, err = r.makeInstance(true); err != nil {
			ops.closeFDs()
			return nil, mapreduce.E("start sandbox", mapreduce.Infra, "", err)
		}
	}
	if os.Getuid() == 0 {
		// Made ahead at a lower priority (factorySpec.Nice): the task gets
		// the worker's. The program's process is in the init's process
		// group, or will be forked by the init.
		unix.Setpriority(unix.PRIO_PROCESS, in.proc.Pid, r.nice)
		unix.Setpriority(unix.PRIO_PGRP, in.proc.Pid, r.nice)
	}
	p := &process{cfg: &r.cfg, proc: in.proc, conn: in.conn, exec: in.exec, cg: in.cg, cleanups: &r.cleanups, done: make(chan struct{})}
	err = p.handOver(c, ops)
	if r.pool != nil {
		r.pool.kick()
	}
	if err != nil {
		return nil, err
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
	return p, nil
}

// taskOps resolves the command and encodes what the instance does at
// hand-over: bind the task's paths, detach the host's root, write
// /etc/passwd, make the root read-only, open the working directory and
// execute the program.
func (r *Runner) taskOps(c mapreduce.Command, dir string) (*opWriter, error) {
	shipped := make([]string, 0, len(c.ReadOnly))
	for _, p := range c.ReadOnly {
		if !filepath.IsAbs(p) {
			return nil, fmt.Errorf("shipped path %q is not absolute", p)
		}
		shipped = append(shipped, filepath.Clean(p))
	}
	pol := &hostPolicy{Local: r.cfg.Local, Allow: r.allow, Shipped: shipped}
	res, err := resolveCommand(c.Args, c.Env, dir, pol)
	if err != nil {
		return nil, err
	}
	if _, _, script := shebang(res.Path); c.Argv0 != "" && !script {
		// Only a native program's: a #! script run through env has
		// its interpreter in Args[0], which must stay.
		res.Args[0] = c.Argv0
	}
	ro := append(append([]string(nil), r.cfg.ReadOnly...), res.Prefixes...)
	binds, err := taskBinds(planInput{WorkDir: dir, ReadOnly: ro, Shipped: append(shipped, res.Files...),
		Readable: r.readable, TmpSize: r.cfg.TmpSize})
	if err != nil {
		return nil, err
	}
	guest, err := guestBinds(c.Mounts)
	if err != nil {
		return nil, err
	}
	binds = append(binds, guest...)
	env := append([]string(nil), c.Env...)
	if len(res.BinDirs) > 0 {
		env = setenv(env, "PATH", strings.Join(res.BinDirs, ":")+":"+getenv(c.Env, "PATH"))
	}
	w := &opWriter{}
	if r.detached {
		for _, m := range binds {
			if err := w.detachedBind(m); err != nil {
				w.closeFDs()
				return nil, err
			}
		}
	} else {
		for _, m := range binds {
			if err := w.entry(m, oldRoot); err != nil {
				return nil, err
			}
		}
		w.op(opUmount, unix.MNT_DETACH, 0, 0, "detach host root", oldRoot)
		w.op(opRmdir, 0, 0, 0, "remove "+oldRoot, oldRoot)
	}
	if err := w.entry(passwdEntry(dir), ""); err != nil {
		w.closeFDs()
		return nil, err
	}
	w.op(opMount, unix.MS_REMOUNT|unix.MS_BIND|unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV, 0, 0, "make root read-only", "", "/", "", "")
	w.op(opOpenDir, 0, 0, 0, "enter working directory", dir)
	w.exec(res.Path, res.Args, env)
	switch {
	case w.err != nil:
		err = w.err
	case len(w.b) > maxHandover || w.ptrs > maxPtrs:
		err = fmt.Errorf("command and environment too large (%d bytes)", len(w.b))
	case len(w.fds)+3 > maxFDs:
		err = fmt.Errorf("too many paths to mount (%d)", len(w.fds))
	}
	if err != nil {
		w.closeFDs()
		return nil, err
	}
	return w, nil
}

// detachedBind clones m.Src into a detached mount (with its submounts)
// with the bind's attributes and adds the step that attaches it.
func (w *opWriter) detachedBind(m mountEntry) error {
	fd, err := unix.OpenTree(unix.AT_FDCWD, m.Src, unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC|unix.AT_RECURSIVE)
	if err != nil {
		return fmt.Errorf("%v: %w", m, err)
	}
	w.fds = append(w.fds, fd)
	attr := unix.MountAttr{Attr_set: bindAttr(m), Propagation: unix.MS_PRIVATE}
	if err := unix.MountSetattr(fd, "", unix.AT_EMPTY_PATH|unix.AT_RECURSIVE, &attr); err != nil {
		return fmt.Errorf("%v: %w", m, err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return fmt.Errorf("%v: %w", m, err)
	}
	w.detached(m, st.Mode&unix.S_IFMT == unix.S_IFDIR, len(w.fds)-1)
	return nil
}

// kernelLandlockABI is landlockABI; tests replace it to pretend an older
// kernel.
var kernelLandlockABI = landlockABI

// canDetachMounts is canDetach; tests replace it.
var canDetachMounts = canDetach

// canDetach reports whether this process can hand paths over as detached
// mounts: open_tree needs Linux 5.2 and CAP_SYS_ADMIN, mount_setattr 5.12.
func canDetach() bool {
	fd, err := unix.OpenTree(unix.AT_FDCWD, "/", unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC)
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	return unix.MountSetattr(fd, "", unix.AT_EMPTY_PATH, &unix.MountAttr{Attr_set: unix.MOUNT_ATTR_NOSUID}) == nil
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

// ownWorkDir gives the working directory (not its contents) to the
// program's host user, so that it can create files there. It follows no
// symbolic link: a link in dir's place is an error, not a chown of its
// target.
func (r *Runner) ownWorkDir(dir string) error {
	if os.Getuid() != 0 {
		return nil
	}
	var st unix.Stat_t
	if err := unix.Lstat(dir, &st); err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return fmt.Errorf("working directory %s is not a directory", dir)
	}
	if int(st.Uid) == r.cfg.HostUID && int(st.Gid) == r.cfg.HostGID {
		return nil
	}
	return unix.Fchownat(unix.AT_FDCWD, dir, r.cfg.HostUID, r.cfg.HostGID, unix.AT_SYMLINK_NOFOLLOW)
}

// readable returns path, or, when the task's host user (a root worker's
// HostUID) could not read the regular file at path (a shipped file of mode
// 0600, say), a copy of it that this user owns (mode 0400), made once per
// file version and removed at Close. Only the file's content is exposed;
// nothing else of the host becomes readable. Directories are returned as
// they are (unpacked archives are made readable when unpacked).
func (r *Runner) readable(path string) (string, error) {
	if os.Getuid() != 0 {
		return path, nil // the task runs as the worker's own user
	}
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return "", err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG || canRead(&st, r.cfg.HostUID, r.cfg.HostGID) {
		return path, nil
	}
	key := fmt.Sprintf("%d:%d:%d:%d.%d", st.Dev, st.Ino, st.Size, st.Mtim.Sec, st.Mtim.Nsec)
	r.copiesMu.Lock()
	defer r.copiesMu.Unlock()
	if c, ok := r.copies[key]; ok {
		return c, nil
	}
	if r.copiesDir == "" {
		d, err := os.MkdirTemp("", "zebra-shipped-")
		if err != nil {
			return "", fmt.Errorf("make a readable copy: %w", err)
		}
		r.copiesDir, r.copies = d, map[string]string{}
	}
	dst := filepath.Join(r.copiesDir, strconv.Itoa(len(r.copies)))
	if err := copyFileFor(path, dst, r.cfg.HostUID, r.cfg.HostGID); err != nil {
		os.Remove(dst)
		return "", fmt.Errorf("make a readable copy: %w", err)
	}
	r.copies[key] = dst
	return dst, nil
}

// canRead reports whether uid:gid (not root) may read a file of st.
func canRead(st *unix.Stat_t, uid, gid int) bool {
	switch {
	case int(st.Uid) == uid:
		return st.Mode&0o400 != 0
	case int(st.Gid) == gid:
		return st.Mode&0o040 != 0
	}
	return st.Mode&0o004 != 0
}

// copyFileFor copies src to a new file dst owned by uid:gid, mode 0400.
func copyFileFor(src, dst string, uid, gid int) error {
	in, err := os.OpenFile(src, os.O_RDONLY|unix.O_NOFOLLOW, 0)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL|unix.O_NOFOLLOW, 0o400)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Chown(uid, gid); err != nil {
		out.Close()
		return err
	}
	return out.Close()
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
