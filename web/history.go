package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"zebra/jobtracker"
	"zebra/jobtracker/api"
	"zebra/mapreduce"
)

// Hadoop's MapReduce JobHistory Server REST API (/ws/v1/history/...), in
// its JSON shapes, so that scripts written for it read zebra's jobs.
// Times are milliseconds since the epoch (0: not yet). zebra adds a few
// fields Hadoop tools ignore (owner, node, dataLocal, split, ...) and, on
// the lists, offset and limit with the total in X-Total-Count.
//
// zebra has no application master: …/jobs/{id}/jobattempts lists one
// attempt standing for the jobtracker's part in the job. Counters of a task
// are those of its successful attempt (an unsuccessful attempt's are not
// kept). A request whose Accept header prefers application/xml is
// answered in XML (hsRender). An unknown route under /ws/v1/history
// answers Hadoop's RemoteException (NotFoundException) rather than the
// empty 404 Hadoop's Jersey gives, so that clients read a reason.
//
// Counters list Hadoop's framework counters at zero as its console and
// REST API do (CompleteCounters), but only those zebra measures: there is
// no FileSystemCounter group and no GC, CPU or memory counter, which
// zebra does not measure (zeros would be false). A job's startTime is when
// its first attempt started (0 before); a reduce attempt's phase ends are
// those its worker reported (see api.HSReducePhases).

// hsError answers Hadoop's RemoteException, with the message of the
// exception Hadoop's web services wrap their errors in.
func hsError(c *gin.Context, code int, msg string) {
	hsException(c, code, "", "", "java.lang.Exception: "+msg)
}

// hsException answers Hadoop's RemoteException for an exception (its
// simple and class names; "" for the one Hadoop throws for code) and its
// message as Hadoop words it.
func hsException(c *gin.Context, code int, exception, javaClass, msg string) {
	exc, class := "WebApplicationException", "javax.ws.rs.WebApplicationException"
	switch code {
	case http.StatusNotFound:
		exc, class = "NotFoundException", "org.apache.hadoop.yarn.webapp.NotFoundException"
	case http.StatusBadRequest:
		exc, class = "BadRequestException", "org.apache.hadoop.yarn.webapp.BadRequestException"
	case http.StatusForbidden, http.StatusUnauthorized:
		exc, class = "ForbiddenException", "org.apache.hadoop.yarn.webapp.ForbiddenException"
	}
	if exception != "" {
		exc, class = exception, javaClass
	}
	c.Abort()
	hsRender(c, code, gin.H{"RemoteException": gin.H{"exception": exc, "message": msg, "javaClassName": class}})
}

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// hsJobOf is a job's list entry; as is its attempts so far (for its
// start time: when its first attempt started, 0 before).
func hsJobOf(j *jobtracker.JobSummary, as []api.AttemptInfo) api.HSJob {
	var started time.Time
	for _, a := range as {
		if !a.Started.IsZero() && (started.IsZero() || a.Started.Before(started)) {
			started = a.Started
		}
	}
	return api.HSJob{SubmitTime: ms(j.Submitted), StartTime: ms(started), FinishTime: ms(j.Finished), ID: j.ID,
		Name: j.Name, Queue: "default", User: j.User, State: hsJobState(j.State), MapsTotal: j.Maps,
		MapsCompleted: j.MapsDone, ReducesTotal: j.Reduces, ReducesCompleted: j.ReducesDone, Owner: OwnerName(j.Owner)}
}

// hsJobStates are Hadoop's JobState names (the values of the jobs list's
// state filter) and zebra's state each selects.
var hsJobStates = map[string]string{"NEW": api.StatePrep, "INITED": api.StatePrep, "RUNNING": api.StateRunning,
	"SUCCEEDED": api.StateSucceeded, "FAILED": api.StateFailed, "KILL_WAIT": "", "KILLED": api.StateKilled, "ERROR": ""}

// hsJobState is Hadoop's JobState name of a zebra job state (a job zebra
// has accepted but not yet started is NEW).
func hsJobState(state string) string {
	if state == api.StatePrep {
		return "NEW"
	}
	return state
}

