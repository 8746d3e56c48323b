package swiftfs_test

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"zebra/mapreduce"
	"zebra/mapreduce/mrtest"
	"zebra/swiftfs"
)

var confSeq atomic.Int64

// TestConformance runs the storage conformance suite against swiftfs on the
// real cluster, each subtest in a prefix of its own.
func TestConformance(t *testing.T) {
	need(t)
	fresh(t, "conformance")
	f := newFS(t, swiftfs.Config{})
	mrtest.Run(t, func(t *testing.T) (mapreduce.FS, string) {
		return f, fmt.Sprintf("/conformance/%03d-%s", confSeq.Add(1), strings.ReplaceAll(t.Name(), "/", "_"))
	}, mrtest.Capabilities{
		NoPermissions: "Swift's ACLs are per container (and tempauth's test user is the account's admin): a prefix cannot be denied; 401 and 403 are tested in TestErrors",
		LargeFileSize: 40 << 20,
	})
}
