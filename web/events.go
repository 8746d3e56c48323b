package web

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"zebra/jobtracker"
	"zebra/jobtracker/api"
)

// Live pages: every page of the UI keeps one server-sent event stream
// open while it is shown, and live.js updates the page from it.
//
//	GET /ui/jobs/{id}/stream (and /api/v1/jobs/{id}/stream)   the job, its tasks and attempts pages
//	GET /ui/stream?view=overview|jobs                          the cluster overview and the jobs list
//
// A job's stream sends "progress" (Progress as JSON) at once and at each
// change of the job, then "end" after the job has ended, and closes. The
// lists' stream sends "jobs" ({"key": K, "jobs": [changed jobs]}) at once
// and whenever a job the principal may read changes (the overview's also
// when the workers change); K digests what the principal may see, so that
// a page rendered with the same K is current. Every stream sends a
// comment every heartbeat to keep proxies from closing it, sends at most
// one event per streamInterval however fast the jobs change, ends when
// the client goes and after maxStreamLife (EventSource reconnects), and
// carries nothing of a job the principal may not read: not its id, not
// even the moment it changed.
//
// One goroutine per server (the hub) watches the tracker's change feed
// while any stream is open, and wakes only the streams whose jobs
// changed; a stream's handler then reads what it sends. Nothing polls per
// client.

const (
	// streamInterval bounds how often one stream sends (a job with many
	// short tasks changes far more often than a page can show).
	streamInterval = 250 * time.Millisecond
	// heartbeat is how often an idle stream sends a comment.
	heartbeat = 15 * time.Second
	// maxStreamLife ends a stream after a while: the browser reconnects,
	// and a server shutting down is not held up by streams for long.
	maxStreamLife = 10 * time.Minute
	// maxStreams is the most streams one principal may hold open from
	// one address (a browser holds one per open page).
	maxStreams = 16
	// maxPrincipalStreams is the most streams one authenticated
	// principal may hold open from all its addresses together: a tenant
	// with many source addresses (an IPv6 prefix, a NAT pool) does not
	// get maxStreams from each. Anonymous readers (PublicRead) are one
	// principal for everyone, so they are bounded per address only.
	maxPrincipalStreams = 4 * maxStreams
	// hubCheck is how often the hub looks at the tracker without a
	// change notice (worker health turns with time alone).
	hubCheck = 2 * time.Second
)

// hub fans the tracker's changes out to the open streams.
type hub struct {
	t       *jobtracker.Tracker
	mu      sync.Mutex
	subs    map[*sub]struct{}
	clients map[string]int // open streams by client key
	// principals counts the open streams of authenticated principals
	// by name.
	principals map[string]int
	running    bool
	// ended is closed by EndStreams: every stream ends, and no new one
	// opens.
	ended   chan struct{}
	endOnce sync.Once
}

// sub is one open stream.
type sub struct {
	// job is the job watched; "" watches every job may admits.
	job string
	may func(owner string) bool
	// workers also wakes the stream when the workers change.
	workers bool
	// wake holds a pending change (buffered 1: changes coalesce).
	wake chan struct{}
}

func newHub(t *jobtracker.Tracker) *hub {
	return &hub{t: t, subs: map[*sub]struct{}{}, clients: map[string]int{}, principals: map[string]int{}, ended: make(chan struct{})}
}

// EndStreams ends every open event stream and refuses new ones (503), so
// that a server shutting down is not held up by them: register it with
// http.Server.RegisterOnShutdown. Browsers reconnect to the next server.
func (s *Server) EndStreams() { s.hub.endOnce.Do(func() { close(s.hub.ended) }) }

