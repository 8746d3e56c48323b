package mapreduce_test

import (
	"context"
	"io"
	"strings"
	"testing"

	"zebra/mapreduce"
	"zebra/mapreduce/mrtest"
)

// TestSharedOutput checks a Shared committer: the output directory may
// exist with other files, named files that exist refuse the job, two jobs'
// temporary files do not meet, and commit publishes exactly the named
// files and leaves no _temporary behind.
func TestSharedOutput(t *testing.T) {
	ctx := context.Background()
	fsys := &mrtest.MemFS{}
	mrtest.WriteFile(t, fsys, "/results/other.txt", []byte("someone else's"))
	job1 := mapreduce.JobID{Tracker: "1", Seq: 1}
	job2 := mapreduce.JobID{Tracker: "1", Seq: 2}
	refused := &mapreduce.Committer{FS: fsys, Out: "/results", Job: job1, Shared: true, Files: []string{"new.txt", "other.txt"}}
	err := refused.SetupJob(ctx)
	if !mapreduce.IsKind(err, mapreduce.Exist) || !strings.Contains(err.Error(), "other.txt already exists") {
		t.Fatalf("setup over an existing file: %v", err)
	}
	c1 := &mapreduce.Committer{FS: fsys, Out: "/results", Job: job1, Shared: true, Files: []string{"a/x.txt"}}
	c2 := &mapreduce.Committer{FS: fsys, Out: "/results", Job: job2, Shared: true, Files: []string{"y.txt"}}
	for _, c := range []*mapreduce.Committer{c1, c2} {
		if err := c.SetupJob(ctx); err != nil {
			t.Fatal(err)
		}
	}
	a1 := mapreduce.AttemptID{Task: mapreduce.TaskID{Job: job1, Kind: mapreduce.ReduceTask}}
	mrtest.WriteFile(t, fsys, c1.AttemptDir(a1)+"/a/x.txt", []byte("raw bytes, no newline"))
	if err := c1.CommitTaskFiles(ctx, a1, []string{"a/x.txt"}); err != nil {
		t.Fatal(err)
	}
	if err := c1.CommitJobFiles(ctx, map[string][]string{a1.Task.String(): {"a/x.txt"}}); err != nil {
		t.Fatal(err)
	}
	r, err := fsys.Open(ctx, "/results/a/x.txt", 0)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r)
	r.Close()
	if string(b) != "raw bytes, no newline" {
		t.Errorf("published %q", b)
	}
	if _, err := fsys.Stat(ctx, "/results/_temporary/"+job2.String()); err != nil {
		t.Errorf("job 2's temporary directory went with job 1's commit: %v", err)
	}
	if err := c2.AbortJob(ctx); err != nil {
		t.Fatal(err)
	}
	list, _ := fsys.List(ctx, "/results")
	var names []string
	for _, fi := range list {
		names = append(names, fi.Path)
	}
	if strings.Join(names, " ") != "/results/a /results/other.txt" {
		t.Errorf("results holds %q, want a/ and other.txt only", names)
	}
}

// implicitFS is a MemFS whose directories are implicit (as Swift's), and
// which records what MkdirAll was asked to make.
type implicitFS struct {
	*mrtest.MemFS
	made []string
}

func (f *implicitFS) ImplicitDirs() bool { return true }
func (f *implicitFS) MkdirAll(ctx context.Context, dir string) error {
	f.made = append(f.made, dir)
	return f.MemFS.MkdirAll(ctx, dir)
}

// TestSharedOutputImplicitDirs: on a store with implicit directories a
// Shared committer makes only the top directory (the container), so no
// directory marker is left, and the job still commits its files.
func TestSharedOutputImplicitDirs(t *testing.T) {
	ctx := context.Background()
	fsys := &implicitFS{MemFS: &mrtest.MemFS{}}
	job := mapreduce.JobID{Tracker: "1", Seq: 1}
	c := &mapreduce.Committer{FS: fsys, Out: "/res/sub/dir", Job: job, Shared: true, Files: []string{"x.txt"}}
	if err := c.SetupJob(ctx); err != nil {
		t.Fatal(err)
	}
	if len(fsys.made) != 1 || fsys.made[0] != "/res" {
		t.Errorf("SetupJob made %q, want only the top directory /res", fsys.made)
	}
	a := mapreduce.AttemptID{Task: mapreduce.TaskID{Job: job, Kind: mapreduce.MapTask}}
	mrtest.WriteFile(t, fsys, c.AttemptDir(a)+"/x.txt", []byte("x"))
	if err := c.CommitTaskFiles(ctx, a, []string{"x.txt"}); err != nil {
		t.Fatal(err)
	}
	if err := c.CommitJobFiles(ctx, map[string][]string{a.Task.String(): {"x.txt"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := fsys.Stat(ctx, "/res/sub/dir/x.txt"); err != nil {
		t.Error(err)
	}
}
