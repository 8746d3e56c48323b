package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"zebra/jobtracker"
	"zebra/jobtracker/api"
	"zebra/mapreduce"
)

// zebra's own API (/api/v1, described in openapi.json): jobs, attempts,
// workers, kill and submit on the tracker's methods, with access checks,
// and the routes for logs, task completion events and live status. This
// package is its only server; the tracker's own handler serves only the
// worker protocol.

func (s *Server) apiWorkers(c *gin.Context) { c.JSON(http.StatusOK, s.t.Workers()) }

// apiJobs lists the jobs the principal may read, newest first, as
// []api.JobStatus. Filters: state, user, name (a substring), owner;
// offset and limit page through them (X-Total-Count has the total).
func (s *Server) apiJobs(c *gin.Context) {
	f, ok := jobFilterOf(c)
	if !ok {
		return
	}
	sums := s.visibleJobs(c, f)
	c.Header("X-Total-Count", strconv.Itoa(len(sums)))
	sums = f.page(sums)
	out := make([]api.JobStatus, 0, len(sums))
	p := principal(c)
	for _, j := range sums {
		if st, ok := s.t.Status(j.ID); ok {
			out = append(out, s.statusFor(p, j.Owner, st))
		}
	}
	c.JSON(http.StatusOK, out)
}

// jobFilter selects and orders jobs for the lists.
type jobFilter struct {
	State, User, Name, Owner string
	// Sort is "start" (the default) or "duration"; Asc reverses the
	// default newest (longest) first.
	Sort          string
	Asc           bool
	Offset, Limit int
}

func jobFilterOf(c *gin.Context) (jobFilter, bool) {
	f := jobFilter{State: strings.ToUpper(c.Query("state")), User: c.Query("user"), Name: c.Query("name"),
		Owner: c.Query("owner"), Sort: c.DefaultQuery("sort", "start"), Asc: c.Query("order") == "asc"}
	if f.Sort != "start" && f.Sort != "duration" {
		apiError(c, http.StatusBadRequest, "sort must be start or duration")
		return f, false
	}
	var ok bool
	if f.Offset, ok = intParam(c, "offset", 0, 0); !ok {
		return f, false
	}
	if f.Limit, ok = intParam(c, "limit", 0, 0); !ok {
		return f, false
	}
	return f, true
}

func (f jobFilter) match(j *jobtracker.JobSummary) bool {
	return (f.State == "" || f.State == j.State) && (f.User == "" || f.User == j.User) &&
		(f.Name == "" || strings.Contains(strings.ToLower(j.Name), strings.ToLower(f.Name))) &&
		(f.Owner == "" || f.Owner == OwnerName(j.Owner))
}

func (f jobFilter) page(js []jobtracker.JobSummary) []jobtracker.JobSummary {
	if f.Offset >= len(js) {
		return nil
	}
	js = js[f.Offset:]
	if f.Limit > 0 && f.Limit < len(js) {
		js = js[:f.Limit]
	}
	return js
}

// duration is how long a job ran (so far).
func duration(j *jobtracker.JobSummary, now time.Time) time.Duration {
	end := j.Finished
	if end.IsZero() {
		end = now
	}
	return end.Sub(j.Submitted)
}

// visibleJobs returns the jobs the principal may read that f selects,
// in f's order (unpaged).
func (s *Server) visibleJobs(c *gin.Context, f jobFilter) []jobtracker.JobSummary {
	p := principal(c)
	var out []jobtracker.JobSummary
	for _, j := range s.t.JobSummaries() {
		if p.may(readJob, j.Owner, s.auth.cfg.PublicRead) && f.match(&j) {
			if !p.may(readLogs, j.Owner, s.auth.cfg.PublicRead) {
				j.Triage = ""
			}
			out = append(out, j)
		}
	}
	now := time.Now()
	slices.SortStableFunc(out, func(a, b jobtracker.JobSummary) int {
		var d int
		if f.Sort == "duration" {
			d = -cmpDur(duration(&a, now), duration(&b, now))
		} else {
			d = -a.Submitted.Compare(b.Submitted)
		}
		if f.Asc {
			d = -d
		}
		return d
	})
	return out
}

func cmpDur(a, b time.Duration) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// apiJob is a job's api.JobStatus; ?after=V&wait=MS waits (up to a
// minute) for a version above V.
func (s *Server) apiJob(c *gin.Context) {
	j, ok := s.job(c, readJob)
	if !ok {
		return
	}
	var st api.JobStatus
	if after := c.Query("after"); after != "" {
		v, err1 := strconv.ParseInt(after, 10, 64)
		ms, err2 := strconv.Atoi(c.Query("wait"))
		if err := errors.Join(err1, err2); err != nil || ms < 0 {
			apiError(c, http.StatusBadRequest, "after and wait must be integers (a version and milliseconds)")
			return
		}
		st, ok = s.t.WaitStatus(c.Request.Context(), j.ID, v, min(time.Duration(ms)*time.Millisecond, time.Minute))
	} else {
		st, ok = s.t.Status(j.ID)
	}
	if !ok {
		s.notFound(c, "job", j.ID)
		return
	}
	c.JSON(http.StatusOK, s.statusFor(principal(c), j.Owner, st))
}

// apiKill kills a job the principal owns (or any, with the cluster
// token).
func (s *Server) apiKill(c *gin.Context) {
	j, ok := s.job(c, control)
	if !ok {
		return
	}
	if err := s.t.KillBy(j.ID, principal(c).Name()); err != nil {
		apiError(c, http.StatusNotFound, err.Error())
		return
	}
	s.log.Info("job killed by request", "job", j.ID, "by", principal(c).Name())
	c.JSON(http.StatusOK, map[string]string{"killed": j.ID})
}

