package web

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"zebra/jobtracker"
	"zebra/jobtracker/api"
	"zebra/mapreduce"
)

// The web UI: server-rendered pages that work without JavaScript (the
// job page's live progress uses a small script and server-sent events;
// without script the page refreshes itself) and read on a phone.

//go:embed templates/*.html static/*
var assets embed.FS

// page is what every template gets.
type page struct {
	Title     string
	Principal Principal
	CSRF      string
	// Refresh makes the page reload itself every few seconds when script
	// is off (a running job's pages).
	Refresh bool
	// Live is the page's event stream ("" for a page that no longer
	// changes) and LiveKey the state the page shows, as the stream names
	// it (events.go: liveKey sets both).
	Live, LiveKey string
	Data          any
}

var pageNames = []string{"overview", "jobs", "job", "tasks", "task", "attempt", "kill", "login", "error"}

var funcs = template.FuncMap{
	"time":  fmtTime,
	"dur":   fmtDuration,
	"int":   func(n int64) string { return humanInt(n) },
	"bytes": humanBytes,
	"owner": OwnerName,
	"group": func(g string) string { return strings.TrimSpace(mapreduce.GroupDisplayName(g)) },
	"shell": shellQuote,
	"pctOf": func(done, n int) int { return int(100 * float64(done) / float64(max(n, 1))) },
	"ended": func(state string) bool {
		return state == api.StateSucceeded || state == api.StateFailed || state == api.StateKilled
	},
	"lower": strings.ToLower,
	"span":  func(a, b time.Time) string { return spanOf(a, b) },
	"split": func(s *mapreduce.Split) string { return s.String() },
	"short": shortID,
	// msdur is a count of milliseconds as a duration.
	"msdur": func(ms int64) string { return fmtDuration(time.Duration(ms) * time.Millisecond) },
	// share is part of whole in percent, at most 100 (0 for no whole).
	"share": func(part, whole int64) int {
		if whole <= 0 || part <= 0 {
			return 0
		}
		return int(min(100*float64(part)/float64(whole), 100))
	},
	"nanos": func(d time.Duration) int64 { return int64(d) },
	"list":  func(v ...any) []any { return v },
	// pctn is a fraction in percent, as a progress element's value.
	"pctn": func(f float64) string { return strconv.FormatFloat(100*min(max(f, 0), 1), 'f', 2, 64) },
	// pct is a fraction as Hadoop's task pages show progress (two decimals).
	"pct": func(f float64) string { return strconv.FormatFloat(100*min(max(f, 0), 1), 'f', 2, 64) + "%" },
}

// shortID is the part of a task or attempt id after its job's: m_000003,
// m_000003_1.
func shortID(id string) string {
	parts := strings.Split(id, "_")
	for i, p := range parts {
		if p == "m" || p == "r" {
			return strings.Join(parts[i:], "_")
		}
	}
	return id
}

// spanOf is the time from a to b (to now if b is zero; "" if a is).
func spanOf(a, b time.Time) string {
	if a.IsZero() {
		return ""
	}
	if b.IsZero() {
		b = time.Now()
	}
	return fmtDuration(b.Sub(a))
}

func parsePages() (map[string]*template.Template, error) {
	out := map[string]*template.Template{}
	for _, n := range pageNames {
		t, err := template.New(n).Funcs(funcs).ParseFS(assets, "templates/layout.html", "templates/"+n+".html")
		if err != nil {
			return nil, err
		}
		out[n] = t
	}
	return out, nil
}

// render writes a page.
func (s *Server) render(c *gin.Context, code int, name string, p page) {
	if name != "error" {
		p.Live, p.LiveKey = c.GetString(liveStreamKey), c.GetString(liveKeyKey)
	}
	if pr, ok := c.Get(principalKey); ok {
		p.Principal = pr.(Principal)
		if p.Principal.session != nil {
			p.CSRF = p.Principal.session.csrf
		}
	}
	var b bytes.Buffer
	if err := s.pages[name].ExecuteTemplate(&b, "layout", p); err != nil {
		s.log.Error("render page", "page", name, "err", err)
		c.String(http.StatusInternalServerError, "render page: %v", err)
		return
	}
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	c.Data(code, "text/html; charset=utf-8", b.Bytes())
}

