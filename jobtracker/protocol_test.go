package jobtracker

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"zebra/jobtracker/api"
)

// TestProtocolVersionRefused: a worker of another worker-protocol version
// — version 1, from before ZeroCloud graph plans (gangs and channels),
// which would run a gang's member alone; a newer one; none — is refused at
// registration, directly and over HTTP (400), with a message that names
// the worker, both versions and what to do; a worker of this version is
// registered.
func TestProtocolVersionRefused(t *testing.T) {
	if api.ProtocolVersion < 2 {
		t.Fatalf("api.ProtocolVersion %d: graph plans (Plan.Gangs, channels) came with version 2", api.ProtocolVersion)
	}
	tr := newTracker(t, t.TempDir(), time.Minute)
	c := serve(t, tr)
	for _, v := range []int{1, api.ProtocolVersion + 1, 0} {
		reg := api.Registration{Protocol: v, Name: fmt.Sprint("w-v", v), MapSlots: 1, ReduceSlots: 1, Shuffle: "tcp://127.0.0.1:1"}
		want := []string{fmt.Sprintf("worker %q", reg.Name), fmt.Sprintf("protocol version %d", v),
			fmt.Sprintf("this jobtracker speaks version %d", api.ProtocolVersion), "run the same zebra version on the jobtracker and every worker"}
		_, err := tr.Register(reg)
		if err == nil {
			t.Errorf("version %d: registered, want refused", v)
			continue
		}
		for _, w := range want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("version %d: %v\nwant it to say %q", v, err, w)
			}
		}
		b, _ := json.Marshal(reg)
		resp, err := http.Post(c.URL()+"/internal/v1/workers", "application/json", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		var e api.Error
		json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(e.Error, want[1]) || !strings.Contains(e.Error, want[2]) {
			t.Errorf("version %d over HTTP: %d %q, want 400 naming both versions", v, resp.StatusCode, e.Error)
		}
	}
	if len(tr.workers) != 0 {
		t.Errorf("%d workers registered, want none", len(tr.workers))
	}
	register(t, tr, "current", 1)
}
