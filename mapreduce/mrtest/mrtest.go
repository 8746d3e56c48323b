// Package mrtest is the storage conformance suite: one set of tests that
// every mapreduce.FS (local files, HDFS, Swift, the in-memory reference
// MemFS) must pass, so that the engine sees the same behaviour on every
// store. Run calls it from a store's own tests:
//
//	func TestConformance(t *testing.T) {
//		mrtest.Run(t, func(t *testing.T) (mapreduce.FS, string) {
//			return fsys, freshDir(t)
//		}, mrtest.Capabilities{...})
//	}
//
// A store that cannot do something says so through a Capabilities field
// (with the reason); the subtests that need it are then skipped with that
// reason in the log, never silently.
package mrtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"zebra/mapreduce"
)

// Capabilities declare what a store cannot do. Every No… (and Unsorted…)
// field, when non-empty, is the reason the store lacks that ability; the
// subtests that need it are skipped with that reason. The zero value
// claims every ability, so a new store is tested on everything unless it
// opts out explicitly.
type Capabilities struct {
	// NoPermissions: the store has no access control the suite can
	// exercise. Otherwise Deny must be set.
	NoPermissions string
	// Deny makes the directory name (created by the suite, holding a file)
	// inaccessible to the FS under test: listing it, creating in it and
	// opening its files must fail with fs.ErrPermission. It returns the
	// function restoring access.
	Deny func(t *testing.T, name string) (restore func())
	// NoEmptyDirs: directories exist only through the files under them
	// (object stores without directory markers).
	NoEmptyDirs string
	// NoDirRename: directories cannot be renamed.
	NoDirRename string
	// NoModTime: Stat and List report no modification time.
	NoModTime string
	// NoUnicodeNames: names are restricted to ASCII.
	NoUnicodeNames string
	// NoConcurrentWriters: files cannot be written at the same time.
	NoConcurrentWriters string
	// NoLocality: the store is not a mapreduce.Locator, or has no
	// locations to report. A store that is a Locator and leaves this empty
	// must report hosts for every non-empty file.
	NoLocality string
	// UnsortedList: List returns children in no particular order (local
	// files: directory order). Otherwise they must be sorted by name in
	// ListOrder, as Hadoop lists HDFS and object stores.
	UnsortedList string
	// ListOrder is the store's name order, a cmp-style function; nil means
	// byte order of the UTF-8 names (strings.Compare), as object stores
	// sort. HDFS sorts by Java's signed bytes: JavaByteOrder.
	ListOrder func(a, b string) int
	// ExpectHosts, if set, are the hosts Locate must return for a file
	// written by the suite (e.g. the test cluster's only DataNode).
	ExpectHosts []string
	// LargeFileSize is the size of the large-file test (default 40 MiB).
	LargeFileSize int64
}

// NewFS returns the store under test and a directory of it for one subtest:
// absent or empty, used by no other subtest. It may register cleanups.
type NewFS func(t *testing.T) (fsys mapreduce.FS, root string)

// Run runs the whole suite as subtests of t.
func Run(t *testing.T, newFS NewFS, caps Capabilities) {
	tests := []struct {
		name string
		fn   func(*testing.T, mapreduce.FS, string, Capabilities)
	}{
		{"StatFileAndDir", testStat},
		{"MkdirAll", testMkdirAll},
		{"List", testList},
		{"HiddenFiles", testHidden},
		{"Glob", testGlob},
		{"GlobLiteralAfterFiles", testGlobLiteralAfterFiles},
		{"RangedOpen", testRangedOpen},
		{"Create", testCreate},
		{"Committer", testCommitter},
		{"CommitterExistingOutput", testCommitterExisting},
		{"CommitterAbort", testCommitterAbort},
		{"Rename", testRename},
		{"Delete", testDelete},
		{"NotFound", testNotFound},
		{"Permission", testPermission},
		{"LargeFile", testLargeFile},
		{"UnicodeNames", testUnicode},
		{"ConcurrentWriters", testConcurrent},
		{"URI", testURI},
		{"Locality", testLocality},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fsys, root := newFS(t)
			tc.fn(t, fsys, root, caps)
		})
	}
}

