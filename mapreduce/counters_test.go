package mapreduce

import (
	"fmt"
	"strings"
	"testing"
)

// TestCounterLimits: a task's own counters are limited as Hadoop's
// (Limits.java). The expected names come from a Hadoop 3.4.1 run (a
// 70-character counter name is shown with 63 characters, a 130-character
// group name with 127: filterName keeps max-1); the messages are Hadoop's.
func TestCounterLimits(t *testing.T) {
	l := CounterLimitsOf(NewConf())
	if l != (CounterLimits{Counters: 120, Groups: 50, NameMax: 64, GroupNameMax: 128}) {
		t.Fatalf("defaults %+v", l)
	}
	var c Counters
	c.Add(GroupTask, CounterMapInputRecords, 1) // framework groups do not count
	if err := c.AddLimited(strings.Repeat("g", 130), strings.Repeat("n", 70), 3, l); err != nil {
		t.Fatal(err)
	}
	if got := c.Get(strings.Repeat("g", 127), strings.Repeat("n", 63)); got != 3 {
		t.Errorf("cut names: %v, want the counter under 127 and 63 characters", c.Groups())
	}
	if err := c.AddLimited("G", "x", 1, l); err != nil {
		t.Fatal(err)
	}
	for i := 2; i < 120; i++ { // no held counters: 120 of the task's own
		if err := c.AddLimited("G", fmt.Sprint(i), 1, l); err != nil {
			t.Fatalf("counter %d: %v", i+1, err)
		}
	}
	if err := c.AddLimited("G", "x", 1, l); err != nil || c.Get("G", "x") != 2 {
		t.Errorf("an existing counter at the limit: %v", err)
	}
	err := c.AddLimited("G", "one more", 1, l)
	if err == nil || err.Error() != "org.apache.hadoop.mapreduce.counters.LimitExceededException: Too many counters: 121 max=120" {
		t.Errorf("counter 121: %v", err)
	}
	var g Counters
	for i := range 50 {
		if err := g.AddLimited(fmt.Sprint("G", i), "c", 1, l); err != nil {
			t.Fatal(err)
		}
	}
	err = g.AddLimited("G50", "c", 1, l)
	if err == nil || !strings.HasSuffix(err.Error(), "LimitExceededException: Too many counter groups: 51 max=50") {
		t.Errorf("group 51: %v", err)
	}
}
