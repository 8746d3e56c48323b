package streaming

import (
	"os"
)

// inBufferSize is the size of the buffer records are gathered in before
// they are written to a program's stdin (Hadoop's PipeMapRed buffers its
// stdin writes in 128 KiB too).
const inBufferSize = 128 << 10

// stdinPipe makes the pipe for a program's stdin. Its write end is in
// blocking mode: the writer blocks in write(2) on its own thread while the
// pipe is full, instead of taking EAGAIN, parking in Go's network poller
// and being rescheduled by it each time the program frees some room. A
// write fails with EPIPE once the program and everything holding its
// stdin have exited or closed it. The read end is os.Pipe's, unchanged: an
// in-process runner can interrupt a read of it (a deadline), and a child
// process gets it in blocking mode from its runner's Fd. Both ends are
// close-on-exec.
//
// The pipe keeps the kernel's default capacity (64 KiB), as Hadoop's
// does: what a program that stops reading early (`head`) leaves unread
// decides, as in Hadoop, whether writing its input fails. Hadoop fails the
// task once more than the pipe and the 128 KiB buffer hold is left; a
// larger pipe would let such a task succeed where Hadoop's fails.
func stdinPipe() (r, w *os.File, err error) {
	r, w, err = os.Pipe()
	if err != nil {
		return nil, nil, err
	}
	w.Fd() // puts the descriptor in blocking mode (os.File.Fd's contract)
	return r, w, nil
}
