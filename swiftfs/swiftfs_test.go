package swiftfs_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"path"
	"slices"
	"strings"
	"sync"
	"testing"

	"zebra/mapreduce"
	"zebra/swiftfs"
)

func TestParseURL(t *testing.T) {
	for _, c := range []struct{ raw, account, name string }{
		{"swift://data/in/a.txt", "", "/data/in/a.txt"},
		{"swift://data", "", "/data"},
		{"swift://data/", "", "/data"},
		{"swift:///", "", "/"},
		{"SWIFT://data/x", "", "/data/x"},
		{"swift://AUTH_test/data/in/a.txt", "AUTH_test", "/data/in/a.txt"},
		{"swift://AUTH_test/", "AUTH_test", "/"},
		{"swift://data/dir with space/ü €.txt", "", "/data/dir with space/ü €.txt"},
		{"swift://data/in/*.txt", "", "/data/in/*.txt"},
	} {
		account, name, err := mapreduce.ParseSwiftURL(c.raw)
		if err != nil || account != c.account || name != c.name {
			t.Errorf("mapreduce.ParseSwiftURL(%q) = %q, %q, %v; want %q, %q", c.raw, account, name, err, c.account, c.name)
		}
	}
	if _, _, err := mapreduce.ParseSwiftURL("file:/x"); !mapreduce.IsKind(err, mapreduce.Invalid) {
		t.Errorf("mapreduce.ParseSwiftURL(file:/x) = %v, want an Invalid error", err)
	}
}

