package jobtracker

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"zebra/jobtracker/api"
)

// rankStats computes min, median, max and mean by rank counting, apart
// from statsOf's sort: the median is the element with as many below as
// above (for an even count the mean of the two elements of ranks n/2-1
// and n/2).
func rankStats(ds []time.Duration) (lo, med, hi, mean time.Duration) {
	n := len(ds)
	ofRank := func(r int) time.Duration {
		for i, d := range ds {
			below, equalBefore := 0, 0
			for j, e := range ds {
				if e < d {
					below++
				} else if e == d && j < i {
					equalBefore++
				}
			}
			if below+equalBefore == r {
				return d
			}
		}
		panic("no element of that rank")
	}
	lo, hi = ofRank(0), ofRank(n-1)
	if n%2 == 1 {
		med = ofRank(n / 2)
	} else {
		med = (ofRank(n/2-1) + ofRank(n/2)) / 2
	}
	var sumMs int64
	for _, d := range ds {
		sumMs += int64(d / time.Millisecond)
	}
	return lo, med, hi, time.Duration(sumMs/int64(n)) * time.Millisecond
}

func TestSummarizePhases(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	t0 := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	for _, counts := range [][2]int{{1, 0}, {2, 2}, {7, 4}, {40, 9}} {
		var as []api.AttemptInfo
		var maps, reduces, shuffle, merge, reduce []time.Duration
		for i := 0; i < counts[0]; i++ {
			d := time.Duration(rng.IntN(90000)) * time.Millisecond
			as = append(as, api.AttemptInfo{ID: fmt.Sprintf("attempt_1_1_m_%06d_0", i), State: api.AttemptSucceeded, Started: t0, Finished: t0.Add(d)})
			maps = append(maps, d)
			// A failed and a running attempt do not count.
			as = append(as, api.AttemptInfo{ID: fmt.Sprintf("attempt_1_1_m_%06d_1", i), State: api.AttemptFailed, Started: t0, Finished: t0.Add(time.Hour)},
				api.AttemptInfo{ID: fmt.Sprintf("attempt_1_1_m_%06d_2", i), State: api.AttemptRunning, Started: t0})
		}
		for i := 0; i < counts[1]; i++ {
			s, m, r := time.Duration(rng.IntN(5000))*time.Millisecond, time.Duration(rng.IntN(3000))*time.Millisecond, time.Duration(rng.IntN(8000))*time.Millisecond
			as = append(as, api.AttemptInfo{ID: fmt.Sprintf("attempt_1_1_r_%06d_0", i), State: api.AttemptSucceeded, Started: t0,
				ShuffleFinished: t0.Add(s), SortFinished: t0.Add(s + m), Finished: t0.Add(s + m + r)})
			reduces, shuffle, merge, reduce = append(reduces, s+m+r), append(shuffle, s), append(merge, m), append(reduce, r)
		}
		got := SummarizePhases(as)
		for _, c := range []struct {
			name string
			st   DurationStats
			ds   []time.Duration
		}{{"map", got.Map, maps}, {"reduce", got.Reduce, reduces}, {"shuffle", got.Shuffle, shuffle}, {"merge", got.Merge, merge}, {"reduce phase", got.ReducePhase, reduce}} {
			if len(c.ds) == 0 {
				if c.st != (DurationStats{}) {
					t.Errorf("%v %s: %+v, want zero", counts, c.name, c.st)
				}
				continue
			}
			lo, med, hi, mean := rankStats(c.ds)
			if c.st.N != len(c.ds) || c.st.Min != lo || c.st.Median != med || c.st.Max != hi || c.st.Mean != mean {
				t.Errorf("%v %s: %+v, want n %d min %v median %v max %v mean %v", counts, c.name, c.st, len(c.ds), lo, med, hi, mean)
			}
		}
	}
}

func TestSortTasks(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	now := t0.Add(time.Minute)
	rows := []TaskView{
		{Kind: "map", Index: 0, State: "SUCCEEDED", Started: t0, Finished: t0.Add(5 * time.Second), RecordsIn: 30, BytesIn: 300, Attempt: "a0", DataLocal: true, Progress: 1},
		{Kind: "map", Index: 1, State: "RUNNING", Started: t0.Add(10 * time.Second), RecordsIn: 0, Attempt: "a1", Progress: 0.4},                             // runs 50 s so far
		{Kind: "map", Index: 2, State: "SUCCEEDED", Started: t0, Finished: t0.Add(9 * time.Second), RecordsIn: 10, BytesIn: 900, Attempt: "a2", Progress: 1}, // remote
		{Kind: "reduce", Index: 0, State: "SCHEDULED"},
		{Kind: "map", Index: 3, State: "SUCCEEDED", Started: t0, Finished: t0.Add(5 * time.Second), RecordsIn: 30, BytesIn: 100, Attempt: "a3", DataLocal: true, Progress: 1},
	}
	name := func(v TaskView) string { return fmt.Sprintf("%s%d", v.Kind[:1], v.Index) }
	for _, c := range []struct {
		key  string
		desc bool
		want string
	}{
		// Ties keep the table's order (maps then reduces, by index).
		{"duration", true, "m1 m2 m0 m3 r0"},
		{"duration", false, "r0 m0 m3 m2 m1"},
		{"records", true, "m0 m3 m2 m1 r0"},
		{"bytes", false, "m1 r0 m3 m0 m2"},
		{"locality", false, "m0 m3 m1 m2 r0"},
		{"progress", true, "m0 m2 m3 m1 r0"},
		{"state", false, "m1 r0 m0 m2 m3"},
		{"task", true, "r0 m3 m2 m1 m0"},
	} {
		rs := append([]TaskView(nil), rows...)
		if err := SortTasks(rs, c.key, c.desc, now); err != nil {
			t.Fatal(err)
		}
		got := ""
		for i, v := range rs {
			if i > 0 {
				got += " "
			}
			got += name(v)
		}
		if got != c.want {
			t.Errorf("sort by %s desc=%v: %s, want %s", c.key, c.desc, got, c.want)
		}
	}
	if err := SortTasks(rows, "nonsense", false, now); err == nil {
		t.Error("an unknown sort key was accepted")
	}
}
