package streaming

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"zebra/jobtracker/api"
	"zebra/mapreduce"
)

// KeyJobTrackerAddress names the jobtracker to submit to, as in Hadoop 1
// ("local" for the local runner).
const KeyJobTrackerAddress = "mapreduce.jobtracker.address"

// SpecKind is the api.Plan kind of a streaming job.
const SpecKind = "streaming"

// clusterSpec is the streaming part of a cluster job's plan: the parsed and
// built options, from which a worker rebuilds exactly the client's job.
type clusterSpec struct {
	// Options are the parsed options after build and prepare: Conf is the
	// job's final configuration.
	Options *Options `json:"options"`
	// Staged maps a -file, -files or -archives entry (without #link) to
	// its path in the job's bundle; the bundle's cwd/ directory holds the
	// client-directory files the commands name.
	Staged    map[string]string `json:"staged,omitempty"`
	PieceSize int64             `json:"piece_size,omitempty"`
}

// jobTracker picks the jobtracker for a job: -jt, then
// mapreduce.jobtracker.address, then the environment's default; "" or
// "local" select the local runner.
func jobTracker(o *Options, e *Env) string {
	for _, v := range []string{o.JobTracker, o.Conf.Get(KeyJobTrackerAddress, ""), e.JobTracker} {
		if v != "" {
			if v == "local" {
				return ""
			}
			return v
		}
	}
	return ""
}

// submit sends a prepared job to a jobtracker and follows it to its end
// with the local runner's console report.
func submit(ctx context.Context, args []string, o *Options, p *plan, e *Env, con *console, jt string) int {
	launchErr := func(format string, a ...any) int {
		con.log("ERROR", "streaming.StreamJob", "Error Launching job : "+format, a...)
		return 5
	}
	client, err := api.NewClient(jt)
	if err != nil {
		return launchErr("%v", err)
	}
	job := p.job
	bundle, spec, err := stage(o, p, e)
	if err != nil {
		return launchErr("%v", err)
	}
	defer os.Remove(bundle)
	specJSON, err := json.Marshal(spec)
	if err != nil {
		return launchErr("encode job: %v", err)
	}
	conf := map[string]string{}
	for _, k := range job.Conf.Keys() {
		conf[k], _ = job.Conf.Lookup(k)
	}
	maxMap, err1 := job.Conf.Int("mapreduce.map.maxattempts", 4)
	maxReduce, err2 := job.Conf.Int("mapreduce.reduce.maxattempts", 4)
	slow, err3 := job.Conf.Float("mapreduce.job.reduce.slowstart.completedmaps", 0.05)
	if err := errors.Join(err1, err2, err3); err != nil {
		return launchErr("%v", err)
	}
	pl := &api.Plan{
		Name: job.Name, User: job.Conf.Get(mapreduce.KeyUser, ""), Args: args, Kind: SpecKind, Spec: specJSON,
		Conf: conf, Splits: job.Splits, Reduces: job.NumReduces, Output: p.env.outputDir,
		MarkSuccess: job.OutSpec.MarkSuccess, MaxMapAttempts: maxMap, MaxReduceAttempts: maxReduce, SlowStart: slow,
	}
	f, err := os.Open(bundle)
	if err != nil {
		return launchErr("%v", err)
	}
	id, err := client.Submit(ctx, pl, f)
	f.Close()
	if err != nil {
		if api.IsStatus(err, http.StatusConflict) {
			return launchErr("Output directory %s already exists", p.env.outputDir)
		}
		var se *api.StatusError
		if errors.As(err, &se) {
			return launchErr("the jobtracker at %s refused the job: %s", client.URL(), se.Message)
		}
		return launchErr("cannot reach the jobtracker at %s (%v); is it running? `zebra up` starts one, or run without -jt for the local runner", client.URL(), err)
	}
	con.log("INFO", "mapreduce.Job", "The url to track the job: %s/ui/jobs/%s", client.URL(), id)
	con.log("INFO", "mapreduce.Job", "Running job: %s", id)
	if o.Background {
		con.log("INFO", "streaming.StreamJob", "Job is running in background.")
		return 0
	}
	return followAndReport(ctx, client, id, job.Conf, con, o.Output)
}

