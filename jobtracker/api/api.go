// Package api is the wire format between zebra's jobtracker, its workers
// and its clients: JSON over HTTP. It holds only types, paths and a small
// client, so that every side can import it without importing the others.
//
// Client endpoints (under /api/v1, served by the web package with access
// checks; web/openapi.json is their full description):
//
//	POST /api/v1/jobs                 submit: multipart form, part "plan" (a Plan as JSON) and optional part "bundle" (a tar of the job's files)
//	GET  /api/v1/jobs                 list jobs (newest first)
//	GET  /api/v1/jobs/{id}            a JobStatus; ?after=V waits (up to ?wait=ms) until its Version is above V
//	GET  /api/v1/jobs/{id}/attempts   the job's attempts (AttemptInfo, by id)
//	POST /api/v1/jobs/{id}/kill       kill a job
//	GET  /api/v1/cluster/workers      the live workers
//
// Worker endpoints (under /internal/v1, served by jobtracker.Tracker.Handler
// behind the web front, for the cluster token only; see docs/cluster.md):
//
//	POST /internal/v1/workers                      register (Registration → Registered)
//	POST /internal/v1/workers/{id}/poll            long-poll for work (Poll → PollReply)
//	POST /internal/v1/attempts/{id}/commit         ask for the right to commit (200 yes, 409 no)
//	POST /internal/v1/attempts/{id}/done           report an attempt's end (AttemptReport)
//	POST /internal/v1/attempts/{id}/fetch-failure  a reducer could not fetch a map output (FetchFailure)
//	GET  /internal/v1/jobs/{id}/plan               the job's Plan
//	GET  /internal/v1/jobs/{id}/bundle             the job's file bundle (tar)
//	GET  /internal/v1/jobs/{id}/map-outputs        map output events (?from=N&wait=ms → MapOutputs)
//	POST /internal/v1/jobs/{id}/channels           publish streaming channel endpoints (Channels)
//	GET  /internal/v1/jobs/{id}/channels           look them up (?want=src>dst...&wait=ms → Channels; 410 once the job ended)
package api

import (
	"encoding/json"
	"time"

	"zebra/mapreduce"
)

// ProtocolVersion is the version of the worker protocol. A worker whose
// version differs is refused at registration (Registration.Protocol), with
// a message naming both versions. Any change a peer of the other version
// would misread — a field it would ignore but must act on, a route it
// lacks — bumps it:
//
//	1  the first protocol
//	2  ZeroCloud graph plans: Plan.Gangs (maps that start together) and
//	   the streaming channels between them (/internal/v1/jobs/{id}/channels);
//	   a version-1 worker would run a gang member alone, without its channels
const ProtocolVersion = 2

// Job states on the wire (mapreduce's names).
const (
	StatePrep      = mapreduce.StatePrep
	StateRunning   = mapreduce.StateRunning
	StateSucceeded = mapreduce.StateSucceeded
	StateFailed    = mapreduce.StateFailed
	StateKilled    = mapreduce.StateKilled
)

// Attempt states on the wire (mapreduce's names).
const (
	AttemptRunning   = mapreduce.StateRunning
	AttemptSucceeded = mapreduce.StateSucceeded
	AttemptFailed    = mapreduce.StateFailed
	AttemptKilled    = mapreduce.StateKilled
)

// FailureKind says why an attempt did not succeed, and so whether it
// counts toward its task's mapreduce.{map,reduce}.maxattempts. It travels
// as a JSON string; the set is append-only.
//
// A peer may send a kind this side does not know (a newer worker) or none
// (an older one). Effective maps both to a known kind: an empty kind is
// derived from the attempt's state, and an unknown one is treated as
// FailureUser, the kind that counts, so that an attempt whose cause is not
// understood is retried as Hadoop retries every failure and never forever.
type FailureKind string

