package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestVerdict(t *testing.T) {
	le := func(x float64) target { return target{limit: x, text: "≤"} }
	for _, c := range []struct {
		median, floor float64
		t             target
		met           string
		dagger        bool
	}{
		{0.60, 0.50, le(0.65), "yes", false},
		{0.70, 0.50, le(0.65), "**no**", false},
		{0.85, 0.80, le(0.55), "yes", true},    // target under the floor: within 10% of it
		{0.90, 0.80, le(0.55), "**no**", true}, // 0.90 > 1.1 × 0.80
		{0.90, 0, target{limit: 0.8, atLeast: true, text: "≥"}, "yes", false},
		{0.70, 0, target{limit: 0.8, atLeast: true, text: "≥"}, "**no**", false},
		{0.70, 0, target{}, "n/a", false},
		{0.70, 0.75, target{limit: 0.8, atLeast: true, text: "≥"}, "yes", true},    // target over the floor: within 10% of it
		{0.65, 0.75, target{limit: 0.8, atLeast: true, text: "≥"}, "**no**", true}, // 0.65 < 0.75 / 1.1
		{0.85, 0.95, target{limit: 0.8, atLeast: true, text: "≥"}, "yes", false},
	} {
		f := summary{}
		if c.floor > 0 {
			f = summary{n: 1, median: c.floor}
		}
		text, met := verdict(summary{n: 1, median: c.median}, f, c.t)
		if met != c.met || strings.HasSuffix(text, "†") != c.dagger {
			t.Errorf("median %v floor %v target %+v: %q %q, want met %q dagger %v", c.median, c.floor, c.t, text, met, c.met, c.dagger)
		}
	}
	if _, met := verdict(summary{}, summary{}, le(1)); met != "not run" {
		t.Errorf("no runs: met %q, want not run", met)
	}
}

func TestLPT(t *testing.T) {
	for _, c := range []struct {
		tasks []float64
		cores int
		want  float64
	}{
		{[]float64{10.4, 2.6}, 2, 10.4},     // 40 MB: the 32 MiB map alone bounds the phase
		{[]float64{3, 3, 3, 3, 3, 3}, 2, 9}, // six equal splits on two cores
		{[]float64{4, 1, 1, 1, 1}, 2, 4},    // longest first
		{[]float64{2, 2}, 1, 4},             // one core: the sum
		{nil, 2, 0},
	} {
		if got := lpt(append([]float64(nil), c.tasks...), c.cores); got != c.want {
			t.Errorf("lpt(%v, %d) = %v, want %v", c.tasks, c.cores, got, c.want)
		}
	}
}

