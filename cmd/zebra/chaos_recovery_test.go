package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"zebra/jobtracker"
	"zebra/jobtracker/api"
	"zebra/mapreduce"
	"zebra/mapreduce/mrtest/suite"
)

// TestChaosJobTrackerRecovery kills the jobtracker with SIGKILL once all
// but one of a job's maps have finished and starts it again. The job must
// end with exactly the output of the local runner, and the restarted
// jobtracker must keep the finished maps that its workers still serve:
// its counters say how many it recovered (at least one), every other map
// ran once after the restart (recovered + launched = maps), no finished
// map was run again, and its log says so.
func TestChaosJobTrackerRecovery(t *testing.T) {
	suite.Require(t, suite.Chaos)
	if os.Geteuid() != 0 {
		t.Skip("the chaos test runs tasks in the native sandbox, which needs root here")
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
	var before api.JobStatus
	c.waitFor("all but one map to finish", func(s api.JobStatus) bool {
		before = s
		return s.Output == "file:"+out && s.State == api.StateRunning && s.Maps >= 3 && s.MapsDone >= s.Maps-1
	})
	// The store writes finished maps in batches every few tens of
	// milliseconds; give the last one time to reach the disk (the map
	// still running may finish meanwhile: then all are recovered).
	time.Sleep(100 * time.Millisecond)
	c.restart("jobtracker", time.Second)
	err := job.Wait()
	if ctx.Err() != nil {
		t.Fatalf("the job hung (killed after 4 minutes); console:\n%s", console.Bytes())
	}
	if err != nil {
		t.Fatalf("the job failed after the jobtracker kill: %v; console:\n%s", err, console.Bytes())
	}
	sameTree(t, want, readTree(t, out))

	st, err := c.jt.Status(context.Background(), before.ID, -1, 0)
	if err != nil {
		t.Fatal(err)
	}
	recovered := st.Counters.Get(jobtracker.GroupRecovery, jobtracker.CounterRecoveredMaps)
	launched := st.Counters.Get(mapreduce.GroupJob, "Launched map tasks") // since the restart
	lost := st.Counters.Get(jobtracker.GroupRecovery, jobtracker.CounterLostMaps)
	t.Logf("%d maps, %d finished at the kill; after the restart %d recovered, %d launched, %d finished maps lost",
		st.Maps, before.MapsDone, recovered, launched, lost)
	if recovered < 1 {
		t.Errorf("%s = %d, want at least 1 (%d maps had finished shortly before the kill)", jobtracker.CounterRecoveredMaps, recovered, before.MapsDone)
	}
	if recovered+launched != int64(st.Maps) {
		t.Errorf("after the restart %d maps recovered and %d launched, want them to add up to the job's %d maps", recovered, launched, st.Maps)
	}
	if lost != 0 {
		t.Errorf("%d finished maps ran again although every worker is alive", lost)
	}
	// The jobtracker's log says how many it recovered.
	cs, err := readClusterState(c.state)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range cs.Daemons {
		if d.Name != "jobtracker" {
			continue
		}
		b, _ := os.ReadFile(d.Log)
		if !strings.Contains(string(b), "job recovered") || !strings.Contains(string(b), "maps_recovered=") {
			t.Errorf("the jobtracker's log %s does not report the recovery", d.Log)
		}
	}
	if t.Failed() {
		t.Logf("console:\n%s", console.Bytes())
	}
}
