package native

import (
	"bufio"
	"context"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"syscall"
	"testing"
	"time"

	"zebra/mapreduce"
	"zebra/sandbox"
)

// BenchmarkTaskCost measures what the native sandbox costs a running task,
// past its start: each iteration runs the same program on the same input
// once in the native sandbox and once as a plain process (sandbox.Plain,
// what -D zebra.sandbox=none runs), in alternating order, its stdin a file
// and its stdout a pipe this process reads to the end, as streaming's
// executor does. It reports, per iteration, the CPU time of the whole
// process tree for each (this process, the program, the instance's init
// and the factory's work reaped so far: ms) and their ratio, and the wall
// time ratio; and the CPU time of this process alone (the reader and the
// Runner: reader-cpu-ms; the rest, the program's and its instance's, as a
// ratio: program-cpu-ratio) and the number of reads that got output (the
// fewer, the larger each: how often the program's writes woke the
// reader). Workloads:
//
//   - pipe: cat of 64 MiB, bytes through the stdout pipe (MB/s of the
//     native run, and MB per CPU second for both);
//   - syscalls: dd of 1-byte blocks from /dev/zero to /dev/null, two
//     system calls a byte, no pipe traffic: the cost of a system call under
//     the seccomp filter (system calls per CPU second reported for both,
//     and the extra CPU ns per call);
//   - python-unbuffered, python-buffered: a Python word-count mapper
//     (print per word) over 4 MB of text, with and without
//     PYTHONUNBUFFERED=1 (unbuffered, every line is a write(2)).
//
// The instances are made at Start (Config.Pool 0), so their set-up, a few
// milliseconds, is in the native figure.
func BenchmarkTaskCost(b *testing.B) {
	c := testConfig(b)
	c.Pool = 0
	c.Output = 0 // as streaming runs it: stdout handed over as a descriptor
	c.CPUTime, c.WallTime = time.Minute, time.Minute
	c.Memory = 512 * miB
	dir := b.TempDir()
	big := filepath.Join(dir, "zero-64M")
	writeZeroes(b, big, 64<<20)
	text := filepath.Join(dir, "text-4M")
	writeText(b, text, 4<<20)
	const mapper = "import sys\nfor line in sys.stdin:\n    for word in line.split():\n        print(f\"{word}\\t1\")\n"
	python, err := exec.LookPath("python3")
	if err != nil {
		b.Skip("no python3")
	}
	env := []string{"PATH=" + os.Getenv("PATH"), "LANG=C.UTF-8"}
	const ddBytes = 1 << 20
	for _, w := range []struct {
		name  string
		args  []string
		stdin string
		env   []string
	}{
		{"pipe", []string{"cat"}, big, env},
		{"syscalls", []string{"dd", "if=/dev/zero", "of=/dev/null", "bs=1", fmt.Sprintf("count=%d", ddBytes), "status=none"}, "", env},
		{"python-unbuffered", []string{python, "-c", mapper}, text, append([]string{"PYTHONUNBUFFERED=1", "PYTHONDONTWRITEBYTECODE=1"}, env...)},
		{"python-buffered", []string{python, "-c", mapper}, text, append([]string{"PYTHONDONTWRITEBYTECODE=1"}, env...)},
	} {
		b.Run(w.name, func(b *testing.B) {
			r := newRunner(b, c)
			runners := []struct {
				name string
				r    mapreduce.Runner
				wait func()
			}{{"native", r, r.cleanups.Wait}, {"plain", sandbox.Plain{}, func() {}}}
			var cpu, self, wall [2][]time.Duration
			var reads [2][]time.Duration // read calls of the output, as durations to share med
			var out int64
			for i := 0; i < b.N; i++ {
				for k := range runners {
					k := (k + i) % 2 // alternate which goes first
					wd := filepath.Join(dir, fmt.Sprintf("w-%s-%d-%s", w.name, i, runners[k].name))
					if err := os.Mkdir(wd, 0o755); err != nil {
						b.Fatal(err)
					}
					c0, s0, t0 := treeCPU(), selfCPU(), time.Now()
					n, nr := runTask(b, runners[k].r, wd, w.args, w.env, w.stdin)
					reads[k] = append(reads[k], time.Duration(nr))
					runners[k].wait()
					cpu[k] = append(cpu[k], treeCPU()-c0)
					self[k] = append(self[k], selfCPU()-s0)
					wall[k] = append(wall[k], time.Since(t0))
					if k == 0 {
						out += n
					}
					os.RemoveAll(wd)
				}
			}
			med := func(d []time.Duration) float64 {
				d = append([]time.Duration(nil), d...)
				sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
				return float64(d[len(d)/2])
			}
			b.ReportMetric(med(cpu[0])/1e6, "native-cpu-ms")
			b.ReportMetric(med(cpu[1])/1e6, "plain-cpu-ms")
			b.ReportMetric(med(cpu[0])/med(cpu[1]), "cpu-ratio")
			b.ReportMetric(med(self[0])/1e6, "native-reader-cpu-ms")
			b.ReportMetric(med(self[1])/1e6, "plain-reader-cpu-ms")
			var prog [2][]time.Duration
			for k := range prog {
				for i := range cpu[k] {
					prog[k] = append(prog[k], cpu[k][i]-self[k][i])
				}
			}
			b.ReportMetric(med(prog[0])/med(prog[1]), "program-cpu-ratio")
			b.ReportMetric(med(reads[0]), "native-reads")
			b.ReportMetric(med(reads[1]), "plain-reads")
			b.ReportMetric(med(wall[0])/med(wall[1]), "wall-ratio")
			switch w.name {
			case "pipe":
				mb := float64(out) / 1e6 / float64(b.N)
				b.ReportMetric(mb/(med(wall[0])/1e9), "native-MB/s")
				b.ReportMetric(mb/(med(cpu[0])/1e9), "native-MB/cpu-s")
				b.ReportMetric(mb/(med(cpu[1])/1e9), "plain-MB/cpu-s")
			case "syscalls":
				b.ReportMetric(2*ddBytes/(med(cpu[0])/1e9), "native-syscalls/cpu-s")
				b.ReportMetric(2*ddBytes/(med(cpu[1])/1e9), "plain-syscalls/cpu-s")
				b.ReportMetric((med(cpu[0])-med(cpu[1]))/(2*ddBytes), "extra-ns/syscall")
			}
			b.ReportMetric(0, "ns/op")
		})
	}
}

