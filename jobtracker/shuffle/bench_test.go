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
// This process, the fetching side of every benchmark, has its malloc tuned
// from the start as Fetch tunes it (tuneMalloc), so that the raw baselines
// receive as a fetch does whichever ran first; their sending child is
// plain ZeroMQ, as a program that does not tune its malloc.
var (
	benchOnce sync.Once
	benchDir  string
	benchOut  mapreduce.MapOutput
	benchErr  error
)

func benchData(b *testing.B) mapreduce.MapOutput {
	benchOnce.Do(func() {
		tuneMalloc()
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

// BenchmarkRawZMQ is the baseline of BenchmarkShuffle: the same payload
// bytes (the Arrow messages a fetch of the partition receives, in as many
// messages of their mean size) from another process over the same socket
// pattern (a DEALER asking a ROUTER, the same credit window), straight from
// memory to nowhere.
func BenchmarkRawZMQ(b *testing.B) {
	out := benchData(b)
	c := startChild(b, "raw")
	benchRaw(b, c, out, benchOptions(), false)
}

// benchRaw runs the raw baseline against child c for the bytes of out.
// With files, the child reads the bytes it sends from out's file and the
// fetcher writes what it receives to a file: the least any shuffle of the
// partition must do (read the map output, send it, write the segment),
// with nothing decoded or encoded.
func benchRaw(b *testing.B, c *child, out mapreduce.MapOutput, opt FetchOptions, files bool) {
	opt = opt.normalize()
	count, size := benchWire(b, out, opt)
	sock, err := zmq.NewSocket(zmq.DEALER)
	if err != nil {
		b.Fatal(err)
	}
	defer sock.Close()
	sock.SetLinger(0)
	if opt.Curve != nil {
		if err := secureClient(sock, *opt.Curve, opt.ServerKey); err != nil {
			b.Fatal(err)
		}
	}
	if err := sock.Connect(c.endpoint); err != nil {
		b.Fatal(err)
	}
	total := out.Segments[0].Length
	b.SetBytes(total)
	b.ReportAllocs()
	defer reportCPU(b, c, total)()
	credit := creditHeader(1)
	var frames [][]byte
	req := fmt.Sprintf("%d %d %d", count, size, opt.Window)
	if files {
		req += " " + out.Path
	}
	path := filepath.Join(b.TempDir(), "fetched")
	for b.Loop() {
		var f *os.File
		if files {
			if f, err = os.Create(path); err != nil {
				b.Fatal(err)
			}
		}
		if err := sendFrames(sock, 0, []byte(req)); err != nil {
			b.Fatal(err)
		}
		got := 0
		for {
			if frames, err = recvFrames(sock, 0, frames); err != nil {
				b.Fatal(err)
			}
			if frames[0][0] == kindEnd {
				break
			}
			if err := sendFrames(sock, 0, credit); err != nil {
				b.Fatal(err)
			}
			got += len(frames[1])
			if f != nil {
				if _, err := f.Write(frames[1]); err != nil {
					b.Fatal(err)
				}
			}
		}
		if got != count*size {
			b.Fatalf("received %d bytes, want %d", got, count*size)
		}
		if f != nil {
			if err := f.Close(); err != nil {
				b.Fatal(err)
			}
			os.Remove(path)
		}
	}
}

// benchWire returns how many data messages a fetch of out's partition 0
// with opt receives and their mean payload size.
func benchWire(b *testing.B, out mapreduce.MapOutput, opt FetchOptions) (count, size int) {
	total := 0
	forBatches(b, out.Segments[0], opt.BatchBytes, func(frames [][]byte) {
		count++
		for _, f := range frames {
			total += len(f)
		}
	})
	return count, total / count
}

// BenchmarkShuffleVsRaw runs BenchmarkShuffle and its raw baseline side by
// side, plain and with CURVE on both sides, so that each pair's ratio is
// measured under the same load; rawfiles is the raw baseline reading the
// map output file and writing the fetched bytes to a file (see benchRaw),
// the floor of any shuffle:
//
//	go test -run '^$' -bench ShuffleVsRaw -count 3 ./jobtracker/shuffle
//
// bench/shuffle.sh runs it and prints the ratios.
func BenchmarkShuffleVsRaw(b *testing.B) {
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
		b.Run(name+"/raw", func(b *testing.B) {
			benchRaw(b, startChild(b, "raw", env...), out, opt, false)
		})
		b.Run(name+"/rawfiles", func(b *testing.B) {
			benchRaw(b, startChild(b, "raw", env...), out, opt, true)
		})
		b.Run(name+"/shuffle", func(b *testing.B) {
			benchFetch(b, startServerChild(b, out, env...), out, opt)
		})
	}
}

// benchFetch fetches out's partition 0 from the server child c.
func benchFetch(b *testing.B, c *child, out mapreduce.MapOutput, opt FetchOptions) {
	path := filepath.Join(b.TempDir(), "fetched")
	b.SetBytes(out.Segments[0].Length)
	b.ReportAllocs()
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
}

// reportCPU starts measuring the CPU time of this process (the fetcher)
// and the child (the server); the function it returns reports them as CPU
// seconds per GB moved, which, unlike MB/s, does not depend on what else
// the machine is busy with: cpu-s/GB for both, fetch-cpu-s/GB and
// serve-cpu-s/GB for each side (on two cores the busier side bounds the
// rate); and the minor page faults of both per MB moved, faults/MB.
func reportCPU(b *testing.B, c *child, bytesPerOp int64) func() {
	self, selfFaults := usage()
	other, otherFaults := c.usage(b)
	return func() {
		gb := float64(bytesPerOp) * float64(b.N) / 1e9
		fetchCPU, fetchFaults := usage()
		serveCPU, serveFaults := c.usage(b)
		fetchCPU, serveCPU = fetchCPU-self, serveCPU-other
		b.ReportMetric((fetchCPU+serveCPU).Seconds()/gb, "cpu-s/GB")
		b.ReportMetric(fetchCPU.Seconds()/gb, "fetch-cpu-s/GB")
		b.ReportMetric(serveCPU.Seconds()/gb, "serve-cpu-s/GB")
		b.ReportMetric(float64(fetchFaults-selfFaults+serveFaults-otherFaults)/(gb*1e3), "faults/MB")
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
