package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"zebra/jobtracker/api"
	"zebra/jobtracker/zerocloud"
	"zebra/mapreduce/mrtest/suite"
)

// TestZeroCloudReplyStreamed: a job's reply is relayed from the workers
// as it is read, never held whole in the jobtracker's memory (a job may
// have up to 100000 instances, each returning up to zerocloud.MaxReply,
// and every GET of the reply would hold it all again): two instances
// each return replyPart bytes, and serving the reply allocates less
// than one of them. The body and headers are what the instances left (a
// first instance with an empty reply and a type of its own, as the
// Content-Type is the first non-empty reply's).
func TestZeroCloudReplyStreamed(t *testing.T) {
	suite.Require(t, suite.Heavy)
	const replyPart = 24 << 20
	h := newHarness(t, false)
	w := h.worker("node-1", 2)
	p := h.plan("zc-reply", 3, 0)
	p.Kind = zerocloud.Kind
	for i := range p.Splits {
		p.Splits[i].URI = "zerocloud:map"
	}
	p.Spec, _ = json.Marshal(zerocloud.Spec{Stages: []zerocloud.Stage{{Group: "map", Instances: []string{"map-1", "map-2", "map-3"},
		Program: zerocloud.Program{Kind: zerocloud.ProgramSwift, Path: "swift://apps/mine.sh"}, Reply: []string{"stdout"}, ReplyType: "text/x-mine"}}})
	id := h.submit(credA, p)
	want := sha256.New()
	var parts [3][]byte
	for i := 1; i < len(parts); i++ {
		parts[i] = bytes.Repeat([]byte{byte('a' + i)}, replyPart)
		want.Write(parts[i])
	}
	done := 0
	for done < len(parts) {
		for _, a := range w.poll() {
			dir := filepath.Join(w.logs, a.Job, a.Attempt)
			rep, _ := json.Marshal(zerocloud.Report{System: "map-" + string(rune('1'+a.Index)), Status: "ok.", Etag: "disabled", ReplyType: map[bool]string{true: "text/x-empty", false: "text/x-mine"}[a.Index == 0]})
			if err := os.WriteFile(filepath.Join(dir, zerocloud.ReportFile), rep, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, zerocloud.ReplyFile), parts[a.Index], 0o644); err != nil {
				t.Fatal(err)
			}
			w.done(a, api.AttemptSucceeded, "")
			done++
		}
	}
	h.waitState(id, api.StateSucceeded)
	parts = [3][]byte{} // only the files hold them now

	req, _ := http.NewRequest(http.MethodGet, h.srv.URL+"/api/v1/jobs/"+id+"/zerocloud/reply", nil)
	req.Header.Set("X-Auth-Token", credA)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got := sha256.New()
	n, err := io.Copy(got, resp.Body)
	resp.Body.Close()
	runtime.ReadMemStats(&after)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET reply: %s, %d bytes, %v", resp.Status, n, err)
	}
	if n != 2*replyPart || !bytes.Equal(got.Sum(nil), want.Sum(nil)) {
		t.Errorf("reply body: %d bytes, not the instances' replies in order (%d bytes)", n, 2*replyPart)
	}
	if ct, sys := resp.Header.Get("Content-Type"), resp.Header.Get("X-Nexe-System"); ct != "text/x-mine" || sys != "map-1,map-2,map-3" {
		t.Errorf("reply headers: Content-Type %q, X-Nexe-System %q", ct, sys)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc >= replyPart {
		t.Errorf("serving a reply of %d bytes allocated %d bytes: it is held in memory, not relayed", 2*replyPart, alloc)
	}
}

// TestZeroCloudPlanInstancesAreTasks: a ZeroCloud plan a tenant submits
// itself must name one instance per task (its first group's per split,
// its second's per reduce), as the compiler makes them: the reply, the
// CGI environment and the workers all take the instance list as the
// tasks, and a list of millions of names in a plan of one task would be
// expanded on every GET of its reply. A plan with more stages than two is
// refused too; the compiler's shape is accepted.
func TestZeroCloudPlanInstancesAreTasks(t *testing.T) {
	h := newHarness(t, false)
	zc := func(maps, reduces int, stages ...[]string) *api.Plan {
		p := h.plan("zc-shape", maps, reduces)
		p.Kind = zerocloud.Kind
		for i := range p.Splits {
			p.Splits[i].URI = "zerocloud:map"
		}
		var spec zerocloud.Spec
		for k, names := range stages {
			spec.Stages = append(spec.Stages, zerocloud.Stage{Group: fmt.Sprintf("g%d", k), Instances: names,
				Program: zerocloud.Program{Kind: zerocloud.ProgramSwift, Path: "swift://apps/mine.sh"}})
		}
		p.Spec, _ = json.Marshal(spec)
		return p
	}
	many := make([]string, 1000)
	for i := range many {
		many[i] = fmt.Sprintf("g0-%d", i+1)
	}
	for _, tc := range []struct {
		name string
		p    *api.Plan
	}{
		{"more instances than splits", zc(1, 0, many)},
		{"fewer instances than splits", zc(2, 0, []string{"g0"})},
		{"second group not the reduces", zc(1, 1, []string{"g0"}, []string{"g1-1", "g1-2"})},
		{"three groups", zc(1, 1, []string{"g0"}, []string{"g1"}, []string{"g2"})},
	} {
		_, err := h.client(credA).Submit(context.Background(), tc.p, nil)
		if !api.IsStatus(err, http.StatusForbidden) || !strings.Contains(err.Error(), "instances") && !strings.Contains(err.Error(), "groups") {
			t.Errorf("%s: %v, want 403 naming the instances or groups", tc.name, err)
		}
	}
	if _, err := h.client(credA).Submit(context.Background(), zc(2, 1, []string{"g0-1", "g0-2"}, []string{"g1"}), nil); err != nil {
		t.Errorf("a plan of the compiler's shape: %v", err)
	}
}
