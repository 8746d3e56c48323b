package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"zebra/jobtracker/api"
)

// A YARN application is a zebra job: application_<cluster>_<n> is
// job_<cluster>_<n> (job_local…_<n> for the local runner's jobs).
var appID = regexp.MustCompile(`^(?:application|job)_([A-Za-z0-9]+_[0-9]+)$`)

// jobOfApp returns the job id of an application (or job) id.
func jobOfApp(id string) (string, bool) {
	m := appID.FindStringSubmatch(id)
	if m == nil {
		return "", false
	}
	return "job_" + m[1], true
}

// appOfJob is the application id YARN would give a job.
func appOfJob(job string) string { return "application_" + strings.TrimPrefix(job, "job_") }

// yarnState maps a job's state to YARN's application state and final
// status, as an MapReduce application master reports them.
func yarnState(s string) (state, final string) {
	switch s {
	case api.StatePrep:
		return "ACCEPTED", "UNDEFINED"
	case api.StateRunning:
		return "RUNNING", "UNDEFINED"
	case api.StateSucceeded:
		return "FINISHED", "SUCCEEDED"
	case api.StateFailed:
		return "FINISHED", "FAILED"
	case api.StateKilled:
		return "KILLED", "KILLED"
	}
	return s, "UNDEFINED"
}

// yarnProgress formats a job's progress as YARN's "###.##%".
func yarnProgress(s *api.JobStatus) string {
	p := 1.0
	if !s.Done() {
		p = 0
		if n := s.Maps + s.Reduces; n > 0 {
			p = float64(s.MapsDone+s.ReducesDone) / float64(n)
		}
	}
	return strconv.FormatFloat(float64(int64(p*10000+0.5))/100, 'f', -1, 64) + "%"
}

const applicationUsage = `usage: yarn application
 -kill <Application ID>       Kills the application.
 -list                        List applications. Supports optional use of
                              -appStates to filter applications based on
                              input comma-separated list of application
                              states (ALL for every state).
 -status <Application ID>     Prints the status of the application.
`

// application is `yarn application -list [-appStates S] | -status ID |
// -kill ID` over the jobtracker's jobs.
func (l *launcher) application(ctx context.Context, args []string) int {
	var verb, id string
	states := []string{"SUBMITTED", "ACCEPTED", "RUNNING"}
	for i := 0; i < len(args); i++ {
		switch a := args[i]; a {
		case "-list":
			verb = a
		case "-status", "-kill":
			if i+1 >= len(args) {
				fmt.Fprintf(l.stderr, "Missing argument for options\n%s", applicationUsage)
				return 255
			}
			verb, id = a, args[i+1]
			i++
		case "-appStates", "-appTypes", "-appTags":
			if i+1 >= len(args) {
				fmt.Fprintf(l.stderr, "Missing argument for options\n%s", applicationUsage)
				return 255
			}
			if a == "-appStates" {
				states = nil
				for _, s := range strings.Split(args[i+1], ",") {
					if s = strings.ToUpper(strings.TrimSpace(s)); s == "ALL" {
						states = []string{"NEW", "NEW_SAVING", "SUBMITTED", "ACCEPTED", "RUNNING", "FINISHED", "FAILED", "KILLED"}
						break
					} else if s != "" {
						states = append(states, s)
					}
				}
			}
			i++
		case "-help", "--help", "-h":
			fmt.Fprint(l.stdout, applicationUsage)
			return 0
		default:
			fmt.Fprintf(l.stderr, "yarn (zebra): application option %s is not supported by zebra\n%s", a, applicationUsage)
			return 255
		}
	}
	if verb == "" {
		fmt.Fprint(l.stderr, applicationUsage)
		return 255
	}
	jt := l.jobtracker()
	if jt == "" || jt == "local" {
		fmt.Fprintln(l.stderr, "yarn (zebra): no jobtracker: set ZEBRA_JOBTRACKER (`eval \"$(zebra up --no-swift)\"` starts a cluster); the local runner's jobs have no applications, but 'yarn logs -applicationId' reads their logs")
		return 255
	}
	c, err := api.NewClient(jt)
	if err != nil {
		fmt.Fprintln(l.stderr, "yarn (zebra):", err)
		return 255
	}
	switch verb {
	case "-list":
		err = l.appList(ctx, c, states)
	case "-status":
		err = l.appStatus(ctx, c, id)
	case "-kill":
		err = l.appKill(ctx, c, id)
	}
	var ce *cliError
	switch {
	case errors.As(err, &ce):
		fmt.Fprintln(l.stderr, ce.msg)
		return 255
	case err != nil:
		fmt.Fprintln(l.stderr, "yarn (zebra):", err)
		return 255
	}
	return 0
}

func (l *launcher) appList(ctx context.Context, c *api.Client, states []string) error {
	jobs, err := c.Jobs(ctx)
	if err != nil {
		return err
	}
	const row = "%30s\t%20s\t%20s\t%10s\t%10s\t%18s\t%18s\t%15s\t%35s\n"
	var rows []string
	for i := range jobs {
		s := &jobs[i]
		state, final := yarnState(s.State)
		if !slices.Contains(states, state) {
			continue
		}
		rows = append(rows, fmt.Sprintf(row, appOfJob(s.ID), s.Name, "MAPREDUCE", s.User, "default", state, final,
			yarnProgress(s), c.URL()+"/ui/jobs/"+s.ID))
	}
	fmt.Fprintf(l.stdout, "Total number of applications (application-types: [], states: [%s] and tags: []):%d\n",
		strings.Join(states, ", "), len(rows))
	fmt.Fprintf(l.stdout, row, "Application-Id", "Application-Name", "Application-Type", "User", "Queue", "State",
		"Final-State", "Progress", "Tracking-URL")
	for _, r := range rows {
		fmt.Fprint(l.stdout, r)
	}
	return nil
}