// hsInfo is the history server's info.
func (s *Server) hsInfo(c *gin.Context) {
	hsRender(c, http.StatusOK, gin.H{"historyInfo": gin.H{"startedOn": ms(s.started), "hadoopVersion": "zebra " + Version,
		"hadoopBuildVersion": "zebra " + Version, "hadoopVersionBuiltOn": ""}})
}

// Version is zebra's version, as the history info reports it (cmd/zebra
// sets it).
var Version = "dev"

// hsJobs lists jobs: Hadoop's filters user, state, queue, limit,
// startedTimeBegin/End, finishedTimeBegin/End, and zebra's name, owner,
// offset, sort and order.
func (s *Server) hsJobs(c *gin.Context) {
	state, stateSet := c.GetQuery("state")
	if stateSet && state != "" {
		// JobState.valueOf's answer, as the JobHistory Server gives it.
		zs, ok := hsJobStates[state]
		if !ok {
			hsException(c, http.StatusBadRequest, "IllegalArgumentException", "java.lang.IllegalArgumentException",
				"No enum constant org.apache.hadoop.mapreduce.v2.api.records.JobState."+state)
			return
		}
		if zs == "" {
			zs = "NONE" // a state no zebra job is ever in
		}
		q := c.Request.URL.Query()
		q.Set("state", zs)
		c.Request.URL.RawQuery = q.Encode()
	}
	f, ok := jobFilterOf(c)
	if !ok {
		return
	}
	var bounds [4]int64
	for i, k := range []string{"startedTimeBegin", "startedTimeEnd", "finishedTimeBegin", "finishedTimeEnd"} {
		if v := c.Query(k); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				hsError(c, http.StatusBadRequest, k+" must be a time in ms since the epoch")
				return
			}
			bounds[i] = n
		}
	}
	if q := c.Query("queue"); q != "" && q != "default" {
		hsRender(c, http.StatusOK, gin.H{"jobs": gin.H{"job": []api.HSJob{}}})
		return
	}
	inTime := func(t time.Time, lo, hi int64) bool {
		m := ms(t)
		return (lo == 0 || m >= lo) && (hi == 0 || (m != 0 && m <= hi))
	}
	var sel []jobtracker.JobSummary
	for _, j := range s.visibleJobs(c, f) {
		if inTime(j.Submitted, bounds[0], bounds[1]) && inTime(j.Finished, bounds[2], bounds[3]) {
			sel = append(sel, j)
		}
	}
	c.Header("X-Total-Count", strconv.Itoa(len(sel)))
	out := []api.HSJob{}
	for _, j := range f.page(sel) {
		as, _, err := s.t.AllAttempts(j.ID)
		if err != nil {
			hsError(c, http.StatusInternalServerError, err.Error())
			return
		}
		out = append(out, hsJobOf(&j, as))
	}
	hsRender(c, http.StatusOK, gin.H{"jobs": gin.H{"job": out}})
}

// hsJob is one job with its details: the attempt counts and average
// times come from its attempts (Hadoop's JobInfo counts them the same
// way; the averages are jobtracker.SummarizePhases' means, over
// successful attempts, a reduce's shuffle from its start to the end of
// its fetches, its merge from there to the reducer's start, its reduce
// from there to its end).
func (s *Server) hsJob(c *gin.Context) {
	j, ok := s.job(c, readJob)
	if !ok {
		return
	}
	st, _ := s.t.Status(j.ID)
	as, _, err := s.t.AllAttempts(j.ID)
	if err != nil {
		hsError(c, http.StatusInternalServerError, err.Error())
		return
	}
	d := &api.HSJobDetail{Diagnostics: st.Diagnostics,
		ACLs: []api.HSACL{{Name: "mapreduce.job.acl-view-job", Value: OwnerName(j.Owner)},
			{Name: "mapreduce.job.acl-modify-job", Value: OwnerName(j.Owner)}}}
	for i := range as {
		a := &as[i]
		succeeded, failed, killed := &d.SuccessfulReduceAttempts, &d.FailedReduceAttempts, &d.KilledReduceAttempts
		if strings.Contains(a.ID, "_m_") {
			succeeded, failed, killed = &d.SuccessfulMapAttempts, &d.FailedMapAttempts, &d.KilledMapAttempts
		}
		switch a.State {
		case api.AttemptSucceeded:
			*succeeded++
		case api.AttemptFailed:
			*failed++
		case api.AttemptKilled:
			*killed++
		}
	}
	ps := jobtracker.SummarizePhases(as)
	d.AvgMapTime = ps.Map.Mean.Milliseconds()
	d.AvgShuffleTime, d.AvgMergeTime, d.AvgReduceTime = ps.Shuffle.Mean.Milliseconds(), ps.Merge.Mean.Milliseconds(), ps.ReducePhase.Mean.Milliseconds()
	out := hsJobOf(&j, as)
	out.HSJobDetail = d
	hsRender(c, http.StatusOK, gin.H{"job": out})
}

