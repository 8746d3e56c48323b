package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ncw/swift/v2"

	"zebra/jobtracker/api"
	"zebra/swiftfs/aio"

	"zebra/mapreduce/mrtest/suite"
	"zebra/mapreduce/mrtest/zebratest"
)

// The chaos tests start a real local cluster (`zebra up --no-swift`: a
// jobtracker and three worker processes), run a streaming job on it, and
// kill -9 a worker during the maps, a worker during the reduces, or the
// jobtracker (then restart it) while the job runs. The job must end with
// exactly the output the local runner gives; nothing may hang and no
// process may be left behind after `zebra down`.
//
//	ZEBRA_CHAOS_TRIALS=n   trials to run (default 3: one of each kind; 20 for a stress run)

const (
	chaosMapper  = "#!/bin/sh\nsleep 1\ntr -s ' ' '\\n' | awk 'NF { print $0 \"\\t1\" }'\n"
	chaosReducer = "#!/bin/sh\nsleep 2\nawk -F '\\t' '$1 != k { if (n) print k \"\\t\" s; k = $1; s = 0; n = 1 } { s += $2 } END { if (n) print k \"\\t\" s }'\n"
)

// buildZebra builds the zebra binary for a test of the cluster suite.
func buildZebra(t *testing.T) string {
	t.Helper()
	suite.Require(t, suite.Cluster)
	return zebratest.Build(t)
}

// chaosJob writes the job's scripts and input into dir and returns the
// streaming arguments (without -output).
func chaosJob(t *testing.T, dir string) []string {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, 11))
	words := strings.Fields("zebra swift object replica shuffle arrow map reduce partition merge sort spill commit attempt worker tracker")
	in := filepath.Join(dir, "in")
	os.MkdirAll(in, 0o755)
	for f := 0; f < 6; f++ {
		var b bytes.Buffer
		for b.Len() < 200<<10 {
			for i := 0; i < 12; i++ {
				b.WriteString(words[rng.IntN(len(words))] + strconv.Itoa(rng.IntN(50)) + " ")
			}
			b.WriteString("\n")
		}
		os.WriteFile(filepath.Join(in, fmt.Sprintf("part-%d.txt", f)), b.Bytes(), 0o644)
	}
	os.WriteFile(filepath.Join(dir, "m.sh"), []byte(chaosMapper), 0o755)
	os.WriteFile(filepath.Join(dir, "r.sh"), []byte(chaosReducer), 0o755)
	return []string{"-D", "zebra.splits=hadoop", "-D", "mapreduce.job.reduces=3", "-input", in,
		"-mapper", "m.sh", "-reducer", "r.sh", "-file", filepath.Join(dir, "m.sh"), "-file", filepath.Join(dir, "r.sh")}
}

// readTree returns every file under dir by relative path.
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			b, _ := os.ReadFile(p)
			rel, _ := filepath.Rel(dir, p)
			out[rel] = string(b)
		}
		return nil
	})
	return out
}

func sameTree(t *testing.T, want, got map[string]string) {
	t.Helper()
	for name, w := range want {
		if g, ok := got[name]; !ok {
			t.Errorf("output file %s missing", name)
		} else if g != w {
			t.Errorf("output file %s differs (%d bytes, want %d)", name, len(g), len(w))
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("unexpected output file %s", name)
		}
	}
}

type chaosCluster struct {
	t     *testing.T
	bin   string
	state string
	jt    *api.Client
}

func startChaosCluster(t *testing.T, bin string) *chaosCluster {
	state := filepath.Join(t.TempDir(), "cluster")
	cmd := exec.Command(bin, "up", "--no-swift", "--workers", "3", "--slots", "1", "--state", state,
		"--worker-expiry", "2s", "--fetch-timeout", "3s")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("zebra up: %v\n%s", err, stderr.Bytes())
	}
	var jt string
	for _, l := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(l, "export ZEBRA_JOBTRACKER="); ok {
			jt = v
		}
		if v, ok := strings.CutPrefix(l, "export ZEBRA_TOKEN="); ok {
			t.Setenv("ZEBRA_TOKEN", v)
		}
	}
	c, err := api.NewClient(jt)
	if err != nil {
		t.Fatalf("zebra up printed %q: %v", out, err)
	}
	cc := &chaosCluster{t: t, bin: bin, state: state, jt: c}
	t.Cleanup(cc.down)
	return cc
}

