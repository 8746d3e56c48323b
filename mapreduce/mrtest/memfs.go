package mrtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"zebra/mapreduce"
)

// MemFS is an in-memory mapreduce.FS, the reference store of the
// conformance suite: names are absolute slash paths ("/a/b"), listings are
// sorted by name, Create refuses existing names, Rename refuses an existing
// target, and Deny makes a subtree inaccessible (permission errors).
// Written bytes are visible as they are written, as on HDFS and local
// files. The zero value is an empty file system holding only "/".
type MemFS struct {
	mu     sync.RWMutex
	nodes  map[string]*memNode
	denied map[string]bool
}

type memNode struct {
	dir     bool
	data    []byte
	modTime time.Time
}

var _ mapreduce.FS = (*MemFS)(nil)

// RegisterMem binds mem:/path names in r to fsys.
func RegisterMem(r *mapreduce.Registry, fsys *MemFS) {
	r.Register("mem", func(_ context.Context, _ *url.URL, raw string) (mapreduce.FS, string, error) {
		p := strings.TrimPrefix(raw[len("mem:"):], "//")
		return fsys, clean(p), nil
	})
}

func clean(p string) string { return path.Clean("/" + p) }

func (m *MemFS) init() {
	if m.nodes == nil {
		m.nodes = map[string]*memNode{"/": {dir: true, modTime: time.Now()}}
		m.denied = map[string]bool{}
	}
}

// Deny makes name and everything under it inaccessible (every operation
// fails with fs.ErrPermission) until the returned function is called.
func (m *MemFS) Deny(name string) (restore func()) {
	p := clean(name)
	m.mu.Lock()
	m.init()
	m.denied[p] = true
	m.mu.Unlock()
	return func() {
		m.mu.Lock()
		delete(m.denied, p)
		m.mu.Unlock()
	}
}

// check fails if p or one of its ancestors is denied.
func (m *MemFS) check(op, p string) error {
	for q := p; ; q = path.Dir(q) {
		if m.denied[q] {
			return mapreduce.E(op, mapreduce.Permission, "mem:"+p, fs.ErrPermission)
		}
		if q == "/" {
			return nil
		}
	}
}

func notExist(op, p string) error {
	return mapreduce.E(op, mapreduce.NotExist, "mem:"+p, fs.ErrNotExist)
}

// Stat implements mapreduce.FS.
func (m *MemFS) Stat(ctx context.Context, name string) (mapreduce.FileInfo, error) {
	if err := ctx.Err(); err != nil {
		return mapreduce.FileInfo{}, err
	}
	p := clean(name)
	m.mu.RLock()
	defer m.mu.RUnlock()
	m.init()
	if err := m.check("stat", p); err != nil {
		return mapreduce.FileInfo{}, err
	}
	n := m.nodes[p]
	if n == nil {
		return mapreduce.FileInfo{}, notExist("stat", p)
	}
	return info(p, n), nil
}

func info(p string, n *memNode) mapreduce.FileInfo {
	return mapreduce.FileInfo{Path: p, Size: int64(len(n.data)), IsDir: n.dir, ModTime: n.modTime}
}