func (s *Server) errorPage(c *gin.Context, code int, msg string) {
	s.render(c, code, "error", page{Title: http.StatusText(code), Data: map[string]any{"Code": code, "Message": msg}})
}

// static serves the embedded assets.
func (s *Server) static(c *gin.Context) {
	name := path.Clean(strings.TrimPrefix(c.Param("file"), "/"))
	b, err := fs.ReadFile(assets, "static/"+name)
	if err != nil {
		c.Status(http.StatusNotFound)
		return
	}
	ct := "application/octet-stream"
	switch path.Ext(name) {
	case ".css":
		ct = "text/css; charset=utf-8"
	case ".js":
		ct = "text/javascript; charset=utf-8"
	case ".svg":
		ct = "image/svg+xml"
	}
	c.Header("Cache-Control", "public, max-age=3600")
	c.Data(http.StatusOK, ct, b)
}

// pager is the pagination of a list.
type pager struct {
	Offset, Limit, Total int
	From, To             int
	Prev, Next           string
}

func pagerOf(c *gin.Context, offset, limit, total int) pager {
	p := pager{Offset: offset, Limit: limit, Total: total, From: min(offset+1, total), To: min(offset+limit, total)}
	link := func(off int) string {
		q := c.Request.URL.Query()
		q.Set("offset", strconv.Itoa(off))
		return c.Request.URL.Path + "?" + q.Encode()
	}
	if offset > 0 {
		p.Prev = link(max(0, offset-limit))
	}
	if offset+limit < total {
		p.Next = link(offset + limit)
	}
	return p
}

// pageLimit reads offset and limit for a page (default 50, at most 1000).
func pageLimit(c *gin.Context) (offset, limit int) {
	offset, _ = strconv.Atoi(c.Query("offset"))
	limit, _ = strconv.Atoi(c.Query("limit"))
	if limit <= 0 {
		limit = 50
	}
	return max(offset, 0), min(limit, 1000)
}

func (s *Server) overviewPage(c *gin.Context) {
	var running, recent []jobtracker.JobSummary
	p := principal(c)
	for _, j := range s.t.JobSummaries() {
		if !p.may(readJob, j.Owner, s.auth.cfg.PublicRead) {
			continue
		}
		if !p.may(readLogs, j.Owner, s.auth.cfg.PublicRead) {
			j.Triage = ""
		}
		if j.State == api.StateRunning || j.State == api.StatePrep {
			running = append(running, j)
		} else if len(recent) < 10 {
			recent = append(recent, j)
		}
	}
	s.render(c, http.StatusOK, "overview", page{Title: "Cluster", Refresh: true, Data: map[string]any{
		"Workers": s.workersFor(p), "Running": running, "Recent": recent, "Totals": s.t.Totals()}})
}

// workersFor are the live workers, each with only the running attempts
// of jobs p may read.
func (s *Server) workersFor(p Principal) []jobtracker.WorkerView {
	ws := s.t.WorkerViews()
	owners := map[string]string{}
	for _, j := range s.t.JobSummaries() {
		if !ended(j.State) {
			owners[j.ID] = j.Owner
		}
	}
	for i := range ws {
		var keep []jobtracker.RunningAttempt
		for _, a := range ws[i].Attempts {
			if owner, ok := owners[a.Job]; ok && p.may(readJob, owner, s.auth.cfg.PublicRead) {
				keep = append(keep, a)
			}
		}
		ws[i].Attempts = keep
	}
	return ws
}

func ended(state string) bool {
	return state == api.StateSucceeded || state == api.StateFailed || state == api.StateKilled
}

var jobStates = []string{api.StateRunning, api.StateSucceeded, api.StateFailed, api.StateKilled}

