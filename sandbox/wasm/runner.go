package wasm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"

	"zebra/mapreduce"
)

var _ mapreduce.Runner = (*Runner)(nil)

// Exit codes of instances the Runner stopped, as a native program's would be.
const (
	// CodeKilled is the code of a cancelled instance (128+SIGKILL).
	CodeKilled = 137
	// CodeTrap is the code of an instance that trapped (128+SIGABRT).
	CodeTrap = 134
)

const wasiModule = wasi_snapshot_preview1.ModuleName

// Runner runs WASI commands in wazero. It is safe for concurrent use; Close
// it when done.
type Runner struct {
	cfg     Config
	rt      wazero.Runtime
	cache   wazero.CompilationCache
	wasi    api.Module
	modules *moduleCache
	mem     *memPool
	// base is shared by every instance; wazero's ModuleConfig is immutable,
	// each With returns a copy. The environment is not set in it (see
	// env.go); WithEnv of a key the parent already has would also write into
	// the parent's slice.
	base wazero.ModuleConfig
}

// New returns a Runner with the given configuration.
func New(cfg Config) (*Runner, error) {
	if err := cfg.Validate(); err != nil {
		return nil, mapreduce.E("new wasm runner", mapreduce.Invalid, "", err)
	}
	ctx := context.Background()
	var cache wazero.CompilationCache
	if cfg.CacheDir != "" {
		var err error
		if cache, err = wazero.NewCompilationCacheWithDir(cfg.CacheDir); err != nil {
			return nil, mapreduce.E("new wasm runner", mapreduce.Infra, cfg.CacheDir, err)
		}
	} else {
		cache = wazero.NewCompilationCache()
	}
	// The memory limit is enforced by limiter, so that refusals are seen;
	// wazero's own stays at the 4 GiB maximum.
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().
		WithCompilationCache(cache).
		WithCloseOnContextDone(true))
	wasi, err := instantiateWASI(ctx, rt)
	if err != nil {
		rt.Close(ctx)
		cache.Close(ctx)
		return nil, mapreduce.E("new wasm runner", mapreduce.Internal, "", err)
	}
	return &Runner{
		cfg:     cfg,
		rt:      rt,
		cache:   cache,
		wasi:    wasi,
		modules: newModuleCache(cfg.MaxCompiled),
		mem:     &memPool{},
		base:    wazero.NewModuleConfig().WithName(""),
	}, nil
}

// Close releases the runtime and the compiled modules. Instances still
// running are closed. The disk cache stays.
func (r *Runner) Close(ctx context.Context) error {
	r.modules.closeAll(ctx)
	err := r.rt.Close(ctx)
	return errors.Join(err, r.cache.Close(ctx))
}

// Start implements mapreduce.Runner. cmd.Args[0] is the path of a .wasm
// file, compiled here on first use (a file that is no WASI command is an
// Invalid error); the rest is its argv. The instance runs in a goroutine of
// this process; Wait returns nil when it exits 0, an *mapreduce.ExitError
// for a non-zero exit, a trap, a memory-limit abort or cancellation
// (Reason "killed: task cancelled", Code CodeKilled).
//
// Streams that are *os.File are duplicated, so the caller may close its
// copies when Start returns; the instance's copies are closed when it
// exits. Cancellation interrupts reads and writes blocked on them; it
// cannot interrupt a blocked Read of any other io.Reader.
func (r *Runner) Start(ctx context.Context, cmd mapreduce.Command) (mapreduce.Process, error) {
	const op = "start wasm module"
	if len(cmd.Args) == 0 {
		return nil, mapreduce.E(op, mapreduce.Invalid, "", errors.New("empty command"))
	}
	path := cmd.Args[0]
	genv, env, err := makeEnv(cmd.Env)
	if err != nil {
		return nil, mapreduce.E(op, mapreduce.Invalid, path, err)
	}
	c, err := r.modules.acquire(path, func(code []byte) (wazero.CompiledModule, error) {
		return r.compile(path, code)
	})
	if err != nil {
		var me *mapreduce.Error
		if errors.As(err, &me) {
			return nil, err
		}
		return nil, mapreduce.E(op, mapreduce.Other, path, err)
	}
	st, err := openStdio(ctx, cmd.Stdin, cmd.Stdout, cmd.Stderr)
	if err != nil {
		r.modules.release(c)
		return nil, mapreduce.E(op, mapreduce.Infra, path, err)
	}

	argv := slices.Clone(cmd.Args)
	argv[0] = filepath.Base(path)
	clk := &clock{epoch: r.cfg.Epoch.UnixNano()}
	mc := r.base.WithArgs(argv...).
		WithStdin(st.in).WithStdout(st.out).WithStderr(st.err).
		WithWalltime(clk.walltime, 1000).WithNanotime(clk.nanotime, 1).WithNanosleep(clk.nanosleep).
		WithRandSource(newRand(seedOf(env)))
	if r.cfg.MountWorkDir && cmd.Dir != "" {
		mc = mc.WithFSConfig(wazero.NewFSConfig().WithReadOnlyDirMount(cmd.Dir, "/"))
	}

	p := &process{done: make(chan struct{})}
	go func() {
		defer close(p.done)
		defer r.modules.release(c)
		lim := &limiter{limit: uint64(r.cfg.memoryLimitPages()) * PageSize, pool: r.mem}
		stop := context.AfterFunc(ctx, st.interrupt)
		ictx := context.WithValue(experimental.WithMemoryAllocator(ctx, lim), envKey{}, genv)
		mod, err := r.rt.InstantiateModule(ictx, c.mod, mc)
		stop()
		if err == nil && mod != nil {
			mod.Close(context.Background())
		}
		lim.done()
		p.err = exitError(ctx, path, err, lim, st.err)
		st.close()
	}()
	return p, nil
}

