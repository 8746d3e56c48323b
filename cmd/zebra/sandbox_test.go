package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"zebra/sandbox"
)

// TestTenantJobsRunSandboxed: on a worker, a tenant's job cannot ask for
// plain processes; the cluster token's job can.
func TestTenantJobsRunSandboxed(t *testing.T) {
	boxes := &sandboxes{logger: quietLogger()}
	defer boxes.close()
	if _, _, err := boxes.chooserFor("AUTH_alice")("none", nil); err == nil || !strings.Contains(err.Error(), "refused for a job submitted with a Swift token (account AUTH_alice)") {
		t.Errorf("tenant, none: %v", err)
	}
	r, note, err := boxes.chooserFor("")("none", nil)
	if err != nil || note == "" {
		t.Fatalf("cluster token, none: %v %q", err, note)
	}
	if d, ok := r.(sandbox.Dispatch); !ok || d.Default != (sandbox.Plain{}) {
		t.Errorf("cluster token, none: runner %#v, want plain processes", r)
	}
}

// TestWorkerSandboxLimitsPerJob: on one worker, each job's native sandbox
// has that job's zebra.sandbox.* limits, not those of the first job the
// worker ran. A map allocating 200 MiB succeeds by default and fails
// under a 64 MiB limit, in either order.
func TestWorkerSandboxLimitsPerJob(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("the native sandbox's limits need root here")
	}
	bin := buildZebra(t)
	env := upCluster(t, bin, "--no-swift", "--workers", "1", "--slots", "1")
	work := t.TempDir()
	os.WriteFile(filepath.Join(work, "in.txt"), []byte("x\n"), 0o644)
	hog := "python3 -c \"import sys; b = bytearray(200 << 20); sys.stdout.write(sys.stdin.read())\""
	run := func(out string, limit bool) error {
		args := []string{"streaming"}
		if limit {
			args = append(args, "-D", "zebra.sandbox.memory.mb=64")
		}
		args = append(args, "-D", "mapreduce.map.maxattempts=1", "-input", filepath.Join(work, "in.txt"), "-output", filepath.Join(work, out), "-mapper", hog, "-numReduceTasks", "0")
		cmd := exec.Command(bin, args...)
		cmd.Env = os.Environ()
		for k, v := range env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		b, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("%w\n%s", err, b)
		}
		return nil
	}
	if err := run("default-1", false); err != nil {
		t.Fatalf("default limits: %v", err)
	}
	if err := run("limited", true); err == nil {
		t.Errorf("a 200 MiB map under zebra.sandbox.memory.mb=64 succeeded: the worker kept the first job's limits")
	} else if !strings.Contains(err.Error(), "memory limit of 64 MiB exceeded") {
		t.Errorf("limited job failed for another reason: %v", err)
	}
	if err := run("default-2", false); err != nil {
		t.Errorf("default limits after a limited job: %v", err)
	}
}