// down stops the cluster and checks that no process of it is left.
func (c *chaosCluster) down() {
	out, err := exec.Command(c.bin, "down", "--state", c.state).CombinedOutput()
	if err != nil {
		c.t.Errorf("zebra down: %v\n%s", err, out)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		left := zebratest.ProcessesMentioning(c.state)
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			c.t.Errorf("processes left after zebra down: %v", left)
			for _, p := range left {
				syscall.Kill(p, syscall.SIGKILL)
			}
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// restart kills daemon name with SIGKILL, waits pause, and starts it again
// with the same command line (a jobtracker on the same address), updating
// the cluster state so that `zebra down` stops the new process.
func (c *chaosCluster) restart(name string, pause time.Duration) {
	st, err := readClusterState(c.state)
	if err != nil {
		c.t.Fatal(err)
	}
	for i, d := range st.Daemons {
		if d.Name != name {
			continue
		}
		raw, err := os.ReadFile("/proc/" + strconv.Itoa(d.PID) + "/cmdline")
		if err != nil {
			c.t.Fatalf("%s (pid %d) is not running: %v", name, d.PID, err)
		}
		args := strings.Split(strings.TrimRight(string(raw), "\x00"), "\x00")[1:]
		if args[0] == "jobtracker" {
			u, _ := url.Parse(c.jt.URL())
			for j := range args {
				if args[j] == "--listen" {
					args[j+1] = u.Host
				}
			}
		}
		syscall.Kill(d.PID, syscall.SIGKILL)
		for alive(d.PID) {
			time.Sleep(10 * time.Millisecond)
		}
		c.t.Logf("killed %s (pid %d) with SIGKILL", name, d.PID)
		time.Sleep(pause)
		nd, err := spawn(c.bin, c.state, nil, name, args...)
		if err != nil {
			c.t.Fatal(err)
		}
		st.Daemons[i] = nd
		if err := writeClusterState(c.state, st); err != nil {
			c.t.Fatal(err)
		}
		return
	}
	c.t.Fatalf("no daemon %s", name)
}

// waitFor polls the newest job until cond holds.
func (c *chaosCluster) waitFor(what string, cond func(api.JobStatus) bool) {
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		jobs, err := c.jt.Jobs(context.Background())
		if err == nil && len(jobs) > 0 && cond(jobs[0]) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	c.t.Fatalf("timed out waiting for %s", what)
}

func TestChaos(t *testing.T) {
	suite.Require(t, suite.Chaos)
	if os.Geteuid() != 0 {
		t.Skip("the chaos test runs tasks in the native sandbox, which needs root here")
	}
	trials := 3
	if v := os.Getenv("ZEBRA_CHAOS_TRIALS"); v != "" {
		trials, _ = strconv.Atoi(v)
	}
	bin := buildZebra(t)
	work := t.TempDir()
	args := chaosJob(t, work)

	// The reference: the same job on the local runner.
	ref := exec.Command(bin, append([]string{"streaming"}, append(args, "-output", filepath.Join(work, "ref"))...)...)
	ref.Env = append(os.Environ(), "ZEBRA_JOBTRACKER=")
	if out, err := ref.CombinedOutput(); err != nil {
		t.Fatalf("local reference run: %v\n%s", err, out)
	}
	want := readTree(t, filepath.Join(work, "ref"))
	if len(want) < 4 {
		t.Fatalf("reference output has only %v", want)
	}

	c := startChaosCluster(t, bin)
	kinds := []string{"map", "reduce", "jobtracker"}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 3))
	for i := 0; i < trials; i++ {
		kind := kinds[i%len(kinds)]
		victim := fmt.Sprintf("worker-%d", 1+rng.IntN(3))
		t.Run(fmt.Sprintf("%02d-%s", i, kind), func(t *testing.T) {
			c.t = t
			out := filepath.Join(work, fmt.Sprintf("out-%d", i))
			ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
			defer cancel()
			job := exec.CommandContext(ctx, bin, append([]string{"streaming"}, append(args, "-output", out)...)...)
			job.Env = append(os.Environ(), "ZEBRA_JOBTRACKER="+c.jt.URL())
			var console bytes.Buffer
			job.Stdout, job.Stderr = &console, &console
			if err := job.Start(); err != nil {
				t.Fatal(err)
			}
			// Wait for this trial's job to be the newest and running.
			c.waitFor("the job to start", func(s api.JobStatus) bool {
				return s.State == api.StateRunning && s.Output == "file:"+out
			})
			switch kind {
			case "map":
				c.waitFor("a map to finish", func(s api.JobStatus) bool { return s.MapsDone >= 1 })
				c.restart(victim, 0)
			case "reduce":
				c.waitFor("the maps to finish", func(s api.JobStatus) bool { return s.MapsDone == s.Maps })
				time.Sleep(500 * time.Millisecond) // reducers are fetching or reducing
				c.restart(victim, 0)
			case "jobtracker":
				c.waitFor("a map to finish", func(s api.JobStatus) bool { return s.MapsDone >= 1 })
				c.restart("jobtracker", time.Second)
			}
			err := job.Wait()
			if ctx.Err() != nil {
				t.Fatalf("the job hung (killed after 4 minutes); console:\n%s", console.Bytes())
			}
			if err != nil {
				t.Fatalf("the job failed after the %s kill: %v; console:\n%s", kind, err, console.Bytes())
			}
			sameTree(t, want, readTree(t, out))
			if t.Failed() {
				t.Logf("console:\n%s", console.Bytes())
			}
		})
		if t.Failed() {
			break
		}
	}
	c.t = t
}

