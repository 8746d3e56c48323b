package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestLocalProgressAtMostOncePerSecond: the local runner's console prints
// a changed "map X% reduce Y%" line at most once a second, as Hadoop's
// client polls, and ends with the final one: 60 one-line files (60 maps)
// give a line per finished map without the bound. The gaps are read from
// the console's own timestamps; the last two lines (what was held back
// and the final line, both at the job's end) may be closer.
func TestLocalProgressAtMostOncePerSecond(t *testing.T) {
	bin := buildZebra(t)
	work := t.TempDir()
	in := filepath.Join(work, "in")
	os.MkdirAll(in, 0o755)
	for i := 0; i < 60; i++ {
		os.WriteFile(filepath.Join(in, fmt.Sprintf("f%02d.txt", i)), []byte(fmt.Sprintf("line %d\n", i)), 0o644)
	}
	cmd := exec.Command(bin, "streaming", "-D", "mapreduce.job.reduces=1", "-D", "zebra.sandbox=none",
		"-input", in, "-output", filepath.Join(work, "out"), "-mapper", "cat", "-reducer", "cat")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("zebra streaming: %v\n%s", err, out)
	}
	var stamps []time.Time
	var lines []string
	for _, l := range strings.Split(string(out), "\n") {
		if !strings.Contains(l, "INFO mapreduce.Job:  map ") || len(l) < 23 {
			continue
		}
		ts, err := time.Parse("2006-01-02 15:04:05,000", l[:23])
		if err != nil {
			t.Fatalf("progress line %q: %v", l, err)
		}
		stamps = append(stamps, ts)
		lines = append(lines, l[strings.Index(l, " map "):])
	}
	if len(lines) < 2 || lines[0] != " map 0% reduce 0%" || lines[len(lines)-1] != " map 100% reduce 100%" {
		t.Fatalf("progress lines %q", lines)
	}
	for i := 1; i < len(stamps)-2; i++ {
		if gap := stamps[i].Sub(stamps[i-1]); gap < time.Second {
			t.Errorf("progress lines %q and %q only %v apart", lines[i-1], lines[i], gap)
		}
	}
}
