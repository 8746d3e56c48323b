package wasm

import (
	"crypto/sha256"
	"io"
	"math/rand/v2"
	"sync/atomic"
	"time"
	"zebra/mapreduce"
)

// nanotimeBase is what the monotonic clock reads at start. It is not zero
// because some runtimes take a zero reading for "never".
const nanotimeBase = int64(time.Hour)

// clock is one instance's virtual time: it moves only when the program
// sleeps, by exactly what it asked for.
type clock struct {
	epoch   int64 // wall clock at start, ns since 1970
	elapsed atomic.Int64
}

func (c *clock) walltime() (sec int64, nsec int32) {
	t := c.epoch + c.elapsed.Load()
	return t / 1e9, int32(t % 1e9)
}

func (c *clock) nanotime() int64 { return nanotimeBase + c.elapsed.Load() }

func (c *clock) nanosleep(ns int64) {
	if ns > 0 {
		c.elapsed.Add(ns)
	}
}

// defaultSeed seeds the random source of a command that names no task.
const defaultSeed = "zebra"

// seedOf picks the seed of a command from its environment: the task id, so
// that every attempt of a task draws the same numbers.
func seedOf(env map[string]string) string {
	if id := env["mapreduce_task_id"]; id != "" {
		return id
	}
	if id := env["mapreduce_task_attempt_id"]; id != "" {
		if t := mapreduce.TaskOfAttempt(id); t != "" {
			return t
		}
		return id
	}
	return defaultSeed
}

// newRand returns the random byte stream of seed.
func newRand(seed string) io.Reader {
	return rand.NewChaCha8(sha256.Sum256([]byte("zebra/sandbox/wasm random_get\x00" + seed)))
}
