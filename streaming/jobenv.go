package streaming

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"zebra/mapreduce"
)

// jobEnv is what every streaming program of one job shares: how to run it,
// its base environment, and the files shipped to its working directory.
type jobEnv struct {
	runner    mapreduce.Runner
	clientDir string
	parentEnv []string
	conf      *mapreduce.Conf
	once      sync.Once
	baseEnv   map[string]string // see base
	jobEnv    map[string]string // base without the parent environment
	// links are name → absolute target, placed in every task directory.
	links map[string]string
	// extraShipped are host paths of the job's plan its programs read
	// besides the links' targets (a worker's staged client directory);
	// see shipped.
	extraShipped     []string
	shippedOnce      sync.Once
	shippedList      []string
	nonZeroIsFailure bool
	reporterEnabled  bool
	reporterPrefix   string
	stderrLimit      int64 // bytes of a program's stderr kept in its log
	recordLimit      int   // bytes of one line of a program's output
	counterLimits    mapreduce.CounterLimits
	outputDir        string // job output as qualified URI
}

// newJobEnv prepares the environment of the job's programs. The
// configuration is read when the first program starts, so settings made
// while the job is built (commands, input and output paths) are included.
func newJobEnv(runner mapreduce.Runner, clientDir string, parentEnv []string, conf *mapreduce.Conf, links map[string]string) *jobEnv {
	j := &jobEnv{
		runner:           runner,
		clientDir:        clientDir,
		parentEnv:        parentEnv,
		conf:             conf,
		links:            links,
		nonZeroIsFailure: conf.Bool("stream.non.zero.exit.is.failure", true),
		reporterEnabled:  conf.Bool("stream.stderr.reporter.enabled", true),
		reporterPrefix:   conf.Get("stream.stderr.reporter.prefix", "reporter:"),
		stderrLimit:      64 << 20,
		recordLimit:      1 << 30,
		counterLimits:    mapreduce.CounterLimitsOf(conf),
	}
	if n, err := conf.Int64(mapreduce.KeySandboxMemoryMB, 1024); err == nil && n > 0 {
		j.recordLimit = int(min(n, 1<<20) << 20)
	}

	if n, err := conf.Int64(mapreduce.KeyTaskStderrLimit, 64<<20); err == nil && n >= 0 {
		j.stderrLimit = n
	}
	return j
}

// shipped returns the links' targets and extraShipped, sorted: the host
// paths of the job's plan that the sandbox shows its programs, read-only
// (and nothing a link in a task's directory names). The links are
// complete once the job is built; the list is made at the first start.
func (j *jobEnv) shipped() []string {
	j.shippedOnce.Do(func() {
		for _, target := range j.links {
			j.shippedList = append(j.shippedList, target)
		}
		j.shippedList = append(j.shippedList, j.extraShipped...)
		slices.Sort(j.shippedList)
	})
	return j.shippedList
}

// base computes the environment every program shares: the parent
// environment, then every configuration entry (mangled names, values cut to
// stream.jobconf.truncate.limit), then -cmdenv, then TMPDIR. With jobOnly
// it is what the job itself defines, without the parent environment (and
// TMPDIR): a WebAssembly program's fixed environment.
func (j *jobEnv) base(jobOnly bool) map[string]string {
	j.once.Do(func() {
		env := map[string]string{}
		job := map[string]string{}
		for _, kv := range j.parentEnv {
			if k, v, ok := strings.Cut(kv, "="); ok {
				env[k] = v
			}
		}
		conf := j.conf
		limit, _ := conf.Int("stream.jobconf.truncate.limit", -1)
		for _, k := range conf.Keys() {
			v, _ := conf.Lookup(k)
			if limit >= 0 && len(v) > limit {
				v = v[:limit]
			}
			env[mangle(k)] = v
			job[mangle(k)] = v
		}
		// -cmdenv: Hadoop joins the entries with spaces after an initial
		// "HADOOP_ROOT_LOGGER=" (stream.addenvironment) and splits them again,
		// so a value is cut at its first space.
		for _, tok := range strings.Split(conf.Get("stream.addenvironment", ""), " ") {
			if k, v, ok := strings.Cut(tok, "="); ok {
				env[k] = v
				job[k] = v
			}
		}
		if _, ok := env["TMPDIR"]; !ok {
			env["TMPDIR"] = os.TempDir()
		}
		j.baseEnv, j.jobEnv = env, job
	})
	if jobOnly {
		return j.jobEnv
	}
	return j.baseEnv
}