func TestRegistry(t *testing.T) {
	need(t)
	fresh(t, "reg")
	reg := &mapreduce.Registry{}
	settings := map[string]string{mapreduce.KeySwiftAuth: cluster.AuthURL, mapreduce.KeySwiftUser: cluster.User, mapreduce.KeySwiftKey: cluster.Key}
	// Credentials from -D settings only (no environment).
	swiftfs.Register(reg, swiftfs.Config{Settings: func(k string) string { return settings[k] }, Getenv: func(string) string { return "" }})
	ctx := context.Background()
	f, name, err := reg.Resolve(ctx, "swift://reg/a/b.txt")
	if err != nil {
		t.Fatal(err)
	}
	if name != "/reg/a/b.txt" || f.URI(name) != "swift://reg/a/b.txt" {
		t.Errorf("Resolve: name %q, URI %q", name, f.URI(name))
	}
	w, err := f.Create(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("hello"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	// The same object through the account form of the URL.
	fa, namea, err := reg.Resolve(ctx, "swift://"+cluster.Account+"/reg/a/b.txt")
	if err != nil {
		t.Fatal(err)
	}
	if fa.URI(namea) != "swift://"+cluster.Account+"/reg/a/b.txt" {
		t.Errorf("URI %q", fa.URI(namea))
	}
	fi, err := fa.Stat(ctx, namea)
	if err != nil || fi.Size != 5 || fi.IsDir {
		t.Errorf("Stat through the account URL: %+v, %v", fi, err)
	}
	if root, name, err := reg.Resolve(ctx, "swift:///"); err != nil || name != "/" || root.URI(name) != "swift:///" {
		t.Errorf("swift:/// resolves to %q (URI %q), %v", name, root.URI(name), err)
	}
	if f2, _, _ := reg.Resolve(ctx, "swift://reg/other"); f2 != f {
		t.Error("the registry made a second FS for the same credentials")
	}
}

// tree writes the objects of names (content: their name) into f.
func tree(t *testing.T, f *swiftfs.FS, names ...string) {
	t.Helper()
	for _, n := range names {
		put(t, f, n, []byte(n))
	}
}

func paths(fis []mapreduce.FileInfo) []string {
	var out []string
	for _, fi := range fis {
		p := fi.Path
		if fi.IsDir {
			p += "/"
		}
		out = append(out, p)
	}
	return out
}

func TestListStatGlob(t *testing.T) {
	need(t)
	fresh(t, "ls")
	ctx := context.Background()
	f := newFS(t, swiftfs.Config{})
	tree(t, f, "/ls/in/b.txt", "/ls/in/a.txt", "/ls/in/_SUCCESS", "/ls/in/.a.txt.crc", "/ls/in/sub/c.txt",
		"/ls/in/ü €.txt", "/ls/in/z.log", "/ls/in2/x.txt", "/ls/top.txt")

	got, err := f.List(ctx, "/ls/in")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"/ls/in/.a.txt.crc", "/ls/in/_SUCCESS", "/ls/in/a.txt", "/ls/in/b.txt", "/ls/in/sub/", "/ls/in/z.log", "/ls/in/ü €.txt"}
	if !slices.Equal(paths(got), want) {
		t.Errorf("List(/ls/in) = %q\nwant (byte order) %q", paths(got), want)
	}
	for _, fi := range got {
		if !fi.IsDir && fi.Size != int64(len(fi.Path)) {
			t.Errorf("%s: size %d, want %d", fi.Path, fi.Size, len(fi.Path))
		}
	}
	if got, err := f.List(ctx, "/ls"); err != nil || !slices.Equal(paths(got), []string{"/ls/in/", "/ls/in2/", "/ls/top.txt"}) {
		t.Errorf("List(/ls) = %q, %v", paths(got), err)
	}
	if got, err := f.List(ctx, "/"); err != nil || !slices.Contains(paths(got), "/ls/") {
		t.Errorf("List(/) = %q, %v; want the container ls among them", paths(got), err)
	}
	if _, err := f.List(ctx, "/ls/nosuch"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("List of a missing prefix: %v, want fs.ErrNotExist", err)
	}

	for _, c := range []struct {
		name  string
		isDir bool
		size  int64
	}{
		{"/ls/in/a.txt", false, int64(len("/ls/in/a.txt"))},
		{"/ls/in/ü €.txt", false, int64(len("/ls/in/ü €.txt"))},
		{"/ls/in", true, 0},
		{"/ls/in/sub", true, 0},
		{"/ls", true, 0},
		{"/", true, 0},
	} {
		fi, err := f.Stat(ctx, c.name)
		if err != nil || fi.IsDir != c.isDir || fi.Size != c.size || fi.Path != c.name {
			t.Errorf("Stat(%s) = %+v, %v; want dir %v size %d", c.name, fi, err, c.isDir, c.size)
		}
	}
	for _, name := range []string{"/ls/in/nosuch", "/ls/i", "/nosuch-container", "/nosuch-container/x"} {
		if _, err := f.Stat(ctx, name); !errors.Is(err, fs.ErrNotExist) || !mapreduce.IsKind(err, mapreduce.NotExist) {
			t.Errorf("Stat(%s) = %v, want a NotExist error", name, err)
		}
	}

	// Hadoop's input rules through mapreduce.ListInputs: globs, hidden
	// names, subdirectories.
	conf := mapreduce.NewConf()
	files, err := mapreduce.ListInputs(ctx, f, []string{"/ls/in/*.txt", "/ls/in*/x.txt"}, conf)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"/ls/in/a.txt", "/ls/in/b.txt", "/ls/in/ü €.txt", "/ls/in2/x.txt"}; !slices.Equal(paths(files), want) {
		t.Errorf("ListInputs(globs) = %q, want %q", paths(files), want)
	}
	_, err = mapreduce.ListInputs(ctx, f, []string{"/ls/in"}, conf)
	if err == nil || !strings.Contains(err.Error(), "Not a file: swift://ls/in/sub") {
		t.Errorf("ListInputs(dir with a subdir) = %v, want Not a file: swift://ls/in/sub", err)
	}
	conf.Set(mapreduce.KeyInputDirRecursive, "true")
	files, err = mapreduce.ListInputs(ctx, f, []string{"/ls/in"}, conf)
	if want := []string{"/ls/in/a.txt", "/ls/in/b.txt", "/ls/in/sub/c.txt", "/ls/in/z.log", "/ls/in/ü €.txt"}; err != nil || !slices.Equal(paths(files), want) {
		t.Errorf("ListInputs(recursive) = %q, %v; want %q", paths(files), err, want)
	}
	_, err = mapreduce.ListInputs(ctx, f, []string{"/ls/nosuch/*.txt", "/ls/missing.txt"}, conf)
	if err == nil || !strings.Contains(err.Error(), "Input Pattern swift://ls/nosuch/*.txt matches 0 files") ||
		!strings.Contains(err.Error(), "Input path does not exist: swift://ls/missing.txt") {
		t.Errorf("ListInputs(missing) = %v", err)
	}
}