// List implements mapreduce.FS, sorted by name.
func (m *MemFS) List(ctx context.Context, dir string) ([]mapreduce.FileInfo, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p := clean(dir)
	m.mu.RLock()
	defer m.mu.RUnlock()
	m.init()
	if err := m.check("list", p); err != nil {
		return nil, err
	}
	n := m.nodes[p]
	if n == nil {
		return nil, notExist("list", p)
	}
	if !n.dir {
		return []mapreduce.FileInfo{info(p, n)}, nil // as Hadoop's listStatus of a file
	}
	var out []mapreduce.FileInfo
	for q, c := range m.nodes {
		if q != "/" && path.Dir(q) == p {
			out = append(out, info(q, c))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// Open implements mapreduce.FS. The reader sees the bytes present at Open.
func (m *MemFS) Open(ctx context.Context, name string, off int64) (io.ReadCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p := clean(name)
	m.mu.RLock()
	defer m.mu.RUnlock()
	m.init()
	if err := m.check("open", p); err != nil {
		return nil, err
	}
	n := m.nodes[p]
	if n == nil {
		return nil, notExist("open", p)
	}
	if n.dir {
		return nil, mapreduce.E("open", mapreduce.Invalid, "mem:"+p, errors.New("is a directory"))
	}
	if off < 0 || off > int64(len(n.data)) {
		return nil, mapreduce.E("open", mapreduce.Invalid, "mem:"+p, fmt.Errorf("offset %d outside the file (%d bytes)", off, len(n.data)))
	}
	return io.NopCloser(bytes.NewReader(n.data[off:len(n.data):len(n.data)])), nil
}

// mkdirs makes p and its parents; m.mu is held.
func (m *MemFS) mkdirs(op, p string) error {
	if err := m.check(op, p); err != nil {
		return err
	}
	var todo []string
	for q := p; ; q = path.Dir(q) {
		n := m.nodes[q]
		if n != nil {
			if !n.dir {
				return mapreduce.E(op, mapreduce.Exist, "mem:"+q, errors.New("exists and is not a directory"))
			}
			break
		}
		todo = append(todo, q)
	}
	now := time.Now()
	for _, q := range todo {
		m.nodes[q] = &memNode{dir: true, modTime: now}
	}
	return nil
}

// Create implements mapreduce.FS.
func (m *MemFS) Create(ctx context.Context, name string) (io.WriteCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p := clean(name)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.init()
	if err := m.check("create", p); err != nil {
		return nil, err
	}
	if m.nodes[p] != nil {
		return nil, mapreduce.E("create", mapreduce.Exist, "mem:"+p, fs.ErrExist)
	}
	if err := m.mkdirs("create", path.Dir(p)); err != nil {
		return nil, err
	}
	n := &memNode{modTime: time.Now()}
	m.nodes[p] = n
	return &memWriter{m: m, n: n}, nil
}

type memWriter struct {
	m      *MemFS
	n      *memNode
	closed bool
}

func (w *memWriter) Write(b []byte) (int, error) {
	if w.closed {
		return 0, errors.New("write to a closed file")
	}
	w.m.mu.Lock()
	w.n.data = append(w.n.data, b...)
	w.n.modTime = time.Now()
	w.m.mu.Unlock()
	return len(b), nil
}

func (w *memWriter) Close() error { w.closed = true; return nil }

// MkdirAll implements mapreduce.FS.
func (m *MemFS) MkdirAll(ctx context.Context, dir string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.init()
	return m.mkdirs("mkdir", clean(dir))
}

// Rename implements mapreduce.FS; to's parents are made.
func (m *MemFS) Rename(ctx context.Context, from, to string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	src, dst := clean(from), clean(to)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.init()
	if err := m.check("rename", src); err != nil {
		return err
	}
	if err := m.check("rename", dst); err != nil {
		return err
	}
	if m.nodes[src] == nil {
		return notExist("rename", src)
	}
	if m.nodes[dst] != nil {
		return mapreduce.E("rename", mapreduce.Exist, "mem:"+dst, fs.ErrExist)
	}
	if src == "/" || strings.HasPrefix(dst, src+"/") {
		return mapreduce.E("rename", mapreduce.Invalid, "mem:"+src, fmt.Errorf("cannot move %s under itself (%s)", src, dst))
	}
	if err := m.mkdirs("rename", path.Dir(dst)); err != nil {
		return err
	}
	for q, n := range m.nodes {
		if q == src || strings.HasPrefix(q, src+"/") {
			delete(m.nodes, q)
			m.nodes[dst+q[len(src):]] = n
		}
	}
	return nil
}

// RemoveAll implements mapreduce.FS.
func (m *MemFS) RemoveAll(ctx context.Context, name string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p := clean(name)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.init()
	if err := m.check("remove", p); err != nil {
		return err
	}
	if p == "/" {
		return mapreduce.E("remove", mapreduce.Invalid, "mem:/", errors.New("cannot remove the root"))
	}
	for q := range m.nodes {
		if q == p || strings.HasPrefix(q, p+"/") {
			delete(m.nodes, q)
		}
	}
	return nil
}

// URI implements mapreduce.FS: mem:/path.
func (m *MemFS) URI(name string) string { return "mem:" + clean(name) }
