package streaming

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"zebra/mapreduce"
)

var (
	//go:embed usage/prefix.txt
	usagePrefix string
	//go:embed usage/help-tail.txt
	usageHelpTail string
	//go:embed usage/info-tail.txt
	usageInfoTail string
	//go:embed usage/noargs.txt
	usageNoArgs string
)

// Env is everything one `zebra streaming` invocation runs with. Only
// cmd/zebra builds it; tests build their own.
type Env struct {
	Stdout, Stderr io.Writer
	// Environ is the parent environment handed to every task program.
	Environ []string
	// Dir is the client's working directory.
	Dir string
	// Registry resolves input and output paths to file systems.
	Registry *mapreduce.Registry
	// Qualify, if set, turns an -input or -output value into the URI it
	// names under the job's default file system (fs.defaultFS, from the
	// job's settings or the Hadoop configuration), as Hadoop qualifies
	// paths; nil leaves every path as typed (a plain path is a local file).
	Qualify func(path string, conf *mapreduce.Conf) (string, error)
	// Runner starts task programs, unless Sandbox is set.
	Runner mapreduce.Runner
	// Sandbox, if set, returns the runner for the job's zebra.sandbox
	// setting ("" for the default), configured from the job's settings, and
	// a warning to print, if any.
	Sandbox func(mode string, conf *mapreduce.Conf) (mapreduce.Runner, string, error)
	// WorkDir holds scratch data (removed after the job); LogDir keeps task
	// logs (one directory per job).
	WorkDir, LogDir string
	// Slots bounds parallel tasks (0: one per core).
	Slots int
	// Configure, if set, is called with the job's configuration as soon as
	// the command line is parsed, before any path is resolved (so that
	// file systems can read per-job settings such as credentials).
	Configure func(conf *mapreduce.Conf)
	// JobTracker is the default jobtracker URL (ZEBRA_JOBTRACKER); -jt and
	// mapreduce.jobtracker.address override it, and "local" or "" means the
	// embedded local runner.
	JobTracker string
	// LimitMemory lets Run set the Go runtime's soft memory limit from the
	// job's sort buffers and a low GC target (unless GOMEMLIMIT or GOGC are
	// set), so that the process stays near what the buffers need.
	LimitMemory bool
	// SiteConf is the client's Hadoop configuration (core-site.xml,
	// hdfs-site.xml, mapred-site.xml; nil for none). A job's own settings
	// override it. Today it supplies mapreduce.job.maps, the split count a
	// cluster submission requests, as a Hadoop client's mapred-site.xml does.
	SiteConf map[string]string
	// InfoEnv are the environment variables the command reads, which
	// -info lists after zebra's job settings (mapreduce.Settings).
	InfoEnv []mapreduce.Setting
	Logger  *slog.Logger
}

// console writes Hadoop-style log4j lines: "<time> <LEVEL> <logger>: <msg>".
type console struct {
	mu sync.Mutex
	w  io.Writer
}

func (c *console) log(level, logger, format string, args ...any) {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	ts := time.Now().Format("2006-01-02 15:04:05,000")
	c.mu.Lock()
	fmt.Fprintf(c.w, "%s %s %s: %s\n", ts, level, logger, msg)
	c.mu.Unlock()
}

func (c *console) plain(s string) {
	c.mu.Lock()
	io.WriteString(c.w, s)
	c.mu.Unlock()
}

// Write lets task stderr lines through, whole.
func (c *console) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.w.Write(p)
}

// Run runs one streaming command line (the arguments after `mapred
// streaming` or `hadoop jar <streaming jar>`) and returns the process exit
// code Hadoop would return.
func Run(ctx context.Context, args []string, e *Env) int {
	con := &console{w: e.Stderr}
	if len(args) == 0 {
		con.plain("No Arguments Given!\n")
		io.WriteString(e.Stdout, usageNoArgs)
		return 1
	}
	switch strings.ToLower(args[0]) {
	case "streamjob":
		args = args[1:]
	case "loadtb":
		con.plain(fmt.Sprintf("zebra: %s (typed bytes tools) is not supported\nStreaming Command Failed!\n", args[0]))
		return 1
	}
	var code int
	if strings.EqualFold(args[0], "dumptb") {
		code = dumpTypedBytes(ctx, args[1:], e, con)
	} else {
		code = run(ctx, args, e, con)
	}
	if code > 0 {
		con.plain("Streaming Command Failed!\n")
	}
	if code < 0 {
		code = -code // the error escaped Hadoop's main: no closing line
	}
	return code
}

