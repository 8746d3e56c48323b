package mapreduce

import (
	"slices"
	"testing"
)

// TestCounterNames: enum names, lookups and Counters.toString's layout.
// The group display names are Hadoop 3.4.1's (CounterGroupName in
// JobCounter.properties is "Job Counters ", with its trailing space).
func TestCounterNames(t *testing.T) {
	for _, c := range [][3]string{
		{GroupTask, "Map input records", "MAP_INPUT_RECORDS"},
		{GroupTask, "Shuffled Maps ", "SHUFFLED_MAPS"},
		{GroupTask, "Input split bytes", "SPLIT_RAW_BYTES"},
		{GroupJob, "Data-local map tasks", "DATA_LOCAL_MAPS"},
		{GroupFileSystem, "FILE: Number of bytes read", "FILE_BYTES_READ"},
		{GroupInputFormat, "Bytes Read", "BYTES_READ"},
		{"my group", "my counter", "my counter"},
	} {
		if got := CounterEnumName(c[0], c[1]); got != c[2] {
			t.Errorf("CounterEnumName(%q, %q) = %q, want %q", c[0], c[1], got, c[2])
		}
	}
	cs := &Counters{}
	cs.Add(GroupTask, CounterReduceOutputRecords, 2)
	cs.Add(GroupTask, CounterMapInputRecords, 7)
	cs.Add(GroupJob, "Launched map tasks", 1)
	cs.Add("my group", "my counter", 3)
	for _, q := range [][2]string{{GroupTask, "MAP_INPUT_RECORDS"}, {"Map-Reduce Framework", "Map input records"}, {GroupTask, "Map input records"}} {
		if v, ok := FindCounter(cs, q[0], q[1]); !ok || v != 7 {
			t.Errorf("FindCounter(%q, %q) = %d, %v", q[0], q[1], v, ok)
		}
	}
	if _, ok := FindCounter(cs, GroupTask, "NOPE"); ok {
		t.Error("found an absent counter")
	}
	want := "Counters: 4\n\tJob Counters \n\t\tLaunched map tasks=1\n\tMap-Reduce Framework\n\t\tMap input records=7\n\t\tReduce output records=2\n\tmy group\n\t\tmy counter=3"
	if got := FormatCounters(cs); got != want {
		t.Errorf("FormatCounters:\n%s\nwant\n%s", got, want)
	}
}

// TestTaskOfAttempt checks the string shortcut against ParseAttemptID.
func TestTaskOfAttempt(t *testing.T) {
	for _, id := range []string{"attempt_local123_0001_m_000000_0", "attempt_17000_00_ab_0042_r_000003_12"} {
		a, err := ParseAttemptID(id)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := TaskOfAttempt(id), a.Task.String(); got != want {
			t.Errorf("TaskOfAttempt(%s) = %s, want %s", id, got, want)
		}
	}
	for _, id := range []string{"", "task_1_0001_m_000000", "attempt_", "attempt_x"} {
		if got := TaskOfAttempt(id); got != "" {
			t.Errorf("TaskOfAttempt(%q) = %q, want \"\"", id, got)
		}
	}
}

// TestOrderedGroups: the file system, job and task groups first, then
// every other group by name, as Hadoop's console orders them (checked
// against Hadoop by cmd/zebra's TestConsoleCountersAgainstHadoop, whose
// user-groups job prints these groups).
func TestOrderedGroups(t *testing.T) {
	c := &Counters{}
	for _, g := range []string{"zeta", GroupOutputFormat, "MyGroup", GroupShuffleError, GroupTask, "Alpha", GroupInputFormat, GroupFileSystem} {
		c.Add(g, "x", 1)
	}
	want := []string{GroupFileSystem, GroupTask, "Alpha", "MyGroup", GroupShuffleError, GroupInputFormat, GroupOutputFormat, "zeta"}
	if got := OrderedGroups(c); !slices.Equal(got, want) {
		t.Errorf("OrderedGroups = %q\nwant %q", got, want)
	}
}