// TestSubmitToDownJobTracker: a jobtracker that does not answer is a
// clear error and a non-zero exit, with nothing written.
func TestSubmitToDownJobTracker(t *testing.T) {
	bin := buildZebra(t)
	work := t.TempDir()
	os.WriteFile(filepath.Join(work, "in.txt"), []byte("a b\n"), 0o644)
	out := filepath.Join(work, "out")
	cmd := exec.Command(bin, "streaming", "-input", filepath.Join(work, "in.txt"), "-output", out, "-mapper", "cat", "-reducer", "cat")
	cmd.Env = append(os.Environ(), "ZEBRA_JOBTRACKER=http://127.0.0.1:1")
	console, err := cmd.CombinedOutput()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() == 0 {
		t.Fatalf("want a non-zero exit, got %v\n%s", err, console)
	}
	if !strings.Contains(string(console), "cannot reach the jobtracker at http://127.0.0.1:1") || !strings.Contains(string(console), "zebra up") {
		t.Errorf("console does not say the jobtracker is down and what to do:\n%s", console)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("an output directory was created")
	}
}

// TestKillAndBackground: -background returns once the job is accepted; a
// job killed through the API ends KILLED with nothing committed, and the
// workers drop its instances.
func TestKillAndBackground(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("tasks run in the native sandbox, which needs root here")
	}
	bin := buildZebra(t)
	work := t.TempDir()
	os.WriteFile(filepath.Join(work, "in.txt"), []byte("a b\nc d\n"), 0o644)
	c := startChaosCluster(t, bin)
	out := filepath.Join(work, "out")
	cmd := exec.Command(bin, "streaming", "-background", "-input", filepath.Join(work, "in.txt"), "-output", out,
		"-mapper", "sleep 600", "-reducer", "cat")
	cmd.Env = append(os.Environ(), "ZEBRA_JOBTRACKER="+c.jt.URL())
	console, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("-background: %v\n%s", err, console)
	}
	if !strings.Contains(string(console), "Job is running in background.") {
		t.Errorf("-background console:\n%s", console)
	}
	c.waitFor("the map to start", func(s api.JobStatus) bool { return s.State == api.StateRunning })
	jobs, _ := c.jt.Jobs(context.Background())
	id := jobs[0].ID
	deadline := time.Now().Add(time.Minute)
	for len(zebratest.ProcessesMentioning("sleep 600")) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if err := c.jt.Kill(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	c.waitFor("the job to be KILLED", func(s api.JobStatus) bool { return s.ID == id && s.State == api.StateKilled })
	// The instance goes away and the output holds nothing.
	deadline = time.Now().Add(30 * time.Second)
	for {
		left := zebratest.ProcessesMentioning("sleep 600")
		_, terr := os.Stat(filepath.Join(out, "_temporary"))
		if len(left) == 0 && terr != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after kill: instances %v still running, _temporary present: %v", left, terr == nil)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if tree := readTree(t, out); len(tree) != 0 {
		t.Errorf("a killed job left files: %v", tree)
	}
}