func run(ctx context.Context, args []string, e *Env, con *console) int {
	o, err := ParseArgs(args, e.Dir)
	if err == nil && (o.Help || o.Info) {
		io.WriteString(e.Stdout, usageText(o.Info))
		if o.Info {
			io.WriteString(e.Stderr, zebraInfo(e.InfoEnv))
		}
		return 0
	}
	if err == nil && e.Configure != nil {
		e.Configure(o.Conf)
	}

	var p *plan
	if err == nil {
		p, err = build(ctx, o, e)
		for _, w := range o.Warnings {
			con.log("WARN", "streaming.StreamJob", "%s", w)
		}
	}
	if err != nil {
		return reportError(err, e, con, args)
	}
	if code := prepare(ctx, o, p, e, con); code != 0 {
		return code
	}
	if jt := jobTracker(o, e); jt != "" {
		return submit(ctx, args, o, p, e, con, jt)
	}
	return execute(ctx, args, o, p, e, con)
}

// zebraInfo is what -info adds to Hadoop's text: zebra's own job
// settings and environment variables. It goes to stderr, after Hadoop's
// text on stdout, which stays Hadoop's byte for byte (conformance case
// 063): a script that reads -info's stdout reads Hadoop's.
func zebraInfo(env []mapreduce.Setting) string {
	var b strings.Builder
	section := func(title string, list []mapreduce.Setting) {
		b.WriteString(title + "\n")
		width := 0
		for _, s := range list {
			width = max(width, len(s.Name))
		}
		for _, s := range list {
			fmt.Fprintf(&b, "  %-*s %s", width, s.Name, s.Doc)
			if s.Default != "" {
				fmt.Fprintf(&b, " (default %s)", s.Default)
			}
			b.WriteString("\n")
		}
	}
	b.WriteString("\nzebra's own settings (Hadoop ignores them; Hadoop's options are above, on stdout):\n")
	section("Job settings, -D NAME=VALUE:", mapreduce.Settings)
	if len(env) > 0 {
		section("Environment:", env)
	}
	return b.String()
}

func usageText(info bool) string {
	if info {
		return usagePrefix + usageInfoTail
	}
	return usagePrefix + usageHelpTail
}

// reportError prints a command-line or configuration problem as Hadoop does
// and returns the exit code.
func reportError(err error, e *Env, con *console, args []string) int {
	var ce *cliError
	if errors.As(err, &ce) {
		if ce.Logged != "" {
			con.log("ERROR", "streaming.StreamJob", "%s", ce.Logged)
		}
		if ce.Usage {
			io.WriteString(e.Stdout, usageText(len(args) > 0 && args[0] == "-info"))
			con.plain("\nTry -help for more information\n")
		}
		if ce.FailSet {
			con.plain(ce.Fail + "\nTry -help for more information\n")
		}
		if ce.Raw != "" {
			con.plain(ce.Raw + "\n")
		}
		if ce.Escaped {
			return -ce.Code
		}
		return ce.Code
	}
	con.log("ERROR", "streaming.StreamJob", "%s", err.Error())
	return 1
}

