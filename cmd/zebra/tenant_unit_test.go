package main

import (
	"bytes"
	"context"
	"os"
	"strconv"
	"strings"
	"testing"

	"zebra/jobtracker/api"
	"zebra/mapreduce"
	"zebra/sandbox/native"
)

// TestTenantMaxima: --tenant-max parses over the defaults (the native
// sandbox's own), a tenant's settings above a maximum are refused with the
// setting and the maximum named, and a worker lowers them.
func TestTenantMaxima(t *testing.T) {
	d := native.DefaultConfig()
	m, err := parseTenantMaxima("")
	if err != nil {
		t.Fatal(err)
	}
	if m[mapreduce.KeySandboxMemoryMB] != d.Memory>>20 || m[mapreduce.KeySandboxWallSecs] != int64(d.WallTime.Seconds()) {
		t.Errorf("defaults %v, want the native sandbox's (memory %d MiB, wall %s)", m, d.Memory>>20, d.WallTime)
	}
	m, err = parseTenantMaxima("zebra.sandbox.memory.mb=512, zebra.task.stderr.limit=0")
	if err != nil || m[mapreduce.KeySandboxMemoryMB] != 512 || m["zebra.task.stderr.limit"] != 0 {
		t.Fatalf("parse: %v %v", m, err)
	}
	for _, bad := range []string{"zebra.swift.auth=1", "zebra.sandbox.memory.mb", "zebra.sandbox.memory.mb=-1", "zebra.sandbox.processes=0", "zebra.sandbox.memory.mb=x"} {
		if _, err := parseTenantMaxima(bad); err == nil || !strings.Contains(err.Error(), "--tenant-max") {
			t.Errorf("--tenant-max %s: %v, want an error naming the flag", bad, err)
		}
	}
	if err := m.check(map[string]string{mapreduce.KeySandboxMemoryMB: "512", mapreduce.KeySandboxTmpMB: "1"}); err != nil {
		t.Errorf("at the maximum: %v", err)
	}
	err = m.check(map[string]string{mapreduce.KeySandboxMemoryMB: "513"})
	if err == nil || !strings.Contains(err.Error(), "zebra.sandbox.memory.mb=513 is above this cluster's maximum") || !strings.Contains(err.Error(), "(512)") {
		t.Errorf("above: %v", err)
	}
	if err := m.check(map[string]string{mapreduce.KeySandboxMemoryMB: "lots"}); err == nil || !strings.Contains(err.Error(), "not an integer") {
		t.Errorf("not a number: %v", err)
	}
	if err := m.check(map[string]string{"io.sort.mb": "2048"}); err == nil || !strings.Contains(err.Error(), "mapreduce.task.io.sort.mb=2048") {
		t.Errorf("a deprecated name above the maximum: %v", err)
	}
	if err := m.checkPlan(&api.Plan{MaxMapAttempts: 1 << 30}); err == nil || !strings.Contains(err.Error(), "mapreduce.map.maxattempts 1073741824 is above") {
		t.Errorf("attempts in the plan above the maximum: %v", err)
	}
	if err := m.checkPlan(&api.Plan{MaxMapAttempts: 4, MaxReduceAttempts: 10}); err != nil {
		t.Errorf("attempts within the maxima: %v", err)
	}
	conf := mapreduce.NewConf()
	conf.Set(mapreduce.KeySandboxMemoryMB, "4096")
	conf.Set(mapreduce.KeySandboxProcesses, "3")
	conf.Set("zebra.task.stderr.limit", "many")
	changed := m.capConf(conf)
	if conf.Get(mapreduce.KeySandboxMemoryMB, "") != "512" || conf.Get(mapreduce.KeySandboxProcesses, "") != "3" || conf.Get("zebra.task.stderr.limit", "") != "0" || len(changed) != 2 {
		t.Errorf("capped: memory %s processes %s stderr %s (%v)", conf.Get(mapreduce.KeySandboxMemoryMB, ""), conf.Get(mapreduce.KeySandboxProcesses, ""), conf.Get("zebra.task.stderr.limit", ""), changed)
	}
}

// TestNativeRunnersLeased: one process runs programs with any number of
// distinct limit sets (the old cap of 8 refused every later set), and
// keeps at most maxIdleNativeRunners runners once they are idle.
func TestNativeRunnersLeased(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("the native sandbox needs root here")
	}
	if err := native.Check(); err != nil {
		t.Skip("no native sandbox on this host:", err)
	}
	boxes := &sandboxes{logger: quietLogger(), maxima: defaultTenantMaxima()}
	defer boxes.close()
	choose := boxes.chooserFor("AUTH_alice")
	const sets = 3 * maxIdleNativeRunners / 2
	for i := range sets + 1 {
		conf := mapreduce.NewConf()
		if i < sets { // the last one: the defaults, after all the others
			conf.Set(mapreduce.KeySandboxTmpMB, strconv.Itoa(100+i))
		}
		r, _, err := choose("", conf)
		if err != nil {
			t.Fatalf("limit set %d: %v", i, err)
		}
		var out, errOut bytes.Buffer
		p, err := r.Start(context.Background(), mapreduce.Command{Args: []string{"/bin/echo", "set", strconv.Itoa(i)}, Dir: t.TempDir(), Env: []string{"PATH=/usr/bin:/bin"}, Stdout: &out, Stderr: &errOut})
		if err != nil {
			t.Fatalf("limit set %d: start: %v", i, err)
		}
		if err := p.Wait(); err != nil || out.String() != "set "+strconv.Itoa(i)+"\n" {
			t.Fatalf("limit set %d: %v, output %q, stderr %q", i, err, out.String(), errOut.String())
		}
	}
	boxes.mu.Lock()
	kept := len(boxes.native)
	boxes.mu.Unlock()
	if kept > maxIdleNativeRunners {
		t.Errorf("%d idle native runners kept, want at most %d", kept, maxIdleNativeRunners)
	}
}
