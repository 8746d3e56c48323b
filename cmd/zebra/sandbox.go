package main

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"zebra/mapreduce"
	"zebra/sandbox"
	"zebra/sandbox/native"
	"zebra/sandbox/wasm"
)

// sandboxes builds the task runners of this process on first use and
// closes them at exit. Native runners are kept per distinct configuration
// (a job's zebra.sandbox.* limits), so that on a worker each job gets its
// own limits, not the first job's. A job holds no runner: each program
// leases its limit set's runner while it runs, so a runner is in use only
// while a program of that set runs (at most one per slot), and idle ones
// beyond maxIdleNativeRunners are closed, least recently used first.
// However many limit sets jobs ask for, no job is refused a runner.
type sandboxes struct {
	logger *slog.Logger
	// maxima caps the limits of tenants' jobs (chooserFor).
	maxima tenantMaxima
	// allow are the operator's allowed interpreter installations (a
	// worker's --sandbox-allow); local marks the local runner (see
	// native.Config.Allow and Local).
	allow    []string
	local    bool
	mu       sync.Mutex
	checked  bool
	checkErr error
	native   map[string]*nativeEntry // by fmt.Sprint of the configuration
	useSeq   int64
	wasmOnce sync.Once
	wasm     *wasm.Runner
	wasmErr  error
}

// nativeEntry is one limit set's runner and its leases.
type nativeEntry struct {
	r       *native.Runner
	leases  int   // programs running on it
	lastUse int64 // sandboxes.useSeq when last leased
}

// maxIdleNativeRunners bounds the native runners (a factory process and
// its pool each) kept while no program of their limit set runs.
const maxIdleNativeRunners = 8

// nativeRunner returns the runner of the job configuration conf's limits
// (nil conf: the defaults).
func (s *sandboxes) nativeRunner(conf *mapreduce.Conf) (mapreduce.Runner, error) {
	cfg, err := nativeConfig(conf, s.allow, s.local)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.checked {
		s.checked, s.checkErr = true, native.Check()
	}
	if s.checkErr != nil {
		return nil, s.checkErr
	}
	return &leasedRunner{s: s, cfg: cfg, key: fmt.Sprint(cfg)}, nil
}

// lease returns the runner of cfg (made if needed) and marks it in use
// until release is called.
func (s *sandboxes) lease(key string, cfg native.Config) (*native.Runner, func(), error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.native[key]
	if e == nil {
		r, err := native.New(cfg, s.logger)
		if err != nil {
			return nil, nil, err
		}
		if s.native == nil {
			s.native = map[string]*nativeEntry{}
		}
		e = &nativeEntry{r: r}
		s.native[key] = e
	}
	e.leases++
	s.useSeq++
	e.lastUse = s.useSeq
	return e.r, sync.OnceFunc(func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		e.leases--
		s.trimLocked()
	}), nil
}

// trimLocked closes the least recently used idle runners beyond
// maxIdleNativeRunners; callers hold mu.
func (s *sandboxes) trimLocked() {
	for {
		idle, oldest := 0, ""
		for k, e := range s.native {
			if e.leases == 0 {
				idle++
				if oldest == "" || e.lastUse < s.native[oldest].lastUse {
					oldest = k
				}
			}
		}
		if idle <= maxIdleNativeRunners {
			return
		}
		r := s.native[oldest].r
		delete(s.native, oldest)
		go r.Close() // idle: no program of it runs
	}
}

// leasedRunner runs each program on its limit set's native runner, leased
// for as long as the program runs.
type leasedRunner struct {
	s   *sandboxes
	cfg native.Config
	key string
}

func (l *leasedRunner) Start(ctx context.Context, c mapreduce.Command) (mapreduce.Process, error) {
	r, release, err := l.s.lease(l.key, l.cfg)
	if err != nil {
		return nil, mapreduce.E("start sandbox", mapreduce.Infra, "", err)
	}
	p, err := r.Start(ctx, c)
	if err != nil {
		release()
		return nil, err
	}
	return &leasedProcess{Process: p, release: release}, nil
}

// leasedProcess releases its runner once the program has been waited for.
type leasedProcess struct {
	mapreduce.Process
	release func()
}

// Usage passes on the runner's measure of the program
// (mapreduce.UsageReporter; nothing if it measures none).
func (p *leasedProcess) Usage() mapreduce.Usage {
	if u, ok := p.Process.(mapreduce.UsageReporter); ok {
		return u.Usage()
	}
	return mapreduce.Usage{}
}

