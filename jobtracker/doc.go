// Package jobtracker will be zebra's control plane: it compiles jobs into
// instance groups, places tasks on workers beside their data, tracks
// attempts and keeps history. Nothing is implemented yet; the local runner
// (mapreduce.LocalExecutor) runs jobs in one process until then.
package jobtracker
