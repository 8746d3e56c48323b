package streaming_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"zebra/adapters/localfs"
	"zebra/mapreduce"

	"zebra/mapreduce/mrtest/suite"
	"zebra/mapreduce/mrtest/zebratest"
)

// TestClusterSplitsOracle checks mapreduce.FileSplits, which a cluster
// submission calls with mapreduce.job.maps as the requested split count,
// against the splits Hadoop's own old-API FileInputFormat.getSplits computes
// for the same files (testdata/splits/OldApiSplits.java run on the oracle's
// class path), over several file sets, requested counts and block sizes.
func TestClusterSplitsOracle(t *testing.T) {
	suite.Require(t, suite.Hadoop)
	root, err := zebratest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	oracle := installOracle(t, root)
	cp, err := exec.Command("bash", oracle, "classpath").Output()
	if err != nil {
		t.Fatalf("oracle classpath: %v", err)
	}
	sets := map[string][]int64{
		// The example: 5 files of 10 MB and 15 requested maps.
		"five10MB": {10e6, 10e6, 10e6, 10e6, 10e6},
		"mixed":    {1, 0, 333_333, 4 << 20, 7_777_777, 12 << 20},
	}
	fsys := &localfs.FS{}
	for name, sizes := range sets {
		dir := filepath.Join(t.TempDir(), name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for i, n := range sizes {
			p := filepath.Join(dir, fmt.Sprintf("f%d.txt", i))
			if err := os.WriteFile(p, []byte(strings.Repeat("x", int(n))), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		files, err := mapreduce.ListInputs(context.Background(), fsys, []string{dir}, mapreduce.NewConf())
		if err != nil {
			t.Fatal(err)
		}
		var pairs []string
		var got strings.Builder
		for _, maps := range []int{1, 2, 3, 7, 15, 40} {
			for _, block := range []int64{32 << 20, 1 << 20} {
				pairs = append(pairs, fmt.Sprintf("%d:%d", maps, block))
				fmt.Fprintf(&got, "# %d %d\n", maps, block)
				for _, s := range mapreduce.FileSplits(fsys, files, maps, 1, block) {
					fmt.Fprintf(&got, "%s %d %d\n", filepath.Base(s.Path), s.Start, s.Length)
				}
			}
		}
		args := append([]string{"-cp", strings.TrimSpace(string(cp)),
			filepath.Join(root, "streaming", "testdata", "splits", "OldApiSplits.java"), dir}, pairs...)
		want, err := exec.Command("java", args...).Output()
		if err != nil {
			t.Fatalf("%s: java: %v", name, err)
		}
		if got.String() != string(want) {
			t.Errorf("%s: zebra's splits (first) differ from Hadoop's:\n%s\n----\n%s", name, got.String(), want)
		}
	}
}
