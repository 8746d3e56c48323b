package swiftfs_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"zebra/mapreduce"
	"zebra/swiftfs"
)

// objectLogs marks where the object servers' access logs end now; gets
// then returns what they answered to GETs of one object since.
type objectLogs struct {
	files []string
	offs  []int64
	rchar int64
}

func markObjectLogs(t *testing.T) *objectLogs {
	t.Helper()
	l := &objectLogs{}
	for i := range cluster.ObjectServers {
		f := filepath.Join(cluster.Dir, "log", fmt.Sprintf("object-%d.log", i+1))
		st, err := os.Stat(f)
		if err != nil {
			t.Fatalf("object server access log: %v", err)
		}
		l.files, l.offs = append(l.files, f), append(l.offs, st.Size())
	}
	l.rchar = objectServersRead(t)
	return l
}

// objectServersRead is what the object-server processes have read so far
// with read(2) (rchar of /proc/PID/io): the object files' bytes they send,
// in 64 KiB disk chunks, and little else (their sockets are read with
// recv(2), which rchar does not count), summed.
func objectServersRead(t *testing.T) int64 {
	t.Helper()
	var sum int64
	for i := range cluster.ObjectServers {
		pid := cluster.PIDs[fmt.Sprintf("object-%d", i+1)]
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/io", pid))
		if err != nil {
			t.Fatalf("object server %d: %v", i+1, err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "rchar: "); ok {
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					t.Fatalf("object server %d: /proc/%d/io: %q", i+1, pid, line)
				}
				sum += n
			}
		}
	}
	return sum
}

// objectGets is what the object servers answered to the GETs of one
// object: the Content-Length of each 200 or 206 answer, by who asked.
type objectGets struct {
	direct, proxy []int64 // a client's direct GETs; the proxy's
	read          int64   // what the object servers read meanwhile (rchar)
}

func (g objectGets) sum(which []int64) (n int64) {
	for _, x := range which {
		n += x
	}
	return n
}

// gets parses the object servers' access log lines written since the mark
// (Swift's default object-server log line: `... "GET /dev/part/account/
// container/object" status content_length "referer" "txn" "user agent"
// ...`; an object server logs a request before it sends the body, so the
// length is what it answered with, whatever the reader took).
func (l *objectLogs) gets(t *testing.T, container, object string) objectGets {
	t.Helper()
	var g objectGets
	suffix := "/" + cluster.Account + "/" + container + "/" + object
	for i, f := range l.files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b[l.offs[i]:]), "\n") {
			q := strings.Split(line, `"`)
			if len(q) < 9 || !strings.HasPrefix(q[1], "GET /") || !strings.HasSuffix(q[1], suffix) {
				continue
			}
			f := strings.Fields(q[2])
			if len(f) < 2 || (f[0] != "200" && f[0] != "206") {
				continue
			}
			n, err := strconv.ParseInt(f[1], 10, 64)
			if err != nil {
				t.Fatalf("object server log %s: content length in %q: %v", f, line, err)
			}
			if strings.HasPrefix(q[7], "proxy-server") {
				g.proxy = append(g.proxy, n)
			} else {
				g.direct = append(g.direct, n)
			}
		}
	}
	g.read = objectServersRead(t) - l.rchar
	return g
}

// diskSlack bounds what an object server reads for a ranged GET besides
// the range: it reads its file in 64 KiB chunks, the last one past the
// range's end.
const diskSlack = 128 << 10

