package web

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"zebra/jobtracker/api"
)

// The event streams' tests read the streams as a browser would, while
// the test's worker drives the jobs. They wait for events, never for
// time: a stream that stays silent fails the test at its deadline.

// sse is an open event stream.
type sse struct {
	t      *testing.T
	resp   *http.Response
	sc     *bufio.Scanner
	raw    strings.Builder // everything read, comments included
	cancel context.CancelFunc
}

// event is one server-sent event.
type event struct{ name, id, data string }

// openStream opens path as cred and wants it to answer 200 as an event
// stream.
func openStream(t *testing.T, h *harness, path, cred string) *sse {
	t.Helper()
	s, code, body := tryStream(t, h, path, cred)
	if code != http.StatusOK {
		t.Fatalf("GET %s as %s: %d %s", path, cred, code, body)
	}
	return s
}

// tryStream opens path as cred; it returns the stream if it answered
// 200, else the status and the body.
func tryStream(t *testing.T, h *harness, path, cred string) (*sse, int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Auth-Token", cred)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatalf("GET %s: %v", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		var b strings.Builder
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			b.WriteString(sc.Text())
		}
		resp.Body.Close()
		cancel()
		return nil, resp.StatusCode, b.String()
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Errorf("GET %s: Content-Type %q", path, ct)
	}
	s := &sse{t: t, resp: resp, sc: bufio.NewScanner(resp.Body), cancel: cancel}
	t.Cleanup(s.close)
	return s, http.StatusOK, ""
}

func (s *sse) close() {
	s.cancel()
	s.resp.Body.Close()
}

// next reads the next event (skipping comments); ok is false at the
// stream's end.
func (s *sse) next() (e event, ok bool) {
	s.t.Helper()
	for s.sc.Scan() {
		line := s.sc.Text()
		s.raw.WriteString(line + "\n")
		switch {
		case line == "":
			if e.name != "" || e.data != "" {
				return e, true
			}
		case strings.HasPrefix(line, ":"):
		case strings.HasPrefix(line, "event: "):
			e.name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "id: "):
			e.id = strings.TrimPrefix(line, "id: ")
		case strings.HasPrefix(line, "data: "):
			e.data += strings.TrimPrefix(line, "data: ")
		default:
			s.t.Errorf("not an event stream line: %q", line)
		}
	}
	return e, false
}

// must reads the next event, which must be a name event, into v.
func (s *sse) must(name string, v any) {
	s.t.Helper()
	e, ok := s.next()
	if !ok {
		s.t.Fatalf("the stream ended before a %s event (%v)", name, s.sc.Err())
	}
	if e.name != name {
		s.t.Fatalf("event %q %s, want %s", e.name, e.data, name)
	}
	if err := json.Unmarshal([]byte(e.data), v); err != nil {
		s.t.Fatalf("%s event %q: %v", name, e.data, err)
	}
}

// progressReport sends a poll of w carrying a running attempt's progress
// and status line, as a worker does.
func progressReport(t *testing.T, w *fakeWorker, attempt string, progress float64, status string) {
	t.Helper()
	p := api.Poll{Running: []string{}, Jobs: []string{}, Progress: []api.AttemptProgress{{Attempt: attempt, Progress: progress, Status: status}}}
	for a := range w.running {
		p.Running = append(p.Running, a)
	}
	var r api.PollReply
	if err := w.h.client(adminToken).Do(context.Background(), http.MethodPost, "/internal/v1/workers/"+w.id+"/poll", p, &r); err != nil {
		t.Fatal(err)
	}
	for _, a := range r.Assign {
		t.Fatalf("the progress poll was given %s", a.Attempt)
	}
}

