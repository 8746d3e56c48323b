package wasm

import (
	"context"
	"io"
	"os"
	"syscall"
	"time"
)

// dupFile duplicates f's descriptor, close-on-exec, without changing its
// blocking mode (f.Fd would).
func dupFile(f *os.File) (*os.File, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, err
	}
	var nfd uintptr
	var errno syscall.Errno
	if err := rc.Control(func(fd uintptr) {
		nfd, _, errno = syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_DUPFD_CLOEXEC, 0)
	}); err != nil {
		return nil, err
	}
	if errno != 0 {
		return nil, os.NewSyscallError("fcntl", errno)
	}
	return os.NewFile(nfd, f.Name()), nil
}

// fileReader and fileWriter hide the *os.File from wazero.
type fileReader struct{ f *os.File }

func (r fileReader) Read(p []byte) (int, error) { return r.f.Read(p) }

type fileWriter struct{ f *os.File }

func (w fileWriter) Write(p []byte) (int, error) { return w.f.Write(p) }

// ctxReader stops reading once ctx is done. It cannot interrupt a Read that
// is blocked already: pass an *os.File for that.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (r ctxReader) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	return r.r.Read(p)
}

// stdio holds an instance's three streams.
type stdio struct {
	in       io.Reader
	out, err io.Writer
	files    []*os.File // our duplicates, closed by close
}

// openStdio prepares the streams of one instance. A caller's *os.File is
// duplicated, because the caller may close its copy as soon as Start
// returns (as it may for a child process), and handed to wazero behind a
// plain Reader or Writer: wazero would take an *os.File's descriptor with
// Fd, which makes it blocking, and a read blocked in the kernel could then
// not be interrupted when the task is cancelled; through the Go poller a
// deadline interrupts it. Hiding the file also hides from the program
// whether its stdin is a pipe or a file.
func openStdio(ctx context.Context, in io.Reader, out, errw io.Writer) (*stdio, error) {
	s := &stdio{}
	if f, ok := in.(*os.File); ok {
		d, err := dupFile(f)
		if err != nil {
			return nil, err
		}
		s.files = append(s.files, d)
		s.in = fileReader{d}
	} else if in != nil {
		s.in = ctxReader{ctx, in}
	}
	var err error
	if s.out, err = s.writer(out); err == nil {
		s.err, err = s.writer(errw)
	}
	if err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

func (s *stdio) writer(w io.Writer) (io.Writer, error) {
	f, ok := w.(*os.File)
	if !ok {
		return w, nil // nil stays nil: wazero discards the output
	}
	d, err := dupFile(f)
	if err != nil {
		return nil, err
	}
	s.files = append(s.files, d)
	return fileWriter{d}, nil
}

// interrupt makes blocked and later reads and writes of the duplicated
// files fail. Files that do not support deadlines (regular files) never
// block for long anyway.
func (s *stdio) interrupt() {
	past := time.Unix(1, 0)
	for _, f := range s.files {
		f.SetDeadline(past)
	}
}

// close closes the duplicates, so that a reader of stdout sees end of file.
func (s *stdio) close() {
	for _, f := range s.files {
		f.Close()
	}
	s.files = nil
}
