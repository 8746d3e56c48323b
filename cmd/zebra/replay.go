package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"zebra/adapters/localfs"
	"zebra/mapreduce"
	"zebra/streaming"
)

// replayCommand is `zebra replay <attempt id>`: re-run one recorded
// attempt and report whether it read and wrote the same bytes.
func replayCommand(ctx context.Context, args []string) int {
	if len(args) != 1 {
		fmt.Fprintln(os.Stderr, "usage: zebra replay <attempt id>   (e.g. attempt_local123_0001_m_000000_0)")
		return 2
	}
	reg := &mapreduce.Registry{}
	localfs.Register(reg, &localfs.FS{Checksums: true})
	work, err := os.MkdirTemp("", "zebra-replay-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "zebra replay:", err)
		return 1
	}
	defer os.RemoveAll(work)
	slots, _ := strconv.Atoi(os.Getenv("ZEBRA_SLOTS"))
	boxes := &sandboxes{logger: quietLogger()}
	defer boxes.close()
	e := &streaming.Env{Stdout: os.Stdout, Stderr: os.Stderr, Environ: os.Environ(), Registry: reg,
		Sandbox: boxes.choose, WorkDir: work, LogDir: filepath.Join(stateDir(), "logs"), Slots: slots, Logger: quietLogger()}
	return streaming.Replay(ctx, args[0], e)
}
