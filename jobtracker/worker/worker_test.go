package worker

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"zebra/jobtracker"
	"zebra/jobtracker/api"
	"zebra/jobtracker/shuffle"
	"zebra/mapreduce"
	"zebra/mapreduce/mrtest"
	"zebra/sandbox"
)

// memShuffle is a Shuffle inside one process: the workers of a test share
// it, and a fetch hands the reduce the map's own segment (the map output
// stays where the map wrote it).
type memShuffle struct {
	endpoint string
	mu       sync.Mutex
	outs     map[string]mapreduce.MapOutput // "endpoint\x00attempt" → output
	all      *sync.Map                      // endpoint → *memShuffle
	fetches  atomic.Int64
}

func newMemShuffles(n int) []*memShuffle {
	all := &sync.Map{}
	var out []*memShuffle
	for i := range n {
		s := &memShuffle{endpoint: fmt.Sprintf("mem://worker%d", i), outs: map[string]mapreduce.MapOutput{}, all: all}
		all.Store(s.endpoint, s)
		out = append(out, s)
	}
	return out
}

func (s *memShuffle) Endpoint() string { return s.endpoint }

func (s *memShuffle) Add(id string, out mapreduce.MapOutput) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.outs[id] = out
}

func (s *memShuffle) Remove(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.outs, id)
}

func (s *memShuffle) Fetch(_ context.Context, endpoint, id string, partition int, _ string) (mapreduce.Segment, error) {
	s.fetches.Add(1)
	v, ok := s.all.Load(endpoint)
	if !ok {
		return mapreduce.Segment{}, fmt.Errorf("fetch %s from %s: %w", id, endpoint, shuffle.ErrNotFound)
	}
	srv := v.(*memShuffle)
	srv.mu.Lock()
	out, ok := srv.outs[id]
	srv.mu.Unlock()
	if !ok || partition >= len(out.Segments) {
		return mapreduce.Segment{}, fmt.Errorf("fetch %s partition %d from %s: %w", id, partition, endpoint, shuffle.ErrNotFound)
	}
	return out.Segments[partition], nil
}

// catMapper runs `tr -s ' ' '\n'` through a mapreduce.Runner (the plain
// one) on each record and emits (word, "1") for each output line; the
// first attempt of map failIndex fails instead.
type catMapper struct {
	runner    mapreduce.Runner
	failIndex int
	failed    atomic.Bool
}

func (m *catMapper) Map(ctx context.Context, t *mapreduce.TaskContext, in mapreduce.RecordReader, out mapreduce.Collector) error {
	if t.Attempt.Task.Kind == mapreduce.MapTask && t.Attempt.Task.Index == m.failIndex && m.failed.CompareAndSwap(false, true) {
		return mapreduce.E("map", mapreduce.UserCode, "", errors.New("first attempt fails on purpose"))
	}
	var text bytes.Buffer
	for {
		_, v, err := in.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		text.Write(v)
		text.WriteByte(' ')
	}
	var words bytes.Buffer
	p, err := m.runner.Start(ctx, mapreduce.Command{Args: []string{"tr", "-s", " ", "\n"}, Stdin: &text, Stdout: &words})
	if err != nil {
		return err
	}
	if err := p.Wait(); err != nil {
		return err
	}
	for _, w := range bytes.Fields(words.Bytes()) {
		if err := out.Collect(w, []byte("1")); err != nil {
			return err
		}
	}
	return nil
}

// sumReducer sums each key's values.
type sumReducer struct{}

func (sumReducer) Reduce(_ context.Context, _ *mapreduce.TaskContext, in mapreduce.KVIterator, out mapreduce.Collector) error {
	var key []byte
	total, started := 0, false
	flush := func() error {
		if !started {
			return nil
		}
		return out.Collect(key, []byte(strconv.Itoa(total)))
	}
	for in.Next() {
		if in.NewGroup() {
			if err := flush(); err != nil {
				return err
			}
			key, total, started = append(key[:0], in.Key()...), 0, true
		}
		n, err := strconv.Atoi(string(in.Value()))
		if err != nil {
			return err
		}
		total += n
	}
	if err := in.Err(); err != nil {
		return err
	}
	return flush()
}