func TestRangedReads(t *testing.T) {
	need(t)
	fresh(t, "rd")
	f := newFS(t, swiftfs.Config{})
	data := make([]byte, 3<<20+17)
	rand.NewChaCha8([32]byte{1}).Read(data)
	put(t, f, "/rd/r.bin", data)
	for _, off := range []int64{0, 1, 4095, 1 << 20, int64(len(data)) - 1, int64(len(data)), int64(len(data)) + 10} {
		got := get(t, f, "/rd/r.bin", off)
		want := data[min(off, int64(len(data))):]
		if !bytes.Equal(got, want) {
			t.Errorf("Open at %d: %d bytes, want %d (equal prefix %v)", off, len(got), len(want), bytes.HasPrefix(want, got))
		}
	}
	// A split's worth: read n bytes from an offset, as a map task does.
	r, err := f.Open(context.Background(), "/rd/r.bin", 777)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1000)
	if _, err := io.ReadFull(r, buf); err != nil || !bytes.Equal(buf, data[777:1777]) {
		t.Errorf("partial read at 777: %v", err)
	}
	r.Close()
	put(t, f, "/rd/empty", nil)
	if got := get(t, f, "/rd/empty", 0); len(got) != 0 {
		t.Errorf("empty object read %d bytes", len(got))
	}
}

func TestLargeObjects(t *testing.T) {
	need(t)
	fresh(t, "lo", "lo_segments")
	ctx := context.Background()
	f := newFS(t, swiftfs.Config{TempDir: t.TempDir()})
	// Over the 8 MiB in-memory buffer: written through a temporary file.
	data := make([]byte, 9<<20+5)
	rand.NewChaCha8([32]byte{2}).Read(data)
	put(t, f, "/lo/big.bin", data)
	if fi, err := f.Stat(ctx, "/lo/big.bin"); err != nil || fi.Size != int64(len(data)) {
		t.Fatalf("Stat(big) = %+v, %v", fi, err)
	}
	for _, off := range []int64{0, 5 << 20, int64(len(data)) - 3} {
		if got := get(t, f, "/lo/big.bin", off); !bytes.Equal(got, data[off:]) {
			t.Errorf("big.bin at %d: wrong bytes (%d read)", off, len(got))
		}
	}

	// A static large object of 3 segments (6 MiB), and a dynamic one.
	seg := 2 << 20
	var manifest []string
	for i := 0; i < 3; i++ {
		name := fmt.Sprintf("/lo_segments/slo/%03d", i)
		put(t, f, name, data[i*seg:(i+1)*seg])
		manifest = append(manifest, fmt.Sprintf(`{"path": "lo_segments/slo/%03d"}`, i))
		put(t, f, fmt.Sprintf("/lo_segments/dlo/%03d", i), data[i*seg:(i+1)*seg])
	}
	raw(t, "PUT", "/lo/in/slo.bin?multipart-manifest=put", strings.NewReader("["+strings.Join(manifest, ",")+"]"), nil).Body.Close()
	raw(t, "PUT", "/lo/in/dlo.bin", strings.NewReader(""), map[string]string{"X-Object-Manifest": "lo_segments/dlo/"}).Body.Close()
	want := data[:3*seg]
	list, err := f.List(ctx, "/lo/in")
	if err != nil {
		t.Fatal(err)
	}
	for _, fi := range list {
		if fi.Size != int64(len(want)) {
			t.Errorf("List: %s has size %d, want %d", fi.Path, fi.Size, len(want))
		}
	}
	for _, name := range []string{"/lo/in/slo.bin", "/lo/in/dlo.bin"} {
		if fi, err := f.Stat(ctx, name); err != nil || fi.Size != int64(len(want)) {
			t.Errorf("Stat(%s) = %+v, %v", name, fi, err)
		}
		for _, off := range []int64{0, int64(seg) - 1, int64(seg) + 12345, int64(len(want)) - 1} {
			if got := get(t, f, name, off); !bytes.Equal(got, want[off:]) {
				t.Errorf("%s at %d: wrong bytes (%d read, want %d)", name, off, len(got), len(want)-int(off))
			}
		}
	}
	// Renaming a manifest moves the manifest, not a copy of the data.
	if err := f.Rename(ctx, "/lo/in/slo.bin", "/lo/moved/slo.bin"); err != nil {
		t.Fatal(err)
	}
	if got := get(t, f, "/lo/moved/slo.bin", int64(seg)); !bytes.Equal(got, want[seg:]) {
		t.Errorf("renamed SLO reads wrong bytes")
	}
}

