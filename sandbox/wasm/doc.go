// Package wasm is the WebAssembly backend of the sandbox: it runs a mapper,
// combiner or reducer given as a .wasm file (a WASI preview 1 command, such
// as a Go program built with GOOS=wasip1 GOARCH=wasm or C built with
// clang --target=wasm32-wasi) inside wazero, in the worker's own process.
// It sits where package sandbox sits on the data path: streaming hands it a
// mapreduce.Command and talks to the program through stdin and stdout.
//
// It is the deterministic backend: the same module, argv, environment and
// stdin bytes give the same stdout and stderr bytes and exit code, every
// time and on every machine. To that end an instance sees:
//
//   - stdin, stdout and stderr, and nothing else: no host directory is
//     mounted (unless Config.MountWorkDir mounts the task's working
//     directory read-only at "/"), and there are no sockets;
//   - argv[0] reduced to the module's base name, the rest of argv as given,
//     and the environment of the command sorted by name, with PWD set to
//     "/" (the host path of the working directory differs per attempt);
//   - a virtual clock: the wall clock reads Config.Epoch and the monotonic
//     clock a fixed constant when the instance starts, and both stand still
//     except when the program sleeps (poll_oneoff with a timeout), which
//     advances them by exactly the requested time without waiting. A
//     program that busy-waits for the clock to move never ends (cancel it);
//   - random bytes (random_get) from a ChaCha8 stream seeded from the task:
//     the environment variable mapreduce_task_id, else the task id derived
//     from mapreduce_task_attempt_id, else a constant. Every attempt of one
//     task, retried or speculative, so draws the same numbers;
//   - at most Config.MemoryLimitBytes of linear memory.
//
// Cancelling the Start context closes the instance at its next function call
// or loop iteration; Wait then reports *mapreduce.ExitError with Reason
// "killed: task cancelled".
//
// Compiled modules are cached twice: on disk under Config.CacheDir (wazero's
// compilation cache, keyed by the module's bytes and the wazero version), so
// a new worker process does not recompile, and in the Runner, keyed by the
// SHA-256 of the file's bytes (the file's path, size, mtime and inode map to
// that hash, so a warm start does not even re-read the file). A warm start
// is then just instantiation.
package wasm
