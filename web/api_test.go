package web

import (
	"bufio"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"zebra/jobtracker/api"
	"zebra/jobtracker/zerocloud"
	"zebra/mapreduce"
)

// fixture is a tracker with tenant A's finished job (3 maps, one of
// which failed once, and a reduce), A's running job and B's job.
type fixture struct {
	*harness
	w                    *fakeWorker
	done, running, other string
	failed, succeeded    string // attempts of the finished job
}

func newFixture(t *testing.T, publicRead bool) *fixture {
	h := newHarness(t, publicRead)
	f := &fixture{harness: h}
	f.done = h.submit(credA, h.plan("wordcount", 3, 1))
	f.w = h.worker("node-1", 2)
	first := true
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		for _, a := range f.w.poll() {
			if first && a.Kind == "map" {
				first = false
				f.failed = a.Attempt
				f.w.done(a, api.AttemptFailed, "PipeMapRed.waitOutputThreads(): subprocess failed with code 137 (memory limit of 64.0 MiB exceeded)")
				continue
			}
			if f.succeeded == "" {
				f.succeeded = a.Attempt
			}
			f.w.done(a, api.AttemptSucceeded, "")
		}
		if st, _ := h.tr.Status(f.done); st.Done() {
			break
		}
	}
	h.waitState(f.done, api.StateSucceeded)
	f.running = h.submit(credA, h.plan("long running", 2, 1))
	f.w.poll() // its maps start and keep running
	f.other = h.submit(credB, h.plan("bobs job", 1, 0))
	return f
}

func TestAuthentication(t *testing.T) {
	h := newHarness(t, false)
	for _, c := range []struct {
		name, cred string
		want       int
	}{{"none", "", 401}, {"wrong cluster token", "nope", 401}, {"wrong swift token", tenantA + ":tk-bob", 401},
		{"unknown account", "AUTH_eve:tk", 401}, {"bad account", "../x:tk", 401}, {"cluster token", adminToken, 200}, {"swift token", credA, 200}} {
		resp, body := h.req(http.MethodGet, "/api/v1/jobs", c.cred, nil)
		if resp.StatusCode != c.want {
			t.Errorf("%s: %d %s, want %d", c.name, resp.StatusCode, body, c.want)
		}
	}
	// Swift's answers are cached.
	h.mu.Lock()
	n := h.swiftN
	h.mu.Unlock()
	h.req(http.MethodGet, "/api/v1/jobs", credA, nil)
	h.req(http.MethodGet, "/api/v1/jobs", "Bearer-ignored", nil, "X-Auth-Token", "", "Authorization", "Bearer "+credA)
	h.mu.Lock()
	if h.swiftN != n {
		t.Errorf("Swift asked %d more times, want 0 (cached)", h.swiftN-n)
	}
	h.mu.Unlock()
	// Bearer works too.
	if resp, _ := h.req(http.MethodGet, "/api/v1/jobs", "", nil, "Authorization", "Bearer "+adminToken); resp.StatusCode != 200 {
		t.Errorf("bearer: %d", resp.StatusCode)
	}
	// Pages redirect to the login page; public routes need nothing.
	if resp, _ := h.req(http.MethodGet, "/ui/jobs", "", nil); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/ui/login?next=") {
		t.Errorf("page without a token: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	for _, p := range []string{"/healthz", "/openapi.json", "/ui/login", "/ui/static/style.css", "/ui/static/live.js"} {
		if resp, body := h.req(http.MethodGet, p, "", nil); resp.StatusCode != 200 {
			t.Errorf("GET %s without a token: %d %s", p, resp.StatusCode, body)
		}
	}
	// The worker protocol is the cluster token's only.
	for _, cred := range []string{"", credA} {
		if resp, _ := h.req(http.MethodPost, "/internal/v1/workers", cred, strings.NewReader(`{}`)); resp.StatusCode != 401 && resp.StatusCode != 403 {
			t.Errorf("worker registration as %q: %d", cred, resp.StatusCode)
		}
	}
	// Swift down: 503, not a cached refusal.
	h.swift.Close()
	if resp, _ := h.req(http.MethodGet, "/api/v1/jobs", tenantB+":tk-new", nil); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("Swift down: %d, want 503", resp.StatusCode)
	}
}

