package main

import (
	"context"
	"os"
)

// jarCommand is `zebra jar <jar> [mainClass] args...`, the form of `hadoop
// jar` (see launcher.jar): only the streaming jar is understood; its
// arguments are a streaming command line.
func jarCommand(ctx context.Context, args []string) int {
	l := &launcher{prog: "zebra", stdout: os.Stdout, stderr: os.Stderr}
	return l.jar(ctx, args)
}
