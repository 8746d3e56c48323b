package mapreduce

import (
	"encoding/json"
	"fmt"
	"sort"
	"sync"
)

// Counter group names, as Hadoop names them (the group's Java class name)
// and as it displays them.
const (
	GroupFileSystem   = "org.apache.hadoop.mapreduce.FileSystemCounter"
	GroupTask         = "org.apache.hadoop.mapreduce.TaskCounter"
	GroupJob          = "org.apache.hadoop.mapreduce.JobCounter"
	GroupShuffleError = "Shuffle Errors"
	GroupInputFormat  = "org.apache.hadoop.mapreduce.lib.input.FileInputFormatCounter"
	GroupOutputFormat = "org.apache.hadoop.mapreduce.lib.output.FileOutputFormatCounter"
)

// peakCounters are the task group's counters whose enum name ends in
// _MAX: adding to one keeps the larger value (see Add).
var peakCounters = map[string]bool{CounterMapPhysicalMax: true, CounterMapVirtualMax: true,
	CounterReducePhysicalMax: true, CounterReduceVirtualMax: true}

// AddResources adds what a worker measured of one task attempt's process
// tree to its counters, under Hadoop's names: CPU time (user + system),
// its physical memory (RSS) as Hadoop's snapshot and as the task kind's
// peak, and its virtual memory likewise when known (virtual 0: not
// measured, not listed). zebra measures the peak, so the snapshot is the
// peak too (Hadoop's is the last sample).
func AddResources(c *Counters, reduce bool, cpuMillis, physical, virtual int64) {
	physMax, virtMax := CounterMapPhysicalMax, CounterMapVirtualMax
	if reduce {
		physMax, virtMax = CounterReducePhysicalMax, CounterReduceVirtualMax
	}
	c.Add(GroupTask, CounterCPUMillis, cpuMillis)
	c.Add(GroupTask, CounterPhysicalMemory, physical)
	c.Add(GroupTask, physMax, physical)
	if virtual > 0 {
		c.Add(GroupTask, CounterVirtualMemory, virtual)
		c.Add(GroupTask, virtMax, virtual)
	}
}

// Counter names of the task group, as Hadoop displays them.
const (
	CounterMapInputRecords      = "Map input records"
	CounterMapOutputRecords     = "Map output records"
	CounterMapOutputBytes       = "Map output bytes"
	CounterMapOutputMaterial    = "Map output materialized bytes"
	CounterInputSplitBytes      = "Input split bytes"
	CounterCombineInputRecords  = "Combine input records"
	CounterCombineOutputRecords = "Combine output records"
	CounterReduceInputGroups    = "Reduce input groups"
	CounterReduceShuffleBytes   = "Reduce shuffle bytes"
	CounterReduceInputRecords   = "Reduce input records"
	CounterReduceOutputRecords  = "Reduce output records"
	CounterSpilledRecords       = "Spilled Records"
	CounterShuffledMaps         = "Shuffled Maps "
	CounterFailedShuffles       = "Failed Shuffles"
	CounterMergedMapOutputs     = "Merged Map outputs"
	CounterBytesRead            = "Bytes Read"
	CounterBytesWritten         = "Bytes Written"

	// The task group's resource counters, which Hadoop's tasks report
	// where they can measure their process tree (on YARN; its local
	// runner reports none): CPU_MILLISECONDS, PHYSICAL_MEMORY_BYTES,
	// VIRTUAL_MEMORY_BYTES and the peaks per task kind. zebra's console
	// and views print them when a worker measured them.
	CounterCPUMillis         = "CPU time spent (ms)"
	CounterPhysicalMemory    = "Physical memory (bytes) snapshot"
	CounterVirtualMemory     = "Virtual memory (bytes) snapshot"
	CounterMapPhysicalMax    = "Peak Map Physical memory (bytes)"
	CounterMapVirtualMax     = "Peak Map Virtual memory (bytes)"
	CounterReducePhysicalMax = "Peak Reduce Physical memory (bytes)"
	CounterReduceVirtualMax  = "Peak Reduce Virtual memory (bytes)"
)

