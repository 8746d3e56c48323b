package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"

	"zebra/adapters/localfs"
	"zebra/mapreduce"
	"zebra/streaming"
)

// streamingCommand is `zebra streaming`: `mapred streaming` on the local
// runner.
func streamingCommand(ctx context.Context, args []string) int {
	dir, err := os.Getwd()
	if err != nil {
		fmt.Fprintln(os.Stderr, "zebra: cannot determine the working directory:", err)
		return 1
	}
	reg := &mapreduce.Registry{}
	localfs.Register(reg, &localfs.FS{Checksums: true})
	state := stateDir()
	work, err := os.MkdirTemp("", "zebra-work-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "zebra: cannot create a scratch directory:", err)
		return 1
	}
	defer os.RemoveAll(work)
	slots, _ := strconv.Atoi(os.Getenv("ZEBRA_SLOTS"))
	logger := quietLogger()
	boxes := &sandboxes{logger: logger}
	defer boxes.close()
	e := &streaming.Env{
		Stdout:   os.Stdout,
		Stderr:   os.Stderr,
		Environ:  os.Environ(),
		Dir:      dir,
		Registry: reg,
		Sandbox:  boxes.choose,
		WorkDir:  work,
		LogDir:   filepath.Join(state, "logs"),
		Slots:    slots,
		Logger:   logger,
	}
	return streaming.Run(ctx, args, e)
}

// quietLogger logs warnings and errors to stderr.
func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
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