// TestFloorAndShufflePairing runs the table over a small raw file: the
// floor of a 2-split job, a ratio paired by run, and the shuffle rows paired
// by run and CURVE setting, with rawfiles as their floor.
func TestFloorAndShufflePairing(t *testing.T) {
	dir := t.TempDir()
	raw := `wc/40000000/pipeline 1 wall_s=20 user_s=18 sys_s=1
wc/40000000/pipeline 2 wall_s=10 user_s=9 sys_s=1
wc/40000000/r1/zebra 1 wall_s=16
wc/40000000/r1/zebra 2 wall_s=9
floor/40000000/map/0 1 user_s=9 sys_s=1
floor/40000000/map/1 1 user_s=2 sys_s=0.5
floor/40000000/sort/0 1 user_s=1 sys_s=0
floor/40000000/sort/1 1 user_s=0.5 sys_s=0
floor/40000000/r1/merge/0 1 user_s=0.5 sys_s=0
floor/40000000/r1/reduce/0 1 user_s=3 sys_s=0.5
check wc/40000000/r1/zebra 1 identical zebra vs pipeline
check wc/40000000/r1/zebra 2 DIFFERENT zebra vs pipeline
`
	d := writeAndRead(t, filepath.Join(dir, "raw"), raw)
	// map tasks 11 and 3 on 2 cores: 11; reduce 4: floor 15.
	if got := d.floor(40000000, 1); len(got) != 1 || got[1] != 15 {
		t.Errorf("floor = %v, want run 1: 15 (run 2 has no floor figures)", got)
	}
	if got := ratio(d.get("wc/40000000/r1/zebra", "wall_s"), d.get("wc/40000000/pipeline", "wall_s")); got[1] != 0.8 || got[2] != 0.9 {
		t.Errorf("ratios %v, want 0.8 and 0.9", got)
	}
	if got := d.outputs("wc/40000000/r1/zebra"); !strings.Contains(got, "DIFFERENT") {
		t.Errorf("outputs %q, want the failed check shown", got)
	}

	bench := filepath.Join(dir, "bench")
	// Two runs of BenchmarkShuffleVsRaw (as bench/run.sh appends them), and
	// a stale name that must not be paired.
	os.WriteFile(bench, []byte(`BenchmarkShuffleVsRaw/plain/raw-2          4  1 ns/op  400.0 MB/s  2.0 cpu-s/GB  1.0 fetch-cpu-s/GB  1.0 serve-cpu-s/GB
BenchmarkShuffleVsRaw/plain/rawfiles-2     4  1 ns/op  300.0 MB/s  2.5 cpu-s/GB  1.5 fetch-cpu-s/GB  1.0 serve-cpu-s/GB
BenchmarkShuffleVsRaw/plain/shuffle-2      4  1 ns/op  200.0 MB/s  4.0 cpu-s/GB  2.0 fetch-cpu-s/GB  2.0 serve-cpu-s/GB
BenchmarkShuffleVsRaw/curve/raw-2          4  1 ns/op  100.0 MB/s  8.0 cpu-s/GB
BenchmarkShuffleVsRaw/curve/rawfiles-2     4  1 ns/op  95.0 MB/s   8.5 cpu-s/GB
BenchmarkShuffleVsRaw/curve/shuffle-2      4  1 ns/op  90.0 MB/s   9.0 cpu-s/GB
BenchmarkRawZMQ-2                          4  1 ns/op  999.0 MB/s
BenchmarkShuffleVsRaw/plain/raw-2          4  1 ns/op  500.0 MB/s  2.0 cpu-s/GB
BenchmarkShuffleVsRaw/plain/rawfiles-2     4  1 ns/op  300.0 MB/s  2.5 cpu-s/GB
BenchmarkShuffleVsRaw/plain/shuffle-2      4  1 ns/op  400.0 MB/s  4.0 cpu-s/GB
BenchmarkShuffleVsRaw/curve/raw-2          4  1 ns/op  200.0 MB/s  8.0 cpu-s/GB
BenchmarkShuffleVsRaw/curve/rawfiles-2     4  1 ns/op  190.0 MB/s  8.5 cpu-s/GB
BenchmarkShuffleVsRaw/curve/shuffle-2      4  1 ns/op  160.0 MB/s  9.0 cpu-s/GB
`), 0o644)
	var b strings.Builder
	if err := d.shuffle(&b, bench, ""); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		// plain: 200/400 = 0.5 and 400/500 = 0.8; floor 0.75 and 0.6, median 0.675 < 0.8: †, met as 0.65 >= 0.675/1.1.
		"| shuffle, CURVE off | throughput, BenchmarkShuffleVsRaw/plain/shuffle / BenchmarkShuffleVsRaw/plain/raw (floor: BenchmarkShuffleVsRaw/plain/rawfiles) | 0.5 | 0.65 | 0.8 | 0.675 | ≥ 0.80 † | yes |",
		// curve: 0.9 and 0.8; floor 0.95, over the target: plain 0.85 >= 0.8.
		"| shuffle, CURVE on | throughput, BenchmarkShuffleVsRaw/curve/shuffle / BenchmarkShuffleVsRaw/curve/raw (floor: BenchmarkShuffleVsRaw/curve/rawfiles) | 0.8 | 0.85 | 0.9 | 0.95 | ≥ 0.80 | yes |",
		"| shuffle, CURVE off | CPU-s per GB, both processes: raw / zebra (floor: raw / rawfiles) | 0.5 | 0.5 | 0.5 | 0.8 |",
		"zebra 4 cpu-s/GB (4–4) (fetch 2 + serve 2)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("shuffle rows lack %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "RawZMQ") || strings.Contains(out, "999") {
		t.Errorf("a stale benchmark was paired:\n%s", out)
	}

	// Before and after: each build's own raw, and after / before per run.
	before := filepath.Join(dir, "before")
	os.WriteFile(before, []byte(`BenchmarkShuffleVsRaw/plain/raw-2      4  1 ns/op  400.0 MB/s
BenchmarkShuffleVsRaw/plain/shuffle-2  4  1 ns/op  100.0 MB/s  8.0 cpu-s/GB
BenchmarkShuffleVsRaw/plain/raw-2      4  1 ns/op  500.0 MB/s
BenchmarkShuffleVsRaw/plain/shuffle-2  4  1 ns/op  250.0 MB/s  5.0 cpu-s/GB
`), 0o644)
	b.Reset()
	if err := d.shuffle(&b, bench, before); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"| shuffle, CURVE off | before: throughput, shuffle / raw of the older build, same runs | 0.25 | 0.375 | 0.5 |",
		"| shuffle, CURVE off | throughput, zebra after / before | 1.6 | 1.8 | 2 |",
		"| shuffle, CURVE off | CPU-s per GB, both processes: before / after | 1.25 | 1.62 | 2 |",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("before/after rows lack %q:\n%s", want, b.String())
		}
	}
}

