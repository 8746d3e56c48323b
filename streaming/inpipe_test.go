package streaming

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// feedRecords runs argv with its stdin on a pipe made by mk and its stdout
// into the file out (nil: /dev/null), and writes n word-count records
// ("word<i%5000>", "1") to it as a reducer's input is written (started.write,
// a buffer of size buf), then closes stdin and waits. It returns the first
// write error and the program's.
func feedRecords(tb testing.TB, argv []string, out *os.File, n, buf int, mk func() (*os.File, *os.File, error)) (werr, err error) {
	r, w, err := mk()
	if err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin = r
	if out != nil {
		cmd.Stdout = out
	}
	if err := cmd.Start(); err != nil {
		r.Close()
		w.Close()
		tb.Fatal(err)
	}
	r.Close()
	s := &started{w: bufio.NewWriterSize(w, buf), prog: &pipeProgram{inSep: []byte("\t")}}
	var key []byte
	one := []byte("1")
	for i := 0; i < n && werr == nil; i++ {
		key = fmt.Appendf(key[:0], "word%d", i%5000)
		werr = s.write(key, one)
	}
	if werr == nil {
		werr = s.w.Flush()
	}
	w.Close()
	return werr, cmd.Wait()
}

// TestStdinPipeBytes checks that a program reading its stdin from
// stdinPipe gets every record, byte for byte, and that the pipe is as
// stdinPipe says: the write end blocking, the read end as os.Pipe makes it
// (non-blocking), and the kernel's default capacity, Hadoop's.
func TestStdinPipeBytes(t *testing.T) {
	const n = 200000
	path := filepath.Join(t.TempDir(), "out")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if werr, err := feedRecords(t, []string{"cat"}, out, n, inBufferSize, stdinPipe); werr != nil || err != nil {
		t.Fatalf("write error %v, cat's %v", werr, err)
	}
	got, _ := os.ReadFile(path)
	var want bytes.Buffer
	for i := 0; i < n; i++ {
		fmt.Fprintf(&want, "word%d\t1\n", i%5000)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("cat got %d bytes, want %d (the records written)", len(got), want.Len())
	}

	r, w, err := stdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	flags := func(f *os.File) int {
		rc, _ := f.SyscallConn()
		var fl int
		rc.Control(func(fd uintptr) { fl, _ = unix.FcntlInt(fd, unix.F_GETFL, 0) })
		return fl
	}
	if flags(w)&unix.O_NONBLOCK != 0 {
		t.Error("the write end is non-blocking")
	}
	if flags(r)&unix.O_NONBLOCK == 0 {
		t.Error("the read end is blocking, unlike os.Pipe's")
	}
	size, err := unix.FcntlInt(w.Fd(), unix.F_GETPIPE_SZ, 0)
	if err != nil {
		t.Fatal(err)
	}
	if size != 64<<10 {
		t.Errorf("pipe capacity %d, want the kernel's default 65536 (Hadoop's; see stdinPipe)", size)
	}
}

// TestStdinPipeProgramExits checks that writing to a program that exits
// without reading fails with EPIPE, past the pipe's capacity, rather than
// blocking.
func TestStdinPipeProgramExits(t *testing.T) {
	werr, err := feedRecords(t, []string{"true"}, nil, 500000, inBufferSize, stdinPipe) // 5 MB
	if err != nil {
		t.Fatalf("true: %v", err)
	}
	if !errors.Is(werr, syscall.EPIPE) {
		t.Fatalf("writing to a program that exited: %v, want EPIPE", werr)
	}
}

// BenchmarkReducerStdin writes 1M word-count records (11 MB) to a
// reducer's stdin as started.write does: through Go's poller (os.Pipe, the
// former pipe), stdinPipe (blocking write end, the kernel's 64 KiB pipe),
// and, for comparison only, a blocking write end with a 1 MiB pipe (which
// would change what Hadoop-compatible jobs do: see stdinPipe); to cat (a
// fast reader) and to examples/wordcount's Python reducer (a slow one: the
// writer waits on the pipe most of the time). cpu-ms/op is this process's
// CPU, the writer's side; child-cpu-ms/op the reader's.
func BenchmarkReducerStdin(b *testing.B) {
	const n = 1000000
	reducer, _ := filepath.Abs("../examples/wordcount/reducer.py")
	blocking1m := func() (*os.File, *os.File, error) {
		r, w, err := stdinPipe()
		if err == nil {
			_, err = unix.FcntlInt(w.Fd(), unix.F_SETPIPE_SZ, 1<<20)
		}
		return r, w, err
	}
	for _, prog := range []struct {
		name string
		argv []string
	}{{"cat", []string{"cat"}}, {"python", []string{"python3", reducer}}} {
		for _, c := range []struct {
			name string
			mk   func() (*os.File, *os.File, error)
			buf  int
		}{
			{"poller", os.Pipe, inBufferSize},
			{"stdinPipe", stdinPipe, inBufferSize},
			{"blocking-1m", blocking1m, inBufferSize},
		} {
			b.Run(prog.name+"/"+c.name, func(b *testing.B) {
				if _, err := exec.LookPath(prog.argv[0]); err != nil {
					b.Skipf("%s not found", prog.argv[0])
				}
				var before, after, cbefore, cafter syscall.Rusage
				syscall.Getrusage(syscall.RUSAGE_SELF, &before)
				syscall.Getrusage(syscall.RUSAGE_CHILDREN, &cbefore)
				for i := 0; i < b.N; i++ {
					if werr, err := feedRecords(b, prog.argv, nil, n, c.buf, c.mk); werr != nil || err != nil {
						b.Fatalf("write error %v, program's %v", werr, err)
					}
				}
				syscall.Getrusage(syscall.RUSAGE_SELF, &after)
				syscall.Getrusage(syscall.RUSAGE_CHILDREN, &cafter)
				cpu := func(r *syscall.Rusage) float64 {
					return float64(r.Utime.Nano()+r.Stime.Nano()) / 1e6
				}
				b.ReportMetric((cpu(&after)-cpu(&before))/float64(b.N), "cpu-ms/op")
				b.ReportMetric((cpu(&cafter)-cpu(&cbefore))/float64(b.N), "child-cpu-ms/op")
			})
		}
	}
}