func (s *Server) jobsPage(c *gin.Context) {
	f := jobFilter{State: strings.ToUpper(c.Query("state")), User: c.Query("user"), Name: c.Query("name"),
		Owner: c.Query("owner"), Sort: c.DefaultQuery("sort", "start"), Asc: c.Query("order") == "asc"}
	if f.Sort != "duration" {
		f.Sort = "start"
	}
	all := s.visibleJobs(c, f)
	f.Offset, f.Limit = pageLimit(c)
	s.render(c, http.StatusOK, "jobs", page{Title: "Jobs", Data: map[string]any{"Jobs": f.page(all), "Filter": f,
		"States": jobStates, "Pager": pagerOf(c, f.Offset, f.Limit, len(all))}})
}

// jobPageData gathers what the job page shows.
func (s *Server) jobPage(c *gin.Context) {
	j, ok := s.job(c, readJob)
	if !ok {
		return
	}
	st, _ := s.t.Status(j.ID)
	st = s.statusFor(principal(c), j.Owner, st)
	plan, _ := s.t.Plan(j.ID)
	total, maps, reduces, _ := s.t.JobCounters(j.ID)
	end := j.Finished
	if end.IsZero() {
		end = time.Now()
	}
	// A big job's timeline loads apart (timeline.svg), so that the page
	// does not wait for its whole attempt history.
	var timeline template.HTML
	var phases *jobtracker.PhaseSummary
	if j.Maps+j.Reduces <= inlineTimeline {
		as, _, err := s.t.AllAttempts(j.ID)
		if err != nil {
			s.fail(c, http.StatusInternalServerError, err.Error())
			return
		}
		timeline = template.HTML(timelineSVG(j.ID, as, j.Submitted, end))
		ps := jobtracker.SummarizePhases(as)
		phases = &ps
	}
	// The running attempts with their status lines (a few: the tasks
	// page has them all).
	var running jobtracker.TaskPage
	if !st.Done() {
		running, _, _ = s.t.Tasks(j.ID, jobtracker.TaskFilter{State: mapreduce.StateRunning}, 0, runningShown)
	}
	p := principal(c)
	s.render(c, http.StatusOK, "job", page{Title: j.Name + " " + j.ID, Refresh: st.State == api.StateRunning, Data: map[string]any{
		"Job": j, "Status": st, "Progress": progressOf(&st, time.Now()),
		"Groups":       counterGroups(total, maps, reduces, j.Reduces == 0),
		"DataLocal":    total.Get(mapreduce.GroupJob, "Data-local map tasks"),
		"OtherLocal":   total.Get(mapreduce.GroupJob, "Other local map tasks"),
		"Conf":         confOf(plan),
		"Args":         redactArgs(plan.Args),
		"CanKill":      p.may(control, j.Owner, s.auth.cfg.PublicRead) && st.State == api.StateRunning,
		"Timeline":     timeline,
		"Running":      running,
		"Phases":       phases,
		"RecordsChart": chartHTML("Records", chartRows(total, maps, recordCounters)),
		"BytesChart":   chartHTML("Bytes", chartRows(total, maps, byteCounters)),
		"Attempts":     total.Get(mapreduce.GroupJob, "Launched map tasks") + total.Get(mapreduce.GroupJob, "Launched reduce tasks"),
	}})
}

// runningShown is how many running attempts the job page lists.
const runningShown = 10

// inlineTimeline is the most tasks a job may have for its page to
// carry its timeline inline.
const inlineTimeline = 2000

var recordCounters = [][2]string{
	{mapreduce.GroupTask, mapreduce.CounterMapInputRecords}, {mapreduce.GroupTask, mapreduce.CounterMapOutputRecords},
	{mapreduce.GroupTask, mapreduce.CounterCombineInputRecords}, {mapreduce.GroupTask, mapreduce.CounterCombineOutputRecords},
	{mapreduce.GroupTask, mapreduce.CounterReduceInputGroups}, {mapreduce.GroupTask, mapreduce.CounterReduceInputRecords},
	{mapreduce.GroupTask, mapreduce.CounterReduceOutputRecords}, {mapreduce.GroupTask, mapreduce.CounterSpilledRecords},
}