func TestSubmitRecordsTheAuthenticatedOwner(t *testing.T) {
	h := newHarness(t, false)
	p := h.plan("sneaky", 1, 0)
	p.Owner = tenantB // the client's claim is ignored
	id := h.submit(credA, p)
	if j, _ := h.tr.JobSummary(id); j.Owner != tenantA || j.User != "claimed-user" {
		t.Errorf("owner %q user %q, want %q and the claimed user", j.Owner, j.User, tenantA)
	}
	id = h.submit(adminToken, h.plan("ops", 1, 0))
	if j, _ := h.tr.JobSummary(id); j.Owner != "" {
		t.Errorf("the cluster token's job is owned by %q", j.Owner)
	}
	// Bad submissions.
	resp, body := h.req(http.MethodPost, "/api/v1/jobs", credA, strings.NewReader("x"), "Content-Type", "text/plain")
	if resp.StatusCode != 400 {
		t.Errorf("non-multipart submit: %d %s", resp.StatusCode, body)
	}
	for _, tc := range []struct{ parts, says string }{
		{"", "the plan is missing"},
		{"bundle", "must come before"},
		{"colour", "unknown form part"},
	} {
		var form strings.Builder
		mw := multipart.NewWriter(&form)
		if tc.parts != "" {
			w, _ := mw.CreateFormField(tc.parts)
			w.Write([]byte("x"))
		}
		mw.Close()
		resp, body := h.req(http.MethodPost, "/api/v1/jobs", credA, strings.NewReader(form.String()), "Content-Type", mw.FormDataContentType())
		if resp.StatusCode != 400 || !strings.Contains(body, tc.says) {
			t.Errorf("submit with part %q: %d %s, want 400 saying %q", tc.parts, resp.StatusCode, body, tc.says)
		}
	}
	// Bad status parameters, unknown jobs.
	if resp, body := h.req(http.MethodGet, "/api/v1/jobs/"+id+"?after=x&wait=1", adminToken, nil); resp.StatusCode != 400 || !strings.Contains(body, "integers") {
		t.Errorf("status with after=x: %d %s, want 400", resp.StatusCode, body)
	}
	for _, path := range []string{"/api/v1/jobs/job_1_0042", "/api/v1/jobs/job_1_0042/kill"} {
		method := http.MethodGet
		if strings.HasSuffix(path, "/kill") {
			method = http.MethodPost
		}
		if resp, body := h.req(method, path, adminToken, nil); resp.StatusCode != 404 {
			t.Errorf("%s %s: %d %s, want 404", method, path, resp.StatusCode, body)
		}
	}
	out := h.plan("dup", 1, 0)
	h.submit(credA, out)
	if _, err := h.client(credA).Submit(context.Background(), out, nil); !api.IsStatus(err, http.StatusConflict) {
		t.Errorf("existing output: %v, want 409", err)
	}
}

