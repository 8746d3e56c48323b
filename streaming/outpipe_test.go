package streaming

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"

	"zebra/mapreduce"
)

// smallWritesEnv makes the test binary a program that writes N records of
// the form "word<i>\t1\n", each with its own write(2), as a Python mapper
// does with PYTHONUNBUFFERED=1.
const smallWritesEnv = "ZEBRA_TEST_SMALL_WRITES"

func smallWrites(arg string) {
	n, _ := strconv.Atoi(arg)
	var b []byte
	for i := 0; i < n; i++ {
		b = fmt.Appendf(b[:0], "word%d\t1\n", i%5000)
		if _, err := syscall.Write(1, b); err != nil {
			os.Exit(1)
		}
	}
	os.Exit(0)
}

// expectedSmallWrites is what smallWrites(n) prints, made independently of
// the pipe.
func expectedSmallWrites(n int) []byte {
	var b bytes.Buffer
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "word%d\t1\n", i%5000)
	}
	return b.Bytes()
}

// readSmallWrites runs the small-writes child with its stdout on a pipe
// made by mk and reads it with a LineReader over wrap(read end), as
// readOutput does. It returns the lines read, joined back with newlines.
func readSmallWrites(tb testing.TB, n int, mk func() (*os.File, *os.File, error), wrap func(*os.File) io.Reader) []byte {
	r, w, err := mk()
	if err != nil {
		tb.Fatal(err)
	}
	defer r.Close()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), smallWritesEnv+"="+strconv.Itoa(n))
	cmd.Stdout = w
	if err := cmd.Start(); err != nil {
		w.Close()
		tb.Fatal(err)
	}
	w.Close()
	var got bytes.Buffer
	lr := mapreduce.NewLineReader(wrap(r), nil)
	for {
		line, _, err := lr.ReadLine()
		if err == io.EOF {
			break
		}
		if err != nil {
			tb.Fatal(err)
		}
		got.Write(line)
		got.WriteByte('\n')
	}
	if err := cmd.Wait(); err != nil {
		tb.Fatal(err)
	}
	return got.Bytes()
}

// TestStdoutPipeBytes checks that the stdout pipe and its gathering reader
// deliver a program's many small writes byte for byte, ending at its exit.
func TestStdoutPipeBytes(t *testing.T) {
	const n = 20000
	got := readSmallWrites(t, n, stdoutPipe, func(f *os.File) io.Reader { return &gatherReader{f: f} })
	if want := expectedSmallWrites(n); !bytes.Equal(got, want) {
		t.Fatalf("read %d bytes, want %d (the program's output)", len(got), len(want))
	}
}

// BenchmarkStdoutReader reads a child's 200,000 one-record writes through
// the poller (os.Pipe, the former reader), a blocking descriptor, and the
// blocking descriptor with gathering (the reader in use). cpu-ms/op is this
// process's CPU (the reader's side; the child's is not counted).
func BenchmarkStdoutReader(b *testing.B) {
	const n = 200000
	plain := func(f *os.File) io.Reader { return f }
	for _, c := range []struct {
		name string
		mk   func() (*os.File, *os.File, error)
		wrap func(*os.File) io.Reader
	}{
		{"poller", os.Pipe, plain},
		{"blocking", stdoutPipe, plain},
		{"poller-gather", os.Pipe, func(f *os.File) io.Reader { return &gatherReader{f: f} }},
		{"gather", stdoutPipe, func(f *os.File) io.Reader { return &gatherReader{f: f} }},
	} {
		b.Run(c.name, func(b *testing.B) {
			var before, after syscall.Rusage
			syscall.Getrusage(syscall.RUSAGE_SELF, &before)
			for i := 0; i < b.N; i++ {
				readSmallWrites(b, n, c.mk, c.wrap)
			}
			syscall.Getrusage(syscall.RUSAGE_SELF, &after)
			cpu := func(r *syscall.Rusage) float64 {
				return float64(r.Utime.Nano()+r.Stime.Nano()) / 1e6
			}
			b.ReportMetric((cpu(&after)-cpu(&before))/float64(b.N), "cpu-ms/op")
		})
	}
}
