package hdfs_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"zebra/adapters/hdfs"
	"zebra/adapters/hdfs/minicluster"
)

// TestWriteWhileBlockReportsLag writes files of two and more blocks to an
// HDFS whose DataNode reports its blocks 2 s late (as a loaded one does),
// so that the NameNode refuses the first attempts to add a file's third
// block and to complete a file: each file must still be written and
// closed, whole. Before the fixes the write of a third block failed
// (NotReplicatedYetException), and the retries of Close named no last
// block and could never succeed (the file stayed open, one block short):
// TestConformanceSmallBlocks' flake under load.
func TestWriteWhileBlockReportsLag(t *testing.T) {
	need(t)
	if testing.Short() {
		t.Skip("starts an HDFS of its own (about 20 s)")
	}
	if cluster == nil {
		t.Skip("needs the test's own HDFS (ZEBRA_HDFS names an outside one)")
	}
	t.Setenv("ZEBRA_HDFS_IBR_MS", "2000")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	dir := filepath.Join(t.TempDir(), "lagging")
	c, err := minicluster.Start(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	os.Unsetenv("ZEBRA_HDFS_IBR_MS")
	f, err := hdfs.New(c.URI[len("hdfs://"):], hdfs.Options{User: superuser(t), Conf: map[string]string{}, BlockSize: 1024})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for i, size := range []int{1024 + 10, 2048, 4*1024 + 3} {
		want := bytes.Repeat([]byte{byte('a' + i)}, size)
		name := "/lag/file-" + string(rune('a'+i))
		w, err := f.Create(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(want); err != nil {
			t.Fatalf("write %s: %v", name, err)
		}
		if err := w.Close(); err != nil {
			t.Fatalf("close %s (%d bytes, blocks of 1 KiB): %v", name, size, err)
		}
		r, err := f.Open(ctx, name, 0)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		r.Close()
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s reads back %d bytes (%v), want the %d written", name, len(got), err, size)
		}
	}
}
