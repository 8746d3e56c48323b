package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"syscall"
	"testing"

	"zebra/jobtracker/api"
	"zebra/mapreduce"
)

// startErr stands for streaming's startError, which wraps the runner's
// error in "start map program" (kind UserCode).
type startErr struct{ err error }

func (e *startErr) Error() string { return "Cannot run program: " + e.err.Error() }
func (e *startErr) Unwrap() error { return e.err }

// TestClassify: the kind of each failure the engine, the sandboxes and the
// storage adapters produce, in the shape they produce it (the file that
// builds each is named).
func TestClassify(t *testing.T) {
	user, infra, killed := api.FailureUser, api.FailureInfrastructure, api.FailureKilled
	for _, tc := range []struct {
		name string
		err  error
		want api.FailureKind
	}{
		// streaming/pipe.go finish: the program's own end.
		{"non-zero exit", mapreduce.E("map", mapreduce.UserCode, "", errors.New("PipeMapRed.waitOutputThreads(): subprocess failed with code 1")), user},
		{"killed by a signal of its own", mapreduce.E("map", mapreduce.UserCode, "", errors.New("PipeMapRed.waitOutputThreads(): subprocess failed with code 139 (killed by signal SIGSEGV)")), user},
		{"over the sandbox's memory limit", mapreduce.E("reduce", mapreduce.UserCode, "", errors.New("PipeMapRed.waitOutputThreads(): subprocess failed with code 137 (memory limit of 128 MiB exceeded)")), user},
		{"broken pipe", mapreduce.E("map", mapreduce.UserCode, "", errors.New("java.io.IOException: Broken pipe (the map program exited without reading all its input)")), user},
		// streaming/pipe.go start, sandbox/native/process.go handOver.
		{"program not found", mapreduce.E("start map program", mapreduce.UserCode, "", &startErr{&os.PathError{Op: "exec", Path: "nope.py", Err: syscall.ENOENT}}), user},
		{"sandbox exec failed", mapreduce.E("start map program", mapreduce.UserCode, "", &startErr{mapreduce.E("start sandbox", mapreduce.UserCode, "m.py", fmt.Errorf("sandbox init: exec m.py: %w", syscall.ENOEXEC))}), user},
		{"sandbox setup failed", mapreduce.E("start map program", mapreduce.UserCode, "", &startErr{mapreduce.E("start sandbox", mapreduce.Infra, "m.py", fmt.Errorf("sandbox init: mount /proc: %w", syscall.EPERM))}), infra},
		// worker.go fetchJob.
		{"bundle not staged", mapreduce.E("fetch job bundle", mapreduce.Infra, "job_1_0001", errors.New("GET /internal/v1/jobs/job_1_0001/bundle: connection refused")), infra},
		// swiftfs/errors.go, through the engine's "read split".
		{"storage unreachable", mapreduce.E("read split", mapreduce.Infra, "swift://c/in", mapreduce.E("read", mapreduce.Infra, "swift://c/in", errors.New("swift: cannot reach the proxy or object server, still after retrying with backoff"))), infra},
		{"storage 5xx", mapreduce.E("read split", mapreduce.Infra, "swift://c/in", mapreduce.E("read", mapreduce.Transient, "swift://c/in", errors.New("swift: 503 server error, still after retrying with backoff"))), infra},
		{"input gone", mapreduce.E("open input", mapreduce.Other, "/in/a", &fs.PathError{Op: "open", Path: "/in/a", Err: fs.ErrNotExist}), user},
		{"input forbidden", mapreduce.E("read split", mapreduce.Infra, "swift://c/in", mapreduce.E("read", mapreduce.Permission, "swift://c/in", errors.New("swift: 403 forbidden"))), user},
		{"corrupt record under read split", mapreduce.E("read split", mapreduce.Infra, "/in/a.seq", mapreduce.E("read SequenceFile", mapreduce.UserCode, "/in/a.seq", errors.New("bad sync"))), user},
		// mapreduce/sort.go, task.go: writing the map output.
		{"map output not written", mapreduce.E("write spill file", mapreduce.Infra, "/w/spill0.out", syscall.ENOSPC), infra},
		{"spill under a collector error", fmt.Errorf("collect: %w", mapreduce.E("write spill file", mapreduce.Infra, "/w/spill0.out", syscall.ENOSPC)), infra},
		{"joined", errors.Join(errors.New("plain"), mapreduce.E("create task directory", mapreduce.Infra, "/w", syscall.EROFS)), infra},
		// Bad settings, zebra's bugs and anything unclassified count.
		{"invalid setting", mapreduce.E("plan", mapreduce.Invalid, "", errors.New("mapreduce.job.reduces: not a number")), user},
		{"unclassified", errors.New("something odd"), user},
		{"internal", mapreduce.E("merge", mapreduce.Internal, "", errors.New("bug")), user},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := classify(context.Background(), tc.err); got != tc.want {
				t.Errorf("%v: %q, want %q", tc.err, got, tc.want)
			}
			// Whatever the error, an attempt whose context ended was killed.
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			if got := classify(ctx, tc.err); got != killed {
				t.Errorf("with its context ended: %q, want %q", got, killed)
			}
		})
	}
}

