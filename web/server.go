package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"zebra/jobtracker"
	"zebra/jobtracker/api"
)

// Config configures a Server.
type Config struct {
	// Tracker is the jobtracker whose jobs the server shows.
	Tracker *jobtracker.Tracker
	// Inner serves what this package does not: the worker protocol
	// (/internal/v1/...), /healthz and any other route of the tracker's
	// own handler (normally Tracker.Handler()). Only the cluster token
	// reaches it, except /healthz, which is public.
	Inner http.Handler
	Auth  AuthConfig
	// Logger logs requests at debug level and failures (default: slog's).
	Logger *slog.Logger
	// ZeroCloud, if set, compiles a ZeroCloud job description posted to
	// /api/v1/zerocloud for the tenant (the account swift://~/ means),
	// reading Swift with cred (the tenant's own; nil for the cluster
	// token's jobs); cmd/zebra sets it, so that this package never touches
	// storage.
	ZeroCloud func(ctx context.Context, body []byte, tenant string, cred *api.SwiftCredential) (*api.Plan, error)
	// ZeroCloudPosted, if set, compiles a job posted through the ZeroCloud
	// gateway (GatewayRun) for the tenant, with the files the job names
	// relatively (a posted image or script); it returns the plan and its
	// bundle (nil: none), which the caller closes.
	ZeroCloudPosted ZeroCloudPostedFunc
	// TenantPlan, if set, checks the plan of a job a tenant submits (its
	// -D settings, its attempts) against the operator's maxima
	// (zebra.sandbox.* and the like); an error refuses the job with 403.
	// Settings that choose storage endpoints or credentials are refused
	// before it is called.
	TenantPlan func(p *api.Plan) error
	// Locate, if set, lists the storage nodes that hold an object's
	// replicas, in ring order, for /open; cmd/zebra sets it, so that this
	// package never touches storage. object is /CONTAINER/OBJECT of
	// account, read with cred (a tenant's own), or with the jobtracker's
	// own credentials when cred is nil, in which case account "" means the
	// jobtracker's own account; it returns the account it read. An
	// *Unavailable error means the storage could not be asked (503).
	// Without it /open answers 503.
	Locate func(ctx context.Context, cred *api.SwiftCredential, account, object string) (string, []string, error)
}

// Server is the jobtracker's HTTP front: the web UI, the REST APIs, the
// metrics and authentication in front of the tracker's own handler.
type Server struct {
	t       *jobtracker.Tracker
	inner   http.Handler
	auth    *authenticator
	log     *slog.Logger
	engine  *gin.Engine
	pages   map[string]*template.Template
	metrics *metrics
	started time.Time
	// tenantPlan is Config.TenantPlan.
	tenantPlan func(p *api.Plan) error
	// zerocloud is Config.ZeroCloud.
	zerocloud func(ctx context.Context, body []byte, tenant string, cred *api.SwiftCredential) (*api.Plan, error)
	// zerocloudPosted is Config.ZeroCloudPosted.
	zerocloudPosted ZeroCloudPostedFunc
	// locate is Config.Locate.
	locate func(ctx context.Context, cred *api.SwiftCredential, account, object string) (string, []string, error)
	// logClient fetches attempt logs from workers.
	logClient *http.Client
	// opener is the run-on-open gateway's state (open.go).
	opener *opener
	// hub feeds the live pages' event streams (events.go).
	hub *hub
}

func init() { gin.SetMode(gin.ReleaseMode) }