// FollowJob follows a submitted cluster job to its end, printing the same
// console lines as a streaming job's on w, and returns the exit code
// zebra streaming returns for it: 0 when it succeeded, 1 when it failed,
// was killed or could not be followed, 130 when ctx ended first (the job
// goes on). output names the job's output in the report.
func FollowJob(ctx context.Context, client *api.Client, id string, conf *mapreduce.Conf, w io.Writer, output string) int {
	return followAndReport(ctx, client, id, conf, &console{w: w}, output)
}

func followAndReport(ctx context.Context, client *api.Client, id string, conf *mapreduce.Conf, con *console, output string) int {
	con.log("INFO", "mapreduce.Job", "Job %s running in uber mode : false", id)
	st, code := follow(ctx, client, id, conf, con)
	if st == nil {
		return code
	}
	switch st.State {
	case api.StateSucceeded:
		reportSuccess(con, id, st.Counters, st.Reduces == 0, "Task logs: `zebra job -logs "+id+" [ATTEMPT]` (kept on the workers, under logs/"+id+"/ in each worker's data directory)", output)
		return 0
	case api.StateKilled:
		con.log("ERROR", "streaming.StreamJob", "Job %s was killed; nothing was committed to %s", id, output)
		return 1
	}
	if f := st.Failure; f != nil {
		if f.Kind != "" && f.Kind != api.FailureUser {
			// The task reached the jobtracker's cap for failures that
			// are not its code's: say so, not only the last error.
			con.log("ERROR", "zebra.JobTracker", "%s", st.Diagnostics)
		}
		reportFailure(con, "zebra.JobTracker", id, f.Attempt, f.Error, f.StartError, f.StderrTail, f.Log, st.Diagnostics)
	} else {
		con.log("INFO", "mapreduce.Job", "Job %s failed with state FAILED due to: %s", id, st.Diagnostics)
	}
	con.log("ERROR", "streaming.StreamJob", "Job not successful!")
	return 1
}

// follow prints a job's progress until it ends and returns its final
// status, or nil and an exit code when the job could not be followed.
func follow(ctx context.Context, client *api.Client, id string, conf *mapreduce.Conf, con *console) (*api.JobStatus, int) {
	retry := 2 * time.Minute
	if v, ok := conf.Lookup(mapreduce.KeyClientRetry); ok {
		if d, err := time.ParseDuration(v); err == nil && d > 0 {
			retry = d
		}
	}
	last, failed, shownTail, hinted := "", 0, false, false
	// A changed progress line is printed at most once a second (as
	// Hadoop's client polls), the last one always.
	var printed time.Time
	pending := false
	version := int64(-1)
	var lostSince time.Time
	for {
		wait := 5 * time.Second
		if pending {
			wait = max(time.Until(printed.Add(time.Second)), 10*time.Millisecond)
		}
		st, err := client.Status(ctx, id, version, wait)
		if err != nil {
			if ctx.Err() != nil {
				con.log("INFO", "zebra", "Stopped following %s; the job goes on (`zebra job -kill %s` kills it)", id, id)
				return nil, 130
			}
			if api.IsStatus(err, http.StatusNotFound) {
				con.log("ERROR", "streaming.StreamJob", "The jobtracker at %s no longer knows job %s", client.URL(), id)
				return nil, 1
			}
			if lostSince.IsZero() {
				lostSince = time.Now()
				con.log("WARN", "zebra", "Lost contact with the jobtracker at %s (%v); retrying for %v", client.URL(), err, retry)
			} else if time.Since(lostSince) > retry {
				con.log("ERROR", "streaming.StreamJob", "Lost contact with the jobtracker at %s for %v: %v; job %s may still be running", client.URL(), retry, err, id)
				return nil, 1
			}
			select {
			case <-ctx.Done():
			case <-time.After(500 * time.Millisecond):
			}
			continue
		}
		lostSince = time.Time{}
		version = st.Version
		for ; failed < len(st.FailedAttempts); failed++ {
			a := st.FailedAttempts[failed]
			con.log("INFO", "mapreduce.Job", "Task Id : %s, Status : %s", a.ID, a.State)
			if a.Error != "" {
				con.plain("Error: " + a.Error + "\n")
			}
			if hint := notFoundHint(a.Error); hint != "" && !hinted {
				hinted = true
				con.log("INFO", "zebra", "%s", hint)
			}
			if k := a.Kind; k == api.FailureInfrastructure || k == api.FailureLost {
				con.plain("Kind: " + string(k) + " (does not count toward the task's maxattempts)\n")
			}
			if a.State == api.AttemptFailed && a.Kind.Effective(a.State) == api.FailureUser && !shownTail {
				// The first failure's stderr (a traceback) at once, while
				// the job retries: tools that read the console only while
				// the client runs (luigi) see it too.
				shownTail = showStderrTail(ctx, client, id, a.ID, con)
			}
		}
		line := fmt.Sprintf(" map %d%% reduce %d%%", clusterPercent(st.MapProgress, st.MapsDone, st.Maps), clusterPercent(st.ReduceProgress, st.ReducesDone, st.Reduces))
		pending = line != last && (st.State == api.StateRunning || st.State == api.StateSucceeded)
		if pending && (st.Done() || time.Since(printed) >= time.Second) {
			last, printed, pending = line, time.Now(), false
			con.log("INFO", "mapreduce.Job", "%s", line)
		}
		if st.Done() {
			return st, 0
		}
	}
}

