package shuffle

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime/pprof"
	"strings"
	"syscall"
	"testing"
	"time"

	zmq "github.com/pebbe/zmq4"

	"zebra/mapreduce"
)

// The test binary doubles as a worker process: with childEnv set it runs a
// shuffle server (or, for the raw baselines, a plain ZeroMQ sender) instead
// of the tests, so that fetches cross a process boundary as in a cluster.
const (
	childEnv       = "ZEBRA_SHUFFLE_TEST_CHILD"
	childOutputEnv = "ZEBRA_SHUFFLE_TEST_OUTPUT"
	// childProfileEnv names a file for a CPU profile of a child (server or
	// raw sender), for looking into the server side of a benchmark.
	childProfileEnv = "ZEBRA_SHUFFLE_TEST_CHILD_CPUPROFILE"
	// childCurveEnv, if set, makes the child a CURVE server: "SECRET
	// CLIENT_PUBLIC" (its secret key, the one client key it admits).
	childCurveEnv = "ZEBRA_SHUFFLE_TEST_CURVE"
)

// childOutputID is the id under which a child server registers its output.
const childOutputID = "attempt_child_m_000000_0"

func TestMain(m *testing.M) {
	switch os.Getenv(childEnv) {
	case "":
		code := m.Run()
		removeBenchData()
		os.Exit(code)
	case "server":
		runServerChild()
	case "raw":
		runRawChild()
	case "malloc":
		fmt.Println(tuneMalloc())
	default:
		fmt.Fprintln(os.Stderr, "unknown child mode")
		os.Exit(2)
	}
	os.Exit(0)
}

func childFatal(err error) {
	fmt.Fprintln(os.Stderr, "shuffle test child:", err)
	os.Exit(1)
}

// runServerChild serves the map output in childOutputEnv until its stdin
// closes.
func runServerChild() {
	var out mapreduce.MapOutput
	if err := json.Unmarshal([]byte(os.Getenv(childOutputEnv)), &out); err != nil {
		childFatal(err)
	}
	var srv *Server
	var err error
	if v := os.Getenv(childCurveEnv); v != "" {
		secret, client, _ := strings.Cut(v, " ")
		key, kerr := CurveFromSecret(secret)
		if kerr != nil {
			childFatal(kerr)
		}
		srv, err = ListenSecure(context.Background(), "tcp://127.0.0.1:*", nil, key, []string{client})
	} else {
		srv, err = Listen(context.Background(), "tcp://127.0.0.1:*", nil)
	}
	if err != nil {
		childFatal(err)
	}
	defer startChildProfile()()
	srv.Add(childOutputID, out)
	fmt.Println(srv.Endpoint())
	for in := bufio.NewScanner(os.Stdin); in.Scan(); {
		if in.Text() == "cpu" {
			cpu, faults := usage()
			fmt.Println(int64(cpu), faults)
		}
	}
	srv.Close()
}

