package mapreduce_test

import (
	"archive/zip"
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"zebra/mapreduce"
	"zebra/mapreduce/mrtest"
	"zebra/mapreduce/mrtest/suite"
)

// schemeFS is a MemFS whose names qualify with another scheme.
type schemeFS struct {
	*mrtest.MemFS
	scheme string
}

func (f schemeFS) URI(name string) string { return f.scheme + "://nn:8020" + name }

// TestCountingFS: bytes and operations through a counted FS land in the
// file system group under the scheme's name, the five counters of each
// scheme listed (HDFS with its erasure-coded bytes), in Hadoop's order;
// FILE counts no operations (as Hadoop's RawLocalFileSystem); an
// AttrCreator stays one.
func TestCountingFS(t *testing.T) {
	ctx := context.Background()
	c := &mapreduce.Counters{}
	hdfs := mapreduce.CountingFS(schemeFS{MemFS: &mrtest.MemFS{}, scheme: "hdfs"}, c)
	w, err := hdfs.Create(ctx, "/in/a")
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, "hello, world\n")
	w.Close()
	r, err := hdfs.Open(ctx, "/in/a", 7)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r)
	r.Close()
	if string(b) != "world\n" {
		t.Fatalf("read %q", b)
	}
	hdfs.List(ctx, "/in")
	local := mapreduce.CountingFS(schemeFS{MemFS: &mrtest.MemFS{}, scheme: "file"}, c)
	w, _ = local.Create(ctx, "/x")
	io.WriteString(w, "abc")
	w.Close()
	mapreduce.AddLocalBytesWritten(c, 10)
	want := map[string]int64{
		"FILE: Number of bytes read": 0, "FILE: Number of bytes written": 13, "FILE: Number of read operations": 0,
		"FILE: Number of large read operations": 0, "FILE: Number of write operations": 0,
		"HDFS: Number of bytes read": 6, "HDFS: Number of bytes written": 13, "HDFS: Number of read operations": 2,
		"HDFS: Number of large read operations": 0, "HDFS: Number of write operations": 1,
		"HDFS: Number of bytes read erasure-coded": 0,
	}
	names := c.Names(mapreduce.GroupFileSystem)
	if len(names) != len(want) {
		t.Errorf("counters %q, want %d", names, len(want))
	}
	for n, v := range want {
		if got := c.Get(mapreduce.GroupFileSystem, n); got != v {
			t.Errorf("%s = %d, want %d", n, got, v)
		}
	}
	order := mapreduce.OrderedNames(c, mapreduce.GroupFileSystem)
	if order[0] != "FILE: Number of bytes read" || order[5] != "HDFS: Number of bytes read" || order[10] != "HDFS: Number of bytes read erasure-coded" {
		t.Errorf("order %q", order)
	}
	if got := mapreduce.CounterEnumName(mapreduce.GroupFileSystem, "HDFS: Number of bytes read erasure-coded"); got != "HDFS_BYTES_READ_EC" {
		t.Errorf("enum name %q", got)
	}
	// AttrCreator passes through.
	afs := &attrFS{MemFS: &mrtest.MemFS{}, attrs: map[string]mapreduce.Attrs{}}
	cfs := mapreduce.CountingFS(afs, c)
	if _, ok := cfs.(mapreduce.AttrCreator); !ok {
		t.Fatal("a counted AttrCreator is not one")
	}
	a := mapreduce.Attrs{ContentType: "text/csv"}
	w, err = cfs.(mapreduce.AttrCreator).CreateAttrs(ctx, "/o", a)
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	if afs.attrs["/o"].ContentType != "text/csv" {
		t.Errorf("attrs not passed: %v", afs.attrs)
	}
}

// TestSplitRawBytes: a split's "Input split bytes" is the size of the
// record Hadoop's JobSplitWriter writes for a mapred.FileSplit: the class
// name and the path each as Text (vint length, bytes; written here with
// the package's own vint encoder), then two longs; around the one- and
// two-byte vint boundary too.
func TestSplitRawBytes(t *testing.T) {
	text := func(s string) []byte { return append(mapreduce.AppendVInt(nil, int64(len(s))), s...) }
	for _, n := range []int{1, 50, 120, 126, 127, 128, 129, 255, 256, 300, 70000} {
		uri := "f:"
		if n > len("file:/") {
			uri = "file:/" + strings.Repeat("x", n-len("file:/"))
		}
		rec := append(text("org.apache.hadoop.mapred.FileSplit"), text(uri)...)
		rec = append(rec, make([]byte, 16)...)
		if got := (mapreduce.Split{URI: uri, Start: 5, Length: 9}).RawBytes(); got != int64(len(rec)) {
			t.Errorf("URI of %d bytes: RawBytes %d, want %d", len(uri), got, len(rec))
		}
	}
	if got := (mapreduce.Split{}).RawBytes(); got != 0 {
		t.Errorf("no file: %d", got)
	}
}