// showStderrTail prints the last lines of a failed attempt's stderr, as
// the failure report does, and reports whether it could.
func showStderrTail(ctx context.Context, client *api.Client, job, attempt string, con *console) bool {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var b bytes.Buffer
	path := "/api/v1/jobs/" + url.PathEscape(job) + "/attempts/" + url.PathEscape(attempt) + "/logs/stderr"
	if err := client.Do(ctx, http.MethodGet, path, nil, &b); err != nil {
		return false
	}
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	tail := strings.Join(lines[max(0, len(lines)-20):], "\n")
	if strings.TrimSpace(tail) == "" {
		return false
	}
	con.plain("---- stderr of " + attempt + " (last lines) ----\n" + tail + "\n----\n")
	return true
}

// stage writes the job's bundle (a tar of every local file the job
// ships and of the client-directory files its commands name) into the
// scratch directory, and returns its path with the job's spec.
func stage(o *Options, p *plan, e *Env) (string, *clusterSpec, error) {
	spec := &clusterSpec{Options: o, Staged: map[string]string{}, PieceSize: p.job.PieceSize}
	f, err := os.CreateTemp(e.WorkDir, "bundle-*.tar")
	if err != nil {
		return "", nil, fmt.Errorf("create job bundle: %w", err)
	}
	tw := tar.NewWriter(f)
	fail := func(err error) (string, *clusterSpec, error) {
		f.Close()
		os.Remove(f.Name())
		return "", nil, fmt.Errorf("create job bundle: %w", err)
	}
	n := 0
	add := func(entry string) error {
		name, _, _ := strings.Cut(entry, "#")
		if _, done := spec.Staged[name]; done {
			return nil
		}
		src, ok := localPath(name, e.Dir)
		if !ok {
			return fmt.Errorf("%s: only local files can be shipped to a cluster", name)
		}
		dst := "ship/" + strconv.Itoa(n) + "/" + filepath.Base(src)
		n++
		spec.Staged[name] = dst
		return addToTar(tw, src, dst)
	}
	for _, list := range [][]string{o.ShipFiles, o.Files, o.Archives} {
		for _, entry := range list {
			if err := add(entry); err != nil {
				return fail(err)
			}
		}
	}
	// Client-directory files the commands name: those build links into
	// the task directories, and those named as ./x, which programs find
	// through the client directory (as Hadoop's local runner finds them).
	cwd := map[string]bool{}
	for name, target := range p.env.links {
		if target == filepath.Join(e.Dir, name) {
			cwd[name] = true
		}
	}
	for _, cmd := range []string{o.Mapper, o.Combiner, o.Reducer} {
		if err := checkUnshipped(cmd, spec.Staged, e.Dir); err != nil {
			return fail(err)
		}
		for _, a := range SplitArgs(cmd) {
			rel := filepath.Clean(a)
			if a == "" || filepath.IsAbs(a) || rel == "." || strings.HasPrefix(rel, "..") {
				continue
			}
			if _, err := os.Stat(filepath.Join(e.Dir, rel)); err == nil {
				cwd[strings.Split(rel, string(filepath.Separator))[0]] = true
			}
		}
	}
	for name := range cwd {
		if err := addToTar(tw, filepath.Join(e.Dir, name), "cwd/"+name); err != nil {
			return fail(err)
		}
	}
	if err := tw.Close(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		return fail(err)
	}
	return f.Name(), spec, nil
}

