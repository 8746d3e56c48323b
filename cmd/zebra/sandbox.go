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
// own limits, not the first job's.
type sandboxes struct {
	logger *slog.Logger
	// allow are the operator's allowed interpreter installations (a
	// worker's --sandbox-allow); local marks the local runner (see
	// native.Config.Allow and Local).
	allow    []string
	local    bool
	mu       sync.Mutex
	checked  bool
	checkErr error
	native   map[string]*native.Runner // by fmt.Sprint of the configuration
	wasmOnce sync.Once
	wasm     *wasm.Runner
	wasmErr  error
}

// maxNativeRunners bounds the distinct limit sets one process keeps a
// native runner (a factory process and its pool) for.
const maxNativeRunners = 8

func (s *sandboxes) nativeRunner(conf *mapreduce.Conf) (*native.Runner, error) {
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
	key := fmt.Sprint(cfg)
	if r := s.native[key]; r != nil {
		return r, nil
	}
	if len(s.native) >= maxNativeRunners {
		return nil, fmt.Errorf("this process already runs native sandboxes with %d different zebra.sandbox.* limit sets; use the defaults or one of those", maxNativeRunners)
	}
	r, err := native.New(cfg, s.logger)
	if err != nil {
		return nil, err
	}
	if s.native == nil {
		s.native = map[string]*native.Runner{}
	}
	s.native[key] = r
	return r, nil
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
// (owner: the Swift account that submitted it) always runs isolated;
// only the cluster token's jobs (owner "") may ask for zebra.sandbox=none.
func (s *sandboxes) chooserFor(owner string) func(string, *mapreduce.Conf) (mapreduce.Runner, string, error) {
	if owner == "" {
		return s.choose
	}
	return func(mode string, conf *mapreduce.Conf) (mapreduce.Runner, string, error) {
		if mode == "none" {
			return nil, "", fmt.Errorf("zebra.sandbox=none (plain, unisolated processes) is refused for a job submitted with a Swift token (account %s); only the cluster token's jobs may run unsandboxed", owner)
		}
		return s.choose(mode, conf)
	}
}

func (s *sandboxes) close() {
	s.mu.Lock()
	for _, r := range s.native {
		r.Close()
	}
	s.native = nil
	s.mu.Unlock()
	if s.wasm != nil {
		s.wasm.Close(context.Background())
	}
}

// Settings of the native sandbox's limits, per job.
const (
	keySandboxMemoryMB   = "zebra.sandbox.memory.mb"
	keySandboxProcesses  = "zebra.sandbox.processes"
	keySandboxCPUSeconds = "zebra.sandbox.cpu.seconds"
	keySandboxWallSecs   = "zebra.sandbox.wall.seconds"
	keySandboxFileMB     = "zebra.sandbox.file.mb"
	keySandboxTmpMB      = "zebra.sandbox.tmp.mb"
)

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
	procs, err := conf.Int(keySandboxProcesses, cfg.Processes)
	if err != nil || procs <= 0 {
		return cfg, fmt.Errorf("%s must be a positive number", keySandboxProcesses)
	}
	cfg.Processes = procs
	for _, err := range []error{
		mb(keySandboxMemoryMB, &cfg.Memory), mb(keySandboxFileMB, &cfg.FileSize), mb(keySandboxTmpMB, &cfg.TmpSize),
		secs(keySandboxCPUSeconds, &cfg.CPUTime), secs(keySandboxWallSecs, &cfg.WallTime),
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