func TestZebraAPI(t *testing.T) {
	f := newFixture(t, false)
	c := f.client(credA)
	ctx := context.Background()
	jobs, err := c.Jobs(ctx)
	if err != nil || len(jobs) != 2 || jobs[0].ID != f.running || jobs[1].ID != f.done {
		t.Fatalf("A's jobs: %v %+v", err, jobs)
	}
	var page []api.JobStatus
	f.getJSON("/api/v1/jobs?state=SUCCEEDED", credA, &page)
	if len(page) != 1 || page[0].ID != f.done {
		t.Errorf("state filter: %+v", page)
	}
	resp, _ := f.req(http.MethodGet, "/api/v1/jobs?limit=1&offset=1", credA, nil)
	if resp.Header.Get("X-Total-Count") != "2" {
		t.Errorf("X-Total-Count %q", resp.Header.Get("X-Total-Count"))
	}
	st, err := c.Status(ctx, f.done, -1, 0)
	if err != nil || st.State != api.StateSucceeded || st.MapsDone != 3 || st.ReducesDone != 1 {
		t.Fatalf("status: %v %+v", err, st)
	}
	start := time.Now()
	st2, err := c.Status(ctx, f.done, st.Version, 100*time.Millisecond)
	if err != nil || st2.Version != st.Version || time.Since(start) < 90*time.Millisecond {
		t.Errorf("long poll of an unchanged job: %v %+v after %v", err, st2, time.Since(start))
	}
	var as []api.AttemptInfo
	f.getJSON("/api/v1/jobs/"+f.done+"/attempts", credA, &as)
	if len(as) != 5 {
		t.Errorf("attempts: %+v", as)
	}
	var evs api.Events
	f.getJSON("/api/v1/jobs/"+f.done+"/events?from=1&n=2", credA, &evs)
	if evs.Total != 5 || len(evs.Events) != 2 || evs.Events[0].ID != 1 {
		t.Errorf("events: %+v", evs)
	}
	// Logs, through the worker's log server.
	var files []struct{ Name string }
	f.getJSON("/api/v1/jobs/"+f.done+"/attempts/"+f.succeeded+"/logs", credA, &files)
	if len(files) != 2 {
		t.Errorf("log files: %+v", files)
	}
	resp, body := f.req(http.MethodGet, "/api/v1/jobs/"+f.done+"/attempts/"+f.succeeded+"/logs/stderr?tail=10", credA, nil)
	if resp.StatusCode != 200 || len(body) != 10 || resp.Header.Get("X-Log-Size") == "" {
		t.Errorf("stderr tail: %d %q %v", resp.StatusCode, body, resp.Header)
	}
	resp, _ = f.req(http.MethodGet, "/api/v1/jobs/"+f.done+"/attempts/"+f.succeeded+"/logs/stderr?download=1", credA, nil)
	if !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("download: %v", resp.Header)
	}
	for _, p := range []string{"/logs/nope", "/logs/..%2Fx", "/logs/.hidden"} {
		if resp, _ := f.req(http.MethodGet, "/api/v1/jobs/"+f.done+"/attempts/"+f.succeeded+p, credA, nil); resp.StatusCode != 404 && resp.StatusCode != 400 && resp.StatusCode != 403 {
			t.Errorf("GET %s: %d", p, resp.StatusCode)
		}
	}
	if resp, _ := f.req(http.MethodGet, "/api/v1/jobs/"+f.done+"/attempts/attempt_x_0001_m_000000_0/logs", credA, nil); resp.StatusCode != 404 {
		t.Errorf("unknown attempt's logs: %d", resp.StatusCode)
	}
	// The live stream sends the progress at once.
	req, _ := http.NewRequest(http.MethodGet, f.srv.URL+"/api/v1/jobs/"+f.running+"/stream", nil)
	req.Header.Set("X-Auth-Token", credA)
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	sresp, err := http.DefaultClient.Do(req.WithContext(sctx))
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(sresp.Body)
	var data string
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			data = v
			break
		}
	}
	sresp.Body.Close()
	var pr Progress
	if err := json.Unmarshal([]byte(data), &pr); err != nil || pr.ID != f.running || pr.State != api.StateRunning || sresp.Header.Get("Content-Type") != "text/event-stream" {
		t.Errorf("stream: %v %q %+v", err, data, pr)
	}
	// Workers, then kill.
	var ws []map[string]any
	f.getJSON("/api/v1/cluster/workers", credA, &ws)
	if len(ws) != 1 {
		t.Errorf("workers: %v", ws)
	}
	if err := c.Kill(ctx, f.running); err != nil {
		t.Fatal(err)
	}
	f.w.stopKilled()
	f.waitState(f.running, api.StateKilled)
}