// TestJobStream: a job's stream sends its progress at once, again as its
// attempts start, report progress and end (versions only grow), then the
// final state with full bars, "end", and closes.
func TestJobStream(t *testing.T) {
	h := newHarness(t, false)
	id := h.submit(credA, h.plan("streamed", 2, 1))
	s := openStream(t, h, "/ui/jobs/"+id+"/stream", credA)
	var p Progress
	s.must("progress", &p)
	if p.ID != id || p.State != api.StateRunning || p.Done || p.MapPct != 0 || p.SubmittedMS == 0 || p.NowMS < p.SubmittedMS {
		t.Fatalf("first event %+v", p)
	}
	version := p.Version
	// awaitVersion reads events until one shows a later version.
	await := func(what string) Progress {
		t.Helper()
		for {
			var q Progress
			s.must("progress", &q)
			if q.Version < version {
				t.Fatalf("%s: version went back from %d to %d", what, version, q.Version)
			}
			if q.Version > version {
				version = q.Version
				return q
			}
		}
	}
	w := h.worker("node-1", 2)
	as := w.poll()
	if len(as) == 0 || as[0].Kind != "map" {
		t.Fatalf("assigned %v, want the maps first", as)
	}
	await("attempts started")
	progressReport(t, w, as[0].Attempt, 0.5, "halfway there")
	q := await("progress reported")
	// Map progress is the mean of the maps' (0.5 and 0): 25%.
	for q.MapPct != 25 {
		q = await("progress reported")
	}
	for st, _ := h.tr.Status(id); !st.Done(); st, _ = h.tr.Status(id) {
		for _, a := range as {
			w.done(a, api.AttemptSucceeded, "")
		}
		as = w.poll()
	}
	for {
		e, ok := s.next()
		if !ok {
			t.Fatalf("the stream ended without the final state")
		}
		if e.name == "end" {
			break
		}
		if err := json.Unmarshal([]byte(e.data), &q); err != nil || e.name != "progress" {
			t.Fatalf("event %s %s: %v", e.name, e.data, err)
		}
	}
	if !q.Done || q.State != api.StateSucceeded || q.MapPct != 100 || q.ReducePct != 100 || q.MapsDone != 2 || q.ReducesDone != 1 {
		t.Errorf("the last progress before end: %+v", q)
	}
	if e, ok := s.next(); ok {
		t.Errorf("the stream goes on after end: %+v", e)
	}
	// An ended job's stream: its final state and end at once.
	final := q
	s = openStream(t, h, "/api/v1/jobs/"+id+"/stream", credA)
	s.must("progress", &q)
	if !q.Done || q.Version < final.Version || q.State != final.State {
		t.Errorf("ended job's stream: %+v, want %+v", q, final)
	}
	if e, ok := s.next(); !ok || e.name != "end" {
		t.Errorf("ended job's stream: %+v after the progress", e)
	}
}

var dataKey = regexp.MustCompile(`<main data-live="([^"]*)" data-key="([^"]*)">`)

// TestListStreamTenants: the lists' stream of a tenant carries the jobs
// it may read and nothing of another tenant's, not even that one
// changed; the cluster token's carries all. A page and its stream agree
// on the key while nothing changes.
func TestListStreamTenants(t *testing.T) {
	h := newHarness(t, false)
	old := h.submit(credA, h.plan("alice's earlier job", 1, 0))
	_, page := h.req(http.MethodGet, "/ui/jobs", credB, nil)
	m := dataKey.FindStringSubmatch(page)
	if m == nil || m[1] != "/ui/stream?view=jobs" {
		t.Fatalf("the jobs page has no stream: %.400s", page)
	}
	sb := openStream(t, h, m[1], credB)
	sa := openStream(t, h, "/api/v1/stream?view=jobs", credA)
	sc := openStream(t, h, "/ui/stream?view=overview", adminToken)
	var eb, ea, ec JobsEvent
	sb.must("jobs", &eb)
	if eb.Key != m[2] || len(eb.Jobs) != 0 {
		t.Errorf("B's first event %+v, want key %s (the page's) and no jobs", eb, m[2])
	}
	sa.must("jobs", &ea)
	if len(ea.Jobs) != 1 || ea.Jobs[0].ID != old {
		t.Errorf("A's first event %+v, want its job %s", ea, old)
	}
	sc.must("jobs", &ec)
	if len(ec.Jobs) != 1 {
		t.Errorf("the cluster's first event %+v", ec)
	}
	// A's job changes (a new job, then an attempt starts), then B's.
	ja := h.submit(credA, h.plan("alice's job", 1, 0))
	w := h.worker("node-1", 1)
	if as := w.poll(); len(as) != 1 {
		t.Fatalf("assigned %v", as)
	}
	jb := h.submit(credB, h.plan("bob's job", 1, 0))
	sb.must("jobs", &eb)
	if len(eb.Jobs) != 1 || eb.Jobs[0].ID != jb || eb.Key == m[2] {
		t.Errorf("B's next event %+v, want only its job %s", eb, jb)
	}
	seen := map[string]bool{}
	for !seen[ja] {
		sa.must("jobs", &ea)
		for _, j := range ea.Jobs {
			seen[j.ID] = true
		}
	}
	if seen[jb] {
		t.Errorf("A's stream carried B's job %s", jb)
	}
	for seen := map[string]bool{}; !seen[ja] || !seen[jb]; {
		sc.must("jobs", &ec)
		for _, j := range ec.Jobs {
			seen[j.ID] = true
		}
	}
	sb.close()
	for _, id := range []string{old, ja, "alice"} {
		if strings.Contains(sb.raw.String(), id) {
			t.Errorf("B's stream carried %q:\n%s", id, sb.raw.String())
		}
	}
	// The page B loads now carries the key of its stream's last event.
	_, page = h.req(http.MethodGet, "/ui/jobs", credB, nil)
	if m := dataKey.FindStringSubmatch(page); m == nil || m[2] != eb.Key {
		t.Errorf("B's jobs page key %v, want %s", m, eb.Key)
	}
	if resp, body := h.req(http.MethodGet, "/ui/stream?view=secrets", credB, nil); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "view must be overview or jobs") {
		t.Errorf("a bad view: %d %s", resp.StatusCode, body)
	}
}

