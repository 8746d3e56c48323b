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
// by CURVE setting.
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
	os.WriteFile(bench, []byte(`BenchmarkShuffle-2   4  1 ns/op  200.0 MB/s
BenchmarkRawZMQ-2   4  1 ns/op  400.0 MB/s
BenchmarkShuffleCurve/plain-2   4  1 ns/op  300.0 MB/s
BenchmarkShuffleCurve/curve-2   4  1 ns/op  100.0 MB/s
`), 0o644)
	var b strings.Builder
	if err := d.shuffle(&b, bench); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"| shuffle, CURVE off | throughput, BenchmarkShuffle / BenchmarkRawZMQ | 0.5 | 0.5 | 0.5 |",
		"| shuffle, CURVE off | throughput, BenchmarkShuffleCurve/plain / BenchmarkRawZMQ | 0.75 |",
		"| shuffle, CURVE on | BenchmarkShuffleCurve/curve MB/s / raw ZeroMQ: no raw baseline",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("shuffle rows lack %q:\n%s", want, out)
		}
	}
	// Once a CURVE raw baseline exists, it is used.
	os.WriteFile(bench, []byte("BenchmarkShuffleCurve/curve-2 4 1 ns/op 100.0 MB/s\nBenchmarkRawZMQCurve/curve-2 4 1 ns/op 125.0 MB/s\n"), 0o644)
	b.Reset()
	d.shuffle(&b, bench)
	if !strings.Contains(b.String(), "| shuffle, CURVE on | throughput, BenchmarkShuffleCurve/curve / BenchmarkRawZMQCurve/curve | 0.8 |") {
		t.Errorf("CURVE row not paired with RawZMQCurve/curve:\n%s", b.String())
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
