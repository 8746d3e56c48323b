package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// jarCommand is `zebra jar <jar> args...`, the form of `hadoop jar`. Only
// the streaming jar is understood; its arguments are a streaming command line.
func jarCommand(ctx context.Context, args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "RunJar jarFile [mainClass] args...")
		return 255
	}
	jar := filepath.Base(args[0])
	if !strings.Contains(jar, "streaming") {
		fmt.Fprintf(os.Stderr, "zebra: %s is not a Hadoop Streaming jar; zebra runs only streaming jobs\n", args[0])
		return 1
	}
	rest := args[1:]
	// `hadoop jar streaming.jar org.apache.hadoop.streaming.HadoopStreaming ...`
	// names the main class explicitly; it is optional.
	if len(rest) > 0 && rest[0] == "org.apache.hadoop.streaming.HadoopStreaming" {
		rest = rest[1:]
	}
	return streamingCommand(ctx, rest)
}
