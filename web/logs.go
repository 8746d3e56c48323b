package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strconv"

	"github.com/gin-gonic/gin"

	"zebra/jobtracker"
	"zebra/jobtracker/api"
	"zebra/mapreduce"
)

// Attempt logs live on the worker that ran the attempt; the server
// fetches them from the worker's log server (worker.LogHandler) with the
// cluster token, so that browsers and `zebra job -logs` need only reach
// the jobtracker.

var logFileName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// errNoLogServer says that no live worker serves an attempt's logs.
var errNoLogServer = errors.New("no live worker serves this attempt's logs (the worker is gone, or serves no logs)")

// attemptOf returns the attempt named by the :attempt parameter of a job
// (answering 404 and returning false if the job has no such attempt).
func (s *Server) attemptOf(c *gin.Context, j jobtracker.JobSummary) (api.AttemptInfo, bool) {
	id := c.Param("attempt")
	a, ok, err := s.t.Attempt(j.ID, id)
	if err != nil {
		s.fail(c, http.StatusInternalServerError, err.Error())
		return a, false
	}
	if !ok {
		s.notFound(c, "attempt", id)
		return a, false
	}
	return s.attemptsFor(principal(c), j.Owner, []api.AttemptInfo{a})[0], true
}

// fetchLog asks the worker that ran a for path under its log directory
// ("" for the file list, else a file name), the last tail bytes if tail
// > 0. The caller closes the body of a 2xx response; other statuses are
// errors.
func (s *Server) fetchLog(ctx context.Context, job string, a api.AttemptInfo, file string, tail int64) (*http.Response, error) {
	base := s.t.WorkerLogURL(a.Worker, a.Node)
	if base == "" {
		return nil, errNoLogServer
	}
	u := base + "/logs/" + url.PathEscape(job) + "/" + url.PathEscape(a.ID) + "/" + url.PathEscape(file)
	if tail > 0 {
		u += "?tail=" + strconv.FormatInt(tail, 10)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("fetch log: %w", err)
	}
	req.Header.Set("X-Auth-Token", s.auth.cfg.Token)
	resp, err := s.logClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch log from %s: %w", base, err)
	}
	if resp.StatusCode/100 != 2 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		resp.Body.Close()
		return nil, &logError{code: resp.StatusCode, msg: string(msg)}
	}
	return resp, nil
}

type logError struct {
	code int
	msg  string
}

func (e *logError) Error() string { return fmt.Sprintf("worker answered %d: %s", e.code, e.msg) }

// logStatus maps a log fetch error to the status to answer.
func logStatus(err error) int {
	var le *logError
	switch {
	case errors.As(err, &le) && le.code == http.StatusNotFound:
		return http.StatusNotFound
	case errors.Is(err, errNoLogServer):
		return http.StatusNotFound
	}
	return http.StatusBadGateway
}

// logFiles lists an attempt's log files.
func (s *Server) logFiles(ctx context.Context, job string, a api.AttemptInfo) ([]api.LogFile, error) {
	resp, err := s.fetchLog(ctx, job, a, "", 0)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var files []api.LogFile
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&files); err != nil {
		return nil, fmt.Errorf("read log list: %w", err)
	}
	return files, nil
}

// logText reads the last tail bytes of an attempt's log file.
func (s *Server) logText(ctx context.Context, job string, a api.AttemptInfo, file string, tail int64) (text string, size int64, err error) {
	resp, err := s.fetchLog(ctx, job, a, file, tail)
	if err != nil {
		return "", 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, tail+1))
	size, _ = strconv.ParseInt(resp.Header.Get("X-Log-Size"), 10, 64)
	return string(b), size, err
}

// record reads an attempt's replay record (mapreduce.RecordFile).
func (s *Server) record(ctx context.Context, job string, a api.AttemptInfo) (*mapreduce.AttemptRecord, error) {
	text, _, err := s.logText(ctx, job, a, mapreduce.RecordFile, 1<<20)
	if err != nil {
		return nil, err
	}
	var r mapreduce.AttemptRecord
	if err := json.Unmarshal([]byte(text), &r); err != nil {
		return nil, fmt.Errorf("read attempt record: %w", err)
	}
	return &r, nil
}

// apiLogFiles lists an attempt's log files (the owner's or the cluster
// token's only).
func (s *Server) apiLogFiles(c *gin.Context) {
	j, ok := s.job(c, readLogs)
	if !ok {
		return
	}
	a, ok := s.attemptOf(c, j)
	if !ok {
		return
	}
	files, err := s.logFiles(c.Request.Context(), j.ID, a)
	if err != nil {
		apiError(c, logStatus(err), err.Error())
		return
	}
	c.JSON(http.StatusOK, files)
}

// apiLogFile sends one log file of an attempt: ?tail=N for its last N
// bytes, ?download=1 as an attachment.
func (s *Server) apiLogFile(c *gin.Context) {
	j, ok := s.job(c, readLogs)
	if !ok {
		return
	}
	a, ok := s.attemptOf(c, j)
	if !ok {
		return
	}
	file := c.Param("file")
	if !logFileName.MatchString(file) {
		apiError(c, http.StatusBadRequest, "not a log file name")
		return
	}
	tail, ok := intParam(c, "tail", 0, 0)
	if !ok {
		return
	}
	resp, err := s.fetchLog(c.Request.Context(), j.ID, a, file, int64(tail))
	if err != nil {
		apiError(c, logStatus(err), err.Error())
		return
	}
	defer resp.Body.Close()
	h := c.Writer.Header()
	for _, k := range []string{"Content-Type", "Content-Length", "X-Log-Size", "X-Log-Offset"} {
		if v := resp.Header.Get(k); v != "" {
			h.Set(k, v)
		}
	}
	if c.Query("download") != "" {
		h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": a.ID + "." + file}))
	}
	// A log's bytes are the task's: never let a browser run them in the
	// UI's origin, whatever type the worker declared.
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox")
	c.Status(http.StatusOK)
	io.Copy(c.Writer, resp.Body)
}
