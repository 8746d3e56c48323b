package zerocloud

import (
	"context"
	"errors"
	"strings"
	"testing"

	"zebra/mapreduce"
)

// TestAssembleReply: every X-Nexe-* header holds one value per instance
// in node order, joined by commas as ZeroCloud's merge_headers joined
// them; the body is the instances' replies in that order; an instance
// without a report is "ZeroVM did not run"; a non-zero exit code sets
// X-Nexe-Error.
func TestAssembleReply(t *testing.T) {
	reports := []*Report{
		{System: "map-1", Status: "ok.", Retcode: 0, Etag: "disabled", Cdr: "0.0 0.0 0 0 0 0 0 0 0 0", ReplyType: "application/json"},
		nil,
		{System: "reduce", Status: "ok.", Retcode: 2, Etag: "disabled", Cdr: "0.0 0.0 0 0 0 0 0 0 0 0", ReplyType: "text/csv"},
	}
	r := AssembleReply(reports, [][]byte{nil, nil, []byte("b\n")})
	for k, want := range map[string]string{
		"X-Nexe-System":     "map-1,,reduce",
		"X-Nexe-Status":     "ok.,ZeroVM did not run,ok.",
		"X-Nexe-Retcode":    "0,0,2",
		"X-Nexe-Validation": "0,0,0",
		"X-Nexe-Etag":       "disabled,,disabled",
		"X-Nexe-Colocated":  "0,0,0",
		"X-Nexe-Error":      "reduce: bad return code",
		"Content-Type":      "text/csv", // the first instance that returned bytes
	} {
		if got := r.Header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	if string(r.Body) != "b\n" {
		t.Errorf("body %q", r.Body)
	}
}

// TestReplyStore: the store of a job that stores nothing keeps nothing
// and names only itself.
func TestReplyStore(t *testing.T) {
	reg := &mapreduce.Registry{}
	RegisterReplyStore(reg)
	fsys, p, err := reg.Resolve(context.Background(), ReplyOutput)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fsys.Stat(context.Background(), p); err == nil {
		t.Error("the reply store has a file")
	}
	if _, _, err := reg.Resolve(context.Background(), "zerocloud:/etc/passwd"); err == nil {
		t.Error("zerocloud:/etc/passwd resolved")
	}
}

// TestScrub: an error naming the worker's paths reaches the tenant with
// the job's own names instead, and keeps its kind (which decides retries).
func TestScrub(t *testing.T) {
	s := &scrubber{}
	s.add("/var/lib/zebra/jobs/job_1_1", "<job>")
	s.add("/var/lib/zebra/jobs/job_1_1/apps/0-sort.nexe", "swift://~/exec/sort.nexe")
	in := mapreduce.E("start instance", mapreduce.UserCode, "sort-1", errors.New("fork/exec /var/lib/zebra/jobs/job_1_1/apps/0-sort.nexe: exec format error"))
	out := s.err(in)
	if strings.Contains(out.Error(), "/var/lib/zebra") || !strings.Contains(out.Error(), "swift://~/exec/sort.nexe: exec format error") {
		t.Errorf("scrubbed: %v", out)
	}
	if mapreduce.KindOf(out) != mapreduce.UserCode {
		t.Errorf("kind %v, want UserCode", mapreduce.KindOf(out))
	}
}
