package mapreduce_test

import (
	"context"
	"io"
	"path"
	"strings"
	"testing"

	"zebra/mapreduce"
	"zebra/mapreduce/mrtest"
)

// laggingFS hides from its listings every file created through it, as an
// object store's listing may while a storage node is down.
type laggingFS struct {
	*mrtest.MemFS
	hidden map[string]bool
}

func (l *laggingFS) Create(ctx context.Context, name string) (io.WriteCloser, error) {
	l.hidden[name] = true
	return l.MemFS.Create(ctx, name)
}

func (l *laggingFS) Rename(ctx context.Context, from, to string) error {
	if l.hidden[from] {
		l.hidden[to] = true
	}
	return l.MemFS.Rename(ctx, from, to)
}

func (l *laggingFS) List(ctx context.Context, dir string) ([]mapreduce.FileInfo, error) {
	all, err := l.MemFS.List(ctx, dir)
	var out []mapreduce.FileInfo
	for _, f := range all {
		if !l.hidden[f.Path] {
			out = append(out, f)
		}
	}
	return out, err
}

func TestCommitFilesNeedsNoListing(t *testing.T) {
	ctx := context.Background()
	fsys := &laggingFS{MemFS: &mrtest.MemFS{}, hidden: map[string]bool{}}
	c := &mapreduce.Committer{FS: fsys, Out: "/out", Job: mapreduce.JobID{Tracker: "t", Seq: 1}, Marker: true}
	if err := c.SetupJob(ctx); err != nil {
		t.Fatal(err)
	}
	tasks := map[string][]string{}
	for i := 0; i < 3; i++ {
		a := mapreduce.AttemptID{Task: mapreduce.TaskID{Job: c.Job, Kind: mapreduce.ReduceTask, Index: i}}
		name := mapreduce.PartName(i)
		w, err := fsys.Create(ctx, path.Join(c.AttemptDir(a), name))
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, strings.Repeat("x", i+1))
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if err := c.CommitTaskFiles(ctx, a, []string{name}); err != nil {
			t.Fatal(err)
		}
		tasks[a.Task.String()] = []string{name}
	}
	if err := c.CommitJobFiles(ctx, tasks); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		fi, err := fsys.Stat(ctx, path.Join("/out", mapreduce.PartName(i)))
		if err != nil || fi.Size != int64(i+1) {
			t.Errorf("%s: %+v, %v; want %d bytes", mapreduce.PartName(i), fi, err, i+1)
		}
	}
	if _, err := fsys.Stat(ctx, "/out/_SUCCESS"); err != nil {
		t.Errorf("no _SUCCESS: %v", err)
	}
	// A file lost between the task and the job commit fails the commit:
	// no _SUCCESS over missing data.
	c2 := &mapreduce.Committer{FS: fsys, Out: "/out2", Job: mapreduce.JobID{Tracker: "t", Seq: 2}, Marker: true}
	if err := c2.SetupJob(ctx); err != nil {
		t.Fatal(err)
	}
	err := c2.CommitJobFiles(ctx, map[string][]string{"task_t_0002_r_000000": {"part-00000"}})
	if err == nil {
		t.Error("commit of a missing file succeeded")
	}
	if _, err := fsys.Stat(ctx, "/out2/_SUCCESS"); err == nil {
		t.Error("_SUCCESS written although a file was missing")
	}
}
