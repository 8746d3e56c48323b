package web

import (
	"net/http"
	"regexp"
	"sort"
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
// What is not there: application master attempts (…/jobs/{id}/attempts),
// task and attempt counters, and reduces' shuffle and merge times, which
// zebra does not record.

// hsError answers Hadoop's RemoteException.
func hsError(c *gin.Context, code int, msg string) {
	exc, class := "WebApplicationException", "javax.ws.rs.WebApplicationException"
	switch code {
	case http.StatusNotFound:
		exc, class = "NotFoundException", "org.apache.hadoop.yarn.webapp.NotFoundException"
	case http.StatusBadRequest:
		exc, class = "BadRequestException", "org.apache.hadoop.yarn.webapp.BadRequestException"
	case http.StatusForbidden, http.StatusUnauthorized:
		exc, class = "ForbiddenException", "org.apache.hadoop.yarn.webapp.ForbiddenException"
	}
	c.AbortWithStatusJSON(code, gin.H{"RemoteException": gin.H{"exception": exc, "message": "java.lang.Exception: " + msg, "javaClassName": class}})
}

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func hsJobOf(j *jobtracker.JobSummary) api.HSJob {
	return api.HSJob{SubmitTime: ms(j.Submitted), StartTime: ms(j.Submitted), FinishTime: ms(j.Finished), ID: j.ID,
		Name: j.Name, Queue: "default", User: j.User, State: j.State, MapsTotal: j.Maps, MapsCompleted: j.MapsDone,
		ReducesTotal: j.Reduces, ReducesCompleted: j.ReducesDone, Owner: OwnerName(j.Owner)}
}

// hsInfo is the history server's info.
func (s *Server) hsInfo(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"historyInfo": gin.H{"startedOn": ms(s.started), "hadoopVersion": "zebra " + Version,
		"hadoopBuildVersion": "zebra " + Version, "hadoopVersionBuiltOn": ""}})
}

// Version is zebra's version, as the history info reports it (cmd/zebra
// sets it).
var Version = "dev"

// hsJobs lists jobs: Hadoop's filters user, state, queue, limit,
// startedTimeBegin/End, finishedTimeBegin/End, and zebra's name, owner,
// offset, sort and order.
func (s *Server) hsJobs(c *gin.Context) {
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
		c.JSON(http.StatusOK, gin.H{"jobs": gin.H{"job": []api.HSJob{}}})
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
		out = append(out, hsJobOf(&j))
	}
	c.JSON(http.StatusOK, gin.H{"jobs": gin.H{"job": out}})
}

// hsJob is one job with its details.
func (s *Server) hsJob(c *gin.Context) {
	j, ok := s.job(c, readJob)
	if !ok {
		return
	}
	st, _ := s.t.Status(j.ID)
	total, _, _, _ := s.t.JobCounters(j.ID)
	d := &api.HSJobDetail{Diagnostics: st.Diagnostics,
		FailedMapAttempts:        total.Get(mapreduce.GroupJob, "Failed map tasks"),
		KilledMapAttempts:        total.Get(mapreduce.GroupJob, "Killed map tasks"),
		SuccessfulMapAttempts:    int64(j.MapsDone),
		FailedReduceAttempts:     total.Get(mapreduce.GroupJob, "Failed reduce tasks"),
		KilledReduceAttempts:     total.Get(mapreduce.GroupJob, "Killed reduce tasks"),
		SuccessfulReduceAttempts: int64(j.ReducesDone),
		ACLs: []api.HSACL{{Name: "mapreduce.job.acl-view-job", Value: OwnerName(j.Owner)},
			{Name: "mapreduce.job.acl-modify-job", Value: OwnerName(j.Owner)}}}
	page, _, err := s.t.Tasks(j.ID, jobtracker.TaskFilter{State: jobtracker.TaskSucceeded}, 0, 0)
	if err != nil {
		hsError(c, http.StatusInternalServerError, err.Error())
		return
	}
	var sum [2]time.Duration
	var n [2]int64
	for _, t := range page.Tasks {
		if t.Finished.IsZero() {
			continue
		}
		k := 0
		if t.Kind == "reduce" {
			k = 1
		}
		sum[k] += t.Finished.Sub(t.Started)
		n[k]++
	}
	if n[0] > 0 {
		d.AvgMapTime = sum[0].Milliseconds() / n[0]
	}
	if n[1] > 0 {
		d.AvgReduceTime = sum[1].Milliseconds() / n[1]
	}
	out := hsJobOf(&j)
	out.HSJobDetail = d
	c.JSON(http.StatusOK, gin.H{"job": out})
}

