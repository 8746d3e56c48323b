package zerocloud

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"zebra/mapreduce"
	"zebra/mapreduce/mrtest"
	"zebra/sandbox"
)

// runMem compiles src over fsys, rebuilds it as a worker does and runs
// every instance (a one-group job: map-only) with plain processes, then
// commits the job; it returns the plan's output files.
func runMem(t *testing.T, fsys *mrtest.MemFS, files map[string]string, src string) []string {
	t.Helper()
	ctx := context.Background()
	dir := writeDir(t, files)
	c, err := compileMem(t, fsys, dir, src, map[string]string{mapreduce.KeySandbox: "none"})
	if err != nil {
		t.Fatal(err)
	}
	jobDir := t.TempDir()
	var tarBuf bytes.Buffer
	if err := WriteBundle(&tarBuf, c.Bundle); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(jobDir, "bundle.tar"), tarBuf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	reg := &mapreduce.Registry{}
	mrtest.RegisterMem(reg, fsys)
	id := mapreduce.JobID{Tracker: "t", Seq: 1}
	job, err := ClusterJob(ctx, c.Plan, id, jobDir, Env{Registry: reg, Path: os.Getenv("PATH"),
		Runner: func(*mapreduce.Conf) (mapreduce.Runner, error) { return sandbox.Plain{}, nil }})
	if err != nil {
		t.Fatal(err)
	}
	if job.NumReduces != 0 {
		t.Fatalf("a one-group job rebuilt with %d reduces", job.NumReduces)
	}
	cm := &mapreduce.Committer{FS: job.OutputFS, Out: job.Output, Job: id, Shared: true, Files: c.Plan.OutputFiles}
	if err := cm.SetupJob(ctx); err != nil {
		t.Fatal(err)
	}
	committed := map[string][]string{}
	for i := range job.Splits {
		a := mapreduce.AttemptID{Task: mapreduce.TaskID{Job: id, Kind: mapreduce.MapTask, Index: i}}
		tc := &mapreduce.TaskContext{Attempt: a, Split: &job.Splits[i], Partition: i, Conf: job.Conf,
			Dir: t.TempDir(), Counters: &mapreduce.Counters{}, Stderr: io.Discard}
		if _, err := mapreduce.RunMap(ctx, job, tc, cm); err != nil {
			t.Fatalf("instance %d: %v", i, err)
		}
		committed[a.Task.String()] = tc.Committed
	}
	if err := cm.CommitJobFiles(ctx, committed); err != nil {
		t.Fatal(err)
	}
	return c.Plan.OutputFiles
}

// TestStoreStdoutAndStderr: a group whose stdout and stderr both have
// paths (as ZeroCloud allowed) stores each instance's bytes of each at
// its own object, the stderr of an app that exits non-zero too, and
// nothing else.
func TestStoreStdoutAndStderr(t *testing.T) {
	fsys := &mrtest.MemFS{}
	inputs := map[string]string{"a": "first object\n", "b": "second\nobject\n"}
	for n, s := range inputs {
		mrtest.WriteFile(t, fsys, "/in/"+n+".txt", []byte(s))
	}
	// The app copies stdin to stdout, says its instance's name on stderr
	// and fails.
	app := "#!/bin/sh\ncat\necho \"stderr of $ZEROCLOUD_INSTANCE\" >&2\nexit 3\n"
	src := `[{"name":"g","exec":{"path":"app.sh"},"devices":[
		{"name":"stdin","path":"swift://~/in/*.txt"},
		{"name":"stdout","path":"swift://~/res/*.out"},
		{"name":"stderr","path":"swift://~/res/*.err","content_type":"text/x-log"}]}]`
	files := runMem(t, fsys, map[string]string{"app.sh": app}, src)
	if want := []string{"a.out", "b.out", "a.err", "b.err"}; !reflect.DeepEqual(files, want) {
		t.Errorf("plan output files %q, want %q", files, want)
	}
	ctx := context.Background()
	want := map[string]string{
		"/res/a.out": inputs["a"], "/res/b.out": inputs["b"],
		"/res/a.err": "stderr of g-1\n", "/res/b.err": "stderr of g-2\n",
	}
	for name, w := range want {
		if got := mrtest.ReadFile(t, fsys, name, 0); string(got) != w {
			t.Errorf("%s: %q, want %q", name, got, w)
		}
	}
	list, err := fsys.List(ctx, "/res")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != len(want) {
		var names []string
		for _, f := range list {
			names = append(names, f.Path)
		}
		t.Errorf("/res holds %q, want only the %d objects", names, len(want))
	}
}

// TestArgv0IsInstanceName: as ZeroCloud, a native app's argv[0] is
// exec.name, else its instance's name (the app here is a copy of the
// host's sh reading its commands from stdin, whose $0 is its argv[0]);
// a #! script still runs, its $0 its own path as the kernel gives it.
func TestArgv0IsInstanceName(t *testing.T) {
	shell, err := os.ReadFile("/bin/sh")
	if err != nil {
		t.Skipf("no /bin/sh to copy as a native app: %v", err)
	}
	files := map[string]string{"sh.bin": string(shell), "app.sh": "#!/bin/sh\necho \"$0\"\n"}
	for _, tc := range []struct{ name, exec, want string }{
		{"instance name", `{"path":"sh.bin"}`, "g\n"},
		{"exec.name", `{"path":"sh.bin","name":"custom"}`, "custom\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fsys := &mrtest.MemFS{}
			mrtest.WriteFile(t, fsys, "/in/a.txt", []byte("echo \"$0\"\n"))
			runMem(t, fsys, files, `[{"name":"g","exec":`+tc.exec+`,"devices":[{"name":"stdin","path":"swift://~/in/a.txt"},{"name":"stdout","path":"swift://~/res/a.out"}]}]`)
			if got := mrtest.ReadFile(t, fsys, "/res/a.out", 0); string(got) != tc.want {
				t.Errorf("argv[0] %q, want %q", got, tc.want)
			}
		})
	}
	fsys := &mrtest.MemFS{}
	runMem(t, fsys, files, `[{"name":"g","exec":{"path":"app.sh"},"devices":[{"name":"stdout","path":"swift://~/res/s.out"}]}]`)
	if got := string(mrtest.ReadFile(t, fsys, "/res/s.out", 0)); !strings.HasSuffix(got, "app.sh\n") {
		t.Errorf("a #! script's $0 is %q, want its path (…app.sh)", got)
	}
}