// TestUpTwice: a second `zebra up` on a running cluster starts nothing and
// prints the same exports; `zebra down` then stops everything.
func TestUpTwice(t *testing.T) {
	bin := buildZebra(t)
	c := startChaosCluster(t, bin)
	before := zebratest.ProcessesMentioning(c.state)
	out, err := exec.Command(bin, "up", "--no-swift", "--workers", "3", "--state", c.state).Output()
	if err != nil {
		t.Fatalf("second zebra up: %v", err)
	}
	if !strings.Contains(string(out), "export ZEBRA_JOBTRACKER="+c.jt.URL()) {
		t.Errorf("second zebra up printed %q, want the running cluster's exports", out)
	}
	if after := zebratest.ProcessesMentioning(c.state); len(after) != len(before) {
		t.Errorf("second zebra up changed the processes: %v → %v", before, after)
	}
}

// TestSwiftCluster: `zebra up` with its real Swift all-in-one; a job reads
// its input objects on the workers beside their replicas (all maps
// data-local, no input byte through the proxy), writes its output as
// objects, and gets the same bytes as the local runner on the same input;
// so does the job with -D zebra.locality=off, reading everything through
// the proxy; also when an object server dies mid-job; bad input fails
// cleanly; jobs run across stores with the HDFS `zebra up --hdfs` starts
// beside it; and a job over a static large object of more than 5 GiB
// (testSwiftSLO).
func TestSwiftCluster(t *testing.T) {
	bin := buildZebra(t)
	work := t.TempDir()
	args := chaosJob(t, work)
	env, conn := swiftUp(t, bin, "--hdfs")
	state := env["ZEBRA_CLUSTER"]
	ctx := context.Background()
	if err := conn.ContainerCreate(ctx, "data", nil); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(work, "in", "*"))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		if err := conn.ObjectPutBytes(ctx, "data", "in/"+filepath.Base(f), b, "text/plain"); err != nil {
			t.Fatal(err)
		}
	}
	ref := exec.Command(bin, append([]string{"streaming"}, append(args, "-output", filepath.Join(work, "ref"))...)...)
	ref.Env = append(os.Environ(), "ZEBRA_JOBTRACKER=")
	if out, err := ref.CombinedOutput(); err != nil {
		t.Fatalf("local reference run: %v\n%s", err, out)
	}
	swiftArgs := slices.Clone(args)
	for i := range swiftArgs {
		if i > 0 && swiftArgs[i-1] == "-input" {
			swiftArgs[i] = "swift://data/in"
		}
	}
	runJob := func(output string, extra ...string) *exec.Cmd {
		// extra: generic options (-D), which go first.
		job := exec.Command(bin, append(append([]string{"streaming"}, extra...), append(slices.Clone(swiftArgs), "-output", output)...)...)
		job.Env = os.Environ()
		for k, v := range env {
			job.Env = append(job.Env, k+"="+v)
		}
		return job
	}
	proxy := proxyLog(filepath.Join(state, "swift", "log", "proxy.log"))
	inputs := accountPath(t, conn) + "/data/in/"
	mark := proxy.mark(t)
	console, err := runJob("swift://data/out").CombinedOutput()
	if err != nil {
		t.Fatalf("the Swift job failed: %v\n%s", err, console)
	}
	if want := fmt.Sprintf("Data-local map tasks=%d", len(files)); !strings.Contains(string(console), want) {
		t.Errorf("console lacks %q (every map beside a replica):\n%s", want, console)
	}
	// Every map read its replica from its own object server, none through
	// the proxy.
	if n, reqs := proxy.getBytes(t, mark, inputs); n != 0 || reqs != 0 {
		t.Errorf("the proxy served %d GETs (%d bytes) of the input to a job with every map beside a replica", reqs, n)
	}
	want := readTree(t, filepath.Join(work, "ref"))
	// Swift keeps no .crc files; everything else must match.
	for name := range want {
		if strings.HasSuffix(name, ".crc") {
			delete(want, name)
		}
	}
	sameTree(t, want, swiftTree(t, conn, "data", "out/"))

	// -D zebra.locality=off: no replica hints, every read through the
	// proxy; the same output.
	mark = proxy.mark(t)
	console, err = runJob("swift://data/out-far", "-D", "zebra.locality=off").CombinedOutput()
	if err != nil {
		t.Fatalf("the Swift job with locality off failed: %v\n%s", err, console)
	}
	if dl, other := counter(console, "Data-local map tasks"), counter(console, "Other local map tasks"); dl > 0 || other != int64(len(files)) {
		t.Errorf("locality off: Data-local map tasks=%d, Other local map tasks=%d; want none and %d:\n%s", dl, other, len(files), console)
	}
	var inBytes int64
	for _, f := range files {
		fi, _ := os.Stat(f)
		inBytes += fi.Size()
	}
	if n, _ := proxy.getBytes(t, mark, inputs); n < inBytes {
		t.Errorf("locality off: the proxy sent %d bytes of the input, want at least all %d", n, inBytes)
	}
	sameTree(t, want, swiftTree(t, conn, "data", "out-far/"))

	// An object server dies while the job runs: the same output.
	sc, err := aio.Running(filepath.Join(state, "swift"))
	if err != nil {
		t.Fatal(err)
	}
	job := runJob("swift://data/out2")
	var buf bytes.Buffer
	job.Stdout, job.Stderr = &buf, &buf
	if err := job.Start(); err != nil {
		t.Fatal(err)
	}
	jt, _ := api.NewClient(env["ZEBRA_JOBTRACKER"])
	jt.Token = env["ZEBRA_TOKEN"]
	cc := &chaosCluster{t: t, jt: jt}
	cc.waitFor("the job to run", func(s api.JobStatus) bool { return s.State == api.StateRunning && s.Output == "swift://data/out2" })
	victim := "object-2"
	syscall.Kill(sc.PIDs[victim], syscall.SIGKILL)
	t.Logf("killed Swift %s (pid %d) mid-job", victim, sc.PIDs[victim])
	if err := job.Wait(); err != nil {
		t.Fatalf("the job failed after an object server died: %v\n%s", err, buf.Bytes())
	}
	// The dead server's container updates never happened, so one container
	// replica misses the objects written after the kill until replication
	// runs (as it would on a real cluster): restart it and replicate once.
	sc, err = aio.Start(ctx, filepath.Join(state, "swift"))
	if err != nil {
		t.Fatal(err)
	}
	if err := sc.Replicate(ctx); err != nil {
		t.Fatal(err)
	}
	sameTree(t, want, swiftTree(t, conn, "data", "out2/"))

	// Bad input: wrong credentials, a missing container. Clear errors, a
	// non-zero exit, nothing written.
	bad := runJob("swift://data/out3")
	bad.Env = append(bad.Env, "ST_KEY=wrong")
	if out, err := bad.CombinedOutput(); err == nil || !strings.Contains(string(out), "401") || !strings.Contains(string(out), "ST_KEY") {
		t.Errorf("wrong key: err %v, console:\n%s", err, out)
	}
	missing := exec.Command(bin, "streaming", "-input", "swift://nosuchcontainer/in", "-output", "swift://data/out4", "-mapper", "cat", "-reducer", "cat")
	missing.Env = runJob("x").Env
	if out, err := missing.CombinedOutput(); err == nil || !strings.Contains(string(out), "nosuchcontainer") {
		t.Errorf("missing container: err %v, console:\n%s", err, out)
	}
	for _, p := range []string{"out3/", "out4/"} {
		if tree := swiftTree(t, conn, "data", p); len(tree) > 0 {
			t.Errorf("a failed submission wrote %s: %v", p, tree)
		}
	}

	// Across stores, on the same workers (worker-1 sits beside an object
	// server and the DataNode): HDFS in, Swift out; Swift in, HDFS out.
	hdfsURI := env["ZEBRA_HDFS"]
	fsys, home := hdfsInputs(t, hdfsURI, filepath.Join(work, "in"))
	fromHDFS := runJob("swift://data/from-hdfs")
	fromHDFS.Args[slices.Index(fromHDFS.Args, "-input")+1] = hdfsURI + home + "/in"
	if out, err := fromHDFS.CombinedOutput(); err != nil {
		t.Fatalf("the HDFS → Swift job failed: %v\n%s", err, out)
	}
	sameTree(t, want, swiftTree(t, conn, "data", "from-hdfs/"))
	if out, err := runJob(hdfsURI + home + "/from-swift").CombinedOutput(); err != nil {
		t.Fatalf("the Swift → HDFS job failed: %v\n%s", err, out)
	}
	sameTree(t, want, hdfsTree(t, fsys, home+"/from-swift"))

	t.Run("SLO over 5 GiB", func(t *testing.T) { testSwiftSLO(t, bin, env, conn, work) })
}

