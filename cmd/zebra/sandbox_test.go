package main

import (
	"strings"
	"testing"

	"zebra/sandbox"
)

// TestTenantJobsRunSandboxed: on a worker, a tenant's job cannot ask for
// plain processes; the cluster token's job can.
func TestTenantJobsRunSandboxed(t *testing.T) {
	boxes := &sandboxes{logger: quietLogger()}
	defer boxes.close()
	if _, _, err := boxes.chooserFor("AUTH_alice")("none", nil); err == nil || !strings.Contains(err.Error(), "refused for a job submitted with a Swift token (account AUTH_alice)") {
		t.Errorf("tenant, none: %v", err)
	}
	r, note, err := boxes.chooserFor("")("none", nil)
	if err != nil || note == "" {
		t.Fatalf("cluster token, none: %v %q", err, note)
	}
	if d, ok := r.(sandbox.Dispatch); !ok || d.Default != (sandbox.Plain{}) {
		t.Errorf("cluster token, none: runner %#v, want plain processes", r)
	}
}