func writeAndRead(t *testing.T, path, text string) *data {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := readRaw(path)
	if err != nil {
		t.Fatal(err)
	}
	d.cores = 2
	return d
}

// TestSplitReadRows: bench/swift.sh's raw lines become the two split-read
// rows, min/median/max over the runs, the median's bytes over the input
// spelled out, and the target judged on the median.
func TestSplitReadRows(t *testing.T) {
	raw := `splitread/cat-off 1 ratio=1.002 get_bytes=20040000 input_bytes=20000000 maps=2
splitread/cat-off 2 ratio=1.001 get_bytes=20020000 input_bytes=20000000 maps=2
splitread/cat-off 3 ratio=1.05 get_bytes=21000000 input_bytes=20000000 maps=2
splitread/objects-on 1 asked=1.0001 direct=1.0001 read=1.0002 direct_bytes=20002000 proxy_asked_bytes=0 read_bytes=20004000 input_bytes=20000000
splitread/objects-off 1 asked=3 direct=0 read=1.2 direct_bytes=0 proxy_asked_bytes=60000000 read_bytes=24000000 input_bytes=20000000
splitread/objects-on 2 asked=1.0003 direct=1.0003 read=1.0004 direct_bytes=20006000 proxy_asked_bytes=0 read_bytes=20008000 input_bytes=20000000
`
	d := writeAndRead(t, filepath.Join(t.TempDir(), "raw"), raw)
	var b strings.Builder
	d.splitRead(&b)
	out := b.String()
	for _, want := range []string{
		// 20040000 - 20000000 = 40000 B = 0.2% over.
		"| split reads | Swift proxy GET bytes / input bytes, map-only cat, locality off | 1 | 1 | 1.05 | — | ≤ 1.01 (range + last line's tail) | yes | input 20 MB | proxy 20040000 B (20020000–21000000), median +40000 B over the input (+0.200%) |",
		// The median of two runs: (20002000 + 20006000) / 2 - 20000000 = 4000 B.
		"| split reads | object-server bytes asked by the maps' direct GETs / input bytes (access logs), map-only cat, locality on | 1 | 1 | 1 | — | ≤ 1.01 (range + last line's tail) | yes | input 20 MB | object servers 20004000 B (20002000–20006000), median +4000 B over the input (+0.020%) |",
		// One run, 4000000 B over: 20%, over the target.
		"| split reads | bytes the object servers read from disk (rchar) to serve the proxy's GETs / input bytes, map-only cat, locality off | 1.2 | 1.2 | 1.2 | — | ≤ 1.01 (range + last line's tail) | **no** | input 20 MB | object servers 24000000 B (24000000–24000000), median +4000000 B over the input (+20.000%) |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("split-read rows lack\n%s\ngot:\n%s", want, out)
		}
	}
	var none strings.Builder
	writeAndRead(t, filepath.Join(t.TempDir(), "raw"), "note nothing\n").splitRead(&none)
	if none.Len() != 0 {
		t.Errorf("no splitread lines: rows %q, want none", none.String())
	}
}

