package main

import (
	"archive/zip"
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"zebra/mapreduce"
	"zebra/streaming"
)

// hadoopVersion is the Hadoop release whose launchers zebra stands in for:
// `hadoop version` prints it first, as Hadoop's VersionInfo does, and the
// HADOOP_HOME layout names its streaming jar after it.
const hadoopVersion = "3.4.1"

// streamingMain is the streaming jar's Main-Class.
const streamingMain = "org.apache.hadoop.streaming.HadoopStreaming"

// launcher is one invocation of a Hadoop launcher script (hadoop, mapred,
// hdfs or yarn) as the shims forward it: `zebra hadoop ARGS`.
type launcher struct {
	prog           string // hadoop, mapred, hdfs or yarn
	confDir        string // --config DIR, else $HADOOP_CONF_DIR; "" for none
	stdout, stderr io.Writer
}

// launcherCommand runs `prog args…` as Hadoop 3.4's bin/<prog> would: the
// launcher options (--config DIR, --loglevel LEVEL, …) come first, then a
// subcommand. Subcommands zebra has are forwarded to it (jar and streaming
// to the streaming runner, fs and dfs to `zebra fs`, job to `zebra job`,
// application and logs to the jobtracker or the local runner's logs);
// anything else ends with one line naming what zebra lacks and Hadoop's
// exit code for a failed command (1).
func launcherCommand(ctx context.Context, prog string, args []string, stdout, stderr io.Writer) int {
	l := &launcher{prog: prog, confDir: os.Getenv("HADOOP_CONF_DIR"), stdout: stdout, stderr: stderr}
	for len(args) > 0 && strings.HasPrefix(args[0], "--") {
		opt := args[0]
		switch opt {
		case "--config", "--loglevel", "--hostnames", "--hosts", "--daemon":
			if len(args) < 2 {
				fmt.Fprintf(stderr, "ERROR: No parameter provided for %s\n", opt)
				l.usage(stderr)
				return 1
			}
			if opt == "--config" {
				fi, err := os.Stat(args[1])
				if err != nil || !fi.IsDir() {
					fmt.Fprintf(stderr, "ERROR: Cannot find configuration directory \"%s\"\n", args[1])
					return 1
				}
				l.confDir = args[1]
			}
			// --loglevel sets the Java client's log4j level; zebra's
			// client logs only warnings and errors whatever the level.
			args = args[2:]
		case "--debug", "--buildpaths", "--workers":
			args = args[1:]
		default:
			// Hadoop takes any other --word as the subcommand, and fails.
			l.unknown(opt)
			return 1
		}
	}
	if len(args) == 0 {
		l.usage(stderr)
		return 1
	}
	sub, rest := args[0], args[1:]
	switch prog {
	case "hadoop":
		return l.hadoop(ctx, sub, rest)
	case "mapred":
		return l.mapred(ctx, sub, rest)
	case "hdfs":
		return l.hdfs(ctx, sub, rest)
	case "yarn":
		return l.yarn(ctx, sub, rest)
	}
	fmt.Fprintf(stderr, "zebra: unknown launcher %q\n", prog)
	return 2
}

func (l *launcher) hadoop(ctx context.Context, sub string, args []string) int {
	switch sub {
	case "version":
		return l.version()
	case "classpath":
		return l.classpath()
	case "jar":
		return l.jar(ctx, args)
	case "fs":
		return l.fs(ctx, args)
	case "dfs":
		l.deprecated(sub, "hdfs")
		return l.fs(ctx, args)
	case "job", "queue", "pipes", "mrgroups", "mradmin", "jobtracker", "tasktracker":
		l.deprecated(sub, "mapred")
		return l.mapred(ctx, strings.Replace(sub, "mrgroups", "groups", 1), args)
	case streamingMain:
		return streamingCommand(ctx, l.generic(args))
	case "org.apache.hadoop.fs.FsShell":
		return l.fs(ctx, args)
	case "org.apache.hadoop.util.VersionInfo":
		return l.version()
	case "archive", "checknative", "conftest", "credential", "distch", "distcp", "dtutil", "envvars",
		"gridmix", "jnipath", "kerbname", "key", "registrydns", "rumenfactory", "rumentrace", "s3guard", "trace":
		return l.missing(sub)
	}
	return l.unknown(sub)
}

func (l *launcher) mapred(ctx context.Context, sub string, args []string) int {
	switch sub {
	case "streaming":
		return streamingCommand(ctx, l.generic(args))
	case "job":
		return jobCommand(ctx, l.jobArgs(args), l.stdout, l.stderr)
	case "version":
		return l.version()
	case "classpath":
		return l.classpath()
	case "archive", "archive-logs", "envvars", "frameworkuploader", "historyserver", "hsadmin",
		"minicluster", "pipes", "queue", "sampler", "groups", "mradmin", "jobtracker", "tasktracker":
		return l.missing(sub)
	}
	return l.unknown(sub)
}

