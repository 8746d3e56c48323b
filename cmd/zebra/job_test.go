package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"zebra/mapreduce/mrtest/zebratest"
)

// upWithToken starts `zebra up --no-swift` and returns the jobtracker's
// URL and the token it printed; the cluster is stopped at cleanup.
func upWithToken(t *testing.T, bin string) (jt, token, state string) {
	t.Helper()
	c := zebratest.Up(t, bin, "", "--no-swift", "--workers", "2", "--slots", "1")
	jt, token = c.JobTracker(), c.Token()
	if len(token) < 32 {
		t.Fatalf("zebra up printed %q", c.Stdout)
	}
	if !strings.Contains(c.Stderr, jt+"/ui/") {
		t.Errorf("zebra up does not print the UI's URL:\n%s", c.Stderr)
	}
	return jt, token, c.State
}

// TestJobCommandOnCluster runs jobs on a real local cluster and reads
// them back through the REST API, the UI and `zebra job`.
func TestJobCommandOnCluster(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("tasks run in the native sandbox, which needs root here")
	}
	bin := buildZebra(t)
	jt, token, state := upWithToken(t, bin)
	if fi, err := os.Stat(filepath.Join(state, "token")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("token file: %v %v", fi, err)
	}
	if b, _ := os.ReadFile(filepath.Join(state, "cluster.json")); bytes.Contains(b, []byte(token)) {
		t.Error("cluster.json holds the token")
	}
	get := func(path, tok string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, jt+path, nil)
		if tok != "" {
			req.Header.Set("X-Auth-Token", tok)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := get("/api/v1/jobs", ""); code != http.StatusUnauthorized {
		t.Errorf("no token: %d", code)
	}
	env := append(os.Environ(), "ZEBRA_JOBTRACKER="+jt, "ZEBRA_TOKEN="+token)
	// A job without the token is refused.
	work := t.TempDir()
	os.WriteFile(filepath.Join(work, "in.txt"), []byte("a b\nc d\ne f\n"), 0o644)
	os.WriteFile(filepath.Join(work, "fail.sh"), []byte("#!/bin/sh\necho boom-traceback >&2\nexit 3\n"), 0o755)
	streaming := func(env []string, args ...string) (string, error) {
		cmd := exec.Command(bin, append([]string{"streaming"}, args...)...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := streaming(append(os.Environ(), "ZEBRA_JOBTRACKER="+jt, "ZEBRA_TOKEN="), "-input", filepath.Join(work, "in.txt"),
		"-output", filepath.Join(work, "refused"), "-mapper", "cat", "-reducer", "cat"); err == nil {
		t.Errorf("a job without a token ran:\n%s", out)
	}
	if out, err := streaming(env, "-D", "mapreduce.job.reduces=1", "-input", filepath.Join(work, "in.txt"),
		"-output", filepath.Join(work, "out"), "-mapper", "cat", "-reducer", "cat"); err != nil {
		t.Fatalf("job: %v\n%s", err, out)
	}
	if out, err := streaming(env, "-D", "mapreduce.map.maxattempts=1", "-input", filepath.Join(work, "in.txt"),
		"-output", filepath.Join(work, "out2"), "-mapper", "fail.sh", "-reducer", "cat", "-file", filepath.Join(work, "fail.sh")); err == nil {
		t.Fatalf("the failing job succeeded:\n%s", out)
	}
	job := func(args ...string) (string, int) {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"job"}, args...)...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return string(out), code
	}
	out, _ := job("-list", "all")
	if !strings.HasPrefix(out, "Total jobs:2\n") || !strings.Contains(out, "JobId") {
		t.Fatalf("-list all:\n%s", out)
	}
	var ids []string
	for _, l := range strings.Split(out, "\n")[2:] {
		if f := strings.Fields(l); len(f) > 0 {
			ids = append(ids, f[0])
		}
	}
	if len(ids) != 2 {
		t.Fatalf("-list all lists %v", ids)
	}
	failed, ok := ids[0], ids[1] // newest first
	if out, _ := job("-list"); !strings.HasPrefix(out, "Total jobs:0\n") {
		t.Errorf("-list (running jobs only):\n%s", out)
	}

	// The REST API.
	code, body := get("/ws/v1/history/mapreduce/jobs/"+ok, token)
	var hj struct {
		Job struct {
			ID, State                      string
			MapsTotal, MapsCompleted       int
			ReducesTotal, ReducesCompleted int
		} `json:"job"`
	}
	if code != 200 || json.Unmarshal([]byte(body), &hj) != nil || hj.Job.State != "SUCCEEDED" || hj.Job.MapsCompleted != hj.Job.MapsTotal || hj.Job.ReducesCompleted != 1 {
		t.Errorf("history job: %d %s", code, body)
	}
	code, body = get("/ws/v1/history/mapreduce/jobs/"+ok+"/counters", token)
	if code != 200 || !strings.Contains(body, `"name":"MAP_INPUT_RECORDS"`) {
		t.Errorf("counters: %d %s", code, body)
	}
	code, body = get("/ws/v1/history/mapreduce/jobs/"+ok+"/tasks", token)
	if code != 200 || !strings.Contains(body, `"type":"REDUCE"`) || !strings.Contains(body, "in.txt") {
		t.Errorf("tasks: %d %s", code, body)
	}
	if code, body := get("/ui/jobs/"+ok, token); code != 200 || !strings.Contains(body, "Map input records") {
		t.Errorf("job page: %d", code)
	}
	if code, body := get("/metrics", token); code != 200 || !strings.Contains(body, `zebra_jobs{state="SUCCEEDED"} 1`) || !strings.Contains(body, `zebra_workers 2`) {
		t.Errorf("metrics: %d %s", code, body)
	}

	// zebra job.
	out, code = job("-status", ok)
	for _, want := range []string{"\nJob: " + ok + "\n", "Number of maps: ", "Number of reduces: 1\n", "map() completion: 1.0\n",
		"reduce() completion: 1.0\n", "Job state: SUCCEEDED\n", "Counters: ", "\tMap-Reduce Framework\n", "\t\tMap input records=3\n", "Job Counters"} {
		if !strings.Contains(out, want) {
			t.Errorf("-status lacks %q:\n%s", want, out)
		}
	}
	if code != 0 {
		t.Errorf("-status exit %d", code)
	}
	for _, args := range [][]string{{"org.apache.hadoop.mapreduce.TaskCounter", "MAP_INPUT_RECORDS"}, {"Map-Reduce Framework", "Map input records"},
		{"org.apache.hadoop.mapreduce.TaskCounter", "REDUCE_OUTPUT_RECORDS"}} {
		if out, _ := job(append([]string{"-counter", ok}, args...)...); out != "3\n" {
			t.Errorf("-counter %v: %q", args, out)
		}
	}
	if out, code := job("-kill", ok); code == 0 || !strings.Contains(out, "Could not kill the job "+ok+", as it has already succeeded.") {
		t.Errorf("-kill of a finished job: %d %s", code, out)
	}
	if out, code := job("-status", "job_nope_0001"); code == 0 || !strings.Contains(out, "Could not find job job_nope_0001") {
		t.Errorf("-status of an unknown job: %d %s", code, out)
	}
	out, _ = job("-status", failed)
	if !strings.Contains(out, "Job state: FAILED") || !strings.Contains(out, "failed 1 times") {
		t.Errorf("-status of the failed job:\n%s", out)
	}
	out, _ = job("-events", failed, "0", "10")
	if !strings.Contains(out, "Task completion events for "+failed) || !strings.Contains(out, "FAILED attempt_") {
		t.Errorf("-events:\n%s", out)
	}
	out, _ = job("-history", ok)
	for _, want := range []string{"Hadoop job: " + ok, "Status: SUCCEEDED", "Task Summary", "Map\t", "Reduce\t1\t1\t0\t0", "Average time taken by map tasks"} {
		if !strings.Contains(out, want) {
			t.Errorf("-history lacks %q:\n%s", want, out)
		}
	}
	out, _ = job("-history", "all", failed)
	if !strings.Contains(out, "FAILED MAP task list for "+failed) || !strings.Contains(out, "subprocess failed with code 3") {
		t.Errorf("-history all of the failed job:\n%s", out)
	}
	out, _ = job("-logs", failed)
	if !strings.Contains(out, "LogType:stderr") || !strings.Contains(out, "boom-traceback") || !strings.Contains(out, "End of LogType:stderr") {
		t.Errorf("-logs:\n%s", out)
	}
	// The tasks do not see the cluster token.
	if b, _ := os.ReadFile(filepath.Join(state, "worker-1.log")); bytes.Contains(b, []byte(token)) {
		t.Error("a worker logged the token")
	}
}