// TestJobPagesLiveKey: a running job's pages name its stream and its
// version; an ended job's pages have no stream; another tenant's job
// page names nothing.
func TestJobPagesLiveKey(t *testing.T) {
	f := newFixture(t, false)
	st, _ := f.tr.Status(f.running)
	for _, path := range []string{"/ui/jobs/" + f.running, "/ui/jobs/" + f.running + "/tasks"} {
		_, page := f.req(http.MethodGet, path, credA, nil)
		m := dataKey.FindStringSubmatch(page)
		if m == nil || m[1] != "/ui/jobs/"+f.running+"/stream" || m[2] != fmt.Sprint(st.Version) {
			t.Errorf("%s: live %v, want version %d", path, m, st.Version)
		}
	}
	for _, c := range []struct{ path, cred string }{{"/ui/jobs/" + f.done, credA}, {"/ui/jobs/" + f.running, credB}} {
		if _, page := f.req(http.MethodGet, c.path, c.cred, nil); strings.Contains(page, "data-live") {
			t.Errorf("%s as %s names a stream", c.path, c.cred)
		}
	}
}

// TestStreamCap: a principal may hold maxStreams streams from one
// address; the next is refused with 429 and says why, another principal
// is not affected, and a closed stream frees its place.
func TestStreamCap(t *testing.T) {
	h := newHarness(t, false)
	var open []*sse
	for i := 0; i < maxStreams; i++ {
		s := openStream(t, h, "/ui/stream?view=jobs", credA)
		var e JobsEvent
		s.must("jobs", &e)
		open = append(open, s)
	}
	_, code, body := tryStream(t, h, "/ui/stream?view=jobs", credA)
	if code != http.StatusTooManyRequests || !strings.Contains(body, "too many live streams") {
		t.Fatalf("stream %d: %d %s, want 429", maxStreams+1, code, body)
	}
	var e JobsEvent
	openStream(t, h, "/ui/stream?view=jobs", credB).must("jobs", &e)
	open[0].close()
	// The server sees the client go when its write or read fails: wait
	// for the place to be freed.
	for deadline := time.Now().Add(30 * time.Second); h.s.hub.open() > maxStreams; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d streams still open after one closed", h.s.hub.open())
		}
	}
	openStream(t, h, "/ui/stream?view=jobs", credA).must("jobs", &e)
}

// TestEndStreams: EndStreams (a server shutting down) ends the open
// streams and refuses new ones with 503.
func TestEndStreams(t *testing.T) {
	h := newHarness(t, false)
	id := h.submit(credA, h.plan("still running", 1, 0))
	js := openStream(t, h, "/ui/jobs/"+id+"/stream", credA)
	var p Progress
	js.must("progress", &p)
	ls := openStream(t, h, "/ui/stream?view=overview", credA)
	var e JobsEvent
	ls.must("jobs", &e)
	h.s.EndStreams()
	for _, s := range []*sse{js, ls} {
		if e, ok := s.next(); ok {
			t.Errorf("an event after EndStreams: %+v", e)
		}
	}
	if _, code, body := tryStream(t, h, "/ui/stream?view=jobs", credA); code != http.StatusServiceUnavailable || !strings.Contains(body, "shutting down") {
		t.Errorf("a stream after EndStreams: %d %s", code, body)
	}
	// With no stream open, the hub's goroutine ends.
	running := func() bool {
		h.s.hub.mu.Lock()
		defer h.s.hub.mu.Unlock()
		return h.s.hub.running
	}
	for deadline := time.Now().Add(30 * time.Second); running(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the hub still runs without streams (%d open)", h.s.hub.open())
		}
	}
}