func (p *leasedProcess) Wait() error {
	err := p.Process.Wait()
	p.release()
	return err
}

func (s *sandboxes) wasmRunner() (*wasm.Runner, error) {
	s.wasmOnce.Do(func() { s.wasm, s.wasmErr = wasm.New(wasm.DefaultConfig()) })
	return s.wasm, s.wasmErr
}

// choose returns the runner for a job's zebra.sandbox setting: by default
// WebAssembly modules run in the wasm sandbox and everything else in native
// namespaces; plain processes only when asked for. It never falls back to
// running unsandboxed on its own.
func (s *sandboxes) choose(mode string, conf *mapreduce.Conf) (mapreduce.Runner, string, error) {
	w, werr := s.wasmRunner()
	if werr != nil {
		w = nil
	}
	switch mode {
	case "", "native":
		r, err := s.nativeRunner(conf)
		if err != nil {
			return nil, "", err
		}
		return sandbox.Dispatch{Default: r, Wasm: w}, "", nil
	case "wasm":
		if werr != nil {
			return nil, "", werr
		}
		return sandbox.Dispatch{Default: sandbox.Refuse{Reason: "zebra.sandbox=wasm runs only .wasm programs"}, Wasm: w}, "", nil
	case "none":
		return sandbox.Dispatch{Default: sandbox.Plain{}, Wasm: w},
			"zebra.sandbox=none: task programs run as plain, unisolated processes", nil
	}
	return nil, "", fmt.Errorf("zebra.sandbox=%s is not a known sandbox (known: native, wasm, none)", mode)
}

// chooserFor is choose for the jobs of owner on a worker: a tenant's job
// (owner: the Swift account that submitted it) always runs isolated, with
// its limits lowered to the maxima (see tenantChooser); only the cluster
// token's jobs (owner "") may ask for zebra.sandbox=none.
func (s *sandboxes) chooserFor(owner string) func(string, *mapreduce.Conf) (mapreduce.Runner, string, error) {
	if owner == "" {
		return s.choose
	}
	m := s.maxima
	if m == nil {
		m = defaultTenantMaxima()
	}
	return tenantChooser(owner, m, s.logger, s.choose)
}

func (s *sandboxes) close() {
	s.mu.Lock()
	for _, e := range s.native {
		e.r.Close()
	}
	s.native = nil
	s.mu.Unlock()
	if s.wasm != nil {
		s.wasm.Close(context.Background())
	}
}

// nativeConfig is the native sandbox's default configuration with the
// process's allowed installations, the local runner's policy (local) and
// the job's zebra.sandbox.* limits applied.
func nativeConfig(conf *mapreduce.Conf, allow []string, local bool) (native.Config, error) {
	cfg := native.DefaultConfig()
	cfg.Allow, cfg.Local = allow, local
	if conf == nil {
		return cfg, cfg.Validate()
	}
	// Streaming reads every byte a program writes anyway and caps the stderr
	// it keeps (zebra.task.stderr.limit); counting in the sandbox too would
	// put one more copy of all task output on the hot path.
	cfg.Output = 0
	if conf == nil {
		return cfg, nil
	}
	mb := func(key string, dst *int64) error {
		n, err := conf.Int64(key, *dst>>20)
		if err != nil || n <= 0 {
			return fmt.Errorf("%s must be a positive number of MiB", key)
		}
		*dst = n << 20
		return nil
	}
	secs := func(key string, dst *time.Duration) error {
		n, err := conf.Int64(key, int64(*dst/time.Second))
		if err != nil || n <= 0 {
			return fmt.Errorf("%s must be a positive number of seconds", key)
		}
		*dst = time.Duration(n) * time.Second
		return nil
	}
	procs, err := conf.Int(mapreduce.KeySandboxProcesses, cfg.Processes)
	if err != nil || procs <= 0 {
		return cfg, fmt.Errorf("%s must be a positive number", mapreduce.KeySandboxProcesses)
	}
	cfg.Processes = procs
	for _, err := range []error{
		mb(mapreduce.KeySandboxMemoryMB, &cfg.Memory), mb(mapreduce.KeySandboxFileMB, &cfg.FileSize), mb(mapreduce.KeySandboxTmpMB, &cfg.TmpSize),
		secs(mapreduce.KeySandboxCPUSeconds, &cfg.CPUTime), secs(mapreduce.KeySandboxWallSecs, &cfg.WallTime),
	} {
		if err != nil {
			return cfg, err
		}
	}
	if err := cfg.Validate(); err != nil {
		return cfg, err
	}
	return cfg, nil
}