const (
	// FailureUser is a failure of the job itself: the user's program
	// exited non-zero, was killed by a signal of its own, exceeded the
	// sandbox's limits (as Hadoop fails a container killed for exceeding
	// its memory), could not be started, or the job's input, output or
	// configuration was wrong. It counts toward maxattempts; the attempt's
	// state is FAILED.
	FailureUser FailureKind = "user"
	// FailureInfrastructure is a failure of the machine or storage, not of
	// the job: the worker could not fetch the job's bundle, read the input
	// from storage, write its map output or set up the sandbox. It does
	// not count toward maxattempts; the task runs again on another worker,
	// at most a fixed number of times (the jobtracker's cap). The
	// attempt's state is FAILED.
	FailureInfrastructure FailureKind = "infrastructure"
	// FailureKilled is an attempt the jobtracker stopped (its job was
	// killed or failed, or it was a duplicate). It does not count; the
	// attempt's state is KILLED.
	FailureKilled FailureKind = "killed"
	// FailureLost is an attempt (or a finished map's output) lost with its
	// worker: the worker stopped polling, no longer runs the attempt, or
	// can no longer serve the map's output. It does not count toward
	// maxattempts; the attempt's state is KILLED, as Hadoop kills the
	// attempts of a lost node.
	FailureLost FailureKind = "lost"
)

// Known reports whether k is one of the kinds this version defines.
func (k FailureKind) Known() bool {
	switch k {
	case FailureUser, FailureInfrastructure, FailureKilled, FailureLost:
		return true
	}
	return false
}

// Effective is the kind an attempt that ended in state with reported kind
// k is handled as: k if known; for an empty or unknown k, FailureKilled
// for a KILLED attempt (nothing that ran counts) and FailureUser
// otherwise (a failure whose cause is not understood counts).
func (k FailureKind) Effective(state string) FailureKind {
	switch {
	case k.Known():
		return k
	case state == AttemptKilled:
		return FailureKilled
	}
	return FailureUser
}

// Plan is a compiled job as the jobtracker runs it: ZeroVM-style instance
// groups (one map instance per split, one reduce instance per partition,
// the map group connected all-to-all to the reduce group) plus what the
// runner needs to rebuild the job on a worker.
type Plan struct {
	// Name and User are the job's name and owner; Args the command line as
	// typed (shown in history).
	Name string   `json:"name"`
	User string   `json:"user"`
	Args []string `json:"args"`
	// Kind names the runner that understands Spec ("streaming").
	Kind string `json:"kind"`
	// Spec is the runner's description of the job, opaque to the
	// jobtracker.
	Spec json.RawMessage `json:"spec"`
	// Conf is the job's configuration, for display.
	Conf map[string]string `json:"conf,omitempty"`
	// Splits are the map group's inputs: map i reads Splits[i].
	Splits []mapreduce.Split `json:"splits"`
	// Reduces is the size of the reduce group (0: map-only).
	Reduces int `json:"reduces"`
	// Output is the output directory's URI; MarkSuccess writes _SUCCESS
	// on commit.
	Output      string `json:"output"`
	MarkSuccess bool   `json:"mark_success"`
	// OutputFiles, if set, are the only names (relative to Output) the job
	// writes: Output may then exist and hold other files, and the job is
	// refused if any of these exists (a ZeroCloud job's result objects;
	// see mapreduce.Committer.Shared).
	OutputFiles []string `json:"output_files,omitempty"`
	// MaxMapAttempts and MaxReduceAttempts bound the attempts of each task
	// (mapreduce.map.maxattempts, mapreduce.reduce.maxattempts; 0: 4).
	MaxMapAttempts    int `json:"max_map_attempts,omitempty"`
	MaxReduceAttempts int `json:"max_reduce_attempts,omitempty"`
	// SlowStart is the fraction of finished maps from which reduces are
	// scheduled (mapreduce.job.reduce.slowstart.completedmaps).
	SlowStart float64 `json:"slow_start,omitempty"`
	// Gangs are sets of maps (indices into Splits) that must start
	// together, all or nothing (instances of a ZeroCloud job that stream to
	// each other while they run; see jobtracker/placement). A gang's map
	// is never retried alone: its failure fails the job.
	Gangs [][]int `json:"gangs,omitempty"`
	// Owner is the tenant the jobtracker authenticated when the job was
	// submitted (a Swift account; "" for the cluster's own token). The
	// jobtracker's web layer sets it, overriding whatever the client sent;
	// access to the job is decided by it, never by User.
	Owner string `json:"owner,omitempty"`
	// Swift is the credential a tenant's job moves its data with: the
	// tenant's own storage URL and token, set by the jobtracker's web
	// layer from the submitting request (whatever the client sent) so that
	// Swift's own access rules apply to every read and write; nil for the
	// cluster's own jobs, which use the daemons' credentials. Workers and
	// the jobtracker's commit use nothing else for a tenant's job, and it
	// is never shown.
	Swift *SwiftCredential `json:"swift,omitempty"`
}

