package jobtracker

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"zebra/adapters/localfs"
	"zebra/jobtracker/api"
	"zebra/mapreduce"
)

// BenchmarkPlacement plans 100,000 map tasks, each with three replica
// holders among 1,000 nodes, onto 1,000 workers (one per node, 2 slots),
// through the tracker's assignment code (a view per poll, Place, then the
// attempts started). It reports the share of data-local placements.
func BenchmarkPlacement(b *testing.B) {
	const tasks, nodes = 100_000, 1_000
	reg := &mapreduce.Registry{}
	localfs.Register(reg, &localfs.FS{})
	rng := rand.New(rand.NewPCG(1, 2))
	plan := &api.Plan{Output: "file://" + filepath.Join(b.TempDir(), "out"), Spec: []byte("{}")}
	for i := 0; i < tasks; i++ {
		s := mapreduce.Split{URI: fmt.Sprintf("file:///in/%d", i), Length: 1}
		for _, n := range rng.Perm(nodes)[:3] {
			s.Hosts = append(s.Hosts, fmt.Sprintf("node-%d", n))
		}
		plan.Splits = append(plan.Splits, s)
	}
	var local, total int
	for b.Loop() {
		t := &Tracker{cfg: Config{Registry: reg}, workers: map[string]*worker{}, log: slog.New(slog.DiscardHandler), store: &store{queue: map[string]api.AttemptInfo{}, kick: make(chan struct{}, 1)}, epoch: 1, wake: make(chan struct{}), watch: make(chan struct{})}
		var ws []*worker
		for n := 0; n < nodes; n++ {
			node := fmt.Sprintf("node-%d", n)
			w := &worker{id: fmt.Sprint(n), reg: api.Registration{Node: node, MapSlots: 2}, nodes: []string{node}, running: map[string]*attempt{}}
			t.workers[w.id] = w
			ws = append(ws, w)
		}
		j, err := t.newJob(mapreduce.JobID{Tracker: "b", Seq: 1}, plan, time.Now())
		if err != nil {
			b.Fatal(err)
		}
		t.order = []*job{j}
		local, total = 0, 0
		for total < tasks {
			for _, w := range ws {
				for _, a := range t.assignLocked(w) {
					total++
					if slices.Contains(plan.Splits[a.Index].Hosts, w.reg.Node) {
						local++
					}
				}
				clear(w.running) // the attempt ends at once
			}
		}
	}
	b.ReportMetric(float64(local)/float64(total)*100, "%data-local")
}

// BenchmarkDispatch runs 10,000 no-op map instances through a real
// tracker over HTTP with three polling workers that finish each attempt
// at once; it reports the dispatch latency (a poll sent while tasks are
// queued, to its assignment received) at p50 and p99.
func BenchmarkDispatch(b *testing.B) {
	const tasks = 10_000
	for b.Loop() {
		tr := newTracker(b, b.TempDir(), time.Minute)
		c := serve(b, tr)
		ctx := context.Background()
		plan := &api.Plan{Output: "file://" + filepath.Join(b.TempDir(), "out"), Spec: []byte("{}"), Kind: "bench"}
		for i := 0; i < tasks; i++ {
			plan.Splits = append(plan.Splits, mapreduce.Split{URI: "file:///in", Length: 1})
		}
		id, err := tr.Submit(ctx, plan, nil)
		if err != nil {
			b.Fatal(err)
		}
		var mu sync.Mutex
		var lat []time.Duration
		var wg sync.WaitGroup
		for n := 0; n < 3; n++ {
			var reg api.Registered
			err := c.Do(ctx, http.MethodPost, "/internal/v1/workers", api.Registration{Protocol: api.ProtocolVersion,
				Name: fmt.Sprint("w", n), MapSlots: 1, ReduceSlots: 1, Shuffle: "tcp://127.0.0.1:1"}, &reg)
			if err != nil {
				b.Fatal(err)
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					start := time.Now()
					var r api.PollReply
					if err := c.Do(ctx, http.MethodPost, "/internal/v1/workers/"+reg.ID+"/poll", api.Poll{}, &r); err != nil {
						b.Error(err)
						return
					}
					if len(r.Assign) == 0 {
						return // the poll waited: nothing left
					}
					d := time.Since(start)
					mu.Lock()
					lat = append(lat, d)
					mu.Unlock()
					for _, a := range r.Assign {
						c.Do(ctx, http.MethodPost, "/internal/v1/attempts/"+a.Attempt+"/done", api.AttemptReport{Worker: reg.ID, State: api.AttemptSucceeded}, nil)
					}
				}
			}()
		}
		wg.Wait()
		st, _ := tr.Status(id)
		if st.MapsDone != tasks {
			b.Fatalf("%d of %d maps done", st.MapsDone, tasks)
		}
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	}
}
