package native

import (
	"context"
	"os/exec"
	"sort"
	"testing"
	"time"

	"zebra/mapreduce"
)

// BenchmarkBootTrue measures start-to-exit of /bin/true in the native
// sandbox; compare with BenchmarkForkExecTrue (the difference is the boot
// cost). Both report p50 and p99 in ms.
func BenchmarkBootTrue(b *testing.B) { benchBoot(b, testConfig(b)) }

// BenchmarkBootTrueSharedNetwork is BenchmarkBootTrue with the opt-in
// shared network namespace (Config.SharedNetwork): what a namespace per
// instance costs.
func BenchmarkBootTrueSharedNetwork(b *testing.B) {
	c := testConfig(b)
	c.SharedNetwork = true
	benchBoot(b, c)
}

func benchBoot(b *testing.B, c Config) {
	r := newRunner(b, c)
	dir := workDir(b)
	ctx := context.Background()
	cmd := mapreduce.Command{Args: []string{"/bin/true"}, Dir: dir, Env: []string{"PATH=/usr/bin:/bin"}}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
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
	report(b, lat)
}

// BenchmarkForkExecTrue is the baseline: a plain fork/exec of /bin/true.
func BenchmarkForkExecTrue(b *testing.B) {
	lat := make([]time.Duration, 0, b.N)
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if err := exec.Command("/bin/true").Run(); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	report(b, lat)
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