// compile compiles and checks a module.
func (r *Runner) compile(path string, code []byte) (wazero.CompiledModule, error) {
	const op = "compile wasm module"
	invalid := func(format string, args ...any) error {
		return mapreduce.E(op, mapreduce.Invalid, path, fmt.Errorf(format, args...))
	}
	switch {
	case len(code) < 8 || !bytes.Equal(code[:4], []byte("\x00asm")):
		return nil, invalid("not a WebAssembly module (no \\0asm header)")
	case !bytes.Equal(code[4:8], []byte{1, 0, 0, 0}):
		return nil, invalid("not a WebAssembly core module version 1 (a component? only WASI preview 1 commands run)")
	}
	m, err := r.rt.CompileModule(context.Background(), code)
	if err != nil {
		return nil, mapreduce.E(op, mapreduce.Invalid, path, err)
	}
	if err := r.check(m); err != nil {
		m.Close(context.Background())
		return nil, mapreduce.E(op, mapreduce.Invalid, path, err)
	}
	return m, nil
}

// check tells whether m is a WASI preview 1 command the Runner can start.
func (r *Runner) check(m wazero.CompiledModule) error {
	wasiFuncs := r.wasi.ExportedFunctionDefinitions()
	for _, f := range m.ImportedFunctions() {
		mod, name, _ := f.Import()
		if mod != wasiModule {
			return fmt.Errorf("imports %s.%s: only %s is provided", mod, name, wasiModule)
		}
		if _, ok := wasiFuncs[name]; !ok {
			return fmt.Errorf("imports %s.%s, which wazero does not provide", mod, name)
		}
	}
	for _, mem := range m.ImportedMemories() {
		mod, name, _ := mem.Import()
		return fmt.Errorf("imports memory %s.%s: only %s functions are provided", mod, name, wasiModule)
	}
	if _, ok := m.ExportedFunctions()["_start"]; !ok {
		return errors.New("exports no _start function: not a WASI command")
	}
	limit := r.cfg.memoryLimitPages()
	for _, mem := range m.ExportedMemories() {
		if mem.Min() > limit {
			return fmt.Errorf("needs %d MiB of memory to start, the limit is %d MiB",
				uint64(mem.Min())*PageSize>>20, uint64(limit)*PageSize>>20)
		}
	}
	return nil
}

// exitError turns the outcome of an instance into Wait's error. The details
// of a trap (wazero's stack trace) go to the instance's stderr, as a native
// program's crash report would.
func exitError(ctx context.Context, path string, err error, lim *limiter, stderr io.Writer) error {
	if err == nil {
		return nil
	}
	killed := &mapreduce.ExitError{Code: CodeKilled, Reason: "killed: task cancelled"}
	var se *sys.ExitError
	if errors.As(err, &se) {
		code := se.ExitCode()
		if code == sys.ExitCodeContextCanceled || code == sys.ExitCodeDeadlineExceeded || ctx.Err() != nil {
			return killed
		}
		return &mapreduce.ExitError{Code: int(code), Reason: lim.reason()}
	}
	if ctx.Err() != nil {
		return killed
	}
	msg := err.Error()
	if i := strings.Index(msg, "wasm error: "); i >= 0 {
		detail := msg[i+len("wasm error: "):]
		if stderr != nil {
			fmt.Fprintf(stderr, "wasm trap: %s\n", detail)
		}
		first, _, _ := strings.Cut(detail, "\n")
		reason := "wasm trap: " + first
		if lr := lim.reason(); lr != "" {
			reason += "; " + lr
		}
		return &mapreduce.ExitError{Code: CodeTrap, Reason: reason}
	}
	return mapreduce.E("run wasm module", mapreduce.UserCode, path, err)
}

// process is a started instance.
type process struct {
	done chan struct{}
	err  error
}

// Wait implements mapreduce.Process.
func (p *process) Wait() error {
	<-p.done
	return p.err
}

// Prepare compiles and checks the module at path, as Start would, and
// keeps it in the Runner's cache, so that a later Start of the same file
// only instantiates it. A file that is no WASI command is an Invalid
// error naming what is wrong.
func (r *Runner) Prepare(path string) error {
	c, err := r.modules.acquire(path, func(code []byte) (wazero.CompiledModule, error) {
		return r.compile(path, code)
	})
	if err != nil {
		var me *mapreduce.Error
		if errors.As(err, &me) {
			return err
		}
		return mapreduce.E("prepare wasm module", mapreduce.Other, path, err)
	}
	r.modules.release(c)
	return nil
}
