package wasm

import (
	"context"
	"crypto/sha256"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/tetratelabs/wazero"
)

// compiled is one compiled module in the Runner's memory.
type compiled struct {
	mod   wazero.CompiledModule
	err   error
	ready chan struct{} // closed once mod or err is set
	refs  int           // instances starting or running
	used  uint64        // when last acquired, in moduleCache.tick
}

// statKey identifies a version of a file without reading it.
type statKey struct {
	path     string
	dev, ino uint64
	size     int64
	mtime    time.Time
}

// moduleCache maps a file's content hash to its compiled module, and the
// file's identity to that hash so that a warm start need not read it.
type moduleCache struct {
	max    int
	mu     sync.Mutex
	tick   uint64
	byHash map[[sha256.Size]byte]*compiled
	byStat map[statKey][sha256.Size]byte
}

func newModuleCache(max int) *moduleCache {
	return &moduleCache{max: max, byHash: map[[sha256.Size]byte]*compiled{}, byStat: map[statKey][sha256.Size]byte{}}
}

// acquire returns the compiled module of the file at path, compiling it
// with compile unless it is cached. Each successful acquire must be paired
// with a release. Concurrent acquires of one module compile it once.
func (mc *moduleCache) acquire(path string, compile func([]byte) (wazero.CompiledModule, error)) (*compiled, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	key := statKey{path: path, size: fi.Size(), mtime: fi.ModTime()}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		key.dev, key.ino = uint64(st.Dev), st.Ino
	}
	mc.mu.Lock()
	if h, ok := mc.byStat[key]; ok {
		if c := mc.byHash[h]; c != nil {
			c.refs++
			mc.tick++
			c.used = mc.tick
			mc.mu.Unlock()
			<-c.ready
			if c.err != nil {
				mc.release(c)
				return nil, c.err
			}
			return c, nil
		}
	}
	mc.mu.Unlock()

	code, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	h := sha256.Sum256(code)
	mc.mu.Lock()
	c := mc.byHash[h]
	fresh := c == nil
	if fresh {
		c = &compiled{ready: make(chan struct{})}
		mc.byHash[h] = c
	}
	c.refs++
	mc.tick++
	c.used = mc.tick
	mc.mu.Unlock()

	if fresh {
		c.mod, c.err = compile(code)
		close(c.ready)
	} else {
		<-c.ready
	}
	mc.mu.Lock()
	if c.err != nil {
		// Do not keep failures: the file may be fixed.
		if mc.byHash[h] == c {
			delete(mc.byHash, h)
		}
		c.refs--
		mc.mu.Unlock()
		return nil, c.err
	}
	if len(mc.byStat) >= 16*mc.max {
		clear(mc.byStat)
	}
	mc.byStat[key] = h
	evict := mc.evictLocked()
	mc.mu.Unlock()
	for _, m := range evict {
		m.Close(context.Background())
	}
	return c, nil
}

// release ends a use of c.
func (mc *moduleCache) release(c *compiled) {
	mc.mu.Lock()
	c.refs--
	evict := mc.evictLocked()
	mc.mu.Unlock()
	for _, m := range evict {
		m.Close(context.Background())
	}
}

// evictLocked drops the least recently used unused modules past max and
// returns them for closing.
func (mc *moduleCache) evictLocked() []wazero.CompiledModule {
	var out []wazero.CompiledModule
	for len(mc.byHash) > mc.max {
		var oldest [sha256.Size]byte
		var victim *compiled
		for h, c := range mc.byHash {
			if c.refs == 0 && (victim == nil || c.used < victim.used) {
				oldest, victim = h, c
			}
		}
		if victim == nil {
			break // all in use
		}
		delete(mc.byHash, oldest)
		out = append(out, victim.mod)
	}
	return out
}

// closeAll closes every cached module.
func (mc *moduleCache) closeAll(ctx context.Context) {
	mc.mu.Lock()
	defer mc.mu.Unlock()
	for h, c := range mc.byHash {
		select {
		case <-c.ready:
			if c.mod != nil {
				c.mod.Close(ctx)
			}
		default:
		}
		delete(mc.byHash, h)
	}
	clear(mc.byStat)
}
