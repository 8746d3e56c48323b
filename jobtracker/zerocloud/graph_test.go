package zerocloud

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"

	"zebra/jobtracker/placement"
	"zebra/mapreduce"
	"zebra/mapreduce/mrtest"
)

// servletsMapReduce is the map-reduce job of ZeroCloud's doc/Servlets.md
// ("Create a map-reduce job"), as published, in testdata (cmd/zebra's
// TestZeroCloudGraph runs the same file), but for its placeholder account
// my_account, filled in as a user would (see servletsJob).
var servletsMapReduce = mustRead("testdata/servlets-mapreduce.json")

// TestGraphServletsMapReduce checks the graph of Servlets.md's map-reduce
// job against what that page says of it: with 10 matching objects, "there
// will be 10 mappers, each mapper will have 9 connections to 9 other
// mappers and 5 connections to each reducer", a mapper's /dev/in holds the
// other mappers, its /dev/out the other mappers and the reducers; there
// is exactly one manager. The mappers connected to themselves make the
// whole job one gang of 16 instances whose channels stream.
func servletsJob(t *testing.T) *Job {
	t.Helper()
	job, err := Parse("job.json", []byte(strings.ReplaceAll(servletsMapReduce, "my_account", "AUTH_test")))
	if err != nil {
		t.Fatal(err)
	}
	return job
}

func TestGraphServletsMapReduce(t *testing.T) {
	job := servletsJob(t)
	g := BuildGraph(job, []int{10, 5, 1})
	var mappers, reducers []string
	for i := 1; i <= 10; i++ {
		mappers = append(mappers, fmt.Sprintf("mapper-%d", i))
	}
	for i := 1; i <= 5; i++ {
		reducers = append(reducers, fmt.Sprintf("reducer-%d", i))
	}
	for _, m := range mappers {
		others := slices.DeleteFunc(slices.Clone(mappers), func(s string) bool { return s == m })
		if got, want := g.Outs(m), append(slices.Clone(others), reducers...); !slices.Equal(got, want) {
			t.Errorf("%s: /dev/out %v, want %v", m, got, want)
		}
		if got := g.Ins(m); !slices.Equal(got, others) {
			t.Errorf("%s: /dev/in %v, want %v", m, got, others)
		}
	}
	for _, r := range reducers {
		if got := g.Ins(r); !slices.Equal(got, mappers) {
			t.Errorf("%s: /dev/in %v, want the mappers", r, got)
		}
		if got := g.Outs(r); !slices.Equal(got, []string{"manager"}) {
			t.Errorf("%s: /dev/out %v, want [manager]", r, got)
		}
	}
	if got := g.Ins("manager"); !slices.Equal(got, reducers) {
		t.Errorf("manager: /dev/in %v, want the reducers", got)
	}
	if len(g.Channels) != 10*9+10*5+5 {
		t.Errorf("%d channels, want %d", len(g.Channels), 10*9+10*5+5)
	}
	if len(g.Components) != 1 || !g.Components[0].Cyclic || g.Components[0].Instances != 16 {
		t.Fatalf("components %+v, want one cyclic of 16 instances", g.Components)
	}
	if got := g.Gangs(); !slices.Equal(got, []placement.Capacity{{Maps: 16}}) {
		t.Errorf("gangs %v", got)
	}
	for _, ch := range g.Channels {
		if !g.Streams(ch) {
			t.Errorf("channel %s -> %s is not streamed", ch.From, ch.To)
		}
	}
}

// TestGraphShapes: which components are cyclic (gangs, streamed) and
// which are not, for the shapes of issue 19.
func TestGraphShapes(t *testing.T) {
	group := func(name string, connect ...string) string {
		c, _ := jsonList(connect)
		return fmt.Sprintf(`{"name":%q,"exec":{"path":"x"},"count":2,"connect":%s}`, name, c)
	}
	for _, tc := range []struct {
		name   string
		groups []string
		want   string // per component: groups, cyclic, instances
	}{
		{"map -> reduce", []string{group("map", "reduce"), group("reduce")}, "[0 1] false 4"},
		{"chain of three", []string{group("a", "b"), group("b", "c"), group("c")}, "[0 1 2] false 6"},
		{"self-connected", []string{group("a", "a")}, "[0] true 2"},
		{"both ways", []string{group("a", "b"), group("b", "a")}, "[0 1] true 4"},
		{"loop of three and a tail", []string{group("a", "b"), group("b", "c"), group("c", "a", "d"), group("d")}, "[0 1 2 3] true 8"},
		{"two components", []string{group("a", "a"), group("b", "c"), group("c")}, "[0] true 2; [1 2] false 4"},
		{"diamond", []string{group("a", "b", "c"), group("b", "d"), group("c", "d"), group("d")}, "[0 1 2 3] false 8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			job, err := Parse("job.json", []byte("["+strings.Join(tc.groups, ",")+"]"))
			if err != nil {
				t.Fatal(err)
			}
			counts := make([]int, len(job.Groups))
			for i := range counts {
				counts[i] = 2
			}
			g := BuildGraph(job, counts)
			var got []string
			for _, c := range g.Components {
				got = append(got, fmt.Sprintf("%v %v %d", c.Groups, c.Cyclic, c.Instances))
			}
			if s := strings.Join(got, "; "); s != tc.want {
				t.Errorf("components %s, want %s", s, tc.want)
			}
		})
	}
}