// TestRunAttemptReportsKind: the report of an attempt that fails before
// the job's code runs, through the worker's own staging against a
// jobtracker that serves the plan but not the bundle (infrastructure), or
// a job that cannot be rebuilt from its plan (the job's), or that is
// killed.
func TestRunAttemptReportsKind(t *testing.T) {
	bundle := http.StatusServiceUnavailable
	mux := http.NewServeMux()
	mux.HandleFunc("GET /internal/v1/jobs/{id}/plan", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(api.Plan{Kind: "test", Spec: json.RawMessage(`{}`), Output: "file:///nowhere"})
	})
	mux.HandleFunc("GET /internal/v1/jobs/{id}/bundle", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(bundle)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	client, err := api.NewClient(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	badSpec := mapreduce.E("rebuild job", mapreduce.Invalid, "", errors.New("spec: unknown field"))
	w := &Worker{cfg: Config{Data: t.TempDir(), Name: "w1", MapSlots: 1,
		Build: func(context.Context, *api.Plan, mapreduce.JobID, string) (*mapreduce.Job, error) { return nil, badSpec }},
		log: slog.New(slog.DiscardHandler), client: client, running: map[string]*running{}, jobs: map[string]*jobEntry{}, outputs: map[string][]string{}}
	as := api.Assignment{Attempt: "attempt_1_0001_m_000000_0", Job: "job_1_0001", Kind: "map"}

	rep := w.runAttempt(context.Background(), as)
	if rep.State != api.AttemptFailed || rep.Kind != api.FailureInfrastructure {
		t.Errorf("bundle refused (503): %s %q (%s), want FAILED infrastructure", rep.State, rep.Kind, rep.Error)
	}
	bundle = http.StatusOK
	rep = w.runAttempt(context.Background(), as)
	if rep.State != api.AttemptFailed || rep.Kind != api.FailureUser {
		t.Errorf("unbuildable job: %s %q (%s), want FAILED user", rep.State, rep.Kind, rep.Error)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rep = w.runAttempt(ctx, as)
	if rep.State != api.AttemptKilled || rep.Kind != api.FailureKilled {
		t.Errorf("killed: %s %q (%s), want KILLED killed", rep.State, rep.Kind, rep.Error)
	}
}

// TestTenantPaths: host paths of the attempt and the worker in a failure
// become task-relative (or worker-relative) paths, whatever the names
// around them; a name that only looks like a host path is left alone.
func TestTenantPaths(t *testing.T) {
	data := "/var/lib/zebra"
	work := data + "/work/job_1_0001/attempt_1_0001_m_000000_0"
	for in, want := range map[string]string{
		"open " + work + "/work/in.txt: no such file":                   "open in.txt: no such file",
		"chdir " + work + "/work: no such file":                         "chdir .: no such file",
		"spill " + work + "/spill0.out failed":                          "spill ../spill0.out failed",
		"unpack " + data + "/jobs/job_1_0001/bundle.tar":                "unpack w0:jobs/job_1_0001/bundle.tar",
		`"` + work + "/work/we\"ird\n name ../../x\": bad":              `"we"ird` + "\n" + ` name ../../x": bad`,
		"name " + work + "/workshop/f":                                  "name ../workshop/f",
		"tenant's own /tmp" + data + "/jobs/x and x" + data + "/jobs/y": "tenant's own /tmp" + data + "/jobs/x and x" + data + "/jobs/y",
		"copy " + data + " to " + work + "/work/日本語 ü":                  "copy w0:. to 日本語 ü",
	} {
		if got := tenantPaths(in, data, work, "w0"); got != want {
			t.Errorf("tenantPaths(%q) = %q, want %q", in, got, want)
		}
	}
}
