package mapreduce

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"
)

// mapAnon maps size bytes of private anonymous memory, reserving no swap
// for it: its pages are allocated (zero) when first touched.
func mapAnon(size int) ([]byte, error) {
	if size <= 0 {
		return nil, fmt.Errorf("map %d bytes of sort buffer memory: size must be positive", size)
	}
	b, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANONYMOUS|syscall.MAP_NORESERVE)
	if err != nil {
		return nil, fmt.Errorf("map %d bytes of sort buffer memory: %w", size, err)
	}
	if hugePages {
		// Sorting reads and swaps records all over the buffer: with 4 KiB
		// pages nearly every access misses the TLB. Where transparent huge
		// pages are only given on request (the "madvise" setting), ask for
		// them; where they are off this changes nothing.
		syscall.Madvise(b, syscall.MADV_HUGEPAGE)
	}
	return b, nil
}

// hugePages makes mapAnon ask for transparent huge pages (tests and
// benchmarks that compare turn it off).
var hugePages = true

// unmapAnon unmaps memory from mapAnon.
func unmapAnon(b []byte) {
	if err := syscall.Munmap(b); err != nil {
		// Only a slice that did not come from mapAnon gets here.
		panic(fmt.Sprintf("unmap sort buffer memory: %v", err))
	}
}

// lazyFreeAnon tells the kernel it may reclaim the pages of b, memory from
// mapAnon, whenever it needs them; until then they keep their contents. A
// kernel without MADV_FREE (before 4.5) keeps them resident as before.
func lazyFreeAnon(b []byte) {
	syscall.Madvise(b, madvFree)
}

// madvFree is MADV_FREE, which package syscall does not name.
const madvFree = 8

// strictOvercommit says whether the kernel charges every private writable
// mapping in full against its commit limit (vm.overcommit_memory 2, where
// MAP_NORESERVE is ignored): then a sort buffer's reservation of its
// largest size would count as used memory, for this process and for every
// other on the host, so sort buffers use heap memory that grows instead.
// Read once per process.
var strictOvercommit = sync.OnceValue(func() bool {
	b, err := os.ReadFile("/proc/sys/vm/overcommit_memory")
	return err == nil && strings.TrimSpace(string(b)) == "2"
})
