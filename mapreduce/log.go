package mapreduce

// Keys of structured log attributes, shared by every component.
const (
	LogKeyJob       = "job"
	LogKeyAttempt   = "attempt"
	LogKeyNode      = "node"
	LogKeyComponent = "component"
	// LogKeyEvent names a job timeline event (see TimelineMessage).
	LogKeyEvent = "event"
)
