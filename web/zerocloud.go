package web

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"time"

	"github.com/gin-gonic/gin"

	"zebra/jobtracker/api"
	"zebra/jobtracker/zerocloud"
	"zebra/mapreduce"
)

// maxZeroCloudJob bounds a posted ZeroCloud job description.
const maxZeroCloudJob = 1 << 20

// apiZeroCloud accepts a ZeroCloud job description (the JSON body, as
// ZeroCloud's POST with X-Zerovm-Execute took it), compiles it for the
// authenticated tenant and submits it: 201 with the job's id, 422 when
// the body is not a JSON job description at all, 400 with every problem
// of one that parses but is invalid (nothing started), 503 when the
// cluster has too few slots for its gang (zerocloud.ErrNoSlots), 409 when an output
// object exists. A job with a reply (its last group stores nothing, or a
// group has a path-less channel), or any job posted with
// X-Zerovm-Execute, is answered as ZeroCloud answered it, once it has
// ended: 200 with its reply (see writeReply).
func (s *Server) apiZeroCloud(c *gin.Context) {
	p := principal(c)
	if p.Anonymous {
		apiError(c, http.StatusUnauthorized, "submitting a job needs a token")
		return
	}
	if s.zerocloud == nil {
		apiError(c, http.StatusNotFound, "this jobtracker does not accept ZeroCloud jobs")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxZeroCloudJob))
	if err != nil {
		apiError(c, http.StatusRequestEntityTooLarge, "the job description is larger than 1 MiB or could not be read: "+err.Error())
		return
	}
	plan, err := s.zerocloud(c.Request.Context(), body, p.Tenant, s.swiftCredential(p))
	if err != nil {
		// As ZeroCloud: 422 when the description cannot be parsed at
		// all, 400 when it parses but is not a valid job, 503 when the
		// cluster has too few slots for the instances that must run at once.
		apiError(c, zerocloudRefusal(err), err.Error())
		return
	}
	if err := zerocloud.SetRequest(plan, zerocloud.RequestOf(c.Request, "/"+s.postAccount(p))); err != nil {
		apiError(c, http.StatusInternalServerError, err.Error())
		return
	}
	if !zerocloud.HasReply(plan) && c.GetHeader("X-Zerovm-Execute") == "" {
		s.submit(c, p, plan, nil)
		return
	}
	id, ok := s.submitJob(c, p, plan, nil)
	if !ok {
		return
	}
	st := s.waitJob(c.Request.Context(), id)
	if !st.Done() {
		return // the client went away; the job goes on
	}
	s.writeReply(c, id, st)
}

// apiZeroCloudReply answers a ZeroCloud job's reply (as the POST of a job
// whose last group stores nothing does): 409 while the job runs.
func (s *Server) apiZeroCloudReply(c *gin.Context) {
	j, ok := s.job(c, readLogs)
	if !ok {
		return
	}
	pl, ok := s.t.Plan(j.ID)
	if !ok || pl.Kind != zerocloud.Kind {
		apiError(c, http.StatusNotFound, "job "+j.ID+" is not a ZeroCloud job")
		return
	}
	st, _ := s.t.Status(j.ID)
	if !st.Done() {
		apiError(c, http.StatusConflict, "job "+j.ID+" has not ended yet: its reply is made when it ends")
		return
	}
	s.writeReply(c, j.ID, st)
}

// waitJob waits until job id has ended or ctx is done, and returns its
// last status.
func (s *Server) waitJob(ctx context.Context, id string) api.JobStatus {
	var st api.JobStatus
	var after int64 = -1
	for ctx.Err() == nil {
		var ok bool
		st, ok = s.t.WaitStatus(ctx, id, after, 30*time.Second)
		if !ok || st.Done() {
			return st
		}
		after = st.Version
	}
	return st
}

// writeReply answers a ZeroCloud job's reply: the X-Nexe-* headers, one
// value per instance in node order (comma-separated), and the body its
// instances wrote to path-less channels; 200 when the job succeeded (its
// apps ran, whatever their exit codes), else 500 with the job's error
// (the headers say which instances ran). The body is relayed from the
// workers instance by instance as it is read, never held whole here (a
// job has up to 100000 instances, each returning up to
// zerocloud.MaxReply); a worker that fails once it has begun breaks the
// connection off, so that a client never takes a part for the whole.
func (s *Server) writeReply(c *gin.Context, id string, st api.JobStatus) {
	ctx := c.Request.Context()
	reports, attempts, err := s.zerocloudReports(ctx, id)
	if err != nil {
		apiError(c, http.StatusBadGateway, fmt.Sprintf("job %s: read its reply: %v", id, err))
		return
	}
	// The Content-Type is the first non-empty reply's.
	first, body := -1, io.ReadCloser(nil)
	for i := 0; st.State == api.StateSucceeded && i < len(attempts) && body == nil; i++ {
		if attempts[i] == nil {
			continue
		}
		if body, err = s.openReply(ctx, id, *attempts[i]); err != nil {
			apiError(c, http.StatusBadGateway, fmt.Sprintf("job %s: read its reply: %v", id, err))
			return
		}
		if body != nil {
			first = i
		}
	}
	h := c.Writer.Header()
	for k, v := range zerocloud.ReplyHeader(reports, first) {
		h[k] = v
	}
	// The body and its content type are the tenant's: never let a
	// browser treat it as a page of the jobtracker.
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox")
	h.Set("X-Zebra-Job", id)
	if st.State != api.StateSucceeded {
		msg := "job " + id + " " + st.State
		if st.Failure != nil {
			msg += ": " + st.Failure.Error
		}
		h.Set("Content-Type", "text/plain; charset=utf-8")
		c.String(http.StatusInternalServerError, "%s\n", msg)
		return
	}
	c.Status(http.StatusOK)
	c.Writer.WriteHeaderNow()
	for i := first; body != nil; {
		_, err := io.Copy(c.Writer, io.LimitReader(body, zerocloud.MaxReply))
		body.Close()
		if err != nil {
			s.log.Warn("zerocloud reply broke off", "job", id, "instance", i, "err", err)
			breakOff(c)
			return
		}
		for body = nil; body == nil && i+1 < len(attempts); {
			i++
			if attempts[i] == nil {
				continue
			}
			if body, err = s.openReply(ctx, id, *attempts[i]); err != nil {
				s.log.Warn("zerocloud reply broke off", "job", id, "instance", i, "err", err)
				breakOff(c)
				return
			}
		}
	}
}

