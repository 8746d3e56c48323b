package streaming

import (
	"io"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// outPipeSize is the capacity asked for a program's stdout pipe (the
// unprivileged maximum by default, /proc/sys/fs/pipe-max-size); the kernel's
// 64 KiB stays if it refuses.
const outPipeSize = 1 << 20

// outGather and outGatherWait: after a read of fewer than outGather bytes
// (the program writes slower than the reader reads, typically one write(2)
// per record with PYTHONUNBUFFERED=1), the reader waits outGatherWait
// before its next read, so that the program's next writes gather in the
// pipe and are read with one system call and one wake-up instead of one
// each. The wait is bounded and taken only while the pipe is nearly empty:
// a program would have to write outPipeSize bytes within outGatherWait
// (10 GB/s) to find the pipe full, so it never waits on the reader because
// of it; a program that writes fast gets large reads and no wait at all.
const (
	outGather     = 16 << 10
	outGatherWait = 200 * time.Microsecond
)

// stdoutPipe makes the pipe for a program's stdout. Its read end is a
// blocking descriptor outside Go's network poller: the reader (see
// gatherReader) sleeps in read(2) on its own thread instead of going
// through the poller (EAGAIN, epoll, rescheduling) for every write the
// program makes. Both ends are close-on-exec; the write end is handed to
// the runner as any *os.File.
func stdoutPipe() (r, w *os.File, err error) {
	var p [2]int
	if err := syscall.Pipe2(p[:], syscall.O_CLOEXEC); err != nil {
		return nil, nil, os.NewSyscallError("pipe2", err)
	}
	unix.FcntlInt(uintptr(p[0]), unix.F_SETPIPE_SZ, outPipeSize) // best effort
	return os.NewFile(uintptr(p[0]), "|0"), os.NewFile(uintptr(p[1]), "|1"), nil
}

// gatherReader reads a program's stdout from a stdoutPipe, waiting
// outGatherWait after each short read (see outGather). It returns the
// bytes as they were written; it ends, like any pipe read, at EOF when the
// program and everything holding the write end have exited or closed it.
type gatherReader struct {
	f     *os.File
	short bool // the last read returned fewer than outGather bytes
}

func (g *gatherReader) Read(p []byte) (int, error) {
	if g.short && len(p) >= outGather {
		time.Sleep(outGatherWait)
	}
	n, err := g.f.Read(p)
	g.short = n < outGather
	return n, err
}

var _ io.Reader = (*gatherReader)(nil)
