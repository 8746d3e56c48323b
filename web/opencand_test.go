package web

import (
	"context"
	"net/http"
	"testing"

	"zebra/jobtracker/api"
)

// TestOpenCandidatesSeveralNodes: a worker registered beside several
// storage nodes (--node objectserver,datanode) counts as beside a replica
// held by any of them, so opens go to it before workers that are not.
func TestOpenCandidatesSeveralNodes(t *testing.T) {
	h := newHarness(t, false)
	register := func(name, node, url string) {
		var r api.Registered
		if err := h.client(adminToken).Do(context.Background(), http.MethodPost, "/internal/v1/workers",
			api.Registration{Protocol: api.ProtocolVersion, Name: name, Node: node, MapSlots: 1, ReduceSlots: 1,
				Shuffle: "tcp://127.0.0.1:1", LogURL: url}, &r); err != nil {
			t.Fatal(err)
		}
	}
	register("a-far", "127.0.0.1:6099", "http://far")
	register("beside", "127.0.0.1:6020, 127.0.0.1:9866", "http://beside")
	got := h.s.openCandidates([]string{"127.0.0.1:6010", "127.0.0.1:6020"})
	if len(got) != 2 || got[0] != "http://beside" {
		t.Errorf("candidates %v, want the worker beside 127.0.0.1:6020 first", got)
	}
}
