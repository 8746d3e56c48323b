package mapreduce

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Hadoop configuration keys the engine reads. They keep Hadoop's names, since
// users set them with -D exactly as they did for Hadoop.
const (
	KeyJobName             = "mapreduce.job.name"
	KeyNumReduces          = "mapreduce.job.reduces"
	KeyNumMaps             = "mapreduce.job.maps"
	KeySortMB              = "mapreduce.task.io.sort.mb"
	KeySortSpillPercent    = "mapreduce.map.sort.spill.percent"
	KeySortFactor          = "mapreduce.task.io.sort.factor"
	KeyCombineMinSpills    = "mapreduce.map.combine.minspills"
	KeyMinSplitSize        = "mapreduce.input.fileinputformat.split.minsize"
	KeyInputDirRecursive   = "mapreduce.input.fileinputformat.input.dir.recursive"
	KeyIgnoreSubdirs       = "mapreduce.input.fileinputformat.input.dir.nonrecursive.ignore.subdirs"
	KeyLocalBlockSize      = "fs.local.block.size"
	KeyRecordDelimiter     = "textinputformat.record.delimiter"
	KeyLineMaxLength       = "mapreduce.input.linerecordreader.line.maxlength"
	KeyKVSeparator         = "mapreduce.input.keyvaluelinerecordreader.key.value.separator"
	KeyLinesPerMap         = "mapreduce.input.lineinputformat.linespermap"
	KeyOutputSeparator     = "mapreduce.output.textoutputformat.separator"
	KeyOutputCompress      = "mapreduce.output.fileoutputformat.compress"
	KeyOutputCompressCodec = "mapreduce.output.fileoutputformat.compress.codec"
	KeyMarkSuccess         = "mapreduce.fileoutputcommitter.marksuccessfuljobs"
	KeyKeyFieldSeparator   = "mapreduce.map.output.key.field.separator"
	KeyPartitionerOptions  = "mapreduce.partition.keypartitioner.options"
	KeyComparatorOptions   = "mapreduce.partition.keycomparator.options"
	KeyOutputKeyComparator = "mapreduce.job.output.key.comparator.class"
	KeyGroupComparator     = "mapreduce.job.output.group.comparator.class"
	KeyPartitionerClass    = "mapreduce.job.partitioner.class"
	KeyMapParallelism      = "mapreduce.local.map.tasks.maximum"
	KeyReduceParallelism   = "mapreduce.local.reduce.tasks.maximum"
	KeyUser                = "mapreduce.job.user.name"
)

// deprecated maps Hadoop's old property names to the current ones, as
// Hadoop's Configuration deprecation table does, for the keys the engine and
// streaming read. Setting either name sets both.
var deprecated = map[string]string{
	"mapred.job.name":                         KeyJobName,
	"mapred.reduce.tasks":                     KeyNumReduces,
	"mapred.map.tasks":                        KeyNumMaps,
	"io.sort.mb":                              KeySortMB,
	"io.sort.spill.percent":                   KeySortSpillPercent,
	"io.sort.factor":                          KeySortFactor,
	"min.num.spills.for.combine":              KeyCombineMinSpills,
	"mapred.min.split.size":                   KeyMinSplitSize,
	"mapred.input.dir.recursive":              KeyInputDirRecursive,
	"mapred.linerecordreader.maxlength":       KeyLineMaxLength,
	"key.value.separator.in.input.line":       KeyKVSeparator,
	"mapred.line.input.format.linespermap":    KeyLinesPerMap,
	"mapred.textoutputformat.separator":       KeyOutputSeparator,
	"mapred.output.compress":                  KeyOutputCompress,
	"mapred.output.compression.codec":         KeyOutputCompressCodec,
	"map.output.key.field.separator":          KeyKeyFieldSeparator,
	"mapred.text.key.partitioner.options":     KeyPartitionerOptions,
	"mapred.text.key.comparator.options":      KeyComparatorOptions,
	"mapred.output.key.comparator.class":      KeyOutputKeyComparator,
	"mapred.output.value.groupfn.class":       KeyGroupComparator,
	"mapred.partitioner.class":                KeyPartitionerClass,
	"mapred.local.map.tasks.maximum":          KeyMapParallelism,
	"user.name":                               KeyUser,
	"mapred.job.id":                           "mapreduce.job.id",
	"mapred.task.id":                          "mapreduce.task.attempt.id",
	"mapred.tip.id":                           "mapreduce.task.id",
	"mapred.task.partition":                   "mapreduce.task.partition",
	"mapred.task.is.map":                      "mapreduce.task.ismap",
	"map.input.file":                          "mapreduce.map.input.file",
	"map.input.start":                         "mapreduce.map.input.start",
	"map.input.length":                        "mapreduce.map.input.length",
	"mapred.work.output.dir":                  "mapreduce.task.output.dir",
	"mapred.output.dir":                       "mapreduce.output.fileoutputformat.outputdir",
	"mapred.input.dir":                        "mapreduce.input.fileinputformat.inputdir",
	"mapred.output.key.class":                 "mapreduce.job.output.key.class",
	"mapred.output.value.class":               "mapreduce.job.output.value.class",
	"mapred.mapoutput.key.class":              "mapreduce.map.output.key.class",
	"mapred.mapper.regex":                     "mapreduce.mapper.regex",
	"mapred.mapper.regex.group":               "mapreduce.mapper.regexmapper..group",
	"mapred.data.field.separator":             "mapreduce.fieldsel.data.field.separator",
	"map.output.key.value.fields.spec":        "mapreduce.fieldsel.map.output.key.value.fields.spec",
	"reduce.output.key.value.fields.spec":     "mapreduce.fieldsel.reduce.output.key.value.fields.spec",
	"mapred.mapoutput.value.class":            "mapreduce.map.output.value.class",
	"mapred.cache.files":                      "mapreduce.job.cache.files",
	"mapred.cache.archives":                   "mapreduce.job.cache.archives",
	"mapred.job.tracker":                      "mapreduce.jobtracker.address",
	"mapred.local.dir":                        "mapreduce.cluster.local.dir",
	"fs.default.name":                         "fs.defaultFS",
	"mapred.output.compression.type":          "mapreduce.output.fileoutputformat.compress.type",
	"mapred.compress.map.output":              "mapreduce.map.output.compress",
	"mapred.map.max.attempts":                 "mapreduce.map.maxattempts",
	"mapred.reduce.max.attempts":              "mapreduce.reduce.maxattempts",
	"mapred.task.timeout":                     "mapreduce.task.timeout",
	"mapred.child.java.opts":                  "mapreduce.map.java.opts",
	"mapred.job.queue.name":                   "mapreduce.job.queuename",
	"mapreduce.map.class":                     "mapreduce.job.map.class",
	"mapreduce.reduce.class":                  "mapreduce.job.reduce.class",
	"mapreduce.combine.class":                 "mapreduce.job.combine.class",
	"mapred.output.value.groupfn.class.extra": "mapreduce.job.output.group.comparator.class.extra",
}