// counterGroups lays a job's counters out as the history server does.
func counterGroups(total, maps, reduces *mapreduce.Counters, mapOnly bool) []api.HSCounterGroup {
	total = mapreduce.CompleteCounters(total, mapOnly)
	out := []api.HSCounterGroup{}
	for _, g := range mapreduce.OrderedGroups(total) {
		hg := api.HSCounterGroup{Name: g}
		for _, n := range mapreduce.OrderedNames(total, g) {
			hg.Counters = append(hg.Counters, api.HSCounter{Name: mapreduce.CounterEnumName(g, n), DisplayName: n,
				Map: maps.Get(g, n), Reduce: reduces.Get(g, n), Total: total.Get(g, n)})
		}
		out = append(out, hg)
	}
	return out
}

func (s *Server) hsCounters(c *gin.Context) {
	j, ok := s.job(c, readJob)
	if !ok {
		return
	}
	total, maps, reduces, _ := s.t.JobCounters(j.ID)
	hsRender(c, http.StatusOK, gin.H{"jobCounters": gin.H{"id": j.ID, "counterGroup": counterGroups(total, maps, reduces, j.Reduces == 0)}})
}

// redactArgs is a job's command line as shown: the value of every -D or
// -jobconf setting whose name is sensitive (sensitiveConf), and of every
// -cmdenv, is redacted, in each of the forms Hadoop accepts ("-D k=v",
// "-Dk=v", "--D k=v", every value of "-jobconf k=v k=v", one or two
// hyphens).
func redactArgs(args []string) []string {
	out := append([]string(nil), args...)
	redact := func(i int, prefix string) {
		k, _, ok := strings.Cut(strings.TrimPrefix(out[i], prefix), "=")
		if ok && sensitiveConf.MatchString(k) {
			out[i] = prefix + k + "=" + redacted
		}
	}
	for i := 0; i < len(out); i++ {
		a := out[i]
		// commons-cli takes one or two hyphens (streaming/args.go).
		name := strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-")
		if name == a {
			continue
		}
		switch {
		case name == "cmdenv" && i+1 < len(out):
			i++
			if k, v, ok := strings.Cut(out[i], "="); ok && v != "" {
				out[i] = k + "=" + redacted
			}
		case name == "D" && i+1 < len(out):
			i++
			redact(i, "")
		case name == "jobconf":
			// Every value up to the next option.
			for i+1 < len(out) && !strings.HasPrefix(out[i+1], "-") {
				i++
				redact(i, "")
			}
		case strings.HasPrefix(a, "-D") && len(a) > 2:
			redact(i, "-D")
		}
	}
	return out
}

func (s *Server) hsConf(c *gin.Context) {
	j, ok := s.job(c, readJob)
	if !ok {
		return
	}
	p, _ := s.t.Plan(j.ID)
	hsRender(c, http.StatusOK, gin.H{"conf": gin.H{"path": "zebra:" + j.ID + "/job.xml", "property": confOf(p)}})
}

