package shuffle

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	zmq "github.com/pebbe/zmq4"

	"zebra/mapreduce"
)

// The benchmarks move one partition of benchMB (default 256) MB of 100-byte
// records (10-byte key, 90-byte value) from a server in a child process.
var (
	benchOnce sync.Once
	benchDir  string
	benchOut  mapreduce.MapOutput
	benchErr  error
)

func benchData(b *testing.B) mapreduce.MapOutput {
	benchOnce.Do(func() {
		mb := 256
		if s := os.Getenv("ZEBRA_SHUFFLE_BENCH_MB"); s != "" {
			mb, _ = strconv.Atoi(s)
		}
		benchDir, benchErr = os.MkdirTemp("", "zebra-shuffle-bench")
		if benchErr != nil {
			return
		}
		path := filepath.Join(benchDir, "file.out")
		f, err := mapreduce.CreateSegmentFile(path)
		if err != nil {
			benchErr = err
			return
		}
		rng := rand.New(rand.NewPCG(9, 9))
		key, value := make([]byte, 10), make([]byte, 96)
		for i := 0; i < mb<<20/102; i++ {
			binary.BigEndian.PutUint64(key[2:], uint64(i))
			for j := 0; j < len(value); j += 8 {
				binary.LittleEndian.PutUint64(value[j:], rng.Uint64())
			}
			if err := f.Append(key, value[:90]); err != nil {
				benchErr = err
				return
			}
		}
		seg, err := f.Close()
		benchOut, benchErr = mapreduce.MapOutput{Path: path, Segments: []mapreduce.Segment{seg}}, err
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchOut
}

func removeBenchData() {
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
}

// BenchmarkShuffle fetches the partition from a server in another process
// into a segment file, with the default options.
func BenchmarkShuffle(b *testing.B) {
	out := benchData(b)
	c := startServerChild(b, out)
	path := filepath.Join(b.TempDir(), "fetched")
	b.SetBytes(out.Segments[0].Length)
	b.ReportAllocs()
	defer reportCPU(b, c, out.Segments[0].Length)()
	for b.Loop() {
		seg, err := Fetch(context.Background(), c.endpoint, childOutputID, 0, path, benchOptions())
		if err != nil {
			b.Fatal(err)
		}
		if seg.Records != out.Segments[0].Records {
			b.Fatalf("%d records, want %d", seg.Records, out.Segments[0].Records)
		}
		os.Remove(path)
	}
}

// BenchmarkRawZMQ is the baseline: the same number of bytes from another
// process over a PUSH/PULL socket pair, in messages of the default batch
// size with a high-water mark of the default window, straight from memory
// to nowhere.
func BenchmarkRawZMQ(b *testing.B) {
	total := benchData(b).Segments[0].Length
	c := startChild(b, "raw", fmt.Sprintf("%s=%d", childWindowEnv, DefaultWindow))
	sock, err := zmq.NewSocket(zmq.PULL)
	if err != nil {
		b.Fatal(err)
	}
	defer sock.Close()
	sock.SetRcvhwm(DefaultWindow)
	sock.SetLinger(0)
	if err := sock.Connect(c.endpoint); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(total)
	b.ReportAllocs()
	defer reportCPU(b, c, total)()
	for b.Loop() {
		fmt.Fprintf(c.stdin, "%d %d\n", total, DefaultBatchBytes)
		for got := int64(0); got < total; {
			msg, err := sock.RecvBytes(0)
			if err != nil {
				b.Fatal(err)
			}
			got += int64(len(msg))
		}
	}
}

// reportCPU starts measuring the CPU time of this process and the child;
// the function it returns reports it as CPU seconds per GB moved, which,
// unlike MB/s, does not depend on what else the machine is busy with.
func reportCPU(b *testing.B, c *child, bytesPerOp int64) func() {
	self, other := cpuTime(), c.cpuTime(b)
	return func() {
		used := cpuTime() - self + c.cpuTime(b) - other
		b.ReportMetric(used.Seconds()/(float64(bytesPerOp)*float64(b.N)/1e9), "cpu-s/GB")
	}
}

func benchOptions() FetchOptions {
	var o FetchOptions
	fmt.Sscan(os.Getenv("ZEBRA_SHUFFLE_BENCH_BATCH"), &o.BatchBytes)
	fmt.Sscan(os.Getenv("ZEBRA_SHUFFLE_BENCH_WINDOW"), &o.Window)
	return o
}

// BenchmarkShuffleCurve is BenchmarkShuffle with and without CURVE, one
// after the other in the same run, so that their ratio is the cost of
// encryption: go test -run '^$' -bench ShuffleCurve ./jobtracker/shuffle.
func BenchmarkShuffleCurve(b *testing.B) {
	out := benchData(b)
	serverKey, err := NewCurve()
	if err != nil {
		b.Fatal(err)
	}
	client, err := NewCurve()
	if err != nil {
		b.Fatal(err)
	}
	for _, secure := range []bool{false, true} {
		name, opt, env := "plain", benchOptions(), []string(nil)
		if secure {
			name, opt.Curve, opt.ServerKey = "curve", &client, serverKey.Public
			env = []string{childCurveEnv + "=" + serverKey.Secret + " " + client.Public}
		}
		b.Run(name, func(b *testing.B) {
			c := startServerChild(b, out, env...)
			path := filepath.Join(b.TempDir(), "fetched")
			b.SetBytes(out.Segments[0].Length)
			defer reportCPU(b, c, out.Segments[0].Length)()
			for b.Loop() {
				seg, err := Fetch(context.Background(), c.endpoint, childOutputID, 0, path, opt)
				if err != nil {
					b.Fatal(err)
				}
				if seg.Records != out.Segments[0].Records {
					b.Fatalf("%d records, want %d", seg.Records, out.Segments[0].Records)
				}
				os.Remove(path)
			}
		})
	}
}