// checkUnshipped refuses a command whose arguments name, by absolute path,
// a file of the client outside the system directories that the job does
// not ship ("perl $PWD/mapper.pl"): Hadoop's local mode runs it, but a task
// on a cluster sees only what its job ships. The program itself (the first
// word, e.g. a virtualenv's python) is the worker's to find: it runs if it
// lies in the operator's allowed installations (zebra worker
// --sandbox-allow), and the task fails saying so otherwise.
func checkUnshipped(cmd string, staged map[string]string, dir string) error {
	for i, a := range SplitArgs(cmd) {
		if i == 0 || !filepath.IsAbs(a) || a == "/" {
			continue
		}
		top := "/" + strings.SplitN(strings.TrimPrefix(filepath.Clean(a), "/"), "/", 2)[0]
		switch top {
		case "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/dev", "/proc", "/sys":
			continue
		}
		fi, err := os.Stat(a)
		if err != nil || fi.IsDir() {
			continue
		}
		shipped := false
		for name := range staged {
			if p, ok := localPath(name, dir); ok && p == filepath.Clean(a) {
				shipped = true
			}
		}
		if !shipped {
			return fmt.Errorf("the command %q names %s, which the job does not ship: on a cluster a task sees only what its job ships; ship it with -files %s and name it %s in the command",
				cmd, a, a, filepath.Base(a))
		}
	}
	return nil
}

// addToTar adds the file or directory tree src under the name dst,
// following symbolic links.
func addToTar(tw *tar.Writer, src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := os.Stat(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		name := filepath.ToSlash(filepath.Join(dst, rel))
		switch {
		case fi.IsDir():
			return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: name + "/", Mode: int64(fi.Mode().Perm())})
		case fi.Mode().IsRegular():
			if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: int64(fi.Mode().Perm()), Size: fi.Size()}); err != nil {
				return err
			}
			r, err := os.Open(p)
			if err != nil {
				return err
			}
			defer r.Close()
			_, err = io.Copy(tw, r)
			return err
		}
		return nil // sockets, devices: not shipped
	})
}

