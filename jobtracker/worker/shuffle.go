package worker

import (
	"context"

	"zebra/jobtracker/shuffle"
	"zebra/mapreduce"
)

// Shuffle moves map outputs between workers: it serves this worker's
// finished maps' outputs and fetches other workers' partitions for this
// worker's reduces. The worker is its only caller:
//
//   - Endpoint is announced at registration; other workers' Fetch calls
//     reach this worker's Shuffle there.
//   - Add is called once a map attempt has succeeded, before its success is
//     reported, with the attempt id and its output, which stays on disk (the
//     worker's) until Remove is called with the same id (the job ended or
//     was forgotten). Served outputs are read-only to the Shuffle.
//   - Fetch copies one partition of the map attempt id served at endpoint
//     into the file path (created; the caller removes it) and returns it as
//     a segment the reduce merges. It returns an error wrapping
//     shuffle.ErrNotFound if the server does not hold that output (the map
//     must run again), another error for a fetch that may succeed later.
//
// Add, Remove and Fetch may be called from many goroutines at once.
// ZeroMQ's (package jobtracker/shuffle) is the one Run uses unless
// Config.Transport is set; tests use an in-memory one.
type Shuffle interface {
	Endpoint() string
	Add(id string, out mapreduce.MapOutput)
	Remove(id string)
	Fetch(ctx context.Context, endpoint, id string, partition int, path string) (mapreduce.Segment, error)
}

// zmqShuffle is Shuffle over package shuffle's server and fetcher.
type zmqShuffle struct {
	*shuffle.Server
	opt shuffle.FetchOptions
}

func (z zmqShuffle) Fetch(ctx context.Context, endpoint, id string, partition int, path string) (mapreduce.Segment, error) {
	return shuffle.Fetch(ctx, endpoint, id, partition, path, z.opt)
}