// submit checks the output and inputs, runs the job and prints Hadoop's
// console report.
// prepare checks the output and inputs and computes the splits, with
// Hadoop's messages; it returns the exit code of a failure, or 0.
func prepare(ctx context.Context, o *Options, p *plan, e *Env, con *console) int {
	job := p.job
	qualify := func(p string) (string, error) {
		if e.Qualify == nil {
			return p, nil
		}
		return e.Qualify(p, job.Conf)
	}
	output, err := qualify(o.Output)
	if err != nil {
		con.log("ERROR", "streaming.StreamJob", "Error Launching job : %v", err)
		return 5
	}
	outFS, outPath, err := e.Registry.Resolve(ctx, inDir(e.Dir, output))
	if err != nil {
		con.log("ERROR", "streaming.StreamJob", "Error Launching job : %v", err)
		return 5
	}
	// Output spec first, as Hadoop checks it before listing inputs.
	if _, err := outFS.Stat(ctx, outPath); err == nil {
		con.log("ERROR", "streaming.StreamJob", "Error Launching job : Output directory %s already exists", outFS.URI(outPath))
		return 5
	}
	job.OutputFS, job.Output = outFS, outPath
	p.env.outputDir = outFS.URI(outPath)
	job.Conf.Set("mapreduce.output.fileoutputformat.outputdir", p.env.outputDir)

	var inFS mapreduce.FS
	var inputs []string
	for _, spec := range o.Inputs {
		for _, in := range splitInputs(spec) {
			in, err := qualify(in)
			if err != nil {
				con.log("ERROR", "streaming.StreamJob", "Error Launching job : %v", err)
				return 5
			}
			fsys, path, err := e.Registry.Resolve(ctx, inDir(e.Dir, in))
			if err != nil {
				con.log("ERROR", "streaming.StreamJob", "Error Launching job : %v", err)
				return 5
			}
			if inFS != nil && fsys != inFS {
				con.log("ERROR", "streaming.StreamJob", "Error Launching job : inputs on different file systems are not supported yet (%s)", in)
				return 5
			}
			inFS = fsys
			inputs = append(inputs, path)
		}
	}
	job.InputFS = inFS
	qualified := make([]string, len(inputs))
	for i, in := range inputs {
		qualified[i] = inFS.URI(in)
	}
	job.Conf.Set("mapreduce.input.fileinputformat.inputdir", strings.Join(qualified, ","))
	files, err := mapreduce.ListInputs(ctx, inFS, inputs, job.Conf)
	if err != nil {
		var ie *mapreduce.InputError
		if errors.As(err, &ie) {
			con.log("ERROR", "streaming.StreamJob", "Error Launching job : %s", ie.Error())
		} else {
			con.log("ERROR", "streaming.StreamJob", "Error Launching job : %v", err)
		}
		return 5
	}
	con.log("INFO", "mapred.FileInputFormat", "Total input files to process : %d", len(files))
	job.Conf.Set("mapreduce.input.fileinputformat.numinputfiles", strconv.Itoa(len(files)))
	if len(o.ShipFiles) > 0 {
		// Hadoop packs -file files into a job jar and says so on stdout.
		tmp := job.Conf.Get("stream.tmpdir", "")
		shown := tmp
		if tmp == "" {
			tmp, shown = os.TempDir(), "null"
		}
		fmt.Fprintf(e.Stdout, "packageJobJar: [%s] [] %s tmpDir=%s\n", strings.Join(o.ShipFiles, ", "),
			filepath.Join(tmp, fmt.Sprintf("streamjob%d.jar", rand.Int64N(1<<62))), shown)
	}
	if job.Format == mapreduce.NLineInput {
		n, err := job.Conf.Int(mapreduce.KeyLinesPerMap, 1)
		if err == nil {
			job.Splits, err = mapreduce.NLineSplits(ctx, inFS, files, n)
		}
		if err != nil {
			con.log("ERROR", "streaming.StreamJob", "Error Launching job : %v", err)
			return 5
		}
	} else {
		minSize, err1 := job.Conf.Int64(mapreduce.KeyMinSplitSize, 1)
		if job.Format == mapreduce.SeqInput || job.Format == mapreduce.SeqTextInput {
			// SequenceFileInputFormat's own minimum split size.
			minSize = max(minSize, mapreduce.SeqMinSplitSize)
		}
		block, err2 := job.Conf.Int64(mapreduce.KeyLocalBlockSize, mapreduce.DefaultBlockSize)
		if err := errors.Join(err1, err2); err != nil {
			con.log("ERROR", "streaming.StreamJob", "Error Launching job : %v", err)
			return 5
		}
		// The local runner forces mapreduce.job.maps=1, as Hadoop's
		// LocalClientProtocolProvider does; a cluster takes the job's
		// mapreduce.job.maps (Hadoop's default 2) as the old API's
		// requested split count.
		maps := 1
		if jobTracker(o, e) != "" {
			def := DefaultClusterMaps
			if v, ok := e.SiteConf[mapreduce.KeyNumMaps]; ok {
				n, err := strconv.Atoi(strings.TrimSpace(v))
				if err != nil || n < 1 {
					con.log("ERROR", "streaming.StreamJob", "Error Launching job : %s=%q in the Hadoop configuration (mapred-site.xml) is not a positive number", mapreduce.KeyNumMaps, v)
					return 5
				}
				def = n
			}
			n, err := job.Conf.Int(mapreduce.KeyNumMaps, def)
			if err != nil {
				con.log("ERROR", "streaming.StreamJob", "Error Launching job : %v", err)
				return 5
			}
			maps = n
		}
		job.Splits = mapreduce.FileSplits(inFS, files, maps, minSize, block)
		switch mode := job.Conf.Get(mapreduce.KeySplits, SplitsHadoop); mode {
		case SplitsHadoop:
		case SplitsPieces:
			con.log("WARN", "zebra", "-D %s=%s: each large split's mapper runs as several processes over pieces of it; "+
				"a mapper that keeps state across lines (in-mapper combining, a header, a running total) gives "+
				"different output from Hadoop", mapreduce.KeySplits, SplitsPieces)
			job.PieceSize = pieceSize(files, block, e.Slots)
			job.PieceParallelism = e.Slots
		default:
			con.log("ERROR", "streaming.StreamJob", "Error Launching job : -D %s=%q: want %s (the default: one mapper process per split, as Hadoop) or %s",
				mapreduce.KeySplits, mode, SplitsHadoop, SplitsPieces)
			return 5
		}
	}
	mapreduce.SortSplitsBySize(job.Splits)
	locality := job.Conf.Get(mapreduce.KeyLocality, "on")
	if locality != "on" && locality != "off" {
		con.log("ERROR", "streaming.StreamJob", "Error Launching job : -D %s=%q: want on or off", mapreduce.KeyLocality, locality)
		return 5
	}
	if jobTracker(o, e) != "" && locality == "on" {
		// A cluster places maps beside their data.
		if err := mapreduce.LocateSplits(ctx, inFS, job.Splits); err != nil {
			con.log("WARN", "zebra", "Some splits have no replica locations; they run anywhere: %v", err)
		}
	}
	con.log("INFO", "mapreduce.JobSubmitter", "number of splits:%d", len(job.Splits))
	job.Conf.Set(mapreduce.KeyNumMaps, strconv.Itoa(len(job.Splits)))
	if jobTracker(o, e) == "" && job.PieceSize == 0 {
		if hint := splitHint(inFS, job.Splits, e.Slots); hint != "" {
			con.log("INFO", "zebra", "%s", hint)
		}
	}
	job.Name = job.Conf.Get(mapreduce.KeyJobName, "streamjob.jar")
	return 0
}