// ClusterJob rebuilds, on a worker, the job of a plan a streaming client
// submitted. dir is the job's directory on the worker; its bundle.tar (if
// any) is unpacked into dir/files. The job's programs run with e's
// environment and sandboxes.
func ClusterJob(ctx context.Context, pl *api.Plan, id mapreduce.JobID, dir string, e *Env) (*mapreduce.Job, error) {
	if pl.Kind != SpecKind {
		return nil, mapreduce.E("rebuild job", mapreduce.Invalid, id.String(), fmt.Errorf("plan kind %q is not a streaming job", pl.Kind))
	}
	var spec clusterSpec
	if err := json.Unmarshal(pl.Spec, &spec); err != nil || spec.Options == nil || spec.Options.Conf == nil {
		return nil, mapreduce.E("rebuild job", mapreduce.Invalid, id.String(), fmt.Errorf("bad streaming spec: %v", err))
	}
	files := filepath.Join(dir, "files")
	if _, err := os.Stat(filepath.Join(dir, "bundle.tar")); err == nil {
		if _, err := os.Stat(files); err != nil {
			if _, err := unpackArchive(filepath.Join(dir, "bundle.tar"), files, nil); err != nil {
				return nil, err
			}
		}
	}
	o := spec.Options
	// Every shipped file comes from the bundle (the client stages them
	// all): a plan is accepted from anyone with a token, and a path of the
	// worker's own disk or a store must not reach a task.
	restage := func(list []string) error {
		for i, entry := range list {
			name, link, hasLink := strings.Cut(entry, "#")
			staged, ok := spec.Staged[name]
			if !ok {
				return fmt.Errorf("%s is not in the job's bundle", name)
			}
			if c := path.Clean(staged); staged == "" || c != staged || path.IsAbs(c) || c == ".." || strings.HasPrefix(c, "../") {
				return fmt.Errorf("%s: bundle path %q leaves the bundle", name, staged)
			}
			list[i] = filepath.Join(files, filepath.FromSlash(staged))
			if hasLink {
				list[i] += "#" + link
			}
		}
		return nil
	}
	for _, list := range [][]string{o.ShipFiles, o.Files, o.Archives} {
		if err := restage(list); err != nil {
			return nil, mapreduce.E("rebuild job", mapreduce.Invalid, id.String(), fmt.Errorf("bad streaming spec: %w", err))
		}
	}
	we := *e
	we.Dir = filepath.Join(files, "cwd")
	if err := os.MkdirAll(we.Dir, 0o755); err != nil {
		return nil, mapreduce.E("rebuild job", mapreduce.Infra, we.Dir, err)
	}
	p, err := build(ctx, o, &we)
	if err != nil {
		return nil, err
	}
	// The staged client directory is part of the job's plan: its programs
	// find ./x files there.
	p.env.extraShipped = append(p.env.extraShipped, we.Dir)
	job := p.job
	job.ID = id
	job.Name = pl.Name
	job.PieceSize = spec.PieceSize
	job.Splits = append([]mapreduce.Split(nil), pl.Splits...)
	for i := range job.Splits {
		fsys, path, err := e.Registry.Resolve(ctx, job.Splits[i].URI)
		if err != nil {
			return nil, mapreduce.E("rebuild job", mapreduce.Invalid, job.Splits[i].URI, err)
		}
		job.InputFS, job.Splits[i].Path = fsys, path
	}
	outFS, outPath, err := e.Registry.Resolve(ctx, pl.Output)
	if err != nil {
		return nil, mapreduce.E("rebuild job", mapreduce.Invalid, pl.Output, err)
	}
	job.OutputFS, job.Output = outFS, outPath
	p.env.outputDir = pl.Output
	return job, nil
}

// StartError returns the operating system's reason, in Java's words, when
// err says that a task's program could not be started; otherwise "".
func StartError(err error) string {
	var se *startError
	if errors.As(err, &se) {
		return se.Error()
	}
	return ""
}

// cannotRun matches the error of a task whose program does not exist.
var cannotRun = regexp.MustCompile(`Cannot run program "([^"]+)": error=2,`)

// notFoundHint explains an attempt error saying its program does not
// exist ("" for other errors): the task will fail the same way at every
// attempt, and the usual cause is a script that was not shipped.
func notFoundHint(errText string) string {
	m := cannotRun.FindStringSubmatch(errText)
	if m == nil {
		return ""
	}
	return fmt.Sprintf("The command %q was not found in the task's working directory or on its PATH: every attempt will fail the same way. "+
		"Ship a script with -files %s (or name an installed program)", m[1], m[1])
}

// clusterPercent is a phase's percent for the console's "map X% reduce
// Y%" line: the tracker's progress (which counts running tasks' progress)
// as Hadoop rounds it, never below the finished tasks' share (a tracker
// that sends no progress).
func clusterPercent(progress float64, done, total int) int {
	return max(mapreduce.ProgressPercent(progress), percent(done, total))
}