// counterGroups lays a job's counters out as the history server does.
func counterGroups(total, maps, reduces *mapreduce.Counters) []api.HSCounterGroup {
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
	c.JSON(http.StatusOK, gin.H{"jobCounters": gin.H{"id": j.ID, "counterGroup": counterGroups(total, maps, reduces)}})
}

// sensitiveConf matches the configuration keys and environment variable
// names whose values are never shown: Hadoop's
// hadoop.security.sensitive-config-keys (among them Azure's
// fs.azure.account.key.ACCOUNT), any name ending in "key" (Swift's
// fs.swift.service.NAME.apikey, S3's secret.key, ST_KEY) and any naming a
// password, secret, token or credential.
var sensitiveConf = regexp.MustCompile(`(?i)(secret|password|passwd|credential|token|key$|keystore\.pass|oauth|account\.key)`)

// redacted replaces a sensitive value.
const redacted = "<redacted>"

// redactArgs is a job's command line as shown: the value of every -D,
// -jobconf or -cmdenv setting whose name is sensitive (sensitiveConf) is
// redacted, in each of the forms Hadoop accepts ("-D k=v", "-Dk=v").
func redactArgs(args []string) []string {
	out := append([]string(nil), args...)
	redact := func(i int, prefix string) {
		k, _, ok := strings.Cut(strings.TrimPrefix(out[i], prefix), "=")
		if ok && sensitiveConf.MatchString(k) {
			out[i] = prefix + k + "=" + redacted
		}
	}
	for i, a := range out {
		switch {
		case (a == "-D" || a == "-jobconf" || a == "-cmdenv") && i+1 < len(out):
			redact(i+1, "")
		case strings.HasPrefix(a, "-D") && len(a) > 2:
			redact(i, "-D")
		}
	}
	return out
}

// confOf is a job's configuration, sorted, with sensitive values
// redacted.
func confOf(p *api.Plan) []api.HSProperty {
	out := []api.HSProperty{}
	for k, v := range p.Conf {
		if sensitiveConf.MatchString(k) {
			v = redacted
		}
		out = append(out, api.HSProperty{Name: k, Value: v, Source: []string{"job.xml"}})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func (s *Server) hsConf(c *gin.Context) {
	j, ok := s.job(c, readJob)
	if !ok {
		return
	}
	p, _ := s.t.Plan(j.ID)
	c.JSON(http.StatusOK, gin.H{"conf": gin.H{"path": "zebra:" + j.ID + "/job.xml", "property": confOf(p)}})
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
		Worker: t.Worker, Node: t.Node, DataLocal: t.DataLocal}
	if t.State == jobtracker.TaskSucceeded {
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
	c.JSON(http.StatusOK, gin.H{"tasks": gin.H{"task": out}})
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
	c.JSON(http.StatusOK, gin.H{"task": hsTaskOf(&t)})
}

func hsAttemptOf(a *api.AttemptInfo, kind string) api.HSAttempt {
	h := api.HSAttempt{StartTime: ms(a.Started), FinishTime: ms(a.Finished), ElapsedTime: elapsed(a.Started, a.Finished),
		ID: a.ID, Rack: "/default-rack", State: a.State, Status: a.State, NodeHTTPAddress: a.Node,
		Diagnostics: a.Error, Type: strings.ToUpper(kind), AssignedContainerID: a.ID, Worker: a.Worker}
	if a.State == api.AttemptSucceeded {
		h.Progress = 100
	}
	return h
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
		out[i] = hsAttemptOf(&as[i], t.Kind)
	}
	c.JSON(http.StatusOK, gin.H{"taskAttempts": gin.H{"taskAttempt": out}})
}

func (s *Server) hsAttempt(c *gin.Context) {
	j, t, ok := s.jobTask(c)
	if !ok {
		return
	}
	a, ok := s.attemptOf(c, j)
	if !ok {
		return
	}
	if mapreduce.TaskOfAttempt(a.ID) != t.ID {
		s.notFound(c, "attempt", a.ID)
		return
	}
	c.JSON(http.StatusOK, gin.H{"taskAttempt": hsAttemptOf(&a, t.Kind)})
}
