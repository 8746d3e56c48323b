package streaming

import (
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"zebra/mapreduce"
)

// Options is a parsed streaming command line: Hadoop's generic options
// (GenericOptionsParser) followed by StreamJob's own options.
type Options struct {
	// Conf holds every -D, -conf and -jobconf setting, plus what options
	// imply (mapreduce.job.reduces for -numReduceTasks, ...).
	Conf *mapreduce.Conf
	// ConfFiles are the -conf files, in order.
	ConfFiles []string
	// Files and Archives are the generic -files/-archives entries (a name
	// may carry a #link fragment); LibJars the -libjars entries.
	Files, Archives, LibJars []string
	// DefaultFS is -fs; JobTracker is -jt ("" or "local" for the local
	// runner).
	DefaultFS, JobTracker string

	Inputs   []string
	Output   string
	Mapper   string
	Combiner string
	Reducer  string
	// ShipFiles are the -file entries.
	ShipFiles                                           []string
	InputFormat, OutputFormat, Partitioner, InputReader string
	// NumReduceTasks is the -numReduceTasks value as typed ("" if absent).
	NumReduceTasks     string
	CmdEnv             []string
	MapDebug, RedDebug string
	IO                 string
	LazyOutput         bool
	Background         bool
	Verbose            bool
	Info               bool
	Help               bool
	Debug              bool
	// defines are the generic -D settings, applied over the -conf files.
	defines [][2]string
	// Warnings are Hadoop's deprecation warnings for the options used, to be
	// logged at WARN.
	Warnings []string
}

// cliError is a command-line problem, reported as Hadoop reports it.
type cliError struct {
	// Logged is logged as "ERROR streaming.StreamJob: <Logged>".
	Logged string
	// Usage prints the usage text on stdout after Logged.
	Usage bool
	// Fail is printed plain on stderr followed by "Try -help for more
	// information" (when FailSet).
	Fail    string
	FailSet bool
	// Raw is printed on stderr as is (no "Try -help").
	Raw string
	// Code is the exit code.
	Code int
	// Escaped marks a Java exception that escapes Hadoop's main: no
	// "Streaming Command Failed!" follows it.
	Escaped bool
}

func (e *cliError) Error() string {
	switch {
	case e.Logged != "":
		return e.Logged
	case e.FailSet:
		return e.Fail
	case e.Raw != "":
		return e.Raw
	}
	return "streaming command failed"
}

func failErr(msg string) *cliError { return &cliError{Fail: msg, FailSet: true, Code: 1} }

// optSpec describes one StreamJob option: how many arguments it takes.
type optSpec struct {
	args int // 0: flag, 1: one value, -1: one or more values
}

var streamOptions = map[string]optSpec{
	"input": {-1}, "output": {1}, "mapper": {1}, "combiner": {1}, "reducer": {1},
	"file": {-1}, "dfs": {1}, "additionalconfspec": {1}, "inputformat": {1},
	"outputformat": {1}, "partitioner": {1}, "numReduceTasks": {1}, "inputreader": {1},
	"mapdebug": {1}, "reducedebug": {1}, "jobconf": {-1}, "cmdenv": {1},
	"cacheFile": {-1}, "cacheArchive": {-1}, "io": {1},
	"verbose": {0}, "info": {0}, "debug": {0}, "help": {0}, "lazyOutput": {0}, "background": {0},
}

var genericOptions = map[string]bool{
	"fs": true, "jt": true, "conf": true, "libjars": true, "files": true, "archives": true,
	"D": true, "tokenCacheFile": true,
}

// stripHyphens removes one or two leading hyphens, as commons-cli does.
func stripHyphens(s string) string {
	if strings.HasPrefix(s, "--") {
		return s[2:]
	}
	if strings.HasPrefix(s, "-") {
		return s[1:]
	}
	return s
}

// stripQuotes removes one pair of surrounding double quotes when no other
// double quote is inside (commons-cli's rule for option values).
func stripQuotes(s string) string {
	if len(s) > 1 && s[0] == '"' && s[len(s)-1] == '"' && !strings.Contains(s[1:len(s)-1], `"`) {
		return s[1 : len(s)-1]
	}
	return s
}

