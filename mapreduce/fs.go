package mapreduce

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"
)

// FileInfo describes one file or directory of an FS.
type FileInfo struct {
	// Path is the FS's own name for the entry, as accepted by its methods.
	Path    string
	Size    int64
	IsDir   bool
	ModTime time.Time
	// BlockSize is the file's block size where the store has one (HDFS),
	// which splits follow as Hadoop's FileInputFormat does; 0: none (the
	// job's fs.local.block.size applies).
	BlockSize int64
}

// FS is the storage the engine reads inputs from and writes outputs to.
// Names are slash-separated paths in the FS's own namespace. Every method may
// block and honours ctx; a name that does not exist yields an error for which
// errors.Is(err, fs.ErrNotExist) holds. Implementations are safe for
// concurrent use.
type FS interface {
	// Stat describes name.
	Stat(ctx context.Context, name string) (FileInfo, error)
	// List returns the direct children of the directory dir, in the store's
	// natural listing order (Hadoop's order on the same store).
	List(ctx context.Context, dir string) ([]FileInfo, error)
	// Open opens name for reading, positioned at byte offset off. The caller
	// closes the reader.
	Open(ctx context.Context, name string, off int64) (io.ReadCloser, error)
	// Create creates name for writing, with its parent directories; it fails
	// with fs.ErrExist if name exists. The file is complete only once Close
	// returned nil.
	Create(ctx context.Context, name string) (io.WriteCloser, error)
	// MkdirAll creates dir and its parents; existing directories are fine.
	MkdirAll(ctx context.Context, dir string) error
	// Rename moves from to to; to must not exist.
	Rename(ctx context.Context, from, to string) error
	// RemoveAll removes name and everything under it; absent is fine.
	RemoveAll(ctx context.Context, name string) error
	// URI returns name qualified the way Hadoop prints it (file:/tmp/x).
	URI(name string) string
}

// RangeOpener is implemented by file systems where an open read costs what
// the store may send rather than what is read: an object store's GET from
// an offset streams the rest of the object into the network's buffers,
// however little of it the reader takes. OpenRange is Open for a reader
// that expects to read about n bytes from off (a split): the reader it
// returns still reads on to the end of the file, as Open's does, but the
// store fetches [off, off+n) first and then only what is read beyond it,
// in small pieces (a split's record reader reads past its end only to
// finish its last record).
type RangeOpener interface {
	OpenRange(ctx context.Context, name string, off, n int64) (io.ReadCloser, error)
}

// OpenRange opens name at off for a reader that expects to read about n
// bytes (see RangeOpener): fsys's OpenRange if it has one, else Open.
func OpenRange(ctx context.Context, fsys FS, name string, off, n int64) (io.ReadCloser, error) {
	if ro, ok := fsys.(RangeOpener); ok && n > 0 {
		return ro.OpenRange(ctx, name, off, n)
	}
	return fsys.Open(ctx, name, off)
}

// Attrs are what a store may keep with a file besides its bytes: a
// ZeroCloud output device's content_type and meta.
type Attrs struct {
	ContentType string
	Meta        map[string]string
}

// IsZero reports whether a carries nothing.
func (a Attrs) IsZero() bool { return a.ContentType == "" && len(a.Meta) == 0 }

// AttrCreator is implemented by file systems that store Attrs with a file
// (Swift: Content-Type and X-Object-Meta-*), and keep them through Rename.
// Stores without it (local files, HDFS) write the bytes only.
type AttrCreator interface {
	// CreateAttrs is Create, the file carrying a.
	CreateAttrs(ctx context.Context, name string, a Attrs) (io.WriteCloser, error)
}

// Locator is implemented by file systems that know where the bytes of a
// file are stored (Swift replicas, HDFS blocks), for placing map tasks
// beside their data.
type Locator interface {
	// Locate returns the storage nodes holding a replica of the bytes
	// [off, off+n) of name, best first, each named as the worker beside it
	// registers its node (e.g. an object server's or DataNode's
	// "host:port").
	Locate(ctx context.Context, name string, off, n int64) ([]string, error)
}

// LocateSplits fills in the Hosts of every split from fsys, if it is a
// Locator; up to 16 lookups run at once. A failed lookup leaves that
// split without hosts (it is then placed anywhere) and is returned, joined
// with the others, for the caller to log.
func LocateSplits(ctx context.Context, fsys FS, splits []Split) error {
	loc, ok := fsys.(Locator)
	if !ok {
		return nil
	}
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
		sem  = make(chan struct{}, 16)
	)
	for i := range splits {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			hosts, err := loc.Locate(ctx, splits[i].Path, splits[i].Start, splits[i].Length)
			if err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("locate %s: %w", splits[i], err))
				mu.Unlock()
				return
			}
			splits[i].Hosts = hosts
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Opener makes an FS for a URL. It returns the FS and the path inside it.
type Opener func(ctx context.Context, u *url.URL, raw string) (FS, string, error)

// Registry maps URL schemes to storage backends, as database/sql maps driver
// names. cmd/zebra registers the real backends; tests register what they use.
type Registry struct {
	mu      sync.RWMutex
	openers map[string]Opener
}

// Register binds scheme (lower case, "" for plain paths) to open.
func (r *Registry) Register(scheme string, open Opener) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.openers == nil {
		r.openers = map[string]Opener{}
	}
	r.openers[scheme] = open
}

// Resolve finds the FS for raw, a URL or plain path.
func (r *Registry) Resolve(ctx context.Context, raw string) (FS, string, error) {
	scheme := ""
	if i := strings.Index(raw, ":"); i > 0 && !strings.ContainsAny(raw[:i], "/\\") {
		scheme = strings.ToLower(raw[:i])
	}
	r.mu.RLock()
	open, ok := r.openers[scheme]
	r.mu.RUnlock()
	if !ok {
		names := make([]string, 0, len(r.openers))
		for s := range r.openers {
			if s != "" {
				names = append(names, s+"://")
			}
		}
		sort.Strings(names)
		return nil, "", E("resolve path", Invalid, raw, fmt.Errorf("no file system for scheme %q (known: %s)", scheme, strings.Join(names, ", ")))
	}
	var u *url.URL
	if scheme != "" {
		var err error
		if u, err = url.Parse(raw); err != nil {
			// Glob characters such as { or [ are legal in Hadoop paths and not in
			// URLs; hand the raw string on and let the opener deal with it.
			u = &url.URL{Scheme: scheme, Opaque: raw[len(scheme)+1:]}
		}
	}
	return open(ctx, u, raw)
}

// FileStatus is a file's status as Hadoop's FileStatus carries it, for
// tools that print it (zebra fs): FileInfo plus owner, group, permission
// bits, replication and access time.
type FileStatus struct {
	FileInfo
	Owner, Group string
	// Perm holds the permission bits (fs.ModePerm), plus fs.ModeSticky.
	Perm        fs.FileMode
	Replication int
	AccessTime  time.Time
}

// StatusFS is implemented by file systems that keep owners and permissions
// (local files, HDFS). A file system without it is shown with the
// defaults the caller chooses.
type StatusFS interface {
	// StatStatus is Stat with the full status.
	StatStatus(ctx context.Context, name string) (FileStatus, error)
	// ListStatus is List with the full status of every child.
	ListStatus(ctx context.Context, dir string) ([]FileStatus, error)
}
