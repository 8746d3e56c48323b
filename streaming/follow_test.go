package streaming

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"zebra/jobtracker/api"
	"zebra/mapreduce"
)

// TestFollowPrintsProgressAtMostOncePerSecond: a job whose progress
// changes at every status answer (a map-only job of 200 maps) gets at
// most one "map X% reduce Y%" line per second of following, plus the
// final one, which is always printed.
func TestFollowPrintsProgressAtMostOncePerSecond(t *testing.T) {
	const maps = 200
	var mu sync.Mutex
	done := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		if done < maps {
			done++
		}
		st := api.JobStatus{ID: "job_1_0001", State: api.StateRunning, Version: int64(done), Maps: maps, MapsDone: done}
		if done == maps {
			st.State, st.Counters = api.StateSucceeded, &mapreduce.Counters{}
		}
		mu.Unlock()
		json.NewEncoder(w).Encode(st)
	}))
	defer srv.Close()
	client, err := api.NewClient(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	start := time.Now()
	code := FollowJob(context.Background(), client, "job_1_0001", mapreduce.NewConf(), &out, "/out")
	elapsed := time.Since(start)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, out.String())
	}
	lines := strings.Count(out.String(), " map ")
	if max := int(elapsed/time.Second) + 2; lines > max || lines < 2 {
		t.Errorf("%d progress lines in %v (at most %d)\n%s", lines, elapsed, max, out.String())
	}
	if !strings.Contains(out.String(), " map 100% reduce 0%") {
		t.Errorf("no final progress line\n%s", out.String())
	}
	if !strings.Contains(out.String(), "zebra job -logs job_1_0001") {
		t.Errorf("the task logs line does not name zebra job -logs\n%s", out.String())
	}
}

// TestNotFoundHint: a program that does not exist gets the hint, naming
// it; other errors none.
func TestNotFoundHint(t *testing.T) {
	h := notFoundHint(`start map program: Cannot run program "nosuch.py": error=2, No such file or directory`)
	if !strings.Contains(h, `"nosuch.py"`) || !strings.Contains(h, "-files nosuch.py") {
		t.Errorf("hint: %q", h)
	}
	if h := notFoundHint("PipeMapRed.waitOutputThreads(): subprocess failed with code 1"); h != "" {
		t.Errorf("hint for another error: %q", h)
	}
}
