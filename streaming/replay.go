package streaming

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"zebra/mapreduce"
)

// Replay re-runs one attempt of an earlier job, from what the job's log
// directory (LogDir/<job id>/) recorded: the command line, and the
// attempt's digests. A map attempt re-reads its split; a reduce attempt
// re-runs the job's maps to rebuild its input. It prints whether the
// attempt read and wrote the same bytes as the first time and returns 0
// when the output is identical, 1 when it is not or the replay failed, and 2
// for a bad attempt id. Nothing is written to the job's output.
func Replay(ctx context.Context, attempt string, e *Env) int {
	con := &console{w: e.Stderr}
	a, err := mapreduce.ParseAttemptID(attempt)
	if err != nil {
		fmt.Fprintln(e.Stderr, "zebra replay:", err)
		return 2
	}
	jobDir := filepath.Join(e.LogDir, a.Task.Job.String())
	rec, err := mapreduce.ReadAttemptRecord(filepath.Join(jobDir, a.String()))
	if err != nil {
		fmt.Fprintf(e.Stderr, "zebra replay: no record of %s under %s (was it run with this ZEBRA_HOME?): %v\n", a, e.LogDir, err)
		return 2
	}
	data, err := os.ReadFile(filepath.Join(jobDir, "job.json"))
	var jf jobFile
	if err == nil {
		err = json.Unmarshal(data, &jf)
	}
	if err != nil {
		fmt.Fprintf(e.Stderr, "zebra replay: read %s: %v\n", filepath.Join(jobDir, "job.json"), err)
		return 1
	}
	re := *e
	re.Dir = jf.Dir
	o, err := ParseArgs(jf.Args, jf.Dir)
	if err != nil {
		fmt.Fprintf(e.Stderr, "zebra replay: the recorded command line no longer parses: %v\n", err)
		return 1
	}
	scratch, err := os.MkdirTemp(e.WorkDir, "replay-")
	if err != nil {
		fmt.Fprintln(e.Stderr, "zebra replay:", err)
		return 1
	}
	defer os.RemoveAll(scratch)
	original := o.Output
	o.Output = filepath.Join(scratch, "out")
	p, err := build(ctx, o, &re)
	if err != nil {
		return reportError(err, &re, con, jf.Args)
	}
	if code := prepare(ctx, o, p, &re, con); code != 0 {
		return code
	}
	// The programs see the original output location, as the first time.
	if fsys, path, err := e.Registry.Resolve(ctx, inDir(jf.Dir, original)); err == nil {
		p.env.outputDir = fsys.URI(path)
		p.job.Conf.Set("mapreduce.output.fileoutputformat.outputdir", p.env.outputDir)
	}
	job := p.job
	job.ID = a.Task.Job
	job.PieceSize = rec.PieceSize
	ex := &mapreduce.LocalExecutor{WorkDir: scratch, LogDir: jobDir, MapSlots: e.Slots, ReduceSlots: e.Slots, Logger: e.Logger}
	got, err := ex.Replay(ctx, job, a)
	if err != nil {
		fmt.Fprintf(e.Stdout, "replay %s: failed: %v\n", a, err)
		return 1
	}
	same := func(x, y string) string {
		if x == y {
			return "identical"
		}
		return "DIFFERENT"
	}
	fmt.Fprintf(e.Stdout, "replay %s\n", a)
	fmt.Fprintf(e.Stdout, "  settings: %s\n", same(rec.Settings, mapreduce.SettingsDigest(job.Conf)))
	fmt.Fprintf(e.Stdout, "  input:    %s (%d records, then %d; sha256 %s)\n", same(rec.Input, got.Input), rec.InputRecords, got.InputRecords, got.Input)
	fmt.Fprintf(e.Stdout, "  output:   %s (%d records, then %d; sha256 %s)\n", same(rec.Output, got.Output), rec.OutputRecords, got.OutputRecords, got.Output)
	if rec.Error != "" {
		fmt.Fprintf(e.Stdout, "  (the recorded attempt failed: %s)\n", rec.Error)
	}
	if rec.Output != got.Output {
		return 1
	}
	return 0
}
