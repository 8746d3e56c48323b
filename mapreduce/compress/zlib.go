// Package compress writes compressed part files byte for byte as Hadoop's
// codecs do when Hadoop runs without its native library (libhadoop): the
// pure-Java GzipCodec and DefaultCodec, both java.util.zip.Deflater, which
// is the system zlib at its default level. Go's compress/flate produces a
// valid but different stream, so zlib itself is used through cgo.
//
// A Hadoop install with native libhadoop writes the same deflate data but
// a gzip header whose OS byte is 3 (Unix) instead of 0.
package compress

/*
#cgo LDFLAGS: -lz
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

// Java's Deflater(level, nowrap): deflateInit2 with DEF_MEM_LEVEL 8 and the
// default strategy; nowrap is a raw stream (negative window bits).
static int zebra_deflate_init(z_stream *s, int level, int wbits) {
	memset(s, 0, sizeof(*s));
	return deflateInit2(s, level, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY);
}

// zebra_deflate runs deflate over in[0:inlen] into out[0:outlen] and
// reports how much of each was used.
static int zebra_deflate(z_stream *s, unsigned char *in, unsigned inlen, unsigned char *out, unsigned outlen, int flush, unsigned *inused, unsigned *outused) {
	s->next_in = in;
	s->avail_in = inlen;
	s->next_out = out;
	s->avail_out = outlen;
	int rc = deflate(s, flush);
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

// bufSize is the size of the C-side input and output buffers.
const bufSize = 64 << 10

// DefaultLevel is Java's Deflater.DEFAULT_COMPRESSION (zlib's level 6).
const DefaultLevel = -1

// deflater is a zlib deflate stream writing to w. Its z_stream and buffers
// live in C memory, so no Go pointer is ever kept by zlib.
type deflater struct {
	w      io.Writer
	strm   *C.z_stream
	in     *C.uchar
	out    *C.uchar
	err    error
	closed bool
}

func newDeflater(w io.Writer, level int, raw bool) (*deflater, error) {
	if level < -1 || level > 9 {
		return nil, fmt.Errorf("zlib: invalid compression level %d (want -1 to 9)", level)
	}
	wbits := 15
	if raw {
		wbits = -15
	}
	d := &deflater{w: w}
	d.strm = (*C.z_stream)(C.calloc(1, C.size_t(unsafe.Sizeof(C.z_stream{}))))
	d.in = (*C.uchar)(C.malloc(bufSize))
	d.out = (*C.uchar)(C.malloc(bufSize))
	if d.strm == nil || d.in == nil || d.out == nil {
		d.free()
		return nil, errors.New("zlib: out of memory")
	}
	if rc := C.zebra_deflate_init(d.strm, C.int(level), C.int(wbits)); rc != C.Z_OK {
		d.free()
		return nil, fmt.Errorf("zlib: deflateInit2 failed (%d)", int(rc))
	}
	return d, nil
}

func (d *deflater) free() {
	C.free(unsafe.Pointer(d.strm))
	C.free(unsafe.Pointer(d.in))
	C.free(unsafe.Pointer(d.out))
	d.strm, d.in, d.out = nil, nil, nil
}

// run deflates n bytes already copied to d.in with the given flush mode,
// writing all output produced.
func (d *deflater) run(n int, flush C.int) error {
	off := 0
	for {
		var inUsed, outUsed C.uint
		rc := C.zebra_deflate(d.strm, (*C.uchar)(unsafe.Add(unsafe.Pointer(d.in), off)), C.uint(n-off), d.out, bufSize, flush, &inUsed, &outUsed)
		off += int(inUsed)
		if outUsed > 0 {
			if _, err := d.w.Write(C.GoBytes(unsafe.Pointer(d.out), C.int(outUsed))); err != nil {
				return err
			}
		}
		switch {
		case rc == C.Z_STREAM_END:
			return nil
		case rc != C.Z_OK && rc != C.Z_BUF_ERROR:
			return fmt.Errorf("zlib: deflate failed (%d)", int(rc))
		}
		// Without Z_FINISH, done once all input is taken and the output
		// buffer was not filled (zlib has nothing more to give now).
		if flush != C.Z_FINISH && off == n && outUsed < bufSize {
			return nil
		}
	}
}

// Write compresses p.
func (d *deflater) Write(p []byte) (int, error) {
	if d.err != nil {
		return 0, d.err
	}
	if d.closed {
		return 0, errors.New("zlib: write after close")
	}
	total := 0
	for len(p) > 0 {
		n := min(len(p), bufSize)
		C.memcpy(unsafe.Pointer(d.in), unsafe.Pointer(&p[0]), C.size_t(n))
		if err := d.run(n, C.Z_NO_FLUSH); err != nil {
			d.err = err
			return total, err
		}
		total += n
		p = p[n:]
	}
	return total, nil
}

// finish ends the deflate stream and frees zlib's state.
func (d *deflater) finish() error {
	if d.closed {
		return d.err
	}
	d.closed = true
	if d.err == nil {
		d.err = d.run(0, C.Z_FINISH)
	}
	C.deflateEnd(d.strm)
	d.free()
	return d.err
}