// TestWorkersRunAJob runs a word count on two workers against an
// in-process jobtracker (its real HTTP handler on loopback), with the
// in-memory FS, the plain runner and the in-memory shuffle: the job's
// output is the counts computed here from the input, each reduce fetched
// every map, and the map whose first attempt fails is retried.
func TestWorkersRunAJob(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	fsys := &mrtest.MemFS{}
	reg := &mapreduce.Registry{}
	mrtest.RegisterMem(reg, fsys)

	want := map[string]int{}
	var files []mapreduce.FileInfo
	for f := range 4 {
		var b strings.Builder
		for i := range 500 {
			w := fmt.Sprintf("w%d", (i*7+f*3)%37)
			want[w]++
			b.WriteString(w)
			if i%9 == 8 {
				b.WriteString("\n")
			} else {
				b.WriteString(" ")
			}
		}
		b.WriteString("\n")
		name := fmt.Sprintf("/in/f%d.txt", f)
		mrtest.WriteFile(t, fsys, name, []byte(b.String()))
		fi, err := fsys.Stat(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, fi)
	}
	splits := mapreduce.FileSplits(fsys, files, 4, 1, 1<<20)
	const reduces = 3

	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	tr, err := jobtracker.Open(jobtracker.Config{Data: t.TempDir(), Registry: reg, PollWait: 200 * time.Millisecond, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	srv := httptest.NewServer(tr.Handler())
	defer srv.Close()

	spec, _ := json.Marshal("word count")
	plan := &api.Plan{Name: "wc", Kind: "test", Spec: spec, Splits: splits, Reduces: reduces, Output: "mem:/out"}
	mapper := &catMapper{runner: sandbox.Plain{}, failIndex: 1}
	var builds atomic.Int64
	build := func(_ context.Context, p *api.Plan, id mapreduce.JobID, _ string) (*mapreduce.Job, error) {
		builds.Add(1)
		return &mapreduce.Job{ID: id, Conf: mapreduce.NewConf(), Splits: p.Splits, InputFS: fsys, OutputFS: fsys, Output: "/out",
			NumReduces: p.Reduces, Mapper: mapper, Reducer: sumReducer{}, OutSpec: mapreduce.OutputSpec{Separator: []byte("\t")}}, nil
	}
	shuffles := newMemShuffles(2)
	var wg sync.WaitGroup
	wctx, stopWorkers := context.WithCancel(ctx)
	for i, sh := range shuffles {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := Run(wctx, Config{JobTracker: srv.URL, Data: t.TempDir(), Name: fmt.Sprintf("w%d", i), MapSlots: 2, ReduceSlots: 2,
				Transport: sh, Build: build, Logger: log})
			if err != nil {
				t.Errorf("worker %d: %v", i, err)
			}
		}()
	}
	defer func() { stopWorkers(); wg.Wait() }()

	id, err := tr.Submit(ctx, plan, nil)
	if err != nil {
		t.Fatal(err)
	}
	var st api.JobStatus
	for after := int64(-1); ; {
		st, _ = tr.WaitStatus(ctx, id, after, 5*time.Second)
		if st.State != api.StateRunning && st.State != api.StatePrep {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("job still %s when the test's deadline passed", st.State)
		}
		after = st.Version
	}
	if st.State != api.StateSucceeded {
		t.Fatalf("job ended %s: %+v", st.State, st.Failure)
	}

	got := map[string]int{}
	for p := range reduces {
		data, err := fsys.Open(ctx, "/out/"+mapreduce.PartName(p), 0)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(data)
		data.Close()
		var keys []string
		for _, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
			k, v, _ := strings.Cut(line, "\t")
			n, _ := strconv.Atoi(v)
			got[k] += n
			keys = append(keys, k)
			if mapreduce.HashPartition([]byte(k), reduces) != p {
				t.Errorf("key %q in part %d", k, p)
			}
		}
		if !sort.StringsAreSorted(keys) {
			t.Errorf("part %d is not sorted: %q", p, keys)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("counts:\n got %v\nwant %v", got, want)
	}
	if !mapper.failed.Load() {
		t.Error("the failing map attempt never ran")
	}
	if len(st.FailedAttempts) != 1 {
		t.Errorf("failed attempts %+v, want the one failing map attempt", st.FailedAttempts)
	}
	var fetches int64
	for _, sh := range shuffles {
		fetches += sh.fetches.Load()
	}
	if fetches < int64(len(splits)*reduces) {
		t.Errorf("%d fetches, want at least %d (every reduce fetches every map)", fetches, len(splits)*reduces)
	}
	if builds.Load() == 0 || builds.Load() > 2 {
		t.Errorf("the job was built %d times; want once per worker that ran it", builds.Load())
	}
}

// TestFailureLogNoWorkerPath: a failed attempt's report tells where its
// log is (the worker and the log's place under the worker's logs) without
// the worker's host paths, which are not the tenant's business (the job's
// owner reads the failure); the failure still names the worker and the
// attempt.
func TestFailureLogNoWorkerPath(t *testing.T) {
	f, data := failJob(t, &catMapper{runner: sandbox.Plain{}, failIndex: 0})
	for what, v := range map[string]string{"log": f.Log, "error": f.Error, "stderr tail": f.StderrTail} {
		if strings.Contains(v, data) {
			t.Errorf("the failure's %s names the worker's data directory %s: %q", what, data, v)
		}
	}
	if !strings.HasPrefix(f.Log, "w0:") || !strings.Contains(f.Log, f.Attempt) {
		t.Errorf("the failure's log %q does not name the worker and the attempt %s", f.Log, f.Attempt)
	}
}

// hostileFileMapper opens a file of its task's working directory named
// by the tenant (hostile names), which does not exist, and fails with the
// error, which names the host path (as the engine's errors about shipped
// files and spills do).
type hostileFileMapper struct{ name string }

func (m hostileFileMapper) Map(ctx context.Context, t *mapreduce.TaskContext, _ mapreduce.RecordReader, _ mapreduce.Collector) error {
	f, err := os.Open(filepath.Join(t.Dir, "work", m.name))
	if err == nil {
		f.Close()
		return errors.New("a file that should not exist was there")
	}
	return mapreduce.E("open shipped file", mapreduce.UserCode, "", err)
}

// TestFailureErrorTaskRelative: a failure whose error names a path in
// the attempt's directory reaches the tenant with that path relative to
// the task's working directory, never the worker's host path.
func TestFailureErrorTaskRelative(t *testing.T) {
	for _, name := range []string{"sub dir", "we\"ird\n'name", "../../../../etc/x", "日本語"} {
		f, data := failJob(t, hostileFileMapper{name: name})
		if strings.Contains(f.Error, data) || strings.Contains(f.Error, "/work/") {
			t.Errorf("file %q: the failure's error names the worker's host path %s: %q", name, data, f.Error)
		}
		if want := "open " + name + ": no such file"; !strings.Contains(name, "..") && !strings.Contains(f.Error, want) {
			t.Errorf("file %q: the failure's error %q does not say %q", name, f.Error, want)
		}
	}
}

// failJob runs a one-map job whose mapper is mapper on a tracker and a
// worker and returns the job's failure and the worker's data directory.
func failJob(t *testing.T, mapper mapreduce.Mapper) (*api.Failure, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	fsys := &mrtest.MemFS{}
	reg := &mapreduce.Registry{}
	mrtest.RegisterMem(reg, fsys)
	mrtest.WriteFile(t, fsys, "/in/f.txt", []byte("a b\n"))
	fi, err := fsys.Stat(ctx, "/in/f.txt")
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	tr, err := jobtracker.Open(jobtracker.Config{Data: t.TempDir(), Registry: reg, PollWait: 200 * time.Millisecond, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	srv := httptest.NewServer(tr.Handler())
	defer srv.Close()
	spec, _ := json.Marshal("fails")
	plan := &api.Plan{Name: "fails", Kind: "test", Spec: spec, Splits: mapreduce.FileSplits(fsys, []mapreduce.FileInfo{fi}, 1, 1, 1<<20),
		Reduces: 0, Output: "mem:/out", MaxMapAttempts: 1}
	build := func(_ context.Context, p *api.Plan, id mapreduce.JobID, _ string) (*mapreduce.Job, error) {
		return &mapreduce.Job{ID: id, Conf: mapreduce.NewConf(), Splits: p.Splits, InputFS: fsys, OutputFS: fsys, Output: "/out",
			Mapper: mapper, OutSpec: mapreduce.OutputSpec{Separator: []byte("\t")}}, nil
	}
	data := t.TempDir()
	wctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		Run(wctx, Config{JobTracker: srv.URL, Data: data, Name: "w0", MapSlots: 1, ReduceSlots: 1,
			Transport: newMemShuffles(1)[0], Build: build, Logger: log})
	}()
	defer func() { stop(); <-done }()
	id, err := tr.Submit(ctx, plan, nil)
	if err != nil {
		t.Fatal(err)
	}
	var st api.JobStatus
	for after := int64(-1); ; after = st.Version {
		st, _ = tr.WaitStatus(ctx, id, after, 5*time.Second)
		if st.Done() || ctx.Err() != nil {
			break
		}
	}
	if st.State != api.StateFailed || st.Failure == nil {
		t.Fatalf("job ended %s (%+v), want failed", st.State, st.Failure)
	}
	return st.Failure, data
}