func TestCreateExists(t *testing.T) {
	need(t)
	fresh(t, "cr", "cr-new-container")
	ctx := context.Background()
	f := newFS(t, swiftfs.Config{})
	put(t, f, "/cr/x", []byte("one"))
	if _, err := f.Create(ctx, "/cr/x"); !errors.Is(err, fs.ErrExist) || !mapreduce.IsKind(err, mapreduce.Exist) {
		t.Errorf("Create of an existing object: %v, want fs.ErrExist", err)
	}
	// Two writers racing for one name: Swift's If-None-Match keeps the first.
	w1, err1 := f.Create(ctx, "/cr/race")
	w2, err2 := f.Create(ctx, "/cr/race")
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	w1.Write([]byte("first"))
	w2.Write([]byte("second"))
	if err := w1.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w2.Close(); !errors.Is(err, fs.ErrExist) {
		t.Errorf("second writer's Close: %v, want fs.ErrExist", err)
	}
	if got := get(t, f, "/cr/race", 0); string(got) != "first" {
		t.Errorf("race: object holds %q", got)
	}
	// Create makes the container.
	put(t, f, "/cr-new-container/a/b", []byte("b"))
	if fi, err := f.Stat(ctx, "/cr-new-container"); err != nil || !fi.IsDir {
		t.Errorf("Stat(new container) = %+v, %v", fi, err)
	}
	if _, err := f.Create(ctx, "/cr"); !mapreduce.IsKind(err, mapreduce.Invalid) {
		t.Errorf("Create(container) = %v, want Invalid", err)
	}
}