// parseGeneric consumes Hadoop's generic options from the front of args and
// returns the rest. It stops at the first token that is not a generic
// option, exactly as GenericOptionsParser does, so generic options after a
// streaming option are left for the streaming parser (which rejects them).
func parseGeneric(o *Options, args []string) ([]string, error) {
	i := 0
	for i < len(args) {
		tok := args[i]
		if tok == "--" {
			return args[i+1:], nil
		}
		if !strings.HasPrefix(tok, "-") || tok == "-" {
			return args[i:], nil
		}
		name := stripHyphens(tok)
		var value string
		hasValue := false
		switch {
		case genericOptions[name]:
		case strings.HasPrefix(tok, "-D") && len(tok) > 2:
			name, value, hasValue = "D", tok[2:], true
		default:
			return args[i:], nil
		}
		i++
		if !hasValue {
			if i >= len(args) {
				return nil, &cliError{Raw: "Missing argument for option: " + name, Code: 1}
			}
			value = stripQuotes(args[i])
			i++
		}
		switch name {
		case "D":
			if k, v, ok := strings.Cut(value, "="); ok {
				o.defines = append(o.defines, [2]string{k, v})
			}
		case "conf":
			o.ConfFiles = append(o.ConfFiles, value)
		case "fs":
			o.DefaultFS = value
			o.Conf.Set("fs.defaultFS", value)
		case "jt":
			o.JobTracker = value
			if value == "local" {
				o.Conf.Set("mapreduce.framework.name", "local")
			}
		case "files":
			o.Files = append(o.Files, splitComma(value)...)
		case "archives":
			o.Archives = append(o.Archives, splitComma(value)...)
		case "libjars":
			o.LibJars = append(o.LibJars, splitComma(value)...)
		case "tokenCacheFile":
		}
	}
	return nil, nil
}

func splitComma(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// ParseArgs parses a full `mapred streaming` command line (without the
// "streaming" verb); dir is the client's working directory, against which
// -conf, -files, -archives and -libjars entries are checked, as
// GenericOptionsParser checks them before anything else. Problems come back
// as *cliError values carrying Hadoop's message and exit code.
func ParseArgs(args []string, dir string) (*Options, error) {
	o := &Options{Conf: mapreduce.NewConf()}
	rest, err := parseGeneric(o, args)
	if err != nil {
		return nil, err
	}
	for _, list := range [][]string{o.LibJars, o.Files, o.Archives} {
		for _, f := range list {
			name, _, _ := strings.Cut(f, "#")
			if p, ok := localPath(name, dir); ok {
				if _, err := os.Stat(p); err != nil {
					return nil, &cliError{Raw: "Exception in thread \"main\" java.io.FileNotFoundException: File " + name + " does not exist", Code: 1, Escaped: true}
				}
			}
		}
	}
	for _, f := range o.ConfFiles {
		p, _ := localPath(f, dir)
		if err := loadConfFile(o.Conf, p); err != nil {
			return nil, &cliError{Raw: "Exception in thread \"main\" java.lang.RuntimeException: " + err.Error(), Code: 1, Escaped: true}
		}
	}
	for _, kv := range o.defines {
		o.Conf.Set(kv[0], kv[1])
	}
	if err := parseStream(o, rest); err != nil {
		return nil, err
	}
	o.Warnings = hadoopWarningOrder(o.Warnings)
	return o, nil
}

// warningOrder is the order in which Hadoop's StreamJob logs its
// deprecation warnings: each once, whatever the order and number of the
// options on the command line.
var warningOrder = []string{"-file ", "-dfs ", "-cacheArchive ", "-cacheFile ", "-jobconf ", "-additionalconfspec "}

// hadoopWarningOrder drops repeated warnings and sorts them as Hadoop logs
// them (see warningOrder; others keep their place after those).
func hadoopWarningOrder(ws []string) []string {
	rank := func(w string) int {
		for i, p := range warningOrder {
			if strings.HasPrefix(w, p) {
				return i
			}
		}
		return len(warningOrder)
	}
	var out []string
	seen := map[string]bool{}
	for _, w := range ws {
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return rank(out[i]) < rank(out[j]) })
	return out
}