// JobCounterNames are the counters of the job group (GroupJob), in the
// order Hadoop's JobCounter enum lists (and its console prints) them. A
// cluster counts them; the local runner, as Hadoop's, has none.
var JobCounterNames = []string{
	"Failed map tasks", "Failed reduce tasks", "Killed map tasks", "Killed reduce tasks",
	"Launched map tasks", "Launched reduce tasks", "Other local map tasks", "Data-local map tasks",
	"Rack-local map tasks", "Total time spent by all map tasks (ms)", "Total time spent by all reduce tasks (ms)",
}

// Settings of Hadoop's limits of a task's own counters (those of groups
// other than the framework's: a streaming program's reporter:counter:
// lines), as org.apache.hadoop.mapreduce.counters.Limits reads them.
const (
	KeyCountersMax         = "mapreduce.job.counters.max"              // counters, 120
	KeyCounterGroupsMax    = "mapreduce.job.counters.groups.max"       // groups, 50
	KeyCounterNameMax      = "mapreduce.job.counters.counter.name.max" // name length, 64
	KeyCounterGroupNameMax = "mapreduce.job.counters.group.name.max"   // group name length, 128
)

// CounterLimits are the limits of a task's own counters (see AddLimited).
type CounterLimits struct {
	Counters, Groups      int // at most this many
	NameMax, GroupNameMax int // longer names are cut to one less
	// HeldCounters and HeldGroups are counted as made already (see
	// TaskHeld).
	HeldCounters, HeldGroups int
}

// TaskHeld returns l with what Hadoop 3.4.1 counts against a task's limits
// besides the program's own counters: one counter in every task (a map
// task fails at its program's 120th counter, "Too many counters: 121
// max=120") and, in a reduce task, its "Shuffle Errors" group of 6 more.
func (l CounterLimits) TaskHeld(reduce bool) CounterLimits {
	l.HeldCounters, l.HeldGroups = 1, 0
	if reduce {
		l.HeldCounters, l.HeldGroups = 7, 1
	}
	return l
}

// CounterLimitsOf returns the limits conf sets (Hadoop's defaults
// otherwise).
func CounterLimitsOf(conf *Conf) CounterLimits {
	get := func(key string, def int) int {
		if n, err := conf.Int(key, def); err == nil && n > 0 {
			return n
		}
		return def
	}
	return CounterLimits{Counters: get(KeyCountersMax, 120), Groups: get(KeyCounterGroupsMax, 50),
		NameMax: get(KeyCounterNameMax, 64), GroupNameMax: get(KeyCounterGroupNameMax, 128)}
}

// frameworkGroups are the groups Hadoop keeps apart from the limits.
var frameworkGroups = map[string]bool{GroupFileSystem: true, GroupTask: true, GroupJob: true, GroupInputFormat: true, GroupOutputFormat: true}