// New builds the server.
func New(cfg Config) (*Server, error) {
	if cfg.Tracker == nil || cfg.Inner == nil {
		return nil, errors.New("web: a tracker and its handler are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	a, err := newAuthenticator(cfg.Auth)
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	pages, err := parsePages()
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	s := &Server{t: cfg.Tracker, inner: cfg.Inner, auth: a, log: cfg.Logger.With("component", "web"), pages: pages,
		started: time.Now(), logClient: &http.Client{Timeout: 30 * time.Second}, zerocloud: cfg.ZeroCloud, zerocloudPosted: cfg.ZeroCloudPosted, tenantPlan: cfg.TenantPlan, locate: cfg.Locate, opener: newOpener()}
	s.metrics = newMetrics(s.t)
	s.hub = newHub(s.t)
	s.engine = s.routes()
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.engine.ServeHTTP(w, r) }

// routes registers every route. The REST routes are documented in
// openapi.json (a test checks the two agree).
func (s *Server) routes() *gin.Engine {
	e := gin.New()
	// gin's own redirects build the Location from the request path, and
	// //evil.example/ui/jobs/ became http://evil.example/ui/jobs: every
	// redirect is this package's own (trailingSlash, safeNext, fixed
	// paths).
	e.RedirectTrailingSlash, e.RedirectFixedPath = false, false
	e.Use(gin.CustomRecoveryWithWriter(io.Discard, func(c *gin.Context, err any) {
		if err == http.ErrAbortHandler {
			panic(err) // a relayed body broke off: abort the connection
		}
		s.log.Error("panic serving request", "path", c.Request.URL.Path, "err", err)
		c.AbortWithStatus(http.StatusInternalServerError)
	}), s.logRequests)

	// Public: health, the API description, the login page, assets.
	e.GET("/healthz", gin.WrapH(s.inner))
	e.GET("/openapi.json", s.openAPI)
	e.GET("/", func(c *gin.Context) { c.Redirect(http.StatusFound, "/ui/") })
	e.GET("/ui", func(c *gin.Context) { c.Redirect(http.StatusFound, "/ui/") })
	e.GET("/ui/login", s.login)
	e.POST("/ui/login", s.login)
	e.GET("/ui/static/*file", s.static)

	a := e.Group("", s.authenticate, noStore, s.liveKey)
	a.GET("/metrics", s.serveMetrics)

	// Run on open (open.go): an app run on an object by the worker beside it.
	a.GET("/open/*path", s.open)

	// The UI.
	a.GET("/ui/", s.overviewPage)
	a.GET("/ui/jobs", s.jobsPage)
	a.GET("/ui/jobs/:id", s.jobPage)
	a.GET("/ui/jobs/:id/tasks", s.tasksPage)
	a.GET("/ui/jobs/:id/tasks/:task", s.taskPage)
	a.GET("/ui/jobs/:id/attempts/:attempt", s.attemptPage)
	a.GET("/ui/jobs/:id/timeline.svg", s.timelineSVG)
	a.GET("/ui/jobs/:id/counters.svg", s.countersSVG)
	a.GET("/ui/jobs/:id/kill", s.killPage)
	// The API routes the pages use, under /ui/ where the session cookie
	// goes (the cookie is scoped to the UI).
	a.GET("/ui/jobs/:id/stream", s.apiStream)
	a.GET("/ui/stream", s.listStream)
	a.GET("/ui/jobs/:id/attempts/:attempt/logs/:file", s.apiLogFile)
	a.POST("/ui/jobs/:id/kill", s.killForm)
	a.POST("/ui/logout", s.logout)

	// zebra's own API (rest.go; this package is its only server).
	a.GET("/api/v1/cluster/workers", s.apiWorkers)
	a.POST("/api/v1/login-codes", s.apiLoginCode)
	a.GET("/api/v1/jobs", s.apiJobs)
	a.POST("/api/v1/jobs", s.apiSubmit)
	a.POST("/api/v1/zerocloud", s.apiZeroCloud)
	a.GET("/api/v1/jobs/:id/zerocloud/reply", s.apiZeroCloudReply)
	a.GET("/api/v1/jobs/:id", s.apiJob)
	a.POST("/api/v1/jobs/:id/kill", s.apiKill)
	a.GET("/api/v1/jobs/:id/attempts", s.apiAttempts)
	a.GET("/api/v1/jobs/:id/attempts/:attempt/logs", s.apiLogFiles)
	a.GET("/api/v1/jobs/:id/attempts/:attempt/logs/:file", s.apiLogFile)
	a.GET("/api/v1/jobs/:id/events", s.apiEvents)
	a.GET("/api/v1/jobs/:id/stream", s.apiStream)
	a.GET("/api/v1/stream", s.listStream)

	// Hadoop's JobHistory Server API.
	a.GET("/ws/v1/history", s.hsInfo)
	a.GET("/ws/v1/history/info", s.hsInfo)
	h := a.Group("/ws/v1/history/mapreduce")
	h.GET("/jobs", s.hsJobs)
	h.GET("/jobs/:id", s.hsJob)
	h.GET("/jobs/:id/counters", s.hsCounters)
	h.GET("/jobs/:id/conf", s.hsConf)
	h.GET("/jobs/:id/tasks", s.hsTasks)
	h.GET("/jobs/:id/tasks/:task", s.hsTask)
	h.GET("/jobs/:id/tasks/:task/attempts", s.hsAttempts)
	h.GET("/jobs/:id/tasks/:task/attempts/:attempt", s.hsAttempt)
	h.GET("/jobs/:id/jobattempts", s.hsJobAttempts)
	h.GET("/jobs/:id/tasks/:task/counters", s.hsTaskCounters)
	h.GET("/jobs/:id/tasks/:task/attempts/:attempt/counters", s.hsAttemptCounters)

	// Everything else (the worker protocol above all) is the tracker's,
	// for the cluster token only.
	e.NoRoute(trailingSlash, hsNotFound, s.authenticate, s.requireAdmin, s.observeReport, gin.WrapH(s.inner))
	return e
}

// trailingSlash redirects a GET or HEAD of an unknown path that ends in
// a slash to the path without it (/ui/jobs/ to /ui/jobs), as gin would,
// but only for a clean path of this origin: one slash at the start, no
// empty, "." or ".." segments, no backslash (the query is kept).
// Anything else goes on.
func trailingSlash(c *gin.Context) {
	r := c.Request
	p := r.URL.Path
	if !safeMethod(r.Method) || r.Method == http.MethodOptions || len(p) < 2 || !strings.HasSuffix(p, "/") {
		return
	}
	to := strings.TrimSuffix(p, "/")
	if !strings.HasPrefix(to, "/") || strings.HasPrefix(to, "//") || strings.ContainsAny(to, "\\\x00") || path.Clean(to) != to {
		return
	}
	c.Redirect(http.StatusMovedPermanently, (&url.URL{Path: to, RawQuery: r.URL.RawQuery}).String())
	c.Abort()
}

// logRequests logs each request at debug level, and failures at info.
// Every answer is also marked nosniff: a browser takes it for the type it
// declares (JSON errors that quote a request are never read as HTML).
func (s *Server) logRequests(c *gin.Context) {
	c.Header("X-Content-Type-Options", "nosniff")
	start := time.Now()
	c.Next()
	code := c.Writer.Status()
	lvl := slog.LevelDebug
	if code >= 500 {
		lvl = slog.LevelInfo
	}
	s.log.Log(c.Request.Context(), lvl, "request", "method", c.Request.Method, "path", c.Request.URL.Path,
		"status", code, "took", time.Since(start).Round(time.Microsecond))
}

// apiError answers a JSON error in the tracker API's shape.
func apiError(c *gin.Context, code int, msg string) {
	if strings.HasPrefix(c.Request.URL.Path, "/ws/") {
		hsError(c, code, msg)
		return
	}
	c.AbortWithStatusJSON(code, api.Error{Error: msg})
}

// job looks up a job the request's principal may access at level. It
// answers 404 for an unknown job or one the principal may not read, 403
// for one it may read but not act on, and returns ok false then.
func (s *Server) job(c *gin.Context, level access) (jobtracker.JobSummary, bool) {
	id := c.Param("id")
	j, ok := s.t.JobSummary(id)
	p := principal(c)
	if !ok || !p.may(readJob, j.Owner, s.auth.cfg.PublicRead) {
		s.notFound(c, "job", id)
		return j, false
	}
	if !p.may(level, j.Owner, s.auth.cfg.PublicRead) {
		msg := fmt.Sprintf("job %s belongs to %s: %s may not ", id, OwnerName(j.Owner), p.Name())
		if level == control {
			msg += "kill it"
		} else {
			msg += "read its logs"
		}
		s.fail(c, http.StatusForbidden, msg)
		return j, false
	}
	return j, true
}

// statusFor is a job's status as p may see it: the failing attempt's
// stderr tail and the place of its log are the job's log, shown only to
// a principal that may read the job's logs (with PublicRead, others see
// the job's state and error, not its log).
func (s *Server) statusFor(p Principal, owner string, st api.JobStatus) api.JobStatus {
	if !p.may(readLogs, owner, s.auth.cfg.PublicRead) {
		if st.Failure != nil {
			f := *st.Failure
			f.StderrTail, f.Log, f.Triage = "", "", ""
			st.Failure = &f
		}
		st.FailedAttempts = s.attemptsFor(p, owner, st.FailedAttempts)
	}
	return st
}

// attemptsFor is as with the triage lines (stderr) removed unless p may
// read the logs of owner's jobs; as itself is not changed.
func (s *Server) attemptsFor(p Principal, owner string, as []api.AttemptInfo) []api.AttemptInfo {
	if p.may(readLogs, owner, s.auth.cfg.PublicRead) {
		return as
	}
	out := slices.Clone(as)
	for i := range out {
		out[i].Triage = ""
	}
	return out
}

// notFound answers 404 for a kind of thing with an id.
func (s *Server) notFound(c *gin.Context, kind, id string) {
	if strings.HasPrefix(c.Request.URL.Path, "/ws/") {
		hsNotFoundMessage(c, kind, id)
		return
	}
	s.fail(c, http.StatusNotFound, kind+" "+id+" not found")
}

// fail answers an error as the route's kind (page or JSON).
func (s *Server) fail(c *gin.Context, code int, msg string) {
	if isUI(c.Request) {
		s.errorPage(c, code, msg)
		c.Abort()
		return
	}
	apiError(c, code, msg)
}

// intParam reads a non-negative integer query parameter.
func intParam(c *gin.Context, name string, def, limit int) (int, bool) {
	v := c.Query(name)
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		apiError(c, http.StatusBadRequest, name+" must be a non-negative integer")
		return 0, false
	}
	if limit > 0 && n > limit {
		n = limit
	}
	return n, true
}

// observeReport feeds the metrics from the workers' attempt reports on
// their way to the tracker (the sandbox boot times only they know).
func (s *Server) observeReport(c *gin.Context) {
	r := c.Request
	if r.Method != http.MethodPost || !strings.HasPrefix(r.URL.Path, "/internal/v1/attempts/") || !strings.HasSuffix(r.URL.Path, "/done") {
		c.Next()
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	r.Body.Close()
	if err != nil {
		apiError(c, http.StatusBadRequest, "read report: "+err.Error())
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	var rep api.AttemptReport
	if json.Unmarshal(body, &rep) == nil {
		s.metrics.observe(&rep)
	}
	c.Next()
}

// noStore marks every authenticated answer (a tenant's jobs, logs,
// replies, configuration) as not to be kept by any cache, shared or
// private: a cache keyed without the credential headers would otherwise
// hand one tenant's answer to another. A handler may set its own
// Cache-Control after this (run on open relays the app's).
func noStore(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
}