func TestHistoryAPI(t *testing.T) {
	f := newFixture(t, false)
	base := "/ws/v1/history/mapreduce/jobs"
	var jobs struct {
		Jobs struct{ Job []api.HSJob } `json:"jobs"`
	}
	f.getJSON(base, credA, &jobs)
	if len(jobs.Jobs.Job) != 2 {
		t.Fatalf("jobs: %+v", jobs)
	}
	f.getJSON(base+"?state=SUCCEEDED&user=claimed-user&limit=5", credA, &jobs)
	if len(jobs.Jobs.Job) != 1 || jobs.Jobs.Job[0].ID != f.done || jobs.Jobs.Job[0].MapsCompleted != 3 || jobs.Jobs.Job[0].Queue != "default" {
		t.Errorf("filtered jobs: %+v", jobs)
	}
	f.getJSON(base+"?queue=other", credA, &jobs)
	if len(jobs.Jobs.Job) != 0 {
		t.Errorf("another queue: %+v", jobs)
	}
	var raw map[string]map[string]any
	f.getJSON(base+"/"+f.done, credA, &raw)
	j := raw["job"]
	for _, k := range []string{"submitTime", "startTime", "finishTime", "id", "name", "queue", "user", "state", "mapsTotal", "mapsCompleted",
		"reducesTotal", "reducesCompleted", "uberized", "diagnostics", "avgMapTime", "avgReduceTime", "failedMapAttempts", "successfulMapAttempts", "acls"} {
		if _, ok := j[k]; !ok {
			t.Errorf("job has no %s: %v", k, j)
		}
	}
	if j["failedMapAttempts"] != 1.0 || j["state"] != "SUCCEEDED" {
		t.Errorf("job: %v", j)
	}
	var counters struct {
		JobCounters struct {
			ID     string               `json:"id"`
			Groups []api.HSCounterGroup `json:"counterGroup"`
		} `json:"jobCounters"`
	}
	f.getJSON(base+"/"+f.done+"/counters", credA, &counters)
	found := false
	for _, g := range counters.JobCounters.Groups {
		for _, c := range g.Counters {
			if g.Name == "org.apache.hadoop.mapreduce.TaskCounter" && c.Name == "MAP_INPUT_RECORDS" {
				found = c.Total == 30 && c.Map == 30 && c.Reduce == 0
			}
		}
	}
	if !found || counters.JobCounters.ID != f.done {
		t.Errorf("counters: %+v", counters)
	}
	var conf struct {
		Conf struct{ Property []api.HSProperty } `json:"conf"`
	}
	f.getJSON(base+"/"+f.done+"/conf", credA, &conf)
	for _, p := range conf.Conf.Property {
		if strings.Contains(p.Name, "password") && p.Value != "<redacted>" {
			t.Errorf("conf shows %s=%s", p.Name, p.Value)
		}
	}
	var tasks struct {
		Tasks struct{ Task []api.HSTask } `json:"tasks"`
	}
	f.getJSON(base+"/"+f.done+"/tasks", credA, &tasks)
	if len(tasks.Tasks.Task) != 4 || tasks.Tasks.Task[0].Type != "MAP" || tasks.Tasks.Task[3].Type != "REDUCE" {
		t.Fatalf("tasks: %+v", tasks)
	}
	t0 := tasks.Tasks.Task[0]
	if t0.State != "SUCCEEDED" || t0.Progress != 100 || t0.SuccessfulAttempt == "" || t0.Split == nil || !t0.DataLocal || t0.FinishTime < t0.StartTime {
		t.Errorf("task 0: %+v", t0)
	}
	resp, _ := f.req(http.MethodGet, base+"/"+f.done+"/tasks?type=m&offset=1&limit=1", credA, nil)
	if resp.Header.Get("X-Total-Count") != "3" {
		t.Errorf("map tasks total %q", resp.Header.Get("X-Total-Count"))
	}
	taskID := mapreduce.TaskOfAttempt(f.failed)
	var task struct{ Task api.HSTask }
	f.getJSON(base+"/"+f.done+"/tasks/"+taskID, credA, &task)
	if task.Task.ID != taskID || task.Task.Attempts != 2 {
		t.Errorf("task: %+v", task)
	}
	var atts struct {
		TaskAttempts struct{ TaskAttempt []api.HSAttempt } `json:"taskAttempts"`
	}
	f.getJSON(base+"/"+f.done+"/tasks/"+taskID+"/attempts", credA, &atts)
	if len(atts.TaskAttempts.TaskAttempt) != 2 || atts.TaskAttempts.TaskAttempt[0].State != "FAILED" || !strings.Contains(atts.TaskAttempts.TaskAttempt[0].Diagnostics, "code 137") {
		t.Errorf("attempts: %+v", atts)
	}
	var att struct{ TaskAttempt api.HSAttempt }
	f.getJSON(base+"/"+f.done+"/tasks/"+taskID+"/attempts/"+f.failed, credA, &att)
	if att.TaskAttempt.ID != f.failed || att.TaskAttempt.Type != "MAP" {
		t.Errorf("attempt: %+v", att)
	}
	// Hadoop's error shape.
	resp, body := f.req(http.MethodGet, base+"/job_nope_0001", credA, nil)
	if resp.StatusCode != 404 || !strings.Contains(body, `"RemoteException"`) || !strings.Contains(body, "NotFoundException") {
		t.Errorf("unknown job: %d %s", resp.StatusCode, body)
	}
	if resp, _ := f.req(http.MethodGet, base+"/"+f.done+"/tasks/task_nope_0001_m_000000", credA, nil); resp.StatusCode != 404 {
		t.Errorf("unknown task: %d", resp.StatusCode)
	}
	var info map[string]map[string]any
	f.getJSON("/ws/v1/history/info", credA, &info)
	if info["historyInfo"]["startedOn"] == nil {
		t.Errorf("info: %v", info)
	}
}

