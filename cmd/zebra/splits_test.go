package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"zebra/mapreduce/mrtest/suite"
)

// TestClusterSplitsFollowMaps: a cluster submission requests
// mapreduce.job.maps splits (Hadoop's default 2) and cuts them with the
// old-API goal size total/maps, where the local runner forces one map. A
// local run whose fs.local.block.size equals that goal size computes the
// same splits, so a map-only job that keeps state across lines (wc -l) must
// give the same part files both ways; the split count printed is Hadoop's
// arithmetic.
func TestClusterSplitsFollowMaps(t *testing.T) {
	suite.Require(t, suite.Cluster)
	if os.Geteuid() != 0 {
		t.Skip("tasks run in the native sandbox, which needs root here")
	}
	bin := buildZebra(t)
	jt, token, _ := upWithToken(t, bin)
	work := t.TempDir()
	line := func(i int) string { return fmt.Sprintf("%015d\n", i) } // 16 bytes
	write := func(dir string, files, lines int) int64 {
		os.MkdirAll(filepath.Join(work, dir), 0o755)
		var b strings.Builder
		for f := 0; f < files; f++ {
			b.Reset()
			for i := 0; i < lines; i++ {
				b.WriteString(line(f*lines + i))
			}
			if err := os.WriteFile(filepath.Join(work, dir, fmt.Sprintf("f%d.txt", f)), []byte(b.String()), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return int64(files * lines * 16)
	}
	run := func(env []string, args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"streaming"}, args...)...)
		cmd.Env, cmd.Dir = env, work
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("zebra streaming %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	cluster := append(os.Environ(), "ZEBRA_JOBTRACKER="+jt, "ZEBRA_TOKEN="+token, "HADOOP_CONF_DIR="+t.TempDir())
	local := append(os.Environ(), "ZEBRA_JOBTRACKER=", "HADOOP_CONF_DIR="+t.TempDir())
	for _, tc := range []struct {
		name         string
		files, lines int
		maps         int // 0: the default
		wantSplits   int
	}{
		// The shape: 5 files, 15 requested maps: 3 splits a file.
		{"maps15", 5, 40_000, 15, 15},
		// Hadoop's default of 2 requested maps over one file: 2 splits.
		{"default", 1, 100_000, 0, 2},
	} {
		total := write(tc.name, tc.files, tc.lines)
		maps := tc.maps
		var dflag []string
		if maps == 0 {
			maps = 2
		} else {
			dflag = []string{"-D", "mapreduce.job.maps=" + strconv.Itoa(maps)}
		}
		common := []string{"-input", tc.name, "-mapper", "wc -l"}
		out := run(cluster, append(append(dflag, "-D", "mapreduce.job.reduces=0", "-output", tc.name+"-cluster"), common...)...)
		if !strings.Contains(out, fmt.Sprintf("number of splits:%d\n", tc.wantSplits)) {
			t.Errorf("%s: the cluster run did not make %d splits:\n%s", tc.name, tc.wantSplits, out)
		}
		goal := strconv.FormatInt(total/int64(maps), 10)
		out = run(local, append([]string{"-D", "fs.local.block.size=" + goal, "-D", "mapreduce.job.reduces=0", "-output", tc.name + "-local"}, common...)...)
		if !strings.Contains(out, fmt.Sprintf("number of splits:%d\n", tc.wantSplits)) {
			t.Errorf("%s: the local run with block size %s did not make %d splits:\n%s", tc.name, goal, tc.wantSplits, out)
		}
		sameTree(t, readTree(t, filepath.Join(work, tc.name+"-local")), readTree(t, filepath.Join(work, tc.name+"-cluster")))
	}
}
