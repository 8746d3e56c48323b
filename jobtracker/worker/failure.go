package worker

import (
	"context"
	"errors"

	"zebra/jobtracker/api"
	"zebra/mapreduce"
)

// classify says why an attempt run under ctx failed with err, for the
// jobtracker's retry policy (api.FailureKind):
//
//   - ctx ended: the jobtracker told this worker to kill the attempt or to
//     forget its job, so it was killed;
//   - the most specific cause (the innermost *mapreduce.Error with a kind)
//     is of kind Infra or Transient: the machine or storage failed (the
//     bundle could not be fetched, the input not read, the map output not
//     written, the sandbox not set up), an infrastructure failure;
//   - anything else is the job's own failure and counts: the program
//     exited non-zero, was killed by a signal or a sandbox limit (as
//     Hadoop counts a container killed for its memory), could not be
//     started, or the input, output or settings were wrong; so is an
//     error no one classified, as Hadoop counts every failure.
//
// The innermost kind decides because the engine wraps causes in broader
// operations: a sandbox that could not be set up (Infra) surfaces inside
// "start map program" (UserCode), and a corrupt record (UserCode) inside
// "read split" (Infra).
func classify(ctx context.Context, err error) api.FailureKind {
	if ctx.Err() != nil {
		return api.FailureKilled
	}
	switch innermostKind(err) {
	case mapreduce.Infra, mapreduce.Transient:
		return api.FailureInfrastructure
	}
	return api.FailureUser
}

// innermostKind is the kind of the innermost *mapreduce.Error in err's
// chain that has one (Other if none has), following every branch of a
// joined error and keeping the first kinded one found.
func innermostKind(err error) mapreduce.Kind {
	kind := mapreduce.Other
	for e := err; e != nil; {
		if me, ok := e.(*mapreduce.Error); ok && me.Kind != mapreduce.Other {
			kind = me.Kind
		}
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				if k := innermostKind(x); k != mapreduce.Other {
					return k
				}
			}
			return kind
		}
		e = errors.Unwrap(e)
	}
	return kind
}