func parseStream(o *Options, args []string) error {
	var leftovers []string
	for i := 0; i < len(args); i++ {
		tok := args[i]
		if tok == "--" {
			leftovers = append(leftovers, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(tok, "-") || tok == "-" {
			leftovers = append(leftovers, tok)
			continue
		}
		name := stripHyphens(tok)
		spec, ok := streamOptions[name]
		if !ok {
			return &cliError{Logged: "Unrecognized option: " + tok, Usage: true, Code: 1}
		}
		var values []string
		if spec.args != 0 {
			for i+1 < len(args) {
				next := args[i+1]
				if strings.HasPrefix(next, "-") {
					if _, isOpt := streamOptions[stripHyphens(next)]; isOpt {
						break
					}
				}
				if spec.args == 1 && len(values) == 1 {
					break
				}
				values = append(values, stripQuotes(next))
				i++
			}
			if len(values) == 0 {
				return &cliError{Logged: "Missing argument for option: " + name, Usage: true, Code: 1}
			}
		}
		if err := applyStreamOption(o, name, values); err != nil {
			return err
		}
	}
	if len(leftovers) > 0 {
		return failErr(fmt.Sprintf("Found %d unexpected arguments on the command line [%s]", len(leftovers), strings.Join(leftovers, ", ")))
	}
	return nil
}

func applyStreamOption(o *Options, name string, values []string) error {
	v := ""
	if len(values) > 0 {
		v = values[0]
	}
	switch name {
	case "input":
		o.Inputs = append(o.Inputs, values...)
	case "output":
		o.Output = v
	case "mapper":
		o.Mapper = v
	case "combiner":
		o.Combiner = v
	case "reducer":
		o.Reducer = v
	case "file":
		o.Warnings = append(o.Warnings, "-file option is deprecated, please use generic option -files instead.")
		o.ShipFiles = append(o.ShipFiles, values...)
	case "dfs":
		o.Warnings = append(o.Warnings, "-dfs option is deprecated, please use -fs instead.")
		o.Conf.Set("fs.defaultFS", v)
	case "additionalconfspec":
		o.Warnings = append(o.Warnings, "-additionalconfspec option is deprecated, please use -conf instead.")
		o.ConfFiles = append(o.ConfFiles, v)
	case "inputformat":
		o.InputFormat = v
	case "outputformat":
		o.OutputFormat = v
	case "partitioner":
		o.Partitioner = v
	case "numReduceTasks":
		o.NumReduceTasks = v
	case "inputreader":
		o.InputReader = v
	case "mapdebug":
		o.MapDebug = v
	case "reducedebug":
		o.RedDebug = v
	case "jobconf":
		o.Warnings = append(o.Warnings, "-jobconf option is deprecated, please use -D instead.")
		for _, kv := range values {
			k, val, ok := strings.Cut(kv, "=")
			if !ok {
				return failErr("-jobconf: " + kv + " is invalid")
			}
			o.Conf.Set(k, val)
		}
	case "cmdenv":
		o.CmdEnv = append(o.CmdEnv, v)
	case "cacheFile":
		o.Warnings = append(o.Warnings, "-cacheFile option is deprecated, please use -files instead.")
		o.Files = append(o.Files, values...)
	case "cacheArchive":
		o.Warnings = append(o.Warnings, "-cacheArchive option is deprecated, please use -archives instead.")
		o.Archives = append(o.Archives, values...)
	case "io":
		o.IO = v
	case "verbose":
		o.Verbose = true
	case "info":
		o.Info = true
	case "debug":
		o.Debug = true
	case "help":
		o.Help = true
	case "lazyOutput":
		o.LazyOutput = true
	case "background":
		o.Background = true
	}
	return nil
}

// validate runs StreamJob's post-parse checks, in Hadoop's order.
func (o *Options) validate() error {
	if len(o.Inputs) == 0 {
		return failErr("Required argument: -input <name>")
	}
	if o.Output == "" {
		return failErr("Required argument: -output ")
	}
	if o.NumReduceTasks != "" {
		n, err := strconv.ParseInt(o.NumReduceTasks, 10, 32)
		if err != nil {
			// Hadoop lets the NumberFormatException escape: no message at all.
			return &cliError{Code: 1}
		}
		o.Conf.Set(mapreduce.KeyNumReduces, strconv.FormatInt(n, 10))
	}
	return nil
}

// localPath resolves a plain path or file: URL against dir. ok is false for
// URLs of other schemes.
func localPath(name, dir string) (string, bool) {
	if i := strings.Index(name, ":"); i > 1 && !strings.Contains(name[:i], "/") {
		if !strings.EqualFold(name[:i], "file") {
			return name, false
		}
		name = strings.TrimPrefix(name[i+1:], "//")
		if !strings.HasPrefix(name, "/") {
			name = "/" + name
		}
	}
	if !filepath.IsAbs(name) {
		name = filepath.Join(dir, name)
	}
	return filepath.Clean(name), true
}

// LoadConfFile reads a Hadoop configuration XML file (a -conf file, a
// core-site.xml) into conf.
func LoadConfFile(conf *mapreduce.Conf, path string) error { return loadConfFile(conf, path) }

// loadConfFile reads a Hadoop configuration XML file into conf.
func loadConfFile(conf *mapreduce.Conf, path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read configuration file %s: %w", path, err)
	}
	var doc struct {
		Properties []struct {
			Name  string `xml:"name"`
			Value string `xml:"value"`
		} `xml:"property"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("parse configuration file %s: %w", path, err)
	}
	for _, p := range doc.Properties {
		conf.Set(strings.TrimSpace(p.Name), p.Value)
	}
	return nil
}
