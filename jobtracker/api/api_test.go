package api

import (
	"encoding/json"
	"testing"
)

// TestFailureKindWire: the kinds travel as the strings docs/cluster.md
// documents, a report without one (an older worker) decodes to "", and
// one this version does not know (a newer worker) is kept as sent, for
// Effective to handle.
func TestFailureKindWire(t *testing.T) {
	for k, want := range map[FailureKind]string{
		FailureUser: "user", FailureInfrastructure: "infrastructure", FailureKilled: "killed", FailureLost: "lost",
	} {
		b, err := json.Marshal(AttemptInfo{ID: "a", State: AttemptFailed, Kind: k})
		var m map[string]any
		if err == nil {
			err = json.Unmarshal(b, &m)
		}
		if err != nil || m["kind"] != want {
			t.Errorf("%s: %s %v, want \"kind\":%q", k, b, err, want)
		}
	}
	for in, want := range map[string]FailureKind{
		`{"state":"FAILED","infra":true}`:     "",
		`{"state":"FAILED","kind":"gremlin"}`: "gremlin",
		`{"state":"KILLED","kind":"lost"}`:    FailureLost,
	} {
		var r AttemptReport
		if err := json.Unmarshal([]byte(in), &r); err != nil || r.Kind != want {
			t.Errorf("%s: kind %q %v, want %q", in, r.Kind, err, want)
		}
	}
	var a AttemptInfo
	if b, _ := json.Marshal(a); string(b) != `{"id":"","state":"","worker":"","node":"","started":"0001-01-01T00:00:00Z","progress":0}` {
		t.Errorf("an attempt without a kind: %s, want no kind field", b)
	}
}
