package main

import (
	"context"
	"fmt"
	"os"

	"zebra/streaming"
)

// replayCommand is `zebra replay <attempt id>`: re-run one recorded
// attempt and report whether it read and wrote the same bytes.
func replayCommand(ctx context.Context, args []string) int {
	if len(args) != 1 {
		fmt.Fprintln(os.Stderr, "usage: zebra replay <attempt id>   (e.g. attempt_local123_0001_m_000000_0)")
		return 2
	}
	e, done, err := localEnv()
	if err != nil {
		fmt.Fprintln(os.Stderr, "zebra replay:", err)
		return 1
	}
	defer done()
	return streaming.Replay(ctx, args[0], e)
}