// jobFile is what zebra keeps of a job's command line in its log directory
// (job.json), for `zebra replay`.
type jobFile struct {
	Args []string `json:"args"`
	Dir  string   `json:"dir"`
}

// execute runs a prepared job and prints Hadoop's console report.
func execute(ctx context.Context, args []string, o *Options, p *plan, e *Env, con *console) int {
	job := p.job
	outFS, outPath := job.OutputFS, job.Output
	if e.LimitMemory && os.Getenv("GOMEMLIMIT") == "" {
		slots := e.Slots
		if slots <= 0 {
			slots = runtime.NumCPU()
		}
		// Two sort buffers at their spill limit plus their metadata come to
		// about 1.1 × io.sort.mb each; 64 MiB covers the rest of the process.
		// (On Linux sort buffers live in mappings outside the Go heap, which
		// this limit does not count: there it only bounds the rest.)
		debug.SetMemoryLimit(int64(slots)*int64(job.SortMB)*(11<<20)/10 + 64<<20)
	}
	if e.LimitMemory && os.Getenv("GOGC") == "" {
		// The heap holds no large sort buffers on Linux (see above) and
		// otherwise mostly a few without pointers, so a low GC target costs
		// little CPU and saves most of the headroom.
		debug.SetGCPercent(25)
	}
	job.ID = mapreduce.JobID{Tracker: "local" + strconv.Itoa(int(rand.Int32N(1<<31-1))), Seq: 1}
	logDir := filepath.Join(e.LogDir, job.ID.String())
	if err := os.MkdirAll(logDir, 0o755); err == nil {
		if data, err := json.MarshalIndent(jobFile{Args: args, Dir: e.Dir}, "", "  "); err == nil {
			os.WriteFile(filepath.Join(logDir, "job.json"), append(data, '\n'), 0o644)
		}
	}
	con.log("INFO", "mapreduce.Job", "Running job: %s", job.ID)
	con.log("INFO", "mapreduce.Job", "Job %s running in uber mode : false", job.ID)

	// A changed progress line is printed at most once a second, as
	// Hadoop's client polls (mapreduce.client.progressmonitor.pollinterval),
	// and the last one when the job ends (flush).
	var progMu sync.Mutex
	last, pending := "", ""
	var printed time.Time
	progress := func(mapsDone, maps, redsDone, reds int) {
		line := fmt.Sprintf(" map %d%% reduce %d%%", percent(mapsDone, maps), percent(redsDone, reds))
		progMu.Lock()
		defer progMu.Unlock()
		pending = ""
		switch {
		case line == last:
		case time.Since(printed) < time.Second:
			pending = line
		default:
			last, printed = line, time.Now()
			con.log("INFO", "mapreduce.Job", "%s", line)
		}
	}
	flush := func() {
		progMu.Lock()
		defer progMu.Unlock()
		if pending != "" && pending != last {
			last = pending
			con.log("INFO", "mapreduce.Job", "%s", pending)
		}
		pending = ""
	}
	progress(0, len(job.Splits), 0, job.NumReduces)
	ex := &mapreduce.LocalExecutor{
		WorkDir: e.WorkDir, LogDir: logDir, MapSlots: e.Slots, ReduceSlots: e.Slots,
		Console: con, Logger: e.Logger,
		OnEvent: func(ev mapreduce.Event) {
			if ev.Kind == mapreduce.TaskFinished && ev.Err == nil {
				if st := ev.Status; st != "" {
					// Hadoop's LocalJobRunner logs a task's last status
					// (its reporter:status:) as the task is done; a
					// reduce's ends with its phase.
					if ev.Attempt.Task.Kind == mapreduce.ReduceTask {
						st += " > reduce"
					}
					con.log("INFO", "mapred.LocalJobRunner", "%s", st)
				}
				progress(ev.MapsDone, ev.Maps, ev.ReducesDone, ev.Reduces)
			}
		},
	}
	counters, err := ex.Run(ctx, job)
	flush()
	if err != nil && ctx.Err() != nil {
		con.log("ERROR", "streaming.StreamJob", "Job %s was killed (%v); nothing was committed to %s", job.ID, context.Cause(ctx), o.Output)
		con.log("INFO", "zebra", "Task logs: %s", logDir)
		return 130
	}
	if err != nil {
		var jf *mapreduce.JobFailedError
		if errors.As(err, &jf) {
			f := jf.Failure
			startErr := ""
			var se *startError
			if errors.As(f.Err, &se) {
				startErr = se.Error()
			}
			reportFailure(con, "zebra.LocalJobRunner", job.ID.String(), f.Attempt.String(), f.Err.Error(), startErr, string(f.StderrTail), f.LogPath, "")
			con.log("INFO", "zebra", "Task logs: %s", logDir)
			con.log("ERROR", "streaming.StreamJob", "Job not successful!")
			return 1
		}
		if mapreduce.IsKind(err, mapreduce.Exist) {
			con.log("ERROR", "streaming.StreamJob", "Error Launching job : Output directory %s already exists", outFS.URI(outPath))
			return 5
		}
		con.log("ERROR", "streaming.StreamJob", "Error running job : %v", err)
		con.log("INFO", "zebra", "Task logs: %s", logDir)
		return 1
	}
	progMu.Lock()
	printed = time.Time{} // the final line is never held back
	progMu.Unlock()
	progress(len(job.Splits), len(job.Splits), job.NumReduces, job.NumReduces)
	reportSuccess(con, job.ID.String(), counters, job.NumReduces == 0, "Task logs: "+logDir, o.Output)
	return 0
}

