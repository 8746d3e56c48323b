// Package sandbox runs task programs as isolated instances behind the
// mapreduce.Runner interface, the ZeroVM promise with today's tools:
//
//   - native (zebra/sandbox/native, the default on Linux): each program in
//     fresh user, mount, PID, IPC and UTS namespaces and an empty network
//     namespace, on a minimal read-only root, under a seccomp filter
//     (zebra/sandbox/seccomp) and cgroup/rlimit limits, each instance made
//     ahead of its task in a small pool and used once. Its doc comment
//     states the threat model: what is and is not protected.
//   - wasm (zebra/sandbox/wasm): WebAssembly (WASI preview 1) programs in
//     wazero, with only stdin, stdout and stderr, no network, a fixed clock
//     and a seeded random source: the deterministic backend.
//   - none (Plain, this package): ordinary processes in their own process
//     group, only when a job asks for it (-D zebra.sandbox=none).
//
// Dispatch sends .wasm programs to the wasm backend and everything else to
// the default one; cmd/zebra builds it from the job's zebra.sandbox setting
// and never falls back to running unsandboxed by itself.
package sandbox
