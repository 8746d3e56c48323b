package wasm

import (
	"fmt"
	"sync"

	"github.com/tetratelabs/wazero/experimental"
)

// limiter backs the linear memory of one instance and refuses to grow it
// past limit, remembering that it did. wazero's own limit
// (RuntimeConfig.WithMemoryLimitPages) refuses silently, so a program that
// aborts on out-of-memory could not be told from one that just failed.
type limiter struct {
	limit   uint64
	pool    *memPool
	refused uint64 // largest size refused, 0 if none
	mem     *linearMemory
}

// Allocate implements experimental.MemoryAllocator. It reuses the memory of
// an instance that has ended, if the pool has one.
func (l *limiter) Allocate(capacity, _ uint64) experimental.LinearMemory {
	m := &linearMemory{l: l, capacity: capacity}
	if b, ok := l.pool.get(); ok {
		m.buf, m.zeroFrom = b.buf[:0], b.used
	}
	l.mem = m
	return m
}

// done hands the instance's memory back to the pool. It must be called only
// once the instance has stopped running for good.
func (l *limiter) done() {
	if m := l.mem; m != nil && m.buf != nil {
		l.pool.put(pooled{buf: m.buf[:0], used: max(len(m.buf), m.zeroFrom)})
		m.buf = nil
	}
}

// reason says why the program failed, if it was refused memory.
func (l *limiter) reason() string {
	if l.refused == 0 {
		return ""
	}
	return fmt.Sprintf("memory limit exceeded: wanted %d MiB of linear memory, limit is %d MiB",
		(l.refused+(1<<20)-1)>>20, l.limit>>20)
}

type linearMemory struct {
	l        *limiter
	capacity uint64
	buf      []byte
	// zeroFrom: every byte of buf's capacity from here on is zero.
	zeroFrom int
}

// Reallocate implements experimental.LinearMemory. Linear memory never
// shrinks; the bytes it gains must be zero.
func (m *linearMemory) Reallocate(size uint64) []byte {
	if size > m.l.limit {
		m.l.refused = max(m.l.refused, size)
		return nil
	}
	n := int(size)
	if n <= cap(m.buf) {
		if old := len(m.buf); old < m.zeroFrom {
			clear(m.buf[old:min(n, m.zeroFrom)])
		}
		m.buf = m.buf[:n]
		m.zeroFrom = max(m.zeroFrom, n)
		return m.buf
	}
	// Grow geometrically, as append would, but not past the limit.
	c := max(size, min(max(m.capacity, 2*uint64(cap(m.buf))), m.l.limit))
	buf := make([]byte, n, c)
	copy(buf, m.buf)
	m.buf, m.zeroFrom = buf, n
	return buf
}

// Free implements experimental.LinearMemory. wazero calls it when the
// instance is closed, which may be from another goroutine while the
// instance still runs, so the memory goes back to the pool only in
// limiter.done.
func (m *linearMemory) Free() {}

// pooled is a linear memory buffer of an ended instance; its bytes below
// used may be non-zero.
type pooled struct {
	buf  []byte
	used int
}

// memPool keeps a few linear memories for reuse, so that a start does not
// allocate (and the garbage collector scan and free) megabytes each time.
type memPool struct {
	mu    sync.Mutex
	free  []pooled
	bytes int // capacity held
}

// maxPooledBytes bounds what the pool holds.
const maxPooledBytes = 64 << 20

func (p *memPool) get() (pooled, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.free) == 0 {
		return pooled{}, false
	}
	b := p.free[len(p.free)-1]
	p.free = p.free[:len(p.free)-1]
	p.bytes -= cap(b.buf)
	return b, true
}

func (p *memPool) put(b pooled) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bytes+cap(b.buf) > maxPooledBytes {
		return
	}
	p.free = append(p.free, b)
	p.bytes += cap(b.buf)
}