// reportFailure prints Hadoop's report of a job failed by one attempt,
// with the attempt's error and the tail of its stderr; dueTo is the
// job's diagnostic ("" for Hadoop's LocalJobRunner's "NA").
func reportFailure(con *console, logger, jobID, attempt, errText, startErr, tail, logPath, dueTo string) {
	if startErr != "" {
		// Hadoop's wording for a program that cannot be started.
		con.log("ERROR", "streaming.PipeMapRed", "configuration exception")
		con.plain("java.io.IOException: " + startErr + "\n")
	}
	con.log("WARN", logger, "Task %s failed: %s", attempt, errText)
	if tail := strings.TrimRight(tail, "\n"); tail != "" {
		con.plain("---- stderr of " + attempt + " (last lines; full log: " + logPath + ") ----\n" + tail + "\n----\n")
	}
	if dueTo == "" {
		dueTo = "NA"
	}
	con.log("INFO", "mapreduce.Job", "Job %s failed with state FAILED due to: %s", jobID, dueTo)
	con.log("INFO", "mapreduce.Job", "Counters: 0")
}

// reportSuccess prints Hadoop's report of a successful job.
func reportSuccess(con *console, jobID string, counters *mapreduce.Counters, mapOnly bool, logs, output string) {
	con.log("INFO", "mapreduce.Job", "Job %s completed successfully", jobID)
	con.log("INFO", "mapreduce.Job", "%s", formatCounters(counters, mapOnly))
	con.log("INFO", "zebra", "%s", logs)
	con.log("INFO", "streaming.StreamJob", "Output directory: %s", output)
}

