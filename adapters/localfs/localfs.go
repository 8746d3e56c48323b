// Package localfs is mapreduce.FS over local files: plain paths and file://
// URLs, as Hadoop's LocalFileSystem. Like Hadoop's checksummed local file
// system it can keep a hidden ".<name>.crc" sibling for every file it writes
// (CRC-32 per 512 bytes), so output directories match Hadoop's byte for byte.
package localfs

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"zebra/mapreduce"
)

var _ mapreduce.FS = (*FS)(nil)

// FS is the local file system. The zero value writes no checksum files.
type FS struct {
	// Checksums makes Create write Hadoop-format .crc siblings and Rename
	// move them along.
	Checksums bool
}

// BytesPerChecksum is Hadoop's file.bytes-per-checksum default.
const BytesPerChecksum = 512

// Register binds plain paths and file:// URLs to fsys in r.
func Register(r *mapreduce.Registry, fsys *FS) {
	open := func(_ context.Context, u *url.URL, raw string) (mapreduce.FS, string, error) {
		p, err := PathOf(raw)
		if err != nil {
			return nil, "", err
		}
		return fsys, p, nil
	}
	r.Register("", open)
	r.Register("file", open)
}

// PathOf turns a plain path or file: URL into an absolute, clean local path.
func PathOf(raw string) (string, error) {
	p := raw
	if strings.HasPrefix(strings.ToLower(p), "file:") {
		p = p[len("file:"):]
		if strings.HasPrefix(p, "//") {
			rest := p[2:]
			i := strings.IndexByte(rest, '/')
			if i < 0 {
				return "", mapreduce.E("resolve path", mapreduce.Invalid, raw, errors.New("file URL has no path"))
			}
			if host := rest[:i]; host != "" && host != "localhost" {
				return "", mapreduce.E("resolve path", mapreduce.Invalid, raw, fmt.Errorf("file URL names host %q; only local files are supported", host))
			}
			p = rest[i:]
		}
	}
	if p == "" {
		return "", mapreduce.E("resolve path", mapreduce.Invalid, raw, errors.New("empty path"))
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", mapreduce.E("resolve path", mapreduce.Invalid, raw, err)
	}
	return abs, nil
}

func info(p string, fi fs.FileInfo) mapreduce.FileInfo {
	return mapreduce.FileInfo{Path: p, Size: fi.Size(), IsDir: fi.IsDir(), ModTime: fi.ModTime()}
}

// Stat implements mapreduce.FS.
func (f *FS) Stat(_ context.Context, name string) (mapreduce.FileInfo, error) {
	fi, err := os.Stat(name)
	if err != nil {
		return mapreduce.FileInfo{}, mapreduce.E("stat", mapreduce.Other, name, err)
	}
	return info(name, fi), nil
}

// List implements mapreduce.FS, in directory order (as Hadoop's
// RawLocalFileSystem lists, unsorted). With Checksums, .crc siblings are
// not listed.
func (f *FS) List(_ context.Context, dir string) ([]mapreduce.FileInfo, error) {
	d, err := os.Open(dir)
	if err != nil {
		return nil, mapreduce.E("list", mapreduce.Other, dir, err)
	}
	defer d.Close()
	entries, err := d.ReadDir(-1)
	if err != nil {
		return nil, mapreduce.E("list", mapreduce.Other, dir, err)
	}
	out := make([]mapreduce.FileInfo, 0, len(entries))
	for _, e := range entries {
		if f.Checksums && isCRC(e.Name()) {
			continue // a checksummed FS hides its checksum files, as Hadoop's does
		}
		p := filepath.Join(dir, e.Name())
		fi, err := os.Stat(p) // follow symlinks, as Hadoop does
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return nil, mapreduce.E("list", mapreduce.Other, p, err)
		}
		out = append(out, info(p, fi))
	}
	return out, nil
}

// Open implements mapreduce.FS.
func (f *FS) Open(_ context.Context, name string, off int64) (io.ReadCloser, error) {
	fh, err := os.Open(name)
	if err != nil {
		return nil, mapreduce.E("open", mapreduce.Other, name, err)
	}
	if off != 0 {
		if _, err := fh.Seek(off, io.SeekStart); err != nil {
			fh.Close()
			return nil, mapreduce.E("open", mapreduce.Other, name, err)
		}
	}
	return fh, nil
}