// TestSplitTails reads a text file in splits, as map tasks do, through
// the proxy and directly from the object servers, and checks against the
// object servers' access logs that each split asked Swift for exactly its
// range and the ranges past its end that its last line needs, each once
// (one replica per range, not every replica), with the follow-up sizes
// and count derived from the file's bytes. The file has a split whose
// last line runs 300 KB past its end (five follow-up ranges), a split
// that ends exactly on a newline (it reads all of the next line, a 50 KB
// one, in three follow-ups, and the next split skips that line), and a
// last split that ends at the end of the object (no follow-up: the
// object's size came with the first answer).
func TestSplitTails(t *testing.T) {
	need(t)
	fresh(t, "tails")
	ctx := context.Background()
	const split = 1 << 20
	rng := rand.New(rand.NewPCG(5, 17))
	var text bytes.Buffer
	short := func(upTo int) { // lines of 0-199 bytes until 200-400 bytes before upTo
		for text.Len() < upTo-400 {
			text.WriteString(strings.Repeat(string(rune('a'+rng.IntN(26))), rng.IntN(200)) + "\n")
		}
	}
	line := func(n int) { text.WriteString(strings.Repeat(string(rune('A'+rng.IntN(26))), n-1) + "\n") }
	short(split)
	line(300 << 10) // crosses the end of split 0 by about 300 KB
	short(2 * split)
	line(2*split - text.Len()) // its newline is the last byte of split 1
	line(50 << 10)             // starts split 2: split 1 reads it, split 2 skips it
	short(3*split + 100)
	short(4*split + split/2) // the last split ends at the end of the object
	data := text.Bytes()
	size := int64(len(data))
	if data[2*split-1] != '\n' {
		t.Fatalf("the layout is off: byte %d is %q, want a newline", 2*split-1, data[2*split-1])
	}
	put(t, newFS(t, swiftfs.Config{}), "/tails/t.txt", data)
	var want []string
	for _, l := range strings.SplitAfter(string(data), "\n") {
		if l != "" {
			want = append(want, strings.TrimSuffix(l, "\n"))
		}
	}

	// tails is what a split ending at end must read past it under
	// LineRecordReader's rule (every line that starts at or before end,
	// read through its newline), as the sizes of the ranged GETs swiftfs
	// asks for: 16 KiB, doubling up to 1 MiB, none past the object's end.
	tails := func(end int64) []int64 {
		if end >= size {
			return nil
		}
		// The last line starting at or before end (at end itself if a
		// newline ends the split) is read through its newline.
		last := int64(bytes.LastIndexByte(data[:end], '\n') + 1)
		need := size
		if i := bytes.IndexByte(data[last:], '\n'); i >= 0 {
			need = last + int64(i) + 1
		}
		var out []int64
		for off, n := end, int64(16<<10); off < need; off, n = off+n, min(2*n, 1<<20) {
			out = append(out, min(n, size-off))
		}
		return out
	}
	if n := len(tails(split)); n != 5 {
		t.Fatalf("the layout is off: split 0 needs %d follow-up ranges, want 5", n)
	}
	if n := len(tails(2 * split)); n != 3 {
		t.Fatalf("the layout is off: split 1 needs %d follow-up ranges, want 3", n)
	}

	proxied, counter := splitFS(t, swiftfs.Config{})
	direct := newFS(t, swiftfs.Config{LocalNode: strings.Join(cluster.ObjectServers, ",")})
	for _, c := range []struct {
		name string
		fsys *swiftfs.FS
	}{{"proxy", proxied}, {"direct", direct}} {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			var read, total int64
			for start := int64(0); start < size; start += split {
				s := mapreduce.Split{Path: "/tails/t.txt", Start: start, Length: min(split, size-start)}
				follow := tails(s.Start + s.Length)
				tailsBefore := c.fsys.Stats().TailReads.Load()
				logs := markObjectLogs(t)
				counter.drop()
				rr, err := mapreduce.OpenLineRecords(ctx, c.fsys, s, mapreduce.TextInput, mapreduce.NewConf())
				if err != nil {
					t.Fatal(err)
				}
				for {
					_, v, err := rr.Next()
					if errors.Is(err, io.EOF) {
						break
					}
					if err != nil {
						t.Fatalf("split at %d: %v", start, err)
					}
					got = append(got, string(v))
				}
				rr.Close()
				sent := counter.drop()
				g := logs.gets(t, "tails", "t.txt")
				wantAsked := s.Length
				for _, n := range follow {
					wantAsked += n
				}
				if n := c.fsys.Stats().TailReads.Load() - tailsBefore; n != int64(len(follow)) {
					t.Errorf("split [%d, +%d): %d ranged reads past its end, want %d", s.Start, s.Length, n, len(follow))
				}
				asked, others := g.direct, g.proxy
				if c.name == "proxy" {
					asked, others = g.proxy, g.direct
				}
				if len(others) != 0 || len(asked) != 1+len(follow) || g.sum(asked) != wantAsked {
					t.Errorf("split [%d, +%d): the object servers answered %s GETs of %v bytes (and %v to the other path), want %d of %d bytes in all (the range, then %v)",
						s.Start, s.Length, c.name, asked, others, 1+len(follow), wantAsked, follow)
				}
				// What the object servers read to send: the ranges once, not
				// the bodies of other replicas that the proxy asked for
				// too and dropped.
				if limit := wantAsked + diskSlack*int64(1+len(follow)); g.read > limit {
					t.Errorf("split [%d, +%d): the object servers read %d bytes, more than %d (the %d bytes asked for and %d per GET)",
						s.Start, s.Length, g.read, limit, wantAsked, diskSlack)
				}
				read += g.read
				total += s.Length
				if c.name == "proxy" && sent > wantAsked+httpSlack*int64(2+len(follow)) {
					t.Errorf("split [%d, +%d): the proxy sent %d bytes, more than the %d asked for and headers", s.Start, s.Length, sent, wantAsked)
				}
			}
			t.Logf("%s: the object servers read %d bytes for %d bytes of splits (%.4fx)", c.name, read, total, float64(read)/float64(total))
			if len(got) != len(want) {
				t.Fatalf("%d records, want %d", len(got), len(want))
			}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("record %d differs: %.40q, want %.40q", i, got[i], want[i])
				}
			}
		})
	}
}
