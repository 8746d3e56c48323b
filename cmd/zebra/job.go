package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"zebra/jobtracker/api"
	"zebra/mapreduce"
)

const jobUsage = `usage: zebra job [-jt URL] <command> <args>
	[-list [all]]
	[-status <job-id>]
	[-kill <job-id>]
	[-counter <job-id> <group-name> <counter-name>]
	[-history [all] <job-id>]
	[-logs <job-id> [<task-attempt-id>]]
	[-events <job-id> <from-event-#> <#-of-events>]

The jobtracker is -jt URL, -D mapreduce.jobtracker.address=URL or $ZEBRA_JOBTRACKER;
the token is $ZEBRA_TOKEN (the cluster token 'zebra up' prints, or ACCOUNT:SWIFT_TOKEN).
`

// jobCommand is `zebra job`, Hadoop's `mapred job` over a zebra
// jobtracker's REST API, printing what `mapred job` prints.
func jobCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	jt := os.Getenv("ZEBRA_JOBTRACKER")
	for len(args) >= 2 && (args[0] == "-jt" || args[0] == "-D") {
		if args[0] == "-jt" {
			jt = args[1]
		} else if v, ok := strings.CutPrefix(args[1], "mapreduce.jobtracker.address="); ok {
			jt = v
		}
		args = args[2:]
	}
	if len(args) == 0 {
		fmt.Fprint(stderr, jobUsage)
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help":
		fmt.Fprint(stdout, jobUsage)
		return 0
	case "-list":
		// `mapred job -list` takes "all" or nothing: anything else is
		// its usage line on stderr and exit code 255.
		if len(args) > 2 || len(args) == 2 && args[1] != "all" {
			fmt.Fprintln(stderr, "Usage: job [-list [all]]")
			return 255
		}
	}
	if jt == "" || jt == "local" {
		fmt.Fprintln(stderr, "zebra job: no jobtracker: set ZEBRA_JOBTRACKER (`eval \"$(zebra up --no-swift)\"` starts a cluster) or pass -jt URL")
		return 2
	}
	c, err := api.NewClient(jt)
	if err != nil {
		fmt.Fprintln(stderr, "zebra job:", err)
		return 2
	}
	j := &jobCLI{c: c, out: stdout}
	verb, rest := args[0], args[1:]
	need := func(n int) bool {
		if len(rest) < n {
			fmt.Fprint(stderr, jobUsage)
			return false
		}
		return true
	}
	switch verb {
	case "-list":
		err = j.list(ctx, len(rest) > 0 && rest[0] == "all")
	case "-status":
		if !need(1) {
			return 2
		}
		err = j.status(ctx, rest[0])
	case "-kill":
		if !need(1) {
			return 2
		}
		err = j.kill(ctx, rest[0])
	case "-counter":
		if !need(3) {
			return 2
		}
		err = j.counter(ctx, rest[0], rest[1], rest[2])
	case "-history":
		all := len(rest) > 0 && rest[0] == "all"
		if all {
			rest = rest[1:]
		}
		if !need(1) {
			return 2
		}
		err = j.history(ctx, rest[0], all)
	case "-logs":
		if !need(1) {
			return 2
		}
		attempt := ""
		if len(rest) > 1 {
			attempt = rest[1]
		}
		err = j.logs(ctx, rest[0], attempt)
	case "-events":
		if !need(3) {
			return 2
		}
		from, err1 := strconv.Atoi(rest[1])
		n, err2 := strconv.Atoi(rest[2])
		if errors.Join(err1, err2) != nil || from < 0 || n < 0 {
			fmt.Fprint(stderr, jobUsage)
			return 2
		}
		err = j.events(ctx, rest[0], from, n)
	default:
		fmt.Fprintf(stderr, "zebra job: unknown command %q\n%s", verb, jobUsage)
		return 2
	}
	var ce *cliError
	switch {
	case errors.As(err, &ce):
		fmt.Fprintln(stdout, ce.msg)
		return 1
	case api.IsStatus(err, http.StatusUnauthorized) && os.Getenv("ZEBRA_TOKEN") != "":
		fmt.Fprintf(stderr, "zebra job: the jobtracker at %s rejected the token in ZEBRA_TOKEN (a token of another cluster, or an expired Swift token?): %v\n", c.URL(), err)
		return 1
	case api.IsStatus(err, http.StatusUnauthorized):
		fmt.Fprintf(stderr, "zebra job: the jobtracker at %s wants a token: set ZEBRA_TOKEN (%v)\n", c.URL(), err)
		return 1
	case err != nil:
		fmt.Fprintln(stderr, "zebra job:", err)
		return 1
	}
	return 0
}

