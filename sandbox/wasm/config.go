package wasm

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// PageSize is the size of one page of WebAssembly linear memory.
const PageSize = 64 << 10

// maxMemoryBytes is what a 32-bit WebAssembly memory can address.
const maxMemoryBytes = 1 << 32

// Config configures a Runner. The zero value is not valid; start from
// DefaultConfig. A Runner copies its Config: changing it afterwards has no
// effect.
type Config struct {
	// CacheDir holds compiled modules across processes. Empty keeps them in
	// memory only, so every new process compiles each module again (a Go
	// module takes about half a second).
	CacheDir string
	// MemoryLimitBytes caps an instance's linear memory; it is rounded down
	// to whole 64 KiB pages and must be at least one page and at most 4 GiB.
	// A module whose initial memory is larger fails to start; one that
	// tries to grow past the limit is refused the memory (most runtimes
	// then abort, and Wait says the limit was hit).
	MemoryLimitBytes uint64
	// MountWorkDir mounts the command's Dir read-only as the instance's "/"
	// (so the files a job ships with -files can be opened by their relative
	// names). Off, an instance sees no host file at all.
	MountWorkDir bool
	// Epoch is what the instance's wall clock reads when it starts.
	Epoch time.Time
	// MaxCompiled bounds the compiled modules the Runner keeps in memory;
	// the least recently started unused ones are dropped past it (they stay
	// in CacheDir).
	MaxCompiled int
}

// DefaultConfig returns a Config with a 512 MiB memory limit, the disk cache
// in DefaultCacheDir, nothing mounted and the clock at 2000-01-01T00:00:00Z.
func DefaultConfig() Config {
	return Config{
		CacheDir:         DefaultCacheDir(),
		MemoryLimitBytes: 512 << 20,
		Epoch:            time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC),
		MaxCompiled:      64,
	}
}

// DefaultCacheDir is zebra/wasm under the user's cache directory
// (os.UserCacheDir), or under os.TempDir if there is none.
func DefaultCacheDir() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "zebra", "wasm")
}

// Validate reports the first invalid field.
func (c Config) Validate() error {
	switch {
	case c.MemoryLimitBytes < PageSize:
		return fmt.Errorf("wasm config: memory limit %d bytes is less than one page (%d bytes)", c.MemoryLimitBytes, PageSize)
	case c.MemoryLimitBytes > maxMemoryBytes:
		return fmt.Errorf("wasm config: memory limit %d bytes is more than a 32-bit memory can address (4 GiB)", c.MemoryLimitBytes)
	case c.MaxCompiled < 1:
		return errors.New("wasm config: MaxCompiled must be at least 1")
	case c.Epoch.IsZero():
		return errors.New("wasm config: Epoch is not set")
	}
	return nil
}

// memoryLimitPages is MemoryLimitBytes in whole pages.
func (c Config) memoryLimitPages() uint32 {
	return uint32(c.MemoryLimitBytes / PageSize)
}