func (l *launcher) hdfs(ctx context.Context, sub string, args []string) int {
	switch sub {
	case "dfs":
		return l.fs(ctx, args)
	case "version":
		return l.version()
	case "classpath":
		return l.classpath()
	case "balancer", "cacheadmin", "crypto", "datanode", "debug", "dfsadmin", "dfsrouter", "dfsrouteradmin",
		"diskbalancer", "ec", "envvars", "fetchdt", "fsck", "getconf", "groups", "haadmin", "httpfs",
		"journalnode", "jmxget", "lsSnapshottableDir", "lsSnapshot", "mover", "namenode", "nfs3", "oev", "oiv",
		"oiv_legacy", "portmap", "secondarynamenode", "snapshotDiff", "sps", "storagepolicies", "text",
		"zkfc":
		return l.missing(sub)
	}
	return l.unknown(sub)
}

func (l *launcher) yarn(ctx context.Context, sub string, args []string) int {
	switch sub {
	case "jar":
		return l.jar(ctx, args)
	case "application", "app":
		return l.application(ctx, args)
	case "logs":
		return l.logs(ctx, args)
	case "version":
		return l.version()
	case "classpath":
		return l.classpath()
	case "applicationattempt", "cluster", "container", "daemonlog", "envvars", "node", "nodemanager",
		"proxyserver", "queue", "resourcemanager", "rmadmin", "router", "schedulerconf", "scmadmin",
		"sharedcachemanager", "timelinereader", "timelineserver", "top":
		return l.missing(sub)
	}
	return l.unknown(sub)
}

// version is `hadoop version`: VersionInfo's first line, so tools that
// parse the release (mrjob, luigi) see Hadoop 3.4, then zebra's own line
// and, as Hadoop ends, what ran the command.
func (l *launcher) version() int {
	self, err := os.Executable()
	if err != nil {
		self = "zebra"
	}
	fmt.Fprintf(l.stdout, "Hadoop %s\nzebra %s runs this Hadoop's streaming jobs (its hadoop, mapred, hdfs and yarn commands are zebra shims)\nThis command was run using %s\n",
		hadoopVersion, version, self)
	return 0
}

// classpath is `hadoop classpath`: zebra runs no Java, so the class path is
// the configuration directory alone (harmless to prepend to CLASSPATH).
func (l *launcher) classpath() int {
	fmt.Fprintln(l.stdout, l.confDir)
	return 0
}

// jar is `hadoop jar JAR [mainClass] args…` (and `yarn jar`), treating the
// main class exactly as Hadoop's RunJar does: a jar whose manifest names a
// Main-Class (the streaming jar's names HadoopStreaming) takes every
// following word as the program's arguments, so a repeated main class is an
// unexpected argument to streaming; a jar without one takes the next word as
// the class. A streaming jar that does not exist here (a path from a Hadoop
// installation) is taken as the streaming jar, so scripts run unchanged.
func (l *launcher) jar(ctx context.Context, args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(l.stderr, "RunJar jarFile [mainClass] args...")
		return 255
	}
	jar, rest := args[0], args[1:]
	main, err := manifestMainClass(jar)
	switch {
	case err == nil && main == "":
		if len(rest) == 0 {
			fmt.Fprintln(l.stderr, "RunJar jarFile [mainClass] args...")
			return 255
		}
		main, rest = strings.ReplaceAll(rest[0], "/", "."), rest[1:]
	case err == nil:
	case os.IsNotExist(err) && isStreamingJarName(jar):
		main = streamingMain
	case os.IsNotExist(err):
		fmt.Fprintf(l.stderr, "JAR does not exist or is not a normal file: %s\n", absPath(jar))
		return 255
	default:
		fmt.Fprintf(l.stderr, "Error opening job jar: %s\n%v\n", jar, err)
		return 255
	}
	if main != streamingMain {
		fmt.Fprintf(l.stderr, "%s (zebra): %s's main class %s is not supported: zebra runs Hadoop Streaming jobs (main class %s) only\n",
			l.prog, jar, main, streamingMain)
		return 1
	}
	return streamingCommand(ctx, l.generic(rest))
}

// isStreamingJarName reports whether a jar's file name is a Hadoop
// streaming jar's (hadoop-streaming-3.4.1.jar, hadoop-streaming.jar).
func isStreamingJarName(p string) bool {
	b := filepath.Base(p)
	return strings.Contains(b, "streaming") && strings.HasSuffix(b, ".jar")
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// manifestMainClass returns the Main-Class a jar's manifest names ("" when
// it names none, as RunJar reads it). A file that is not a zip archive is
// an error, as for RunJar.
func manifestMainClass(path string) (string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	if !fi.Mode().IsRegular() {
		return "", os.ErrNotExist
	}
	z, err := zip.OpenReader(path)
	if err != nil {
		return "", fmt.Errorf("open jar %s: %w", path, err)
	}
	defer z.Close()
	f, err := z.Open("META-INF/MANIFEST.MF")
	if err != nil {
		return "", nil
	}
	defer f.Close()
	sc := bufio.NewScanner(io.LimitReader(f, 1<<20))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(strings.TrimRight(sc.Text(), "\r"), "Main-Class:"); ok {
			return strings.TrimSpace(v), nil
		}
	}
	return "", sc.Err()
}

