package archive

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Options say what an archive may hold.
type Options struct {
	// MaxBytes bounds the total size of the regular files and MaxEntries
	// the number of members (0: no bound).
	MaxBytes   int64
	MaxEntries int
	// Symlinks allows symbolic links (whose targets stay inside); without
	// it a link is an error.
	Symlinks bool
	// SkipOther skips the members it does not allow (hard links, devices,
	// FIFOs, and symlinks without Symlinks) instead of failing on them.
	SkipOther bool
	// ReadOnly clears the write bits of the files written.
	ReadOnly bool
	// Readable makes the files written readable by everyone (a root
	// worker unpacks what an unprivileged task user must read; the
	// directory unpacked into is not readable by other tasks).
	Readable bool
	// Replace lets a regular file appear again: the later copy replaces
	// the earlier (as Hadoop's FileUtil.unTar does); without it a repeated
	// member is an error.
	Replace bool
}

// Member is one member of an archive as Extract wrote it.
type Member struct {
	Name string // clean, slash-separated, relative
	Type byte   // tar.TypeDir, tar.TypeReg or tar.TypeSymlink
	Mode os.FileMode
	Size int64
	Link string // a symlink's target
}

// Error is a problem of the archive itself (not of the disk it is
// written to): a member's name, type, link or a bound.
type Error struct {
	Member string // "" for the archive as a whole
	Msg    string
	// Bound is set when the archive holds more than Options.MaxBytes
	// bytes or Options.MaxEntries members.
	Bound bool
}

func (e *Error) Error() string {
	if e.Member == "" {
		return e.Msg
	}
	return fmt.Sprintf("member %q: %s", e.Member, e.Msg)
}

// Extract unpacks the tar stream r into dir (created if needed; existing
// files are never replaced) and returns its members, in archive order. An
// *Error reports a bad archive; other errors are the disk's. On error dir
// may hold part of the archive: unpack into a fresh directory and remove it
// on failure.
func Extract(r io.Reader, dir string, o Options) ([]Member, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	x := &extractor{dir: dir, o: o, links: map[string]string{}, seen: map[string]byte{}}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if len(x.members) == 0 {
				return nil, &Error{Msg: fmt.Sprintf("not a tar archive: %v", err)}
			}
			return nil, &Error{Msg: fmt.Sprintf("broken tar archive after %d members: %v", len(x.members), err)}
		}
		if err := x.member(h, tr); err != nil {
			return nil, err
		}
	}
	for name, target := range x.links {
		if _, err := x.resolve(path.Join(path.Dir(name), target)); err != nil {
			return nil, &Error{Member: name, Msg: fmt.Sprintf("the link's target %s %v", target, err)}
		}
	}
	return x.members, nil
}

type extractor struct {
	dir     string
	o       Options
	members []Member
	links   map[string]string // symlink name -> target
	seen    map[string]byte   // member name -> type
	bytes   int64
}

