package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"zebra/adapters/localfs"
	"zebra/jobtracker"
	"zebra/jobtracker/api"
	"zebra/jobtracker/worker"
	"zebra/mapreduce"
)

// The tests run a real tracker behind the server; the "workers" are the
// test, speaking the worker protocol through the server with the cluster
// token and serving their logs with worker.LogHandler. A fake Swift
// knows two tenants.

const (
	adminToken = "cluster-secret"
	tenantA    = "AUTH_alice"
	tenantB    = "AUTH_bob"
	credA      = tenantA + ":tk-alice"
	credB      = tenantB + ":tk-bob"
)

type harness struct {
	t      testing.TB
	tr     *jobtracker.Tracker
	s      *Server
	srv    *httptest.Server
	swift  *httptest.Server
	swiftN int // requests Swift got (HEAD and POST of an account)
	mu     sync.Mutex
}

// newHarness starts a tracker and the server in front of it.
func newHarness(t testing.TB, publicRead bool) *harness {
	t.Helper()
	h := &harness{t: t}
	h.swift = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		h.swiftN++
		h.mu.Unlock()
		valid := map[string]string{"/v1/" + tenantA: "tk-alice", "/v1/" + tenantB: "tk-bob"}
		tok, ok := valid[r.URL.Path]
		switch {
		case r.Method != http.MethodHead && r.Method != http.MethodPost:
			w.WriteHeader(http.StatusMethodNotAllowed)
		case !ok:
			w.WriteHeader(http.StatusUnauthorized)
		case r.Header.Get("X-Auth-Token") != tok:
			w.WriteHeader(http.StatusUnauthorized)
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	reg := &mapreduce.Registry{}
	localfs.Register(reg, &localfs.FS{})
	// swift:// stands in as local files under one root, one directory per
	// account ("_" for the credentials' own): a fake inside this package's
	// tests; real Swift is tested in swiftfs and cmd/zebra.
	swiftRoot := t.TempDir()
	reg.Register("swift", func(ctx context.Context, _ *url.URL, raw string) (mapreduce.FS, string, error) {
		acct, name, err := mapreduce.ParseSwiftURL(raw)
		if acct == "" {
			acct = "_"
		}
		return &localfs.FS{}, filepath.Join(swiftRoot, acct, name), err
	})
	tr, err := jobtracker.Open(jobtracker.Config{Data: t.TempDir(), Registry: reg, PollWait: 50 * time.Millisecond,
		Expiry: time.Minute, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{Tracker: tr, Inner: tr.Handler(), Logger: slog.New(slog.DiscardHandler),
		Auth: AuthConfig{Token: adminToken, SwiftURL: h.swift.URL + "/v1", PublicRead: publicRead}})
	if err != nil {
		t.Fatal(err)
	}
	h.tr, h.s = tr, s
	h.srv = httptest.NewServer(s)
	t.Cleanup(func() { h.srv.Close(); h.swift.Close(); tr.Close() })
	return h
}

// client is an API client with a credential.
func (h *harness) client(cred string) *api.Client {
	c, err := api.NewClient(h.srv.URL)
	if err != nil {
		h.t.Fatal(err)
	}
	c.Token = cred
	return c
}

// req sends a request with a credential (as X-Auth-Token) and returns
// the response with its body read.
func (h *harness) req(method, path, cred string, body io.Reader, hdr ...string) (*http.Response, string) {
	h.t.Helper()
	r, err := http.NewRequest(method, h.srv.URL+path, body)
	if err != nil {
		h.t.Fatal(err)
	}
	if cred != "" {
		r.Header.Set("X-Auth-Token", cred)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(r)
	if err != nil {
		h.t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

// getJSON GETs path as cred, wants 200 and decodes the body into out.
func (h *harness) getJSON(path, cred string, out any) {
	h.t.Helper()
	resp, body := h.req(http.MethodGet, path, cred, nil)
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	if err := json.Unmarshal([]byte(body), out); err != nil {
		h.t.Fatalf("GET %s: %v\n%s", path, err, body)
	}
}

// plan is a job of maps splits (one with a replica on node-1) and
// reduces partitions writing under a temporary directory.
func (h *harness) plan(name string, maps, reduces int) *api.Plan {
	p := &api.Plan{Name: name, User: "claimed-user", Kind: "test", Spec: json.RawMessage(`{}`), Args: []string{"-input", "in", "-mapper", "cat x"},
		Output: "swift://data/" + filepath.Base(h.t.TempDir()) + "/out", Reduces: reduces, MarkSuccess: true, MaxMapAttempts: 2, MaxReduceAttempts: 2,
		Conf: map[string]string{"mapreduce.job.name": name, "fs.swift.service.x.password": "hunter2"}}
	for i := 0; i < maps; i++ {
		p.Splits = append(p.Splits, mapreduce.Split{URI: fmt.Sprintf("swift://data/in/part-%d", i), Path: "/in", Start: int64(i) * 100, Length: 100})
	}
	if maps > 0 {
		p.Splits[0].Hosts = []string{"node-1"}
	}
	return p
}

// submit submits a plan as cred.
func (h *harness) submit(cred string, p *api.Plan) string {
	h.t.Helper()
	id, err := h.client(cred).Submit(context.Background(), p, nil)
	if err != nil {
		h.t.Fatalf("submit as %q: %v", cred, err)
	}
	return id
}

// fakeWorker speaks the worker protocol by hand and serves logs.
type fakeWorker struct {
	h       *harness
	id      string
	name    string
	logs    string
	running map[string]bool
	logSrv  *httptest.Server
}

func (h *harness) worker(name string, slots int) *fakeWorker {
	h.t.Helper()
	w := &fakeWorker{h: h, name: name, logs: h.t.TempDir(), running: map[string]bool{}}
	w.logSrv = httptest.NewServer(worker.LogHandler(w.logs, adminToken))
	h.t.Cleanup(w.logSrv.Close)
	var r api.Registered
	err := h.client(adminToken).Do(context.Background(), http.MethodPost, "/internal/v1/workers",
		api.Registration{Protocol: api.ProtocolVersion, Name: name, Node: name, MapSlots: slots, ReduceSlots: slots,
			Shuffle: "tcp://127.0.0.1:1", LogURL: w.logSrv.URL}, &r)
	if err != nil {
		h.t.Fatal(err)
	}
	w.id = r.ID
	return w
}

// poll asks for work and returns the assignments.
func (w *fakeWorker) poll() []api.Assignment {
	w.h.t.Helper()
	p := api.Poll{Running: []string{}, Jobs: []string{}}
	for a := range w.running {
		p.Running = append(p.Running, a)
	}
	var r api.PollReply
	if err := w.h.client(adminToken).Do(context.Background(), http.MethodPost, "/internal/v1/workers/"+w.id+"/poll", p, &r); err != nil {
		w.h.t.Fatal(err)
	}
	for _, a := range r.Kill {
		delete(w.running, a)
	}
	for _, a := range r.Assign {
		w.running[a.Attempt] = true
		dir := filepath.Join(w.logs, a.Job, a.Attempt)
		os.MkdirAll(dir, 0o755)
		os.WriteFile(filepath.Join(dir, "stderr"), []byte(strings.Repeat("log line of "+a.Attempt+"\n", 3)), 0o644)
		os.WriteFile(filepath.Join(dir, mapreduce.RecordFile), []byte(`{"attempt":"`+a.Attempt+`","kind":"`+a.Kind+`","settings_sha256":"5e77","input_sha256":"aaaa","output_sha256":"bbbb","input_records":7,"output_records":9}`), 0o644)
	}
	return r.Assign
}

// stopKilled polls until the tracker has no attempt of this worker to
// kill (the worker drops them and says so at the next poll).
func (w *fakeWorker) stopKilled() {
	w.h.t.Helper()
	for i := 0; i < 3; i++ {
		w.poll()
	}
}

// done reports an attempt's end.
func (w *fakeWorker) done(a api.Assignment, state, errText string) {
	w.h.t.Helper()
	delete(w.running, a.Attempt)
	c := &mapreduce.Counters{}
	if a.Kind == "map" {
		c.Add(mapreduce.GroupTask, mapreduce.CounterMapInputRecords, 10)
		c.Add(mapreduce.GroupTask, mapreduce.CounterMapOutputRecords, 20)
	} else {
		c.Add(mapreduce.GroupTask, mapreduce.CounterReduceInputRecords, 20)
		c.Add(mapreduce.GroupTask, mapreduce.CounterReduceOutputRecords, 5)
		c.Add(mapreduce.GroupTask, mapreduce.CounterReduceShuffleBytes, 1000)
	}
	rep := api.AttemptReport{Worker: w.id, State: state, Error: errText, Counters: c, SandboxBoot: 3 * time.Millisecond}
	if state != api.AttemptSucceeded {
		rep.StderrTail = "Traceback (most recent call last):\n  File \"m.py\", line 3\nZeroDivisionError: division by zero\n"
		os.WriteFile(filepath.Join(w.logs, a.Job, a.Attempt, "stderr"), []byte(rep.StderrTail), 0o644)
	}
	if err := w.h.client(adminToken).Do(context.Background(), http.MethodPost, "/internal/v1/attempts/"+a.Attempt+"/done", rep, nil); err != nil {
		w.h.t.Fatalf("report %s: %v", a.Attempt, err)
	}
}

// waitState waits for a job's state.
func (h *harness) waitState(job, state string) api.JobStatus {
	h.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		st, _ := h.tr.Status(job)
		if st.State == state {
			return st
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("job %s is %s, want %s", job, st.State, state)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
