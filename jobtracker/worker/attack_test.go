package worker

import (
	"testing"
	"time"

	"zebra/mapreduce"
)

// TestAttackUsageCountersNotSpoofable: a tenant's program that writes
// reporter:counter:org.apache.hadoop.mapreduce.TaskCounter,CPU time
// spent (ms),1 (and the same for the memory snapshot) does not make its
// attempt's CPU_MILLISECONDS and PHYSICAL_MEMORY_BYTES counters show that
// instead of what the runner measured (Hadoop's task sets them from its
// measure at the end, whatever the program added).
func TestAttackUsageCountersNotSpoofable(t *testing.T) {
	u := mapreduce.Usage{CPU: 7250 * time.Millisecond, PeakRSS: 300 << 20, Programs: 1}
	for _, spoof := range []int64{1, -1 << 40, 1 << 50} {
		c := &mapreduce.Counters{}
		// What streaming does with the program's reporter lines.
		l := mapreduce.CounterLimits{Counters: 120, Groups: 50, NameMax: 64, GroupNameMax: 128}
		for _, name := range []string{"CPU time spent (ms)", "Physical memory (bytes) snapshot"} {
			if err := c.AddLimited(mapreduce.GroupTask, name, spoof, l); err != nil {
				t.Fatal(err)
			}
		}
		addUsageCounters(c, u)
		if got, want := c.Get(mapreduce.GroupTask, "CPU time spent (ms)"), u.CPU.Milliseconds(); got != want {
			t.Errorf("program added %d: CPU time spent (ms) %d, want the measured %d", spoof, got, want)
		}
		if got, want := c.Get(mapreduce.GroupTask, "Physical memory (bytes) snapshot"), u.PeakRSS; got != want {
			t.Errorf("program added %d: Physical memory (bytes) snapshot %d, want the measured %d", spoof, got, want)
		}
	}
}
