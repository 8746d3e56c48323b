package swiftfs_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"zebra/mapreduce"
	"zebra/swiftfs"
	"zebra/swiftfs/aio"
)

func TestLocate(t *testing.T) {
	need(t)
	fresh(t, "loc")
	ctx := context.Background()
	f := newFS(t, swiftfs.Config{})
	name := "/loc/dir with space/ü €.txt"
	data := []byte("where am I?\n")
	put(t, f, name, data)
	hosts, err := f.Locate(ctx, name, 0, int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	sorted := slices.Sorted(slices.Values(hosts))
	if want := slices.Sorted(slices.Values(cluster.ObjectServers)); !slices.Equal(sorted, want) {
		t.Fatalf("Locate = %q, want the 3 object servers %q", hosts, want)
	}
	reps, err := f.Replicas(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range reps {
		// The replica really is there: a direct GET, no token, no proxy.
		req, _ := http.NewRequest("GET", r.URL, nil)
		for k, v := range r.Headers {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !bytes.Equal(body, data) {
			t.Errorf("direct GET %s: %s, %q", r.URL, resp.Status, body)
		}
	}
	splits := []mapreduce.Split{{Path: name, Start: 0, Length: 6}, {Path: name, Start: 6, Length: 6}}
	if err := mapreduce.LocateSplits(ctx, f, splits); err != nil {
		t.Fatal(err)
	}
	for _, s := range splits {
		if len(s.Hosts) != 3 {
			t.Errorf("LocateSplits: %v has hosts %q", s, s.Hosts)
		}
	}
}

// objectServer returns the aio process name of the object server node.
func objectServer(t *testing.T, node string) string {
	t.Helper()
	i := slices.Index(cluster.ObjectServers, node)
	if i < 0 {
		t.Fatalf("%s is none of the object servers %q", node, cluster.ObjectServers)
	}
	return fmt.Sprintf("object-%d", i+1)
}

// kill stops the process and waits until it is gone and its port refuses.
func kill(t *testing.T, name, addr string) {
	t.Helper()
	pid := cluster.PIDs[name]
	if pid == 0 {
		t.Fatalf("no PID for %s", name)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill %s (pid %d): %v", name, pid, err)
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		gone := err != nil || strings.Contains(string(stat), ") Z ")
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			gone = false
		}
		if gone {
			return
		}
	}
	t.Fatalf("%s (pid %d) did not go away", name, pid)
}

// holds reports whether the replica r has the bytes data (a direct GET).
func holds(r swiftfs.Replica, data []byte) bool {
	req, _ := http.NewRequest("GET", r.URL, nil)
	for k, v := range r.Headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return err == nil && resp.StatusCode == 200 && bytes.Equal(b, data)
}

func TestDirectRead(t *testing.T) {
	need(t)
	fresh(t, "dr", "dr_segments")
	ctx := context.Background()
	writer := newFS(t, swiftfs.Config{})
	// Contents unique to this run, so that replicas left by an earlier run
	// on a reused cluster never match by chance.
	seed := [32]byte{3}
	binary.LittleEndian.PutUint64(seed[8:], uint64(time.Now().UnixNano()))
	rng := rand.NewChaCha8(seed)
	data := make([]byte, 1<<20+3)
	rng.Read(data)
	big := make([]byte, 32<<20)
	rng.Read(big)
	name := "/dr/ü €/obj.bin"
	put(t, writer, name, data)
	put(t, writer, "/dr/big", big)
	reps, err := writer.Replicas(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	bigReps, err := writer.Replicas(ctx, "/dr/big")
	if err != nil {
		t.Fatal(err)
	}
	// The local node: one that holds both objects. (All do, unless the
	// proxy still avoids a server that a test killed a moment ago.)
	local := ""
	for i := range reps {
		j := slices.IndexFunc(bigReps, func(r swiftfs.Replica) bool { return r.Node == reps[i].Node })
		if holds(reps[i], data) && j >= 0 && holds(bigReps[j], big) {
			local = reps[i].Node
			break
		}
	}
	if local == "" {
		t.Fatalf("no object server holds both new objects (replicas %v)", reps)
	}

	f := newFS(t, swiftfs.Config{LocalNode: local})
	if got := get(t, f, name, 12345); !bytes.Equal(got, data[12345:]) {
		t.Fatal("direct read: wrong bytes")
	}
	st := f.Stats()
	if st.DirectReads.Load() != 1 || st.ProxyReads.Load() != 0 || st.DirectBytes.Load() != int64(len(data)-12345) {
		t.Errorf("after a read beside a replica: direct %d, proxy %d, direct bytes %d", st.DirectReads.Load(), st.ProxyReads.Load(), st.DirectBytes.Load())
	}
	if got := get(t, f, name, int64(len(data))); len(got) != 0 {
		t.Errorf("direct read at the end: %d bytes", len(got))
	}

	// Beside a replica but with zebra.locality=off: through the proxy,
	// not even tried directly.
	off := newFS(t, swiftfs.Config{LocalNode: local, Settings: localityIs("off")})
	if got := get(t, off, name, 12345); !bytes.Equal(got, data[12345:]) {
		t.Fatal("read with locality off: wrong bytes")
	}
	if s := off.Stats(); s.DirectReads.Load() != 0 || s.Fallbacks.Load() != 0 || s.ProxyReads.Load() != 1 || s.ProxyBytes.Load() != int64(len(data)-12345) {
		t.Errorf("locality off: direct %d, fallbacks %d, proxy %d, proxy bytes %d", s.DirectReads.Load(), s.Fallbacks.Load(), s.ProxyReads.Load(), s.ProxyBytes.Load())
	}
	if _, err := swiftfs.New(swiftfs.Config{Getenv: env(cluster.Key), Settings: localityIs("maybe")}); !mapreduce.IsKind(err, mapreduce.Invalid) || !strings.Contains(fmt.Sprint(err), "zebra.locality") {
		t.Errorf("zebra.locality=maybe: %v, want an Invalid error naming the setting", err)
	}

	// Beside no replica: through the proxy.
	far := newFS(t, swiftfs.Config{LocalNode: "127.0.0.1:1"})
	if got := get(t, far, name, 0); !bytes.Equal(got, data) {
		t.Fatal("proxy read: wrong bytes")
	}
	if s := far.Stats(); s.DirectReads.Load() != 0 || s.ProxyReads.Load() != 1 || s.Fallbacks.Load() != 1 {
		t.Errorf("beside no replica: direct %d, proxy %d, fallbacks %d", s.DirectReads.Load(), s.ProxyReads.Load(), s.Fallbacks.Load())
	}

	// A manifest is read through the proxy, which follows its segments.
	put(t, writer, "/dr_segments/s/0", data[:1<<19])
	put(t, writer, "/dr_segments/s/1", data[1<<19:])
	raw(t, "PUT", "/dr/slo?multipart-manifest=put", strings.NewReader(`[{"path":"dr_segments/s/0"},{"path":"dr_segments/s/1"}]`), nil).Body.Close()
	direct := st.DirectReads.Load()
	if got := get(t, f, "/dr/slo", 1000); !bytes.Equal(got, data[1000:]) {
		t.Error("SLO read beside a replica of the manifest: wrong bytes")
	}
	if st.DirectReads.Load() != direct {
		t.Error("an SLO manifest was read directly")
	}

	// The local object server dies: reads fall back to the proxy.
	proc := objectServer(t, local)
	kill(t, proc, local)
	direct, proxy := st.DirectReads.Load(), st.ProxyReads.Load()
	if got := get(t, f, name, 0); !bytes.Equal(got, data) {
		t.Fatal("read with the local object server down: wrong bytes")
	}
	if st.DirectReads.Load() != direct || st.ProxyReads.Load() != proxy+1 {
		t.Errorf("local server down: direct %d→%d, proxy %d→%d", direct, st.DirectReads.Load(), proxy, st.ProxyReads.Load())
	}
	// While it is down: a new object (2 replicas written) and an overwrite.
	newer := make([]byte, 1000)
	rng.Read(newer)
	put(t, writer, "/dr/new", newer)
	data2 := make([]byte, 2000)
	rng.Read(data2)
	raw(t, "PUT", "/dr/%C3%BC%20%E2%82%AC/obj.bin", bytes.NewReader(data2), nil).Body.Close()

	// Restarted, it lacks the new object and holds a stale replica of the
	// old one: both are read through the proxy, with the right bytes.
	c, err := aio.Start(ctx, cluster.Dir)
	if err != nil {
		t.Fatal(err)
	}
	cluster = c
	direct, proxy = st.DirectReads.Load(), st.ProxyReads.Load()
	if got := get(t, f, "/dr/new", 0); !bytes.Equal(got, newer) {
		t.Errorf("object written while the local server was down: %d bytes", len(got))
	}
	if got := get(t, f, name, 0); !bytes.Equal(got, data2) {
		t.Errorf("overwritten object: read %d bytes, stale %v", len(got), bytes.Equal(got, data))
	}
	if st.DirectReads.Load() != direct || st.ProxyReads.Load() != proxy+2 {
		t.Errorf("missing and stale local replicas: direct %d→%d, proxy %d→%d", direct, st.DirectReads.Load(), proxy, st.ProxyReads.Load())
	}

	// The replicators repair the restarted server; reads are local again.
	if err := cluster.Replicate(ctx); err != nil {
		t.Fatal(err)
	}
	direct = st.DirectReads.Load()
	if got := get(t, f, "/dr/new", 0); !bytes.Equal(got, newer) {
		t.Errorf("after replication: %d bytes", len(got))
	}
	if got := get(t, f, name, 0); !bytes.Equal(got, data2) {
		t.Errorf("after replication: overwritten object reads %d bytes", len(got))
	}
	if st.DirectReads.Load() != direct+2 {
		t.Errorf("after replication, %d of 2 reads were direct", st.DirectReads.Load()-direct)
	}

	// The local server dies in the middle of a direct read: the read goes
	// on through the proxy from the same offset, with the same bytes.
	direct = st.DirectReads.Load()
	r, err := f.Open(ctx, "/dr/big", 100)
	if err != nil {
		t.Fatal(err)
	}
	if st.DirectReads.Load() != direct+1 {
		t.Fatal("the big object was not opened directly")
	}
	head := make([]byte, 1<<20)
	if _, err := io.ReadFull(r, head); err != nil {
		t.Fatal(err)
	}
	kill(t, proc, local)
	rest, err := io.ReadAll(r)
	r.Close()
	if err != nil {
		t.Fatalf("read after the local server died: %v", err)
	}
	if got := append(head, rest...); !bytes.Equal(got, big[100:]) {
		t.Errorf("resumed read: %d bytes, want %d, equal prefix %v", len(got), len(big)-100, bytes.HasPrefix(big[100:], got))
	}
	if st.Resumes.Load() != 1 {
		t.Errorf("resumes = %d, want 1 (%d of %d bytes came directly)", st.Resumes.Load(), st.DirectBytes.Load(), len(big)-100)
	}
	if cluster, err = aio.Start(ctx, cluster.Dir); err != nil {
		t.Fatal(err)
	}
}

// localityIs returns job settings with zebra.locality=v only.
func localityIs(v string) func(string) string {
	return func(k string) string {
		if k == mapreduce.KeyLocality {
			return v
		}
		return ""
	}
}
