package localfs_test

import (
	"os"
	"path/filepath"
	"testing"

	"zebra/adapters/localfs"
	"zebra/mapreduce"
	"zebra/mapreduce/mrtest"
)

// TestConformance runs the storage conformance suite against local files,
// with Hadoop's .crc checksum files (as zebra writes outputs) and without.
func TestConformance(t *testing.T) {
	caps := mrtest.Capabilities{
		UnsortedList: "local directories list in directory order, as Hadoop's RawLocalFileSystem does",
		NoLocality:   "local files have no replica locations",
		Deny: func(t *testing.T, name string) func() {
			if err := os.Chmod(name, 0); err != nil {
				t.Fatal(err)
			}
			return func() { os.Chmod(name, 0o755) }
		},
	}
	if os.Geteuid() == 0 {
		caps.NoPermissions = "running as root, which file modes do not restrict"
	}
	for _, c := range []struct {
		name string
		fs   *localfs.FS
	}{{"checksums", &localfs.FS{Checksums: true}}, {"plain", &localfs.FS{}}} {
		t.Run(c.name, func(t *testing.T) {
			mrtest.Run(t, func(t *testing.T) (mapreduce.FS, string) {
				return c.fs, filepath.Join(t.TempDir(), "root")
			}, caps)
		})
	}
}
