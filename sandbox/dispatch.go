package sandbox

import (
	"context"
	"strings"

	"zebra/mapreduce"
)

var _ mapreduce.Runner = Dispatch{}

// Dispatch picks a backend per program: WebAssembly modules (a program path
// ending in .wasm) go to Wasm, everything else to Default. A nil Wasm makes
// .wasm programs fail with a clear error instead of being executed natively.
type Dispatch struct {
	Default mapreduce.Runner
	Wasm    mapreduce.Runner
}

// IsWasm reports whether a program path names a WebAssembly module.
func IsWasm(path string) bool { return strings.HasSuffix(strings.ToLower(path), ".wasm") }

// Start implements mapreduce.Runner.
func (d Dispatch) Start(ctx context.Context, c mapreduce.Command) (mapreduce.Process, error) {
	if len(c.Args) > 0 && IsWasm(c.Args[0]) {
		if d.Wasm == nil {
			return nil, mapreduce.E("start program", mapreduce.Invalid, c.Args[0],
				errNoWasm)
		}
		if len(c.Mounts) > 0 {
			return nil, mapreduce.E("start program", mapreduce.Invalid, c.Args[0],
				sandboxError("the wasm sandbox cannot show channels other than stdin and stdout (at "+c.Mounts[0].Guest+")"))
		}
		return d.Wasm.Start(ctx, c)
	}
	return d.Default.Start(ctx, c)
}

type sandboxError string

func (e sandboxError) Error() string { return string(e) }

const errNoWasm = sandboxError("WebAssembly programs need the wasm sandbox, which is not available in this build")

// Refuse is a Runner that runs nothing: every Start fails with Reason.
type Refuse struct{ Reason string }

// Start implements mapreduce.Runner.
func (r Refuse) Start(_ context.Context, c mapreduce.Command) (mapreduce.Process, error) {
	name := ""
	if len(c.Args) > 0 {
		name = c.Args[0]
	}
	return nil, mapreduce.E("start program", mapreduce.Invalid, name, sandboxError(r.Reason))
}
