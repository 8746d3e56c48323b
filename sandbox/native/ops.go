package native

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// An instance builds its root and starts its program by running a list of
// steps ("ops") that the factory (for the part done ahead, while the
// instance waits in the pool) and the Runner (at hand-over) encode for it.
// The instance runs them with raw system calls only: it is a fork of the
// factory that never re-enters the Go runtime (see instance_linux.go), so it
// cannot decode JSON or allocate. The encoding is therefore flat:
//
//	op     = kind:u32 nstr:u32 a:u64 b:u64 c:u64 str*nstr
//	str    = len:u32 bytes 0x00
//
// little-endian. The first string of every op describes it for error
// messages ("bind rw /work: ..."); the others are NUL-terminated paths and
// data.
type opKind uint32

const (
	opMount       opKind = iota + 1 // mount(src, dst, fstype, a=flags, data); "" is NULL
	opMkdir                         // mkdir(path, a=mode); an existing path is fine
	opSymlink                       // symlink(target, path)
	opWriteFile                     // create path with a=mode, write data
	opCreate                        // create an empty file path (a mount point) unless something is there
	opBind                          // bind src at dst recursively: a=MOUNT_ATTR_* set, propagation private
	opPivot                         // pivot_root(new, old), then chdir("/")
	opUmount                        // umount2(path, a=flags)
	opRmdir                         // rmdir(path)
	opOpenDir                       // open path as the program's working directory
	opMoveMount                     // move the detached mount of hand-over descriptor a to dst
	opSethostname                   // sethostname(name)
	opRlimit                        // prlimit(a=resource, cur=b, max=c)
	opUnshare                       // unshare(a=flags)
	opExec                          // the program: path, a=argc args, b=envc env; always last
)

const opHeader = 32 // kind, nstr, a, b, c

// opWriter encodes ops.
type opWriter struct {
	b   []byte
	err error
	// ptrs counts the argv and envp slots (with their NULLs) the instance
	// must set aside for an opExec.
	ptrs int
	// fds are the detached mounts of opMoveMount, handed over after the
	// stdio descriptors; the writer owns them.
	fds []int
	// path is the opExec's program.
	path string
	// maskDir is where the empty read-only tmpfs that masks directories
	// was mounted, if it was (see maskEntry).
	maskDir string
}

func (w *opWriter) closeFDs() {
	for _, fd := range w.fds {
		unix.Close(fd)
	}
	w.fds = nil
}

func (w *opWriter) op(k opKind, a, b, c uint64, desc string, strs ...string) {
	w.b = binary.LittleEndian.AppendUint32(w.b, uint32(k))
	w.b = binary.LittleEndian.AppendUint32(w.b, uint32(len(strs)+1))
	w.b = binary.LittleEndian.AppendUint64(w.b, a)
	w.b = binary.LittleEndian.AppendUint64(w.b, b)
	w.b = binary.LittleEndian.AppendUint64(w.b, c)
	w.str(desc, false)
	for _, s := range strs {
		w.str(s, k != opWriteFile)
	}
}

// str appends s; a C string must not contain NUL (it would be cut there).
func (w *opWriter) str(s string, cstring bool) {
	if cstring && strings.IndexByte(s, 0) >= 0 && w.err == nil {
		w.err = fmt.Errorf("%q contains a NUL byte", s)
	}
	w.b = binary.LittleEndian.AppendUint32(w.b, uint32(len(s)))
	w.b = append(w.b, s...)
	w.b = append(w.b, 0)
}

// mkdirAll adds the mkdir steps of os.MkdirAll(path, mode).
func (w *opWriter) mkdirAll(path string, mode uint32) {
	path = filepath.Clean(path)
	if path == "/" {
		return
	}
	w.mkdirAll(filepath.Dir(path), mode)
	w.op(opMkdir, uint64(mode), 0, 0, "mkdir "+path, path)
}

// entry adds the steps of one plan entry, reading bind sources at
// srcPrefix+Src inside the instance (the host's root is at oldRoot while
// the instance is built). The host path Src decides whether the mount point
// is a directory or a file.
func (w *opWriter) entry(m mountEntry, srcPrefix string) error {
	desc := m.String()
	switch m.Kind {
	case kindSymlink:
		w.mkdirAll(filepath.Dir(m.Dst), 0o755)
		w.op(opSymlink, 0, 0, 0, desc, m.Src, m.Dst)
	case kindFile:
		w.mkdirAll(filepath.Dir(m.Dst), 0o755)
		w.op(opWriteFile, uint64(m.Mode), 0, 0, desc, m.Dst, m.Data)
	case kindTmpfs:
		w.mkdirAll(m.Dst, 0o755)
		opts := "mode=" + strconv.FormatUint(uint64(m.Mode), 8)
		if m.Size > 0 {
			opts += ",size=" + strconv.FormatInt(m.Size, 10)
		}
		w.op(opMount, unix.MS_NOSUID|unix.MS_NODEV, 0, 0, desc, "tmpfs", m.Dst, "tmpfs", opts)
	case kindProc:
		w.mkdirAll(m.Dst, 0o555)
		w.op(opMount, unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, 0, 0, desc, "proc", m.Dst, "proc", "")
	case kindBind:
		fi, err := os.Stat(m.Src)
		if err != nil {
			return fmt.Errorf("%v: %w", m, err)
		}
		if fi.IsDir() {
			w.mkdirAll(m.Dst, 0o755)
		} else {
			w.mkdirAll(filepath.Dir(m.Dst), 0o755)
			w.op(opCreate, 0, 0, 0, desc, m.Dst)
		}
		w.op(opBind, bindAttr(m), 0, 0, desc, srcPrefix+m.Src, m.Dst)
	case kindMask, kindReadOnly, kindMqueue:
		return w.maskEntry(m)
	default:
		return fmt.Errorf("unknown mount kind %q", m.Kind)
	}
	return nil
}

// detached adds the steps that attach the detached mount of hand-over
// descriptor idx (a clone of m.Src made by the Runner) at m.Dst.
func (w *opWriter) detached(m mountEntry, isDir bool, idx int) {
	if isDir {
		w.mkdirAll(m.Dst, 0o755)
	} else {
		w.mkdirAll(filepath.Dir(m.Dst), 0o755)
		w.op(opCreate, 0, 0, 0, m.String(), m.Dst)
	}
	w.op(opMoveMount, uint64(idx), 0, 0, m.String(), m.Dst)
}

// bindAttr are the mount attributes of a bind of m.
func bindAttr(m mountEntry) uint64 {
	attr := uint64(unix.MOUNT_ATTR_NOSUID)
	if !slices.Contains(devNodes, m.Dst) {
		attr |= unix.MOUNT_ATTR_NODEV // device nodes only from the fixed list
	}
	if !m.RW {
		attr |= unix.MOUNT_ATTR_RDONLY
	}
	return attr
}

// exec adds the program to start; it must be the last op.
func (w *opWriter) exec(path string, args, env []string) {
	w.path = path
	w.op(opExec, uint64(len(args)), uint64(len(env)), 0, "exec "+path, append(append([]string{path}, args...), env...)...)
	w.ptrs += len(args) + len(env) + 2
}