func elapsed(start, end time.Time) int64 {
	if start.IsZero() {
		return 0
	}
	if end.IsZero() {
		end = time.Now()
	}
	return end.Sub(start).Milliseconds()
}

func hsTaskOf(t *jobtracker.TaskView) api.HSTask {
	h := api.HSTask{ElapsedTime: elapsed(t.Started, t.Finished), State: t.State, StartTime: ms(t.Started),
		FinishTime: ms(t.Finished), ID: t.ID, Type: strings.ToUpper(t.Kind), Attempt: t.Attempt, Attempts: t.Attempts,
		Worker: t.Worker, Node: t.Node, DataLocal: t.DataLocal, Progress: 100 * t.Progress}
	if t.State == mapreduce.StateSucceeded {
		h.Progress, h.SuccessfulAttempt = 100, t.Attempt
	}
	if t.Split != nil {
		h.Split = &api.HSSplit{URI: t.Split.URI, Start: t.Split.Start, Length: t.Split.Length, Hosts: t.Split.Hosts}
	}
	return h
}

// taskFilterOf reads the tasks filters: Hadoop's type (m or r) and
// zebra's state, node and dataLocal.
func taskFilterOf(c *gin.Context) (jobtracker.TaskFilter, bool) {
	f := jobtracker.TaskFilter{State: strings.ToUpper(c.Query("state")), Node: c.Query("node")}
	switch c.Query("type") {
	case "":
	case "m", "map", "MAP":
		f.Kind = "map"
	case "r", "reduce", "REDUCE":
		f.Kind = "reduce"
	default:
		apiError(c, http.StatusBadRequest, "type must be m or r")
		return f, false
	}
	switch v := c.Query("dataLocal"); v {
	case "", "yes", "no":
		f.DataLocal = v
	case "true":
		f.DataLocal = "yes"
	case "false":
		f.DataLocal = "no"
	default:
		apiError(c, http.StatusBadRequest, "dataLocal must be true or false")
		return f, false
	}
	return f, true
}

// hsTasks lists a job's tasks (all of them unless limit is given).
func (s *Server) hsTasks(c *gin.Context) {
	j, ok := s.job(c, readJob)
	if !ok {
		return
	}
	f, ok := taskFilterOf(c)
	if !ok {
		return
	}
	offset, ok := intParam(c, "offset", 0, 0)
	if !ok {
		return
	}
	limit, ok := intParam(c, "limit", 0, 0)
	if !ok {
		return
	}
	page, _, err := s.t.Tasks(j.ID, f, offset, limit)
	if err != nil {
		hsError(c, http.StatusInternalServerError, err.Error())
		return
	}
	c.Header("X-Total-Count", strconv.Itoa(page.Total))
	out := make([]api.HSTask, len(page.Tasks))
	for i := range page.Tasks {
		out[i] = hsTaskOf(&page.Tasks[i])
	}
	hsRender(c, http.StatusOK, gin.H{"tasks": gin.H{"task": out}})
}

// jobTask looks up the :job the caller may read and its :task (answering
// 404 if either is unknown).
func (s *Server) jobTask(c *gin.Context) (jobtracker.JobSummary, jobtracker.TaskView, bool) {
	j, ok := s.job(c, readJob)
	if !ok {
		return j, jobtracker.TaskView{}, false
	}
	t, ok := s.task(c, j)
	return j, t, ok
}

// task looks up the :task of a job (answering 404 if there is none).
func (s *Server) task(c *gin.Context, j jobtracker.JobSummary) (jobtracker.TaskView, bool) {
	t, ok, err := s.t.Task(j.ID, c.Param("task"))
	if err != nil {
		s.fail(c, http.StatusInternalServerError, err.Error())
		return t, false
	}
	if !ok {
		s.notFound(c, "task", c.Param("task"))
	}
	return t, ok
}

func (s *Server) hsTask(c *gin.Context) {
	_, t, ok := s.jobTask(c)
	if !ok {
		return
	}
	hsRender(c, http.StatusOK, gin.H{"task": hsTaskOf(&t)})
}

