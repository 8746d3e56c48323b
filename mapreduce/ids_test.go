package mapreduce

import "testing"

// TestIDsRoundTrip: each id's String form parses back to it, and the
// attempt's task id is the task's, by ParseTaskID and by TaskOfAttempt.
func TestIDsRoundTrip(t *testing.T) {
	for _, a := range []AttemptID{
		{Task: TaskID{Job: JobID{Tracker: "1700000000000", Seq: 7}, Kind: MapTask, Index: 0}, N: 0},
		{Task: TaskID{Job: JobID{Tracker: "local_1", Seq: 12345}, Kind: ReduceTask, Index: 1000000}, N: 1003},
	} {
		got, err := ParseAttemptID(a.String())
		if err != nil || got != a {
			t.Errorf("ParseAttemptID(%q) = %+v, %v", a.String(), got, err)
		}
		task, err := ParseTaskID(a.Task.String())
		if err != nil || task != a.Task {
			t.Errorf("ParseTaskID(%q) = %+v, %v", a.Task.String(), task, err)
		}
		if s := TaskOfAttempt(a.String()); s != a.Task.String() {
			t.Errorf("TaskOfAttempt(%q) = %q, want %q", a.String(), s, a.Task.String())
		}
	}
}

func TestParseTaskIDRefuses(t *testing.T) {
	for _, s := range []string{"", "task_", "task_1_0001_x_000000", "task_1_0001_m", "attempt_1_0001_m_000000_0",
		"task_1_0001_m_-1", "job_1_0001", "task_1_x_m_000000"} {
		if id, err := ParseTaskID(s); err == nil {
			t.Errorf("ParseTaskID(%q) = %+v, want an error", s, id)
		}
	}
	for _, s := range []string{"", "attempt_", "task_1_0001_m_000000", "attempt_x"} {
		if got := TaskOfAttempt(s); got != "" {
			t.Errorf("TaskOfAttempt(%q) = %q, want \"\"", s, got)
		}
	}
}