// Conf is a job configuration: Hadoop property names to string values.
// Conf values are not safe for concurrent mutation; the engine treats a
// job's Conf as read-only once the job starts.
type Conf struct {
	m map[string]string
}

// NewConf returns an empty configuration.
func NewConf() *Conf { return &Conf{m: map[string]string{}} }

// canonical returns the current name for a possibly deprecated key.
func canonical(key string) string {
	if c, ok := deprecated[key]; ok {
		return c
	}
	return key
}

// Set sets key (an old or current Hadoop name) to value.
func (c *Conf) Set(key, value string) { c.m[canonical(key)] = value }

// Unset removes key.
func (c *Conf) Unset(key string) { delete(c.m, canonical(key)) }

// Lookup returns the value of key and whether it is set.
func (c *Conf) Lookup(key string) (string, bool) {
	v, ok := c.m[canonical(key)]
	return v, ok
}

// Get returns the value of key, or def when unset.
func (c *Conf) Get(key, def string) string {
	if v, ok := c.Lookup(key); ok {
		return v
	}
	return def
}

// Int returns key as an int, or def when unset. A value that is not an
// integer is an Invalid error naming the key.
func (c *Conf) Int(key string, def int) (int, error) {
	v, ok := c.Lookup(key)
	if !ok {
		return def, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return def, E("read configuration", Invalid, "", fmt.Errorf("%s=%q is not an integer", key, v))
	}
	return n, nil
}

// Int64 is Int for 64-bit values.
func (c *Conf) Int64(key string, def int64) (int64, error) {
	v, ok := c.Lookup(key)
	if !ok {
		return def, nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return def, E("read configuration", Invalid, "", fmt.Errorf("%s=%q is not an integer", key, v))
	}
	return n, nil
}

// Float returns key as a float64, or def when unset.
func (c *Conf) Float(key string, def float64) (float64, error) {
	v, ok := c.Lookup(key)
	if !ok {
		return def, nil
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil {
		return def, E("read configuration", Invalid, "", fmt.Errorf("%s=%q is not a number", key, v))
	}
	return f, nil
}

// Bool returns key as Hadoop reads booleans: "true" (any case) is true,
// "false" is false, anything else is def.
func (c *Conf) Bool(key string, def bool) bool {
	v, ok := c.Lookup(key)
	if !ok {
		return def
	}
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true":
		return true
	case "false":
		return false
	}
	return def
}

// Keys returns every set key, sorted.
func (c *Conf) Keys() []string {
	keys := make([]string, 0, len(c.m))
	for k := range c.m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Clone returns an independent copy.
func (c *Conf) Clone() *Conf {
	n := &Conf{m: make(map[string]string, len(c.m))}
	for k, v := range c.m {
		n.m[k] = v
	}
	return n
}

// DeprecatedNames returns the old names of key, sorted.
func DeprecatedNames(key string) []string {
	var out []string
	for old, cur := range deprecated {
		if cur == key {
			out = append(out, old)
		}
	}
	sort.Strings(out)
	return out
}

// MarshalJSON writes the configuration as a JSON object of its settings.
func (c *Conf) MarshalJSON() ([]byte, error) { return json.Marshal(c.m) }

// UnmarshalJSON replaces the configuration with the settings of a JSON
// object.
func (c *Conf) UnmarshalJSON(data []byte) error {
	m := map[string]string{}
	if err := json.Unmarshal(data, &m); err != nil {
		return fmt.Errorf("decode configuration: %w", err)
	}
	c.m = make(map[string]string, len(m))
	for k, v := range m {
		c.Set(k, v)
	}
	return nil
}