// hsAttemptOf is an attempt of a task of kind ("map" or "reduce").
func (s *Server) hsAttemptOf(a *api.AttemptInfo, kind string) api.HSAttempt {
	h := api.HSAttempt{StartTime: ms(a.Started), FinishTime: ms(a.Finished), ElapsedTime: elapsed(a.Started, a.Finished),
		ID: a.ID, Rack: "/default-rack", State: a.State, Status: a.State, NodeHTTPAddress: s.nodeHTTPAddress(a),
		Diagnostics: a.Error, Type: strings.ToUpper(kind), AssignedContainerID: containerOf(a.ID), Worker: a.Worker,
		Progress: 100 * a.Progress}
	if a.Status != "" {
		h.Status = a.Status // Hadoop's status: the attempt's state string (reporter:status:)
	}
	if a.State == api.AttemptSucceeded {
		h.Progress = 100
	}
	if kind == "reduce" {
		h.HSReducePhases = &api.HSReducePhases{}
		if a.State == api.AttemptSucceeded && !a.ShuffleFinished.IsZero() && !a.SortFinished.IsZero() {
			// The phase ends are the worker's clock, the start and finish
			// the jobtracker's: kept between them, so that a skew between
			// the two clocks cannot make a phase negative.
			shuffle := min(max(ms(a.ShuffleFinished), h.StartTime), h.FinishTime)
			merge := min(max(ms(a.SortFinished), shuffle), h.FinishTime)
			*h.HSReducePhases = api.HSReducePhases{ShuffleFinishTime: shuffle, MergeFinishTime: merge,
				ElapsedShuffleTime: shuffle - h.StartTime, ElapsedMergeTime: merge - shuffle, ElapsedReduceTime: h.FinishTime - merge}
		}
	}
	return h
}

// nodeHTTPAddress is the host:port of the web server of the worker that
// ran a (where it serves its attempts' logs), else its node's name.
func (s *Server) nodeHTTPAddress(a *api.AttemptInfo) string {
	if u, err := url.Parse(s.t.WorkerLogURL(a.Worker, a.Node)); err == nil && u.Host != "" {
		return u.Host
	}
	return a.Node
}

// containerOf names the container of an attempt as YARN would
// (container_CLUSTER_JOB_01_NNNNNN), NNNNNN being unique within the job:
// 2 + 2*(100000*task index + attempt number), plus 1 for a reduce
// (container 1 stands for the jobtracker: see hsJobAttempts).
func containerOf(attempt string) string {
	id, err := mapreduce.ParseAttemptID(attempt)
	if err != nil {
		return attempt
	}
	n := 2 + 2*(100000*id.Task.Index+id.N)
	if id.Task.Kind == mapreduce.ReduceTask {
		n++
	}
	return fmt.Sprintf("container_%s_%04d_01_%06d", id.Task.Job.Tracker, id.Task.Job.Seq, n)
}

func (s *Server) hsAttempts(c *gin.Context) {
	j, t, ok := s.jobTask(c)
	if !ok {
		return
	}
	as, _, err := s.t.TaskAttempts(j.ID, t.ID)
	if err != nil {
		hsError(c, http.StatusInternalServerError, err.Error())
		return
	}
	out := make([]api.HSAttempt, len(as))
	for i := range as {
		out[i] = s.hsAttemptOf(&as[i], t.Kind)
	}
	hsRender(c, http.StatusOK, gin.H{"taskAttempts": gin.H{"taskAttempt": out}})
}

// jobTaskAttempt is the job, task and attempt the route names, answered
// as not found (ok false) when the attempt is not one of that task's.
func (s *Server) jobTaskAttempt(c *gin.Context) (jobtracker.JobSummary, jobtracker.TaskView, api.AttemptInfo, bool) {
	j, t, ok := s.jobTask(c)
	if !ok {
		return j, t, api.AttemptInfo{}, false
	}
	a, ok := s.attemptOf(c, j)
	if !ok {
		return j, t, a, false
	}
	if mapreduce.TaskOfAttempt(a.ID) != t.ID {
		s.notFound(c, "attempt", a.ID)
		return j, t, a, false
	}
	return j, t, a, true
}

