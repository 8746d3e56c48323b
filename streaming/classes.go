package streaming

import "strings"

// Java class names that streaming jobs name on the command line or in -D
// settings and that zebra implements natively.
const (
	classIdentityMapper       = "org.apache.hadoop.mapred.lib.IdentityMapper"
	classIdentityReducer      = "org.apache.hadoop.mapred.lib.IdentityReducer"
	classTextInput            = "org.apache.hadoop.mapred.TextInputFormat"
	classKeyValueInput        = "org.apache.hadoop.mapred.KeyValueTextInputFormat"
	classNLineInput           = "org.apache.hadoop.mapred.lib.NLineInputFormat"
	classSeqInput             = "org.apache.hadoop.mapred.SequenceFileInputFormat"
	classSeqAsTextInput       = "org.apache.hadoop.mapred.SequenceFileAsTextInputFormat"
	classTextOutput           = "org.apache.hadoop.mapred.TextOutputFormat"
	classAutoInput            = "org.apache.hadoop.streaming.AutoInputFormat"
	classStreamInput          = "org.apache.hadoop.streaming.StreamInputFormat"
	classStreamXMLReader      = "org.apache.hadoop.streaming.StreamXmlRecordReader"
	classSeqOutput            = "org.apache.hadoop.mapred.SequenceFileOutputFormat"
	classHashPartitioner      = "org.apache.hadoop.mapred.lib.HashPartitioner"
	classKeyFieldPartitioner  = "org.apache.hadoop.mapred.lib.KeyFieldBasedPartitioner"
	classKeyFieldPartitioner2 = "org.apache.hadoop.mapreduce.lib.partition.KeyFieldBasedPartitioner"
	classKeyFieldComparator   = "org.apache.hadoop.mapred.lib.KeyFieldBasedComparator"
	classKeyFieldComparator2  = "org.apache.hadoop.mapreduce.lib.partition.KeyFieldBasedComparator"
	classTextComparator       = "org.apache.hadoop.io.Text$Comparator"
	classAggregateReducer     = "org.apache.hadoop.mapred.lib.aggregate.ValueAggregatorReducer"
	classAggregateCombiner    = "org.apache.hadoop.mapred.lib.aggregate.ValueAggregatorCombiner"
	classFieldSelection       = "org.apache.hadoop.mapred.lib.FieldSelectionMapReduce"
)

// knownMapRedClass reports whether a -mapper/-reducer/-combiner value names
// a Java class zebra implements, returning its canonical name. Like Hadoop,
// a name without a dot is also tried in org.apache.hadoop.streaming, where
// none of these classes live, so short names are commands.
func knownMapRedClass(v string) (string, bool) {
	switch v {
	case classIdentityMapper, classIdentityReducer, classAggregateReducer, classAggregateCombiner, classFieldSelection,
		classTokenCountMapper, classRegexMapper, classInverseMapper, classLongSumReducer:
		return v, true
	}
	return "", false
}

// looksLikeHadoopClass reports whether v is a Java class name in Hadoop's
// packages that zebra does not implement, so that the user gets a clear
// "not supported" instead of a failed exec.
func looksLikeHadoopClass(v string) bool {
	return strings.HasPrefix(v, "org.apache.hadoop.") && !strings.ContainsAny(v, " /")
}
