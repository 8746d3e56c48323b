package mapreduce

import "sync"

// AttemptLog keeps one attempt's stderr in <dir>/stderr and remembers its
// last lines, for executors outside this package (cluster workers). It is
// safe for concurrent writes of whole lines.
type AttemptLog struct{ l *attemptLog }

// NewAttemptLog creates dir and the attempt's log file in it.
func NewAttemptLog(dir string) (*AttemptLog, error) {
	l, err := newAttemptLog(dir, nil, &sync.Mutex{})
	if err != nil {
		return nil, err
	}
	return &AttemptLog{l: l}, nil
}

// Write implements io.Writer.
func (l *AttemptLog) Write(p []byte) (int, error) { return l.l.Write(p) }

// Tail returns the last few KiB written.
func (l *AttemptLog) Tail() []byte { return l.l.tail() }

// Path is the log file's path.
func (l *AttemptLog) Path() string { return l.l.path }

// Close closes the log file.
func (l *AttemptLog) Close() { l.l.close() }

// RecordAttempt writes, into dir, the AttemptRecord of attempt t of job
// after RunMap or RunReduce returned err, so that it can be replayed.
func RecordAttempt(dir string, job *Job, t *TaskContext, err error) error {
	r := &AttemptRecord{Attempt: t.Attempt.String(), Kind: t.Attempt.Task.Kind.String(), Split: t.Split,
		PieceSize: job.PieceSize, Settings: SettingsDigest(job.Conf), Digests: t.Digests}
	if err != nil {
		r.Error = err.Error()
	}
	return writeAttemptRecord(dir, r)
}
