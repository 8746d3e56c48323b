package mrtest

import (
	"fmt"
	"sync/atomic"
	"testing"

	"zebra/mapreduce"
)

// TestMemFS runs the suite against the in-memory reference store, which
// claims every ability except locality.
func TestMemFS(t *testing.T) {
	m := &MemFS{}
	var n atomic.Int64
	Run(t, func(t *testing.T) (mapreduce.FS, string) {
		return m, fmt.Sprintf("/t%d", n.Add(1))
	}, Capabilities{
		NoLocality: "an in-memory store keeps no replicas",
		Deny: func(t *testing.T, name string) func() {
			return m.Deny(name)
		},
	})
}
