// Package adapters holds zebra's storage backends other than Swift, one
// subpackage per outside system: localfs (local files, Hadoop's file://)
// and hdfs (hdfs://, with hdfs/minicluster starting a real HDFS for tests).
// Each implements mapreduce.FS and registers a URL scheme from cmd/zebra;
// the engine never imports them. fsshell is Hadoop's FsShell (`zebra fs`)
// over any of them.
package adapters
