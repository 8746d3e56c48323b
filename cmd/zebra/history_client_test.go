package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"zebra/mapreduce/mrtest/suite"
)

// historyClientPackage is the stock JobHistory Server client the test
// drives: yarn-api-client's HistoryServer, from PyPI.
const historyClientPackage = "yarn-api-client==1.0.3"

// TestHistoryServerClient runs a job with two maps and a reduce whose
// first map attempt fails, and a job killed while its map runs, on a
// `zebra up --no-swift` cluster; then testdata/clients/history_client.py
// calls every method of yarn-api-client's HistoryServer (authenticating
// with HTTP Basic, as a requests auth object does) and checks every
// answer's shape against Hadoop's HistoryServerRest documentation. This
// test checks the values: attempt counts (the failed and the killed
// attempts), counters listed at zero, the reduce's phase times, the
// redacted configuration, and that `zebra job -status` shows the counters
// the console showed. Skipped under -short; needs root (the native
// sandbox).
func TestHistoryServerClient(t *testing.T) {
	suite.Require(t, suite.PyPI)
	if os.Geteuid() != 0 {
		t.Skip("cluster tasks run in the native sandbox, which needs root here")
	}
	bin := buildZebra(t)
	python := clientsVenv(t, historyClientPackage)
	cl := upCluster(t, bin, "--no-swift", "--workers", "2", "--slots", "2")
	env := append(os.Environ(), "ZEBRA_JOBTRACKER="+cl["ZEBRA_JOBTRACKER"], "ZEBRA_TOKEN="+cl["ZEBRA_TOKEN"])
	work := t.TempDir()
	in := filepath.Join(work, "in")
	os.MkdirAll(in, 0o755)
	lines := 0
	for i, text := range []string{"a b c\nd e\n", "f\ng h\ni\n"} {
		os.WriteFile(filepath.Join(in, fmt.Sprintf("part-%d.txt", i)), []byte(text), 0o644)
		lines += strings.Count(text, "\n")
	}
	// The first attempt of map 0 fails; the others copy their input.
	os.WriteFile(filepath.Join(work, "mapper.py"), []byte("import os, sys\n"+
		"if os.environ.get('mapreduce_task_attempt_id', '').endswith('_m_000000_0'):\n    sys.exit(3)\n"+
		"sys.stdout.write(sys.stdin.read())\n"), 0o644)
	os.WriteFile(filepath.Join(work, "sleeper.py"), []byte("import sys, time\nsys.stdin.read()\ntime.sleep(600)\n"), 0o644)
	streaming := func(args ...string) *exec.Cmd {
		cmd := exec.Command(bin, append([]string{"streaming"}, args...)...)
		cmd.Dir, cmd.Env = work, append(env, "ZEBRA_HOME="+filepath.Join(work, "home"))
		return cmd
	}
	jobID := regexp.MustCompile(`Running job: (job_\S+)`)

	cmd := streaming("-D", "fs.swift.service.x.password=conf-secret", "-files", filepath.Join(work, "mapper.py"),
		"-cmdenv", "SECRET_ENV=env-secret", "-input", in, "-output", filepath.Join(work, "out"),
		"-mapper", "python3 mapper.py", "-reducer", "cat", "-numReduceTasks", "1")
	console, err := cmd.CombinedOutput()
	m := jobID.FindSubmatch(console)
	if err != nil || m == nil {
		t.Fatalf("job: %v\n%s", err, console)
	}
	done := string(m[1])

	// The killed job: its map sleeps until the kill.
	var killedOut bytes.Buffer
	kcmd := streaming("-files", filepath.Join(work, "sleeper.py"), "-input", in, "-output", filepath.Join(work, "out2"),
		"-mapper", "python3 sleeper.py", "-numReduceTasks", "0")
	kcmd.Stdout, kcmd.Stderr = &killedOut, &killedOut
	if err := kcmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := ""
	for deadline := time.Now().Add(2 * time.Minute); killed == "" && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		var jobs struct {
			Jobs struct{ Job []struct{ ID, State string } }
		}
		if getBasic(t, cl, "/ws/v1/history/mapreduce/jobs?state=RUNNING", &jobs) != nil {
			continue
		}
		for _, j := range jobs.Jobs.Job {
			var tasks struct {
				Tasks struct{ Task []struct{ State string } }
			}
			if getBasic(t, cl, "/ws/v1/history/mapreduce/jobs/"+j.ID+"/tasks?state=RUNNING", &tasks) == nil && len(tasks.Tasks.Task) > 0 {
				killed = j.ID
			}
		}
	}
	if killed == "" {
		kcmd.Process.Kill()
		kcmd.Wait()
		t.Fatalf("the sleeping job's map never ran\n%s", killedOut.String())
	}
	kill := exec.Command(bin, "job", "-kill", killed)
	kill.Env = env
	if out, err := kill.CombinedOutput(); err != nil {
		t.Fatalf("zebra job -kill: %v\n%s", err, out)
	}
	kcmd.Wait()

	// Every HistoryServer method, shapes checked by the script.
	scripts, _ := filepath.Abs("testdata/clients")
	hc := exec.Command(python, filepath.Join(scripts, "history_client.py"), cl["ZEBRA_JOBTRACKER"], cl["ZEBRA_TOKEN"], done, killed)
	hc.Env = append(os.Environ(), "ZEBRA_TLS_CA="+cl["ZEBRA_TLS_CA"])
	var stderr bytes.Buffer
	hc.Stderr = &stderr
	out, err := hc.Output()
	if err != nil {
		t.Fatalf("history_client.py: %v\n%s\n%s", err, stderr.String(), out)
	}
	type attempt map[string]any
	type task struct {
		Type, State string
		Counters    map[string]map[string]int64
		Attempts    map[string]attempt
	}
	type jobRec struct {
		Job         map[string]any
		Jobattempts int
		Counters    map[string]map[string]int64
		Conf        map[string]string
		MapTasks    int `json:"map_tasks"`
		ReduceTasks int `json:"reduce_tasks"`
		Tasks       map[string]task
	}
	var res map[string]json.RawMessage
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("history_client.py output: %v\n%s", err, out)
	}
	rec := func(id string) jobRec {
		var r jobRec
		if err := json.Unmarshal(res[id], &r); err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		return r
	}
	var succeeded, killedList []string
	json.Unmarshal(res["succeeded"], &succeeded)
	json.Unmarshal(res["killed"], &killedList)
	if !slices.Contains(succeeded, done) || !slices.Contains(killedList, killed) || slices.Contains(succeeded, killed) {
		t.Errorf("state filters: SUCCEEDED %v, KILLED %v", succeeded, killedList)
	}
	var unknown string
	json.Unmarshal(res["unknown_job"], &unknown)
	if !strings.Contains(unknown, "404") || !strings.Contains(unknown, "NotFoundException") {
		t.Errorf("unknown job: %s", unknown)
	}

	d := rec(done)
	num := func(m map[string]any, k string) int64 { f, _ := m[k].(float64); return int64(f) }
	j := d.Job
	// The maps are as many as FileInputFormat's splits of the input
	// (mapreduce.job.maps=2 asks for two, tiny files may give more).
	maps := num(j, "mapsTotal")
	if j["state"] != "SUCCEEDED" || maps < 2 || num(j, "failedMapAttempts") != 1 || num(j, "successfulMapAttempts") != maps ||
		num(j, "successfulReduceAttempts") != 1 || num(j, "killedMapAttempts") != 0 || int64(d.MapTasks) != maps || d.ReduceTasks != 1 || d.Jobattempts != 1 {
		t.Errorf("job %s: %v (map tasks %d, reduce tasks %d)", done, j, d.MapTasks, d.ReduceTasks)
	}
	if s, st := num(j, "submitTime"), num(j, "startTime"); st == 0 || st < s || num(j, "finishTime") < st {
		t.Errorf("job times: submit %d start %d finish %d", s, st, num(j, "finishTime"))
	}
	if got := d.Counters["org.apache.hadoop.mapreduce.TaskCounter"]["MAP_INPUT_RECORDS"]; got != int64(lines) {
		t.Errorf("MAP_INPUT_RECORDS = %d, want %d", got, lines)
	}
	if _, ok := d.Counters["org.apache.hadoop.mapreduce.TaskCounter"]["COMBINE_INPUT_RECORDS"]; !ok {
		t.Errorf("zero counter COMBINE_INPUT_RECORDS dropped: %v", d.Counters)
	}
	if len(d.Counters["Shuffle Errors"]) != 6 {
		t.Errorf("Shuffle Errors group: %v", d.Counters["Shuffle Errors"])
	}
	if d.Conf["mapreduce.job.maps"] != fmt.Sprint(maps) || d.Conf["mapreduce.job.reduces"] != "1" || d.Conf["mapreduce.job.queuename"] != "default" ||
		d.Conf["mapreduce.task.timeout"] == "" {
		t.Errorf("conf lacks the plan's or the defaults' settings: maps %q reduces %q queue %q timeout %q", d.Conf["mapreduce.job.maps"],
			d.Conf["mapreduce.job.reduces"], d.Conf["mapreduce.job.queuename"], d.Conf["mapreduce.task.timeout"])
	}
	for k, v := range d.Conf {
		if strings.Contains(v, "conf-secret") || strings.Contains(v, "env-secret") {
			t.Errorf("conf shows a secret: %s=%s", k, v)
		}
	}
	if d.Conf["fs.swift.service.x.password"] != "<redacted>" || !strings.Contains(d.Conf["stream.addenvironment"], "SECRET_ENV=<redacted>") {
		t.Errorf("redaction: password %q, stream.addenvironment %q", d.Conf["fs.swift.service.x.password"], d.Conf["stream.addenvironment"])
	}
	reduces := 0
	for id, tk := range d.Tasks {
		for aid, a := range tk.Attempts {
			if !strings.Contains(fmt.Sprint(a["nodeHttpAddress"]), ":") {
				t.Errorf("%s: nodeHttpAddress %v has no port", aid, a["nodeHttpAddress"])
			}
			if tk.Type != "REDUCE" || a["state"] != "SUCCEEDED" {
				continue
			}
			reduces++
			start, shuffle, merge, finish := num(a, "startTime"), num(a, "shuffleFinishTime"), num(a, "mergeFinishTime"), num(a, "finishTime")
			if !(start > 0 && start <= shuffle && shuffle <= merge && merge <= finish) ||
				num(a, "elapsedShuffleTime")+num(a, "elapsedMergeTime")+num(a, "elapsedReduceTime") != finish-start {
				t.Errorf("reduce attempt %s phases: %v", aid, a)
			}
			if a["counters"] == nil || tk.Counters["org.apache.hadoop.mapreduce.TaskCounter"]["REDUCE_INPUT_RECORDS"] != int64(lines) {
				t.Errorf("reduce task %s counters: %v", id, tk.Counters)
			}
		}
	}
	if reduces != 1 {
		t.Errorf("%d successful reduce attempts seen", reduces)
	}

	k := rec(killed)
	if k.Job["state"] != "KILLED" || num(k.Job, "killedMapAttempts") < 1 {
		t.Errorf("killed job %s: %v", killed, k.Job)
	}

	// `zebra job -status` lists the counters the console listed.
	status := exec.Command(bin, "job", "-status", done)
	status.Env = env
	sout, err := status.CombinedOutput()
	if err != nil {
		t.Fatalf("zebra job -status: %v\n%s", err, sout)
	}
	if c, s := counterLines(string(console)), counterLines(string(sout)); len(c) == 0 || !slices.Equal(c, s) {
		t.Errorf("counters: console %q, -status %q", c, s)
	}
}

// counterLines are the name=value lines of the "Counters: N" dump in
// output, sorted, with N first.
func counterLines(output string) []string {
	i := strings.Index(output, "Counters: ")
	if i < 0 {
		return nil
	}
	var out []string
	for n, l := range strings.Split(output[i:], "\n") {
		if n == 0 {
			out = append(out, strings.TrimSpace(l[strings.Index(l, "Counters: "):]))
			continue
		}
		if !strings.HasPrefix(l, "\t") {
			break
		}
		if strings.HasPrefix(l, "\t\t") {
			out = append(out, strings.TrimSpace(l))
		}
	}
	slices.Sort(out[1:])
	return out
}

// getBasic GETs a path of the cluster's jobtracker with its token as HTTP
// Basic credentials and decodes the JSON answer.
func getBasic(t *testing.T, cl map[string]string, path string, out any) error {
	req, err := http.NewRequest(http.MethodGet, cl["ZEBRA_JOBTRACKER"]+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth("zebra", cl["ZEBRA_TOKEN"])
	client := http.DefaultClient
	if ca := cl["ZEBRA_TLS_CA"]; ca != "" {
		pem, err := os.ReadFile(ca)
		if err != nil {
			t.Fatal(err)
		}
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(pem)
		client = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}
