package swiftfs_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"zebra/mapreduce"
	"zebra/swiftfs"
)

// countingProxy is a TCP proxy in front of the Swift proxy that counts the
// bytes the server sends, whatever the client reads of them.
type countingProxy struct {
	ln       net.Listener
	upstream string
	sent     atomic.Int64

	mu    sync.Mutex
	conns []net.Conn
	wg    sync.WaitGroup
}

func startCountingProxy(t *testing.T, upstream string) *countingProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &countingProxy{ln: ln, upstream: upstream}
	go p.accept()
	t.Cleanup(func() {
		ln.Close()
		p.drop()
	})
	return p
}

func (p *countingProxy) accept() {
	for {
		down, err := p.ln.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", p.upstream)
		if err != nil {
			down.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, down, up)
		p.wg.Add(2)
		p.mu.Unlock()
		go func() {
			defer p.wg.Done()
			io.Copy(up, down)
			up.Close()
		}()
		go func() {
			defer p.wg.Done()
			n, _ := io.Copy(down, up)
			p.sent.Add(n)
			down.Close()
		}()
	}
}

// drop closes every connection and waits for their copies to end, so that
// sent is final; it returns sent and zeroes it.
func (p *countingProxy) drop() int64 {
	p.mu.Lock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
	p.mu.Unlock()
	p.wg.Wait()
	return p.sent.Swap(0)
}

// noRange hides OpenRange: reads as before it existed.
type noRange struct{ mapreduce.FS }

// splitFS returns an FS with cfg that reaches the cluster's proxy through
// a counting proxy.
func splitFS(t *testing.T, cfg swiftfs.Config) (*swiftfs.FS, *countingProxy) {
	tok, surl := token(t)
	u, err := url.Parse(surl)
	if err != nil {
		t.Fatal(err)
	}
	p := startCountingProxy(t, u.Host)
	u.Host = p.ln.Addr().String()
	f, err := swiftfs.New(swiftfs.WithToken(cfg, u.String(), tok))
	if err != nil {
		t.Fatal(err)
	}
	return f, p
}

// httpSlack bounds the bytes of one response's status line and headers.
const httpSlack = 2 << 10