func TestMetrics(t *testing.T) {
	f := newFixture(t, false)
	if resp, _ := f.req(http.MethodGet, "/metrics", credA, nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a tenant reads the metrics: %d", resp.StatusCode)
	}
	resp, body := f.req(http.MethodGet, "/metrics", adminToken, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("metrics: %d %s", resp.StatusCode, body)
	}
	for _, want := range []string{`zebra_jobs{state="SUCCEEDED"} 1`, `zebra_jobs{state="RUNNING"} 2`, `zebra_tasks{state="RUNNING"} 3`,
		`zebra_attempts_total{kind="map",outcome="failed"} 1`, `zebra_attempts_total{kind="map",outcome="launched"} 6`,
		`zebra_shuffle_bytes_total 1000`, `zebra_data_local_ratio`, `zebra_workers 1`, `zebra_slots_used{kind="map"} 2`, `zebra_slots_used{kind="reduce"} 1`,
		`zebra_sandbox_boot_seconds_count 5`, `zebra_attempt_reports_total{state="FAILED"} 1`} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	for _, l := range strings.Split(body, "\n") {
		if l != "" && !strings.HasPrefix(l, "#") && !strings.HasPrefix(l, "zebra_") {
			t.Errorf("metric not named zebra_*: %s", l)
		}
	}
}

func TestPages(t *testing.T) {
	f := newFixture(t, false)
	task := mapreduce.TaskOfAttempt(f.failed)
	for path, want := range map[string][]string{
		"/ui/":                                         {"node-1", f.running, "Workers (1)"},
		"/ui/jobs":                                     {f.done, f.running, "wordcount"},
		"/ui/jobs?state=SUCCEEDED&sort=duration":       {f.done},
		"/ui/jobs/" + f.done:                           {"map-progress", "Map-Reduce Framework", "Map input records", "&lt;redacted&gt;", "zebra streaming -input in -mapper &#39;cat x&#39;", "<svg", "2 data-local, 2 remote", "Failed and killed attempts", `FAILED</span> <span class="kind">(user)</span>`},
		"/ui/jobs/" + f.running:                        {`data-live="/ui/jobs/` + f.running + `/stream"`, "Running attempts (", "Kill job", "RUNNING"},
		"/ui/jobs/" + f.done + "/tasks":                {"1–4 of 4", "swift://AUTH_alice/data/in/part-0:0&#43;100", task},
		"/ui/jobs/" + f.done + "/tasks?state=FAILED":   {"0 of 0"},
		"/ui/jobs/" + f.done + "/tasks?type=reduce":    {"1–1 of 1"},
		"/ui/jobs/" + f.done + "/tasks/" + task:        {f.failed, "2)"},
		"/ui/jobs/" + f.done + "/attempts/" + f.failed: {"137", "memory limit of 64.0 MiB exceeded", `<span id="attempt-kind" class="kind">(user)</span>`, "ZeroDivisionError", "input sha256 aaaa", "zebra replay " + f.failed, "Download the full stderr"},
		"/ui/jobs/" + f.done + "/timeline.svg":         {"<svg", "node-1", f.failed},
		"/ui/jobs/" + f.done + "/counters.svg":         {"<svg", "Map input records"},
		"/ui/jobs/" + f.running + "/kill":              {"Kill the job"},
	} {
		resp, body := f.req(http.MethodGet, path, adminToken, nil)
		if resp.StatusCode != 200 {
			t.Errorf("GET %s: %d %s", path, resp.StatusCode, body)
			continue
		}
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("GET %s lacks %q", path, w)
			}
		}
	}
	if resp, _ := f.req(http.MethodGet, "/ui/jobs/job_nope_0001", adminToken, nil); resp.StatusCode != 404 {
		t.Errorf("unknown job page: %d", resp.StatusCode)
	}
}

