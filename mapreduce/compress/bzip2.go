package compress

/*
#cgo LDFLAGS: -lbz2
#include <stdlib.h>
#include <string.h>
#include <bzlib.h>

// Hadoop's pure-Java CBZip2OutputStream: block size 900k; libbz2's default
// work factor (30) writes the same blocks.
static int zebra_bz_init(bz_stream *s) {
	memset(s, 0, sizeof(*s));
	return BZ2_bzCompressInit(s, 9, 0, 0);
}

static int zebra_bz_compress(bz_stream *s, char *in, unsigned inlen, char *out, unsigned outlen, int action, unsigned *inused, unsigned *outused) {
	s->next_in = in;
	s->avail_in = inlen;
	s->next_out = out;
	s->avail_out = outlen;
	int rc = BZ2_bzCompress(s, action);
	*inused = inlen - s->avail_in;
	*outused = outlen - s->avail_out;
	s->next_in = NULL;
	s->next_out = NULL;
	return rc;
}
*/
import "C"

import (
	"errors"
	"fmt"
	"io"
	"unsafe"
)

// bzip2Writer is a libbz2 stream writing to w, its state and buffers in C
// memory.
type bzip2Writer struct {
	w      io.Writer
	strm   *C.bz_stream
	in     *C.char
	out    *C.char
	err    error
	closed bool
}

func newBZip2Writer(w io.Writer) (*bzip2Writer, error) {
	b := &bzip2Writer{w: w}
	b.strm = (*C.bz_stream)(C.calloc(1, C.size_t(unsafe.Sizeof(C.bz_stream{}))))
	b.in = (*C.char)(C.malloc(bufSize))
	b.out = (*C.char)(C.malloc(bufSize))
	if b.strm == nil || b.in == nil || b.out == nil {
		b.free()
		return nil, errors.New("bzip2: out of memory")
	}
	if rc := C.zebra_bz_init(b.strm); rc != C.BZ_OK {
		b.free()
		return nil, fmt.Errorf("bzip2: BZ2_bzCompressInit failed (%d)", int(rc))
	}
	return b, nil
}

func (b *bzip2Writer) free() {
	C.free(unsafe.Pointer(b.strm))
	C.free(unsafe.Pointer(b.in))
	C.free(unsafe.Pointer(b.out))
	b.strm, b.in, b.out = nil, nil, nil
}

// run compresses n bytes already copied to b.in; with finish, until the
// stream's end.
func (b *bzip2Writer) run(n int, finish bool) error {
	action := C.int(C.BZ_RUN)
	if finish {
		action = C.BZ_FINISH
	}
	off := 0
	for {
		var inUsed, outUsed C.uint
		rc := C.zebra_bz_compress(b.strm, (*C.char)(unsafe.Add(unsafe.Pointer(b.in), off)), C.uint(n-off), b.out, bufSize, action, &inUsed, &outUsed)
		off += int(inUsed)
		if outUsed > 0 {
			if _, err := b.w.Write(C.GoBytes(unsafe.Pointer(b.out), C.int(outUsed))); err != nil {
				return err
			}
		}
		switch rc {
		case C.BZ_STREAM_END:
			return nil
		case C.BZ_RUN_OK:
			if off == n {
				return nil
			}
		case C.BZ_FINISH_OK:
		default:
			return fmt.Errorf("bzip2: BZ2_bzCompress failed (%d)", int(rc))
		}
	}
}

// Write compresses p.
func (b *bzip2Writer) Write(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.closed {
		return 0, errors.New("bzip2: write after close")
	}
	total := 0
	for len(p) > 0 {
		n := min(len(p), bufSize)
		C.memcpy(unsafe.Pointer(b.in), unsafe.Pointer(&p[0]), C.size_t(n))
		if err := b.run(n, false); err != nil {
			b.err = err
			return total, err
		}
		total += n
		p = p[n:]
	}
	return total, nil
}

// Close ends the stream (it does not close the underlying writer).
func (b *bzip2Writer) Close() error {
	if b.closed {
		return b.err
	}
	b.closed = true
	if b.err == nil {
		b.err = b.run(0, true)
	}
	C.BZ2_bzCompressEnd(b.strm)
	b.free()
	return b.err
}