// cutName is Hadoop's Limits.filterName: a name longer than max UTF-16
// units is cut to max-1.
func cutName(name string, max int) string {
	if utf16Len(name) <= max {
		return name
	}
	n := 0
	for i, r := range name {
		w := 1
		if r >= 0x10000 {
			w = 2
		}
		if n+w > max-1 {
			return name[:i]
		}
		n += w
	}
	return name
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// AddLimited adds delta to a task's own counter, as Hadoop's task
// counters do: the group and counter names are cut to the limits' lengths,
// and a counter or group beyond the limits' numbers (framework groups
// apart) is not made: the error is Hadoop's LimitExceededException
// message. The limits also bound what a task's program can make its
// worker hold.
func (c *Counters) AddLimited(group, name string, delta int64, l CounterLimits) error {
	group, name = cutName(group, l.GroupNameMax), cutName(name, l.NameMax)
	c.mu.Lock()
	if _, ok := c.groups[group][name]; !ok && !frameworkGroups[group] {
		groups, counters := l.HeldGroups, l.HeldCounters
		for g, m := range c.groups {
			if !frameworkGroups[g] {
				groups++
				counters += len(m)
			}
		}
		if _, ok := c.groups[group]; !ok && groups+1 > l.Groups {
			c.mu.Unlock()
			return fmt.Errorf("org.apache.hadoop.mapreduce.counters.LimitExceededException: org.apache.hadoop.mapreduce.counters.LimitExceededException: Too many counter groups: %d max=%d", groups+1, l.Groups)
		}
		if counters+1 > l.Counters {
			c.mu.Unlock()
			return fmt.Errorf("org.apache.hadoop.mapreduce.counters.LimitExceededException: Too many counters: %d max=%d", counters+1, l.Counters)
		}
	}
	c.mu.Unlock()
	c.Add(group, name, delta)
	return nil
}

// Counters is a set of named 64-bit counters in named groups. It is safe
// for concurrent use. The zero value is ready to use.
type Counters struct {
	mu     sync.Mutex
	groups map[string]map[string]int64
	order  map[string][]string // counter names in first-touch order per group
}

// Add adds delta to counter name of group, creating both as needed.
func (c *Counters) Add(group, name string, delta int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.groups == nil {
		c.groups = map[string]map[string]int64{}
		c.order = map[string][]string{}
	}
	g := c.groups[group]
	if g == nil {
		g = map[string]int64{}
		c.groups[group] = g
	}
	v, ok := g[name]
	if !ok {
		c.order[group] = append(c.order[group], name)
	}
	if group == GroupTask && peakCounters[name] {
		// Hadoop's FrameworkCounter.increment of a *_MAX counter keeps
		// the larger value: a job's peak is its tasks' largest.
		if !ok || delta > v {
			g[name] = delta
		}
		return
	}
	g[name] += delta
}

// Get returns the value of a counter (0 if never added to).
func (c *Counters) Get(group, name string) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.groups[group][name]
}

// Merge adds every counter of o into c.
func (c *Counters) Merge(o *Counters) {
	for _, g := range o.Groups() {
		for _, n := range o.Names(g) {
			c.Add(g, n, o.Get(g, n))
		}
	}
}

// Groups returns the group names, sorted.
func (c *Counters) Groups() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]string, 0, len(c.groups))
	for g := range c.groups {
		out = append(out, g)
	}
	sort.Strings(out)
	return out
}

// Names returns the counter names of group in first-touch order.
func (c *Counters) Names(group string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.order[group]...)
}

// counterJSON is one counter in the JSON form of Counters.
type counterJSON struct {
	Name  string `json:"name"`
	Value int64  `json:"value"`
}

// groupJSON is one group in the JSON form of Counters.
type groupJSON struct {
	Group    string        `json:"group"`
	Counters []counterJSON `json:"counters"`
}

// MarshalJSON writes the counters as a list of groups (sorted by name),
// each with its counters in first-touch order, so that a decoded copy
// prints as the original does.
func (c *Counters) MarshalJSON() ([]byte, error) {
	out := []groupJSON{}
	for _, g := range c.Groups() {
		gj := groupJSON{Group: g}
		for _, n := range c.Names(g) {
			gj.Counters = append(gj.Counters, counterJSON{Name: n, Value: c.Get(g, n)})
		}
		out = append(out, gj)
	}
	return json.Marshal(out)
}

// UnmarshalJSON adds the counters of the MarshalJSON form to c.
func (c *Counters) UnmarshalJSON(data []byte) error {
	var in []groupJSON
	if err := json.Unmarshal(data, &in); err != nil {
		return fmt.Errorf("decode counters: %w", err)
	}
	for _, g := range in {
		for _, n := range g.Counters {
			c.Add(g.Group, n.Name, n.Value)
		}
	}
	return nil
}