// login logs in through the form and returns the cookie and the CSRF
// token of the job page's kill form.
func login(t *testing.T, h *harness, cred string) *http.Cookie {
	t.Helper()
	resp, _ := h.req(http.MethodPost, "/ui/login", "", strings.NewReader(url.Values{"token": {cred}, "next": {"/ui/jobs"}}.Encode()),
		"Content-Type", "application/x-www-form-urlencoded")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/ui/jobs" {
		t.Fatalf("login: %d %v", resp.StatusCode, resp.Header)
	}
	for _, c := range resp.Cookies() {
		if c.Name == cookieName {
			if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode {
				t.Errorf("cookie %+v", c)
			}
			return c
		}
	}
	t.Fatal("login set no cookie")
	return nil
}

func TestLoginAndCSRF(t *testing.T) {
	f := newFixture(t, false)
	if resp, body := f.req(http.MethodPost, "/ui/login", "", strings.NewReader("token=wrong"), "Content-Type", "application/x-www-form-urlencoded"); resp.StatusCode != 401 || !strings.Contains(body, "not valid") {
		t.Errorf("wrong login: %d", resp.StatusCode)
	}
	// The one-time link zebra up prints logs in.
	resp, _ := redeem(t, f.harness, mintCode(t, f.harness, credA).Path)
	if resp.StatusCode != http.StatusSeeOther || sessionCookie(resp) == nil {
		t.Errorf("login link: %d", resp.StatusCode)
	}
	ck := login(t, f.harness, credA)
	cookie := cookieName + "=" + ck.Value
	_, page := f.req(http.MethodGet, "/ui/jobs/"+f.running+"/kill", "", nil, "Cookie", cookie)
	i := strings.Index(page, `name="csrf" value="`)
	if i < 0 {
		t.Fatalf("kill page has no CSRF token:\n%s", page)
	}
	csrf := page[i+len(`name="csrf" value="`):]
	csrf = csrf[:strings.IndexByte(csrf, '"')]
	form := "application/x-www-form-urlencoded"
	for _, c := range []struct {
		name, body, origin string
	}{{"no token", "", ""}, {"wrong token", "csrf=x", ""}, {"other site", "csrf=" + url.QueryEscape(csrf), "http://evil.example"}} {
		resp, _ := f.req(http.MethodPost, "/ui/jobs/"+f.running+"/kill", "", strings.NewReader(c.body), "Cookie", cookie, "Content-Type", form, "Origin", c.origin)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("kill with %s: %d, want 403", c.name, resp.StatusCode)
		}
	}
	// The session cookie authorizes the UI only: the API's kill ignores it.
	if resp, _ := f.req(http.MethodPost, "/api/v1/jobs/"+f.running+"/kill", "", nil, "Cookie", cookie); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("API kill by cookie: %d, want 401", resp.StatusCode)
	}
	if st, _ := f.tr.Status(f.running); st.State != api.StateRunning {
		t.Fatalf("the job was killed: %s", st.State)
	}
	resp, _ = f.req(http.MethodPost, "/ui/jobs/"+f.running+"/kill", "", strings.NewReader("csrf="+url.QueryEscape(csrf)), "Cookie", cookie, "Content-Type", form, "Origin", f.srv.URL)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("kill with the CSRF token: %d", resp.StatusCode)
	}
	f.w.stopKilled()
	f.waitState(f.running, api.StateKilled)
	// Log out clears the cookie.
	resp, _ = f.req(http.MethodPost, "/ui/logout", "", strings.NewReader("csrf="+url.QueryEscape(csrf)), "Cookie", cookie, "Content-Type", form)
	if resp.StatusCode != http.StatusSeeOther || len(resp.Cookies()) == 0 || resp.Cookies()[0].MaxAge >= 0 {
		t.Errorf("logout: %d %v", resp.StatusCode, resp.Cookies())
	}
}

