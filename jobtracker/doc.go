// Package jobtracker is zebra's control plane: a Tracker accepts jobs
// (plans from jobtracker/api, built by the streaming client or by
// jobtracker/zerocloud) with their file bundles, keeps jobs, attempts and
// history in an embedded bbolt store (store.go) so that it survives kill -9,
// places map tasks on workers beside a replica of their input (delay
// scheduling) and hands instances to workers that long-poll it (tracker.go),
// tracks attempts and retries failed ones up to mapreduce.*.maxattempts,
// tells reducers where map outputs are, and commits or aborts each job's
// output. Handler serves the internal worker protocol under /internal/v1
// (http.go); the client API (/api/v1) is the web package's, built on the
// Tracker's methods and on views.go's read-only views, as the web UI and
// Hadoop's REST API are.
//
// Workers (jobtracker/worker) run the instances and move map outputs
// between themselves (jobtracker/shuffle); see docs/cluster.md.
package jobtracker