// lacks skips t when the store declared it lacks an ability.
func lacks(t *testing.T, reason, what string) {
	t.Helper()
	if reason != "" {
		t.Skipf("store declares it cannot %s: %s", what, reason)
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// data is n deterministic pseudo-random bytes for seed.
func data(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := 0; i+8 <= n; i += 8 {
		v := r.Uint64()
		for j := 0; j < 8; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	for i := n &^ 7; i < n; i++ {
		b[i] = byte(r.Uint32())
	}
	return b
}

// WriteFile creates name with content, failing the test on any error.
func WriteFile(t *testing.T, fsys mapreduce.FS, name string, content []byte) {
	t.Helper()
	ctx := ctxT(t)
	w, err := fsys.Create(ctx, name)
	if err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	if _, err := w.Write(content); err != nil {
		w.Close()
		t.Fatalf("write %s: %v", name, err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("close %s: %v", name, err)
	}
}

// ReadFile reads name from offset off to its end.
func ReadFile(t *testing.T, fsys mapreduce.FS, name string, off int64) []byte {
	t.Helper()
	r, err := fsys.Open(ctxT(t), name, off)
	if err != nil {
		t.Fatalf("open %s at %d: %v", name, off, err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("read %s from %d: %v", name, off, err)
	}
	return b
}

func mustErr(t *testing.T, what string, err error, target error, kind mapreduce.Kind) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error, want %v", what, target)
		return
	}
	if !errors.Is(err, target) {
		t.Errorf("%s: error %q does not match %v", what, err, target)
	}
	if k := mapreduce.KindOf(err); k != kind {
		t.Errorf("%s: error %q has kind %v, want %v", what, err, k, kind)
	}
}

func names(fis []mapreduce.FileInfo) []string {
	out := make([]string, len(fis))
	for i, fi := range fis {
		out[i] = path.Base(fi.Path)
	}
	return out
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	sort.Strings(c)
	return c
}

// JavaByteOrder compares names as HDFS orders a directory's children: by
// their UTF-8 bytes taken as Java's signed bytes, so that bytes from 0x80
// up (every non-ASCII character) sort before ASCII.
func JavaByteOrder(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if x, y := int8(a[i]), int8(b[i]); x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return len(a) - len(b)
}

func (c Capabilities) order() func(a, b string) int {
	if c.ListOrder != nil {
		return c.ListOrder
	}
	return strings.Compare
}

// checkOrder compares listed names with want: in the store's order when
// it lists sorted, as sets otherwise.
func checkOrder(t *testing.T, what string, got, want []string, caps Capabilities) {
	t.Helper()
	if caps.UnsortedList != "" {
		if !slices.Equal(sortedCopy(got), sortedCopy(want)) {
			t.Errorf("%s: got %q, want (in any order, %s) %q", what, got, caps.UnsortedList, sortedCopy(want))
		}
		return
	}
	w := slices.Clone(want)
	slices.SortFunc(w, caps.order())
	if !slices.Equal(got, w) {
		t.Errorf("%s: got %q, want %q (sorted by name in the store's order)", what, got, w)
	}
}

func testStat(t *testing.T, fsys mapreduce.FS, root string, caps Capabilities) {
	ctx := ctxT(t)
	before := time.Now().Add(-time.Hour)
	f := path.Join(root, "dir", "file.txt")
	WriteFile(t, fsys, f, []byte("hello, world\n"))
	fi, err := fsys.Stat(ctx, f)
	if err != nil {
		t.Fatalf("stat %s: %v", f, err)
	}
	if fi.Path != f || fi.Size != 13 || fi.IsDir {
		t.Errorf("stat %s = %+v, want Path %s, Size 13, a file", f, fi, f)
	}
	di, err := fsys.Stat(ctx, path.Join(root, "dir"))
	if err != nil {
		t.Fatalf("stat dir: %v", err)
	}
	if !di.IsDir || di.Path != path.Join(root, "dir") {
		t.Errorf("stat dir = %+v, want a directory named %s", di, path.Join(root, "dir"))
	}
	empty := path.Join(root, "empty")
	WriteFile(t, fsys, empty, nil)
	if ei, err := fsys.Stat(ctx, empty); err != nil || ei.Size != 0 || ei.IsDir {
		t.Errorf("stat empty file = %+v, %v; want size 0", ei, err)
	}
	if caps.NoModTime != "" {
		t.Logf("modification times not checked: store declares it cannot report them: %s", caps.NoModTime)
		return
	}
	if fi.ModTime.Before(before) || fi.ModTime.After(time.Now().Add(time.Hour)) {
		t.Errorf("stat %s: modification time %v is not near now", f, fi.ModTime)
	}
}

func testMkdirAll(t *testing.T, fsys mapreduce.FS, root string, caps Capabilities) {
	ctx := ctxT(t)
	d := path.Join(root, "a", "b", "c")
	if err := fsys.MkdirAll(ctx, d); err != nil {
		t.Fatalf("mkdir -p %s: %v", d, err)
	}
	if err := fsys.MkdirAll(ctx, d); err != nil {
		t.Errorf("mkdir -p of an existing directory: %v", err)
	}
	WriteFile(t, fsys, path.Join(root, "file"), []byte("x"))
	if err := fsys.MkdirAll(ctx, path.Join(root, "file")); err == nil {
		t.Errorf("mkdir -p over a file: no error")
	}
	if caps.NoEmptyDirs != "" {
		t.Logf("empty directories not checked: store declares it cannot keep them: %s", caps.NoEmptyDirs)
		return
	}
	fi, err := fsys.Stat(ctx, d)
	if err != nil || !fi.IsDir {
		t.Errorf("stat of the new empty directory %s: %+v, %v", d, fi, err)
	}
	ls, err := fsys.List(ctx, path.Join(root, "a", "b"))
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	if got := names(ls); !slices.Equal(got, []string{"c"}) || !ls[0].IsDir {
		t.Errorf("list of a/b = %+v, want the empty directory c", ls)
	}
	if ls, err := fsys.List(ctx, d); err != nil || len(ls) != 0 {
		t.Errorf("list of an empty directory = %+v, %v; want nothing", ls, err)
	}
}

func testList(t *testing.T, fsys mapreduce.FS, root string, caps Capabilities) {
	ctx := ctxT(t)
	dir := path.Join(root, "in")
	files := map[string]int{"b.txt": 3, "a.txt": 1, "c-10.txt": 10, "c-9.txt": 9, "B-upper": 2}
	for n, size := range files {
		WriteFile(t, fsys, path.Join(dir, n), bytes.Repeat([]byte("x"), size))
	}
	WriteFile(t, fsys, path.Join(dir, "sub", "deep.txt"), []byte("deep"))
	ls, err := fsys.List(ctx, dir)
	if err != nil {
		t.Fatalf("list %s: %v", dir, err)
	}
	want := []string{"B-upper", "a.txt", "b.txt", "c-10.txt", "c-9.txt", "sub"}
	checkOrder(t, "list", names(ls), want, caps)
	for _, fi := range ls {
		base := path.Base(fi.Path)
		if fi.Path != path.Join(dir, base) {
			t.Errorf("listed path %q is not %q", fi.Path, path.Join(dir, base))
		}
		if base == "sub" {
			if !fi.IsDir {
				t.Errorf("sub listed as a file")
			}
			continue
		}
		if fi.IsDir || fi.Size != int64(files[base]) {
			t.Errorf("listed %s: %+v, want a file of %d bytes", base, fi, files[base])
		}
	}
	got, err := mapreduce.ListInputs(ctx, fsys, []string{dir}, mapreduce.NewConf())
	if err == nil {
		t.Errorf("ListInputs of a directory with a subdirectory: %d files and no error, want Hadoop's \"Not a file\"", len(got))
	} else if !strings.Contains(err.Error(), "Not a file: "+fsys.URI(path.Join(dir, "sub"))) {
		t.Errorf("ListInputs error %q does not name %s as \"Not a file\"", err, fsys.URI(path.Join(dir, "sub")))
	}
	conf := mapreduce.NewConf()
	conf.Set(mapreduce.KeyInputDirRecursive, "true")
	got, err = mapreduce.ListInputs(ctx, fsys, []string{dir}, conf)
	if err != nil {
		t.Fatalf("recursive ListInputs: %v", err)
	}
	checkOrder(t, "recursive ListInputs", names(got), []string{"B-upper", "a.txt", "b.txt", "c-10.txt", "c-9.txt", "deep.txt"}, caps)
}

func testHidden(t *testing.T, fsys mapreduce.FS, root string, caps Capabilities) {
	ctx := ctxT(t)
	dir := path.Join(root, "data")
	for _, n := range []string{"part-0", "part-1", "_SUCCESS", ".hidden", "_temporary/x", ".staging/y", "_logs/history"} {
		WriteFile(t, fsys, path.Join(dir, n), []byte(n+"\n"))
	}
	ls, err := fsys.List(ctx, dir)
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	// The store itself hides nothing of these: hiding is FileInputFormat's.
	checkOrder(t, "raw list", names(ls), []string{".hidden", ".staging", "_SUCCESS", "_logs", "_temporary", "part-0", "part-1"}, caps)
	for _, in := range [][]string{{dir}, {path.Join(dir, "*")}, {path.Join(dir, "*"), path.Join(dir, "_*")}} {
		got, err := mapreduce.ListInputs(ctx, fsys, in, mapreduce.NewConf())
		if len(in) == 2 {
			// dir/_* matches only hidden names: Hadoop reports it matches 0 files.
			if err == nil || !strings.Contains(err.Error(), "matches 0 files") {
				t.Errorf("ListInputs(%q): %v, want \"matches 0 files\" for the hidden-only pattern", in, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("ListInputs(%q): %v", in, err)
		}
		checkOrder(t, fmt.Sprintf("ListInputs(%q)", in), names(got), []string{"part-0", "part-1"}, caps)
	}
}

func testGlob(t *testing.T, fsys mapreduce.FS, root string, caps Capabilities) {
	ctx := ctxT(t)
	d := path.Join(root, "logs")
	for _, n := range []string{"2024-01/a.log", "2024-01/b.txt", "2024-02/a.log", "2024-02/c.log", "2025-01/a.log", "2024-01/_x.log", "other.log"} {
		WriteFile(t, fsys, path.Join(d, n), []byte(n+"\n"))
	}
	cases := []struct {
		pattern string
		want    []string // sorted paths relative to d
	}{
		{"2024-*/*.log", []string{"2024-01/a.log", "2024-02/a.log", "2024-02/c.log"}},
		{"*/[a]?log", []string{"2024-01/a.log", "2024-02/a.log", "2025-01/a.log"}},
		{"2024-0?/[ab].*", []string{"2024-01/a.log", "2024-01/b.txt", "2024-02/a.log"}},
		{"{2024-02,2025-01}/*", []string{"2024-02/a.log", "2024-02/c.log", "2025-01/a.log"}},
		{"2024-01/[^a]*", []string{"2024-01/b.txt"}},
		{"*.log", []string{"other.log"}},
		{"2024-01", []string{"2024-01/a.log", "2024-01/b.txt"}},
	}
	for _, c := range cases {
		got, err := mapreduce.ListInputs(ctx, fsys, []string{path.Join(d, c.pattern)}, mapreduce.NewConf())
		if err != nil {
			t.Errorf("glob %s: %v", c.pattern, err)
			continue
		}
		var rel []string
		for _, fi := range got {
			rel = append(rel, strings.TrimPrefix(fi.Path, d+"/"))
		}
		if !slices.Equal(sortedCopy(rel), c.want) {
			t.Errorf("glob %s = %q, want %q", c.pattern, rel, c.want)
		}
		if caps.UnsortedList == "" && !slices.IsSortedFunc(rel, caps.order()) {
			t.Errorf("glob %s = %q: not in name order on a store that lists sorted", c.pattern, rel)
		}
	}
	_, err := mapreduce.ListInputs(ctx, fsys, []string{path.Join(d, "nomatch*")}, mapreduce.NewConf())
	if want := "Input Pattern " + fsys.URI(path.Join(d, "nomatch*")) + " matches 0 files"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("glob matching nothing: %v, want %q", err, want)
	}
	_, err = mapreduce.ListInputs(ctx, fsys, []string{path.Join(d, "missing")}, mapreduce.NewConf())
	if want := "Input path does not exist: " + fsys.URI(path.Join(d, "missing")); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("missing input: %v, want %q", err, want)
	}
}

// testGlobLiteralAfterFiles: in logs/*/a.log, * also matches the file
// logs/other.log; Hadoop's Globber skips a candidate that is not a
// directory before looking up the literal a.log under it (on HDFS that
// lookup would even be refused to a non-superuser).
func testGlobLiteralAfterFiles(t *testing.T, fsys mapreduce.FS, root string, _ Capabilities) {
	ctx := ctxT(t)
	d := path.Join(root, "logs")
	for _, n := range []string{"2024-01/a.log", "2024-02/b.log", "other.log"} {
		WriteFile(t, fsys, path.Join(d, n), []byte(n+"\n"))
	}
	got, err := mapreduce.ListInputs(ctx, fsys, []string{path.Join(d, "*", "a.log")}, mapreduce.NewConf())
	if err != nil {
		t.Fatalf("glob */a.log with a file among the * matches: %v", err)
	}
	if len(got) != 1 || got[0].Path != path.Join(d, "2024-01", "a.log") {
		t.Errorf("glob */a.log = %q, want [2024-01/a.log]", names(got))
	}
}

func testRangedOpen(t *testing.T, fsys mapreduce.FS, root string, _ Capabilities) {
	ctx := ctxT(t)
	const size = 3<<20 + 12345
	content := data(1, size)
	f := path.Join(root, "ranged.bin")
	WriteFile(t, fsys, f, content)
	for _, off := range []int64{0, 1, 511, 512, 513, 4095, 65535, 65536, 1 << 20, size / 2, size - 1, size} {
		got := ReadFile(t, fsys, f, off)
		if !bytes.Equal(got, content[off:]) {
			t.Errorf("read from %d: %d bytes, want %d (first difference at %d)", off, len(got), size-off, firstDiff(got, content[off:]))
		}
	}
	// A split reader reads a little and closes.
	for _, off := range []int64{0, 100000, size - 10} {
		r, err := fsys.Open(ctx, f, off)
		if err != nil {
			t.Fatalf("open at %d: %v", off, err)
		}
		buf := make([]byte, 10)
		if _, err := io.ReadFull(r, buf); err != nil {
			t.Errorf("read 10 bytes at %d: %v", off, err)
		} else if !bytes.Equal(buf, content[off:off+10]) {
			t.Errorf("10 bytes at %d differ", off)
		}
		if err := r.Close(); err != nil {
			t.Errorf("close after a partial read: %v", err)
		}
	}
}

func firstDiff(a, b []byte) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func testCreate(t *testing.T, fsys mapreduce.FS, root string, _ Capabilities) {
	ctx := ctxT(t)
	f := path.Join(root, "new", "parents", "file.txt")
	WriteFile(t, fsys, f, []byte("first\n"))
	if got := ReadFile(t, fsys, f, 0); string(got) != "first\n" {
		t.Errorf("read back %q", got)
	}
	w, err := fsys.Create(ctx, f)
	if err == nil {
		w.Write([]byte("second\n"))
		w.Close()
	}
	mustErr(t, "create over an existing file", err, fs.ErrExist, mapreduce.Exist)
	if got := ReadFile(t, fsys, f, 0); string(got) != "first\n" {
		t.Errorf("the existing file changed to %q", got)
	}
	w, err = fsys.Create(ctx, path.Join(root, "new"))
	if err == nil {
		w.Close()
	}
	mustErr(t, "create over an existing directory", err, fs.ErrExist, mapreduce.Exist)
	w, err = fsys.Create(ctx, path.Join(f, "under-a-file"))
	if err == nil {
		w.Close()
		t.Errorf("create under a file: no error")
	}
	// Several writes make one file.
	g := path.Join(root, "chunks")
	w, err = fsys.Create(ctx, g)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	var want []byte
	for i := range 100 {
		chunk := data(uint64(i), 1000+i)
		want = append(want, chunk...)
		if _, err := w.Write(chunk); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if got := ReadFile(t, fsys, g, 0); !bytes.Equal(got, want) {
		t.Errorf("file of 100 writes: %d bytes, want %d", len(got), len(want))
	}
}

// attempt writes the files of one task attempt as the engine does.
func attempt(t *testing.T, c *mapreduce.Committer, a mapreduce.AttemptID, files map[string]string) {
	t.Helper()
	for n, content := range files {
		WriteFile(t, c.FS, path.Join(c.AttemptDir(a), n), []byte(content))
	}
}

// visible lists out, without _temporary.
func visible(t *testing.T, fsys mapreduce.FS, out string) []string {
	t.Helper()
	ls, err := fsys.List(ctxT(t), out)
	if err != nil {
		t.Fatalf("list %s: %v", out, err)
	}
	var got []string
	for _, n := range names(ls) {
		if n != "_temporary" {
			got = append(got, n)
		}
	}
	return sortedCopy(got)
}

func testCommitter(t *testing.T, fsys mapreduce.FS, root string, _ Capabilities) {
	ctx := ctxT(t)
	out := path.Join(root, "out")
	job := mapreduce.JobID{Tracker: "local1234", Seq: 1}
	c := &mapreduce.Committer{FS: fsys, Out: out, Job: job, Marker: true}
	if err := c.SetupJob(ctx); err != nil {
		t.Fatalf("SetupJob: %v", err)
	}
	task := func(i int) mapreduce.TaskID { return mapreduce.TaskID{Job: job, Kind: mapreduce.ReduceTask, Index: i} }
	a0 := mapreduce.AttemptID{Task: task(0), N: 0}
	a1 := mapreduce.AttemptID{Task: task(1), N: 0}
	a1retry := mapreduce.AttemptID{Task: task(1), N: 1}
	a2 := mapreduce.AttemptID{Task: task(2), N: 0} // lazy output: writes nothing
	attempt(t, c, a0, map[string]string{"part-00000": "zero\n"})
	attempt(t, c, a1, map[string]string{"part-00001": "one, first attempt\n"})
	if got := visible(t, fsys, out); len(got) != 0 {
		t.Errorf("before any commit, %s shows %q; want nothing under final names", out, got)
	}
	for _, a := range []mapreduce.AttemptID{a0, a1, a2} {
		if err := c.CommitTask(ctx, a); err != nil {
			t.Fatalf("CommitTask %s: %v", a, err)
		}
	}
	// The first attempt of task 1 committed and was lost; a retry commits again.
	attempt(t, c, a1retry, map[string]string{"part-00001": "one, second attempt\n"})
	if err := c.CommitTask(ctx, a1retry); err != nil {
		t.Fatalf("CommitTask %s: %v", a1retry, err)
	}
	if got := visible(t, fsys, out); len(got) != 0 {
		t.Errorf("after task commits but before job commit, %s shows %q; want nothing under final names", out, got)
	}
	if _, err := fsys.Stat(ctx, path.Join(out, "_SUCCESS")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("_SUCCESS before job commit: %v", err)
	}
	if err := c.CommitJob(ctx); err != nil {
		t.Fatalf("CommitJob: %v", err)
	}
	ls, err := fsys.List(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := sortedCopy(names(ls)), []string{"_SUCCESS", "part-00000", "part-00001"}; !slices.Equal(got, want) {
		t.Errorf("after job commit %s holds %q, want %q", out, got, want)
	}
	for n, want := range map[string]string{"part-00000": "zero\n", "part-00001": "one, second attempt\n", "_SUCCESS": ""} {
		if got := ReadFile(t, fsys, path.Join(out, n), 0); string(got) != want {
			t.Errorf("%s = %q, want %q", n, got, want)
		}
	}
}

// snapshot maps every file under dir to its content.
func snapshot(t *testing.T, fsys mapreduce.FS, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	ls, err := fsys.List(ctxT(t), dir)
	if err != nil {
		t.Fatalf("list %s: %v", dir, err)
	}
	for _, fi := range ls {
		if fi.IsDir {
			for k, v := range snapshot(t, fsys, fi.Path) {
				m[path.Base(fi.Path)+"/"+k] = v
			}
			continue
		}
		m[path.Base(fi.Path)] = string(ReadFile(t, fsys, fi.Path, 0))
	}
	return m
}

func testCommitterExisting(t *testing.T, fsys mapreduce.FS, root string, _ Capabilities) {
	ctx := ctxT(t)
	out := path.Join(root, "out")
	WriteFile(t, fsys, path.Join(out, "part-00000"), []byte("an earlier job's output\n"))
	WriteFile(t, fsys, path.Join(out, "_SUCCESS"), nil)
	before := snapshot(t, fsys, out)
	c := &mapreduce.Committer{FS: fsys, Out: out, Job: mapreduce.JobID{Tracker: "local1", Seq: 2}, Marker: true}
	err := c.SetupJob(ctx)
	if err == nil {
		t.Fatalf("SetupJob over an existing output directory: no error")
	}
	if !mapreduce.IsKind(err, mapreduce.Exist) || !strings.Contains(err.Error(), "output directory "+fsys.URI(out)+" already exists") {
		t.Errorf("SetupJob error %q (kind %v): want kind exist and \"output directory %s already exists\"", err, mapreduce.KindOf(err), fsys.URI(out))
	}
	if after := snapshot(t, fsys, out); !mapsEqual(before, after) {
		t.Errorf("the existing output changed: before %q, after %q", before, after)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func testCommitterAbort(t *testing.T, fsys mapreduce.FS, root string, _ Capabilities) {
	ctx := ctxT(t)
	out := path.Join(root, "out")
	job := mapreduce.JobID{Tracker: "local1", Seq: 3}
	c := &mapreduce.Committer{FS: fsys, Out: out, Job: job, Marker: true}
	if err := c.SetupJob(ctx); err != nil {
		t.Fatalf("SetupJob: %v", err)
	}
	a := mapreduce.AttemptID{Task: mapreduce.TaskID{Job: job, Kind: mapreduce.MapTask, Index: 0}}
	attempt(t, c, a, map[string]string{"part-00000": "x\n"})
	if err := c.CommitTask(ctx, a); err != nil {
		t.Fatalf("CommitTask: %v", err)
	}
	b := mapreduce.AttemptID{Task: mapreduce.TaskID{Job: job, Kind: mapreduce.MapTask, Index: 1}}
	attempt(t, c, b, map[string]string{"part-00001": "uncommitted\n"})
	if err := c.AbortJob(ctx); err != nil {
		t.Fatalf("AbortJob: %v", err)
	}
	ls, err := fsys.List(ctx, out)
	if err != nil {
		t.Fatalf("list after abort: %v", err)
	}
	if len(ls) != 0 {
		t.Errorf("after abort %s holds %q, want nothing (no _temporary, no _SUCCESS, no part files)", out, names(ls))
	}
}

func testRename(t *testing.T, fsys mapreduce.FS, root string, caps Capabilities) {
	ctx := ctxT(t)
	a, b := path.Join(root, "a.txt"), path.Join(root, "b.txt")
	WriteFile(t, fsys, a, []byte("A\n"))
	if err := fsys.Rename(ctx, a, b); err != nil {
		t.Fatalf("rename: %v", err)
	}
	if _, err := fsys.Stat(ctx, a); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the source after rename: %v, want not found", err)
	}
	if got := ReadFile(t, fsys, b, 0); string(got) != "A\n" {
		t.Errorf("the target after rename holds %q", got)
	}
	c := path.Join(root, "c.txt")
	WriteFile(t, fsys, c, []byte("C\n"))
	mustErr(t, "rename onto an existing file", fsys.Rename(ctx, c, b), fs.ErrExist, mapreduce.Exist)
	if got := ReadFile(t, fsys, b, 0); string(got) != "A\n" {
		t.Errorf("the existing target changed to %q", got)
	}
	if got := ReadFile(t, fsys, c, 0); string(got) != "C\n" {
		t.Errorf("the refused source changed to %q", got)
	}
	d := path.Join(root, "dir")
	WriteFile(t, fsys, path.Join(d, "x"), nil)
	mustErr(t, "rename onto an existing directory", fsys.Rename(ctx, c, d), fs.ErrExist, mapreduce.Exist)
	mustErr(t, "rename of a missing file", fsys.Rename(ctx, path.Join(root, "missing"), path.Join(root, "m2")), fs.ErrNotExist, mapreduce.NotExist)
	if caps.NoDirRename != "" {
		t.Logf("directory rename not checked: store declares it cannot: %s", caps.NoDirRename)
		return
	}
	src := path.Join(root, "tree")
	for _, n := range []string{"one", "sub/two", "sub/deeper/three"} {
		WriteFile(t, fsys, path.Join(src, n), []byte(n))
	}
	dst := path.Join(root, "moved")
	if err := fsys.Rename(ctx, src, dst); err != nil {
		t.Fatalf("rename a directory: %v", err)
	}
	for _, n := range []string{"one", "sub/two", "sub/deeper/three"} {
		if got := ReadFile(t, fsys, path.Join(dst, n), 0); string(got) != n {
			t.Errorf("moved %s holds %q", n, got)
		}
	}
	if _, err := fsys.Stat(ctx, src); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the renamed directory is still there: %v", err)
	}
}

func testDelete(t *testing.T, fsys mapreduce.FS, root string, _ Capabilities) {
	ctx := ctxT(t)
	f := path.Join(root, "f")
	WriteFile(t, fsys, f, []byte("x"))
	tree := path.Join(root, "tree")
	for _, n := range []string{"a", "b/c", "b/d/e"} {
		WriteFile(t, fsys, path.Join(tree, n), []byte(n))
	}
	keep := path.Join(root, "tree-sibling")
	WriteFile(t, fsys, keep, []byte("stays"))
	for _, p := range []string{f, tree} {
		if err := fsys.RemoveAll(ctx, p); err != nil {
			t.Fatalf("remove %s: %v", p, err)
		}
		if _, err := fsys.Stat(ctx, p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s after remove: %v, want not found", p, err)
		}
	}
	if _, err := fsys.Stat(ctx, path.Join(tree, "b", "d", "e")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a file under the removed tree: %v, want not found", err)
	}
	if got := ReadFile(t, fsys, keep, 0); string(got) != "stays" {
		t.Errorf("a sibling with the removed tree's name as prefix: %q", got)
	}
	if err := fsys.RemoveAll(ctx, path.Join(root, "never-was")); err != nil {
		t.Errorf("remove of a missing name: %v, want no error", err)
	}
}

func testNotFound(t *testing.T, fsys mapreduce.FS, root string, _ Capabilities) {
	ctx := ctxT(t)
	WriteFile(t, fsys, path.Join(root, "present"), []byte("x"))
	missing := path.Join(root, "no-such-file")
	_, err := fsys.Stat(ctx, missing)
	mustErr(t, "stat", err, fs.ErrNotExist, mapreduce.NotExist)
	_, err = fsys.List(ctx, missing)
	mustErr(t, "list", err, fs.ErrNotExist, mapreduce.NotExist)
	r, err := fsys.Open(ctx, missing, 0)
	if err == nil {
		r.Close()
	}
	mustErr(t, "open", err, fs.ErrNotExist, mapreduce.NotExist)
	_, err = fsys.Stat(ctx, path.Join(root, "no-such-dir", "file"))
	mustErr(t, "stat under a missing directory", err, fs.ErrNotExist, mapreduce.NotExist)
	if err != nil && !strings.Contains(err.Error(), "no-such-dir") {
		t.Errorf("the error %q does not name the missing path", err)
	}
}

func testPermission(t *testing.T, fsys mapreduce.FS, root string, caps Capabilities) {
	lacks(t, caps.NoPermissions, "enforce permissions")
	if caps.Deny == nil {
		t.Fatal("Capabilities.Deny is not set, and NoPermissions does not say why the store has no permissions")
	}
	ctx := ctxT(t)
	d := path.Join(root, "private")
	f := path.Join(d, "secret.txt")
	WriteFile(t, fsys, f, []byte("secret\n"))
	restore := caps.Deny(t, d)
	_, err := fsys.List(ctx, d)
	mustErr(t, "list a denied directory", err, fs.ErrPermission, mapreduce.Permission)
	r, err := fsys.Open(ctx, f, 0)
	if err == nil {
		r.Close()
	}
	mustErr(t, "open a file in a denied directory", err, fs.ErrPermission, mapreduce.Permission)
	w, err := fsys.Create(ctx, path.Join(d, "new.txt"))
	if err == nil {
		w.Close()
	}
	mustErr(t, "create in a denied directory", err, fs.ErrPermission, mapreduce.Permission)
	restore()
	if got := ReadFile(t, fsys, f, 0); string(got) != "secret\n" {
		t.Errorf("after restoring access: %q", got)
	}
}

func testLargeFile(t *testing.T, fsys mapreduce.FS, root string, caps Capabilities) {
	ctx := ctxT(t)
	size := caps.LargeFileSize
	if size <= 0 {
		size = 40 << 20
	}
	f := path.Join(root, "large.bin")
	w, err := fsys.Create(ctx, f)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	// 1 MiB chunks of a deterministic stream, written in odd-sized pieces.
	chunk := func(i int64) []byte { return data(uint64(1000+i), 1<<20) }
	h := sha256.New()
	start := time.Now()
	for off := int64(0); off < size; off += 1 << 20 {
		c := chunk(off >> 20)[:min(1<<20, size-off)]
		h.Write(c)
		for len(c) > 0 {
			n := min(len(c), 300007)
			if _, err := w.Write(c[:n]); err != nil {
				t.Fatalf("write at %d: %v", off, err)
			}
			c = c[n:]
		}
	}
	if err := w.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	wrote := time.Since(start)
	want := h.Sum(nil)
	fi, err := fsys.Stat(ctx, f)
	if err != nil || fi.Size != size {
		t.Fatalf("stat: %+v, %v; want %d bytes", fi, err, size)
	}
	start = time.Now()
	r, err := fsys.Open(ctx, f, 0)
	if err != nil {
		t.Fatal(err)
	}
	h.Reset()
	n, err := io.Copy(h, r)
	r.Close()
	if err != nil || n != size || !bytes.Equal(h.Sum(nil), want) {
		t.Errorf("read back %d bytes (err %v), checksum equal %v; want %d bytes", n, err, bytes.Equal(h.Sum(nil), want), size)
	}
	t.Logf("%d MiB: write %v, read %v", size>>20, wrote.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	// Ranged reads around 32 MiB, 64 MiB (local and common block sizes) and the end.
	for _, off := range []int64{32<<20 - 1, 32 << 20, 32<<20 + 1, 64<<20 - 7, size - 100, size - 1} {
		if off < 0 || off >= size {
			continue
		}
		r, err := fsys.Open(ctx, f, off)
		if err != nil {
			t.Fatalf("open at %d: %v", off, err)
		}
		got := make([]byte, min(4096, size-off))
		_, err = io.ReadFull(r, got)
		r.Close()
		if err != nil {
			t.Errorf("read at %d: %v", off, err)
			continue
		}
		c := chunk(off >> 20)
		wantB := c[off&(1<<20-1):]
		if int64(len(wantB)) < int64(len(got)) {
			wantB = append(slices.Clone(wantB), chunk(off>>20+1)...)
		}
		if !bytes.Equal(got, wantB[:len(got)]) {
			t.Errorf("%d bytes at %d differ", len(got), off)
		}
	}
}

func testUnicode(t *testing.T, fsys mapreduce.FS, root string, caps Capabilities) {
	lacks(t, caps.NoUnicodeNames, "store non-ASCII names")
	ctx := ctxT(t)
	d := path.Join(root, "données")
	files := []string{"日本語.txt", "emoji-🦓.txt", "with space.txt", "ü-umlaut.txt", "Ωmega.log"}
	for i, n := range files {
		WriteFile(t, fsys, path.Join(d, n), []byte(fmt.Sprintf("%d %s\n", i, n)))
	}
	ls, err := fsys.List(ctx, d)
	if err != nil {
		t.Fatalf("list %s: %v", d, err)
	}
	checkOrder(t, "list of unicode names", names(ls), sortedCopy(files), caps)
	for i, n := range files {
		p := path.Join(d, n)
		if fi, err := fsys.Stat(ctx, p); err != nil || fi.Path != p {
			t.Errorf("stat %q: %+v, %v", p, fi, err)
			continue
		}
		if got, want := string(ReadFile(t, fsys, p, 0)), fmt.Sprintf("%d %s\n", i, n); got != want {
			t.Errorf("%q holds %q, want %q", n, got, want)
		}
	}
	got, err := mapreduce.ListInputs(ctx, fsys, []string{path.Join(d, "*.txt")}, mapreduce.NewConf())
	if err != nil {
		t.Fatalf("glob: %v", err)
	}
	if want := sortedCopy([]string{"日本語.txt", "emoji-🦓.txt", "with space.txt", "ü-umlaut.txt"}); !slices.Equal(sortedCopy(names(got)), want) {
		t.Errorf("glob *.txt = %q, want %q", names(got), want)
	}
	to := path.Join(root, "ζ-renamed", "ファイル.txt")
	if err := fsys.Rename(ctx, path.Join(d, files[0]), to); err != nil {
		t.Fatalf("rename to a unicode name: %v", err)
	}
	if got := string(ReadFile(t, fsys, to, 0)); got != "0 日本語.txt\n" {
		t.Errorf("renamed file holds %q", got)
	}
	if u := fsys.URI(to); !strings.HasSuffix(u, "ファイル.txt") {
		t.Errorf("URI %q does not end with the name", u)
	}
}

func testConcurrent(t *testing.T, fsys mapreduce.FS, root string, caps Capabilities) {
	lacks(t, caps.NoConcurrentWriters, "write several files at once")
	ctx := ctxT(t)
	const writers, size = 8, 1<<20 + 333
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w, err := fsys.Create(ctx, path.Join(root, "w", fmt.Sprintf("part-%05d", i)))
			if err != nil {
				errs[i] = err
				return
			}
			b := data(uint64(500+i), size)
			for len(b) > 0 {
				n := min(len(b), 65536+i)
				if _, err := w.Write(b[:n]); err != nil {
					w.Close()
					errs[i] = err
					return
				}
				b = b[n:]
			}
			errs[i] = w.Close()
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("writer %d: %v", i, err)
		}
	}
	for i := range writers {
		if got := ReadFile(t, fsys, path.Join(root, "w", fmt.Sprintf("part-%05d", i)), 0); !bytes.Equal(got, data(uint64(500+i), size)) {
			t.Errorf("file of writer %d: %d bytes, not what it wrote", i, len(got))
		}
	}
}

func testURI(t *testing.T, fsys mapreduce.FS, root string, _ Capabilities) {
	f := path.Join(root, "sub", "file.txt")
	u := fsys.URI(f)
	i := strings.Index(u, ":")
	if i <= 0 || strings.ContainsAny(u[:i], "/\\") {
		t.Errorf("URI(%q) = %q has no scheme", f, u)
	}
	if !strings.HasSuffix(u, "/sub/file.txt") {
		t.Errorf("URI(%q) = %q does not end with the path", f, u)
	}
	if fsys.URI(f) != u {
		t.Errorf("URI is not stable")
	}
}

func testLocality(t *testing.T, fsys mapreduce.FS, root string, caps Capabilities) {
	lacks(t, caps.NoLocality, "report where bytes are stored")
	loc, ok := fsys.(mapreduce.Locator)
	if !ok {
		t.Fatalf("%T is not a mapreduce.Locator, and NoLocality does not say so", fsys)
	}
	ctx := ctxT(t)
	f := path.Join(root, "located.bin")
	WriteFile(t, fsys, f, data(7, 1<<20))
	for _, r := range [][2]int64{{0, 1 << 20}, {1000, 10}, {1<<20 - 1, 1}} {
		hosts, err := loc.Locate(ctx, f, r[0], r[1])
		if err != nil {
			t.Fatalf("locate %v: %v", r, err)
		}
		if len(hosts) == 0 {
			t.Errorf("locate %v: no hosts", r)
		}
		if caps.ExpectHosts != nil && !slices.Equal(hosts, caps.ExpectHosts) {
			t.Errorf("locate %v = %q, want %q", r, hosts, caps.ExpectHosts)
		}
	}
	splits := mapreduce.FileSplits(fsys, []mapreduce.FileInfo{{Path: f, Size: 1 << 20}}, 4, 1, 1<<20)
	if err := mapreduce.LocateSplits(ctx, fsys, splits); err != nil {
		t.Fatalf("LocateSplits: %v", err)
	}
	for _, s := range splits {
		if len(s.Hosts) == 0 {
			t.Errorf("split %s has no hosts", s)
		}
	}
}
