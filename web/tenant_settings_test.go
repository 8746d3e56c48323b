package web

import (
	"errors"
	"strings"
	"testing"

	"zebra/jobtracker/api"
	"zebra/mapreduce"
)

// TestConfineSwiftSettings: a tenant's plan may set no zebra.swift.*
// endpoint or credential (each refused by name), may set
// zebra.swift.retries, and is then handed to the operator's check; the
// cluster token's plans are not confined.
func TestConfineSwiftSettings(t *testing.T) {
	plan := func(conf map[string]string) *api.Plan {
		return &api.Plan{Kind: "streaming", Conf: conf, Output: "swift://out", Splits: nil}
	}
	for _, k := range []string{mapreduce.KeySwiftAuth, mapreduce.KeySwiftUser, mapreduce.KeySwiftKey, mapreduce.KeySwiftStorageURL,
		mapreduce.KeySwiftToken, mapreduce.KeySwiftEndpoints, mapreduce.KeySwiftProject, mapreduce.KeySwiftRegion, mapreduce.KeySwiftAuthVersion} {
		err := confine(plan(map[string]string{k: "http://127.0.0.1:1/x"}), "AUTH_alice", nil)
		if err == nil || !strings.Contains(err.Error(), "-D "+k+":") || !strings.Contains(err.Error(), "may not set Swift endpoints or credentials") {
			t.Errorf("%s: %v", k, err)
		}
		if err := confine(plan(map[string]string{k: "http://127.0.0.1:1/x"}), "", nil); err != nil {
			t.Errorf("%s with the cluster token: %v", k, err)
		}
	}
	var checked *api.Plan
	p := plan(map[string]string{mapreduce.KeySwiftRetries: "3", mapreduce.KeyLocality: "off"})
	if err := confine(p, "AUTH_alice", func(p *api.Plan) error { checked = p; return nil }); err != nil || checked != p {
		t.Errorf("retries and locality: %v (checked %v)", err, checked != nil)
	}
	if p.Output != "swift://AUTH_alice/out" {
		t.Errorf("output %s, want it made explicit in the tenant's account", p.Output)
	}
	refuse := errors.New("above the maximum")
	if err := confine(plan(nil), "AUTH_alice", func(*api.Plan) error { return refuse }); !errors.Is(err, refuse) {
		t.Errorf("the operator's check: %v", err)
	}
}