var byteCounters = [][2]string{
	{mapreduce.GroupInputFormat, mapreduce.CounterBytesRead}, {mapreduce.GroupTask, mapreduce.CounterMapOutputBytes},
	{mapreduce.GroupTask, mapreduce.CounterMapOutputMaterial}, {mapreduce.GroupTask, mapreduce.CounterReduceShuffleBytes},
	{mapreduce.GroupOutputFormat, mapreduce.CounterBytesWritten},
}

// chartHTML is a counters chart for a page ("" while all are 0).
func chartHTML(title string, rows []chartRow) template.HTML {
	for _, r := range rows {
		if r.total != 0 {
			return template.HTML(countersSVG(title, rows))
		}
	}
	return ""
}

func chartRows(total, maps *mapreduce.Counters, which [][2]string) []chartRow {
	var out []chartRow
	for _, w := range which {
		out = append(out, chartRow{label: strings.TrimSpace(w[1]), map_: maps.Get(w[0], w[1]), total: total.Get(w[0], w[1])})
	}
	return out
}

func (s *Server) timelineSVG(c *gin.Context) {
	j, ok := s.job(c, readJob)
	if !ok {
		return
	}
	as, _, err := s.t.AllAttempts(j.ID)
	if err != nil {
		s.fail(c, http.StatusInternalServerError, err.Error())
		return
	}
	end := j.Finished
	if end.IsZero() {
		end = time.Now()
	}
	c.Data(http.StatusOK, "image/svg+xml", []byte(standalone(timelineSVG(j.ID, as, j.Submitted, end))))
}

func (s *Server) countersSVG(c *gin.Context) {
	j, ok := s.job(c, readJob)
	if !ok {
		return
	}
	total, maps, _, _ := s.t.JobCounters(j.ID)
	which, title := recordCounters, "Records"
	if c.Query("of") == "bytes" {
		which, title = byteCounters, "Bytes"
	}
	c.Data(http.StatusOK, "image/svg+xml", []byte(standalone(countersSVG(title, chartRows(total, maps, which)))))
}

var taskStates = []string{mapreduce.StateScheduled, mapreduce.StateRunning, mapreduce.StateSucceeded, mapreduce.StateFailed, mapreduce.StateKilled}

func (s *Server) tasksPage(c *gin.Context) {
	j, ok := s.job(c, readJob)
	if !ok {
		return
	}
	f := jobtracker.TaskFilter{Kind: c.Query("type"), State: strings.ToUpper(c.Query("state")), Node: c.Query("node"), DataLocal: c.Query("dataLocal")}
	if f.Kind != "map" && f.Kind != "reduce" {
		f.Kind = ""
	}
	if f.DataLocal != "yes" && f.DataLocal != "no" {
		f.DataLocal = ""
	}
	offset, limit := pageLimit(c)
	if c.Query("limit") == "" {
		limit = 100
	}
	sortKey, desc := c.Query("sort"), c.Query("order") == "desc"
	if !slices.Contains(jobtracker.TaskSortKeys, sortKey) {
		sortKey = ""
	}
	var pg jobtracker.TaskPage
	var err error
	if sortKey == "" {
		pg, _, err = s.t.Tasks(j.ID, f, offset, limit)
	} else {
		pg, _, err = s.t.SortedTasks(j.ID, f, sortKey, desc, offset, limit)
	}
	if err != nil {
		s.fail(c, http.StatusInternalServerError, err.Error())
		return
	}
	summary, _, err := s.t.PhaseSummary(j.ID)
	if err != nil {
		s.fail(c, http.StatusInternalServerError, err.Error())
		return
	}
	if !principal(c).may(readLogs, j.Owner, s.auth.cfg.PublicRead) {
		for i := range pg.Tasks {
			pg.Tasks[i].Triage = ""
		}
	}
	s.render(c, http.StatusOK, "tasks", page{Title: "Tasks of " + j.ID, Refresh: j.State == api.StateRunning, Data: map[string]any{
		"Job": j, "Tasks": pg.Tasks, "Filter": f, "States": taskStates, "Pager": pagerOf(c, offset, limit, pg.Total),
		"Sort": sortKey, "Desc": desc, "SortLinks": sortLinks(c, sortKey, desc), "Complete": pg.Total <= limit && offset == 0, "Summary": summary, "Now": time.Now()}})
}

