package mapreduce

import (
	"context"
	"io"
	"sort"
	"strings"
)

// Hadoop's "File System Counters" group (GroupFileSystem): per URI
// scheme, "SCHEME: " and the counter's display name (FILE: Number of
// bytes read), enum name SCHEME_BYTES_READ. A task lists the five of
// every scheme it touched, and HDFS also its erasure-coded bytes, as
// Hadoop's Task.FileSystemStatisticUpdater does.
//
// What zebra counts (countingFS): the bytes its record readers read from
// the input's file system and its output writers write to the output's,
// and, under FILE, the map output a map task writes to its local disk
// for the shuffle. Hadoop's FILE counts are larger and not reproducible:
// its local runner also counts the job's jars and staging files, its
// spills and merges (each byte as often as it is spilled and read back),
// and ChecksumFileSystem's .crc files. Operations are counted as HDFS
// counts them (an open or a listing is a read operation; a create, mkdir,
// rename or delete a write operation), except on FILE, where Hadoop's
// RawLocalFileSystem counts none and zebra neither.
const (
	fsBytesRead    = "Number of bytes read"
	fsBytesWritten = "Number of bytes written"
	fsReadOps      = "Number of read operations"
	fsLargeReadOps = "Number of large read operations"
	fsWriteOps     = "Number of write operations"
	fsBytesReadEC  = "Number of bytes read erasure-coded"
)

// fsCounterOrder is Hadoop's FileSystemCounter enum order.
var fsCounterOrder = []string{fsBytesRead, fsBytesWritten, fsReadOps, fsLargeReadOps, fsWriteOps, fsBytesReadEC}

// FileSystemOrder lists the file system group's counters of names as
// Hadoop's console does: by scheme (sorted), then in enum order.
func FileSystemOrder(names []string) []string {
	bySchemes := map[string][]string{}
	var schemes []string
	for _, n := range names {
		scheme, _, _ := strings.Cut(n, ": ")
		if _, ok := bySchemes[scheme]; !ok {
			schemes = append(schemes, scheme)
		}
		bySchemes[scheme] = append(bySchemes[scheme], n)
	}
	sort.Strings(schemes)
	var out []string
	for _, s := range schemes {
		order := make([]string, len(fsCounterOrder))
		for i, op := range fsCounterOrder {
			order[i] = s + ": " + op
		}
		out = append(out, inOrder(bySchemes[s], order)...)
	}
	return out
}

// fsScheme is the counters' name of the scheme of a qualified name
// (FILE for file:/x, HDFS for hdfs://nn/x).
func fsScheme(uri string) string {
	scheme, _, ok := strings.Cut(uri, ":")
	if !ok || scheme == "" || strings.ContainsAny(scheme, "/ ") {
		return "FILE"
	}
	return strings.ToUpper(scheme)
}

// touchScheme lists a scheme's counters in c at zero (Hadoop lists them
// once a task used the scheme).
func touchScheme(c *Counters, scheme string) {
	for _, op := range fsCounterOrder[:5] {
		c.Add(GroupFileSystem, scheme+": "+op, 0)
	}
	if scheme == "HDFS" {
		c.Add(GroupFileSystem, scheme+": "+fsBytesReadEC, 0)
	}
}

// addFS adds n to a scheme's counter op.
func addFS(c *Counters, scheme, op string, n int64) {
	touchScheme(c, scheme)
	c.Add(GroupFileSystem, scheme+": "+op, n)
}

// AddLocalBytesWritten counts n bytes a task wrote to its local disk
// (a map's output for the shuffle) as FILE bytes written.
func AddLocalBytesWritten(c *Counters, n int64) {
	addFS(c, "FILE", fsBytesWritten, n)
}

// countingFS is an FS that counts a task's use of it in c.
type countingFS struct {
	FS
	c *Counters
}

// CountingFS returns fsys counting the bytes read and written through it,
// and its operations, in c's file system group (see above). A nil c
// returns fsys.
func CountingFS(fsys FS, c *Counters) FS {
	if c == nil || fsys == nil {
		return fsys
	}
	if cf, ok := fsys.(countingFS); ok && cf.c == c {
		return fsys
	}
	return countingFS{FS: fsys, c: c}
}

func (f countingFS) op(name, op string) string {
	s := fsScheme(f.FS.URI(name))
	if s == "FILE" {
		touchScheme(f.c, s)
	} else {
		addFS(f.c, s, op, 1)
	}
	return s
}

func (f countingFS) Stat(ctx context.Context, name string) (FileInfo, error) {
	f.op(name, fsReadOps)
	return f.FS.Stat(ctx, name)
}

