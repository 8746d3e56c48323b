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
	"fmt"
	"io"
	"unsafe"
)

// bzip2Stream is a libbz2 compression stream in C memory.
type bzip2Stream struct{ s *C.bz_stream }

func newBZip2Writer(w io.Writer) (*cWriter, error) {
	s := (*C.bz_stream)(C.malloc(C.size_t(unsafe.Sizeof(C.bz_stream{}))))
	if rc := C.zebra_bz_init(s); rc != C.BZ_OK {
		C.free(unsafe.Pointer(s))
		return nil, fmt.Errorf("bzip2: BZ2_bzCompressInit failed (%d)", int(rc))
	}
	return newCWriter("bzip2", w, bzip2Stream{s}), nil
}

func (b bzip2Stream) step(in, out unsafe.Pointer, inLen int, finish bool) (int, int, bool, error) {
	action := C.int(C.BZ_RUN)
	if finish {
		action = C.BZ_FINISH
	}
	var inUsed, outUsed C.uint
	rc := C.zebra_bz_compress(b.s, (*C.char)(in), C.uint(inLen), (*C.char)(out), bufSize, action, &inUsed, &outUsed)
	switch rc {
	case C.BZ_STREAM_END:
		return int(inUsed), int(outUsed), true, nil
	case C.BZ_RUN_OK:
		return int(inUsed), int(outUsed), int(inUsed) == inLen, nil
	case C.BZ_FINISH_OK:
		return int(inUsed), int(outUsed), false, nil
	}
	return int(inUsed), int(outUsed), false, fmt.Errorf("bzip2: BZ2_bzCompress failed (%d)", int(rc))
}

func (b bzip2Stream) end() {
	C.BZ2_bzCompressEnd(b.s)
	C.free(unsafe.Pointer(b.s))
}
