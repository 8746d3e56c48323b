package hdfs_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"zebra/adapters/hdfs"
	"zebra/adapters/hdfs/minicluster"

	"zebra/mapreduce/mrtest/suite"
)

// The tests run against a real HDFS: the one named by ZEBRA_HDFS
// (hdfs://host:port, e.g. from `scripts/hdfs-cluster.sh start DIR`; its
// HDFS_DATANODE, if set, is the expected block location), else one that
// TestMain starts for the package (fetching Hadoop's jars on the first run)
// and stops at the end. Without java they are skipped, saying so.
var (
	cluster    *minicluster.Cluster // nil when ZEBRA_HDFS names an outside cluster
	nnURI      string               // hdfs://127.0.0.1:PORT
	dataNode   string               // the DataNode's transfer address, if known
	skipReason string
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if u := os.Getenv("ZEBRA_HDFS"); u != "" {
		nnURI, dataNode = u, os.Getenv("HDFS_DATANODE")
		return m.Run()
	}
	if ok, why := suite.Enabled(suite.HDFS); !ok {
		skipReason = why
		return m.Run()
	}
	if err := minicluster.Available(); err != nil {
		skipReason = "no HDFS to test against: " + err.Error()
		fmt.Fprintln(os.Stderr, "adapters/hdfs: "+skipReason)
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "zebra-hdfs-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	c, err := minicluster.Start(ctx, filepath.Join(dir, "cluster"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "adapters/hdfs: cannot start the test HDFS:", err)
		return 1
	}
	fmt.Fprintf(os.Stderr, "adapters/hdfs: test HDFS %s (DataNode %s) started in %v\n", c.URI, c.DataNode, c.Took.Round(time.Millisecond))
	cluster, nnURI, dataNode = c, c.URI, c.DataNode
	code := m.Run()
	if err := c.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "adapters/hdfs:", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

func need(t *testing.T) {
	t.Helper()
	if skipReason != "" {
		t.Skip(skipReason)
	}
}

// authority is host:port of the test NameNode.
func authority(t *testing.T) string {
	t.Helper()
	a := nnURI[len("hdfs://"):]
	if i := len(a) - 1; i >= 0 && a[i] == '/' {
		a = a[:i]
	}
	return a
}

// newFS is an FS of the test NameNode as user (closed at cleanup).
func newFS(t *testing.T, user string) *hdfs.FS {
	t.Helper()
	f, err := hdfs.New(authority(t), hdfs.Options{User: user, Conf: map[string]string{}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}
