package shuffle

/*
#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

// zebra_shuffle_mallopt sets glibc's mmap and trim thresholds to bytes and
// returns 1 if both were set, 0 if not (a C library other than glibc).
static int zebra_shuffle_mallopt(int bytes) {
#ifdef __GLIBC__
	return mallopt(M_MMAP_THRESHOLD, bytes) == 1 && mallopt(M_TRIM_THRESHOLD, bytes) == 1;
#else
	return 0;
#endif
}

static int zebra_shuffle_glibc(void) {
#ifdef __GLIBC__
	return 1;
#else
	return 0;
#endif
}
*/
import "C"

import (
	"os"
	"strings"
	"sync"
)

// mallocThreshold is the mmap and trim threshold tuneMalloc sets: the
// largest glibc allows for the mmap threshold on 64-bit machines.
const mallocThreshold = 32 << 20

var tuneMallocOnce sync.Once

// glibc is whether the C library is glibc, whose malloc tuneMalloc tunes.
var glibc = C.zebra_shuffle_glibc() == 1

// tuneMalloc keeps the C heap's memory for ZeroMQ's messages from going
// back to the kernel after each message, once per process: Listen and
// Fetch call it. ZeroMQ copies every frame it sends into memory it
// mallocs, and the I/O thread mallocs every frame it receives; with glibc's
// default (dynamic) thresholds, frames of a batch's size are mapped and
// unmapped, or the heap's top trimmed, over and over, and every page of
// every batch is faulted in and zeroed again by the kernel (measured: about
// three times the page faults of the fetch's payload, a tenth of its CPU
// time on each side). With both thresholds at 32 MiB, frames up to that
// size come from the heap and up to 32 MiB of free memory at a heap's top
// is kept for the next ones; the process's C heap then stays at its peak
// (at most a fetch window's or a server's queued batches, plus 32 MiB per
// malloc arena: glibc makes up to 8 per core as threads contend, so up to
// 512 MiB on 2 cores in the worst case) instead of shrinking.
//
// It does nothing if the process's environment tunes glibc's malloc
// (glibc.malloc tunables in GLIBC_TUNABLES, or MALLOC_*_ variables): the
// operator's choice stands. It reports whether this call set the
// thresholds.
func tuneMalloc() (set bool) {
	tuneMallocOnce.Do(func() {
		if strings.Contains(os.Getenv("GLIBC_TUNABLES"), "glibc.malloc.") {
			return
		}
		for _, kv := range os.Environ() {
			if strings.HasPrefix(kv, "MALLOC_") {
				return
			}
		}
		set = glibc && C.zebra_shuffle_mallopt(mallocThreshold) == 1
	})
	return set
}