// TestSplitReadsFetchTheirRange reads a text file and a SequenceFile in
// splits, as map tasks do, through a proxy that counts what Swift sends:
// each split costs its own bytes, the header for a SequenceFile, and
// ranged reads past its end only as far as its last record needs, while
// the records are exactly those of the file, each in one split. The same
// splits read with plain Opens (to the end of the object) are logged for
// comparison. With locality on, the splits are read from the object
// servers directly, ranges and all, with the same records.
func TestSplitReadsFetchTheirRange(t *testing.T) {
	need(t)
	fresh(t, "splits")
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(17, 17))

	// Text: lines of 0-300 bytes, some of 40 KB that straddle split ends.
	var text bytes.Buffer
	var lines []string
	for text.Len() < 3<<20 {
		n := rng.IntN(300)
		if rng.IntN(200) == 0 {
			n = 40 << 10
		}
		line := strings.Repeat(string(rune('a'+rng.IntN(26))), n)
		lines = append(lines, line)
		text.WriteString(line + "\n")
	}
	// SequenceFile of Text keys and values.
	var seq bytes.Buffer
	bw := bufio.NewWriter(&seq)
	sw, err := mapreduce.NewSeqWriter(bw, mapreduce.ClassText, mapreduce.ClassText)
	if err != nil {
		t.Fatal(err)
	}
	var records []string
	for i := 0; seq.Len()+bw.Buffered() < 1<<20; i++ {
		k, v := fmt.Sprintf("k%06d", i), strings.Repeat("v", rng.IntN(500))
		if _, err := sw.Append([]byte(k), []byte(v)); err != nil {
			t.Fatal(err)
		}
		records = append(records, k+"\t"+v)
	}
	bw.Flush()

	f, proxy := splitFS(t, swiftfs.Config{})
	direct, _ := splitFS(t, swiftfs.Config{LocalNode: strings.Join(cluster.ObjectServers, ",")})
	put(t, newFS(t, swiftfs.Config{}), "/splits/t.txt", text.Bytes())
	put(t, newFS(t, swiftfs.Config{}), "/splits/s.seq", seq.Bytes())

	cases := []struct {
		name, path string
		size       int64
		split      int64
		want       []string
		// past bounds the bytes a split may read past its end: the rest of
		// its last record and the doubling ranged reads to get it.
		past func(end int64) int64
		open func(fsys mapreduce.FS, s mapreduce.Split) (mapreduce.RecordReader, error)
	}{
		{
			name: "text", path: "/splits/t.txt", size: int64(text.Len()), split: 1 << 20, want: lines,
			past: func(end int64) int64 {
				rest := int64(bytes.IndexByte(text.Bytes()[min(end, int64(text.Len())):], '\n') + 1)
				return 2*rest + 16<<10
			},
			open: func(fsys mapreduce.FS, s mapreduce.Split) (mapreduce.RecordReader, error) {
				return mapreduce.OpenLineRecords(ctx, fsys, s, mapreduce.TextInput, mapreduce.NewConf())
			},
		},
		{
			name: "sequencefile", path: "/splits/s.seq", size: int64(seq.Len()), split: 300 << 10, want: records,
			// Up to the next sync marker, at most SYNC_INTERVAL (100 KB)
			// on, plus the 4 KB asked for the header.
			past: func(int64) int64 { return 2*(100<<10+600) + 16<<10 + 4<<10 },
			open: func(fsys mapreduce.FS, s mapreduce.Split) (mapreduce.RecordReader, error) {
				return mapreduce.OpenSeqRecords(ctx, fsys, s, false)
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, fsys := range []mapreduce.FS{f, noRange{f}, direct} {
				_, ranged := fsys.(*swiftfs.FS)
				isDirect := fsys == mapreduce.FS(direct)
				var got []string
				var sent, total int64
				proxy.drop()
				for start := int64(0); start < c.size; start += c.split {
					s := mapreduce.Split{Path: c.path, Start: start, Length: min(c.split, c.size-start)}
					tails := f.Stats().TailReads.Load()
					rr, err := c.open(fsys, s)
					if err != nil {
						t.Fatal(err)
					}
					for {
						k, v, err := rr.Next()
						if errors.Is(err, io.EOF) {
							break
						}
						if err != nil {
							t.Fatalf("split at %d: %v", start, err)
						}
						if c.name == "sequencefile" {
							got = append(got, string(k)+"\t"+string(v))
						} else {
							got = append(got, string(v))
						}
					}
					rr.Close()
					n := proxy.drop()
					sent += n
					total += s.Length
					requests := 1 + f.Stats().TailReads.Load() - tails
					if limit := s.Length + c.past(s.Start+s.Length) + httpSlack*(requests+1); ranged && !isDirect && n > limit {
						t.Errorf("split [%d, +%d): Swift sent %d bytes in %d requests, more than %d", s.Start, s.Length, n, requests, limit)
					}
				}
				if len(got) != len(c.want) {
					t.Fatalf("ranged %v: %d records, want %d", ranged, len(got), len(c.want))
				}
				for i := range got {
					if got[i] != c.want[i] {
						t.Fatalf("ranged %v: record %d differs: %.40q, want %.40q", ranged, i, got[i], c.want[i])
					}
				}
				if isDirect {
					st := direct.Stats()
					if st.DirectReads.Load() == 0 || st.TailReads.Load() == 0 {
						t.Errorf("locality on: %d direct reads, %d ranged reads past a split, want some of each", st.DirectReads.Load(), st.TailReads.Load())
					}
					continue
				}
				t.Logf("ranged reads %v: Swift sent %d bytes for %d bytes of splits (%.3fx)", ranged, sent, total, float64(sent)/float64(total))
			}
		})
	}
}