// subscribe registers a stream for client of principal (an
// authenticated principal's name; "" for an anonymous reader), or
// returns false if client holds maxStreams already or principal
// maxPrincipalStreams. The hub runs while any stream is open.
func (h *hub) subscribe(client, principal string, s *sub) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.clients[client] >= maxStreams || (principal != "" && h.principals[principal] >= maxPrincipalStreams) {
		return false
	}
	h.clients[client]++
	if principal != "" {
		h.principals[principal]++
	}
	s.wake = make(chan struct{}, 1)
	h.subs[s] = struct{}{}
	if !h.running {
		h.running = true
		go h.run()
	}
	return true
}

func (h *hub) unsubscribe(client, principal string, s *sub) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.subs, s)
	if h.clients[client]--; h.clients[client] <= 0 {
		delete(h.clients, client)
	}
	if principal == "" {
		return
	}
	if h.principals[principal]--; h.principals[principal] <= 0 {
		delete(h.principals, principal)
	}
}

// open counts the open streams.
func (h *hub) open() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

// run watches the tracker until no stream is open: at each change it
// compares the jobs' versions (and the workers) with the last look and
// wakes the streams concerned, at most once per streamInterval.
func (h *hub) run() {
	versions := map[string]int64{}
	var jobs []jobtracker.JobVersion
	workers, first := "", true
	timer := time.NewTimer(hubCheck)
	defer timer.Stop()
	for {
		wake := h.t.Changed()
		jobs = h.t.JobVersions(jobs[:0])
		changed := map[string]string{} // job id -> owner
		seen := make(map[string]bool, len(jobs))
		for _, j := range jobs {
			seen[j.ID] = true
			if v, ok := versions[j.ID]; !ok || v != j.Version {
				versions[j.ID] = j.Version
				changed[j.ID] = j.Owner
			}
		}
		for id := range versions {
			if !seen[id] {
				delete(versions, id)
			}
		}
		h.mu.Lock()
		if len(h.subs) == 0 {
			h.running = false
			h.mu.Unlock()
			return
		}
		wantWorkers := false
		for s := range h.subs {
			wantWorkers = wantWorkers || s.workers
		}
		h.mu.Unlock()
		workersChanged := false
		if wantWorkers {
			d := workerDigest(h.t.WorkerViews())
			workersChanged, workers = d != workers, d
		}
		h.notify(changed, workersChanged, first)
		first = false
		time.Sleep(streamInterval) // a burst of changes wakes the streams once
		timer.Reset(hubCheck)
		select {
		case <-wake:
		case <-timer.C:
		}
	}
}

// notify wakes the streams a round's changes concern, or, with all (the
// hub's first look, which has nothing to compare with), every stream: a
// stream that wakes to no change sends nothing.
func (h *hub) notify(changed map[string]string, workersChanged, all bool) {
	if len(changed) == 0 && !workersChanged && !all {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		hit := all
		switch {
		case hit:
		case s.job != "":
			_, hit = changed[s.job]
		default:
			hit = s.workers && workersChanged
			for _, owner := range changed {
				if hit || s.may(owner) {
					hit = true
					break
				}
			}
		}
		if hit {
			select {
			case s.wake <- struct{}{}:
			default:
			}
		}
	}
}

// workerDigest digests what the overview shows of the workers that
// changes with the tracker's state (not their last-seen times).
func workerDigest(ws []jobtracker.WorkerView) string {
	f := fnv.New64a()
	for _, w := range ws {
		fmt.Fprintf(f, "%s\x00%s\x00%s\x00%d/%d\x00%d/%d\x00%t\n", w.ID, w.Name, w.Node, w.RunningMaps, w.MapSlots, w.RunningReduces, w.ReduceSlots, w.Healthy)
	}
	return strconv.FormatUint(f.Sum64(), 36)
}

// streamClient is the key maxStreams counts by: the principal and the
// address the request came from.
func streamClient(c *gin.Context) string {
	host, _, err := net.SplitHostPort(c.Request.RemoteAddr)
	if err != nil {
		host = c.Request.RemoteAddr
	}
	return principal(c).Name() + "\x00" + host
}