// startChildProfile starts a CPU profile of the child into the file named
// by childProfileEnv, if set; the function it returns stops it.
func startChildProfile() func() {
	path := os.Getenv(childProfileEnv)
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		childFatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		childFatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

// runRawChild is the baseline sender: a ROUTER socket (a CURVE server if
// childCurveEnv is set, as for the shuffle server) that answers each request
// "count size window [file]" from a DEALER with count data messages of size
// bytes (read from file if given),
// framed like the shuffle's ('D' seq:u32 | payload), at most window ahead
// of the credits the requester returns. It is the shuffle protocol with the
// payload straight from memory: no segment to read, nothing to encode.
func runRawChild() {
	sock, err := zmq.NewSocket(zmq.ROUTER)
	if err != nil {
		childFatal(err)
	}
	if v := os.Getenv(childCurveEnv); v != "" {
		secret, client, _ := strings.Cut(v, " ")
		key, err := CurveFromSecret(secret)
		if err != nil {
			childFatal(err)
		}
		if _, err := secureServer(sock, key, []string{client}); err != nil {
			childFatal(err)
		}
	}
	if err := sock.Bind("tcp://127.0.0.1:*"); err != nil {
		childFatal(err)
	}
	ep, _ := sock.GetLastEndpoint()
	fmt.Println(ep)
	stopProfile := startChildProfile()
	go func() {
		for in := bufio.NewScanner(os.Stdin); in.Scan(); {
			if in.Text() == "cpu" {
				cpu, faults := usage()
				fmt.Println(int64(cpu), faults)
			}
		}
		stopProfile()
		os.Exit(0)
	}()
	var buf []byte
	var frames [][]byte
	for {
		frames, err = recvFrames(sock, 0, frames)
		if err != nil {
			childFatal(err)
		}
		if len(frames) != 2 || len(frames[1]) == 0 || frames[1][0] == kindCredit {
			continue // late credits of the previous request
		}
		ident := frames[0]
		var count, size, window int
		var path string
		if n, err := fmt.Sscan(string(frames[1]), &count, &size, &window, &path); n < 3 {
			childFatal(err)
		}
		var file *os.File
		var fileSize int64
		if path != "" {
			if file, err = os.Open(path); err != nil {
				childFatal(err)
			}
			fi, err := file.Stat()
			if err != nil {
				childFatal(err)
			}
			fileSize = fi.Size()
		}
		if len(buf) < size {
			buf = make([]byte, size)
			for i := range buf {
				buf[i] = byte(i * 7)
			}
		}
		credits := window
		for seq := 0; seq < count; seq++ {
			for credits == 0 {
				if frames, err = recvFrames(sock, 0, frames); err != nil {
					childFatal(err)
				}
				if len(frames) == 2 && len(frames[1]) == creditLen && frames[1][0] == kindCredit {
					credits += int(binary.LittleEndian.Uint32(frames[1][1:]))
				}
			}
			credits--
			if file != nil {
				// The file's bytes, from the start again when they run
				// out (the payload is a little bigger than the records).
				off := int64(seq) * int64(size) % max(fileSize-int64(size), 1)
				if _, err := file.ReadAt(buf[:size], off); err != nil {
					childFatal(err)
				}
			}
			if err := sendFrames(sock, 0, ident, dataHeader(uint32(seq)), buf[:size]); err != nil {
				childFatal(err)
			}
		}
		if err := sendFrames(sock, 0, ident, endHeader(0, 0, 0)); err != nil {
			childFatal(err)
		}
		if file != nil {
			file.Close()
		}
	}
}

// usage is the CPU time the process has used, in all its threads, and
// its minor page faults.
func usage() (time.Duration, int64) {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), ru.Minflt
}

// child is a worker process started by startChild.
type child struct {
	cmd      *exec.Cmd
	stdin    io.WriteCloser
	stdout   *bufio.Reader
	endpoint string
}

// usage asks the child for its CPU time and minor page faults.
func (c *child) usage(tb testing.TB) (time.Duration, int64) {
	fmt.Fprintln(c.stdin, "cpu")
	line, err := c.stdout.ReadString('\n')
	if err != nil {
		tb.Fatal(err)
	}
	var ns, faults int64
	if _, err := fmt.Sscan(line, &ns, &faults); err != nil {
		tb.Fatalf("child's usage %q: %v", line, err)
	}
	return time.Duration(ns), faults
}

// startChild starts the test binary in mode with extra environment, and
// waits for the endpoint it prints. The child ends with the test.
func startChild(tb testing.TB, mode string, env ...string) *child {
	tb.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), append([]string{childEnv + "=" + mode}, env...)...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	c := &child{cmd: cmd, stdin: stdin, stdout: bufio.NewReader(stdout)}
	tb.Cleanup(func() {
		stdin.Close()
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	line, err := c.stdout.ReadString('\n')
	if err != nil {
		tb.Fatalf("child %s: %v", mode, err)
	}
	c.endpoint = strings.TrimSpace(line)
	return c
}

// startServerChild starts a child serving out as childOutputID.
func startServerChild(tb testing.TB, out mapreduce.MapOutput, env ...string) *child {
	js, err := json.Marshal(out)
	if err != nil {
		tb.Fatal(err)
	}
	return startChild(tb, "server", append([]string{childOutputEnv + "=" + string(js)}, env...)...)
}