// swiftTree returns the objects under prefix in container (without the
// prefix), leaving out directory markers.
func swiftTree(t *testing.T, conn *swift.Connection, container, prefix string) map[string]string {
	t.Helper()
	ctx := context.Background()
	names, err := conn.ObjectNamesAll(ctx, container, &swift.ObjectsOpts{Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, n := range names {
		rel := strings.TrimPrefix(n, prefix)
		if rel == "" || strings.HasSuffix(rel, "/") {
			continue
		}
		b, err := conn.ObjectGetBytes(ctx, container, n)
		if err != nil {
			t.Fatal(err)
		}
		got[rel] = string(b)
	}
	return got
}

// TestChaosLostWorkers: a job with maxattempts 2 loses three workers, all
// while they run an attempt of the same reduce (the first kills usually
// while maps still run, the last once they have all finished), each
// kill -9 followed by a replacement worker under the same name. Lost
// attempts do not count toward maxattempts, so the job still succeeds,
// with exactly the local runner's output; the reduce's lost attempts are
// KILLED with kind "lost" in the attempt history and counted as killed
// reduces (NUM_KILLED_REDUCES).
func TestChaosLostWorkers(t *testing.T) {
	suite.Require(t, suite.Chaos)
	if os.Geteuid() != 0 {
		t.Skip("the chaos test runs tasks in the native sandbox, which needs root here")
	}
	bin := buildZebra(t)
	work := t.TempDir()
	args := append([]string{"-D", "mapreduce.map.maxattempts=2", "-D", "mapreduce.reduce.maxattempts=2"}, chaosJob(t, work)...)
	ref := exec.Command(bin, append([]string{"streaming"}, append(args, "-output", filepath.Join(work, "ref"))...)...)
	ref.Env = append(os.Environ(), "ZEBRA_JOBTRACKER=")
	if out, err := ref.CombinedOutput(); err != nil {
		t.Fatalf("local reference run: %v\n%s", err, out)
	}
	want := readTree(t, filepath.Join(work, "ref"))
	if len(want) < 4 {
		t.Fatalf("reference output has only %v", want)
	}

	c := startChaosCluster(t, bin)
	out := filepath.Join(work, "out")
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	job := exec.CommandContext(ctx, bin, append([]string{"streaming"}, append(args, "-output", out)...)...)
	job.Env = append(os.Environ(), "ZEBRA_JOBTRACKER="+c.jt.URL())
	var console bytes.Buffer
	job.Stdout, job.Stderr = &console, &console
	if err := job.Start(); err != nil {
		t.Fatal(err)
	}
	var id string
	c.waitFor("the job to start", func(s api.JobStatus) bool {
		id = s.ID
		return s.State == api.StateRunning && s.Output == "file:"+out
	})
	const victimTask = "_r_000000_"
	var killed []string // the reduce attempts whose workers were killed
	for len(killed) < 3 {
		var a api.AttemptInfo
		deadline := time.Now().Add(2 * time.Minute)
		for a.ID == "" {
			if time.Now().After(deadline) {
				t.Fatalf("no new attempt of reduce 0 ran after %v; console:\n%s", killed, console.Bytes())
			}
			var hist []api.AttemptInfo
			if err := c.jt.Do(ctx, "GET", "/api/v1/jobs/"+id+"/attempts", nil, &hist); err != nil {
				t.Fatal(err)
			}
			st, err := c.jt.Status(ctx, id, -1, 0)
			if err != nil {
				t.Fatal(err)
			}
			if st.Done() {
				t.Fatalf("the job ended %s (%s) after its reduce lost %d workers (maxattempts 2); console:\n%s", st.State, st.Diagnostics, len(killed), console.Bytes())
			}
			for _, h := range hist {
				// The last kill waits for the maps: the reduce is then
				// fetching or reducing.
				late := len(killed) < 2 || st.MapsDone == st.Maps
				if strings.Contains(h.ID, victimTask) && h.State == api.AttemptRunning && !slices.Contains(killed, h.ID) && late {
					a = h
				}
			}
			time.Sleep(20 * time.Millisecond)
		}
		st, _ := c.jt.Status(ctx, id, -1, 0)
		t.Logf("kill %d: %s runs on %s; maps done %d of %d", len(killed)+1, a.ID, a.Node, st.MapsDone, st.Maps)
		c.restart(a.Node, 0)
		killed = append(killed, a.ID)
	}
	err := job.Wait()
	if ctx.Err() != nil {
		t.Fatalf("the job hung (killed after 4 minutes); console:\n%s", console.Bytes())
	}
	if err != nil {
		t.Fatalf("the job failed after losing %d workers running the same reduce (maxattempts 2): %v; console:\n%s", len(killed), err, console.Bytes())
	}
	sameTree(t, want, readTree(t, out))
	var hist []api.AttemptInfo
	if err := c.jt.Do(context.Background(), "GET", "/api/v1/jobs/"+id+"/attempts", nil, &hist); err != nil {
		t.Fatal(err)
	}
	for _, h := range hist {
		if slices.Contains(killed, h.ID) && (h.State != api.AttemptKilled || h.Kind != api.FailureLost) {
			t.Errorf("attempt %s, whose worker was killed: %s, kind %q; want KILLED, lost", h.ID, h.State, h.Kind)
		}
	}
	if n := counter(console.Bytes(), "Killed reduce tasks"); n < int64(len(killed)) {
		t.Errorf("Killed reduce tasks=%d, want at least %d", n, len(killed))
	}
	if t.Failed() {
		t.Logf("console:\n%s", console.Bytes())
	}
}
