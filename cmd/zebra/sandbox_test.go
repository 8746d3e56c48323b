package main

import (
	"strings"
	"testing"
	"time"

	"zebra/mapreduce"
)

func TestNativeConfigFromJobSettings(t *testing.T) {
	conf := mapreduce.NewConf()
	conf.Set(keySandboxMemoryMB, "64")
	conf.Set(keySandboxProcesses, "16")
	conf.Set(keySandboxWallSecs, "30")
	cfg, err := nativeConfig(conf)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Memory != 64<<20 || cfg.Processes != 16 || cfg.WallTime != 30*time.Second || cfg.Output != 0 {
		t.Errorf("got memory %d, processes %d, wall %v, output %d; want 64 MiB, 16, 30s, 0",
			cfg.Memory, cfg.Processes, cfg.WallTime, cfg.Output)
	}
	for key, bad := range map[string]string{keySandboxMemoryMB: "abc", keySandboxProcesses: "0", keySandboxCPUSeconds: "-1", keySandboxTmpMB: "1.5"} {
		c := mapreduce.NewConf()
		c.Set(key, bad)
		if _, err := nativeConfig(c); err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%s=%s: got %v, want an error naming the key", key, bad, err)
		}
	}
}