// Channels are endpoints of streaming channels of a job's running
// instances, by channel ("src>dst", instance names): where the receiving
// instance's worker listens for the sender (see
// jobtracker/zerocloud/channel).
type Channels struct {
	Endpoints map[string]string `json:"endpoints"`
}

// SwiftCredential is a Swift account's storage URL and a token for it.
type SwiftCredential struct {
	StorageURL string `json:"storage_url"`
	Token      string `json:"token"`
}

// Submitted is the reply to a submission.
type Submitted struct {
	ID string `json:"id"`
}

// Failure describes the attempt that failed a job.
type Failure struct {
	Attempt string `json:"attempt"`
	Error   string `json:"error"`
	// StartError is set when the program could not be started, with the
	// operating system's reason in Java's words.
	StartError string `json:"start_error,omitempty"`
	StderrTail string `json:"stderr_tail,omitempty"`
	// Log is where the attempt's full log is kept: WORKER:logs/JOB/ATTEMPT/stderr, a
	// path under the worker's data directory (never the host path).
	Log string `json:"log,omitempty"`
	// Triage is the last meaningful line of the attempt's stderr, host
	// paths shortened (see AttemptInfo.Triage).
	Triage string `json:"triage,omitempty"`
	// Kind is why the attempt failed (see FailureKind): FailureUser when
	// the task used its maxattempts, another kind when it reached the
	// jobtracker's cap for failures of that kind.
	Kind FailureKind `json:"kind,omitempty"`
}

// AttemptInfo is one attempt as a client sees it.
type AttemptInfo struct {
	ID     string `json:"id"`
	State  string `json:"state"`
	Worker string `json:"worker"`
	// WorkerName is the name the worker registered with (Worker is the
	// registration's id; "" in records from before zebra kept it).
	WorkerName string    `json:"worker_name,omitempty"`
	Node       string    `json:"node"`
	Started    time.Time `json:"started"`
	Finished   time.Time `json:"finished,omitzero"`
	Error      string    `json:"error,omitempty"`
	// Kind says why a FAILED or KILLED attempt ended ("" while it runs
	// and once it has succeeded).
	Kind FailureKind `json:"kind,omitempty"`
	// ShuffleFinished and SortFinished are a successful reduce attempt's
	// phase ends, as its report gave them (zero for a map).
	ShuffleFinished time.Time `json:"shuffle_finished,omitzero"`
	SortFinished    time.Time `json:"sort_finished,omitzero"`
	// Status is the attempt's last status line (reporter:status:; "" if
	// it set none); Progress is its fraction done in [0, 1], as its
	// worker last reported it (1 once it succeeded).
	Status   string  `json:"status,omitempty"`
	Progress float64 `json:"progress"`
	// Triage is the last meaningful line of a FAILED attempt's stderr
	// (the exception's line, say "TypeError: ..."), host paths shortened
	// to task-relative ones (see package triage); "" if it had none.
	// Error keeps Hadoop's full diagnostic.
	Triage string `json:"triage,omitempty"`
	// CPUMillis is the user plus system CPU time the attempt's programs
	// used and PeakRSSBytes the largest peak resident memory of one of
	// their sandbox instances, as the worker measured them (0: not
	// measured); MemoryLimitBytes and CPULimitMillis are the sandbox
	// limits they ran under (0: none known).
	CPUMillis        int64 `json:"cpu_ms,omitempty"`
	PeakRSSBytes     int64 `json:"peak_rss_bytes,omitempty"`
	MemoryLimitBytes int64 `json:"memory_limit_bytes,omitempty"`
	CPULimitMillis   int64 `json:"cpu_limit_ms,omitempty"`
	// RecordsIn, RecordsOut, BytesIn and BytesOut are a SUCCEEDED
	// attempt's input and output, from its counters: a map's input
	// records and bytes read, output records and materialized (or, for a
	// map-only job, written) bytes; a reduce's input records and shuffled
	// bytes, output records and bytes written.
	RecordsIn  int64 `json:"records_in,omitempty"`
	RecordsOut int64 `json:"records_out,omitempty"`
	BytesIn    int64 `json:"bytes_in,omitempty"`
	BytesOut   int64 `json:"bytes_out,omitempty"`
}