// TestTenantJobsStayInTheirAccount: a job submitted with a Swift token may
// read and write only its own account's objects: local files (the
// worker's disk), HDFS and other accounts are refused with 403 and nothing
// is submitted; swift://container/… becomes the tenant's account. The
// cluster token is not confined.
func TestTenantJobsStayInTheirAccount(t *testing.T) {
	h := newHarness(t, false)
	for _, tc := range []struct {
		name string
		edit func(p *api.Plan)
		want string
	}{
		{"local input", func(p *api.Plan) { p.Splits[0].URI = "file:///etc/shadow" }, "input file:///etc/shadow: a job submitted with a Swift token may read and write only swift:// objects of its account AUTH_alice"},
		{"hdfs output", func(p *api.Plan) { p.Output = "hdfs://nn:8020/out" }, "output hdfs://nn:8020/out"},
		{"another account", func(p *api.Plan) { p.Splits[0].URI = "swift://AUTH_bob/data/in" }, "input swift://AUTH_bob/data/in is in the account AUTH_bob"},
		{"no sandbox", func(p *api.Plan) { p.Conf["zebra.sandbox"] = "none" }, "-D zebra.sandbox=none (plain, unisolated processes) needs the cluster token"},
	} {
		p := h.plan(tc.name, 1, 0)
		tc.edit(p)
		_, err := h.client(credA).Submit(context.Background(), p, nil)
		if !api.IsStatus(err, http.StatusForbidden) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want 403 with %q", tc.name, err, tc.want)
		}
	}
	if jobs, _ := h.client(adminToken).Jobs(context.Background()); len(jobs) != 0 {
		t.Errorf("refused submissions left jobs: %+v", jobs)
	}
	id := h.submit(credA, h.plan("own", 1, 0))
	if st, err := h.client(credA).Status(context.Background(), id, 0, 0); err != nil || !strings.HasPrefix(st.Output, "swift://AUTH_alice/data/") {
		t.Errorf("own job's output %q (%v), want it in swift://AUTH_alice/", st.Output, err)
	}
	p := h.plan("ops", 1, 0)
	p.Splits[0].URI = "file:///in/part-0"
	h.submit(adminToken, p)
}

// TestTenantZeroCloudPlans: a compiled ZeroCloud plan a tenant submits
// may fetch apps only from its own account; a bundle path that leaves the
// bundle is refused; instances without objects ("zerocloud:" splits) are
// fine.
func TestTenantZeroCloudPlans(t *testing.T) {
	h := newHarness(t, false)
	zc := func(app string, prog zerocloud.Program) *api.Plan {
		p := h.plan("zc", 1, 0)
		p.Kind = zerocloud.Kind
		p.Splits[0].URI = "zerocloud:map"
		if app != "" {
			prog = zerocloud.Program{Kind: zerocloud.ProgramSwift, Path: app}
		}
		p.Spec, _ = json.Marshal(zerocloud.Spec{Stages: []zerocloud.Stage{{Group: "map", Instances: []string{"map"}, Program: prog}}})
		return p
	}
	for _, tc := range []struct {
		name string
		p    *api.Plan
		want string
	}{
		{"foreign app", zc("swift://AUTH_bob/apps/x", zerocloud.Program{}), "app or image swift://AUTH_bob/apps/x is in the account AUTH_bob"},
		{"escaping bundle path", zc("", zerocloud.Program{Kind: zerocloud.ProgramBundle, Path: "../../token"}), `program "../../token"`},
	} {
		_, err := h.client(credA).Submit(context.Background(), tc.p, nil)
		if !api.IsStatus(err, http.StatusForbidden) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want 403 with %q", tc.name, err, tc.want)
		}
	}
	id := h.submit(credA, zc("swift://apps/mine.sh", zerocloud.Program{}))
	if st, err := h.client(credA).Status(context.Background(), id, 0, 0); err != nil || st.State == api.StateFailed {
		t.Errorf("own app: %+v %v", st, err)
	}
}
