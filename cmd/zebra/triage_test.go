package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"zebra/jobtracker/api"
)

// TestTriageAndUsageOnCluster runs jobs on a real local cluster whose
// workers run tasks in the native sandbox, and reads them back:
//
//   - a mapper that measures itself (its CPU time and VmHWM) and prints
//     them: its attempt's CPU time and peak memory, as the worker
//     measured them, are at least those (less a kernel rounding slack for
//     memory), within the job's -D zebra.sandbox.* limits, and the job's
//     counters carry CPU time spent (ms);
//   - a mapper that fails opening a file by its absolute path: the
//     attempt's triage line is Python's last stderr line as Python prints
//     it for the same script run here, with the directory shortened to
//     the task-relative name, and no string of the job's status names the
//     cluster's state directory (where the workers' data is).
func TestTriageAndUsageOnCluster(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("the cluster's workers run tasks in the native sandbox, which needs root here")
	}
	bin := buildZebra(t)
	jt, token, state := upWithToken(t, bin)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	work := t.TempDir()
	os.WriteFile(filepath.Join(work, "in.txt"), []byte("one\ntwo\n"), 0o644)
	burn := `import sys, time
sys.stdin.read()
b = bytearray(40 << 20)
for i in range(0, len(b), 4096):
    b[i] = 1
while time.process_time() < 0.3:
    pass
hwm = [l.split()[1] for l in open("/proc/self/status") if l.startswith("VmHWM:")][0]
print("%d\t%d" % (int(time.process_time() * 1000), int(hwm) * 1024))
`
	bad := `import os, sys
sys.stdin.read()
open(os.path.abspath("missing-table.tsv"))
`
	os.WriteFile(filepath.Join(work, "burn.py"), []byte(burn), 0o755)
	os.WriteFile(filepath.Join(work, "bad.py"), []byte(bad), 0o755)
	run := func(name, script string, extra ...string) error {
		args := append([]string{"streaming", "-D", "mapreduce.job.name=" + name, "-D", "mapreduce.map.maxattempts=1", "-D", "mapreduce.job.maps=1"}, extra...)
		args = append(args, "-input", filepath.Join(work, "in.txt"), "-output", filepath.Join(work, name), "-mapper", "python3 "+script,
			"-numReduceTasks", "0", "-file", filepath.Join(work, script))
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env = append(os.Environ(), "ZEBRA_JOBTRACKER="+jt, "ZEBRA_TOKEN="+token)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Logf("%s: %v\n%s", name, err, out)
		}
		return err
	}
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
	jobNamed := func(name string) api.JobStatus {
		t.Helper()
		var jobs []api.JobStatus
		get("/api/v1/jobs", &jobs)
		for _, j := range jobs {
			if j.Name == name {
				return j
			}
		}
		t.Fatalf("no job named %s", name)
		return api.JobStatus{}
	}

	// Usage.
	if err := run("burn", "burn.py", "-D", "zebra.sandbox.memory.mb=512", "-D", "zebra.sandbox.cpu.seconds=120"); err != nil {
		t.Fatalf("the measuring job failed: %v", err)
	}
	part, err := os.ReadFile(filepath.Join(work, "burn", "part-00000"))
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(part))
	if len(f) != 2 {
		t.Fatalf("the mapper printed %q", part)
	}
	selfCPU, _ := strconv.ParseInt(f[0], 10, 64)
	selfHWM, _ := strconv.ParseInt(f[1], 10, 64)
	st := jobNamed("burn")
	var as []api.AttemptInfo
	get("/api/v1/jobs/"+st.ID+"/attempts", &as)
	if len(as) != 1 {
		t.Fatalf("%d attempts, want 1", len(as))
	}
	a := as[0]
	const slack = 4 << 20 // the kernel's exit-time RSS is approximate
	if a.CPUMillis < selfCPU || a.PeakRSSBytes < selfHWM-slack || a.PeakRSSBytes < 40<<20 {
		t.Errorf("attempt used %d ms CPU, %d bytes peak; the mapper measured %d ms and VmHWM %d bytes of itself", a.CPUMillis, a.PeakRSSBytes, selfCPU, selfHWM)
	}
	if a.MemoryLimitBytes != 512<<20 || a.CPULimitMillis != 120000 {
		t.Errorf("attempt limits %d bytes, %d ms; want the job's 512 MiB and 120 s", a.MemoryLimitBytes, a.CPULimitMillis)
	}
	var page string
	get("/ui/jobs/"+st.ID+"/attempts/"+a.ID, &page)
	if !strings.Contains(page, `id="attempt-memory"`) || !strings.Contains(page, "of 512.0 MiB") {
		t.Errorf("the attempt page does not show the peak memory against the limit")
	}
	if cpu := st.Counters.Get("org.apache.hadoop.mapreduce.TaskCounter", "CPU time spent (ms)"); cpu != a.CPUMillis {
		t.Errorf("job counter CPU time spent (ms) %d, want the attempt's %d", cpu, a.CPUMillis)
	}

	// Triage. Python's own message for the same script run here, with
	// the directory it ran in taken off.
	local := t.TempDir()
	os.WriteFile(filepath.Join(local, "bad.py"), []byte(bad), 0o644)
	py := exec.CommandContext(ctx, "python3", "bad.py")
	py.Dir = local
	var pyErr bytes.Buffer
	py.Stdin, py.Stderr = strings.NewReader("x\n"), &pyErr
	if py.Run() == nil {
		t.Fatal("bad.py succeeded here")
	}
	lines := strings.Split(strings.TrimSpace(pyErr.String()), "\n")
	want := strings.ReplaceAll(lines[len(lines)-1], local+"/", "")
	if !strings.Contains(want, "'missing-table.tsv'") {
		t.Fatalf("python's message %q does not name the file as expected", want)
	}
	if run("bad", "bad.py") == nil {
		t.Fatal("the failing job succeeded")
	}
	st = jobNamed("bad")
	if st.State != api.StateFailed || st.Failure == nil {
		t.Fatalf("job %s, failure %+v", st.State, st.Failure)
	}
	if st.Failure.Triage != want {
		t.Errorf("triage line %q, want %q", st.Failure.Triage, want)
	}
	b, _ := json.Marshal(st)
	if bytes.Contains(b, []byte(state)) {
		t.Errorf("the job's status names the cluster's state directory %s: %s", state, b)
	}
	var list string
	get("/ui/jobs", &list)
	if !strings.Contains(list, "missing-table.tsv") {
		t.Errorf("the jobs list does not show the failure's triage line")
	}
}
