package web

import (
	"slices"
	"sort"
	"strings"

	"zebra/mapreduce"
)

// Counter names as Hadoop shows them: a group's display name (the
// console's and the web UI's) and a counter's enum name (the REST API's
// and `mapred job -counter`'s).

// groupDisplay maps counter groups to Hadoop's display names.
var groupDisplay = map[string]string{
	mapreduce.GroupFileSystem:   "File System Counters",
	mapreduce.GroupJob:          "Job Counters",
	mapreduce.GroupTask:         "Map-Reduce Framework",
	mapreduce.GroupShuffleError: "Shuffle Errors",
	mapreduce.GroupInputFormat:  "File Input Format Counters",
	mapreduce.GroupOutputFormat: "File Output Format Counters",
}

// groupOrder is the order Hadoop lists the framework groups in.
var groupOrder = []string{mapreduce.GroupFileSystem, mapreduce.GroupJob, mapreduce.GroupTask,
	mapreduce.GroupShuffleError, mapreduce.GroupInputFormat, mapreduce.GroupOutputFormat}

// GroupDisplayName is the display name of a counter group (the group
// itself for a user's group).
func GroupDisplayName(group string) string {
	if d, ok := groupDisplay[group]; ok {
		return d
	}
	return group
}

// enumNames maps "group\x00display name" to Hadoop's enum name for the
// counters whose enum name is not the display name in upper snake case.
var enumNames = map[string]string{
	mapreduce.GroupJob + "\x00Failed map tasks":                          "NUM_FAILED_MAPS",
	mapreduce.GroupJob + "\x00Failed reduce tasks":                       "NUM_FAILED_REDUCES",
	mapreduce.GroupJob + "\x00Killed map tasks":                          "NUM_KILLED_MAPS",
	mapreduce.GroupJob + "\x00Killed reduce tasks":                       "NUM_KILLED_REDUCES",
	mapreduce.GroupJob + "\x00Launched map tasks":                        "TOTAL_LAUNCHED_MAPS",
	mapreduce.GroupJob + "\x00Launched reduce tasks":                     "TOTAL_LAUNCHED_REDUCES",
	mapreduce.GroupJob + "\x00Other local map tasks":                     "OTHER_LOCAL_MAPS",
	mapreduce.GroupJob + "\x00Data-local map tasks":                      "DATA_LOCAL_MAPS",
	mapreduce.GroupJob + "\x00Rack-local map tasks":                      "RACK_LOCAL_MAPS",
	mapreduce.GroupJob + "\x00Total time spent by all map tasks (ms)":    "MILLIS_MAPS",
	mapreduce.GroupJob + "\x00Total time spent by all reduce tasks (ms)": "MILLIS_REDUCES",
	mapreduce.GroupTask + "\x00Input split bytes":                        "SPLIT_RAW_BYTES",
	mapreduce.GroupTask + "\x00Shuffled Maps ":                           "SHUFFLED_MAPS",
	mapreduce.GroupTask + "\x00Failed Shuffles":                          "FAILED_SHUFFLE",
	mapreduce.GroupTask + "\x00GC time elapsed (ms)":                     "GC_TIME_MILLIS",
	mapreduce.GroupTask + "\x00CPU time spent (ms)":                      "CPU_MILLISECONDS",
	mapreduce.GroupInputFormat + "\x00Bytes Read":                        "BYTES_READ",
	mapreduce.GroupOutputFormat + "\x00Bytes Written":                    "BYTES_WRITTEN",
}

// fsOps maps the file system group's display names (after "SCHEME: ") to
// the enum names' suffixes.
var fsOps = map[string]string{
	"Number of bytes read": "BYTES_READ", "Number of bytes written": "BYTES_WRITTEN",
	"Number of read operations": "READ_OPS", "Number of large read operations": "LARGE_READ_OPS",
	"Number of write operations": "WRITE_OPS",
}

