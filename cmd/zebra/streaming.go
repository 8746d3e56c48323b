package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"

	"zebra/adapters/hdfs"
	"zebra/mapreduce"
	"zebra/sandbox"
	"zebra/streaming"
)

// qualifyDefaultFS resolves a job's -input or -output value against its
// default file system, as Hadoop does: fs.defaultFS of the job (-fs, -D)
// or of the Hadoop configuration ($HADOOP_CONF_DIR/core-site.xml). Only
// an hdfs:// default changes anything; plain paths stay local files
// otherwise.
func qualifyDefaultFS(p string, conf *mapreduce.Conf) (string, error) {
	dfs := conf.Get("fs.defaultFS", "")
	if dfs == "" {
		hc, err := hdfs.LoadConf("")
		if err != nil {
			return "", err
		}
		dfs = hdfs.DefaultFS("", hc)
	}
	if !hdfs.IsHDFS(dfs) {
		return p, nil
	}
	user, err := hdfs.UserName()
	if err != nil {
		return "", err
	}
	return hdfs.Qualify(p, dfs, user), nil
}

// streamingCommand is `zebra streaming`: `mapred streaming` on the local
// runner.
func streamingCommand(ctx context.Context, args []string) int {
	e, done, err := localEnv()
	if err != nil {
		fmt.Fprintln(os.Stderr, "zebra:", err)
		return 1
	}
	defer done()
	code := streaming.Run(ctx, args, e)
	lingerForReader(2)
	return code
}

// localEnv is the environment of a job on the embedded local runner: local
// files, the sandboxes, a scratch directory (scratch.go; removed by done)
// and the log directory under stateDir.
func localEnv() (e *streaming.Env, done func(), err error) {
	dir, err := os.Getwd()
	if err != nil {
		return nil, nil, fmt.Errorf("cannot determine the working directory: %w", err)
	}
	logger := quietLogger()
	work, release, err := newScratch(logger)
	if err != nil {
		return nil, nil, err
	}
	var conf *mapreduce.Conf // the job's, once parsed (see Configure)
	reg := registry(func(k string) string {
		if conf == nil {
			return ""
		}
		return conf.Get(k, "")
	}, "")
	site, err := hdfs.LoadConf("")
	if err != nil {
		release()
		return nil, nil, err
	}
	slots, _ := strconv.Atoi(os.Getenv("ZEBRA_SLOTS"))
	boxes := &sandboxes{logger: logger, local: true}
	e = &streaming.Env{
		Stdout:    os.Stdout,
		Stderr:    os.Stderr,
		Environ:   sandbox.LocalEnviron(os.Environ()),
		Dir:       dir,
		Registry:  reg,
		Qualify:   qualifyDefaultFS,
		Configure: func(c *mapreduce.Conf) { conf = c },
		InfoEnv:   streamingEnv,
		Sandbox:   boxes.choose,
		WorkDir:   work,
		LogDir:    filepath.Join(stateDir(), "logs"),
		Slots:     slots,
		SiteConf:  site,
		Logger:    logger,
		// ZEBRA_JOBTRACKER submits to a cluster (as `eval "$(zebra up)"` sets).
		JobTracker: os.Getenv("ZEBRA_JOBTRACKER"),
		// One job per process: the runtime's memory limit may follow it.
		LimitMemory: true,
	}
	return e, func() { boxes.close(); release() }, nil
}

// quietLogger logs warnings and errors to stderr, or from the level
// ZEBRA_LOG_LEVEL names (debug, info, warn or error; debug includes the
// local runner's timeline lines that bench/cmd/timeline reads).
func quietLogger() *slog.Logger {
	level, bad := slog.LevelWarn, ""
	if v := os.Getenv("ZEBRA_LOG_LEVEL"); v != "" {
		if err := level.UnmarshalText([]byte(v)); err != nil {
			level, bad = slog.LevelWarn, v
		}
	}
	l := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	if bad != "" {
		l.Warn("ZEBRA_LOG_LEVEL is not a log level (debug, info, warn or error): logging warnings and errors", "value", bad)
	}
	return l
}

// stateDir is where zebra keeps task logs: $ZEBRA_HOME, else
// $XDG_STATE_HOME/zebra, else ~/.local/state/zebra, else the temp dir.
func stateDir() string {
	if d := os.Getenv("ZEBRA_HOME"); d != "" {
		return d
	}
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "zebra")
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".local", "state", "zebra")
	}
	return filepath.Join(os.TempDir(), "zebra")
}

// streamingEnv are the environment variables `zebra streaming` reads, as
// -info lists them.
var streamingEnv = []mapreduce.Setting{
	{Name: "ZEBRA_JOBTRACKER", Default: "local", Doc: "the jobtracker jobs go to (`zebra up` exports it); -jt and -D mapreduce.jobtracker.address override it"},
	{Name: "ZEBRA_TOKEN", Doc: "the cluster token `zebra up` prints, or ACCOUNT:SWIFT_TOKEN"},
	{Name: "ZEBRA_TLS_CA", Doc: "a CA certificate to trust for a cluster that serves TLS (zebra up --tls)"},
	{Name: "ZEBRA_SLOTS", Default: "one per core", Doc: "tasks the local runner runs at once"},
	{Name: "ZEBRA_CPUPROFILE", Doc: "write a CPU profile of the zebra process to this file (go tool pprof)"},
	{Name: "ZEBRA_LOG_LEVEL", Default: "warn", Doc: "what zebra's own log on stderr shows: debug, info, warn or error (debug: also the local runner's timeline, see bench/cmd/timeline)"},
	{Name: "ZEBRA_HOME", Default: "$XDG_STATE_HOME/zebra or ~/.local/state/zebra", Doc: "where task logs and `zebra up`'s cluster are kept"},
	{Name: "HADOOP_CONF_DIR", Doc: "Hadoop's configuration (core-site.xml: fs.defaultFS; hdfs-site.xml; mapred-site.xml)"},
	{Name: "ST_AUTH, ST_USER, ST_KEY", Doc: "Swift tempauth credentials for swift:// paths (`zebra up` exports them)"},
	{Name: "OS_AUTH_URL, OS_USERNAME, ...", Doc: "Keystone credentials for swift:// paths (OS_PASSWORD, OS_PROJECT_NAME, OS_*_DOMAIN_NAME, OS_REGION_NAME)"},
}
