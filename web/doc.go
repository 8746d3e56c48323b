// Package web is the jobtracker's HTTP front: a web UI (server-rendered
// pages, live job progress over server-sent events, SVG charts), the REST
// API (zebra's /api/v1 and Hadoop's JobHistory Server /ws/v1/history
// shapes, described at /openapi.json), Prometheus metrics at /metrics,
// and authentication with tenant isolation in front of everything,
// including the tracker's own worker protocol (see auth.go).
//
//	srv, err := web.New(web.Config{Tracker: t, Inner: t.Handler(), Auth: web.AuthConfig{Token: token}})
//	http.Serve(ln, srv)
//
// The pages:
//
//	/ui/                                  the cluster: workers (slots in use, storage node, health), running and recent jobs
//	/ui/jobs                              jobs: filter by state, user, name; sort by start time or duration; paginated
//	/ui/jobs/{id}                         a job: live progress, counters, configuration, command line, timeline, kill
//	/ui/jobs/{id}/tasks                   its tasks: filter by type, state, worker, data-locality; paginated
//	/ui/jobs/{id}/tasks/{task}            a task and its attempts
//	/ui/jobs/{id}/attempts/{attempt}      an attempt: exit status, sandbox kill reason, stderr tail, replay digest
//	/ui/jobs/{id}/timeline.svg            the timeline chart; counters.svg[?of=bytes] the counters chart
//	/ui/jobs/{id}/kill                    confirm, then POST to kill (CSRF token required)
//	/ui/jobs/{id}/stream                  the job's live events (the API's /stream, for the page)
//	/ui/jobs/{id}/attempts/{a}/logs/{f}   an attempt's log file (the API's, for the page; served sandboxed)
//	/ui/login                             log in with a token, or ?code= a one-time login code (logincode.go) at once, unless another site sent the browser: a server-side session
//	/ui/logout                            POST: end the session (CSRF token required)
//
// The session cookie is scoped to /ui/ and holds a random session id, not
// the token (auth.go); /open answers are sandboxed (open.go).
package web
