package main

import (
	"strconv"
	"testing"

	"zebra/mapreduce"
	"zebra/sandbox/native"
)

// TestInfoDefaults: the defaults -info lists for the sandbox's limits
// and the stderr limit are the ones the native sandbox and streaming use.
func TestInfoDefaults(t *testing.T) {
	d := native.DefaultConfig()
	want := map[string]int64{
		mapreduce.KeySandboxMemoryMB:   d.Memory >> 20,
		mapreduce.KeySandboxProcesses:  int64(d.Processes),
		mapreduce.KeySandboxCPUSeconds: int64(d.CPUTime.Seconds()),
		mapreduce.KeySandboxWallSecs:   int64(d.WallTime.Seconds()),
		mapreduce.KeySandboxFileMB:     d.FileSize >> 20,
		mapreduce.KeySandboxTmpMB:      d.TmpSize >> 20,
		mapreduce.KeyTaskStderrLimit:   defaultStderrLimit,
	}
	for _, s := range mapreduce.Settings {
		w, ok := want[s.Name]
		if !ok {
			continue
		}
		delete(want, s.Name)
		if s.Default != strconv.FormatInt(w, 10) {
			t.Errorf("-info says %s defaults to %q, the sandbox uses %d", s.Name, s.Default, w)
		}
	}
	for k := range want {
		t.Errorf("-info does not list %s", k)
	}
}
