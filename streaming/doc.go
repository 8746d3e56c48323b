// Package streaming is Hadoop Streaming's front end on zebra's engine: Run
// takes exactly the arguments of `mapred streaming` (or `hadoop jar
// hadoop-streaming.jar`), parses them as Hadoop's StreamJob does (args.go),
// prints Hadoop's messages and returns Hadoop's exit codes, and turns the
// command line into a mapreduce job (build.go): the mapper, combiner and
// reducer programs run as sandboxed instances (pipe.go, protocol.go speak
// the text, typed bytes and key-value protocols to them), -files and
// -archives are shipped and linked into each task's working directory
// (archive.go, links.go), and the task environment is Hadoop's (jobenv.go).
// Hadoop's library classes a streaming job may name (aggregate, field
// selection, identity, the old org.apache.hadoop.mapred.lib ones) are
// implemented here too.
//
// With no cluster configured the job runs on the embedded local runner
// (mapreduce.LocalExecutor); with a jobtracker it is submitted to the
// cluster and followed with the same console report (cluster.go). Replay
// re-runs one recorded task attempt and checks it is byte-identical.
//
// testdata/conformance holds the conformance cases that compare zebra with
// real Hadoop byte for byte; Hadoop's outputs for them are stored in
// testdata/conformance-oracle (scripts/oracle-record.sh).
package streaming
