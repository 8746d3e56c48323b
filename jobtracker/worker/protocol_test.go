package worker

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"zebra/jobtracker/api"
)

// TestOlderTrackerRefusal: a jobtracker of another protocol version
// refuses this worker's registration (400, with its message); the worker
// stops at once with an error that names the jobtracker and carries the
// message, and does not retry. The tracker here answers as a version-1
// jobtracker answered (its message as jobtracker/workers.go had it then).
func TestOlderTrackerRefusal(t *testing.T) {
	var got api.Registration
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		if r.URL.Path != "/internal/v1/workers" {
			http.NotFound(w, r)
			return
		}
		json.NewDecoder(r.Body).Decode(&got)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(api.Error{Error: `worker "w0" speaks protocol version 2, this jobtracker speaks 1: run the same zebra version on both`})
	}))
	defer srv.Close()
	err := Run(context.Background(), Config{JobTracker: srv.URL, Data: t.TempDir(), Name: "w0", MapSlots: 1, ReduceSlots: 1, Logger: slog.New(slog.DiscardHandler)})
	if err == nil {
		t.Fatal("Run: the refused worker kept running")
	}
	for _, w := range []string{"the jobtracker at " + srv.URL + " refused this worker", "speaks protocol version 2, this jobtracker speaks 1", "run the same zebra version"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("Run: %v\nwant it to say %q", err, w)
		}
	}
	if got.Protocol != api.ProtocolVersion || calls != 1 {
		t.Errorf("registered with protocol %d in %d requests, want %d in 1", got.Protocol, calls, api.ProtocolVersion)
	}
}
