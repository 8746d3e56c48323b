// Command zebra runs Hadoop Streaming jobs unchanged, on the embedded local
// runner or on a zebra cluster (a jobtracker and workers).
//
//	zebra streaming [generic options] [streaming options]
//	zebra jar <hadoop-streaming.jar> [options]
//	zebra shims install [--hadoop-home] DIR
//	zebra hadoop|mapred|hdfs|yarn ARGS
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"zebra/jobtracker/pki"
)

const usage = `usage: zebra <command> [arguments]

commands:
  streaming [generic options] [streaming options]   run a Hadoop Streaming job (like 'mapred streaming')
  jar <hadoop-streaming.jar> [options]               the same, as 'hadoop jar ...streaming....jar'
  fs [generic options] -CMD [args]                   Hadoop's FsShell ('hadoop fs', 'hdfs dfs'; also 'zebra dfs')
  shims install [--hadoop-home] DIR                  write 'hadoop', 'mapred', 'hdfs' and 'yarn' launchers into DIR
  hadoop|mapred|hdfs|yarn ARGS                       what those launchers run (hadoop version, jar, fs, job, yarn logs, …)
  submit [-D k=v] job.json                           run a ZeroCloud job description on the cluster (docs/zerocloud.md)
  replay <attempt id>                                re-run a recorded task attempt, check it is byte-identical
  up [--no-swift] [--hdfs] [--workers N] [--slots N] [--tls] [--sandbox-allow DIRS] [--state DIR] ...
                                                     start a local cluster (jobtracker + workers); prints exports for eval
                                                     ('zebra up -help' lists every option)
  down                                               stop what 'zebra up' started
  ui                                                 print a new one-time login link of the cluster's web UI
  jobtracker --listen ADDR --data DIR                run a jobtracker
  worker --jobtracker URL --data DIR [--slots N]     run a worker
  shuffle-key                                        print a new CURVE secret key for workers' --shuffle-key-file
  job -list|-status|-kill|-counter|-history|-logs|-events
                                                     inspect and control cluster jobs (like 'mapred job')
  version                                            print the version

Run 'zebra streaming -help' for the streaming options.
`

func main() {
	// As a sandbox's factory this process never gets here: package
	// zebra/sandbox/native's init runs it (native.InitMain).
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	stopProfile := startProfile()
	code := run(ctx, os.Args[1:])
	stopProfile()
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return 2
	}
	// A cluster whose daemons serve TLS signed by their own CA (zebra up
	// --tls, docs/cluster.md): every command trusts it.
	if ca := os.Getenv("ZEBRA_TLS_CA"); ca != "" {
		if err := pki.Trust(ca); err != nil {
			fmt.Fprintln(os.Stderr, "zebra: ZEBRA_TLS_CA:", err)
			return 1
		}
	}
	switch args[0] {
	case "streaming":
		return streamingCommand(ctx, args[1:])
	case "fs", "dfs":
		return fsCommand(ctx, args[1:])
	case "jar":
		return jarCommand(ctx, args[1:])
	case "shims":
		return shimsCommand(args[1:])
	case "hadoop", "mapred", "hdfs", "yarn":
		return launcherCommand(ctx, args[0], args[1:], os.Stdout, os.Stderr)
	case "replay":
		return replayCommand(ctx, args[1:])
	case "jobtracker":
		return jobtrackerCommand(ctx, args[1:])
	case "worker":
		return workerCommand(ctx, args[1:])
	case "shuffle-key":
		return shuffleKeyCommand(args[1:])
	case "job":
		return jobCommand(ctx, args[1:], os.Stdout, os.Stderr)
	case "submit":
		return submitCommand(ctx, args[1:], os.Stdout, os.Stderr)
	case "up":
		return upCommand(ctx, args[1:])
	case "down":
		return downCommand(args[1:])
	case "ui":
		return uiCommand(ctx, args[1:], os.Stdout, os.Stderr)
	case "version", "-version", "--version":
		fmt.Println("zebra", version)
		return 0
	case "help", "-h", "-help", "--help":
		fmt.Print(usage)
		return 0
	}
	fmt.Fprintf(os.Stderr, "zebra: unknown command %q\n\n%s", args[0], usage)
	return 2
}

const version = "0.1.0"