// apiAttempts lists a job's attempts ([]api.AttemptInfo by id).
func (s *Server) apiAttempts(c *gin.Context) {
	j, ok := s.job(c, readJob)
	if !ok {
		return
	}
	as, _, err := s.t.AllAttempts(j.ID)
	if err != nil {
		apiError(c, http.StatusInternalServerError, err.Error())
		return
	}
	if as == nil {
		as = []api.AttemptInfo{}
	}
	c.JSON(http.StatusOK, s.attemptsFor(principal(c), j.Owner, as))
}

// apiSubmit accepts a job (a multipart form: "plan", then an optional
// "bundle"; see readSubmission), recording the authenticated tenant
// as its owner.
func (s *Server) apiSubmit(c *gin.Context) {
	p := principal(c)
	if p.Anonymous {
		apiError(c, http.StatusUnauthorized, "submitting a job needs a token")
		return
	}
	plan, bundle, err := readSubmission(c.Writer, c.Request)
	if err != nil {
		apiError(c, http.StatusBadRequest, err.Error())
		return
	}
	s.submit(c, p, plan, bundle)
}

// maxPlan bounds a submission's plan; maxBundle its file bundle.
const (
	maxPlan   = 64 << 20
	maxBundle = 4 << 30
)

// readSubmission reads a submission's multipart form: its "plan" part (a
// strictly decoded api.Plan) and, if present, its "bundle" part, which
// must come after the plan and is returned unread, to be streamed into
// the tracker's Submit. An error is the client's fault and its text says
// what was wrong.
func readSubmission(w http.ResponseWriter, r *http.Request) (*api.Plan, io.Reader, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBundle)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, nil, fmt.Errorf("submit: want a multipart form with a \"plan\" part: %w", err)
	}
	var plan *api.Plan
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("submit: read form: %w", err)
		}
		switch part.FormName() {
		case "plan":
			dec := json.NewDecoder(io.LimitReader(part, maxPlan))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&plan); err != nil {
				return nil, nil, fmt.Errorf("submit: plan: %w", err)
			}
		case "bundle":
			if plan == nil {
				return nil, nil, errors.New("submit: the \"plan\" part must come before the \"bundle\" part")
			}
			return plan, part, nil
		default:
			return nil, nil, fmt.Errorf("submit: unknown form part %q (want plan, bundle)", part.FormName())
		}
	}
	if plan == nil {
		return nil, nil, errors.New("submit: the plan is missing")
	}
	return plan, nil, nil
}

// submit submits plan (and its bundle, if any) for the principal p, the
// job's owner, and answers: 201 with the job's id, 403 when the plan
// reaches outside the tenant's account (see confine), 409 when its
// output exists, 400 for any other refusal.
func (s *Server) submit(c *gin.Context, p Principal, plan *api.Plan, bundle io.Reader) {
	if id, ok := s.submitJob(c, p, plan, bundle); ok {
		c.JSON(http.StatusCreated, api.Submitted{ID: id})
	}
}

// submitJob is submit but for the answer on success: it returns the job's
// id, or answers the refusal and returns false.
func (s *Server) submitJob(c *gin.Context, p Principal, plan *api.Plan, bundle io.Reader) (string, bool) {
	if err := confine(plan, p.Tenant, s.tenantPlan); err != nil {
		apiError(c, http.StatusForbidden, err.Error())
		return "", false
	}
	plan.Owner = p.Tenant
	plan.Swift = s.swiftCredential(p)
	id, err := s.t.Submit(c.Request.Context(), plan, bundle)
	switch {
	case errors.Is(err, jobtracker.ErrOutputExists):
		apiError(c, http.StatusConflict, err.Error())
	case err != nil:
		apiError(c, http.StatusBadRequest, err.Error())
	default:
		s.log.Info("job submitted", "job", id, "kind", plan.Kind, "owner", OwnerName(p.Tenant), "user", plan.User)
		return id, true
	}
	return "", false
}

// events returns a job's task completion events.
func (s *Server) events(jobID string) ([]api.Event, error) {
	as, _, err := s.t.AllAttempts(jobID)
	if err != nil {
		return nil, err
	}
	var done []api.AttemptInfo
	for _, a := range as {
		if !a.Finished.IsZero() && a.State != api.AttemptRunning {
			done = append(done, a)
		}
	}
	slices.SortStableFunc(done, func(a, b api.AttemptInfo) int {
		if c := a.Finished.Compare(b.Finished); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	out := make([]api.Event, len(done))
	for i, a := range done {
		out[i] = api.Event{ID: i, Status: a.State, Attempt: a.ID, Task: mapreduce.TaskOfAttempt(a.ID), Node: a.Node,
			Time: a.Finished.UnixMilli(), RunTime: a.Finished.Sub(a.Started).Milliseconds(),
			LogURL: "/ui/jobs/" + jobID + "/attempts/" + a.ID}
	}
	return out, nil
}

// apiEvents pages through a job's task completion events: ?from=N&n=M.
func (s *Server) apiEvents(c *gin.Context) {
	j, ok := s.job(c, readJob)
	if !ok {
		return
	}
	from, ok := intParam(c, "from", 0, 0)
	if !ok {
		return
	}
	n, ok := intParam(c, "n", 100, 0)
	if !ok {
		return
	}
	evs, err := s.events(j.ID)
	if err != nil {
		apiError(c, http.StatusInternalServerError, err.Error())
		return
	}
	page := api.Events{From: from, Total: len(evs), Events: []api.Event{}}
	if from < len(evs) {
		page.Events = evs[from:min(len(evs), from+n)]
	}
	c.JSON(http.StatusOK, page)
}
