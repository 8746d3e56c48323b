package shuffle

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
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
// the source segment src, byte for byte.
func checkFetched(t testing.TB, seg mapreduce.Segment, path string, src mapreduce.Segment, want []kv) {
	t.Helper()
	if seg.Path != path || seg.Offset != 0 || seg.Length != src.Length || seg.Records != src.Records || seg.IFileSize != src.IFileSize {
		t.Fatalf("fetched segment %+v, source %+v", seg, src)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	srcFile, err := os.ReadFile(src.Path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, srcFile[src.Offset:src.Offset+src.Length]) {
		t.Fatalf("fetched file %s (%d bytes) differs from the source segment (%d bytes at %d of %s)", path, len(got), src.Length, src.Offset, src.Path)
	}
	i := 0
	err = mapreduce.ScanSegment(seg, func(k, v []byte) error {
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

// TestBatchEdges fetches partitions whose records fall on and around batch
// boundaries with the smallest batches: records of exactly a batch, one
// byte under and over, records many times a batch, empty keys and values
// between them, and a partition of many batches.
func TestBatchEdges(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	const batch = minBatchBytes
	var edges []kv
	for _, n := range []int{batch - 1, batch, batch + 1, 2*batch - 3, 10 * batch, 3, 200 << 10} {
		// A record of n stored bytes: a 1-byte key and a value of v bytes
		// take 1 + uvarint(v) + 1 + v.
		v := n - 3
		if v >= 128 {
			v = n - 4
		}
		if v >= 16384 {
			v = n - 5
		}
		edges = append(edges, kv{key: randomBytes(rng, 1), value: randomBytes(rng, v)}, kv{})
	}
	parts := [][]kv{
		edges,
		append(randomRecords(rng, 3000, 40), kv{value: randomBytes(rng, 5*batch)}),
		{{}, {}, {}},
	}
	dir := t.TempDir()
	out := writeMapOutput(t, dir, parts)
	srv := listen(t)
	srv.Add("m", out)
	for _, opt := range []FetchOptions{{BatchBytes: batch, Window: 1}, {BatchBytes: batch, Window: 2}, {}} {
		for p := range parts {
			path := filepath.Join(dir, fmt.Sprintf("fetched%d", p))
			seg, err := Fetch(context.Background(), srv.Endpoint(), "m", p, path, opt)
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
	out := writeMapOutput(t, t.TempDir(), [][]kv{randomRecords(rng, 300, 20)})
	// The first two data messages of the partition, copied.
	var msgs [][][]byte
	forBatches(t, out.Segments[0], minBatchBytes, func(frames [][]byte) {
		var c [][]byte
		for _, f := range frames {
			c = append(c, bytes.Clone(f))
		}
		msgs = append(msgs, c)
	})
	if len(msgs) < 2 {
		t.Fatalf("%d data messages, want 2 or more", len(msgs))
	}
	first, second := msgs[0], msgs[1]
	head, data, pad := first[0], first[1], first[2]
	clone := func(b []byte, at int, v byte) []byte { b = bytes.Clone(b); b[at] = v; return b }
	dir := t.TempDir()
	for i, bad := range [][][]byte{
		nil,
		{head, data},
		{head[:len(head)/2], data, pad},
		{append(bytes.Clone(head), 0, 0, 0, 0, 0, 0, 0, 0), data, pad},
		{head, data[:len(data)-1], pad},
		{head, append(bytes.Clone(data), 0), pad},
		{head, data, append(bytes.Clone(pad), 0)},
		{clone(head, len(schemaMessage), 1), data, pad},       // continuation marker
		{clone(head, len(schemaMessage)+4, 0xff), data, pad},  // metadata length
		{clone(head, len(head)-1, 0x7f), data, pad},           // last offset
		{clone(head, len(head)-4*10, 0x7f), data, pad},        // an offset
		{clone(head, len(schemaMessage)+20, 0x5a), data, pad}, // metadata
		{head, clone(data, 0, 0x7f), pad},                     // a record's key length
		second,                                                // without the schema
		{head[len(schemaMessage):], data, pad},                // likewise
	} {
		f, err := mapreduce.CreateSegmentFile(filepath.Join(dir, fmt.Sprint(i)))
		if err != nil {
			t.Fatal(err)
		}
		err = newDecoder().decode(bad, f)
		if seg, _ := f.Close(); seg.Length != 0 {
			t.Errorf("message %d: %d bytes written", i, seg.Length)
		}
		if !errors.Is(err, ErrCorrupt) {
			t.Errorf("message %d: got %v, want ErrCorrupt", i, err)
		}
	}
	// Random damage is caught or harmless (the end message's counts catch
	// the rest), and never makes the decoder panic.
	for i := range fuzzRounds {
		m := [][]byte{bytes.Clone(head), bytes.Clone(data), pad}
		for range 1 + i%3 {
			j := rng.IntN(2)
			m[j][rng.IntN(min(len(m[j]), 1200))] = byte(rng.Uint32())
		}
		f, _ := mapreduce.CreateSegmentFile(filepath.Join(dir, "random"))
		newDecoder().decode(m, f)
		f.Close()
	}
	f, _ := mapreduce.CreateSegmentFile(filepath.Join(dir, "ok"))
	d := newDecoder()
	for i, m := range msgs {
		if err := d.decode(m, f); err != nil {
			t.Errorf("good message %d: %v", i, err)
		}
	}
	if seg, _ := f.Close(); seg.Records != 300 || seg.Length != out.Segments[0].Length {
		t.Errorf("good messages: %d records in %d bytes, want 300 in %d", seg.Records, seg.Length, out.Segments[0].Length)
	}
}

// TestDecodeFastCheck holds the decoder's two checks of a message's Arrow
// framing against each other (see decoder): a message of the same record
// count and data length as the one before, damaged at random, must be
// accepted by the check against the remembered metadata exactly when the
// check by encoding again accepts it, and then give the same bytes.
func TestDecodeFastCheck(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	// Records of one size, so that the first two batches have the same
	// shape; keys and values of 60 and 70 bytes, so that some damage to a
	// length byte still parses.
	recs := make([]kv, 200)
	for i := range recs {
		recs[i] = kv{randomBytes(rng, 60), randomBytes(rng, 70)}
	}
	out := writeMapOutput(t, t.TempDir(), [][]kv{recs})
	var msgs [][][]byte
	forBatches(t, out.Segments[0], minBatchBytes, func(frames [][]byte) {
		var c [][]byte
		for _, f := range frames {
			c = append(c, bytes.Clone(f))
		}
		msgs = append(msgs, c)
	})
	if len(msgs) < 3 || len(msgs[0][1]) != len(msgs[1][1]) {
		t.Fatalf("%d data messages, the first two of %d and %d bytes: want two of one shape", len(msgs), len(msgs[0][1]), len(msgs[1][1]))
	}
	head, data, pad := msgs[1][0], msgs[1][1], msgs[1][2]
	dir := t.TempDir()
	decodeSecond := func(m [][]byte, fast bool) ([]byte, error) {
		path := filepath.Join(dir, fmt.Sprint(fast))
		f, err := mapreduce.CreateSegmentFile(path)
		if err != nil {
			t.Fatal(err)
		}
		d := newDecoder()
		if err := d.decode(msgs[0], f); err != nil {
			t.Fatalf("first message: %v", err)
		}
		if !fast {
			d.meta = d.meta[:0] // forget the first message's shape: encode again
		}
		err = d.decode(m, f)
		f.Close()
		b, rerr := os.ReadFile(path)
		if rerr != nil {
			t.Fatal(rerr)
		}
		return b, err
	}
	var accepted, rejected int
	for i := range fuzzRounds {
		m := [][]byte{bytes.Clone(head), bytes.Clone(data), bytes.Clone(pad)}
		switch i % 5 {
		case 0, 1: // the metadata and offsets
			for range 1 + i%3 {
				m[0][rng.IntN(len(m[0]))] = byte(rng.Uint32())
			}
		case 2: // the records
			for range 1 + i%2 {
				m[1][rng.IntN(len(m[1]))] = byte(rng.Uint32())
			}
		case 3: // the offsets buffer's length and padding
			if i%2 == 0 {
				m[0] = append(m[0], make([]byte, 4*(1+rng.IntN(2)))...)
			} else {
				m[0] = m[0][:len(m[0])-4*(1+rng.IntN(2))]
			}
		case 4: // the pad
			if len(m[2]) > 0 && i%2 == 0 {
				m[2][rng.IntN(len(m[2]))] = 1
			} else {
				m[2] = append(m[2], 0)
			}
		}
		fastOut, fastErr := decodeSecond(m, true)
		slowOut, slowErr := decodeSecond(m, false)
		if (fastErr == nil) != (slowErr == nil) {
			t.Fatalf("damage %d: the check against the last metadata gives %v, encoding again %v", i, fastErr, slowErr)
		}
		if fastErr != nil && !errors.Is(fastErr, ErrCorrupt) {
			t.Fatalf("damage %d: %v, want ErrCorrupt", i, fastErr)
		}
		if !bytes.Equal(fastOut, slowOut) {
			t.Fatalf("damage %d: the two checks wrote different bytes", i)
		}
		if fastErr == nil {
			accepted++
		} else {
			rejected++
		}
	}
	// Both outcomes happened, or the comparison proved nothing.
	if accepted == 0 || rejected == 0 {
		t.Errorf("%d damaged messages accepted, %d rejected: want some of each", accepted, rejected)
	}
	t.Logf("%d damaged messages accepted, %d rejected", accepted, rejected)
}

// TestTuneMalloc runs tuneMalloc in child processes with and without
// malloc settings in their environment: it tunes glibc's malloc unless the
// environment already does.
func TestTuneMalloc(t *testing.T) {
	var base []string // this process's environment without malloc settings
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MALLOC_") && !strings.HasPrefix(kv, "GLIBC_TUNABLES=") {
			base = append(base, kv)
		}
	}
	for _, c := range []struct {
		env  string
		want bool
	}{
		{"", glibc},
		{"GLIBC_TUNABLES=glibc.cpu.x86_shstk=on", glibc}, // not malloc's
		{"GLIBC_TUNABLES=glibc.malloc.trim_threshold=1048576", false},
		{"GLIBC_TUNABLES=glibc.rtld.nns=4:glibc.malloc.arena_max=2", false},
		{"MALLOC_ARENA_MAX=2", false},
		{"MALLOC_TRIM_THRESHOLD_=1048576", false},
	} {
		cmd := exec.Command(os.Args[0], "-test.run", "^$")
		cmd.Env = append(append([]string{}, base...), childEnv+"=malloc")
		if c.env != "" {
			cmd.Env = append(cmd.Env, c.env)
		}
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("child with %q: %v", c.env, err)
		}
		if got := strings.TrimSpace(string(out)); got != strconv.FormatBool(c.want) {
			t.Errorf("with %q in the environment, tuneMalloc set the thresholds: %s, want %v", c.env, got, c.want)
		}
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
	for _, version := range []byte{1, protocolVersion + 1} { // an older fetcher, a newer one
		hdr := openHeader(openRequest{window: 1})
		hdr[1] = version
		sendFrames(sock, 0, hdr, []byte("m"))
		frames, err := recvFrames(sock, 0, nil)
		if err != nil || len(frames) != 2 || !bytes.Equal(frames[0], errorHeader(codeBadRequest)) {
			t.Fatalf("version %d: got %q, %v; want a bad request error", version, frames, err)
		}
		if want := fmt.Sprintf("version %d is not supported", version); !bytes.Contains(frames[1], []byte(want)) {
			t.Errorf("version %d: error %q does not say %q", version, frames[1], want)
		}
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
