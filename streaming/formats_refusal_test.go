package streaming_test

import "testing"

// TestFormatRefusals: settings of the formats and protocols that zebra does
// not implement are refused before the job starts, with a message naming
// the setting, instead of being ignored; the output directory is never
// created.
func TestFormatRefusals(t *testing.T) {
	seq := "org.apache.hadoop.mapred.SequenceFileOutputFormat"
	for _, c := range []struct {
		name   string
		args   []string
		code   int
		phrase string
	}{
		{"custom identifier resolver", []string{"-D", "stream.io.identifier.resolver.class=com.example.R", "-mapper", "cat"}, 1,
			"stream.io.identifier.resolver.class=com.example.R: custom identifier resolvers are Java classes"},
		{"xml slowmatch", []string{"-D", "stream.recordreader.slowmatch=true", "-mapper", "cat", "-inputreader", "StreamXmlRecordReader,begin=<a>,end=</a>"}, 1,
			"stream.recordreader.slowmatch=true"},
		{"other record reader", []string{"-D", "stream.recordreader.class=org.apache.hadoop.mapred.LineRecordReader", "-mapper", "cat", "-inputformat", "org.apache.hadoop.streaming.StreamInputFormat"}, 1,
			"stream.recordreader.class=org.apache.hadoop.mapred.LineRecordReader: only org.apache.hadoop.streaming.StreamXmlRecordReader is supported"},
		{"inputreader class not found", []string{"-mapper", "cat", "-inputreader", "StreamXmlRecord,begin=<a>,end=</a>"}, 1,
			"-inputreader: class not found: StreamXmlRecord"},
		{"compressed sequencefile output", []string{"-D", "mapreduce.output.fileoutputformat.compress=true", "-mapper", "cat", "-outputformat", seq}, 1,
			"compressed SequenceFiles are not supported by zebra"},
		{"unknown output key class", []string{"-D", "mapreduce.job.output.key.class=com.example.K", "-mapper", "cat", "-reducer", "org.apache.hadoop.mapred.lib.IdentityReducer", "-outputformat", seq}, 1,
			"mapreduce.job.output.key.class=com.example.K: zebra supports Text"},
		{"identity mapper over sequencefiles", []string{"-inputformat", "SequenceFileInputFormat"}, 1,
			"-inputformat SequenceFileInputFormat with IdentityMapper is not supported by zebra"},
		{"short sequencefile output name", []string{"-mapper", "cat", "-outputformat", "SequenceFileOutputFormat"}, 1,
			"-outputformat : class not found : SequenceFileOutputFormat"},
	} {
		t.Run(c.name, func(t *testing.T) {
			j := newBIJob(t)
			j.write("in.txt", biThreeLines, 0o644)
			args := []string{}
			// Generic options (-D) come first, as Hadoop requires.
			rest := c.args
			for len(rest) >= 2 && rest[0] == "-D" {
				args = append(args, rest[:2]...)
				rest = rest[2:]
			}
			args = append(args, "-input", "in.txt", "-output", "out")
			args = append(args, rest...)
			r := j.run(args...)
			r.expect(t, c.code, c.phrase)
			biNoOutput(t, j.path("out"))
		})
	}
}