// SetUsage records u, a worker's measure of the attempt's programs.
func (a *AttemptInfo) SetUsage(u *mapreduce.Usage) {
	if u == nil || u.Programs == 0 {
		return
	}
	a.CPUMillis, a.PeakRSSBytes = max(u.CPU.Milliseconds(), 0), max(u.PeakRSS, 0)
	a.MemoryLimitBytes, a.CPULimitMillis = max(u.MemoryLimit, 0), max(u.CPULimit.Milliseconds(), 0)
}

// JobStatus is a job as a client sees it. Version grows with every change.
type JobStatus struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	User        string    `json:"user"`
	State       string    `json:"state"`
	Version     int64     `json:"version"`
	Submitted   time.Time `json:"submitted"`
	Finished    time.Time `json:"finished,omitzero"`
	Maps        int       `json:"maps"`
	Reduces     int       `json:"reduces"`
	MapsDone    int       `json:"maps_done"`
	ReducesDone int       `json:"reduces_done"`
	// MapProgress and ReduceProgress are the job's map and reduce
	// progress in [0, 1]: the mean progress of its maps (reduces), a
	// running task counting its running attempt's reported progress
	// (Hadoop's JobStatus mapProgress and reduceProgress).
	MapProgress    float64             `json:"map_progress"`
	ReduceProgress float64             `json:"reduce_progress"`
	Output         string              `json:"output"`
	Counters       *mapreduce.Counters `json:"counters,omitempty"`
	Failure        *Failure            `json:"failure,omitempty"`
	// FailedAttempts lists every failed or killed attempt so far, in the
	// order they ended.
	FailedAttempts []AttemptInfo `json:"failed_attempts,omitempty"`
	Diagnostics    string        `json:"diagnostics,omitempty"`
	// KilledBy is who killed a KILLED job: "cluster" for the cluster
	// token, else the tenant's account ("" if not known, say for a job
	// killed before zebra recorded it); KilledAt is when.
	KilledBy string    `json:"killed_by,omitempty"`
	KilledAt time.Time `json:"killed_at,omitzero"`
}

// Done reports whether the job has ended.
func (s *JobStatus) Done() bool {
	return s.State == StateSucceeded || s.State == StateFailed || s.State == StateKilled
}

// Registration is a worker introducing itself.
type Registration struct {
	Protocol int    `json:"protocol"`
	Name     string `json:"name"`
	// Node is the storage node the worker sits beside (for locality), or
	// a comma-separated list of them (say a Swift object server and an
	// HDFS DataNode on the same machine); "" means Name.
	Node        string `json:"node"`
	MapSlots    int    `json:"map_slots"`
	ReduceSlots int    `json:"reduce_slots"`
	// Shuffle is the worker's ZeroMQ endpoint serving map outputs.
	Shuffle string `json:"shuffle"`
	// LogURL is where the worker serves its attempt logs over HTTP
	// (GET LogURL/logs/{job}/{attempt}/{file}, the cluster token as
	// X-Auth-Token); "" if it does not.
	LogURL string `json:"log_url,omitempty"`
	// MapOutputs are the map attempts whose outputs the worker's shuffle
	// endpoint serves (a worker registering again after a jobtracker
	// restart lists them, so that the jobtracker keeps those maps instead
	// of running them again).
	MapOutputs []string `json:"map_outputs,omitempty"`
}

// Registered is the jobtracker's answer to a Registration.
type Registered struct {
	ID string `json:"id"`
	// PollWait is how long a poll may wait for work; a worker that does
	// not poll for Expiry is considered lost.
	PollWait time.Duration `json:"poll_wait"`
	Expiry   time.Duration `json:"expiry"`
}

// Poll is a worker asking for work. Running lists its running attempts,
// so that the jobtracker can kill those it no longer knows.
type Poll struct {
	FreeMapSlots    int      `json:"free_map_slots"`
	FreeReduceSlots int      `json:"free_reduce_slots"`
	Running         []string `json:"running"`
	Jobs            []string `json:"jobs"`
	// Progress is the progress and last status line of running attempts
	// (older workers send none).
	Progress []AttemptProgress `json:"progress,omitempty"`
}

