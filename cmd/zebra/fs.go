package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"sync"

	"zebra/adapters/fsshell"
	"zebra/adapters/hdfs"
)

// fsCommand is `zebra fs ARGS...` (also `zebra dfs`): Hadoop's FsShell,
// what `hadoop fs`, `hadoop dfs` and `hdfs dfs` run, over local files,
// HDFS and Swift.
func fsCommand(ctx context.Context, args []string) int {
	dir, err := os.Getwd()
	if err != nil {
		fmt.Fprintln(os.Stderr, "zebra fs: cannot determine the working directory:", err)
		return 1
	}
	var (
		mu       sync.Mutex
		settings map[string]string
	)
	reg := registry(func(k string) string {
		mu.Lock()
		defer mu.Unlock()
		return settings[k]
	}, "")
	// HDFS as a Hadoop client writes: replication and block size from the
	// client's configuration (default 3 and 128 MiB), not the cluster's.
	stores := fsshell.RegisterHDFS(reg, hdfs.Options{}, func() map[string]string {
		mu.Lock()
		defer mu.Unlock()
		return settings
	})
	defer stores.Close()
	out := bufio.NewWriterSize(os.Stdout, 64<<10)
	defer out.Flush()
	return fsshell.Run(ctx, args, &fsshell.Env{
		Stdout:   out,
		Stderr:   os.Stderr,
		Stdin:    os.Stdin,
		Dir:      dir,
		Registry: reg,
		Configure: func(s map[string]string) {
			mu.Lock()
			settings = s
			mu.Unlock()
		},
	})
}