// breakOff closes a response's connection without ending the response,
// so that its client sees that the body broke off.
func breakOff(c *gin.Context) {
	if conn, _, err := c.Writer.Hijack(); err == nil {
		conn.Close()
		return
	}
	panic(http.ErrAbortHandler)
}

// maxReport bounds an instance's report (a few hundred bytes).
const maxReport = 64 << 10

// zerocloudReports returns a finished job's instances' reports in node
// order (nil: the instance has no succeeded attempt) and the succeeded
// attempts whose logs hold their replies.
func (s *Server) zerocloudReports(ctx context.Context, id string) ([]*zerocloud.Report, []*api.AttemptInfo, error) {
	pl, ok := s.t.Plan(id)
	if !ok {
		return nil, nil, fmt.Errorf("no job %s", id)
	}
	kinds, idx, err := zerocloud.ReplyTasks(pl.Spec)
	if err != nil {
		return nil, nil, err
	}
	as, _, err := s.t.AllAttempts(id)
	if err != nil {
		return nil, nil, err
	}
	done := map[string]api.AttemptInfo{}
	for _, a := range as {
		if a.State != api.AttemptSucceeded {
			continue
		}
		aid, err := mapreduce.ParseAttemptID(a.ID)
		if err != nil {
			continue
		}
		k := "m"
		if aid.Task.Kind == mapreduce.ReduceTask {
			k = "r"
		}
		done[fmt.Sprintf("%s%d", k, aid.Task.Index)] = a
	}
	reports := make([]*zerocloud.Report, len(kinds))
	attempts := make([]*api.AttemptInfo, len(kinds))
	for i := range kinds {
		a, ok := done[fmt.Sprintf("%s%d", kinds[i], idx[i])]
		if !ok {
			continue
		}
		b, err := s.readLogFile(ctx, id, a, zerocloud.ReportFile, maxReport)
		if err != nil {
			return nil, nil, err
		}
		if reports[i], err = zerocloud.ParseReport(b); err != nil {
			return nil, nil, err
		}
		attempts[i] = &a
	}
	return reports, attempts, nil
}

// openReply opens the reply an attempt left; nil if it is empty.
func (s *Server) openReply(ctx context.Context, job string, a api.AttemptInfo) (io.ReadCloser, error) {
	resp, err := s.fetchLog(ctx, job, a, zerocloud.ReplyFile, 0)
	if err != nil {
		return nil, fmt.Errorf("attempt %s: %s: %w", a.ID, zerocloud.ReplyFile, err)
	}
	br := bufio.NewReader(resp.Body)
	if _, err := br.Peek(1); err != nil {
		resp.Body.Close()
		if err == io.EOF {
			return nil, nil
		}
		return nil, fmt.Errorf("attempt %s: %s: %w", a.ID, zerocloud.ReplyFile, err)
	}
	return struct {
		io.Reader
		io.Closer
	}{br, resp.Body}, nil
}

// readLogFile reads up to limit bytes of one of an attempt's log files.
func (s *Server) readLogFile(ctx context.Context, job string, a api.AttemptInfo, file string, limit int64) ([]byte, error) {
	resp, err := s.fetchLog(ctx, job, a, file, 0)
	if err != nil {
		return nil, fmt.Errorf("attempt %s: %s: %w", a.ID, file, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err == nil && int64(len(b)) > limit {
		err = errors.New("larger than expected")
	}
	if err != nil {
		return nil, fmt.Errorf("attempt %s: %s: %w", a.ID, file, err)
	}
	return b, nil
}

// postAccount is the Swift account a job posted by p runs in (its
// PATH_INFO): the tenant's, or the cluster's own for the cluster token.
func (s *Server) postAccount(p Principal) string {
	if p.Tenant != "" {
		return p.Tenant
	}
	if cred := s.swiftCredential(p); cred != nil && cred.StorageURL != "" {
		return path.Base(cred.StorageURL)
	}
	return ""
}

// zerocloudRefusal is ZeroCloud's status for a job it would not start:
// 422 when the description (or image) cannot be parsed at all, 503 when
// the cluster has too few slots for the instances that must run at once,
// 400 for any other invalid job.
func zerocloudRefusal(err error) int {
	switch {
	case errors.Is(err, zerocloud.ErrUnparsable):
		return http.StatusUnprocessableEntity
	case errors.Is(err, zerocloud.ErrNoSlots):
		return http.StatusServiceUnavailable
	}
	return http.StatusBadRequest
}