// AttemptProgress is a running attempt's progress as its worker reports
// it with each poll.
type AttemptProgress struct {
	Attempt string `json:"attempt"`
	// Progress is the fraction done, in [0, 1] (see mapreduce.MapProgress
	// and mapreduce.ReduceProgress).
	Progress float64 `json:"progress"`
	// Status is the attempt's last status line (reporter:status:), bounded
	// by mapreduce.BoundStatus; tenant input, bounded again on receipt.
	Status string `json:"status,omitempty"`
}

// Assignment is one attempt given to a worker.
type Assignment struct {
	Attempt string `json:"attempt"`
	Job     string `json:"job"`
	Kind    string `json:"kind"` // "map" or "reduce"
	Index   int    `json:"index"`
}

// PollReply carries new attempts, attempts to kill, and jobs whose local
// data the worker may delete.
type PollReply struct {
	Assign []Assignment `json:"assign,omitempty"`
	Kill   []string     `json:"kill,omitempty"`
	Forget []string     `json:"forget,omitempty"`
}

// AttemptReport is a worker's report of an attempt's end.
type AttemptReport struct {
	Worker string `json:"worker"`
	State  string `json:"state"` // AttemptSucceeded, AttemptFailed or AttemptKilled
	// Kind is the worker's classification of a failed or killed attempt
	// (see FailureKind; the jobtracker uses Kind.Effective(State)).
	Kind       FailureKind         `json:"kind,omitempty"`
	Error      string              `json:"error,omitempty"`
	StartError string              `json:"start_error,omitempty"`
	StderrTail string              `json:"stderr_tail,omitempty"`
	Log        string              `json:"log,omitempty"`
	Counters   *mapreduce.Counters `json:"counters,omitempty"`
	Digests    mapreduce.Digests   `json:"digests"`
	// Partitions are the byte sizes of a map attempt's output partitions.
	Partitions []int64 `json:"partitions,omitempty"`
	// Outputs are the files a committing attempt published to its task's
	// committed directory; the job commit moves exactly these.
	Outputs []string `json:"outputs,omitempty"`
	// SandboxBoot is how long the attempt's sandbox took to start its
	// first program (0: not measured); the jobtracker's metrics
	// histogram it.
	SandboxBoot time.Duration `json:"sandbox_boot,omitempty"`
	// ShuffleFinished is when a reduce attempt had fetched every map
	// output; SortFinished when their merge was set up and the reducer
	// started (Hadoop's shuffle and sort phase ends; zero for a map).
	ShuffleFinished time.Time `json:"shuffle_finished,omitzero"`
	SortFinished    time.Time `json:"sort_finished,omitzero"`
	// Status is the attempt's last status line (see AttemptProgress).
	Status string `json:"status,omitempty"`
	// Triage is a failed attempt's last meaningful stderr line, the
	// worker's host paths shortened (see package triage).
	Triage string `json:"triage,omitempty"`
	// Usage is what the attempt's programs used, against their sandbox
	// limits, as the worker's runner measured it (nil: not measured).
	Usage *mapreduce.Usage `json:"usage,omitempty"`
}

// MapOutputEvent says that a map attempt's output can be fetched from a
// shuffle endpoint, or (Obsolete) that it no longer can.
type MapOutputEvent struct {
	Map      int    `json:"map"`
	Attempt  string `json:"attempt"`
	Endpoint string `json:"endpoint"`
	Obsolete bool   `json:"obsolete,omitempty"`
}

// MapOutputs is a slice of a job's map output events from index From.
// Ended is set once the job has ended (the reducer should stop).
type MapOutputs struct {
	From   int              `json:"from"`
	Events []MapOutputEvent `json:"events"`
	Ended  bool             `json:"ended,omitempty"`
}

// FetchFailure is a reducer's report that a map output could not be
// fetched.
type FetchFailure struct {
	Map     string `json:"map"` // the map attempt
	Error   string `json:"error"`
	Missing bool   `json:"missing"` // the worker answered but had no such output
}

// Error is the body of every non-2xx reply.
type Error struct {
	Error string `json:"error"`
}