func (x *extractor) member(h *tar.Header, r io.Reader) error {
	switch h.Typeflag {
	case tar.TypeXGlobalHeader, tar.TypeXHeader, tar.TypeGNULongName, tar.TypeGNULongLink:
		return nil // metadata of the members, applied by archive/tar
	}
	bad := func(format string, args ...any) error {
		return &Error{Member: h.Name, Msg: fmt.Sprintf(format, args...)}
	}
	if h.Name == "" || strings.ContainsRune(h.Name, 0) {
		return bad("empty or invalid name")
	}
	if strings.HasPrefix(h.Name, "/") {
		return bad("an absolute name")
	}
	name := path.Clean(h.Name)
	if name == ".." || strings.HasPrefix(name, "../") {
		return bad("the name leaves the archive")
	}
	if name == "." {
		return nil // the top directory itself
	}
	for p := path.Dir(name); p != "."; p = path.Dir(p) {
		if _, ok := x.links[p]; ok {
			return bad("written through the symlink %s", p)
		}
	}
	if isSparse(h) {
		// archive/tar reads a sparse file's holes as zeros: a few bytes of
		// archive would write its declared size to the disk.
		return bad("a sparse file (%d bytes declared): sparse members are not allowed; make the tar without --sparse", h.Size)
	}
	typ := h.Typeflag
	switch typ {
	case tar.TypeDir, tar.TypeReg, tar.TypeSymlink: // archive/tar reports old-style files as TypeReg
	default:
		if x.o.SkipOther {
			return nil
		}
		return bad("%s members are not allowed (only directories, regular files%s)", typeName(typ), map[bool]string{true: " and symlinks", false: ""}[x.o.Symlinks])
	}
	if prev, ok := x.seen[name]; ok && (prev != tar.TypeDir || typ != tar.TypeDir) {
		if !x.o.Replace || prev != tar.TypeReg || typ != tar.TypeReg {
			return bad("appears twice")
		}
		// The earlier copy is a regular file this extraction wrote (not a
		// link): remove it and its entry, and write the later one.
		if err := os.Remove(filepath.Join(x.dir, filepath.FromSlash(name))); err != nil {
			return err
		}
		for i := range x.members {
			if x.members[i].Name == name {
				x.bytes -= x.members[i].Size
				x.members = append(x.members[:i], x.members[i+1:]...)
				break
			}
		}
	}
	x.seen[name] = typ
	if x.o.MaxEntries > 0 && len(x.members) >= x.o.MaxEntries {
		return &Error{Msg: fmt.Sprintf("more than %d members", x.o.MaxEntries), Bound: true}
	}
	p := filepath.Join(x.dir, filepath.FromSlash(name))
	m := Member{Name: name, Type: typ, Mode: os.FileMode(h.Mode).Perm()}
	switch typ {
	case tar.TypeDir:
		if err := os.MkdirAll(p, 0o755); err != nil {
			return err
		}
	case tar.TypeSymlink:
		if !x.o.Symlinks {
			if x.o.SkipOther {
				return nil
			}
			return bad("symlinks are not allowed")
		}
		t := h.Linkname
		switch {
		case t == "" || strings.ContainsRune(t, 0):
			return bad("a symlink without a target")
		case strings.HasPrefix(t, "/"):
			return bad("the symlink's target %s is absolute (only relative targets inside the archive are allowed)", t)
		}
		if j := path.Join(path.Dir(name), t); j == ".." || strings.HasPrefix(j, "../") {
			return bad("the symlink's target %s leaves the archive", t)
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.Symlink(filepath.FromSlash(t), p); err != nil {
			return err
		}
		x.links[name] = t
		m.Link = t
	case tar.TypeReg:
		if h.Size < 0 {
			return bad("negative size")
		}
		x.bytes += h.Size
		if x.o.MaxBytes > 0 && x.bytes > x.o.MaxBytes {
			return &Error{Msg: fmt.Sprintf("its files hold more than %d bytes", x.o.MaxBytes), Bound: true}
		}
		perm := m.Mode&0o755 | 0o400
		if x.o.Readable {
			perm |= 0o444
		}
		if x.o.ReadOnly {
			perm &^= 0o222
		}
		if err := writeFile(p, r, h.Size, perm|0o200); err != nil {
			return err
		}
		if x.o.ReadOnly {
			if err := os.Chmod(p, perm); err != nil {
				return err
			}
		}
		m.Size = h.Size
	}
	x.members = append(x.members, m)
	return nil
}

// isSparse reports whether h is a sparse file, in GNU's old format or as
// GNU's PAX records (formats 0.0, 0.1 and 1.0).
func isSparse(h *tar.Header) bool {
	if h.Typeflag == tar.TypeGNUSparse {
		return true
	}
	for k := range h.PAXRecords {
		if strings.HasPrefix(k, "GNU.sparse.") {
			return true
		}
	}
	return false
}

func writeFile(p string, r io.Reader, size int64, perm os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	n, err := io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && n != size {
		err = &Error{Member: p, Msg: fmt.Sprintf("truncated: %d of %d bytes", n, size)}
	}
	return err
}

// maxHops bounds the links followed in resolving one path (the kernel's
// limit is 40).
const maxHops = 40

// resolve follows the relative path rel (clean, slash-separated) inside
// the archive as the kernel would, through the archive's symlinks, and
// returns the clean path it ends at. Missing components are taken as they
// are written; going above the top is an error.
func (x *extractor) resolve(rel string) (string, error) {
	var done []string // resolved components so far
	todo := strings.Split(rel, "/")
	hops := 0
	for len(todo) > 0 {
		c := todo[0]
		todo = todo[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			if len(done) == 0 {
				return "", errors.New("leaves the archive")
			}
			done = done[:len(done)-1]
			continue
		}
		cur := path.Join(append(done, c)...)
		t, ok := x.links[cur]
		if !ok {
			done = append(done, c)
			continue
		}
		if hops++; hops > maxHops {
			return "", errors.New("goes through too many links")
		}
		todo = append(strings.Split(t, "/"), todo...)
	}
	return path.Join(done...), nil
}

func typeName(t byte) string {
	switch t {
	case tar.TypeLink:
		return "hard link"
	case tar.TypeChar:
		return "character device"
	case tar.TypeBlock:
		return "block device"
	case tar.TypeFifo:
		return "FIFO"
	}
	return fmt.Sprintf("type %q", t)
}
