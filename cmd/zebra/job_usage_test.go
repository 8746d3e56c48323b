package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestJobUsageWithoutTracker: `zebra job -help` prints the usage with no
// jobtracker configured, and `-list` with anything but "all" answers as
// `mapred job -list running` does (Hadoop 3.4.1: "Usage: job [-list
// [all]]" on stderr, exit code 255).
func TestJobUsageWithoutTracker(t *testing.T) {
	t.Setenv("ZEBRA_JOBTRACKER", "")
	var out, errb bytes.Buffer
	if code := jobCommand(context.Background(), []string{"-help"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "-events <job-id>") {
		t.Errorf("-help: exit %d, stdout %q, stderr %q", code, out.String(), errb.String())
	}
	out.Reset()
	errb.Reset()
	if code := jobCommand(context.Background(), []string{"-list", "running"}, &out, &errb); code != 255 ||
		errb.String() != "Usage: job [-list [all]]\n" || out.Len() != 0 {
		t.Errorf("-list running: exit %d, stdout %q, stderr %q", code, out.String(), errb.String())
	}
}
