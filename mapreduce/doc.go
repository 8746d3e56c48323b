// Package mapreduce is zebra's engine and vocabulary: jobs, configuration,
// identifiers, splits, record readers, partitioners, the bounded-memory
// external sort (collect, spill, merge), combiners, reduce, and the output
// commit protocol.
//
// It sits in the middle of the data path:
//
//	argv → streaming → mapreduce.Job → (local executor | jobtracker) → Runner → shuffle → FS
//
// The package knows no transport, storage backend, sandbox or user interface.
// Storage arrives through the FS interface (registered per URL scheme in a
// Registry), programs run through the Runner interface, and the user's map
// and reduce logic through the Mapper and Reducer interfaces. It imports only
// the standard library; layering_test.go enforces that.
//
// Start reading at job.go (Job, Mapper, Reducer), then local.go (the
// in-process executor that runs a Job with parallel tasks), sort.go (the
// map-side buffer and spills) and merge.go (the reduce-side merge).
package mapreduce
