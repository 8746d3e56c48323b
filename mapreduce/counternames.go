package mapreduce

import (
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Counter names as Hadoop shows them: a group's display name (the
// console's and the web UI's) and a counter's enum name (the REST API's
// and `mapred job -counter`'s).

// groupDisplay maps counter groups to Hadoop's display names: the
// CounterGroupName of each group's .properties resource in
// hadoop-mapreduce-client-core 3.4.1, trailing spaces and all (Java drops
// only the leading ones), which Hadoop's console prints as they are.
var groupDisplay = map[string]string{
	GroupFileSystem:   "File System Counters",
	GroupJob:          "Job Counters ",
	GroupTask:         "Map-Reduce Framework",
	GroupShuffleError: "Shuffle Errors",
	GroupInputFormat:  "File Input Format Counters ",
	GroupOutputFormat: "File Output Format Counters ",
}

// groupOrder are the groups Hadoop lists first, in this order; every
// other group follows sorted by its name (the class name of the format
// groups, "Shuffle Errors", a program's own), as Hadoop's console prints
// them (a program's group "MyGroup" comes before "Shuffle Errors", and
// both before the format groups, org.apache.hadoop...).
var groupOrder = []string{GroupFileSystem, GroupJob, GroupTask}

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
	GroupJob + "\x00Failed map tasks":                          "NUM_FAILED_MAPS",
	GroupJob + "\x00Failed reduce tasks":                       "NUM_FAILED_REDUCES",
	GroupJob + "\x00Killed map tasks":                          "NUM_KILLED_MAPS",
	GroupJob + "\x00Killed reduce tasks":                       "NUM_KILLED_REDUCES",
	GroupJob + "\x00Launched map tasks":                        "TOTAL_LAUNCHED_MAPS",
	GroupJob + "\x00Launched reduce tasks":                     "TOTAL_LAUNCHED_REDUCES",
	GroupJob + "\x00Other local map tasks":                     "OTHER_LOCAL_MAPS",
	GroupJob + "\x00Data-local map tasks":                      "DATA_LOCAL_MAPS",
	GroupJob + "\x00Rack-local map tasks":                      "RACK_LOCAL_MAPS",
	GroupJob + "\x00Total time spent by all map tasks (ms)":    "MILLIS_MAPS",
	GroupJob + "\x00Total time spent by all reduce tasks (ms)": "MILLIS_REDUCES",
	GroupTask + "\x00Input split bytes":                        "SPLIT_RAW_BYTES",
	GroupTask + "\x00Shuffled Maps ":                           "SHUFFLED_MAPS",
	GroupTask + "\x00Failed Shuffles":                          "FAILED_SHUFFLE",
	GroupTask + "\x00GC time elapsed (ms)":                     "GC_TIME_MILLIS",
	GroupTask + "\x00CPU time spent (ms)":                      "CPU_MILLISECONDS",
	GroupTask + "\x00" + CounterPhysicalMemory:                 "PHYSICAL_MEMORY_BYTES",
	GroupTask + "\x00" + CounterVirtualMemory:                  "VIRTUAL_MEMORY_BYTES",
	GroupTask + "\x00Total committed heap usage (bytes)":       "COMMITTED_HEAP_BYTES",
	GroupTask + "\x00" + CounterMapPhysicalMax:                 "MAP_PHYSICAL_MEMORY_BYTES_MAX",
	GroupTask + "\x00" + CounterMapVirtualMax:                  "MAP_VIRTUAL_MEMORY_BYTES_MAX",
	GroupTask + "\x00" + CounterReducePhysicalMax:              "REDUCE_PHYSICAL_MEMORY_BYTES_MAX",
	GroupTask + "\x00" + CounterReduceVirtualMax:               "REDUCE_VIRTUAL_MEMORY_BYTES_MAX",
	GroupInputFormat + "\x00Bytes Read":                        "BYTES_READ",
	GroupOutputFormat + "\x00Bytes Written":                    "BYTES_WRITTEN",
}

