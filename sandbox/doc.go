// Package sandbox runs task programs as isolated instances behind the
// mapreduce.Runner interface. This first backend, Plain ("none"), runs
// ordinary processes in their own process group, so that killing a task
// kills its whole process tree; the isolating backends (namespaces with
// seccomp, and WebAssembly) plug in behind the same interface.
package sandbox
