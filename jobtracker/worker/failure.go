package worker

import (
	"context"
	"errors"
	"path/filepath"
	"strings"

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

// tenantPaths rewrites the worker's host paths in msg, a failure that the
// job's owner (a tenant) reads, to what the tenant knows: the attempt's
// working directory (workDir/work, where its program runs) is ".", the
// attempt's directory workDir is "..", and anything else under the
// worker's data directory is named after the worker, as its logs are
// ("w0:jobs/JOB/..."). Only whole path components match: a tenant's name
// that merely starts like a host path is not taken for one.
func tenantPaths(msg, data, workDir, worker string) string {
	type rule struct{ from, to string }
	var rules []rule
	add := func(dir, at, under string) {
		for _, d := range []string{filepath.Clean(dir), resolved(dir)} {
			if d != "" {
				rules = append(rules, rule{d, at}, rule{d + "/", under})
			}
		}
	}
	add(filepath.Join(workDir, "work"), ".", "")
	add(workDir, "..", "../")
	add(data, worker+":.", worker+":")
	// Longest host path first, the one with the separator before the
	// bare one.
	var b strings.Builder
	for i := 0; i < len(msg); {
		best := -1
		for k, r := range rules {
			if i > 0 && pathByte(msg[i-1]) {
				break // not the start of a path
			}
			if !strings.HasPrefix(msg[i:], r.from) {
				continue
			}
			if !strings.HasSuffix(r.from, "/") {
				// A bare directory must end where the path does.
				if j := i + len(r.from); j < len(msg) && msg[j] != ' ' && msg[j] != ':' && msg[j] != '"' && msg[j] != '\'' && msg[j] != '\n' && msg[j] != ')' && msg[j] != ',' {
					continue
				}
			}
			if best < 0 || len(r.from) > len(rules[best].from) {
				best = k
			}
		}
		if best < 0 {
			b.WriteByte(msg[i])
			i++
			continue
		}
		b.WriteString(rules[best].to)
		i += len(rules[best].from)
	}
	return b.String()
}

// pathByte reports whether c may precede '/' inside a path.
func pathByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("._-~/", c) >= 0
}

// resolved is dir with its symbolic links resolved, if that differs.
func resolved(dir string) string {
	r, err := filepath.EvalSymlinks(dir)
	if err != nil || r == filepath.Clean(dir) {
		return ""
	}
	return r
}
