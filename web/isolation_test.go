package web

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"zebra/jobtracker/api"
	"zebra/mapreduce"
)

// jobRoutes lists every registered route naming a job, with its
// parameters filled in for job id (a task and an attempt of f.done).
func jobRoutes(t *testing.T, f *fixture, id string) [][2]string {
	var out [][2]string
	for _, r := range f.s.engine.Routes() {
		if !strings.Contains(r.Path, "/:id") {
			continue
		}
		p := strings.NewReplacer(":id", id, ":task", mapreduce.TaskOfAttempt(f.succeeded), ":attempt", f.succeeded, ":file", "stderr").Replace(r.Path)
		out = append(out, [2]string{r.Method, p})
	}
	if len(out) < 20 {
		t.Fatalf("only %d job routes: %v", len(out), out)
	}
	return out
}

func isLogs(path string) bool {
	return strings.Contains(path, "/logs") || isZeroCloudReply(path)
}

// isZeroCloudReply: the reply route of a ZeroCloud job reads its logs,
// and answers 404 "not a ZeroCloud job" for the fixture's jobs once the
// principal may read them.
func isZeroCloudReply(path string) bool { return strings.HasSuffix(path, "/zerocloud/reply") }

// TestTenantIsolation: another tenant can neither read nor kill a job
// through any route; the owner and the cluster token can.
func TestTenantIsolation(t *testing.T) {
	f := newFixture(t, false)
	for _, r := range jobRoutes(t, f, f.done) {
		method, path := r[0], r[1]
		if method != http.MethodGet {
			continue
		}
		if resp, body := f.req(method, path, credB, nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("B: %s %s: %d %.200s, want 404", method, path, resp.StatusCode, body)
		} else if strings.Contains(body, "claimed-user") || strings.Contains(body, "wordcount") {
			t.Errorf("B: %s %s leaks the job: %.200s", method, path, body)
		}
		for _, cred := range []string{credA, adminToken} {
			if isZeroCloudReply(path) {
				if resp, body := f.req(method, path, cred, nil); resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "is not a ZeroCloud job") {
					t.Errorf("%s: %s %s: %d %.200s, want 404 not a ZeroCloud job", cred, method, path, resp.StatusCode, body)
				}
				continue
			}
			if resp, body := f.req(method, path, cred, nil); resp.StatusCode != http.StatusOK {
				t.Errorf("%s: %s %s: %d %.200s, want 200", cred, method, path, resp.StatusCode, body)
			}
		}
	}
	// Kills by another tenant: through every route that kills.
	for _, r := range jobRoutes(t, f, f.running) {
		method, path := r[0], r[1]
		if method != http.MethodPost {
			continue
		}
		if resp, body := f.req(method, path, credB, strings.NewReader("")); resp.StatusCode != http.StatusNotFound {
			t.Errorf("B: %s %s: %d %s, want 404", method, path, resp.StatusCode, body)
		}
		if resp, _ := f.req(method, path, "", strings.NewReader("")); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("anonymous: %s %s: %d, want 401", method, path, resp.StatusCode)
		}
	}
	if st, _ := f.tr.Status(f.running); st.State != api.StateRunning {
		t.Fatalf("another tenant killed the job: %s", st.State)
	}
	// Lists show only the tenant's own jobs.
	for _, path := range []string{"/api/v1/jobs", "/ws/v1/history/mapreduce/jobs", "/ui/jobs", "/ui/"} {
		_, body := f.req(http.MethodGet, path, credB, nil)
		if strings.Contains(body, f.done) || strings.Contains(body, f.running) || !strings.Contains(body, f.other) {
			t.Errorf("B's %s shows A's jobs or not B's: %.300s", path, body)
		}
		_, body = f.req(http.MethodGet, path, adminToken, nil)
		if !strings.Contains(body, f.done) || !strings.Contains(body, f.other) {
			t.Errorf("the cluster's %s lacks jobs", path)
		}
	}
	// B's own job is B's; A cannot kill it; the cluster token can.
	if resp, _ := f.req(http.MethodPost, "/api/v1/jobs/"+f.other+"/kill", credA, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("A kills B's job: %d", resp.StatusCode)
	}
	if resp, body := f.req(http.MethodPost, "/api/v1/jobs/"+f.other+"/kill", adminToken, nil); resp.StatusCode != http.StatusOK {
		t.Errorf("the cluster kills B's job: %d %s", resp.StatusCode, body)
	}
	// The owner kills through the UI form (a header credential needs no
	// CSRF token: browsers cannot send one across sites).
	if resp, body := f.req(http.MethodPost, "/ui/jobs/"+f.running+"/kill", credA, nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("A kills its job from the UI: %d %s", resp.StatusCode, body)
	}
}