// taskEnv returns the complete environment of one program of task t; for
// a WebAssembly program (wasm) only what the job defines. HOME, unless
// set, is the task's working directory (as the sandbox's /etc/passwd
// says; a worker passes no HOME of its own).
func (j *jobEnv) taskEnv(t *mapreduce.TaskContext, wasm bool) []string {
	base := j.base(wasm)
	env := make(map[string]string, len(base)+24)
	for k, v := range base {
		env[k] = v
	}
	set := func(key, value string) {
		env[mangle(key)] = value
		for _, old := range mapreduce.DeprecatedNames(key) {
			env[mangle(old)] = value
		}
	}
	a := t.Attempt
	if u, ok := j.conf.Lookup(mapreduce.KeyUser); ok {
		set(mapreduce.KeyUser, u)
	}
	set("mapreduce.job.id", a.Task.Job.String())
	set("mapreduce.task.id", a.Task.String())
	set("mapreduce.task.attempt.id", a.String())
	set("mapreduce.task.partition", strconv.Itoa(t.Partition))
	set("mapreduce.task.ismap", strconv.FormatBool(a.Task.Kind == mapreduce.MapTask))
	if t.Split != nil {
		set("mapreduce.map.input.file", t.Split.URI)
		set("mapreduce.map.input.start", strconv.FormatInt(t.Split.Start, 10))
		set("mapreduce.map.input.length", strconv.FormatInt(t.Split.Length, 10))
	}
	if j.outputDir != "" {
		set("mapreduce.task.output.dir", j.outputDir+"/_temporary/0/_temporary/"+a.String())
	}
	work := filepath.Join(t.Dir, "work")
	// The attempt's local scratch directory: Hadoop's is beside the task's
	// files; zebra's is the task's working directory, the one directory a
	// (sandboxed) program may surely write.
	set("mapreduce.cluster.local.dir", work)
	if _, ok := j.conf.Lookup(mapreduce.KeyJobName); !ok {
		// Hadoop names a job after the streaming jar it was started with.
		env["mapreduce_job_name"] = "hadoop-streaming-3.4.1.jar"
	}
	if a.Task.Kind == mapreduce.ReduceTask {
		// Hadoop's local runner adds these to the reduce task's
		// configuration only.
		set("mapreduce.jobtracker.address", j.conf.Get("mapreduce.jobtracker.address", "local"))
		if n, ok := j.conf.Lookup(mapreduce.KeyNumMaps); ok {
			env["mapred_map_tasks"] = n
		}
	}
	env["PWD"] = work
	if _, ok := env["HOME"]; !ok && !wasm {
		env["HOME"] = env["PWD"]
	}
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

// prepareDir creates task t's working directory with the job's shipped
// files linked into it (t.Dir/work; t.Dir itself holds the engine's spill
// files). It is called once per program; the mapper and its combiner runs
// share the directory.
func (j *jobEnv) prepareDir(t *mapreduce.TaskContext) (string, error) {
	dir := filepath.Join(t.Dir, "work")
	if _, err := os.Stat(dir); err == nil {
		return dir, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", mapreduce.E("create task directory", mapreduce.Infra, dir, err)
	}
	for name, target := range j.links {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			return "", mapreduce.E("link shipped file", mapreduce.Infra, name, fmt.Errorf("into %s: %w", dir, err))
		}
	}
	return dir, nil
}
