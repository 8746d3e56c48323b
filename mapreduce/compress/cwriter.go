package compress

/*
#include <stdlib.h>
#include <string.h>
*/
import "C"

import (
	"errors"
	"io"
	"unsafe"
)

// bufSize is the size of the C-side input and output buffers.
const bufSize = 64 << 10

// cStream is a C library's compression stream (zlib's z_stream, libbz2's
// bz_stream), initialised and held in C memory.
type cStream interface {
	// step compresses the inLen bytes at in into the bufSize bytes at out,
	// towards the stream's end when finish. It reports how many bytes of
	// each it used, and done once the run is complete: all input taken
	// and nothing more to give now, or with finish the stream ended.
	step(in, out unsafe.Pointer, inLen int, finish bool) (inUsed, outUsed int, done bool, err error)
	// end releases the stream's state and memory.
	end()
}

// cWriter compresses into w through a cStream. Its buffers live in C
// memory, so the C library never keeps a Go pointer. Close finishes the
// stream but does not close w.
type cWriter struct {
	name    string // the library, for messages
	w       io.Writer
	s       cStream
	in, out unsafe.Pointer
	err     error
	closed  bool
}

// newCWriter makes a writer to w through s, which it owns from now on.
func newCWriter(name string, w io.Writer, s cStream) *cWriter {
	// cgo's C.malloc never returns nil.
	return &cWriter{name: name, w: w, s: s, in: C.malloc(bufSize), out: C.malloc(bufSize)}
}

// run compresses n bytes already copied to c.in (with finish, to the
// stream's end), writing all output produced.
func (c *cWriter) run(n int, finish bool) error {
	off := 0
	for {
		inUsed, outUsed, done, err := c.s.step(unsafe.Add(c.in, off), c.out, n-off, finish)
		off += inUsed
		if outUsed > 0 {
			if _, werr := c.w.Write(C.GoBytes(c.out, C.int(outUsed))); werr != nil {
				return werr
			}
		}
		if err != nil || done {
			return err
		}
	}
}

// Write compresses p.
func (c *cWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	if c.closed {
		return 0, errors.New(c.name + ": write after close")
	}
	total := 0
	for len(p) > 0 {
		n := min(len(p), bufSize)
		C.memcpy(c.in, unsafe.Pointer(&p[0]), C.size_t(n))
		if err := c.run(n, false); err != nil {
			c.err = err
			return total, err
		}
		total += n
		p = p[n:]
	}
	return total, nil
}

// Close ends the stream and frees its C memory.
func (c *cWriter) Close() error {
	if c.closed {
		return c.err
	}
	c.closed = true
	if c.err == nil {
		c.err = c.run(0, true)
	}
	c.s.end()
	C.free(c.in)
	C.free(c.out)
	c.s, c.in, c.out = nil, nil, nil
	return c.err
}
