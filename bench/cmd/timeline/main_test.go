package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestParseEvent(t *testing.T) {
	start := time.Date(2026, 12, 7, 18, 48, 38, 0, time.UTC)
	// A line as slog's TextHandler writes it for the executor's logger.
	line := `time=2026-12-07T18:48:40.250Z level=DEBUG msg=timeline job=job_local1_0001 component=local event="attempt end" attempt=attempt_local1_0001_m_000001_0`
	ev, ok := parseEvent(line, start)
	if !ok {
		t.Fatalf("parseEvent(%q) did not take the line", line)
	}
	if ev.at != 2.25 || ev.name != "attempt end" || ev.attempt != "attempt_local1_0001_m_000001_0" {
		t.Errorf("got %+v, want at 2.25 name %q attempt %q", ev, "attempt end", "attempt_local1_0001_m_000001_0")
	}
	for _, other := range []string{
		"2026-12-07 18:48:38,457 INFO mapreduce.Job: Running job: job_local1_0001",
		`time=2026-12-07T18:48:40.250Z level=WARN msg=timeline event=x`,
		`time=2026-12-07T18:48:40.250Z level=DEBUG msg="native sandbox: cannot fill the instance pool" err=x`,
	} {
		if _, ok := parseEvent(other, start); ok {
			t.Errorf("parseEvent(%q) took a line that is not a timeline event", other)
		}
	}
}

func TestParseStat(t *testing.T) {
	// Fields after the comm: state(3) ppid pgrp session tty tpgid flags
	// minflt cminflt majflt cmajflt utime(14) stime(15) cutime cstime
	// priority nice threads itrealvalue starttime(22) ...
	line := []byte("4242 (python3 (x)) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 1 0 123456 1000 10 18446744073709551615")
	st, ok := parseStat(line)
	if !ok {
		t.Fatal("parseStat failed")
	}
	if st.comm != "python3 (x)" || st.cpu != 3 || st.startTick != 123456 || st.zombie {
		t.Errorf("got %+v, want comm %q cpu 3 (300 ticks) start 123456, running", st, "python3 (x)")
	}
	z := []byte("4243 (sh) Z 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 99 0 0 0")
	if st, ok := parseStat(z); !ok || !st.zombie || st.cpu != 0.03 {
		t.Errorf("zombie: got %+v, %v, want a zombie with cpu 0.03", st, ok)
	}
}

func TestCPUAt(t *testing.T) {
	s := []sample{{at: 0, cpu: 0, own: 0}, {at: 1, cpu: 2, own: 1}, {at: 3, cpu: 2, own: 1}}
	for _, c := range []struct{ at, cpu, own float64 }{{-1, 0, 0}, {0.5, 1, 0.5}, {2, 2, 1}, {9, 2, 1}} {
		cpu, own := cpuAt(s, c.at)
		if cpu != c.cpu || own != c.own {
			t.Errorf("cpuAt(%v) = %v, %v, want %v, %v", c.at, cpu, own, c.cpu, c.own)
		}
	}
}

func TestLPT(t *testing.T) {
	// Longest first on 2 cores: 5 | 4, then 3 on the second (7), 2 on the
	// first (7): makespan 7.
	if got := lpt([]float64{2, 3, 5, 4}, 2); got != 7 {
		t.Errorf("lpt = %v, want 7", got)
	}
	if got := lpt([]float64{11, 3}, 2); got != 11 {
		t.Errorf("lpt = %v, want 11", got)
	}
}

func TestReadFloor(t *testing.T) {
	raw := `load 1 load1=0.1
floor/40000000/map/0 1 wall_s=9 user_s=8 sys_s=1
floor/40000000/sort/0 1 wall_s=1 user_s=1 sys_s=0
floor/40000000/map/1 1 wall_s=2 user_s=2 sys_s=0.5
floor/40000000/r2/merge/1 1 user_s=0.25 sys_s=0
floor/40000000/r2/reduce/1 1 user_s=2 sys_s=0.25
floor/40000000/map/0 2 user_s=100 sys_s=0
floor/200000000/map/0 1 user_s=50 sys_s=0
`
	p := filepath.Join(t.TempDir(), "raw.txt")
	if err := os.WriteFile(p, []byte(raw), 0o644); err != nil {
		t.Fatal(err)
	}
	fl, err := readFloor(p, 40000000, 1)
	if err != nil {
		t.Fatal(err)
	}
	if fl.maps[0] != 10 || fl.maps[1] != 2.5 || fl.reduces[2][1] != 2.5 || len(fl.maps) != 2 {
		t.Errorf("run 1: maps %v reduces %v, want maps 0:10 1:2.5, r2 partition 1: 2.5", fl.maps, fl.reduces)
	}
	if fl, err = readFloor(p, 40000000, 0); err != nil || fl.run != 2 || fl.maps[0] != 100 {
		t.Errorf("run 0 (the last): %+v, %v, want run 2 with map 0 at 100", fl, err)
	}
	if _, err := readFloor(p, 1000, 0); err == nil {
		t.Error("a size without floor lines was accepted")
	}
}

func TestShort(t *testing.T) {
	if got := short("attempt_local123_0001_r_000001_0"); got != "r_000001" {
		t.Errorf("short = %q, want r_000001", got)
	}
	if got := taskIndex("attempt_local123_0001_m_000003_0"); got != 3 {
		t.Errorf("taskIndex = %d, want 3", got)
	}
}