// selfCPU is the CPU time of this process alone (the reader of the
// program's output, the Runner).
func selfCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// runTask runs args in dir through r with stdin from the file stdin (if
// any) and its stdout read to the end through a pipe; it returns the
// bytes read and the number of reads that returned data.
func runTask(b *testing.B, r mapreduce.Runner, dir string, args, env []string, stdin string) (int64, int) {
	b.Helper()
	var in *os.File
	if stdin != "" {
		f, err := os.Open(stdin)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		in = f
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd := mapreduce.Command{Args: args, Dir: dir, Env: env, Stdout: pw}
	if in != nil {
		cmd.Stdin = in
	}
	p, err := r.Start(context.Background(), cmd)
	pw.Close()
	if err != nil {
		pr.Close()
		b.Fatal(err)
	}
	var n int64
	nr := 0
	buf := make([]byte, 64<<10)
	for {
		k, err := pr.Read(buf)
		if k > 0 {
			n += int64(k)
			nr++
		}
		if err != nil {
			break
		}
	}
	pr.Close()
	if err := p.Wait(); err != nil {
		b.Fatal(err)
	}
	return n, nr
}

func writeZeroes(b *testing.B, path string, n int64) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := f.Truncate(n); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
}

// writeText writes about n bytes of lines of words drawn from a skewed
// vocabulary (a word count's input).
func writeText(b *testing.B, path string, n int) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	rng := rand.New(rand.NewSource(1))
	z := rand.NewZipf(rng, 1.1, 1, 50000)
	written := 0
	for written < n {
		words := 5 + rng.Intn(10)
		for i := 0; i < words; i++ {
			if i > 0 {
				w.WriteByte(' ')
				written++
			}
			k, _ := fmt.Fprintf(w, "w%x", z.Uint64())
			written += k
		}
		w.WriteByte('\n')
		written++
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
}
