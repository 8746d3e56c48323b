package mapreduce

import (
	"context"
	"log/slog"
	"time"
)

// TimelineMessage is the message of the debug log lines in which the local
// executor marks the steps of a job's schedule, for bench/cmd/timeline: the
// record's time is when the step happened, LogKeyEvent says which step
// (one of the Event* names below) and LogKeyAttempt, where there is one,
// for which attempt. They are logged only when the executor's logger is
// enabled at slog.LevelDebug (`zebra streaming` with ZEBRA_LOG_LEVEL=debug),
// and change nothing else a job does.
const TimelineMessage = "timeline"

// Steps of a job's timeline (values of LogKeyEvent).
const (
	// EventJobStart: the executor starts the job (before the job's
	// output is set up); EventJobEnd: it returns.
	EventJobStart = "job start"
	EventJobEnd   = "job end"
	// EventAttemptStart and EventAttemptEnd bound one attempt: for a map
	// its whole RunMap (reading, the mapper, collection, spills, the final
	// merge); for a reduce its whole run (the merge of the map outputs,
	// the reducer, the task's commit), not a preparation ahead of it.
	EventAttemptStart = "attempt start"
	EventAttemptEnd   = "attempt end"
	// EventPrepareStart and EventPrepareEnd bound the launch of a reduce
	// attempt's program ahead of its input (ReducePreparer).
	EventPrepareStart = "prepare start"
	EventPrepareEnd   = "prepare end"
	// EventReduceInput: a reduce attempt's merge is set up and its first
	// record goes to the reducer (TaskContext.SortFinished).
	EventReduceInput = "reduce input"
	// EventMapsDone: every map attempt has ended.
	EventMapsDone = "maps done"
	// EventCommitStart and EventCommitEnd bound the job's commit
	// (moving part files to their final names, _SUCCESS).
	EventCommitStart = "commit start"
	EventCommitEnd   = "commit end"
)

// timeline logs a job's timeline events through a logger's handler; the
// zero value and a timeline of a logger not enabled for debug log nothing.
type timeline struct {
	ctx context.Context
	h   slog.Handler
}

func newTimeline(ctx context.Context, logger *slog.Logger) timeline {
	if !logger.Enabled(ctx, slog.LevelDebug) {
		return timeline{}
	}
	return timeline{ctx: ctx, h: logger.Handler()}
}

// event logs step ev (of attempt, if not "") as happening now.
func (tl timeline) event(ev, attempt string) {
	if tl.h != nil {
		tl.eventAt(ev, attempt, time.Now())
	}
}

// eventAt logs step ev (of attempt, if not "") as happening at time at.
func (tl timeline) eventAt(ev, attempt string, at time.Time) {
	if tl.h == nil {
		return
	}
	r := slog.NewRecord(at, slog.LevelDebug, TimelineMessage, 0)
	r.AddAttrs(slog.String(LogKeyEvent, ev))
	if attempt != "" {
		r.AddAttrs(slog.String(LogKeyAttempt, attempt))
	}
	tl.h.Handle(tl.ctx, r) // a log line that cannot be written changes nothing
}