// cliError is a failure `mapred job` reports on standard output.
type cliError struct{ msg string }

func (e *cliError) Error() string { return e.msg }

type jobCLI struct {
	c   *api.Client
	out io.Writer
}

func (j *jobCLI) printf(format string, a ...any) { fmt.Fprintf(j.out, format, a...) }

func jobPath(id string) string { return "/ws/v1/history/mapreduce/jobs/" + url.PathEscape(id) }

// getStatus fetches a job; an unknown job is Hadoop's "Could not find
// job".
func (j *jobCLI) getStatus(ctx context.Context, id string) (*api.JobStatus, error) {
	st, err := j.c.Status(ctx, id, -1, 0)
	if api.IsStatus(err, http.StatusNotFound) {
		return nil, &cliError{"Could not find job " + id}
	}
	return st, err
}

// list is -list [all]: Hadoop's job table.
func (j *jobCLI) list(ctx context.Context, all bool) error {
	jobs, err := j.c.Jobs(ctx)
	if err != nil {
		return err
	}
	var sel []api.JobStatus
	for _, s := range jobs {
		if all || !s.Done() {
			sel = append(sel, s)
		}
	}
	const header = "%23s\t%20s\t%10s\t%14s\t%12s\t%12s\t%10s\t%15s\t%15s\t%8s\t%8s\t%10s\t%10s\n"
	const row = "%23s\t%20s\t%10s\t%14d\t%12s\t%12s\t%10s\t%15s\t%15s\t%8s\t%8s\t%10s\t%10s\n"
	j.printf("Total jobs:%d\n", len(sel))
	j.printf(header, "JobId", "JobName", "State", "StartTime", "UserName", "Queue", "Priority", "UsedContainers",
		"RsvdContainers", "UsedMem", "RsvdMem", "NeededMem", "AM info")
	for _, s := range sel {
		j.printf(row, s.ID, s.Name, s.State, s.Submitted.UnixMilli(), s.User, "default", "NORMAL", "N/A", "N/A",
			"N/A", "N/A", "N/A", j.c.URL()+"/ui/jobs/"+s.ID)
	}
	return nil
}

// counters fetches a job's counters (live while it runs) with their map
// and reduce parts.
func (j *jobCLI) counters(ctx context.Context, id string) (total, maps, reduces *mapreduce.Counters, err error) {
	var out struct {
		JobCounters struct {
			Groups []api.HSCounterGroup `json:"counterGroup"`
		} `json:"jobCounters"`
	}
	if err := j.c.Do(ctx, http.MethodGet, jobPath(id)+"/counters", nil, &out); err != nil {
		if api.IsStatus(err, http.StatusNotFound) {
			return nil, nil, nil, &cliError{"Could not find job " + id}
		}
		return nil, nil, nil, err
	}
	total, maps, reduces = &mapreduce.Counters{}, &mapreduce.Counters{}, &mapreduce.Counters{}
	for _, g := range out.JobCounters.Groups {
		for _, c := range g.Counters {
			total.Add(g.Name, c.DisplayName, c.Total)
			maps.Add(g.Name, c.DisplayName, c.Map)
			reduces.Add(g.Name, c.DisplayName, c.Reduce)
		}
	}
	return total, maps, reduces, nil
}