// fsOps maps the file system group's display names (after "SCHEME: ") to
// the enum names' suffixes.
var fsOps = map[string]string{
	fsBytesRead: "BYTES_READ", fsBytesWritten: "BYTES_WRITTEN",
	fsReadOps: "READ_OPS", fsLargeReadOps: "LARGE_READ_OPS",
	fsWriteOps: "WRITE_OPS", fsBytesReadEC: "BYTES_READ_EC",
}

// CounterEnumName is Hadoop's enum name of a counter of a framework
// group (MAP_INPUT_RECORDS for "Map input records"); a user's counter
// keeps its name.
func CounterEnumName(group, name string) string {
	if e, ok := enumNames[group+"\x00"+name]; ok {
		return e
	}
	switch group {
	case GroupFileSystem:
		if scheme, op, ok := strings.Cut(name, ": "); ok {
			if e, ok := fsOps[op]; ok {
				return strings.ToUpper(scheme) + "_" + e
			}
		}
		return name
	case GroupTask:
		return strings.ToUpper(strings.NewReplacer(" ", "_", "-", "_").Replace(strings.TrimSpace(name)))
	}
	return name
}

// FindCounter looks a counter up as `mapred job -counter` names it: the
// group by class or display name, the counter by enum or display name.
func FindCounter(c *Counters, group, name string) (int64, bool) {
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
func OrderedGroups(c *Counters) []string {
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

// TaskCounterNames are the counters of the task group (GroupTask) zebra
// keeps, in Hadoop's TaskCounter enum order.
var TaskCounterNames = []string{
	CounterMapInputRecords, CounterMapOutputRecords, CounterMapOutputBytes,
	CounterMapOutputMaterial, CounterInputSplitBytes, CounterCombineInputRecords,
	CounterCombineOutputRecords, CounterReduceInputGroups, CounterReduceShuffleBytes,
	CounterReduceInputRecords, CounterReduceOutputRecords, CounterSpilledRecords,
	CounterShuffledMaps, CounterFailedShuffles, CounterMergedMapOutputs,
}

// taskCounterOrder is Hadoop's TaskCounter enum order of every counter
// of the task group (the JVM's GC and heap counters, which zebra never
// has, included), which its console prints in.
var taskCounterOrder = []string{
	CounterMapInputRecords, CounterMapOutputRecords, "Map skipped records", CounterMapOutputBytes,
	CounterMapOutputMaterial, CounterInputSplitBytes, CounterCombineInputRecords,
	CounterCombineOutputRecords, CounterReduceInputGroups, CounterReduceShuffleBytes,
	CounterReduceInputRecords, CounterReduceOutputRecords, "Reduce skipped groups", "Reduce skipped records",
	CounterSpilledRecords, CounterShuffledMaps, CounterFailedShuffles, CounterMergedMapOutputs,
	"GC time elapsed (ms)", CounterCPUMillis, CounterPhysicalMemory, CounterVirtualMemory,
	"Total committed heap usage (bytes)", CounterMapPhysicalMax, CounterMapVirtualMax,
	CounterReducePhysicalMax, CounterReduceVirtualMax,
}

// TaskGroupOrder lists the task group's counters of names in Hadoop's
// TaskCounter enum order, names it does not know after them as given.
func TaskGroupOrder(names []string) []string {
	return inOrder(names, taskCounterOrder)
}

// inOrder lists names in the order of order, the others after them.
func inOrder(names, order []string) []string {
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

// OrderedNames lists the counters of group in Hadoop's order: the job
// and task groups' enum order, the file system group's by scheme and
// then its enum order, any other group's (a job's own counters, the
// shuffle errors) by name, as Hadoop's counter groups keep them in a
// sorted map (conformance cases 313 and 346).
func OrderedNames(c *Counters, group string) []string {
	names := c.Names(group)
	order := JobCounterNames
	switch group {
	case GroupJob:
	case GroupTask:
		order = taskCounterOrder
	case GroupFileSystem:
		return FileSystemOrder(names)
	default:
		slices.Sort(names)
		return names
	}
	return inOrder(names, order)
}

// FormatCounters renders counters as Hadoop's Counters.toString does
// ("Counters: N", then a tab-indented line per group and two-tab lines
// name=value).
func FormatCounters(c *Counters) string {
	var b strings.Builder
	n := 0
	for _, g := range c.Groups() {
		n += len(c.Names(g))
	}
	b.WriteString("Counters: ")
	b.WriteString(strconv.Itoa(n))
	for _, g := range OrderedGroups(c) {
		b.WriteString("\n\t" + GroupDisplayName(g))
		for _, name := range OrderedNames(c, g) {
			b.WriteString("\n\t\t" + name + "=" + strconv.FormatInt(c.Get(g, name), 10))
		}
	}
	return b.String()
}

// mapOnlyTaskCounters are the task counters Hadoop lists for a job
// without reduces.
var mapOnlyTaskCounters = []string{CounterMapInputRecords, CounterMapOutputRecords,
	CounterInputSplitBytes, CounterSpilledRecords, CounterFailedShuffles,
	CounterMergedMapOutputs}

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
func CompleteCounters(c *Counters, mapOnly bool) *Counters {
	out := &Counters{}
	for _, n := range c.Names(GroupJob) {
		out.Add(GroupJob, n, 0)
	}
	task := TaskCounterNames
	if mapOnly {
		task = mapOnlyTaskCounters
	}
	for _, n := range task {
		out.Add(GroupTask, n, 0)
	}
	if !mapOnly {
		for _, n := range shuffleErrorNames {
			out.Add(GroupShuffleError, n, 0)
		}
	}
	out.Add(GroupInputFormat, CounterBytesRead, 0)
	out.Add(GroupOutputFormat, CounterBytesWritten, 0)
	if c != nil {
		out.Merge(c)
	}
	return out
}

// mapTaskCounters and reduceTaskCounters are the task counters Hadoop
// lists for a map task of a job with reduces and for a reduce task.
var (
	mapTaskCounters = []string{CounterMapInputRecords, CounterMapOutputRecords,
		CounterMapOutputBytes, CounterMapOutputMaterial, CounterInputSplitBytes,
		CounterCombineInputRecords, CounterCombineOutputRecords, CounterSpilledRecords,
		CounterFailedShuffles, CounterMergedMapOutputs}
	reduceTaskCounters = []string{CounterCombineInputRecords, CounterCombineOutputRecords,
		CounterReduceInputGroups, CounterReduceShuffleBytes, CounterReduceInputRecords,
		CounterReduceOutputRecords, CounterSpilledRecords, CounterShuffledMaps,
		CounterFailedShuffles, CounterMergedMapOutputs}
)

// CompleteTaskCounters is CompleteCounters for one task of kind ("map"
// or "reduce"): a map lists the input format's group (and, in a map-only
// job, the output format's), a reduce the shuffle errors and the output
// format's.
func CompleteTaskCounters(c *Counters, kind string, mapOnly bool) *Counters {
	out := &Counters{}
	switch {
	case kind == "reduce":
		for _, n := range reduceTaskCounters {
			out.Add(GroupTask, n, 0)
		}
		for _, n := range shuffleErrorNames {
			out.Add(GroupShuffleError, n, 0)
		}
	case mapOnly:
		for _, n := range mapOnlyTaskCounters {
			out.Add(GroupTask, n, 0)
		}
		out.Add(GroupInputFormat, CounterBytesRead, 0)
	default:
		for _, n := range mapTaskCounters {
			out.Add(GroupTask, n, 0)
		}
		out.Add(GroupInputFormat, CounterBytesRead, 0)
	}
	if kind == "reduce" || mapOnly {
		out.Add(GroupOutputFormat, CounterBytesWritten, 0)
	}
	out.Merge(c)
	return out
}