// eventWriter writes server-sent events.
type eventWriter struct {
	w gin.ResponseWriter
}

func startEvents(c *gin.Context) eventWriter {
	h := c.Writer.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	c.Writer.WriteHeader(http.StatusOK)
	c.Writer.Flush()
	return eventWriter{c.Writer}
}

// send writes one event (data as JSON) and flushes it.
func (e eventWriter) send(event, id string, data any) error {
	b, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("encode %s event: %w", event, err)
	}
	if id != "" {
		id = "id: " + id + "\n"
	}
	if _, err := fmt.Fprintf(e.w, "event: %s\n%sdata: %s\n\n", event, id, b); err != nil {
		return fmt.Errorf("send %s event: %w", event, err)
	}
	e.w.Flush()
	return nil
}

func (e eventWriter) comment() error {
	if _, err := fmt.Fprint(e.w, ": ping\n\n"); err != nil {
		return fmt.Errorf("send heartbeat: %w", err)
	}
	e.w.Flush()
	return nil
}

// stream runs one stream: it registers s, sends with send at once and
// whenever the hub wakes s (at most once per streamInterval), a comment
// when idle, until send says it is done, the client goes or the stream
// has lived maxStreamLife.
func (s *Server) stream(c *gin.Context, sb *sub, send func(e eventWriter) (done bool, err error)) {
	client := streamClient(c)
	who := ""
	if p := principal(c); !p.Anonymous {
		who = p.Name()
	}
	select {
	case <-s.hub.ended:
		c.Header("Retry-After", "5")
		apiError(c, http.StatusServiceUnavailable, "the jobtracker is shutting down: reconnect in a moment")
		return
	default:
	}
	if !s.hub.subscribe(client, who, sb) {
		c.Header("Retry-After", "30")
		apiError(c, http.StatusTooManyRequests, fmt.Sprintf("too many live streams: %s holds %d open from this address or %d from all its addresses; close some pages", principal(c).Name(), maxStreams, maxPrincipalStreams))
		return
	}
	defer s.hub.unsubscribe(client, who, sb)
	e := startEvents(c)
	ctx, cancel := context.WithTimeout(c.Request.Context(), maxStreamLife)
	defer cancel()
	idle := time.NewTimer(heartbeat)
	defer idle.Stop()
	for {
		done, err := send(e)
		if done || err != nil {
			return
		}
		select { // at most one event per streamInterval
		case <-ctx.Done():
			return
		case <-time.After(streamInterval):
		}
		idle.Reset(heartbeat)
	wait:
		for {
			select {
			case <-ctx.Done():
				return
			case <-s.hub.ended:
				return
			case <-sb.wake:
				break wait
			case <-idle.C:
				if e.comment() != nil {
					return
				}
				idle.Reset(heartbeat)
			}
		}
	}
}

// apiStream is a job's stream: "progress" at once and whenever the job
// changes, then "end" once it has ended.
func (s *Server) apiStream(c *gin.Context) {
	j, ok := s.job(c, readJob)
	if !ok {
		return
	}
	last := int64(-1)
	s.stream(c, &sub{job: j.ID}, func(e eventWriter) (bool, error) {
		st, ok := s.t.Status(j.ID)
		if !ok {
			return true, nil
		}
		if st.Version == last && !st.Done() {
			return false, nil
		}
		last = st.Version
		if err := e.send("progress", strconv.FormatInt(st.Version, 10), progressOf(&st, time.Now())); err != nil {
			return true, err
		}
		if st.Done() {
			return true, e.send("end", "", struct{}{})
		}
		return false, nil
	})
}

// JobChange is a job of the lists' "jobs" event.
type JobChange struct {
	ID      string `json:"id"`
	State   string `json:"state"`
	Version int64  `json:"version"`
}