// javaFloat prints a completion as Java prints a float (1.0, 0.5).
func javaFloat(done, n int) string {
	f := float32(1)
	if n > 0 {
		f = float32(done) / float32(n)
	}
	return javaFloatString(f)
}

// javaFloatString is f as Java's Float.toString writes it (for the
// fractions -status shows: no exponent).
func javaFloatString(f float32) string {
	s := strconv.FormatFloat(float64(f), 'f', -1, 32)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// status is -status: Job.toString, then the counters.
func (j *jobCLI) status(ctx context.Context, id string) error {
	st, err := j.getStatus(ctx, id)
	if err != nil {
		return err
	}
	total, _, _, err := j.counters(ctx, id)
	if err != nil {
		return err
	}
	reason := " "
	if st.State == api.StateFailed && st.Failure != nil {
		task, fails := mapreduce.TaskOfAttempt(st.Failure.Attempt), 0
		for _, a := range st.FailedAttempts {
			if mapreduce.TaskOfAttempt(a.ID) == task && a.State == api.AttemptFailed {
				fails++
			}
		}
		reason = fmt.Sprintf(" task %s failed %d times For details check tasktracker at: %s/ui/jobs/%s/attempts/%s",
			strings.TrimPrefix(task, "task_"), fails, j.c.URL(), id, st.Failure.Attempt)
	}
	j.printf("\nJob: %s\nJob File: %s%s/conf\nJob Tracking URL : %s/ui/jobs/%s\nUber job : false\n", st.ID, j.c.URL(), jobPath(id), j.c.URL(), id)
	j.printf("Number of maps: %d\nNumber of reduces: %d\n", st.Maps, st.Reduces)
	mapDone, reduceDone := javaFloat(st.MapsDone, st.Maps), javaFloat(st.ReducesDone, st.Reduces)
	if st.State == api.StateRunning {
		// A running job's completion counts its running tasks' progress.
		mapDone, reduceDone = javaFloatString(float32(st.MapProgress)), javaFloatString(float32(st.ReduceProgress))
	}
	if st.Maps == 0 && st.State != api.StateSucceeded {
		mapDone = "0.0"
	}
	if st.Reduces == 0 && st.State != api.StateSucceeded {
		reduceDone = "0.0"
	}
	j.printf("map() completion: %s\nreduce() completion: %s\nJob state: %s\nretired: false\nreason for failure: %s\n", mapDone, reduceDone, st.State, reason)
	j.printf("%s\n", mapreduce.FormatCounters(total))
	return nil
}

// kill is -kill, with Hadoop's messages.
func (j *jobCLI) kill(ctx context.Context, id string) error {
	st, err := j.getStatus(ctx, id)
	if err != nil {
		return err
	}
	switch st.State {
	case api.StateFailed:
		return &cliError{"Could not mark the job " + id + " as killed, as it has already failed."}
	case api.StateKilled:
		return &cliError{"The job " + id + " has already been killed."}
	case api.StateSucceeded:
		return &cliError{"Could not kill the job " + id + ", as it has already succeeded."}
	}
	if err := j.c.Kill(ctx, id); err != nil {
		return err
	}
	j.printf("Killed job %s\n", id)
	return nil
}

// counter is -counter: one counter's value (group by class or display
// name, counter by enum or display name; an absent counter is 0, as
// Hadoop's findCounter makes it).
func (j *jobCLI) counter(ctx context.Context, id, group, name string) error {
	total, _, _, err := j.counters(ctx, id)
	if err != nil {
		return err
	}
	v, _ := mapreduce.FindCounter(total, group, name)
	j.printf("%d\n", v)
	return nil
}

// events is -events: task completion events.
func (j *jobCLI) events(ctx context.Context, id string, from, n int) error {
	var evs api.Events
	err := j.c.Do(ctx, http.MethodGet, fmt.Sprintf("/api/v1/jobs/%s/events?from=%d&n=%d", url.PathEscape(id), from, n), nil, &evs)
	if api.IsStatus(err, http.StatusNotFound) {
		return &cliError{"Could not find job " + id}
	}
	if err != nil {
		return err
	}
	j.printf("Task completion events for %s\nNumber of events (from %d) are: %d\n", id, from, len(evs.Events))
	for _, e := range evs.Events {
		j.printf("%s %s %s%s\n", e.Status, e.Attempt, j.c.URL(), e.LogURL)
	}
	return nil
}

// logs is -logs: each attempt's log files as YARN's log dump prints
// containers' logs (every attempt of the job without an attempt id).
func (j *jobCLI) logs(ctx context.Context, id, attempt string) error {
	var as []api.AttemptInfo
	err := j.c.Do(ctx, http.MethodGet, "/api/v1/jobs/"+url.PathEscape(id)+"/attempts", nil, &as)
	if api.IsStatus(err, http.StatusNotFound) {
		return &cliError{"Could not find job " + id}
	}
	if err != nil {
		return err
	}
	if attempt != "" {
		as = slices.DeleteFunc(as, func(a api.AttemptInfo) bool { return a.ID != attempt })
		if len(as) == 0 {
			return &cliError{"Could not find attempt " + attempt + " of job " + id}
		}
	}
	base := "/api/v1/jobs/" + url.PathEscape(id) + "/attempts/"
	for _, a := range as {
		var files []struct {
			Name string `json:"name"`
			Size int64  `json:"size"`
		}
		printContainer(j.out, a.ID, a.Node)
		if err := j.c.Do(ctx, http.MethodGet, base+url.PathEscape(a.ID)+"/logs", nil, &files); err != nil {
			j.printf("Logs not available: %v\n", err)
			continue
		}
		// stderr first, as YARN lists a container's logs.
		slices.SortStableFunc(files, func(a, b struct {
			Name string `json:"name"`
			Size int64  `json:"size"`
		}) int {
			return logRank(a.Name) - logRank(b.Name)
		})
		for _, f := range files {
			var b bytes.Buffer
			if err := j.c.Do(ctx, http.MethodGet, base+url.PathEscape(a.ID)+"/logs/"+url.PathEscape(f.Name), nil, &b); err != nil {
				j.printf("LogType:%s\nLog not available: %v\n\n", f.Name, err)
				continue
			}
			printLog(j.out, f.Name, b.Bytes())
		}
	}
	return nil
}

// printContainer heads one attempt's logs as YARN's log dump heads a
// container's.
func printContainer(w io.Writer, attempt, node string) {
	head := fmt.Sprintf("Container: %s on %s", attempt, node)
	fmt.Fprintf(w, "\n\n%s\n%s\n", head, strings.Repeat("=", len(head)))
}

// printLog prints one log file as YARN's log dump does.
func printLog(w io.Writer, name string, b []byte) {
	fmt.Fprintf(w, "LogType:%s\nLogLength:%d\nLog Contents:\n%s", name, len(b), b)
	if len(b) > 0 && !bytes.HasSuffix(b, []byte("\n")) {
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "End of LogType:%s\n\n", name)
}

// logRank orders log files: stderr, stdout, syslog, then the others.
func logRank(name string) int {
	if i := slices.Index([]string{"stderr", "stdout", "syslog"}, name); i >= 0 {
		return i
	}
	return 3
}

// Hadoop's history dates: d-MMM-yyyy HH:mm:ss.
func histTime(ms int64) string {
	if ms <= 0 {
		return ""
	}
	return time.UnixMilli(ms).Format("2-Jan-2006 15:04:05")
}

// histDiff is StringUtils.formatTimeDiff: 1hrs, 2mins, 3sec.
func histDiff(finish, start int64) string {
	d := finish - start
	h, m, s := d/3600000, d%3600000/60000, d%60000/1000
	var b strings.Builder
	if h != 0 {
		fmt.Fprintf(&b, "%dhrs, ", h)
	}
	if m != 0 {
		fmt.Fprintf(&b, "%dmins, ", m)
	}
	fmt.Fprintf(&b, "%dsec", s)
	return b.String()
}

// histTimeDiff is a time with its distance from start: "… (3sec)".
func histTimeDiff(t, start int64) string {
	if t <= 0 {
		return ""
	}
	if start <= 0 {
		return histTime(t)
	}
	return histTime(t) + " (" + histDiff(t, start) + ")"
}

// history is -history [all]: the human-readable history of a job, as
// Hadoop's HumanReadableHistoryViewerPrinter prints it.
func (j *jobCLI) history(ctx context.Context, id string, all bool) error {
	var job struct {
		Job api.HSJob `json:"job"`
	}
	if err := j.c.Do(ctx, http.MethodGet, jobPath(id), nil, &job); err != nil {
		if api.IsStatus(err, http.StatusNotFound) {
			return &cliError{"Could not find job " + id}
		}
		return err
	}
	var tasks struct {
		Tasks struct {
			Task []api.HSTask `json:"task"`
		} `json:"tasks"`
	}
	if err := j.c.Do(ctx, http.MethodGet, jobPath(id)+"/tasks", nil, &tasks); err != nil {
		return err
	}
	total, maps, reduces, err := j.counters(ctx, id)
	if err != nil {
		return err
	}
	h := job.Job
	j.printf("Hadoop job: %s\n=====================================\n", h.ID)
	j.printf("User: %s\nJobName: %s\nJobConf: %s%s/conf\n", h.User, h.Name, j.c.URL(), jobPath(id))
	j.printf("Submitted At: %s\nLaunched At: %s\nFinished At: %s\nStatus: %s\n", histTime(h.SubmitTime),
		histTimeDiff(h.StartTime, h.SubmitTime), histTimeDiff(h.FinishTime, h.StartTime), h.State)
	j.printf("Counters: \n\n|%-30s|%-30s|%-10s|%-10s|%-10s|\n%s\n", "Group Name", "Counter name", "Map Value", "Reduce Value", "Total Value", strings.Repeat("-", 96))
	for _, g := range mapreduce.OrderedGroups(total) {
		for _, n := range mapreduce.OrderedNames(total, g) {
			j.printf("|%-30s|%-30s|%-10d|%-10d|%-10d\n", strings.TrimSpace(mapreduce.GroupDisplayName(g)), n, maps.Get(g, n), reduces.Get(g, n), total.Get(g, n))
		}
	}
	j.printf("=====================================\n\n")

	type summary struct {
		total, ok, failed, killed int
		start, finish             int64
		done                      []api.HSTask
	}
	sums := map[string]*summary{"MAP": {}, "REDUCE": {}}
	for _, t := range tasks.Tasks.Task {
		s := sums[t.Type]
		if s == nil {
			continue
		}
		s.total++
		switch t.State {
		case "SUCCEEDED":
			s.ok++
			s.done = append(s.done, t)
		case "FAILED":
			s.failed++
		case "KILLED":
			s.killed++
		}
		if t.StartTime > 0 && (s.start == 0 || t.StartTime < s.start) {
			s.start = t.StartTime
		}
		s.finish = max(s.finish, t.FinishTime)
	}
	j.printf("Task Summary\n============================\nKind\tTotal\tSuccessful\tFailed\tKilled\tStartTime\tFinishTime\n\n")
	j.printf("Setup\t0\t0\t0\t0\n")
	for _, k := range []string{"MAP", "REDUCE"} {
		s := sums[k]
		name := "Map"
		if k == "REDUCE" {
			name = "Reduce"
		}
		j.printf("%s\t%d\t%d\t%d\t%d\t%s\t%s\n", name, s.total, s.ok, s.failed, s.killed, histTime(s.start), histTimeDiff(s.finish, s.start))
	}
	j.printf("Cleanup\t0\t0\t0\t0\n============================\n\n\nAnalysis\n=========\n")
	for _, k := range []string{"MAP", "REDUCE"} {
		s := sums[k]
		kind := strings.ToLower(k)
		if len(s.done) == 0 {
			continue
		}
		slices.SortFunc(s.done, func(a, b api.HSTask) int { return int(a.ElapsedTime - b.ElapsedTime) })
		var sum int64
		for _, t := range s.done {
			sum += t.ElapsedTime
		}
		j.printf("\nTime taken by best performing %s task %s: %s\n", kind, s.done[0].ID, histDiff(s.done[0].ElapsedTime, 0))
		j.printf("Average time taken by %s tasks: %s\n", kind, histDiff(sum/int64(len(s.done)), 0))
		j.printf("Worse performing %s tasks: \nTaskId\t\tTimetaken\n", kind)
		for i := len(s.done) - 1; i >= 0 && i >= len(s.done)-10; i-- {
			j.printf("%s %s\n", s.done[i].ID, histDiff(s.done[i].ElapsedTime, 0))
		}
		last := slices.MaxFunc(s.done, func(a, b api.HSTask) int { return int(a.FinishTime - b.FinishTime) })
		j.printf("The last %s task %s finished at (relative to the Job launch time): %s\n", kind, last.ID, histTimeDiff(last.FinishTime, h.StartTime))
	}
	j.printf("=========\n")
	states := []string{"FAILED", "KILLED"}
	if all {
		states = append(states, "SUCCEEDED")
	}
	for _, st := range states {
		for _, k := range []string{"MAP", "REDUCE"} {
			var sel []api.HSTask
			for _, t := range tasks.Tasks.Task {
				if t.Type == k && t.State == st {
					sel = append(sel, t)
				}
			}
			if len(sel) == 0 {
				continue
			}
			j.printf("\n%s %s task list for %s\nTaskId\t\tStartTime\tFinishTime\tError\tInputSplits\n====================================================\n", st, k, id)
			for _, t := range sel {
				split := ""
				if t.Split != nil {
					split = fmt.Sprintf("%s:%d+%d", t.Split.URI, t.Split.Start, t.Split.Length)
				}
				j.printf("%s\t%s\t%s\t%s\t%s\n", t.ID, histTime(t.StartTime), histTimeDiff(t.FinishTime, t.StartTime), j.taskError(ctx, id, t), split)
			}
		}
	}
	return nil
}

// taskError is the error of a task's last attempt ("" if none).
func (j *jobCLI) taskError(ctx context.Context, job string, t api.HSTask) string {
	if t.State == "SUCCEEDED" {
		return ""
	}
	var out struct {
		TaskAttempts struct {
			Attempts []api.HSAttempt `json:"taskAttempt"`
		} `json:"taskAttempts"`
	}
	if j.c.Do(ctx, http.MethodGet, jobPath(job)+"/tasks/"+url.PathEscape(t.ID)+"/attempts", nil, &out) != nil || len(out.TaskAttempts.Attempts) == 0 {
		return ""
	}
	return out.TaskAttempts.Attempts[len(out.TaskAttempts.Attempts)-1].Diagnostics
}

// newToken makes a cluster token: 32 random bytes, in hex.
func newToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("make a cluster token: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// readToken reads a token file (its first line).
func readToken(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read token: %w", err)
	}
	tok, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	if tok == "" {
		return "", fmt.Errorf("read token: %s is empty", path)
	}
	return tok, nil
}

// tokenFile returns the token in path, creating path (mode 0600) with a
// new token if it does not exist.
func tokenFile(path string) (string, error) {
	if tok, err := readToken(path); err == nil {
		return tok, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	tok, err := newToken()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", fmt.Errorf("write token: %w", err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return "", fmt.Errorf("write token: %w", err)
	}
	if _, err := f.WriteString(tok + "\n"); err != nil {
		f.Close()
		return "", fmt.Errorf("write token: %w", err)
	}
	return tok, f.Close()
}

// printTokenExport prints the export line of the cluster token that
// `zebra up` keeps in <state>/token (mode 0600, never in cluster.json).
func printTokenExport(dir string) {
	if tok, err := readToken(filepath.Join(dir, "token")); err == nil {
		fmt.Println("export ZEBRA_TOKEN=" + tok)
	}
}
