package hdfs_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"zebra/adapters/hdfs"
	"zebra/mapreduce"
)

// dialDraining connects to DataNodes through a proxy that takes all a
// DataNode sends, as fast as it sends it, whether or not the client reads
// it, and counts it in sent: what a read costs the DataNode (its disk and
// the network), not only what the client consumed. conns counts the
// proxy's goroutines.
func dialDraining(sent *atomic.Int64, conns *sync.WaitGroup) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		dn, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		client, proxy := net.Pipe()
		conns.Add(2)
		go func() { // DataNode -> client: drain until the DataNode ends
			defer conns.Done()
			buf := make([]byte, 64<<10)
			clientGone := false
			for {
				n, err := dn.Read(buf)
				sent.Add(int64(n))
				if n > 0 && !clientGone {
					if _, werr := proxy.Write(buf[:n]); werr != nil {
						clientGone = true
					}
				}
				if err != nil {
					proxy.Close()
					return
				}
			}
		}()
		go func() { // client -> DataNode; its close ends the DataNode's wait
			defer conns.Done()
			io.Copy(dn, proxy)
			dn.(*net.TCPConn).CloseWrite()
		}()
		return client, nil
	}
}

// TestSplitReadsItsRangeOnly reads the first split (1 MiB) of a file in
// one 8 MiB block, as a map's line reader does, and counts the bytes the
// DataNode sends: the split, the tail of its last line, and checksums
// and packet headers, not the rest of the block.
func TestSplitReadsItsRangeOnly(t *testing.T) {
	need(t)
	admin := newFS(t, superuser(t))
	root := userRoot(t, admin, "split-range")
	const block, split = 8 << 20, 1 << 20
	var sent atomic.Int64
	var conns sync.WaitGroup
	f, err := hdfs.New(authority(t), hdfs.Options{User: testUser, Conf: map[string]string{}, BlockSize: block,
		DialDataNode: dialDraining(&sent, &conns)})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ctx := context.Background()
	name := path.Join(root, "lines.txt")
	w, err := f.Create(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := 0; int64(i)*100 < block; i++ {
		line := fmt.Sprintf("%07d %s", i, strings.Repeat("x", 91)) // 100 bytes with '\n'
		if _, err := io.WriteString(w, line+"\n"); err != nil {
			t.Fatal(err)
		}
		if int64(i)*100 < split {
			want = append(want, line)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	conns.Wait()
	sent.Store(0)
	s := mapreduce.Split{Path: name, URI: f.URI(name), Start: 0, Length: split}
	lr, err := mapreduce.OpenLineRecords(ctx, f, s, mapreduce.TextInput, mapreduce.NewConf())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for {
		_, v, err := lr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(v))
	}
	lr.Close()
	conns.Wait()
	if len(got) != len(want) || got[0] != want[0] || got[len(got)-1] != want[len(want)-1] {
		t.Fatalf("the split's records: %d, want %d (first %q, last %q)", len(got), len(want), got[0], got[len(got)-1])
	}
	// The split, the first tail piece (16 KiB), a 512-byte chunk's
	// alignment at each end, and per 64 KiB packet its header and 4 bytes
	// of CRC per 512 bytes (under 1%).
	limit := int64(split + 16<<10 + 2*512 + (split+16<<10)/100)
	t.Logf("the DataNode sent %d bytes for a split of %d bytes in a block of %d (%.2fx the split)", sent.Load(), split, block, float64(sent.Load())/split)
	if sent.Load() > limit {
		t.Errorf("the DataNode sent %d bytes for a split of %d bytes, more than %d: the read asked for the rest of the block", sent.Load(), split, limit)
	}
}

// TestOpenRangeReadsOnToTheEnd: a reader of OpenRange reads on past its
// range to the end of the file, across block boundaries, byte for byte.
func TestOpenRangeReadsOnToTheEnd(t *testing.T) {
	need(t)
	admin := newFS(t, superuser(t))
	root := userRoot(t, admin, "range-end")
	f, err := hdfs.New(authority(t), hdfs.Options{User: testUser, Conf: map[string]string{}, BlockSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ctx := context.Background()
	name := path.Join(root, "three-blocks.bin")
	data := make([]byte, 3<<20+777)
	for i := range data {
		data[i] = byte(i*7 + i>>11)
	}
	w, err := f.Create(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	for _, c := range [][2]int64{{0, 1}, {1000, 1 << 20}, {1<<20 - 5, 10}, {2 << 20, 1 << 20}, {3<<20 + 700, 1 << 20}} {
		r, err := f.OpenRange(ctx, name, c[0], c[1])
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		r.Close()
		if err != nil || !bytes.Equal(got, data[c[0]:]) {
			t.Errorf("OpenRange(%d, %d): read %d bytes (%v), want the %d to the end, equal: %v", c[0], c[1], len(got), err, int64(len(data))-c[0], bytes.Equal(got, data[c[0]:]))
		}
	}
}
