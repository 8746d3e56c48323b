package worker

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"zebra/mapreduce"
	"zebra/swiftfs"
)

// Apps stored in Swift. An app is an object: a WebAssembly module (WASI
// preview 1, starting with "\0asm") or a script bundle (a tar holding
// zapp.json, see bundle.go). On its first use by a worker the app is
// downloaded, validated (the module compiled and its imports checked;
// the bundle's manifest checked and the bundle unpacked) and remembered by
// account, name and ETag. Later opens of the same version skip all of
// that; a new version (a new ETag) is validated again, and a version that
// failed validation keeps failing with the same message without being
// looked at again.

// maxAppSize bounds the size of an app object.
const maxAppSize = 256 << 20

// appKind tells how an app runs.
type appKind int

const (
	wasmApp   appKind = iota + 1 // run by the wasm sandbox
	bundleApp                    // a script bundle, run by the native sandbox
)

// app is one validated version of an app.
type app struct {
	kind appKind
	// path is the module file (wasm) or the unpacked bundle (bundle).
	path     string
	manifest zappManifest // of a bundle
}

// appEntry is a version of an app being validated or validated.
type appEntry struct {
	ready chan struct{} // closed once app or err is set
	app   *app
	err   error
}

// appCache holds the validated versions of apps on a worker.
type appCache struct {
	dir     string
	prepare func(path string) error // compiles and checks a wasm module
	mu      sync.Mutex
	byKey   map[string]*appEntry // key(account, name, etag)
	latest  map[string]string    // account\x00name → the key last validated
	// validations counts the validations made; hits the opens that found
	// a validated version.
	validations, hits atomic.Int64
}

// maxApps bounds the versions kept; past it the cache starts over.
const maxApps = 1024

func newAppCache(dir string, prepare func(string) error) (*appCache, error) {
	// Versions of an earlier run of the worker are not trusted: start empty.
	if err := os.RemoveAll(dir); err != nil {
		return nil, fmt.Errorf("clear app cache %s: %w", dir, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("make app cache %s: %w", dir, err)
	}
	return &appCache{dir: dir, prepare: prepare, byKey: map[string]*appEntry{}, latest: map[string]string{}}, nil
}

// get returns the validated app info describes (found in fs's account),
// validating it first if this version was not seen; hit tells whether it
// was. A validation failure is an *appError.
func (c *appCache) get(ctx context.Context, fs *swiftfs.FS, account string, info swiftfs.ObjectInfo) (a *app, hit bool, err error) {
	name := strings.TrimPrefix(info.Name, "/")
	if info.ETag == "" {
		return nil, false, &appError{app: name, msg: "is a large object manifest; upload apps as plain objects (at most 5 GiB)"}
	}
	if info.Size > maxAppSize {
		return nil, false, &appError{app: name, msg: fmt.Sprintf("is %d bytes, more than the %d MiB an app may have", info.Size, maxAppSize>>20)}
	}
	key := account + "\x00" + name + "\x00" + info.ETag
	c.mu.Lock()
	e, ok := c.byKey[key]
	if !ok {
		if len(c.byKey) >= maxApps {
			c.byKey, c.latest = map[string]*appEntry{}, map[string]string{}
		}
		e = &appEntry{ready: make(chan struct{})}
		c.byKey[key] = e
	}
	c.mu.Unlock()
	if ok {
		select {
		case <-e.ready:
		case <-ctx.Done():
			return nil, false, ctx.Err()
		}
		c.hits.Add(1)
		return e.app, true, e.err
	}
	// Others may wait for this validation: it does not end with this
	// request.
	vctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), prepareTimeout)
	e.app, e.err = c.validate(vctx, fs, name, info, key)
	cancel()
	if e.err != nil && !isAppError(e.err) {
		// A failure to download is not the app's: try again next time.
		c.mu.Lock()
		delete(c.byKey, key)
		c.mu.Unlock()
	} else {
		c.replaced(account+"\x00"+name, key)
	}
	close(e.ready)
	return e.app, false, e.err
}

// replaced forgets the older version of an app once key is validated,
// removing its module file (a bundle's directory may be in use by a run,
// it stays until the worker restarts).
func (c *appCache) replaced(appKey, key string) {
	c.mu.Lock()
	old := c.latest[appKey]
	c.latest[appKey] = key
	var oe *appEntry
	if old != "" && old != key {
		oe = c.byKey[old]
		delete(c.byKey, old)
	}
	c.mu.Unlock()
	if oe != nil && oe.app != nil && oe.app.kind == wasmApp {
		os.Remove(oe.app.path) // compiled already: runs need the file no more
	}
}

// validate downloads and checks one version of an app.
func (c *appCache) validate(ctx context.Context, fs *swiftfs.FS, name string, info swiftfs.ObjectInfo, key string) (*app, error) {
	c.validations.Add(1)
	rc, _, err := fs.OpenVersion(ctx, info)
	if err != nil {
		return nil, fmt.Errorf("read app %s: %w", name, err)
	}
	defer rc.Close()
	code, err := io.ReadAll(io.LimitReader(rc, maxAppSize+1))
	if err != nil {
		return nil, fmt.Errorf("read app %s: %w", name, err)
	}
	sum := sha256.Sum256([]byte(key))
	base := filepath.Join(c.dir, hex.EncodeToString(sum[:12]))
	switch {
	case bytes.HasPrefix(code, []byte("\x00asm")):
		path := base + ".wasm"
		if err := writeFileAtomic(path, code); err != nil {
			return nil, fmt.Errorf("store app %s: %w", name, err)
		}
		if c.prepare == nil {
			return nil, &appError{app: name, msg: "is a WebAssembly module, but this worker has no wasm sandbox"}
		}
		if err := c.prepare(path); err != nil {
			os.Remove(path)
			msg := err.Error()
			var me *mapreduce.Error
			if errors.As(err, &me) && me.Err != nil {
				msg = me.Err.Error() // without the cache file's path
			}
			return nil, &appError{app: name, msg: "is not a WASI preview 1 command zebra can run: " + msg}
		}
		return &app{kind: wasmApp, path: path}, nil
	case isTar(code):
		// A fresh directory: one of an earlier validation of this version
		// (before the cache started over) may still be in use by a run.
		dir, err := os.MkdirTemp(c.dir, filepath.Base(base)+"-*")
		if err == nil {
			err = os.Chmod(dir, 0o755) // the task's user reads it
		}
		if err != nil {
			return nil, fmt.Errorf("store app %s: %w", name, err)
		}
		m, err := unpackBundle(code, dir)
		if err != nil {
			os.RemoveAll(dir)
			return nil, &appError{app: name, msg: err.Error()}
		}
		return &app{kind: bundleApp, path: dir, manifest: m}, nil
	}
	return nil, &appError{app: name, msg: "is neither a WebAssembly module (it does not start with \\0asm) nor a tar bundle holding " + manifestName}
}

// appError is an app that failed validation.
type appError struct {
	app string
	msg string
}

func (e *appError) Error() string { return "app " + e.app + " " + e.msg }

func isAppError(err error) bool {
	var ae *appError
	return errors.As(err, &ae)
}

func writeFileAtomic(path string, b []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o444); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