// appJob fetches the job behind an application id, with YARN's message for
// an unknown one.
func appJob(ctx context.Context, c *api.Client, id, where string) (*api.JobStatus, error) {
	job, ok := jobOfApp(id)
	if !ok {
		return nil, &cliError{"Invalid ApplicationId prefix: " + id + ". The valid ApplicationId should start with prefix application"}
	}
	st, err := c.Status(ctx, job, -1, 0)
	if api.IsStatus(err, http.StatusNotFound) {
		return nil, &cliError{"Application with id '" + id + "' doesn't exist in " + where + "."}
	}
	return st, err
}

func (l *launcher) appStatus(ctx context.Context, c *api.Client, id string) error {
	st, err := appJob(ctx, c, id, "RM or Timeline Server")
	if err != nil {
		return err
	}
	state, final := yarnState(st.State)
	var finish int64
	if !st.Finished.IsZero() {
		finish = st.Finished.UnixMilli()
	}
	fmt.Fprintf(l.stdout, "Application Report : \n\tApplication-Id : %s\n\tApplication-Name : %s\n\tApplication-Type : MAPREDUCE\n"+
		"\tUser : %s\n\tQueue : default\n\tApplication Priority : 0\n\tStart-Time : %d\n\tFinish-Time : %d\n\tProgress : %s\n"+
		"\tState : %s\n\tFinal-State : %s\n\tTracking-URL : %s/ui/jobs/%s\n\tDiagnostics : %s\n",
		appOfJob(st.ID), st.Name, st.User, st.Submitted.UnixMilli(), finish, yarnProgress(st), state, final, c.URL(), st.ID,
		st.Diagnostics)
	return nil
}

func (l *launcher) appKill(ctx context.Context, c *api.Client, id string) error {
	st, err := appJob(ctx, c, id, "RM")
	if err != nil {
		return err
	}
	if st.Done() {
		fmt.Fprintf(l.stdout, "Application %s has already finished \n", id)
		return nil
	}
	fmt.Fprintf(l.stdout, "Killing application %s\n", id)
	return c.Kill(ctx, st.ID)
}

// logs is `yarn logs -applicationId ID [-containerId ATTEMPT]`: the job's
// task attempt logs, from the jobtracker for a cluster job and from the
// local runner's log directory (<state dir>/logs/<job id>/) otherwise.
func (l *launcher) logs(ctx context.Context, args []string) int {
	var app, attempt string
	for i := 0; i < len(args); i++ {
		switch a := args[i]; a {
		case "-applicationId", "-containerId", "-appOwner", "-nodeAddress", "-log_files", "-size":
			if i+1 >= len(args) {
				fmt.Fprintf(l.stderr, "Missing argument for options\n")
				return 255
			}
			switch a {
			case "-applicationId":
				app = args[i+1]
			case "-containerId":
				attempt = args[i+1]
			case "-log_files":
				fmt.Fprintln(l.stderr, "yarn (zebra): logs -log_files is not supported by zebra; every log file is printed")
				return 255
			}
			i++
		default:
			fmt.Fprintf(l.stderr, "yarn (zebra): logs option %s is not supported by zebra (it has -applicationId and -containerId)\n", a)
			return 255
		}
	}
	if app == "" {
		fmt.Fprintln(l.stderr, "yarn logs: -applicationId is required (the application id of a job_<id> is application_<id>)")
		return 255
	}
	job, ok := jobOfApp(app)
	if !ok {
		fmt.Fprintf(l.stderr, "Invalid ApplicationId specified\n")
		return 255
	}
	if jt := l.jobtracker(); jt != "" && jt != "local" && !strings.HasPrefix(job, "job_local") {
		args := []string{"-jt", jt, "-logs", job}
		if attempt != "" {
			args = append(args, attempt)
		}
		return jobCommand(ctx, args, l.stdout, l.stderr)
	}
	return l.localLogs(job, attempt)
}

// localLogs prints the local runner's logs of a job.
func (l *launcher) localLogs(job, attempt string) int {
	dir := filepath.Join(stateDir(), "logs", job)
	ents, err := os.ReadDir(dir)
	if err != nil {
		fmt.Fprintf(l.stderr, "Can not find the logs for the application: %s (no %s: jobs run on a cluster need ZEBRA_JOBTRACKER)\n", appOfJob(job), dir)
		return 255
	}
	found := false
	for _, e := range ents {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), "attempt_") || (attempt != "" && e.Name() != attempt) {
			continue
		}
		found = true
		files, err := os.ReadDir(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		slices.SortStableFunc(files, func(a, b os.DirEntry) int { return logRank(a.Name()) - logRank(b.Name()) })
		printContainer(l.stdout, e.Name(), "localhost")
		for _, f := range files {
			if !f.Type().IsRegular() {
				continue
			}
			b, err := os.ReadFile(filepath.Join(dir, e.Name(), f.Name()))
			if err != nil {
				fmt.Fprintf(l.stdout, "LogType:%s\nLog not available: %v\n\n", f.Name(), err)
				continue
			}
			printLog(l.stdout, f.Name(), b)
		}
	}
	if !found {
		fmt.Fprintf(l.stderr, "Can not find the logs for the application: %s\n", appOfJob(job))
		return 255
	}
	return 0
}
