package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"zebra/jobtracker/api"
)

// TestLiveStatusAndProgressOnCluster runs, on a real local cluster, a job
// whose mapper prints a reporter:status: line and then waits for a go
// signal (a file the test creates): while it waits, the REST API, the
// JobHistory API, the tasks page and `zebra job -status` must show the
// status and a progress strictly between 0 and 100%; then the job
// finishes and the attempt keeps its status.
func TestLiveStatusAndProgressOnCluster(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("the cluster's workers run tasks in the native sandbox, which needs root here")
	}
	bin := buildZebra(t)
	jt, token, _ := upWithToken(t, bin)
	env := append(os.Environ(), "ZEBRA_JOBTRACKER="+jt, "ZEBRA_TOKEN="+token)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	work := t.TempDir()
	goSignal := filepath.Join(work, "go")
	const status = "waiting for the go signal: 1 of 2"
	input := "alpha\nbeta\ngamma\n"
	if err := os.WriteFile(filepath.Join(work, "in.txt"), []byte(input), 0o644); err != nil {
		t.Fatal(err)
	}
	mapper := fmt.Sprintf("#!/bin/sh\necho 'reporter:status:%s' >&2\nwhile [ ! -e %s ]; do sleep 0.05; done\nexec cat\n", status, goSignal)
	if err := os.WriteFile(filepath.Join(work, "wait.sh"), []byte(mapper), 0o755); err != nil {
		t.Fatal(err)
	}
	// zebra.sandbox=none: the mapper must see the test's go-signal file
	// (the native sandbox shows it no host directory of the test).
	job := exec.CommandContext(ctx, bin, "streaming", "-D", "mapreduce.job.maps=1", "-D", "mapreduce.job.reduces=1", "-D", "zebra.sandbox=none",
		"-input", filepath.Join(work, "in.txt"), "-output", filepath.Join(work, "out"),
		"-mapper", "wait.sh", "-reducer", "cat", "-file", filepath.Join(work, "wait.sh"))
	job.Env = env
	console := &syncBuffer{}
	job.Stdout, job.Stderr = console, console
	if err := job.Start(); err != nil {
		t.Fatal(err)
	}
	finished := make(chan error, 1)
	go func() { finished <- job.Wait() }()
	defer func() {
		if job.ProcessState == nil {
			os.WriteFile(goSignal, nil, 0o644) // let the job end on a failure
			<-finished
		}
	}()

	get := func(path string, into any) {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, jt+path, nil)
		req.Header.Set("X-Auth-Token", token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
		}
		if s, ok := into.(*string); ok {
			*s = string(b)
		} else if err := json.Unmarshal(b, into); err != nil {
			t.Fatalf("GET %s: %v\n%s", path, err, b)
		}
	}
	// wait polls the REST API until ok holds; it fails the test if the
	// job ends or the test's deadline passes first.
	wait := func(what string, ok func() bool) {
		t.Helper()
		for !ok() {
			select {
			case err := <-finished:
				t.Fatalf("the job ended (%v) before %s:\n%s", err, what, console.String())
			case <-ctx.Done():
				t.Fatalf("gave up waiting for %s:\n%s", what, console.String())
			case <-time.After(100 * time.Millisecond):
			}
		}
	}

	var id string
	wait("the job is listed", func() bool {
		var jobs []api.JobStatus
		get("/api/v1/jobs", &jobs)
		if len(jobs) > 0 {
			id = jobs[0].ID
		}
		return id != ""
	})
	var mapAttempt api.AttemptInfo
	wait("the map attempt's status and progress", func() bool {
		var as []api.AttemptInfo
		get("/api/v1/jobs/"+id+"/attempts", &as)
		for _, a := range as {
			if strings.Contains(a.ID, "_m_") && a.State == api.AttemptRunning && a.Status == status && a.Progress > 0 {
				mapAttempt = a
				return true
			}
		}
		return false
	})
	// The mapper has read its whole split (3 short lines): the map phase
	// is done, the sort is not (Hadoop's MapTask weighs them 0.667 and
	// 0.333), and the job's map progress is that of its one map.
	if p := mapAttempt.Progress; !(p > 0 && p < 1) {
		t.Errorf("running map attempt's progress %v, want strictly between 0 and 1", p)
	}
	var st api.JobStatus
	get("/api/v1/jobs/"+id, &st)
	if st.Maps != 1 {
		t.Fatalf("the job has %d maps, want 1 (mapreduce.job.maps=1 on a 3-line file)", st.Maps)
	}
	if st.State != api.StateRunning || !(st.MapProgress > 0 && st.MapProgress < 1) || st.MapsDone != 0 {
		t.Errorf("job while its map waits: state %s, map progress %v, maps done %d; want RUNNING, strictly between 0 and 1, 0",
			st.State, st.MapProgress, st.MapsDone)
	}

	// The JobHistory API: the attempt's status field, the task's progress.
	task := "task" + strings.TrimPrefix(mapAttempt.ID[:strings.LastIndexByte(mapAttempt.ID, '_')], "attempt")
	var hsAttempt struct {
		TaskAttempt api.HSAttempt `json:"taskAttempt"`
	}
	get("/ws/v1/history/mapreduce/jobs/"+id+"/tasks/"+task+"/attempts/"+mapAttempt.ID, &hsAttempt)
	if a := hsAttempt.TaskAttempt; a.Status != status || a.State != api.AttemptRunning || !(a.Progress > 0 && a.Progress < 100) {
		t.Errorf("JobHistory attempt: status %q state %s progress %v; want %q RUNNING, strictly between 0 and 100",
			a.Status, a.State, a.Progress, status)
	}
	// The tasks page shows the status.
	var page string
	get("/ui/jobs/"+id+"/tasks", &page)
	if !strings.Contains(page, status) {
		t.Errorf("the tasks page does not show the status %q", status)
	}
	// The client's console line moves with the running map: its map
	// phase done is 0.667 of it, "map 67%" as Hadoop rounds it.
	wait("the console's progress line", func() bool { return strings.Contains(console.String(), " map 67% reduce 0%") })

	// zebra job -status: map() completion as Hadoop's float, between 0
	// and 1.
	cmd := exec.CommandContext(ctx, bin, "job", "-status", id)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("job -status: %v\n%s", err, out)
	}
	var completion float64 = -1
	for _, l := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(l, "map() completion: "); ok {
			completion, _ = strconv.ParseFloat(v, 64)
		}
	}
	if !(completion > 0 && completion < 1) {
		t.Errorf("job -status of the waiting job: map() completion %v, want strictly between 0 and 1:\n%s", completion, out)
	}

	// The go signal: the job finishes.
	if err := os.WriteFile(goSignal, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := <-finished; err != nil {
		t.Fatalf("job: %v\n%s", err, console.String())
	}
	if c := console.String(); !strings.Contains(c, " map 100% reduce 100%") {
		t.Errorf("the console does not end at 100%%:\n%s", c)
	}
	var as []api.AttemptInfo
	get("/api/v1/jobs/"+id+"/attempts", &as)
	for _, a := range as {
		if a.ID == mapAttempt.ID && (a.State != api.AttemptSucceeded || a.Status != status || a.Progress != 1) {
			t.Errorf("finished map attempt: state %s status %q progress %v; want SUCCEEDED %q 1", a.State, a.Status, a.Progress, status)
		}
	}
}

// syncBuffer is a bytes.Buffer a command writes while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