// JobsEvent is the lists' "jobs" event: Key digests every job the
// principal may read (and, for the overview, the workers); Jobs lists
// those that changed since the stream's last event (all at first).
type JobsEvent struct {
	Key  string      `json:"key"`
	Jobs []JobChange `json:"jobs"`
}

// listStream is the stream of the overview (?view=overview) and the
// jobs list (?view=jobs).
func (s *Server) listStream(c *gin.Context) {
	view := c.Query("view")
	if view != "overview" && view != "jobs" {
		apiError(c, http.StatusBadRequest, "view must be overview or jobs (the page the stream is for), not "+strconv.Quote(view))
		return
	}
	p := principal(c)
	may := func(owner string) bool { return p.may(readJob, owner, s.auth.cfg.PublicRead) }
	sent := map[string]int64{}
	var buf []jobtracker.JobVersion
	key := ""
	s.stream(c, &sub{may: may, workers: view == "overview"}, func(e eventWriter) (bool, error) {
		var ev JobsEvent
		ev.Key, buf = s.listKey(may, view == "overview", buf[:0])
		if ev.Key == key {
			return false, nil
		}
		key = ev.Key
		seen := map[string]bool{}
		for _, j := range buf {
			if !may(j.Owner) {
				continue
			}
			seen[j.ID] = true
			if v, ok := sent[j.ID]; !ok || v != j.Version {
				sent[j.ID] = j.Version
				ev.Jobs = append(ev.Jobs, JobChange{ID: j.ID, State: j.State, Version: j.Version})
			}
		}
		for id := range sent {
			if !seen[id] {
				delete(sent, id)
			}
		}
		return false, e.send("jobs", "", ev)
	})
}

// listKey digests the jobs may admits (ids and versions) and, with
// workers, the workers, as a list page and its stream show them; it
// returns the jobs it read (in buf).
func (s *Server) listKey(may func(owner string) bool, workers bool, buf []jobtracker.JobVersion) (string, []jobtracker.JobVersion) {
	buf = s.t.JobVersions(buf)
	f := fnv.New64a()
	for _, j := range buf {
		if may(j.Owner) {
			fmt.Fprintf(f, "%s\x00%d\n", j.ID, j.Version)
		}
	}
	if workers {
		fmt.Fprintf(f, "w%s", workerDigest(s.t.WorkerViews()))
	}
	return strconv.FormatUint(f.Sum64(), 36), buf
}

// Where liveKey leaves a page's stream and key for render.
const (
	liveStreamKey = "zebra.live.stream"
	liveKeyKey    = "zebra.live.key"
)

// liveKey notes, before a page's handler reads what the page shows, the
// page's stream and the state it is about to show (a job's version, a
// list's key), so that a change between the two makes the page fetch
// itself again rather than be missed. A job that has ended gets no
// stream: its page is final.
func (s *Server) liveKey(c *gin.Context) {
	p := principal(c)
	may := func(owner string) bool { return p.may(readJob, owner, s.auth.cfg.PublicRead) }
	switch c.FullPath() {
	case "/ui/":
		key, _ := s.listKey(may, true, nil)
		c.Set(liveStreamKey, "/ui/stream?view=overview")
		c.Set(liveKeyKey, key)
	case "/ui/jobs":
		key, _ := s.listKey(may, false, nil)
		c.Set(liveStreamKey, "/ui/stream?view=jobs")
		c.Set(liveKeyKey, key)
	case "/ui/jobs/:id", "/ui/jobs/:id/tasks", "/ui/jobs/:id/tasks/:task", "/ui/jobs/:id/attempts/:attempt":
		j, ok := s.t.JobSummary(c.Param("id"))
		if !ok || !may(j.Owner) || (&api.JobStatus{State: j.State}).Done() {
			break
		}
		c.Set(liveStreamKey, "/ui/jobs/"+url.PathEscape(j.ID)+"/stream")
		c.Set(liveKeyKey, strconv.FormatInt(j.Version, 10))
	}
	c.Next()
}