func (s *Server) hsAttempt(c *gin.Context) {
	_, t, a, ok := s.jobTaskAttempt(c)
	if !ok {
		return
	}
	hsRender(c, http.StatusOK, gin.H{"taskAttempt": s.hsAttemptOf(&a, t.Kind)})
}

// taskCounterGroups lays out the counters of a task of kind: those
// recorded, with the framework's zero counters (CompleteCounters; a map
// task's and a reduce task's lists) for a task that has counters, none
// for nil.
func taskCounterGroups(c *mapreduce.Counters, kind string, mapOnly bool) []api.HSTaskCounterGroup {
	out := []api.HSTaskCounterGroup{}
	if c == nil {
		return out
	}
	c = mapreduce.CompleteTaskCounters(c, kind, mapOnly)
	for _, g := range mapreduce.OrderedGroups(c) {
		hg := api.HSTaskCounterGroup{Name: g, Counters: []api.HSCounterValue{}}
		for _, n := range mapreduce.OrderedNames(c, g) {
			hg.Counters = append(hg.Counters, api.HSCounterValue{Name: mapreduce.CounterEnumName(g, n), Value: c.Get(g, n)})
		}
		out = append(out, hg)
	}
	return out
}

// hsTaskCounters are a task's counters: its successful attempt's (none
// before it has one).
func (s *Server) hsTaskCounters(c *gin.Context) {
	j, t, ok := s.jobTask(c)
	if !ok {
		return
	}
	_, counters := s.t.TaskCounters(j.ID, t.ID)
	hsRender(c, http.StatusOK, gin.H{"jobTaskCounters": gin.H{"id": t.ID, "taskCounterGroup": taskCounterGroups(counters, t.Kind, j.Reduces == 0)}})
}

// hsAttemptCounters are an attempt's counters: the successful attempt's
// (the counters of the others are not kept: none).
func (s *Server) hsAttemptCounters(c *gin.Context) {
	j, t, a, ok := s.jobTaskAttempt(c)
	if !ok {
		return
	}
	var counters *mapreduce.Counters
	if id, tc := s.t.TaskCounters(j.ID, t.ID); id == a.ID {
		counters = tc
	}
	hsRender(c, http.StatusOK, gin.H{"jobTaskAttemptCounters": gin.H{"id": a.ID,
		"taskAttemptCounterGroup": taskCounterGroups(counters, t.Kind, j.Reduces == 0)}})
}

func (s *Server) hsJobAttempts(c *gin.Context) {
	j, ok := s.job(c, readJob)
	if !ok {
		return
	}
	host := c.Request.Host
	scheme := "http"
	if c.Request.TLS != nil {
		scheme = "https"
	}
	container := "container_" + strings.TrimPrefix(j.ID, "job_") + "_01_000001"
	hsRender(c, http.StatusOK, gin.H{"jobAttempts": gin.H{"jobAttempt": []api.HSJobAttempt{{NodeHTTPAddress: host,
		NodeID: host, ID: 1, StartTime: ms(j.Submitted), ContainerID: container,
		LogsLink: (&url.URL{Scheme: scheme, Host: host, Path: "/ui/jobs/" + j.ID}).String()}}}})
}

// hsNotFound answers a path under /ws/ that no route serves.
func hsNotFound(c *gin.Context) {
	if !strings.HasPrefix(c.Request.URL.Path, "/ws/") {
		return
	}
	hsError(c, http.StatusNotFound, "no resource at "+c.Request.URL.Path)
}

// hsNotFoundMessage answers 404 for an unknown job, task or attempt in
// the JobHistory Server's words.
func hsNotFoundMessage(c *gin.Context, kind, id string) {
	msg := kind + ", " + id + ", is not found"
	switch kind {
	case "task":
		msg = "task not found with id " + id
	case "attempt":
		msg = "task attempt not found with id " + id
	}
	hsError(c, http.StatusNotFound, msg)
}