func jsonList(s []string) (string, error) {
	q := make([]string, len(s))
	for i, v := range s {
		q[i] = fmt.Sprintf("%q", v)
	}
	return "[" + strings.Join(q, ",") + "]", nil
}

// TestCompileNoSlots: a job run as a graph whose connected instances
// need more slots at once than the cluster has is refused with ErrNoSlots
// (ZeroCloud's 503); one that fits compiles, and so does any on a client
// that does not know the cluster's slots: into a graph plan of one map per
// instance (groups in file order), all 16 in one gang, the channels
// Servlets.md describes, the manager's object as the only output.
func TestCompileNoSlots(t *testing.T) {
	fsys := &mrtest.MemFS{}
	for i := range 10 {
		mrtest.WriteFile(t, fsys, fmt.Sprintf("/AUTH_test/data/binary%d.data", i), []byte("x"))
	}
	for _, app := range []string{"maper.nexe", "reducer.nexe", "manager.nexe"} {
		mrtest.WriteFile(t, fsys, "/AUTH_test/exec/"+app, []byte("#!/bin/sh\n"))
	}
	job := servletsJob(t)
	reg := &mapreduce.Registry{}
	reg.Register("swift", func(_ context.Context, _ *url.URL, raw string) (mapreduce.FS, string, error) {
		return fsys, "/" + strings.TrimPrefix(raw, "swift://"), nil
	})
	compile := func(slots *placement.Capacity) (*Compiled, error) {
		return Compile(context.Background(), "job.json", job, Options{Registry: reg, Slots: slots})
	}
	_, err := compile(&placement.Capacity{Maps: 15, Reduces: 15})
	if !errors.Is(err, ErrNoSlots) || errors.Is(err, ErrUnparsable) ||
		!strings.Contains(err.Error(), `group "mapper" (index 0): connect: Slot not available: the 16 instances`) {
		t.Errorf("15 map slots: %v, want ErrNoSlots for 16 instances", err)
	}
	for _, slots := range []*placement.Capacity{{Maps: 16}, nil} {
		c, err := compile(slots)
		if err != nil {
			t.Fatalf("slots %v: %v", slots, err)
		}
		pl := c.Plan
		var spec Spec
		if err := json.Unmarshal(pl.Spec, &spec); err != nil {
			t.Fatal(err)
		}
		var all []int
		for i := range 16 {
			all = append(all, i)
		}
		if len(pl.Splits) != 16 || pl.Reduces != 0 || len(pl.Gangs) != 1 || !slices.Equal(pl.Gangs[0], all) {
			t.Errorf("plan: %d splits, %d reduces, gangs %v; want 16 maps in one gang", len(pl.Splits), pl.Reduces, pl.Gangs)
		}
		if spec.Graph == nil || len(spec.Graph.Channels) != 10*9+10*5+5 || len(spec.Stages) != 3 {
			t.Fatalf("spec: %+v", spec)
		}
		if pl.Output != "mem:/AUTH_test/data" || !slices.Equal(pl.OutputFiles, []string{"mapred_result.data"}) {
			t.Errorf("output %s %v", pl.Output, pl.OutputFiles)
		}
		for i := 0; i < 10; i++ {
			if pl.Splits[i].URI != fmt.Sprintf("mem:/AUTH_test/data/binary%d.data", i) {
				t.Errorf("split %d: %s", i, pl.Splits[i].URI)
			}
		}
		if pl.Splits[10].URI != "zerocloud:reducer-1" || pl.Splits[15].URI != "zerocloud:manager" {
			t.Errorf("splits 10, 15: %s %s", pl.Splits[10].URI, pl.Splits[15].URI)
		}
		kinds, idx, err := ReplyTasks(pl.Spec)
		if err != nil || len(kinds) != 16 || kinds[15] != "m" || idx[15] != 15 {
			t.Errorf("ReplyTasks: %v %v %v", kinds, idx, err)
		}
		if err := Confine(pl, func(u string) (string, error) { return u, nil }); err != nil {
			t.Errorf("Confine: %v", err)
		}
	}
}

// mustRead returns the file's text; a test file that cannot be read is a
// broken checkout.
func mustRead(name string) string {
	b, err := os.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return string(b)
}