// CounterEnumName is Hadoop's enum name of a counter of a framework
// group (MAP_INPUT_RECORDS for "Map input records"); a user's counter
// keeps its name.
func CounterEnumName(group, name string) string {
	if e, ok := enumNames[group+"\x00"+name]; ok {
		return e
	}
	switch group {
	case mapreduce.GroupFileSystem:
		if scheme, op, ok := strings.Cut(name, ": "); ok {
			if e, ok := fsOps[op]; ok {
				return strings.ToUpper(scheme) + "_" + e
			}
		}
		return name
	case mapreduce.GroupTask:
		return strings.ToUpper(strings.NewReplacer(" ", "_", "-", "_").Replace(strings.TrimSpace(name)))
	}
	return name
}

// FindCounter looks a counter up as `mapred job -counter` names it: the
// group by class or display name, the counter by enum or display name.
func FindCounter(c *mapreduce.Counters, group, name string) (int64, bool) {
	for _, g := range c.Groups() {
		if g != group && !strings.EqualFold(strings.TrimSpace(GroupDisplayName(g)), strings.TrimSpace(group)) {
			continue
		}
		for _, n := range c.Names(g) {
			if n == name || strings.TrimSpace(n) == strings.TrimSpace(name) || CounterEnumName(g, n) == name {
				return c.Get(g, n), true
			}
		}
	}
	return 0, false
}

