// Package adapters holds zebra's storage backends other than Swift, one
// subpackage per outside system: localfs (local files, Hadoop's file://),
// and later hdfs. Each implements mapreduce.FS and registers a URL scheme
// from cmd/zebra; the engine never imports them.
package adapters