// TestPublicRead: with public read-only views, anyone reads every job
// but only the owner reads logs and kills.
func TestPublicRead(t *testing.T) {
	f := newFixture(t, true)
	for _, r := range jobRoutes(t, f, f.done) {
		method, path := r[0], r[1]
		if method != http.MethodGet {
			continue
		}
		want := http.StatusOK
		if isLogs(path) || strings.HasSuffix(path, "/kill") {
			want = http.StatusForbidden // logs and the kill form are the owner's
		}
		for _, cred := range []string{credB, ""} {
			if resp, body := f.req(method, path, cred, nil); resp.StatusCode != want {
				t.Errorf("%q: %s %s: %d %.200s, want %d", cred, method, path, resp.StatusCode, body, want)
			}
		}
	}
	for _, r := range jobRoutes(t, f, f.running) {
		method, path := r[0], r[1]
		if method != http.MethodPost {
			continue
		}
		if resp, _ := f.req(method, path, credB, nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("B: %s %s: %d, want 403", method, path, resp.StatusCode)
		}
		if resp, _ := f.req(method, path, "", nil); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("anonymous: %s %s: %d, want 401", method, path, resp.StatusCode)
		}
	}
	if st, _ := f.tr.Status(f.running); st.State != api.StateRunning {
		t.Fatalf("the job was killed: %s", st.State)
	}
	_, body := f.req(http.MethodGet, "/ui/jobs/"+f.done+"/attempts/"+f.failed, credB, nil)
	if !strings.Contains(body, "Logs are shown to the job's owner only") || strings.Contains(body, "ZeroDivisionError") {
		t.Errorf("B's attempt page shows the log")
	}
	_, body = f.req(http.MethodGet, "/ui/jobs/"+f.running, credB, nil)
	if strings.Contains(body, "Kill job") {
		t.Errorf("B's page of A's job offers a kill")
	}
	if resp, _ := f.req(http.MethodGet, "/metrics", "", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("public metrics: %d", resp.StatusCode)
	}
	if resp, _ := f.req(http.MethodPost, "/api/v1/jobs", "", strings.NewReader("")); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous submit: %d", resp.StatusCode)
	}
	if resp, _ := f.req(http.MethodGet, "/internal/v1/jobs/"+f.done+"/plan", "", nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("anonymous plan: %d", resp.StatusCode)
	}
}

