package mapreduce

import (
	"fmt"
	"strconv"
	"strings"
)

// JobID identifies a job in Hadoop's format: job_<tracker>_<nnnn>, e.g.
// job_local1234567_0001.
type JobID struct {
	Tracker string // "local123456" for the local runner, a start time for a tracker
	Seq     int
}

func (j JobID) String() string { return fmt.Sprintf("job_%s_%04d", j.Tracker, j.Seq) }

// ParseJobID parses the String form.
func ParseJobID(s string) (JobID, error) {
	rest, ok := strings.CutPrefix(s, "job_")
	i := strings.LastIndexByte(rest, '_')
	if !ok || i <= 0 {
		return JobID{}, E("parse job id", Invalid, "", fmt.Errorf("%q is not of the form job_<tracker>_<number>", s))
	}
	n, err := strconv.Atoi(rest[i+1:])
	if err != nil || n < 0 {
		return JobID{}, E("parse job id", Invalid, "", fmt.Errorf("%q is not of the form job_<tracker>_<number>", s))
	}
	return JobID{Tracker: rest[:i], Seq: n}, nil
}

// TaskKind tells map tasks from reduce tasks.
type TaskKind uint8

const (
	// MapTask reads one split.
	MapTask TaskKind = iota
	// ReduceTask reduces one partition.
	ReduceTask
)

func (k TaskKind) letter() string {
	if k == MapTask {
		return "m"
	}
	return "r"
}

func (k TaskKind) String() string {
	if k == MapTask {
		return "map"
	}
	return "reduce"
}

// TaskID identifies one task of a job: task_<tracker>_<nnnn>_<m|r>_<nnnnnn>.
type TaskID struct {
	Job   JobID
	Kind  TaskKind
	Index int
}

func (t TaskID) String() string {
	return fmt.Sprintf("task_%s_%04d_%s_%06d", t.Job.Tracker, t.Job.Seq, t.Kind.letter(), t.Index)
}

// AttemptID identifies one attempt of a task: attempt_<...>_<m|r>_<nnnnnn>_<n>.
type AttemptID struct {
	Task TaskID
	N    int
}

func (a AttemptID) String() string {
	t := a.Task
	return fmt.Sprintf("attempt_%s_%04d_%s_%06d_%d", t.Job.Tracker, t.Job.Seq, t.Kind.letter(), t.Index, a.N)
}

// States of jobs, tasks and attempts, as Hadoop names them (JobState,
// TaskState and TaskAttemptState in its REST APIs and consoles). They are
// the one spelling of each state: the wire types (jobtracker/api) and the
// jobtracker's views name these.
const (
	StateNew       = "NEW"       // a task: created, not yet scheduled
	StateScheduled = "SCHEDULED" // a task: waiting for a slot or its inputs
	StatePrep      = "PREP"      // a job: submitted, not yet running
	StateRunning   = "RUNNING"
	StateSucceeded = "SUCCEEDED"
	StateFailed    = "FAILED"
	StateKilled    = "KILLED"
)

// ParseAttemptID parses the String form of an AttemptID.
func ParseAttemptID(s string) (AttemptID, error) {
	bad := E("parse attempt id", Invalid, "", fmt.Errorf("%q is not of the form attempt_<tracker>_<job>_<m|r>_<task>_<n>", s))
	rest, ok := strings.CutPrefix(s, "attempt_")
	parts := strings.Split(rest, "_")
	if !ok || len(parts) < 5 {
		return AttemptID{}, bad
	}
	k := len(parts)
	seq, err1 := strconv.Atoi(parts[k-4])
	idx, err2 := strconv.Atoi(parts[k-2])
	n, err3 := strconv.Atoi(parts[k-1])
	if err1 != nil || err2 != nil || err3 != nil || seq < 0 || idx < 0 || n < 0 {
		return AttemptID{}, bad
	}
	var kind TaskKind
	switch parts[k-3] {
	case "m":
		kind = MapTask
	case "r":
		kind = ReduceTask
	default:
		return AttemptID{}, bad
	}
	job := JobID{Tracker: strings.Join(parts[:k-4], "_"), Seq: seq}
	return AttemptID{Task: TaskID{Job: job, Kind: kind, Index: idx}, N: n}, nil
}

// ParseTaskID parses the String form of a TaskID
// (task_<tracker>_<job>_<m|r>_<index>).
func ParseTaskID(s string) (TaskID, error) {
	rest, ok := strings.CutPrefix(s, "task_")
	a, err := ParseAttemptID("attempt_" + rest + "_0")
	if !ok || err != nil {
		return TaskID{}, E("parse task id", Invalid, "", fmt.Errorf("%q is not of the form task_<tracker>_<job>_<m|r>_<task>", s))
	}
	return a.Task, nil
}

// TaskOfAttempt is the task id of an attempt id in its string form
// (attempt_<job>_<kind>_<task>_<n> → task_<job>_<kind>_<task>), without
// checking the parts between; "" if id is not of that form. Use it where
// ids only pass through (logs, display); ParseAttemptID checks them.
func TaskOfAttempt(id string) string {
	rest, ok := strings.CutPrefix(id, "attempt_")
	i := strings.LastIndexByte(rest, '_')
	if !ok || i <= 0 {
		return ""
	}
	return "task_" + rest[:i]
}
