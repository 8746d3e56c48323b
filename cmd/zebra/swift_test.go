package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ncw/swift/v2"
)

// proxyLog reads the access log of a `zebra up` cluster's Swift proxy
// (Swift's proxy-logging middleware, one line per request).
type proxyLog string

// mark is the log's current size: count only what is logged after it.
func (p proxyLog) mark(t *testing.T) int64 {
	t.Helper()
	fi, err := os.Stat(string(p))
	if err != nil {
		t.Fatalf("the Swift proxy's log: %v", err)
	}
	return fi.Size()
}

// requests returns the fields of the client requests logged after mark on
// paths starting with prefix (e.g. /v1/AUTH_test/data/in/). Fields after
// the "proxy-server:" tag: client_ip remote_addr datetime method path
// protocol status referer user_agent auth_token bytes_recvd bytes_sent
// client_etag txn_id headers request_time source ...; internal
// subrequests (a source other than "-") are left out.
func (p proxyLog) requests(t *testing.T, mark int64, prefix string) [][]string {
	t.Helper()
	time.Sleep(time.Second) // let the proxy write its last lines
	f, err := os.Open(string(p))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Seek(mark, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	var out [][]string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		fl := strings.Fields(sc.Text())
		if len(fl) < 21 || fl[0] != "proxy-server:" || fl[17] != "-" || !strings.HasPrefix(fl[5], prefix) {
			continue
		}
		out = append(out, fl)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// getBytes sums the body bytes the proxy sent in answer to client GETs of
// paths starting with prefix logged after mark (see requests).
func (p proxyLog) getBytes(t *testing.T, mark int64, prefix string) (sum int64, requests int) {
	t.Helper()
	for _, fl := range p.requests(t, mark, prefix) {
		if fl[4] != "GET" {
			continue
		}
		requests++
		if n, err := strconv.ParseInt(fl[12], 10, 64); err == nil {
			sum += n
		}
	}
	return sum, requests
}

// accountPath is the storage URL's path (/v1/AUTH_test) of conn.
func accountPath(t *testing.T, conn *swift.Connection) string {
	t.Helper()
	u, err := url.Parse(conn.StorageUrl)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(u.Path, "/")
}

// counter returns the value of a counter line "name=value" of a job's
// console, or -1.
func counter(console []byte, name string) int64 {
	for _, l := range strings.Split(string(console), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), name+"="); ok {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				return n
			}
		}
	}
	return -1
}

// sloSegment is one segment object of the large object.
type sloSegment struct {
	name     string
	data     []byte
	etag     string
	inner    int64 // line starts inside it: newlines not at its very end
	endsLine bool  // it ends with a newline
}

const (
	sloMapper  = "#!/bin/sh\nLC_ALL=C exec awk '{ n[$1]++; b += length($0) + 1 } END { for (k in n) printf \"%s\\t%.0f\\n\", k, n[k]; printf \"bytes\\t%.0f\\n\", b }'\n"
	sloReducer = "#!/bin/sh\nLC_ALL=C exec awk -F '\\t' '{ s[$1] += $2 } END { for (k in s) printf \"%s\\t%.0f\\n\", k, s[k] }'\n"
	sloSplit   = 256 << 20     // split size: the 17th split starts at exactly 2^32
	sloSize    = 5<<30 + 1<<28 // the object is larger than this (5.25 GiB)
	sloEndsNL  = 1             // the one segment that ends with a newline
)

