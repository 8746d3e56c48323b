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
	"fmt"
	"io"
	"unsafe"
)

// DefaultLevel is Java's Deflater.DEFAULT_COMPRESSION (zlib's level 6).
const DefaultLevel = -1

// zlibStream is a zlib deflate stream in C memory.
type zlibStream struct{ s *C.z_stream }

// newDeflater is a deflate writer to w at level; raw writes a raw deflate
// stream (no zlib header or trailer), as Java's Deflater with nowrap.
func newDeflater(w io.Writer, level int, raw bool) (*cWriter, error) {
	if level < -1 || level > 9 {
		return nil, fmt.Errorf("zlib: invalid compression level %d (want -1 to 9)", level)
	}
	wbits := 15
	if raw {
		wbits = -15
	}
	s := (*C.z_stream)(C.malloc(C.size_t(unsafe.Sizeof(C.z_stream{}))))
	if rc := C.zebra_deflate_init(s, C.int(level), C.int(wbits)); rc != C.Z_OK {
		C.free(unsafe.Pointer(s))
		return nil, fmt.Errorf("zlib: deflateInit2 failed (%d)", int(rc))
	}
	return newCWriter("zlib", w, zlibStream{s}), nil
}

func (z zlibStream) step(in, out unsafe.Pointer, inLen int, finish bool) (int, int, bool, error) {
	flush := C.int(C.Z_NO_FLUSH)
	if finish {
		flush = C.Z_FINISH
	}
	var inUsed, outUsed C.uint
	rc := C.zebra_deflate(z.s, (*C.uchar)(in), C.uint(inLen), (*C.uchar)(out), bufSize, flush, &inUsed, &outUsed)
	switch {
	case rc == C.Z_STREAM_END:
		return int(inUsed), int(outUsed), true, nil
	case rc != C.Z_OK && rc != C.Z_BUF_ERROR:
		return int(inUsed), int(outUsed), false, fmt.Errorf("zlib: deflate failed (%d)", int(rc))
	}
	// Without Z_FINISH, done once all input is taken and the output
	// buffer was not filled (zlib has nothing more to give now).
	return int(inUsed), int(outUsed), !finish && int(inUsed) == inLen && outUsed < bufSize, nil
}

func (z zlibStream) end() {
	C.deflateEnd(z.s)
	C.free(unsafe.Pointer(z.s))
}