// TestTaskCounterNamesMatchHadoop: the task and file system groups'
// display names and enum names are those of Hadoop 3.4.1's
// TaskCounter.properties and FileSystemCounter.properties, and the order
// zebra prints the task group in is the TaskCounter enum's (javap).
func TestTaskCounterNamesMatchHadoop(t *testing.T) {
	suite.Require(t, suite.Hadoop)
	oracle, _ := filepath.Abs("../scripts/hadoop-oracle.sh")
	cp, err := exec.Command(oracle, "classpath").Output()
	if err != nil {
		t.Fatalf("hadoop-oracle.sh classpath: %v", err)
	}
	// The classpath is the oracle's lib directory as a wildcard.
	jar := filepath.Join(filepath.Dir(strings.TrimSpace(string(cp))), "hadoop-mapreduce-client-core-3.4.1.jar")
	if _, err := os.Stat(jar); err != nil {
		t.Fatalf("the oracle's classpath %s: %v", cp, err)
	}
	props := func(name string) map[string]string {
		z, err := zip.OpenReader(jar)
		if err != nil {
			t.Fatal(err)
		}
		defer z.Close()
		f, err := z.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		out := map[string]string{}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			k, v, ok := strings.Cut(sc.Text(), "=")
			if ok && strings.HasSuffix(k, ".name") {
				out[strings.TrimSuffix(strings.TrimSpace(k), ".name")] = strings.TrimLeft(v, " \t")
			}
		}
		return out
	}
	task := props("org/apache/hadoop/mapreduce/TaskCounter.properties")
	out, err := exec.Command("javap", "-cp", jar, "org.apache.hadoop.mapreduce.TaskCounter").Output()
	if err != nil {
		t.Fatalf("javap: %v", err)
	}
	var order []string
	for _, m := range regexp.MustCompile(`TaskCounter ([A-Z_]+);`).FindAllStringSubmatch(string(out), -1) {
		order = append(order, task[m[1]])
		if got := mapreduce.CounterEnumName(mapreduce.GroupTask, task[m[1]]); got != m[1] {
			t.Errorf("CounterEnumName(task, %q) = %q, want %s", task[m[1]], got, m[1])
		}
	}
	if len(order) < 20 {
		t.Fatalf("javap listed %d TaskCounters:\n%s", len(order), out)
	}
	shuffled := slices.Clone(order)
	slices.Reverse(shuffled)
	if got := mapreduce.TaskGroupOrder(shuffled); !slices.Equal(got, order) {
		t.Errorf("task group order\n%q\nwant Hadoop's\n%q", got, order)
	}
	for _, n := range mapreduce.TaskCounterNames {
		if !slices.Contains(order, n) {
			t.Errorf("zebra's task counter %q is not Hadoop's", n)
		}
	}
	for enum, display := range props("org/apache/hadoop/mapreduce/FileSystemCounter.properties") {
		if got := mapreduce.CounterEnumName(mapreduce.GroupFileSystem, "HDFS: "+display); got != "HDFS_"+enum {
			t.Errorf("CounterEnumName(fs, HDFS: %s) = %q, want HDFS_%s", display, got, enum)
		}
	}
}

// TestResourceCounters: a job's CPU time and memory snapshots are its
// tasks' sums, its peaks their largest (Hadoop's FrameworkCounter keeps
// the larger value of a *_MAX counter), per task kind; unknown virtual
// memory is not listed; the console order is Hadoop's enum order.
func TestResourceCounters(t *testing.T) {
	job := &mapreduce.Counters{}
	for _, a := range []struct {
		reduce             bool
		cpu, phys, virtual int64
	}{{false, 100, 300, 0}, {false, 50, 500, 0}, {true, 7, 200, 0}} {
		task := &mapreduce.Counters{}
		mapreduce.AddResources(task, a.reduce, a.cpu, a.phys, a.virtual)
		job.Merge(task)
	}
	for n, v := range map[string]int64{
		mapreduce.CounterCPUMillis: 157, mapreduce.CounterPhysicalMemory: 1000,
		mapreduce.CounterMapPhysicalMax: 500, mapreduce.CounterReducePhysicalMax: 200,
	} {
		if got := job.Get(mapreduce.GroupTask, n); got != v {
			t.Errorf("%s = %d, want %d", n, got, v)
		}
	}
	if names := job.Names(mapreduce.GroupTask); slices.Contains(names, mapreduce.CounterVirtualMemory) || slices.Contains(names, mapreduce.CounterMapVirtualMax) {
		t.Errorf("unmeasured virtual memory listed: %q", names)
	}
	job.Add(mapreduce.GroupTask, mapreduce.CounterMapInputRecords, 1)
	want := []string{mapreduce.CounterMapInputRecords, mapreduce.CounterCPUMillis, mapreduce.CounterPhysicalMemory,
		mapreduce.CounterMapPhysicalMax, mapreduce.CounterReducePhysicalMax}
	if got := mapreduce.OrderedNames(job, mapreduce.GroupTask); !slices.Equal(got, want) {
		t.Errorf("order %q, want %q", got, want)
	}
}
