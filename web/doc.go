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
//	/ui/stream?view=overview|jobs         the lists' live events (the API's /api/v1/stream, for the pages)
//	/ui/jobs/{id}/attempts/{a}/logs/{f}   an attempt's log file (the API's, for the page; served sandboxed)
//	/ui/login                             log in with a token (the form), or ?code= a one-time login code (logincode.go), unless another site sent the browser: a server-side session; ?token= is refused
//	/ui/logout                            POST: end the session (CSRF token required)
//
// Every page is live: while it is shown it holds one server-sent event
// stream open (a running job's pages: the job's; the overview and the
// jobs list: the lists'), and static/live.js moves the progress bars and
// elapsed time from the events and, when an event says the page is out
// of date, fetches the page again (at most once a second) and swaps in
// what changed: counters, timeline, tables, the final state. One hub
// goroutine per server watches the tracker's changes and wakes only the
// streams concerned; a stream carries nothing of jobs its principal may
// not read; a principal holds at most 16 streams per address. Without
// EventSource (or with the stream refused) a page fetches itself every
// 5 s; without script, running jobs' pages reload themselves. The
// events are described in events.go and /openapi.json.
//
// The session cookie is scoped to /ui/ and holds a random session id, not
// the token (auth.go); /open answers are sandboxed (open.go).
package web
