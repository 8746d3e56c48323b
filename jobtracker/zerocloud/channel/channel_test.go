package channel

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	zmq "github.com/pebbe/zmq4"

	"zebra/jobtracker/shuffle"
)

func clusterKey(t testing.TB) *shuffle.Curve {
	t.Helper()
	if !zmq.HasCurve() {
		t.Skip("this libzmq has no CURVE support")
	}
	k, err := shuffle.DeriveCurve("channel test token")
	if err != nil {
		t.Fatal(err)
	}
	return &k
}

// TestStream sends random bytes over a channel and gets the same bytes.
func TestStream(t *testing.T) {
	key := clusterKey(t)
	r, err := Listen("tcp://127.0.0.1:*", key, []string{key.Public})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	want := make([]byte, 3*Chunk*Window+12345) // more than the window: the sender must wait for the reader
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := range want {
		want[i] = byte(rnd.Uint32())
	}
	ctx := context.Background()
	var got bytes.Buffer
	errc := make(chan error, 1)
	go func() {
		_, err := r.Copy(ctx, &got)
		errc <- err
	}()
	n, err := Send(ctx, r.Endpoint(), key, key.Public, bytes.NewReader(want))
	if err != nil || n != int64(len(want)) {
		t.Fatalf("Send: %d bytes, %v; want %d", n, err, len(want))
	}
	if err := <-errc; err != nil {
		t.Fatalf("Copy: %v", err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Fatalf("received %d bytes that differ from the %d sent", got.Len(), len(want))
	}
}

// TestStrangerRefused: a sender without the admitted key never delivers
// anything.
func TestStrangerRefused(t *testing.T) {
	key := clusterKey(t)
	other, err := shuffle.NewCurve()
	if err != nil {
		t.Fatal(err)
	}
	r, err := Listen("tcp://127.0.0.1:*", key, []string{key.Public})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rctx, cancel := context.WithCancel(context.Background())
	var got bytes.Buffer
	errc := make(chan error, 1)
	go func() {
		_, err := r.Copy(rctx, &got)
		errc <- err
	}()
	sctx, scancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer scancel()
	if _, err := Send(sctx, r.Endpoint(), &other, key.Public, strings.NewReader("intruder")); err == nil {
		t.Fatal("a sender with a key the receiver does not admit was acknowledged")
	}
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) || got.Len() != 0 {
		t.Fatalf("receiver: %v, got %q; want nothing, ended by its context", err, got.String())
	}
}

// instance is an app process with its channel devices.
type instance struct {
	name string
	dir  string // holds in/<src> and out/<dst>
	cmd  *exec.Cmd
	done chan struct{}
	out  bytes.Buffer
}

// runGraph starts one sh script per instance, with a streaming channel
// for every edge [src, dst] (src's out/dst to dst's in/src), pumped by
// SendFIFO and ReceiveFIFO as a worker does, and waits for all.
func runGraph(t *testing.T, scripts map[string]string, edges [][2]string) map[string]*instance {
	t.Helper()
	key := clusterKey(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	insts := map[string]*instance{}
	for name := range scripts {
		dir := t.TempDir()
		for _, d := range []string{"in", "out"} {
			if err := os.Mkdir(filepath.Join(dir, d), 0o700); err != nil {
				t.Fatal(err)
			}
		}
		insts[name] = &instance{name: name, dir: dir, done: make(chan struct{})}
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	fail := func(err error) {
		if err != nil {
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
		}
	}
	for _, e := range edges {
		src, dst := insts[e[0]], insts[e[1]]
		outPath, inPath := filepath.Join(src.dir, "out", dst.name), filepath.Join(dst.dir, "in", src.name)
		if err := errors.Join(MakeFIFO(outPath), MakeFIFO(inPath)); err != nil {
			t.Fatal(err)
		}
		r, err := Listen("tcp://127.0.0.1:*", key, []string{key.Public})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, err := r.ReceiveFIFO(ctx, inPath, dst.done)
			fail(err)
		}()
		go func() {
			defer wg.Done()
			_, err := SendFIFO(ctx, outPath, src.done, r.Endpoint(), key, key.Public)
			fail(err)
		}()
	}
	for name, in := range insts {
		in.cmd = exec.CommandContext(ctx, "sh", "-c", scripts[name])
		in.cmd.Dir = in.dir
		in.cmd.Stdout = &in.out
		in.cmd.Stderr = &in.out
		if err := in.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := in.cmd.Wait()
			close(in.done)
			if err != nil {
				fail(fmt.Errorf("%s: %w: %s", in.name, err, in.out.String()))
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	return insts
}

// TestCycleStreams: two instances connected both ways, each answering the
// other's line before the next is sent. With channels delivered as files
// at exit this never ends; streamed, it does.
func TestCycleStreams(t *testing.T) {
	const rounds = 50
	ping := `exec 3>out/b 4<in/b
i=1
while [ $i -le ` + fmt.Sprint(rounds) + ` ]; do
  echo "ping $i" >&3
  read reply <&4
  echo "$reply"
  i=$((i+1))
done
exec 3>&-
read rest <&4 || echo "end"`
	pong := `exec 4<in/a 3>out/a
while read line <&4; do
  echo "pong ${line#ping }" >&3
done
exec 3>&-`
	insts := runGraph(t, map[string]string{"a": ping, "b": pong}, [][2]string{{"a", "b"}, {"b", "a"}})
	var want strings.Builder
	for i := 1; i <= rounds; i++ {
		fmt.Fprintf(&want, "pong %d\n", i)
	}
	want.WriteString("end\n")
	if got := insts["a"].out.String(); got != want.String() {
		t.Fatalf("a printed %q, want %q", got, want.String())
	}
}

// TestSelfConnectedGroup: a group of three instances connected to itself
// (every instance has a channel to every other). Each sends its lines to
// its siblings, then reads all of theirs; a sibling that never opens a
// channel (c does not write to a) still ends the stream.
func TestSelfConnectedGroup(t *testing.T) {
	names := []string{"a", "b", "c"}
	scripts := map[string]string{}
	var edges [][2]string
	for _, n := range names {
		var s strings.Builder
		for _, m := range names {
			if m == n {
				continue
			}
			edges = append(edges, [2]string{n, m})
			if n == "c" && m == "a" {
				continue
			}
			fmt.Fprintf(&s, "seq 1 2000 | sed 's/^/%s->%s /' > out/%s\n", n, m, m)
		}
		for _, m := range names {
			if m != n {
				fmt.Fprintf(&s, "cat in/%s\n", m)
			}
		}
		scripts[n] = s.String()
	}
	insts := runGraph(t, scripts, edges)
	for _, n := range names {
		var want []string
		for _, m := range names {
			if m == n || (m == "c" && n == "a") {
				continue
			}
			for i := 1; i <= 2000; i++ {
				want = append(want, fmt.Sprintf("%s->%s %d", m, n, i))
			}
		}
		got := strings.Split(strings.TrimSuffix(insts[n].out.String(), "\n"), "\n")
		if len(want) == 0 {
			want = []string{""}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s read %d lines (first %q), want %d", n, len(got), got[0], len(want))
		}
	}
}