func TestRenameRemoveAll(t *testing.T) {
	need(t)
	fresh(t, "rn", "rn2")
	ctx := context.Background()
	f := newFS(t, swiftfs.Config{})
	tree(t, f, "/rn/a/1", "/rn/a/sub/2", "/rn/a/ü €", "/rn/ab/keep", "/rn/other/x")
	if err := f.MkdirAll(ctx, "/rn/a/empty"); err != nil {
		t.Fatal(err)
	}
	if err := f.Rename(ctx, "/rn/a", "/rn/b"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Stat(ctx, "/rn/a"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("after rename, Stat(/rn/a) = %v", err)
	}
	for _, n := range []string{"/rn/b/1", "/rn/b/sub/2", "/rn/b/ü €"} {
		if got := get(t, f, n, 0); string(got) != strings.Replace(n, "/rn/b/", "/rn/a/", 1) {
			t.Errorf("%s holds %q", n, got)
		}
	}
	if fi, err := f.Stat(ctx, "/rn/b/empty"); err != nil || !fi.IsDir {
		t.Errorf("the empty directory's marker did not move: %+v, %v", fi, err)
	}
	if got := get(t, f, "/rn/ab/keep", 0); string(got) != "/rn/ab/keep" {
		t.Error("rename of /rn/a touched /rn/ab")
	}
	if err := f.Rename(ctx, "/rn/b/1", "/rn/other/x"); !errors.Is(err, fs.ErrExist) {
		t.Errorf("rename onto an existing object: %v, want fs.ErrExist", err)
	}
	if err := f.Rename(ctx, "/rn/b", "/rn/other"); !errors.Is(err, fs.ErrExist) {
		t.Errorf("rename onto an existing directory: %v, want fs.ErrExist", err)
	}
	if err := f.Rename(ctx, "/rn/nosuch", "/rn/z"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("rename of a missing name: %v, want fs.ErrNotExist", err)
	}
	// Across containers.
	if err := f.Rename(ctx, "/rn/b/1", "/rn2/moved"); err != nil {
		t.Fatal(err)
	}
	if got := get(t, f, "/rn2/moved", 0); string(got) != "/rn/a/1" {
		t.Errorf("cross-container rename: %q", got)
	}

	if err := f.RemoveAll(ctx, "/rn/b"); err != nil {
		t.Fatal(err)
	}
	if got, err := f.List(ctx, "/rn"); err != nil || !slices.Equal(paths(got), []string{"/rn/ab/", "/rn/other/"}) {
		t.Errorf("after RemoveAll(/rn/b): %q, %v", paths(got), err)
	}
	if err := f.RemoveAll(ctx, "/rn/nosuch"); err != nil {
		t.Errorf("RemoveAll of a missing name: %v", err)
	}
	if err := f.RemoveAll(ctx, "/rn"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Stat(ctx, "/rn"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("RemoveAll(container) left it: %v", err)
	}
	if err := f.RemoveAll(ctx, "/"); !mapreduce.IsKind(err, mapreduce.Invalid) {
		t.Errorf("RemoveAll(/) = %v, want a refusal", err)
	}
}

// recFS records the order of Create and Rename calls.
type recFS struct {
	mapreduce.FS
	mu  sync.Mutex
	ops []string
}

func (r *recFS) Create(ctx context.Context, name string) (io.WriteCloser, error) {
	r.mu.Lock()
	r.ops = append(r.ops, "create "+name)
	r.mu.Unlock()
	return r.FS.Create(ctx, name)
}

func (r *recFS) Rename(ctx context.Context, from, to string) error {
	r.mu.Lock()
	r.ops = append(r.ops, "rename "+to)
	r.mu.Unlock()
	return r.FS.Rename(ctx, from, to)
}

// objects lists every object under prefix (recursively, markers included).
func objects(t *testing.T, f *swiftfs.FS, dir string) []string {
	t.Helper()
	var out []string
	var walk func(string)
	walk = func(d string) {
		list, err := f.List(context.Background(), d)
		if errors.Is(err, fs.ErrNotExist) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, fi := range list {
			if fi.IsDir {
				walk(fi.Path)
			} else {
				out = append(out, fi.Path)
			}
		}
	}
	walk(dir)
	return out
}

func writeAttempt(t *testing.T, c *mapreduce.Committer, a mapreduce.AttemptID, part int, text string) {
	t.Helper()
	put(t, c.FS.(*recFS).FS.(*swiftfs.FS), path.Join(c.AttemptDir(a), mapreduce.PartName(part)), []byte(text))
}

func TestCommitter(t *testing.T) {
	need(t)
	fresh(t, "cm")
	ctx := context.Background()
	f := newFS(t, swiftfs.Config{})
	job := mapreduce.JobID{Tracker: "local1", Seq: 1}
	attempt := func(task, n int) mapreduce.AttemptID {
		return mapreduce.AttemptID{Task: mapreduce.TaskID{Job: job, Kind: mapreduce.ReduceTask, Index: task}, N: n}
	}
	rec := &recFS{FS: f}
	c := &mapreduce.Committer{FS: rec, Out: "/cm/out", Job: job, Marker: true}
	if err := c.SetupJob(ctx); err != nil {
		t.Fatal(err)
	}
	if fi, err := f.Stat(ctx, "/cm/out"); err != nil || !fi.IsDir {
		t.Errorf("after SetupJob the output directory does not exist: %v", err)
	}
	writeAttempt(t, c, attempt(0, 0), 0, "part zero, attempt 0\n")
	writeAttempt(t, c, attempt(1, 0), 1, "part one\n")
	writeAttempt(t, c, attempt(0, 1), 0, "part zero, attempt 1\n")
	if err := c.CommitTask(ctx, attempt(0, 0)); err != nil {
		t.Fatal(err)
	}
	if err := c.CommitTask(ctx, attempt(1, 0)); err != nil {
		t.Fatal(err)
	}
	// A later attempt of task 0 commits and replaces the first.
	if err := c.CommitTask(ctx, attempt(0, 1)); err != nil {
		t.Fatal(err)
	}
	// Nothing under its final name before the job commits.
	if got, err := f.List(ctx, "/cm/out"); err != nil || !slices.Equal(paths(got), []string{"/cm/out/_temporary/"}) {
		t.Errorf("before CommitJob, List(out) = %q, %v", paths(got), err)
	}
	for _, n := range []string{"/cm/out/part-00000", "/cm/out/part-00001", "/cm/out/_SUCCESS"} {
		if _, err := f.Stat(ctx, n); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("before CommitJob, Stat(%s) = %v", n, err)
		}
	}
	if err := c.CommitJob(ctx); err != nil {
		t.Fatal(err)
	}
	if got := objects(t, f, "/cm/out"); !slices.Equal(got, []string{"/cm/out/_SUCCESS", "/cm/out/part-00000", "/cm/out/part-00001"}) {
		t.Errorf("after CommitJob: %q", got)
	}
	if got := get(t, f, "/cm/out/part-00000", 0); string(got) != "part zero, attempt 1\n" {
		t.Errorf("part-00000 holds %q", got)
	}
	if got := get(t, f, "/cm/out/part-00001", 0); string(got) != "part one\n" {
		t.Errorf("part-00001 holds %q", got)
	}
	last := rec.ops[len(rec.ops)-1]
	if last != "create /cm/out/_SUCCESS" {
		t.Errorf("last operation %q, want _SUCCESS created last (ops %q)", last, rec.ops)
	}

	// An existing output is refused and left as it was.
	before := objects(t, f, "/cm/out")
	c2 := &mapreduce.Committer{FS: &recFS{FS: f}, Out: "/cm/out", Job: job, Marker: true}
	if err := c2.SetupJob(ctx); !mapreduce.IsKind(err, mapreduce.Exist) || !strings.Contains(err.Error(), "swift://cm/out already exists") {
		t.Errorf("SetupJob on an existing output: %v", err)
	}
	if after := objects(t, f, "/cm/out"); !slices.Equal(before, after) {
		t.Errorf("the refused job changed the output: %q -> %q", before, after)
	}

	// An aborted job leaves the (empty) output directory, no _SUCCESS, no parts.
	c3 := &mapreduce.Committer{FS: &recFS{FS: f}, Out: "/cm/aborted", Job: job, Marker: true}
	if err := c3.SetupJob(ctx); err != nil {
		t.Fatal(err)
	}
	writeAttempt(t, c3, attempt(0, 0), 0, "never\n")
	writeAttempt(t, c3, attempt(1, 0), 1, "never\n")
	if err := c3.CommitTask(ctx, attempt(0, 0)); err != nil {
		t.Fatal(err)
	}
	if err := c3.AbortJob(ctx); err != nil {
		t.Fatal(err)
	}
	if got := objects(t, f, "/cm/aborted"); len(got) != 0 {
		t.Errorf("after AbortJob: %q", got)
	}
	if fi, err := f.Stat(ctx, "/cm/aborted"); err != nil || !fi.IsDir {
		t.Errorf("after AbortJob the output directory should stay, as in Hadoop: %+v, %v", fi, err)
	}
}

func TestErrors(t *testing.T) {
	need(t)
	fresh(t, "er", "er-quota")
	ctx := context.Background()
	f := newFS(t, swiftfs.Config{})
	_, err := f.Open(ctx, "/nosuch-container/x", 0)
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "swift: container nosuch-container does not exist") {
		t.Errorf("Open in a missing container: %v", err)
	}
	put(t, f, "/er/present", []byte("x"))
	_, err = f.Open(ctx, "/er/absent", 0)
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "swift: no object absent") {
		t.Errorf("Open of a missing object: %v", err)
	}

	bad := newFS(t, swiftfs.Config{Getenv: env("wrong-key")})
	_, err = bad.Stat(ctx, "/er/present")
	if !errors.Is(err, fs.ErrPermission) || !mapreduce.IsKind(err, mapreduce.Permission) ||
		!strings.Contains(err.Error(), "401 unauthorized: check ST_USER/ST_KEY") {
		t.Errorf("wrong key: %v", err)
	}
	t.Logf("wrong key: %v", err)

	other, err := swiftfs.NewAccount(swiftfs.Config{Getenv: env(cluster.Key)}, "AUTH_someone_else")
	if err != nil {
		t.Fatal(err)
	}
	_, err = other.Stat(ctx, "/er/present")
	if !errors.Is(err, fs.ErrPermission) || !strings.Contains(err.Error(), "403 forbidden") {
		t.Errorf("another account: %v", err)
	}

	none, err := swiftfs.New(swiftfs.Config{Getenv: func(string) string { return "" }})
	if err == nil || !strings.Contains(err.Error(), "set ST_AUTH, ST_USER and ST_KEY") {
		t.Errorf("no credentials: %v, %v", none, err)
	}

	down := newFS(t, swiftfs.Config{Retries: 2, Getenv: func(k string) string {
		return map[string]string{"ST_AUTH": "http://127.0.0.1:1/auth/v1.0", "ST_USER": "u", "ST_KEY": "k"}[k]
	}})
	_, err = down.Stat(ctx, "/er/present")
	if !mapreduce.IsKind(err, mapreduce.Infra) || !strings.Contains(err.Error(), "cannot reach") {
		t.Errorf("proxy down: %v", err)
	}

	// A container quota: the upload is refused with 413 and a clear message.
	if err := f.MkdirAll(ctx, "/er-quota"); err != nil {
		t.Fatal(err)
	}
	raw(t, "POST", "/er-quota", nil, map[string]string{"X-Container-Meta-Quota-Bytes": "10"}).Body.Close()
	w, err := f.Create(ctx, "/er-quota/big")
	if err != nil {
		t.Fatal(err)
	}
	w.Write(make([]byte, 100))
	if err := w.Close(); err == nil || !strings.Contains(err.Error(), "413") || !strings.Contains(err.Error(), "quota") {
		t.Errorf("over quota: %v", err)
	}

	ctx2, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := f.Stat(ctx2, "/er/present"); !mapreduce.IsKind(err, mapreduce.Canceled) {
		t.Errorf("canceled ctx: %v", err)
	}
}