// Create implements mapreduce.FS.
func (f *FS) Create(_ context.Context, name string) (io.WriteCloser, error) {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return nil, mapreduce.E("create", mapreduce.Other, name, err)
	}
	fh, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, mapreduce.E("create", mapreduce.Other, name, err)
	}
	if !f.Checksums {
		return fh, nil
	}
	return &crcWriter{f: fh, name: name}, nil
}

// MkdirAll implements mapreduce.FS.
func (f *FS) MkdirAll(_ context.Context, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return mapreduce.E("mkdir", mapreduce.Other, dir, err)
	}
	return nil
}

// Rename implements mapreduce.FS.
func (f *FS) Rename(_ context.Context, from, to string) error {
	if _, err := os.Lstat(to); err == nil {
		return mapreduce.E("rename", mapreduce.Exist, to, fs.ErrExist)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return mapreduce.E("rename", mapreduce.Other, to, err)
	}
	if err := os.Rename(from, to); err != nil {
		return mapreduce.E("rename", mapreduce.Other, from, err)
	}
	if f.Checksums {
		src := crcName(from)
		if _, err := os.Lstat(src); err == nil {
			if err := os.Rename(src, crcName(to)); err != nil {
				return mapreduce.E("rename checksum", mapreduce.Other, src, err)
			}
		}
	}
	return nil
}

// RemoveAll implements mapreduce.FS.
func (f *FS) RemoveAll(_ context.Context, name string) error {
	if err := os.RemoveAll(name); err != nil {
		return mapreduce.E("remove", mapreduce.Other, name, err)
	}
	if f.Checksums {
		os.Remove(crcName(name))
	}
	return nil
}

// URI implements mapreduce.FS: file:/abs/path, as Hadoop prints local paths.
func (f *FS) URI(name string) string { return "file:" + filepath.ToSlash(name) }

func isCRC(base string) bool {
	return strings.HasPrefix(base, ".") && strings.HasSuffix(base, ".crc")
}

func crcName(name string) string {
	return filepath.Join(filepath.Dir(name), "."+filepath.Base(name)+".crc")
}

// crcWriter writes a file and, on Close, its Hadoop checksum sibling: the
// bytes "crc\x00", the chunk size as a big-endian int32, then the big-endian
// CRC-32 of every 512-byte chunk (the last may be shorter).
type crcWriter struct {
	f     *os.File
	name  string
	sums  []byte
	chunk []byte
	side  int64 // the .crc file's size, once written
}

func (w *crcWriter) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	q := p[:n]
	for len(q) > 0 {
		room := BytesPerChecksum - len(w.chunk)
		if len(w.chunk) == 0 && len(q) >= BytesPerChecksum {
			w.sums = binary.BigEndian.AppendUint32(w.sums, crc32.ChecksumIEEE(q[:BytesPerChecksum]))
			q = q[BytesPerChecksum:]
			continue
		}
		take := min(room, len(q))
		w.chunk = append(w.chunk, q[:take]...)
		q = q[take:]
		if len(w.chunk) == BytesPerChecksum {
			w.sums = binary.BigEndian.AppendUint32(w.sums, crc32.ChecksumIEEE(w.chunk))
			w.chunk = w.chunk[:0]
		}
	}
	if err != nil {
		return n, mapreduce.E("write", mapreduce.Other, w.name, err)
	}
	return n, nil
}

func (w *crcWriter) Close() error {
	if len(w.chunk) > 0 {
		w.sums = binary.BigEndian.AppendUint32(w.sums, crc32.ChecksumIEEE(w.chunk))
		w.chunk = nil
	}
	if err := w.f.Close(); err != nil {
		return mapreduce.E("close", mapreduce.Other, w.name, err)
	}
	hdr := []byte{'c', 'r', 'c', 0, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(hdr[4:], BytesPerChecksum)
	if err := os.WriteFile(crcName(w.name), append(hdr, w.sums...), 0o644); err != nil {
		return mapreduce.E("write checksum", mapreduce.Other, w.name, err)
	}
	w.side = int64(len(hdr) + len(w.sums))
	return nil
}

// SideBytes is the size of the .crc sibling Close wrote (see
// mapreduce.SideByteser).
func (w *crcWriter) SideBytes() int64 { return w.side }