// The values of mapreduce.KeySplits.
const (
	SplitsHadoop = "hadoop"
	SplitsPieces = "pieces"
)

// DefaultClusterMaps is mapreduce.job.maps' default in Hadoop's
// mapred-default.xml: the split count a cluster submission requests when
// the job does not say.
const DefaultClusterMaps = 2

// splitHint is one line for a local job whose splits leave cores idle: how
// many splits there are, which setting changes their count in Hadoop's local
// mode for the input's store, and what that implies. It is empty when every
// core has a split or the splits are too small for more to help.
func splitHint(fsys mapreduce.FS, splits []mapreduce.Split, slots int) string {
	if slots <= 0 {
		slots = runtime.NumCPU()
	}
	if len(splits) == 0 || len(splits) >= slots || splits[0].Length < 1<<20 ||
		mapreduce.CodecFor(splits[0].Path) != mapreduce.NoCodec {
		return ""
	}
	setting := "-D " + mapreduce.KeyLocalBlockSize + "=BYTES (default 32 MiB)"
	if strings.HasPrefix(splits[0].URI, "hdfs:") {
		setting = "the files' HDFS block size (-D dfs.blocksize=BYTES when they are written)"
	}
	return fmt.Sprintf("%d split(s) for %d cores: maps use %d of them. As in Hadoop's local mode, the split size is set by %s; "+
		"smaller splits run more mappers at once, and each mapper then sees only its own split, as it would in Hadoop",
		len(splits), slots, len(splits), setting)
}

// pieceSize picks the piece size: about four pieces per core over the
// whole input, never below 512 KiB nor above the file system's block size.
func pieceSize(files []mapreduce.FileInfo, block int64, slots int) int64 {
	if slots <= 0 {
		slots = runtime.NumCPU()
	}
	var total int64
	for _, f := range files {
		total += f.Size
	}
	return min(block, max(total/int64(4*slots), 512<<10))
}

// inDir makes a relative plain path relative to dir, the client's working
// directory (URLs and absolute paths are returned as they are).
func inDir(dir, p string) string {
	if dir == "" || filepath.IsAbs(p) || strings.Contains(p, ":") {
		return p
	}
	return filepath.Join(dir, p)
}

func percent(done, total int) int {
	if total == 0 {
		return 0
	}
	return mapreduce.ProgressPercent(float64(done) / float64(total))
}

// splitInputs splits an -input value on commas outside {} groups, as
// FileInputFormat.setInputPaths does.
func splitInputs(s string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '{':
			depth++
		case '}':
			if depth > 0 {
				depth--
			}
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

// formatCounters renders the console's "Counters: N" dump in Hadoop's
// layout: the counters Hadoop lists even at zero, in its group and
// counter order (mapreduce.FormatCounters).
func formatCounters(c *mapreduce.Counters, mapOnly bool) string {
	return mapreduce.FormatCounters(mapreduce.CompleteCounters(c, mapOnly))
}
