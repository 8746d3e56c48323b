package web

import (
	"strings"
	"testing"

	"zebra/mapreduce"
)

func TestCounterNames(t *testing.T) {
	for _, c := range [][3]string{
		{mapreduce.GroupTask, "Map input records", "MAP_INPUT_RECORDS"},
		{mapreduce.GroupTask, "Shuffled Maps ", "SHUFFLED_MAPS"},
		{mapreduce.GroupTask, "Input split bytes", "SPLIT_RAW_BYTES"},
		{mapreduce.GroupJob, "Data-local map tasks", "DATA_LOCAL_MAPS"},
		{mapreduce.GroupFileSystem, "FILE: Number of bytes read", "FILE_BYTES_READ"},
		{mapreduce.GroupInputFormat, "Bytes Read", "BYTES_READ"},
		{"my group", "my counter", "my counter"},
	} {
		if got := CounterEnumName(c[0], c[1]); got != c[2] {
			t.Errorf("CounterEnumName(%q, %q) = %q, want %q", c[0], c[1], got, c[2])
		}
	}
	cs := &mapreduce.Counters{}
	cs.Add(mapreduce.GroupTask, mapreduce.CounterReduceOutputRecords, 2)
	cs.Add(mapreduce.GroupTask, mapreduce.CounterMapInputRecords, 7)
	cs.Add(mapreduce.GroupJob, "Launched map tasks", 1)
	cs.Add("my group", "my counter", 3)
	for _, q := range [][2]string{{mapreduce.GroupTask, "MAP_INPUT_RECORDS"}, {"Map-Reduce Framework", "Map input records"}, {mapreduce.GroupTask, "Map input records"}} {
		if v, ok := FindCounter(cs, q[0], q[1]); !ok || v != 7 {
			t.Errorf("FindCounter(%q, %q) = %d, %v", q[0], q[1], v, ok)
		}
	}
	if _, ok := FindCounter(cs, mapreduce.GroupTask, "NOPE"); ok {
		t.Error("found an absent counter")
	}
	want := "Counters: 4\n\tJob Counters\n\t\tLaunched map tasks=1\n\tMap-Reduce Framework\n\t\tMap input records=7\n\t\tReduce output records=2\n\tmy group\n\t\tmy counter=3"
	if got := FormatCounters(cs); got != want {
		t.Errorf("FormatCounters:\n%s\nwant\n%s", got, want)
	}
	if s := shellQuote([]string{"-mapper", "cat x", "it's", "a=b"}); s != `-mapper 'cat x' 'it'\''s' a=b` {
		t.Errorf("shellQuote: %s", s)
	}
	if !strings.Contains(humanBytes(3<<20), "3.0 MiB") || humanInt(1234567) != "1,234,567" {
		t.Error("humanBytes or humanInt")
	}
}
