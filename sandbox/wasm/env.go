package wasm

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// The environment reaches an instance through the context of its run, not
// through ModuleConfig.WithEnv: each WithEnv copies the config, so a
// streaming task's hundred-odd variables cost O(n²), over half a
// millisecond per start. The Runner's WASI module overrides environ_get and
// environ_sizes_get to read it from the context instead.

// guestEnv is an environment in WASI's layout: "K=V\x00" entries back to
// back, and where each starts.
type guestEnv struct {
	buf    []byte
	starts []uint32
}

type envKey struct{}

// makeEnv builds the environment of a command: later entries win as with
// exec.Cmd, entries without a name are dropped, PWD is set to the
// instance's working directory "/", and the result is sorted by name so
// that the order of cmd.Env does not show. It also returns the map.
func makeEnv(list []string) (*guestEnv, map[string]string, error) {
	env := make(map[string]string, len(list)+1)
	for _, kv := range list {
		k, v, _ := strings.Cut(kv, "=")
		if strings.IndexByte(kv, 0) >= 0 {
			return nil, nil, fmt.Errorf("environment variable %q contains a NUL byte", k)
		}
		if k != "" {
			env[k] = v
		}
	}
	env["PWD"] = "/"
	keys := make([]string, 0, len(env))
	size := 0
	for k, v := range env {
		keys = append(keys, k)
		size += len(k) + len(v) + 2
	}
	slices.Sort(keys)
	g := &guestEnv{buf: make([]byte, 0, size), starts: make([]uint32, 0, len(keys))}
	for _, k := range keys {
		g.starts = append(g.starts, uint32(len(g.buf)))
		g.buf = append(g.buf, k...)
		g.buf = append(g.buf, '=')
		g.buf = append(g.buf, env[k]...)
		g.buf = append(g.buf, 0)
	}
	return g, env, nil
}

// WASI errno values (wasi_snapshot_preview1 errno enum).
const (
	errnoSuccess = 0
	errnoFault   = 21
)

func envOf(ctx context.Context) *guestEnv {
	if g, ok := ctx.Value(envKey{}).(*guestEnv); ok {
		return g
	}
	return &guestEnv{}
}

// environSizesGet implements environ_sizes_get(count *u32, bufSize *u32) errno.
func environSizesGet(ctx context.Context, mod api.Module, stack []uint64) {
	g := envOf(ctx)
	mem := mod.Memory()
	if !mem.WriteUint32Le(uint32(stack[0]), uint32(len(g.starts))) ||
		!mem.WriteUint32Le(uint32(stack[1]), uint32(len(g.buf))) {
		stack[0] = errnoFault
		return
	}
	stack[0] = errnoSuccess
}

// environGet implements environ_get(environ **u8, buf *u8) errno: it writes
// the entries at buf and a pointer to each at environ.
func environGet(ctx context.Context, mod api.Module, stack []uint64) {
	g := envOf(ctx)
	mem := mod.Memory()
	ptrs, buf := uint32(stack[0]), uint32(stack[1])
	for i, s := range g.starts {
		if !mem.WriteUint32Le(ptrs+4*uint32(i), buf+s) {
			stack[0] = errnoFault
			return
		}
	}
	if !mem.Write(buf, g.buf) {
		stack[0] = errnoFault
		return
	}
	stack[0] = errnoSuccess
}

// instantiateWASI instantiates wazero's WASI preview 1 with the environment
// functions replaced.
func instantiateWASI(ctx context.Context, rt wazero.Runtime) (api.Module, error) {
	b := rt.NewHostModuleBuilder(wasi_snapshot_preview1.ModuleName)
	wasi_snapshot_preview1.NewFunctionExporter().ExportFunctions(b)
	i32 := api.ValueTypeI32
	b.NewFunctionBuilder().
		WithGoModuleFunction(api.GoModuleFunc(environSizesGet), []api.ValueType{i32, i32}, []api.ValueType{i32}).
		WithParameterNames("result.environc", "result.environv_len").
		Export("environ_sizes_get")
	b.NewFunctionBuilder().
		WithGoModuleFunction(api.GoModuleFunc(environGet), []api.ValueType{i32, i32}, []api.ValueType{i32}).
		WithParameterNames("environ", "environ_buf").
		Export("environ_get")
	return b.Instantiate(ctx)
}