// fs is `hadoop fs`, `hadoop dfs` and `hdfs dfs`: Hadoop's FsShell, which
// zebra has as `zebra fs`.
func (l *launcher) fs(ctx context.Context, args []string) int {
	return run(ctx, append([]string{"fs"}, l.generic(args)...))
}

// confFiles are the configuration directory's site files that a Hadoop
// client loads, in Hadoop's order (later ones win).
func (l *launcher) confFiles() []string {
	if l.confDir == "" {
		return nil
	}
	var out []string
	for _, n := range []string{"core-site.xml", "hdfs-site.xml", "mapred-site.xml", "yarn-site.xml"} {
		p := filepath.Join(l.confDir, n)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			out = append(out, p)
		}
	}
	return out
}

// generic puts the configuration directory's site files in front of a
// command's generic options, as -conf files: a Hadoop client reads them
// before its command line, which overrides them.
func (l *launcher) generic(args []string) []string {
	var out []string
	for _, p := range l.confFiles() {
		out = append(out, "-conf", p)
	}
	return append(out, args...)
}

// conf is the configuration directory's settings.
func (l *launcher) conf() *mapreduce.Conf {
	c := mapreduce.NewConf()
	for _, p := range l.confFiles() {
		if err := streaming.LoadConfFile(c, p); err != nil {
			fmt.Fprintf(l.stderr, "%s (zebra): %v\n", l.prog, err)
		}
	}
	return c
}

// jobtracker is the zebra cluster the client talks to: $ZEBRA_JOBTRACKER,
// else the configuration's mapreduce.jobtracker.address ("" or "local"
// for the local runner).
func (l *launcher) jobtracker() string {
	if jt := os.Getenv("ZEBRA_JOBTRACKER"); jt != "" {
		return jt
	}
	return l.conf().Get("mapreduce.jobtracker.address", "")
}

// jobArgs are `zebra job`'s arguments for `mapred job args…`: the
// configuration's jobtracker first, the command line's -jt/-D after it.
func (l *launcher) jobArgs(args []string) []string {
	if jt := l.conf().Get("mapreduce.jobtracker.address", ""); jt != "" && os.Getenv("ZEBRA_JOBTRACKER") == "" {
		return append([]string{"-jt", jt}, args...)
	}
	return args
}

func (l *launcher) deprecated(sub, by string) {
	fmt.Fprintf(l.stderr, "WARNING: Use of this script to execute %s is deprecated.\nWARNING: Attempting to execute replacement \"%s %s\" instead.\n\n", sub, by, sub)
}

// missing ends a Hadoop subcommand zebra does not have.
func (l *launcher) missing(sub string) int {
	fmt.Fprintf(l.stderr, "%s (zebra): '%s %s' is not supported by zebra; it has: %s\n", l.prog, l.prog, sub, l.supported())
	return 1
}

// unknown is Hadoop's answer to a word that is neither a subcommand nor a
// class name; a class name is one zebra cannot run.
func (l *launcher) unknown(sub string) int {
	if javaClassName.MatchString(sub) && strings.Contains(sub, ".") {
		fmt.Fprintf(l.stderr, "%s (zebra): class %s is not supported by zebra; it has: %s\n", l.prog, sub, l.supported())
		return 1
	}
	fmt.Fprintf(l.stderr, "ERROR: %s is not COMMAND nor fully qualified CLASSNAME.\n", sub)
	l.usage(l.stderr)
	return 1
}

var javaClassName = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$]*(\.[A-Za-z_$][A-Za-z0-9_$]*)*$`)

// supported lists the subcommands zebra has for the launcher.
func (l *launcher) supported() string {
	switch l.prog {
	case "hadoop":
		return "version, classpath, jar <streaming jar>, fs, dfs, job"
	case "mapred":
		return "streaming, job, version, classpath"
	case "hdfs":
		return "dfs, version, classpath"
	}
	return "jar <streaming jar>, application -list/-status/-kill, logs -applicationId, version, classpath"
}

func (l *launcher) usage(w io.Writer) {
	fmt.Fprintf(w, "Usage: %s [OPTIONS] SUBCOMMAND [SUBCOMMAND OPTIONS]\n\n"+
		"  OPTIONS: --config dir, --loglevel level\n"+
		"  SUBCOMMANDS zebra has: %s\n", l.prog, l.supported())
}