// TestSecretsNotShown: a job's secrets — storage passwords and keys a
// tenant passes as -D, -jobconf or -cmdenv — are shown to nobody: not to
// other tenants and anonymous readers (with PublicRead), nor the owner,
// in the configuration table, the command line of the job page or the
// history server's configuration. Hadoop's own sensitive keys (such as
// Azure's fs.azure.account.key.ACCOUNT and Swift's
// fs.swift.service.NAME.apikey) are among them.
func TestSecretsNotShown(t *testing.T) {
	h := newHarness(t, true)
	p := h.plan("secrets", 1, 0)
	secrets := map[string]string{
		"fs.swift.service.x.password":                     "pw-conf",
		"fs.swift.service.x.apikey":                       "swift-apikey",
		"fs.azure.account.key.acct.blob.core.windows.net": "azure-key",
		"fs.s3a.secret.key":                               "s3-secret",
	}
	for k, v := range secrets {
		p.Conf[k] = v
	}
	p.Args = append(p.Args, "-D", "fs.swift.service.x.password=pw-arg", "-Dfs.s3a.secret.key=s3-arg",
		"-D", "fs.azure.account.key.acct.blob.core.windows.net=azure-arg", "-jobconf", "fs.swift.service.y.apikey=apikey-arg",
		"-cmdenv", "AWS_SECRET_ACCESS_KEY=aws-env", "-cmdenv", "OS_PASSWORD=os-env", "-D", "mapreduce.job.reduces=1")
	job := h.submit(credA, p)
	leaks := []string{"pw-conf", "swift-apikey", "azure-key", "s3-secret", "pw-arg", "s3-arg", "azure-arg", "apikey-arg", "aws-env", "os-env"}
	for _, cred := range []string{credA, credB, ""} {
		for _, path := range []string{"/ui/jobs/" + job, "/ws/v1/history/mapreduce/jobs/" + job + "/conf"} {
			resp, body := h.req(http.MethodGet, path, cred, nil)
			if resp.StatusCode != http.StatusOK {
				t.Errorf("%q: GET %s: %d", cred, path, resp.StatusCode)
				continue
			}
			for _, s := range leaks {
				if strings.Contains(body, s) {
					t.Errorf("%q: GET %s shows the secret %q", cred, path, s)
				}
			}
			// What is not secret is still shown.
			if strings.HasPrefix(path, "/ui/") && !strings.Contains(body, "mapreduce.job.reduces=1") {
				t.Errorf("%q: GET %s hides the ordinary setting mapreduce.job.reduces=1", cred, path)
			}
		}
	}
}

// TestPublicReadNoLogTail: with PublicRead, other tenants and anonymous
// readers see a failed job's state and error but not its log: the stderr
// tail the worker reported (the failing task's own output, which may
// print its data or secrets) is the owner's, like the log it comes from,
// on the job page, the attempt page, the API and the history server.
func TestPublicReadNoLogTail(t *testing.T) {
	h := newHarness(t, true)
	p := h.plan("fails", 1, 0)
	p.MaxMapAttempts = 1
	job := h.submit(credA, p)
	w := h.worker("node-1", 1)
	var failed string
	for deadline := time.Now().Add(20 * time.Second); failed == "" && time.Now().Before(deadline); {
		for _, a := range w.poll() {
			failed = a.Attempt
			w.done(a, api.AttemptFailed, "PipeMapRed.waitOutputThreads(): subprocess failed with code 1")
		}
	}
	if st := h.waitState(job, api.StateFailed); st.Failure == nil || !strings.Contains(st.Failure.StderrTail, "ZeroDivisionError") {
		t.Fatalf("the job's failure has no stderr tail to protect: %+v", st.Failure)
	}
	paths := []string{"/ui/jobs/" + job, "/ui/jobs/" + job + "/attempts/" + failed, "/api/v1/jobs/" + job,
		"/api/v1/jobs/" + job + "/events", "/ws/v1/history/mapreduce/jobs/" + job, "/api/v1/jobs",
		"/ws/v1/history/mapreduce/jobs/" + job + "/tasks/" + mapreduce.TaskOfAttempt(failed) + "/attempts"}
	for _, cred := range []string{credB, ""} {
		for _, path := range paths {
			resp, body := h.req(http.MethodGet, path, cred, nil)
			if resp.StatusCode != http.StatusOK {
				t.Errorf("%q: GET %s: %d", cred, path, resp.StatusCode)
			}
			if strings.Contains(body, "ZeroDivisionError") || strings.Contains(body, "m.py") {
				t.Errorf("%q: GET %s shows the owner's stderr tail", cred, path)
			}
		}
	}
	// The owner still sees it.
	for _, path := range paths[:3] {
		if _, body := h.req(http.MethodGet, path, credA, nil); !strings.Contains(body, "ZeroDivisionError") {
			t.Errorf("the owner's GET %s does not show the stderr tail", path)
		}
	}
}