// testSwiftSLO: a static large object of more than 5 GiB (Swift's largest
// single object), made of four distinct segments of 6-8 MiB that its
// manifest references over and over (Swift allows repeats), so that about
// 30 MiB is uploaded. All segments but one end in the middle of a line,
// which the next segment finishes; every line starts with the id of the
// segment it starts in. A job with 256 MiB splits (one starts at exactly
// 2^32, the rest at other offsets over and under it, in the middle of
// lines) counts the lines by their first word and sums their bytes; the
// expectation comes from the manifest alone: for each occurrence of a
// segment, its inner line starts, plus one at its start if it comes first
// or after a segment that ends a line.
func testSwiftSLO(t *testing.T, bin string, env map[string]string, conn *swift.Connection, work string) {
	start := time.Now()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(2026, 12))
	segs := make([]sloSegment, 4)
	for k := range segs {
		var b bytes.Buffer
		target := 6<<20 + rng.IntN(2<<20) // 6 to 8 MiB: fewer than 1000 segments
		for line := 0; b.Len() < target; line++ {
			fmt.Fprintf(&b, "s%d %d %s\n", k, line, strings.Repeat("x", 200+rng.IntN(4000)))
		}
		if k != sloEndsNL {
			fmt.Fprintf(&b, "s%d tail %s", k, strings.Repeat("y", rng.IntN(100)))
		}
		data := b.Bytes()
		sum := md5.Sum(data)
		s := sloSegment{name: fmt.Sprintf("seg-%d", k), data: data, etag: hex.EncodeToString(sum[:]), endsLine: data[len(data)-1] == '\n'}
		s.inner = int64(bytes.Count(data, []byte("\n")))
		if s.endsLine {
			s.inner--
		}
		segs[k] = s
	}
	// The manifest: random segments until the total passes 5.25 GiB.
	var (
		seq   []int
		total int64
	)
	for total <= sloSize {
		k := rng.IntN(len(segs))
		seq = append(seq, k)
		total += int64(len(segs[k].data))
	}
	// Swift's defaults: at most 1000 segments, objects up to 5 GiB.
	if len(seq) > 1000 || total <= 5<<30 {
		t.Fatalf("bad test parameters: %d segments, %d bytes", len(seq), total)
	}
	want := map[string]int64{}
	var lines int64
	for i, k := range seq {
		n := segs[k].inner
		if i == 0 || segs[seq[i-1]].endsLine {
			n++
		}
		want[fmt.Sprintf("s%d", k)] += n
		lines += n
	}
	// The last line has no newline of its own unless the object ends in
	// one; the mapper counts one per line.
	want["bytes"] = total
	if !segs[seq[len(seq)-1]].endsLine {
		want["bytes"]++
	}

	for _, c := range []string{"slo_segments", "slo"} {
		if err := conn.ContainerCreate(ctx, c, nil); err != nil {
			t.Fatal(err)
		}
	}
	var manifest []map[string]any
	for _, s := range segs {
		if err := conn.ObjectPutBytes(ctx, "slo_segments", s.name, s.data, "text/plain"); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range seq {
		manifest = append(manifest, map[string]any{"path": "/" + "slo_segments" + "/" + segs[k].name, "etag": segs[k].etag, "size_bytes": len(segs[k].data)})
	}
	body, err := json.Marshal(manifest)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, conn.StorageUrl+"/slo/big.txt?multipart-manifest=put", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Auth-Token", conn.AuthToken)
	req.Header.Set("Content-Type", "text/plain")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("PUT the SLO manifest: %s %s", resp.Status, answer)
	}
	if info, _, err := conn.Object(ctx, "slo", "big.txt"); err != nil || info.Bytes != total {
		t.Fatalf("HEAD the SLO: %+v, %v; want %d bytes", info, err, total)
	}
	t.Logf("SLO of %d segments (%d distinct, %d bytes uploaded), %d bytes (%.2f GiB), %d lines; made in %.1fs",
		len(seq), len(segs), len(segs[0].data)+len(segs[1].data)+len(segs[2].data)+len(segs[3].data), total, float64(total)/(1<<30), lines, time.Since(start).Seconds())

	dir := filepath.Join(work, "slo")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "m.sh"), []byte(sloMapper), 0o755)
	os.WriteFile(filepath.Join(dir, "r.sh"), []byte(sloReducer), 0o755)
	jctx, cancel := context.WithTimeout(ctx, 15*time.Minute)
	defer cancel()
	job := exec.CommandContext(jctx, bin, "streaming", "-D", "mapreduce.input.fileinputformat.split.minsize="+strconv.Itoa(sloSplit),
		"-D", "mapreduce.job.reduces=1", "-input", "swift://slo/big.txt", "-output", "swift://slo/out", "-mapper", "m.sh", "-reducer", "r.sh",
		"-file", filepath.Join(dir, "m.sh"), "-file", filepath.Join(dir, "r.sh"))
	job.Env = os.Environ()
	for k, v := range env {
		job.Env = append(job.Env, k+"="+v)
	}
	jobStart := time.Now()
	console, err := job.CombinedOutput()
	if err != nil {
		t.Fatalf("the SLO job failed: %v\n%s", err, console)
	}
	t.Logf("the job over the %.2f GiB SLO took %.1fs", float64(total)/(1<<30), time.Since(jobStart).Seconds())
	// Hadoop's rule: full splits while more than 1.1 splits remain
	// (SPLIT_SLOP), then the rest.
	splits := 0
	for rest := total; rest > 0; splits++ {
		if float64(rest)/sloSplit > 1.1 {
			rest -= sloSplit
		} else {
			rest = 0
		}
	}
	if !strings.Contains(string(console), fmt.Sprintf("number of splits:%d\n", splits)) {
		t.Errorf("console lacks \"number of splits:%d\":\n%s", splits, console)
	}
	if got := counter(console, "Map input records"); got != lines {
		t.Errorf("Map input records=%d, want %d", got, lines)
	}
	got := map[string]int64{}
	for name, content := range swiftTree(t, conn, "slo", "out/") {
		if !strings.HasPrefix(name, "part-") {
			continue
		}
		for _, l := range strings.Split(strings.TrimSuffix(content, "\n"), "\n") {
			k, v, _ := strings.Cut(l, "\t")
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				t.Fatalf("output line %q: %v", l, err)
			}
			got[k] += n
		}
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: %d, want %d", k, got[k], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("output keys %v, want %v", got, want)
	}
	t.Logf("SLO test: %.1fs in all", time.Since(start).Seconds())
}
