package native

import (
	"context"
	"os/exec"
	"sort"
	"syscall"
	"testing"
	"time"

	"zebra/mapreduce"
)

// BenchmarkBootTrue measures start-to-exit of /bin/true in the native
// sandbox, one start right after the other; compare with
// BenchmarkForkExecTrue (the difference is the boot cost). The benchmarks
// report p50 and p99 in ms and the CPU time per start (cpu-ms/op: this
// process, its factory and instances, the kernel's work for them but for
// what its own threads do, such as a network namespace's teardown). Back
// to back, the instances made ahead cannot be made as fast as they are
// used on a machine of few cores: the pool runs dry and the latency is
// bounded by the CPU time per start over the cores.
func BenchmarkBootTrue(b *testing.B) { benchBoot(b, testConfig(b), false) }

// BenchmarkBootTrueSharedNetwork is BenchmarkBootTrue with the opt-in
// shared network namespace (Config.SharedNetwork): what a namespace per
// instance costs.
func BenchmarkBootTrueSharedNetwork(b *testing.B) {
	c := testConfig(b)
	c.SharedNetwork = true
	benchBoot(b, c, false)
}

// BenchmarkBootTrueWarm is BenchmarkBootTrue with a full pool at every
// start (untimed waits between the starts): the latency of a start on a
// worker whose tasks do not come faster than instances are made.
func BenchmarkBootTrueWarm(b *testing.B) { benchBoot(b, testConfig(b), true) }

func benchBoot(b *testing.B, c Config, warm bool) {
	r := newRunner(b, c)
	dir := workDir(b)
	ctx := context.Background()
	cmd := mapreduce.Command{Args: []string{"/bin/true"}, Dir: dir, Env: []string{"PATH=/usr/bin:/bin"}}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	cpu0 := treeCPU()
	for i := 0; i < b.N; i++ {
		if warm {
			b.StopTimer()
			waitPoolFull(b, r)
			b.StartTimer()
		}
		t0 := time.Now()
		p, err := r.Start(ctx, cmd)
		if err != nil {
			b.Fatal(err)
		}
		if err := p.Wait(); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	r.Close() // the instances' teardown counts
	b.ReportMetric(float64(treeCPU()-cpu0)/1e6/float64(b.N), "cpu-ms/op")
	report(b, lat)
}

// waitPoolFull waits until r's pool holds as many instances as it keeps.
func waitPoolFull(b *testing.B, r *Runner) {
	if r.pool == nil {
		return
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Microsecond) {
		r.pool.mu.Lock()
		n := len(r.pool.ready)
		r.pool.mu.Unlock()
		if n >= r.pool.size {
			return
		}
	}
	b.Fatal("the instance pool was not refilled within 10 s")
}

// BenchmarkForkExecTrue is the baseline: a plain fork/exec of /bin/true.
func BenchmarkForkExecTrue(b *testing.B) {
	lat := make([]time.Duration, 0, b.N)
	cpu0 := treeCPU()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if err := exec.Command("/bin/true").Run(); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	b.ReportMetric(float64(treeCPU()-cpu0)/1e6/float64(b.N), "cpu-ms/op")
	report(b, lat)
}

// treeCPU is the CPU time of this process and of its descendants reaped
// so far.
func treeCPU() time.Duration {
	var t time.Duration
	for _, who := range []int{syscall.RUSAGE_SELF, syscall.RUSAGE_CHILDREN} {
		var ru syscall.Rusage
		syscall.Getrusage(who, &ru)
		t += time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return t
}

func report(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	q := func(f float64) float64 { return float64(lat[int(f*float64(len(lat)-1))]) / 1e6 }
	b.ReportMetric(q(0.50), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
}
