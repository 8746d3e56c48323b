package shuffle

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	zmq "github.com/pebbe/zmq4"

	"zebra/mapreduce"
)

type kv struct{ key, value []byte }

func randomBytes(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

// randomRecords makes n records with keys and values of up to maxLen random
// bytes, empty ones included.
func randomRecords(rng *rand.Rand, n, maxLen int) []kv {
	recs := make([]kv, n)
	for i := range recs {
		recs[i] = kv{randomBytes(rng, rng.IntN(maxLen+1)), randomBytes(rng, rng.IntN(maxLen+1))}
	}
	return recs
}

// writeMapOutput writes parts as the partitions of one map output file in
// dir, the way a map task lays them out: one after the other in one file.
func writeMapOutput(t testing.TB, dir string, parts [][]kv) mapreduce.MapOutput {
	t.Helper()
	out := mapreduce.MapOutput{Path: filepath.Join(dir, "file.out")}
	var data []byte
	for p, recs := range parts {
		// Each partition's own segment file gives its Length, Records and
		// IFileSize as the engine counts them.
		part := filepath.Join(dir, fmt.Sprintf("part%d", p))
		f, err := mapreduce.CreateSegmentFile(part)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			if err := f.Append(r.key, r.value); err != nil {
				t.Fatal(err)
			}
		}
		seg, err := f.Close()
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(part)
		if err != nil {
			t.Fatal(err)
		}
		os.Remove(part)
		seg.Path, seg.Offset = out.Path, int64(len(data))
		data = append(data, b...)
		out.Segments = append(out.Segments, seg)
	}
	if err := os.WriteFile(out.Path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// checkFetched checks that seg, fetched into path, holds want and matches
// the source segment src.
func checkFetched(t testing.TB, seg mapreduce.Segment, path string, src mapreduce.Segment, want []kv) {
	t.Helper()
	if seg.Path != path || seg.Offset != 0 || seg.Length != src.Length || seg.Records != src.Records || seg.IFileSize != src.IFileSize {
		t.Fatalf("fetched segment %+v, source %+v", seg, src)
	}
	i := 0
	err := mapreduce.ScanSegment(seg, func(k, v []byte) error {
		if i >= len(want) {
			return fmt.Errorf("more than %d records", len(want))
		}
		if !bytes.Equal(k, want[i].key) || !bytes.Equal(v, want[i].value) {
			return fmt.Errorf("record %d differs", i)
		}
		i++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if i != len(want) {
		t.Fatalf("%d records, want %d", i, len(want))
	}
}

func listen(t testing.TB) *Server {
	t.Helper()
	srv, err := Listen(context.Background(), "tcp://127.0.0.1:*", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

func noFile(t testing.TB, path string) {
	t.Helper()
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("partial file %s left behind (%v)", path, err)
	}
}

// testParts is a map output of many partitions: empty ones, empty keys and
// values, a value larger than any batch, and enough records for many
// batches.
func testParts(rng *rand.Rand) [][]kv {
	big := randomRecords(rng, 3, 10)
	big[1].value = randomBytes(rng, 3<<20)
	return [][]kv{
		nil,
		randomRecords(rng, 50, 8),
		randomRecords(rng, 20000, 200),
		big,
		nil,
		{{}, {}, {key: []byte("k")}, {value: []byte("v")}},
		{{key: []byte("only"), value: []byte("one")}},
		nil,
	}
}

func TestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	dir := t.TempDir()
	parts := testParts(rng)
	out := writeMapOutput(t, dir, parts)
	srv := listen(t)
	srv.Add("attempt_1_m_000001_0", out)
	for _, opt := range []FetchOptions{
		{},
		{BatchBytes: 4 << 10, Window: 1},
		{BatchBytes: 10 << 10, Window: 3, Timeout: 5 * time.Second},
	} {
		for p := range parts {
			path := filepath.Join(dir, fmt.Sprintf("fetched%d", p))
			seg, err := Fetch(context.Background(), srv.Endpoint(), "attempt_1_m_000001_0", p, path, opt)
			if err != nil {
				t.Fatalf("partition %d, %+v: %v", p, opt, err)
			}
			checkFetched(t, seg, path, out.Segments[p], parts[p])
		}
	}
}

func TestConcurrentFetches(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	dir := t.TempDir()
	srv := listen(t)
	const maps, reduces = 4, 6
	parts := make([][][]kv, maps)
	outs := make([]mapreduce.MapOutput, maps)
	for m := range maps {
		parts[m] = make([][]kv, reduces)
		for r := range reduces {
			if rng.IntN(5) > 0 {
				parts[m][r] = randomRecords(rng, rng.IntN(5000), 100)
			}
		}
		d := filepath.Join(dir, fmt.Sprint(m))
		os.Mkdir(d, 0o755)
		outs[m] = writeMapOutput(t, d, parts[m])
		srv.Add(fmt.Sprintf("map%d", m), outs[m])
	}
	var wg sync.WaitGroup
	for r := range reduces {
		for m := range maps {
			for rep := range 2 {
				wg.Go(func() {
					path := filepath.Join(dir, fmt.Sprintf("r%d-m%d-%d", r, m, rep))
					seg, err := Fetch(context.Background(), srv.Endpoint(), fmt.Sprintf("map%d", m), r, path,
						FetchOptions{BatchBytes: 16 << 10, Window: 1 + rep*3})
					if err != nil {
						t.Error(err)
						return
					}
					checkFetched(t, seg, path, outs[m].Segments[r], parts[m][r])
				})
			}
		}
	}
	wg.Wait()
}

func TestNotFound(t *testing.T) {
	dir := t.TempDir()
	out := writeMapOutput(t, dir, [][]kv{{{key: []byte("a")}}, nil})
	srv := listen(t)
	srv.Add("m", out)
	srv.Add("gone", out)
	srv.Remove("gone")
	path := filepath.Join(dir, "fetched")
	for _, c := range []struct {
		id   string
		part int
	}{{"unknown", 0}, {"gone", 0}, {"m", 2}} {
		_, err := Fetch(context.Background(), srv.Endpoint(), c.id, c.part, path, FetchOptions{})
		if !errors.Is(err, ErrNotFound) || !mapreduce.IsKind(err, mapreduce.NotExist) {
			t.Errorf("%s partition %d: got %v, want ErrNotFound", c.id, c.part, err)
		}
		noFile(t, path)
	}

	// The file of a registered output is gone: lost too.
	os.Remove(out.Path)
	if _, err := Fetch(context.Background(), srv.Endpoint(), "m", 0, path, FetchOptions{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing file: got %v, want ErrNotFound", err)
	}
	noFile(t, path)
}

func TestCorruptSegment(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(3, 3))
	out := writeMapOutput(t, dir, [][]kv{randomRecords(rng, 1000, 50)})
	srv := listen(t)
	srv.Add("m", out)
	// Records whose lengths run past the segment.
	data, _ := os.ReadFile(out.Path)
	for i := len(data) / 2; i < len(data); i++ {
		data[i] = 0xff
	}
	os.WriteFile(out.Path, data, 0o644)
	path := filepath.Join(dir, "fetched")
	_, err := Fetch(context.Background(), srv.Endpoint(), "m", 0, path, FetchOptions{BatchBytes: 4 << 10})
	if !errors.Is(err, ErrCorrupt) {
		t.Errorf("got %v, want ErrCorrupt", err)
	}
	noFile(t, path)

	// The registered counts disagree with the file.
	bad := writeMapOutput(t, t.TempDir(), [][]kv{randomRecords(rng, 10, 5)})
	bad.Segments[0].Records++
	srv.Add("m3", bad)
	_, err = Fetch(context.Background(), srv.Endpoint(), "m3", 0, path, FetchOptions{})
	if !errors.Is(err, ErrCorrupt) {
		t.Errorf("count mismatch: got %v, want ErrCorrupt", err)
	}
	noFile(t, path)
}

// bigOutput is a map output of one partition that takes many small batches.
func bigOutput(t testing.TB) mapreduce.MapOutput {
	rng := rand.New(rand.NewPCG(4, 4))
	return writeMapOutput(t, t.TempDir(), [][]kv{randomRecords(rng, 20000, 100)})
}

// setHook installs testHookData for the test.
func setHook(t *testing.T, hook func(seq uint32)) {
	testHookData = hook
	t.Cleanup(func() { testHookData = nil })
}

func TestServerClosedMidFetch(t *testing.T) {
	srv := listen(t)
	srv.Add("m", bigOutput(t))
	setHook(t, func(seq uint32) {
		if seq == 2 {
			srv.Close()
		}
	})
	path := filepath.Join(t.TempDir(), "fetched")
	_, err := Fetch(context.Background(), srv.Endpoint(), "m", 0, path, FetchOptions{BatchBytes: 4 << 10, Window: 2, Timeout: time.Second})
	if !errors.Is(err, ErrUnavailable) {
		t.Errorf("got %v, want ErrUnavailable", err)
	}
	noFile(t, path)
}

func TestServerKilledMidFetch(t *testing.T) {
	c := startServerChild(t, bigOutput(t))
	setHook(t, func(seq uint32) {
		if seq == 2 {
			c.cmd.Process.Kill()
		}
	})
	path := filepath.Join(t.TempDir(), "fetched")
	_, err := Fetch(context.Background(), c.endpoint, childOutputID, 0, path, FetchOptions{BatchBytes: 4 << 10, Window: 2, Timeout: 500 * time.Millisecond})
	if !errors.Is(err, ErrUnavailable) || !mapreduce.IsKind(err, mapreduce.Transient) {
		t.Errorf("got %v, want ErrUnavailable", err)
	}
	noFile(t, path)
}

// silentServer binds a ROUTER socket that reads and never answers.
func silentServer(t *testing.T) string {
	sock, err := zmq.NewSocket(zmq.ROUTER)
	if err != nil {
		t.Fatal(err)
	}
	sock.SetLinger(0)
	if err := sock.Bind("tcp://127.0.0.1:*"); err != nil {
		t.Fatal(err)
	}
	ep, _ := sock.GetLastEndpoint()
	t.Cleanup(func() { sock.Close() })
	return ep
}

func TestUnavailable(t *testing.T) {
	// A socket that never answers, and an endpoint nobody listens on.
	srv := listen(t)
	closed := srv.Endpoint()
	srv.Close()
	for _, ep := range []string{silentServer(t), closed} {
		path := filepath.Join(t.TempDir(), "fetched")
		_, err := Fetch(context.Background(), ep, "m", 0, path, FetchOptions{Timeout: 200 * time.Millisecond})
		if !errors.Is(err, ErrUnavailable) {
			t.Errorf("%s: got %v, want ErrUnavailable", ep, err)
		}
		noFile(t, path)
	}
	if _, err := Fetch(context.Background(), "nonsense", "m", 0, filepath.Join(t.TempDir(), "f"), FetchOptions{}); err == nil {
		t.Error("fetch from a malformed endpoint succeeded")
	}
}

func TestContextCanceled(t *testing.T) {
	ep := silentServer(t)
	path := filepath.Join(t.TempDir(), "fetched")
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err := Fetch(ctx, ep, "m", 0, path, FetchOptions{Timeout: time.Hour})
	if !errors.Is(err, context.Canceled) || !mapreduce.IsKind(err, mapreduce.Canceled) {
		t.Errorf("waiting: got %v, want context.Canceled", err)
	}
	noFile(t, path)

	// Canceled while data flows.
	srv := listen(t)
	srv.Add("m", bigOutput(t))
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	setHook(t, func(seq uint32) {
		if seq == 3 {
			cancel()
		}
	})
	_, err = Fetch(ctx, srv.Endpoint(), "m", 0, path, FetchOptions{BatchBytes: 4 << 10})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("receiving: got %v, want context.Canceled", err)
	}
	noFile(t, path)
}

func TestListenContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := Listen(ctx, "tcp://127.0.0.1:*", nil)
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	<-srv.done
	srv.Close()
	if _, err := Listen(context.Background(), "bogus://x", nil); err == nil {
		t.Error("listen on a bogus endpoint succeeded")
	}
}

// TestWindow checks the flow control from the fetcher's side of the wire:
// the server sends no more data messages than the credits it holds.
func TestWindow(t *testing.T) {
	srv := listen(t)
	srv.Add("m", bigOutput(t))
	sock, err := zmq.NewSocket(zmq.DEALER)
	if err != nil {
		t.Fatal(err)
	}
	defer sock.Close()
	sock.SetLinger(0)
	sock.Connect(srv.Endpoint())
	const window = 3
	sendFrames(sock, 0, openHeader(openRequest{partition: 0, batchBytes: 4 << 10, window: window}), []byte("m"))
	poller := zmq.NewPoller()
	poller.Add(sock, zmq.POLLIN)
	// expect receives n data messages, then checks that no more come.
	expect := func(n int) {
		t.Helper()
		for i := 0; i <= n; i++ {
			wait := 10 * time.Second
			if i == n {
				wait = 300 * time.Millisecond
			}
			polled, err := poller.Poll(wait)
			if err != nil {
				t.Fatal(err)
			}
			if len(polled) == 0 {
				if i < n {
					t.Fatalf("%d data messages, want %d", i, n)
				}
				return
			}
			if i == n {
				t.Fatalf("more than %d data messages", n)
			}
			frames, err := recvFrames(sock, 0, nil)
			if err != nil || frames[0][0] != kindData {
				t.Fatalf("got %q, %v; want a data message", frames, err)
			}
		}
	}
	expect(window)
	sendFrames(sock, 0, creditHeader(2))
	expect(2)
	sendFrames(sock, 0, []byte{kindCancel})
}

var fuzzRounds = 500

// TestDecodeCorrupt feeds the decoder damaged data messages.
func TestDecodeCorrupt(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	out := writeMapOutput(t, t.TempDir(), [][]kv{randomRecords(rng, 100, 20)})
	r, err := mapreduce.OpenSegment(out.Segments[0])
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	msg, n, err := newEncoder().encode(r, 1<<20, nil)
	if err != nil || n != 100 {
		t.Fatalf("encode: %d records, %v", n, err)
	}
	dir := t.TempDir()
	for i, bad := range [][]byte{
		nil,
		msg[:len(msg)/2],
		append(append([]byte{}, msg...), 1, 2, 3),
		append([]byte{1, 2, 3, 4}, msg[4:]...),
	} {
		f, err := mapreduce.CreateSegmentFile(filepath.Join(dir, fmt.Sprint(i)))
		if err != nil {
			t.Fatal(err)
		}
		d := newDecoder()
		err = d.decode(bad, f)
		d.close()
		f.Close()
		if !errors.Is(err, ErrCorrupt) {
			t.Errorf("message %d: got %v, want ErrCorrupt", i, err)
		}
	}
	// Random damage may go unnoticed (the end message's counts catch most),
	// but must not make the decoder panic.
	for i := range fuzzRounds {
		b := bytes.Clone(msg)
		for range 1 + i%3 {
			b[rng.IntN(min(len(b), 1200))] = byte(rng.Uint32()) // mostly metadata and offsets
		}
		f, _ := mapreduce.CreateSegmentFile(filepath.Join(dir, "random"))
		d := newDecoder()
		d.decode(b, f)
		d.close()
		f.Close()
	}
	f, _ := mapreduce.CreateSegmentFile(filepath.Join(dir, "ok"))
	d := newDecoder()
	if err := d.decode(msg, f); err != nil {
		t.Errorf("good message: %v", err)
	}
	d.close()
	if seg, _ := f.Close(); seg.Records != 100 {
		t.Errorf("good message: %d records, want 100", seg.Records)
	}
}

func TestBadRequest(t *testing.T) {
	srv := listen(t)
	sock, err := zmq.NewSocket(zmq.DEALER)
	if err != nil {
		t.Fatal(err)
	}
	defer sock.Close()
	sock.SetLinger(0)
	sock.SetRcvtimeo(10 * time.Second)
	sock.Connect(srv.Endpoint())
	hdr := openHeader(openRequest{window: 1})
	hdr[1] = protocolVersion + 1
	sendFrames(sock, 0, hdr, []byte("m"))
	frames, err := recvFrames(sock, 0, nil)
	if err != nil || len(frames) != 2 || !bytes.Equal(frames[0], errorHeader(codeBadRequest)) {
		t.Fatalf("got %q, %v; want a bad request error", frames, err)
	}
}

// TestAbandonedFetch checks that the server drops a fetch whose fetcher
// vanished without a word, holding no credits.
func TestAbandonedFetch(t *testing.T) {
	idle, sweep := sessionIdle, sweepEvery
	sessionIdle, sweepEvery = 100*time.Millisecond, 20*time.Millisecond
	srv := listen(t)
	defer func() {
		srv.Close()
		sessionIdle, sweepEvery = idle, sweep
	}()
	srv.Add("m", bigOutput(t))
	sock, err := zmq.NewSocket(zmq.DEALER)
	if err != nil {
		t.Fatal(err)
	}
	sock.SetRcvtimeo(10 * time.Second)
	sock.Connect(srv.Endpoint())
	sendFrames(sock, 0, openHeader(openRequest{batchBytes: 4 << 10, window: 1}), []byte("m"))
	if frames, err := recvFrames(sock, 0, nil); err != nil || frames[0][0] != kindData {
		t.Fatalf("got %q, %v; want a data message", frames, err)
	}
	if srv.active.Load() != 1 {
		t.Fatalf("%d fetches under way, want 1", srv.active.Load())
	}
	sock.SetLinger(0)
	sock.Close()
	for srv.active.Load() != 0 {
		time.Sleep(10 * time.Millisecond) // the test's timeout catches a hang
	}
}
