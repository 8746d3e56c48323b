package main

import (
	"context"
	"log/slog"
	"os"

	"zebra/jobtracker/api"
	"zebra/jobtracker/zerocloud"
	"zebra/mapreduce"
)

// zerocloudJob is a worker's Build for plans of kind zerocloud: the job's
// apps run in the sandbox its zebra.sandbox setting picks, as streaming
// programs do.
func zerocloudJob(ctx context.Context, p *api.Plan, id mapreduce.JobID, dir string, reg *mapreduce.Registry, boxes *sandboxes, log *slog.Logger) (*mapreduce.Job, error) {
	runner := func(conf *mapreduce.Conf) (mapreduce.Runner, error) {
		r, note, err := boxes.choose(conf.Get(zerocloud.KeySandbox, ""), conf)
		if note != "" {
			log.Warn(note, "job", id.String())
		}
		return r, err
	}
	path := os.Getenv("PATH")
	if path == "" {
		path = "/usr/local/bin:/usr/bin:/bin"
	}
	return zerocloud.ClusterJob(ctx, p, id, dir, zerocloud.Env{Registry: reg, Runner: runner, Path: path, Logger: log})
}