// TestSandboxRows: the sandbox target row judged against the seccomp floor
// (none+filter / none) when it is over the target, plainly otherwise, and
// the wall and CPU rows over none+filter. Expected ratios are worked out by
// hand from the raw lines in the comments.
func TestSandboxRows(t *testing.T) {
	k := func(sys string) string { return "wc/40000000/r1/" + sys }
	for _, c := range []struct {
		name, raw string
		want      []string
		not       []string
	}{{
		// native/none 11/10 = 1.1 and 22/20 = 1.1; filter/none 1.08 and
		// 1.06 (floor median 1.07 > 1.03: †); native/filter 11/10.8 =
		// 1.0185 and 22/21.2 = 1.0377, median 1.0281 ≤ 1.03: met.
		// CPU: native 6+2 = 8 and 16, none 7 and 14, filter 7.6 and 15.6.
		name: "under the floor, met",
		raw: `wc/40000000/r1/zebra 1 wall_s=11 user_s=6 sys_s=2
wc/40000000/r1/none 1 wall_s=10 user_s=6 sys_s=1
wc/40000000/r1/filter 1 wall_s=10.8 user_s=6 sys_s=1.6
wc/40000000/r1/zebra 2 wall_s=22 user_s=12 sys_s=4
wc/40000000/r1/none 2 wall_s=20 user_s=12 sys_s=2
wc/40000000/r1/filter 2 wall_s=21.2 user_s=12 sys_s=3.6
check wc/40000000/r1/filter 1 identical none+filter vs zebra
check wc/40000000/r1/filter 2 identical none+filter vs zebra
`,
		want: []string{
			"| sandbox cost: wall, zebra / zebra -D zebra.sandbox=none (floor: none+filter) | 1.1 | 1.1 | 1.1 | 1.07 | ≤ 1.03 † | yes (under the floor: zebra / none+filter 1.03 ≤ 1.03) | none 15 s (10–20) |",
			"| sandbox cost vs the seccomp floor: wall, zebra / zebra none+filter | 1.02 | 1.03 | 1.04 | — | — | n/a | none+filter 16 s (10.8–21.2) | zebra 16.5 s (11–22) | identical (2) |",
			// 8/7 = 1.1429, 16/14 = 1.1429; floor 7.6/7 = 1.0857, 15.6/14 = 1.1143, median 1.1.
			"| sandbox cost: CPU of the process tree, zebra / zebra -D zebra.sandbox=none (floor: none+filter) | 1.14 | 1.14 | 1.14 | 1.1 |",
			// 8/7.6 = 1.0526, 16/15.6 = 1.0256.
			"| sandbox cost vs the seccomp floor: CPU of the process tree, zebra / zebra none+filter | 1.03 | 1.04 | 1.05 |",
		},
	}, {
		// native/filter 11.5/10.8 = 1.065: over 3% of the floor.
		name: "under the floor, not met",
		raw: `wc/40000000/r1/zebra 1 wall_s=11.5 user_s=1 sys_s=1
wc/40000000/r1/none 1 wall_s=10 user_s=1 sys_s=1
wc/40000000/r1/filter 1 wall_s=10.8 user_s=1 sys_s=1
`,
		want: []string{"| 1.15 | 1.15 | 1.15 | 1.08 | ≤ 1.03 † | **no** (under the floor: zebra / none+filter 1.06 ≤ 1.03) |"},
	}, {
		// floor 10.2/10 = 1.02 ≤ 1.03: the plain target on native/none
		// 10.5/10 = 1.05, even though native/filter is 1.03.
		name: "floor under the target",
		raw: `wc/40000000/r1/zebra 1 wall_s=10.5 user_s=1 sys_s=1
wc/40000000/r1/none 1 wall_s=10 user_s=1 sys_s=1
wc/40000000/r1/filter 1 wall_s=10.2 user_s=1 sys_s=1
`,
		want: []string{"| sandbox cost: wall, zebra / zebra -D zebra.sandbox=none (floor: none+filter) | 1.05 | 1.05 | 1.05 | 1.02 | ≤ 1.03 | **no** |"},
		not:  []string{"†"},
	}, {
		// An older raw file without none+filter: the target row alone.
		name: "no filter runs",
		raw: `wc/40000000/r1/zebra 1 wall_s=10.2
wc/40000000/r1/none 1 wall_s=10
`,
		want: []string{"| sandbox cost: wall, zebra / zebra -D zebra.sandbox=none (floor: none+filter) | 1.02 | 1.02 | 1.02 | — | ≤ 1.03 | yes |"},
		not:  []string{"seccomp floor", "CPU", "†"},
	}} {
		t.Run(c.name, func(t *testing.T) {
			d := writeAndRead(t, filepath.Join(t.TempDir(), "raw"), c.raw)
			var b strings.Builder
			d.sandboxRows(&b, "wc", k)
			out := b.String()
			for _, want := range c.want {
				if !strings.Contains(out, want) {
					t.Errorf("rows lack\n%s\ngot:\n%s", want, out)
				}
			}
			for _, not := range c.not {
				if strings.Contains(out, not) {
					t.Errorf("rows contain %q:\n%s", not, out)
				}
			}
		})
	}
}
