//go:build !linux

package mapreduce

import "errors"

// mapAnon has no mapping to offer here: sort buffers use heap memory.
func mapAnon(size int) ([]byte, error) {
	return nil, errors.New("anonymous mappings for sort buffers are only used on Linux")
}

func unmapAnon(b []byte) {}

func lazyFreeAnon(b []byte) {}

func strictOvercommit() bool { return false }