// OrderedGroups lists the groups of c in Hadoop's order: the framework's
// groups first, then the others by name.
func OrderedGroups(c *mapreduce.Counters) []string {
	gs := c.Groups()
	var out []string
	for _, g := range groupOrder {
		if slices.Contains(gs, g) {
			out = append(out, g)
		}
	}
	var rest []string
	for _, g := range gs {
		if !slices.Contains(groupOrder, g) {
			rest = append(rest, g)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}

// taskCounterOrder is Hadoop's TaskCounter enum order.
var taskCounterOrder = []string{
	mapreduce.CounterMapInputRecords, mapreduce.CounterMapOutputRecords, mapreduce.CounterMapOutputBytes,
	mapreduce.CounterMapOutputMaterial, mapreduce.CounterInputSplitBytes, mapreduce.CounterCombineInputRecords,
	mapreduce.CounterCombineOutputRecords, mapreduce.CounterReduceInputGroups, mapreduce.CounterReduceShuffleBytes,
	mapreduce.CounterReduceInputRecords, mapreduce.CounterReduceOutputRecords, mapreduce.CounterSpilledRecords,
	mapreduce.CounterShuffledMaps, mapreduce.CounterFailedShuffles, mapreduce.CounterMergedMapOutputs,
}

// OrderedNames lists the counters of group in Hadoop's order (the job
// and task groups' enum order, else first touch).
func OrderedNames(c *mapreduce.Counters, group string) []string {
	names := c.Names(group)
	order := mapreduce.JobCounterNames
	switch group {
	case mapreduce.GroupJob:
	case mapreduce.GroupTask:
		order = taskCounterOrder
	default:
		return names
	}
	var out []string
	for _, n := range order {
		if slices.Contains(names, n) {
			out = append(out, n)
		}
	}
	for _, n := range names {
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// FormatCounters renders counters as Hadoop's Counters.toString does
// ("Counters: N", then a tab-indented line per group and two-tab lines
// name=value).
func FormatCounters(c *mapreduce.Counters) string {
	var b strings.Builder
	n := 0
	for _, g := range c.Groups() {
		n += len(c.Names(g))
	}
	b.WriteString("Counters: ")
	b.WriteString(itoa(int64(n)))
	for _, g := range OrderedGroups(c) {
		b.WriteString("\n\t" + GroupDisplayName(g))
		for _, name := range OrderedNames(c, g) {
			b.WriteString("\n\t\t" + name + "=" + itoa(c.Get(g, name)))
		}
	}
	return b.String()
}

// mapOnlyTaskCounters are the task counters Hadoop lists for a job
// without reduces.
var mapOnlyTaskCounters = []string{mapreduce.CounterMapInputRecords, mapreduce.CounterMapOutputRecords,
	mapreduce.CounterInputSplitBytes, mapreduce.CounterSpilledRecords, mapreduce.CounterFailedShuffles,
	mapreduce.CounterMergedMapOutputs}

// shuffleErrorNames are the counters of the "Shuffle Errors" group, as
// Hadoop lists them.
var shuffleErrorNames = []string{"BAD_ID", "CONNECTION", "IO_ERROR", "WRONG_LENGTH", "WRONG_MAP", "WRONG_REDUCE"}

// CompleteCounters returns c with the framework counters that Hadoop
// lists even at zero added as zero (the console's "Counters: N" dump
// lists the same): the task group's counters zebra keeps (the map-only
// subset for a job without reduces), the "Shuffle Errors" group for a job
// with reduces, and the input and output format groups' byte counts.
// The job group keeps the counters that were counted, as Hadoop's does.
// The task group's counters of Hadoop's that zebra does not measure (GC
// time, CPU time, memory) are not invented.
func CompleteCounters(c *mapreduce.Counters, mapOnly bool) *mapreduce.Counters {
	out := &mapreduce.Counters{}
	for _, n := range c.Names(mapreduce.GroupJob) {
		out.Add(mapreduce.GroupJob, n, 0)
	}
	task := taskCounterOrder
	if mapOnly {
		task = mapOnlyTaskCounters
	}
	for _, n := range task {
		out.Add(mapreduce.GroupTask, n, 0)
	}
	if !mapOnly {
		for _, n := range shuffleErrorNames {
			out.Add(mapreduce.GroupShuffleError, n, 0)
		}
	}
	out.Add(mapreduce.GroupInputFormat, mapreduce.CounterBytesRead, 0)
	out.Add(mapreduce.GroupOutputFormat, mapreduce.CounterBytesWritten, 0)
	if c != nil {
		out.Merge(c)
	}
	return out
}

// mapTaskCounters and reduceTaskCounters are the task counters Hadoop
// lists for a map task of a job with reduces and for a reduce task.
var (
	mapTaskCounters = []string{mapreduce.CounterMapInputRecords, mapreduce.CounterMapOutputRecords,
		mapreduce.CounterMapOutputBytes, mapreduce.CounterMapOutputMaterial, mapreduce.CounterInputSplitBytes,
		mapreduce.CounterCombineInputRecords, mapreduce.CounterCombineOutputRecords, mapreduce.CounterSpilledRecords,
		mapreduce.CounterFailedShuffles, mapreduce.CounterMergedMapOutputs}
	reduceTaskCounters = []string{mapreduce.CounterCombineInputRecords, mapreduce.CounterCombineOutputRecords,
		mapreduce.CounterReduceInputGroups, mapreduce.CounterReduceShuffleBytes, mapreduce.CounterReduceInputRecords,
		mapreduce.CounterReduceOutputRecords, mapreduce.CounterSpilledRecords, mapreduce.CounterShuffledMaps,
		mapreduce.CounterFailedShuffles, mapreduce.CounterMergedMapOutputs}
)

// completeTaskCounters is CompleteCounters for one task of kind ("map"
// or "reduce"): a map lists the input format's group (and, in a map-only
// job, the output format's), a reduce the shuffle errors and the output
// format's.
func completeTaskCounters(c *mapreduce.Counters, kind string, mapOnly bool) *mapreduce.Counters {
	out := &mapreduce.Counters{}
	switch {
	case kind == "reduce":
		for _, n := range reduceTaskCounters {
			out.Add(mapreduce.GroupTask, n, 0)
		}
		for _, n := range shuffleErrorNames {
			out.Add(mapreduce.GroupShuffleError, n, 0)
		}
	case mapOnly:
		for _, n := range mapOnlyTaskCounters {
			out.Add(mapreduce.GroupTask, n, 0)
		}
		out.Add(mapreduce.GroupInputFormat, mapreduce.CounterBytesRead, 0)
	default:
		for _, n := range mapTaskCounters {
			out.Add(mapreduce.GroupTask, n, 0)
		}
		out.Add(mapreduce.GroupInputFormat, mapreduce.CounterBytesRead, 0)
	}
	if kind == "reduce" || mapOnly {
		out.Add(mapreduce.GroupOutputFormat, mapreduce.CounterBytesWritten, 0)
	}
	out.Merge(c)
	return out
}