func (f countingFS) List(ctx context.Context, dir string) ([]FileInfo, error) {
	f.op(dir, fsReadOps)
	return f.FS.List(ctx, dir)
}

func (f countingFS) Open(ctx context.Context, name string, off int64) (io.ReadCloser, error) {
	s := f.op(name, fsReadOps)
	r, err := f.FS.Open(ctx, name, off)
	if err != nil {
		return nil, err
	}
	return &countingReadCloser{ReadCloser: r, c: f.c, scheme: s}, nil
}

// OpenRange keeps the wrapped FS's RangeOpener.
func (f countingFS) OpenRange(ctx context.Context, name string, off, n int64) (io.ReadCloser, error) {
	ro, ok := f.FS.(RangeOpener)
	if !ok {
		return f.Open(ctx, name, off)
	}
	s := f.op(name, fsReadOps)
	r, err := ro.OpenRange(ctx, name, off, n)
	if err != nil {
		return nil, err
	}
	return &countingReadCloser{ReadCloser: r, c: f.c, scheme: s}, nil
}

func (f countingFS) Create(ctx context.Context, name string) (io.WriteCloser, error) {
	s := f.op(name, fsWriteOps)
	w, err := f.FS.Create(ctx, name)
	if err != nil {
		return nil, err
	}
	return &countingWriteCloser{WriteCloser: w, c: f.c, scheme: s}, nil
}

// CreateAttrs keeps the wrapped FS's AttrCreator (a store without it
// writes the bytes only, as TextWriter does then).
func (f countingFS) CreateAttrs(ctx context.Context, name string, a Attrs) (io.WriteCloser, error) {
	ac, ok := f.FS.(AttrCreator)
	if !ok {
		return f.Create(ctx, name)
	}
	s := f.op(name, fsWriteOps)
	w, err := ac.CreateAttrs(ctx, name, a)
	if err != nil {
		return nil, err
	}
	return &countingWriteCloser{WriteCloser: w, c: f.c, scheme: s}, nil
}

func (f countingFS) MkdirAll(ctx context.Context, dir string) error {
	f.op(dir, fsWriteOps)
	return f.FS.MkdirAll(ctx, dir)
}

func (f countingFS) Rename(ctx context.Context, from, to string) error {
	f.op(from, fsWriteOps)
	return f.FS.Rename(ctx, from, to)
}

func (f countingFS) RemoveAll(ctx context.Context, name string) error {
	f.op(name, fsWriteOps)
	return f.FS.RemoveAll(ctx, name)
}

type countingReadCloser struct {
	io.ReadCloser
	c      *Counters
	scheme string
}

func (r *countingReadCloser) Read(p []byte) (int, error) {
	n, err := r.ReadCloser.Read(p)
	if n > 0 {
		r.c.Add(GroupFileSystem, r.scheme+": "+fsBytesRead, int64(n))
	}
	return n, err
}

// SideByteser is implemented by a file system's writers that write more
// than their file when they close (the local file system's .crc sibling,
// as Hadoop's ChecksumFileSystem writes it): SideBytes is how many, which
// Hadoop's file system statistics count as written too.
type SideByteser interface {
	SideBytes() int64
}

type countingWriteCloser struct {
	io.WriteCloser
	c       *Counters
	scheme  string
	written int64
}

func (w *countingWriteCloser) Write(p []byte) (int, error) {
	n, err := w.WriteCloser.Write(p)
	if n > 0 {
		w.written += int64(n)
		w.c.Add(GroupFileSystem, w.scheme+": "+fsBytesWritten, int64(n))
	}
	return n, err
}

// Close closes the file and counts what the file system wrote beside it.
func (w *countingWriteCloser) Close() error {
	err := w.WriteCloser.Close()
	if sb, ok := w.WriteCloser.(SideByteser); ok && err == nil {
		if n := sb.SideBytes(); n > 0 {
			w.written += n
			w.c.Add(GroupFileSystem, w.scheme+": "+fsBytesWritten, n)
		}
	}
	return err
}

// Written is the bytes the file system wrote for this file: the file's
// (after compression) and, once closed, its side files' (SideByteser).
// It is Hadoop's "Bytes Written" of the file output format, which Hadoop
// takes from the same file system statistics.
func (w *countingWriteCloser) Written() int64 { return w.written }

// FSBytesWritten returns the bytes a writer that CountingFS created wrote
// through its file system (see countingWriteCloser.Written); ok is false
// for any other writer.
func FSBytesWritten(w io.Writer) (n int64, ok bool) {
	cw, ok := w.(*countingWriteCloser)
	if !ok {
		return 0, false
	}
	return cw.Written(), true
}
