package hdfs

import (
	"slices"
	"testing"
)

func TestRankHosts(t *testing.T) {
	dn := func(ip string, port uint32) datanode { return datanode{ip: ip, hostname: "host-" + ip, xferPort: port} }
	blocks := []block{
		{offset: 0, length: 100, hosts: []datanode{dn("10.0.0.1", 9866), dn("10.0.0.2", 9866)}},
		{offset: 100, length: 100, hosts: []datanode{dn("10.0.0.3", 9866), dn("10.0.0.2", 9866)}},
		{offset: 200, length: 100, hosts: []datanode{dn("10.0.0.4", 9866)}},
	}
	for _, c := range []struct {
		off, n int64
		want   []string
	}{
		// 10 bytes of block 0, 100 of block 1: block 1's nodes first; .2 holds both.
		{90, 110, []string{"10.0.0.2:9866", "10.0.0.3:9866", "10.0.0.1:9866"}},
		// 90 bytes of block 0, 20 of block 1.
		{10, 110, []string{"10.0.0.2:9866", "10.0.0.1:9866", "10.0.0.3:9866"}},
		{250, 10, []string{"10.0.0.4:9866"}},
		{150, 0, []string{"10.0.0.3:9866", "10.0.0.2:9866"}}, // an empty split: the block holding its offset
		{400, 10, []string{}},
	} {
		if got := rankHosts(blocks, c.off, c.n, false); !slices.Equal(got, c.want) {
			t.Errorf("rankHosts(%d, %d) = %q, want %q", c.off, c.n, got, c.want)
		}
	}
	if got := rankHosts(blocks, 250, 10, true); !slices.Equal(got, []string{"host-10.0.0.4:9866"}) {
		t.Errorf("by hostname: %q", got)
	}
}
