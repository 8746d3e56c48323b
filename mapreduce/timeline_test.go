package mapreduce

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// preparingReducer is sumReducer as a ReducePreparer, so that the
// executor prepares reduce attempts ahead of their input.
type preparingReducer struct{ sumReducer }

func (p preparingReducer) PrepareReduce(context.Context, *TaskContext) (Reducer, func(), error) {
	return p.sumReducer, func() {}, nil
}

// timelineJob runs a small word count with three maps and two reduces,
// logging to a JSON handler at level, and returns the timeline records.
func timelineJob(t *testing.T, level slog.Level) []map[string]any {
	t.Helper()
	dir := t.TempDir()
	var files []FileInfo
	for f := 0; f < 3; f++ {
		p := filepath.Join(dir, fmt.Sprintf("in%d.txt", f))
		data := strings.Repeat(fmt.Sprintf("a b c%d\n", f), 1000)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, FileInfo{Path: p, Size: int64(len(data))})
	}
	job := &Job{
		ID: JobID{Tracker: "test", Seq: 1}, Conf: NewConf(), InputFS: dirFS{}, OutputFS: dirFS{}, Output: filepath.Join(dir, "out"),
		Splits: FileSplits(dirFS{}, files, 1, 1, 1<<20), NumReduces: 2,
		Mapper: wordMapper{}, Reducer: preparingReducer{}, SortMB: 1,
		OutSpec: OutputSpec{Separator: []byte("\t"), MarkSuccess: true},
	}
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: level}))
	ex := &LocalExecutor{WorkDir: t.TempDir(), LogDir: t.TempDir(), MapSlots: 2, ReduceSlots: 2, Logger: logger}
	if _, err := ex.Run(context.Background(), job); err != nil {
		t.Fatal(err)
	}
	var recs []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if line == "" {
			continue
		}
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if r["msg"] == TimelineMessage {
			recs = append(recs, r)
		}
	}
	return recs
}

// TestTimelineEvents checks the local executor's timeline against the
// schedule it must describe: every attempt starts before it ends, every
// map ends before "maps done" and every reduce starts after it, the
// commit follows the last reduce, and job start and end bound it all.
func TestTimelineEvents(t *testing.T) {
	recs := timelineJob(t, slog.LevelDebug)
	type ev struct {
		name, attempt string
		at            time.Time
	}
	var evs []ev
	for _, r := range recs {
		at, err := time.Parse(time.RFC3339Nano, r["time"].(string))
		if err != nil {
			t.Fatal(err)
		}
		a, _ := r[LogKeyAttempt].(string)
		evs = append(evs, ev{r[LogKeyEvent].(string), a, at})
	}
	first := map[string]time.Time{} // first time of each event+attempt
	count := map[string]int{}
	for _, e := range evs {
		k := e.name + " " + e.attempt
		if _, ok := first[k]; !ok {
			first[k] = e.at
		}
		count[e.name]++
	}
	for name, want := range map[string]int{EventJobStart: 1, EventJobEnd: 1, EventMapsDone: 1, EventCommitStart: 1, EventCommitEnd: 1,
		EventAttemptStart: 5, EventAttemptEnd: 5, EventReduceInput: 2, EventPrepareStart: 2, EventPrepareEnd: 2} {
		if count[name] != want {
			t.Errorf("%d %q events, want %d (all: %v)", count[name], name, want, count)
		}
	}
	if len(evs) == 0 || evs[0].name != EventJobStart || evs[len(evs)-1].name != EventJobEnd {
		t.Fatalf("events do not start with %q and end with %q: %v", EventJobStart, EventJobEnd, evs)
	}
	done := first[EventMapsDone+" "]
	for _, e := range evs {
		if e.name != EventAttemptStart {
			continue
		}
		end, ok := first[EventAttemptEnd+" "+e.attempt]
		if !ok || end.Before(e.at) {
			t.Errorf("%s: start %v, end %v (ok %v)", e.attempt, e.at, end, ok)
		}
		isMap := strings.Contains(e.attempt, "_m_")
		if isMap && end.After(done) {
			t.Errorf("map %s ended at %v, after maps done at %v", e.attempt, end, done)
		}
		if !isMap && e.at.Before(done) {
			t.Errorf("reduce %s started at %v, before maps done at %v", e.attempt, e.at, done)
		}
		if !isMap && first[EventCommitStart+" "].Before(end) {
			t.Errorf("the job's commit started before reduce %s ended", e.attempt)
		}
	}
}

// TestTimelineQuiet checks that a logger not enabled for debug gets no
// timeline lines.
func TestTimelineQuiet(t *testing.T) {
	if recs := timelineJob(t, slog.LevelInfo); len(recs) != 0 {
		t.Errorf("%d timeline records at level info, want none: %v", len(recs), recs)
	}
}
