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
)

// JobCounterNames are the counters of the job group (GroupJob), in the
// order Hadoop's JobCounter enum lists (and its console prints) them. A
// cluster counts them; the local runner, as Hadoop's, has none.
var JobCounterNames = []string{
	"Failed map tasks", "Failed reduce tasks", "Killed map tasks", "Killed reduce tasks",
	"Launched map tasks", "Launched reduce tasks", "Other local map tasks", "Data-local map tasks",
	"Rack-local map tasks", "Total time spent by all map tasks (ms)", "Total time spent by all reduce tasks (ms)",
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
	if _, ok := g[name]; !ok {
		c.order[group] = append(c.order[group], name)
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