// sortLinks are the tasks table's header links, by sort key: the same
// filters, the first page, sorted on that key (the other way round for
// the current key; descending first for quantities, where the largest
// are the ones looked for).
func sortLinks(c *gin.Context, cur string, desc bool) map[string]string {
	out := map[string]string{}
	for _, k := range jobtracker.TaskSortKeys {
		q := c.Request.URL.Query()
		q.Del("offset")
		q.Set("sort", k)
		d := k == "duration" || k == "records" || k == "bytes" || k == "cpu" || k == "memory" || k == "progress"
		if k == cur {
			d = !desc
		}
		q.Set("order", map[bool]string{true: "desc", false: "asc"}[d])
		out[k] = c.Request.URL.Path + "?" + q.Encode()
	}
	return out
}

func (s *Server) taskPage(c *gin.Context) {
	j, t, ok := s.jobTask(c)
	if !ok {
		return
	}
	as, _, err := s.t.TaskAttempts(j.ID, t.ID)
	if err != nil {
		s.fail(c, http.StatusInternalServerError, err.Error())
		return
	}
	as = s.attemptsFor(principal(c), j.Owner, as)
	s.render(c, http.StatusOK, "task", page{Title: t.ID, Refresh: t.State == mapreduce.StateRunning, Data: map[string]any{"Job": j, "Task": t, "Attempts": as}})
}

var exitPattern = regexp.MustCompile(`subprocess failed with code (-?\d+)(?: \((.*)\))?`)

// tailBytes is how much of a log the attempt page shows.
const tailBytes = 64 << 10

func (s *Server) attemptPage(c *gin.Context) {
	j, ok := s.job(c, readJob)
	if !ok {
		return
	}
	a, ok := s.attemptOf(c, j)
	if !ok {
		return
	}
	st, _ := s.t.Status(j.ID)
	st = s.statusFor(principal(c), j.Owner, st)
	d := map[string]any{"Job": j, "Attempt": a, "Task": mapreduce.TaskOfAttempt(a.ID)}
	if m := exitPattern.FindStringSubmatch(a.Error); m != nil {
		d["ExitCode"] = m[1]
		if strings.HasPrefix(m[2], "killed by signal") {
			d["Signal"] = strings.TrimPrefix(m[2], "killed by signal ")
		} else if m[2] != "" {
			d["KillReason"] = m[2]
		}
	}
	if st.Failure != nil && st.Failure.Attempt == a.ID {
		d["Failure"] = st.Failure
	}
	if principal(c).may(readLogs, j.Owner, s.auth.cfg.PublicRead) {
		d["CanLogs"] = true
		ctx := c.Request.Context()
		text, size, err := s.logText(ctx, j.ID, a, "stderr", tailBytes)
		if err != nil {
			d["LogError"] = err.Error()
		} else {
			d["Stderr"], d["StderrSize"], d["Truncated"] = text, size, size > int64(len(text))
		}
		if rec, err := s.record(ctx, j.ID, a); err == nil {
			d["Record"] = rec
		}
		if files, err := s.logFiles(ctx, j.ID, a); err == nil {
			d["Files"] = files
		}
	}
	s.render(c, http.StatusOK, "attempt", page{Title: a.ID, Refresh: a.State == api.AttemptRunning, Data: d})
}

// killPage asks to confirm a kill; killForm does it.
func (s *Server) killPage(c *gin.Context) {
	j, ok := s.job(c, control)
	if !ok {
		return
	}
	s.render(c, http.StatusOK, "kill", page{Title: "Kill " + j.ID, Data: map[string]any{"Job": j}})
}

func (s *Server) killForm(c *gin.Context) {
	j, ok := s.job(c, control)
	if !ok {
		return
	}
	if err := s.t.KillBy(j.ID, principal(c).Name()); err != nil {
		s.fail(c, http.StatusNotFound, err.Error())
		return
	}
	s.log.Info("job killed from the web UI", "job", j.ID, "by", principal(c).Name())
	c.Redirect(http.StatusSeeOther, "/ui/jobs/"+url.PathEscape(j.ID))
}
