package streaming

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"

	"zebra/mapreduce"
	"zebra/mapreduce/compress"
)

// plan is a streaming job ready to run: the engine job and what the
// console needs to know about it.
type plan struct {
	job       *mapreduce.Job
	outputArg string
	env       *jobEnv
}

// typeMismatchMapper fails a map task as Hadoop does when IdentityMapper
// passes on a record whose key (or value) is of another class than the
// job's map output key (value) class: LongWritable offsets to a command
// reducer, or KeyValueTextInputFormat's Text keys to IdentityReducer. Like
// Hadoop's collect, it fails at the first record, so a task with an empty
// split succeeds.
type typeMismatchMapper struct {
	what               string // "key" or "value"
	expected, received string
}

func (m typeMismatchMapper) Map(_ context.Context, t *mapreduce.TaskContext, in mapreduce.RecordReader, _ mapreduce.Collector) error {
	if _, _, err := in.Next(); err != nil {
		if errors.Is(err, io.EOF) {
			return nil
		}
		return mapreduce.E("read split", mapreduce.Infra, t.Split.Path, err)
	}
	return mapreduce.E("map", mapreduce.UserCode, "", fmt.Errorf("java.io.IOException: Type mismatch in %s from map: expected %s, received %s", m.what, m.expected, m.received))
}

// identityMapper is org.apache.hadoop.mapred.lib.IdentityMapper.
type identityMapper struct{}

func (identityMapper) Map(ctx context.Context, t *mapreduce.TaskContext, in mapreduce.RecordReader, out mapreduce.Collector) error {
	for {
		k, v, err := in.Next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if err := out.Collect(k, v); err != nil {
			return err
		}
	}
}

// identityReducer is org.apache.hadoop.mapred.lib.IdentityReducer.
type identityReducer struct{}

func (identityReducer) Reduce(ctx context.Context, t *mapreduce.TaskContext, in mapreduce.KVIterator, out mapreduce.Collector) error {
	for in.Next() {
		if err := out.Collect(in.Key(), in.Value()); err != nil {
			return err
		}
	}
	return in.Err()
}

// compareLong orders decimal LongWritable keys numerically.
func compareLong(a, b []byte) int {
	x, _ := strconv.ParseInt(string(a), 10, 64)
	y, _ := strconv.ParseInt(string(b), 10, 64)
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// partitionLong is HashPartitioner over LongWritable.hashCode.
func partitionLong(key []byte, n int) int {
	x, _ := strconv.ParseInt(string(key), 10, 64)
	h := int32(uint64(x) ^ uint64(x)>>32)
	return int(h&0x7fffffff) % n
}

// build turns parsed options into a plan, applying StreamJob's rules in
// Hadoop's order. Errors are *cliError (the command line is wrong) or carry a
// mapreduce kind (the job cannot start).
func build(ctx context.Context, o *Options, e *Env) (*plan, error) {
	conf := o.Conf
	if err := o.validate(); err != nil {
		return nil, err
	}
	// -file entries must exist and are shipped by base name.
	links := map[string]string{}
	shipped := map[string]string{} // as typed or absolute → base name
	for _, f := range o.ShipFiles {
		p, _ := localPath(f, e.Dir)
		if _, err := os.Stat(p); err != nil {
			return nil, failErr("File: file:" + p + " does not exist.")
		}
		if fh, err := os.Open(p); err != nil {
			return nil, failErr("File: file:" + p + " is not readable.")
		} else {
			fh.Close()
		}
		base := filepath.Base(p)
		if err := checkLinkName(f, base); err != nil {
			return nil, mapreduce.E("ship file", mapreduce.Invalid, f, err)
		}
		links[base] = p
		shipped[f] = base
		shipped[p] = base
	}
	for _, f := range o.Files {
		name, link, _ := strings.Cut(f, "#")
		p, ok := localPath(name, e.Dir)
		if !ok {
			return nil, mapreduce.E("ship file", mapreduce.Invalid, name, errors.New("only local -files are supported by the local runner"))
		}
		if link == "" {
			link = filepath.Base(p)
		}
		if err := checkLinkName(f, link); err != nil {
			return nil, mapreduce.E("ship file", mapreduce.Invalid, name, err)
		}
		links[link] = p
	}
	// The job's archives share one budget (see archiveBudget); an archive
	// named more than once is unpacked once and linked under each name.
	var archivePaths []string
	for _, f := range o.Archives {
		name, _, _ := strings.Cut(f, "#")
		if p, ok := localPath(name, e.Dir); ok {
			archivePaths = append(archivePaths, p)
		}
	}
	budget := newArchiveBudget(archivePaths)
	unpacked := map[string]string{} // archive path → its directory
	for _, f := range o.Archives {
		name, link, _ := strings.Cut(f, "#")
		p, ok := localPath(name, e.Dir)
		if !ok {
			return nil, mapreduce.E("ship archive", mapreduce.Invalid, name, errors.New("only local -archives are supported by the local runner"))
		}
		if link == "" {
			link = filepath.Base(p)
		}
		if err := checkLinkName(f, link); err != nil {
			return nil, mapreduce.E("ship archive", mapreduce.Invalid, name, err)
		}
		dir, done := unpacked[p]
		if !done {
			var err error
			if dir, err = unpackArchive(p, filepath.Join(e.WorkDir, "archives", link), budget); err != nil {
				return nil, err
			}
			unpacked[p] = dir
		}
		links[link] = dir
	}
	if o.IO != "" {
		// StreamJob.setJobConf: -io sets all four protocols, over -D.
		for _, k := range []string{keyMapInput, keyMapOutput, keyReduceInput, keyReduceOutput} {
			conf.Set(k, o.IO)
		}
	}
	if err := refuseUnsupportedIO(conf); err != nil {
		return nil, err
	}
	if o.InputReader != "" {
		if err := inputReader(o.InputReader, conf); err != nil {
			return nil, err
		}
	}

	// Input format.
	var err error
	format := mapreduce.TextInput
	formatClass := classTextInput
	switch o.InputFormat {
	case "":
		if o.InputReader != "" {
			// StreamJob: -inputreader without -inputformat reads with
			// StreamInputFormat.
			if format, err = streamInputFormat(conf); err != nil {
				return nil, err
			}
			formatClass = classStreamInput
		}
	case "StreamInputFormat", classStreamInput:
		if format, err = streamInputFormat(conf); err != nil {
			return nil, err
		}
		formatClass = classStreamInput
	case "TextInputFormat", classTextInput:
	case "KeyValueTextInputFormat", classKeyValueInput:
		format, formatClass = mapreduce.KeyValueInput, classKeyValueInput
	case classNLineInput:
		format, formatClass = mapreduce.NLineInput, classNLineInput
	case "SequenceFileInputFormat", classSeqInput:
		format, formatClass = mapreduce.SeqInput, classSeqInput
	case "SequenceFileAsTextInputFormat", classSeqAsTextInput:
		format, formatClass = mapreduce.SeqTextInput, classSeqAsTextInput
	case "AutoInputFormat", classAutoInput:
		format, formatClass = mapreduce.AutoInput, classAutoInput
	default:
		if looksLikeHadoopClass(o.InputFormat) {
			return nil, mapreduce.E("configure job", mapreduce.Invalid, "", fmt.Errorf("-inputformat %s is not supported by zebra", o.InputFormat))
		}
		return nil, failErr("-inputformat : class not found : " + o.InputFormat)
	}
	seqOutput := false
	switch o.OutputFormat {
	case "", "TextOutputFormat", classTextOutput:
	case classSeqOutput:
		seqOutput = true
	default:
		if looksLikeHadoopClass(o.OutputFormat) {
			return nil, mapreduce.E("configure job", mapreduce.Invalid, "", fmt.Errorf("-outputformat %s is not supported by zebra", o.OutputFormat))
		}
		return nil, failErr("-outputformat : class not found : " + o.OutputFormat)
	}

	reduces, err := conf.Int(mapreduce.KeyNumReduces, 1)
	if err != nil {
		return nil, err
	}
	if o.Reducer == "NONE" {
		reduces = 0
	}
	if reduces < 0 {
		return nil, mapreduce.E("configure job", mapreduce.Invalid, "", fmt.Errorf("number of reduce tasks must not be negative (got %d)", reduces))
	}
	conf.Set(mapreduce.KeyNumReduces, strconv.Itoa(reduces))

	job := &mapreduce.Job{Conf: conf, Format: format, NumReduces: reduces}
	sep := func(key string) []byte { return []byte(conf.Get(key, "\t")) }
	numKeys := func(key string) int { n, _ := conf.Int(key, 1); return n }

	// Commands: the parent environment, the configuration and -cmdenv.
	rewrite := func(cmd string) []string {
		argv := SplitArgs(cmd)
		if len(argv) > 0 {
			if base, ok := shipped[argv[0]]; ok {
				argv[0] = base
			}
		}
		// The local runner runs tasks in private directories; link in the
		// client-directory files a command names, which Hadoop's local runner
		// finds because it runs tasks in the client's directory.
		for _, a := range argv {
			if a == "" || filepath.IsAbs(a) {
				continue
			}
			first := strings.Split(filepath.Clean(a), string(filepath.Separator))[0]
			if first == ".." || first == "." {
				continue
			}
			if _, taken := links[first]; taken {
				continue
			}
			if _, err := os.Lstat(filepath.Join(e.Dir, first)); err == nil {
				links[first] = filepath.Join(e.Dir, first)
			}
		}
		return argv
	}
	conf.Set("stream.addenvironment", strings.Join(append([]string{"HADOOP_ROOT_LOGGER="}, o.CmdEnv...), " "))
	conf.Set("mapred.input.format.class", formatClass)
	if seqOutput {
		conf.Set("mapred.output.format.class", classSeqOutput)
	} else {
		conf.Set("mapred.output.format.class", classTextOutput)
	}
	if _, ok := conf.Lookup(mapreduce.KeyUser); !ok {
		// Hadoop's user under simple authentication: HADOOP_USER_NAME,
		// else the OS user.
		if u := os.Getenv("HADOOP_USER_NAME"); u != "" {
			conf.Set(mapreduce.KeyUser, u)
		} else if u, err := user.Current(); err == nil {
			conf.Set(mapreduce.KeyUser, u.Username)
		}
	}
	runner := e.Runner
	if e.Sandbox != nil {
		r, warning, err := e.Sandbox(conf.Get(mapreduce.KeySandbox, ""), conf)
		if err != nil {
			return nil, mapreduce.E("choose sandbox", mapreduce.Invalid, "", err)
		}
		runner = r
		if warning != "" {
			o.Warnings = append(o.Warnings, warning)
		}
	}
	env := newJobEnv(runner, e.Dir, e.Environ, conf, links)
	program := func(role, cmd string) *pipeProgram {
		conf.Set("stream."+role+".streamprocessor", javaURLEncode(cmd))
		return &pipeProgram{role: role, command: cmd, argv: rewrite(cmd), job: env}
	}

	mapperIsClass := o.Mapper == ""
	mapperClass, _ := knownMapRedClass(o.Mapper)
	switch mapperClass {
	case "":
	case classIdentityMapper, classFieldSelection, classTokenCountMapper, classRegexMapper, classInverseMapper:
		mapperIsClass = true
	default:
		return nil, mapreduce.E("configure job", mapreduce.Invalid, "", fmt.Errorf("-mapper %s: this Java class is not a mapper zebra supports", o.Mapper))
	}
	if mapperIsClass && (format == mapreduce.SeqInput || format == mapreduce.AutoInput) {
		// The classes of the records come from each file's header.
		name := "IdentityMapper"
		if mapperClass != "" && mapperClass != classIdentityMapper {
			name = mapperClass
		}
		return nil, mapreduce.E("configure job", mapreduce.Invalid, "", fmt.Errorf("-inputformat %s with %s is not supported by zebra: give a -mapper command (e.g. cat), or read with SequenceFileAsTextInputFormat", o.InputFormat, name))
	}
	// The classes of the records, one model for the whole job (see
	// jobClasses): the input format's, what the mapper emits (mapKey,
	// mapValue), and what reaches the output format (runKey, runValue).
	inKey, inValue := mapreduce.ClassLong, mapreduce.ClassText
	if format == mapreduce.KeyValueInput || format == mapreduce.XMLInput || format == mapreduce.SeqTextInput {
		inKey = mapreduce.ClassText
	}
	mapKey, mapValue := inKey, inValue
	// The protocols of the programs' stdout, and whether StreamJob takes
	// the job's classes from them (a command, or the identifier set).
	mapWire, reduceWire := resolveWire(conf.Get(keyMapInput, "")), resolveWire(conf.Get(keyReduceInput, ""))
	mapOutWire, reduceOutWire := resolveWire(conf.Get(keyMapOutput, "")), resolveWire(conf.Get(keyReduceOutput, ""))
	_, mapOutSet := conf.Lookup(keyMapOutput)
	_, reduceOutSet := conf.Lookup(keyReduceOutput)
	// The user's output classes matter only where no protocol replaces
	// them (see outDeclared) and something checks them.
	cls := jobClasses{}
	outKey, outValue, outErr := declaredOutputClasses(conf)
	outDeclared := true
	var fieldSel *fieldSelection
	if mapperClass == classFieldSelection || o.Reducer == classFieldSelection || o.Combiner == classFieldSelection {
		if fieldSel, err = newFieldSelection(conf, format); err != nil {
			return nil, mapreduce.E("configure job", mapreduce.Invalid, "", err)
		}
	}
	switch {
	case mapperClass == classFieldSelection:
		job.Mapper = fieldSel
		job.WantKey = !fieldSel.ignoreInputKey
		mapKey = mapreduce.ClassText
	case mapperClass == classTokenCountMapper:
		job.Mapper = tokenCountMapper{}
		mapKey, mapValue = mapreduce.ClassText, mapreduce.ClassLong
	case mapperClass == classRegexMapper:
		m, err := newRegexMapper(conf)
		if err != nil {
			return nil, mapreduce.E("configure job", mapreduce.Invalid, "", err)
		}
		job.Mapper = m
		mapKey, mapValue = mapreduce.ClassText, mapreduce.ClassLong
	case mapperClass == classInverseMapper:
		job.Mapper = inverseMapper{}
		job.WantKey = true
		mapKey, mapValue = inValue, inKey
	case mapperIsClass:
		job.Mapper = identityMapper{}
		job.WantKey = true
	case looksLikeHadoopClass(o.Mapper):
		return nil, mapreduce.E("configure job", mapreduce.Invalid, "", fmt.Errorf("-mapper %s: this Java class is not supported by zebra", o.Mapper))
	default:
		p := program("map", o.Mapper)
		if len(p.argv) == 0 {
			return nil, failErr("-mapper: empty command")
		}
		p.inSep = sep("stream.map.input.field.separator")
		p.inWire, p.inKey, p.inValue = mapWire, inKey, inValue
		p.outWire = mapOutWire
		// PipeMapper: the key is left out only with the text writer.
		p.ignoreKey = p.inWire == wireText && conf.Bool("stream.map.input.ignoreKey", format == mapreduce.TextInput)
		p.outSep = sep("stream.map.output.field.separator")
		p.numKeys = numKeys("stream.num.map.output.key.fields")
		p.minWrittenToSkip = -1
		if v, ok := conf.Lookup("stream.minRecWrittenToEnableSkip_"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				return nil, mapreduce.E("configure job", mapreduce.Invalid, "", fmt.Errorf("stream.minRecWrittenToEnableSkip_=%q: not a number", v))
			}
			p.minWrittenToSkip = max(n, 0)
		}
		job.Mapper = &pipeMapper{prog: p}
		job.WantKey = !p.ignoreKey
		mapKey, mapValue = p.outWire.classes()
	}
	if !mapperIsClass || mapOutSet {
		// StreamJob: the map output classes are the map output protocol's,
		// and so are the job's in a map-only job.
		cls.mapOutKey, cls.mapOutValue = mapOutWire.classes()
		cls.mapOutSet = true
		if reduces == 0 {
			outKey, outValue, outDeclared = cls.mapOutKey, cls.mapOutValue, false
		}
	}
	// Keys are compared as LongWritable or else as bytes (Text's order).
	textKeys := mapKey != mapreduce.ClassLong
	runKey, runValue := mapKey, mapValue

	if reduces > 0 {
		reducerIsClass := o.Reducer == ""
		aggregate := strings.EqualFold(o.Reducer, "aggregate")
		if c, ok := knownMapRedClass(o.Reducer); ok {
			switch c {
			case classIdentityReducer:
				reducerIsClass = true
			case classAggregateReducer:
				aggregate = true
			}
		}
		reducerProgram := func(role, cmd string) *pipeProgram {
			p := program(role, cmd)
			p.inWire, p.inKey, p.inValue = reduceWire, mapKey, mapValue
			p.outWire = reduceOutWire
			p.inSep = sep("stream.reduce.input.field.separator")
			p.outSep = sep("stream.reduce.output.field.separator")
			p.numKeys = numKeys("stream.num.reduce.output.key.fields")
			return p
		}
		reducerIsCommand := false
		switch {
		case aggregate:
			job.Reducer = aggregateReducer{}
			job.Combiner = aggregateCombiner{}
			runKey, runValue = mapreduce.ClassText, mapreduce.ClassText
		case o.Reducer == classFieldSelection:
			reducerIsClass = true
			job.Reducer = fieldSel
			runKey, runValue = mapreduce.ClassText, mapreduce.ClassText
		case o.Reducer == classLongSumReducer:
			reducerIsClass = true
			// It casts each value to LongWritable.
			job.Reducer = longSumReducer{valueClass: mapValue}
			runValue = mapreduce.ClassLong
		case reducerIsClass:
			job.Reducer = identityReducer{}
		case looksLikeHadoopClass(o.Reducer):
			return nil, mapreduce.E("configure job", mapreduce.Invalid, "", fmt.Errorf("-reducer %s: this Java class is not supported by zebra", o.Reducer))
		default:
			p := reducerProgram("reduce", o.Reducer)
			if len(p.argv) == 0 {
				return nil, failErr("-reducer: empty command")
			}
			job.Reducer = &pipeReducer{prog: p}
			reducerIsCommand = true
			runKey, runValue = p.outWire.classes()
		}
		if reducerIsCommand || reduceOutSet {
			// StreamJob: the job's output classes are the reduce output
			// protocol's.
			outKey, outValue = reduceOutWire.classes()
			outDeclared = false
		}
		if mapperIsClass {
			// A Java mapper's output classes must be the job's map output
			// classes: mapreduce.map.output.{key,value}.class, by default the
			// job's output classes (Text for a command reducer), or the map
			// output protocol's when stream.map.output is set.
			wantKey, wantValue := cls.mapOutKey, cls.mapOutValue
			if !cls.mapOutSet {
				if outErr != nil && outDeclared {
					return nil, outErr
				}
				if wantKey, wantValue, err = declaredMapOutputClasses(conf, outKey, outValue); err != nil {
					return nil, err
				}
			}
			if mapKey != wantKey {
				job.Mapper = typeMismatchMapper{what: "key", expected: wantKey.JavaName(), received: mapKey.JavaName()}
			} else if mapValue != wantValue {
				job.Mapper = typeMismatchMapper{what: "value", expected: wantValue.JavaName(), received: mapValue.JavaName()}
			}
		}
		if !aggregate && o.Combiner != "" {
			if c, ok := knownMapRedClass(o.Combiner); ok {
				switch c {
				case classIdentityReducer:
					job.Combiner = identityReducer{}
				case classFieldSelection:
					job.Combiner = fieldSel
				case classLongSumReducer:
					job.Combiner = longSumReducer{valueClass: mapValue}
				case classAggregateReducer, classAggregateCombiner:
					job.Combiner = aggregateCombiner{}
				default:
					return nil, mapreduce.E("configure job", mapreduce.Invalid, "", fmt.Errorf("-combiner %s: this Java class is not supported by zebra as a combiner", o.Combiner))
				}
			} else if looksLikeHadoopClass(o.Combiner) {
				return nil, mapreduce.E("configure job", mapreduce.Invalid, "", fmt.Errorf("-combiner %s: this Java class is not supported by zebra", o.Combiner))
			} else {
				job.Combiner = &pipeReducer{prog: reducerProgram("combine", o.Combiner)}
			}
		}
		if err := keyOrder(job, o, conf, textKeys); err != nil {
			return nil, err
		}
	}
	if reduces == 0 && reduceOutSet {
		// StreamJob takes the job's output classes from a set
		// stream.reduce.output even in a map-only job.
		outKey, outValue = reduceOutWire.classes()
		outDeclared = false
	}
	cls.outKey, cls.outValue, cls.outSet = outKey, outValue, !outDeclared
	recordJobClasses(conf, o, mapperIsClass, reduces, cls)

	// Output.
	outSep, ok := conf.Lookup(mapreduce.KeyOutputSeparator)
	if !ok {
		outSep = "\t"
	}
	job.OutSpec = mapreduce.OutputSpec{
		Separator:   []byte(outSep),
		Lazy:        o.LazyOutput,
		MarkSuccess: conf.Bool(mapreduce.KeyMarkSuccess, true),
		KeyClass:    runKey,
		ValueClass:  runValue,
	}
	if seqOutput {
		if outErr != nil && outDeclared {
			return nil, outErr
		}
		if conf.Bool(mapreduce.KeyOutputCompress, false) {
			return nil, mapreduce.E("configure job", mapreduce.Invalid, "", fmt.Errorf("%s=true with SequenceFileOutputFormat: compressed SequenceFiles are not supported by zebra", mapreduce.KeyOutputCompress))
		}
		job.OutSpec.SequenceFile = true
		job.OutSpec.SeqKeyClass, job.OutSpec.SeqValueClass = outKey, outValue
	}
	if _, ok := job.Reducer.(*fieldSelection); ok && reduces > 0 {
		// Hadoop's null key or value (nothing selected) is left out of the
		// line with its separator.
		job.OutSpec.NullKey, job.OutSpec.NullValue = fieldSel.reduceNulls()
	}
	if conf.Bool(mapreduce.KeyOutputCompress, false) {
		// mapred-default.xml's codec is DefaultCodec (zlib, .deflate).
		class := strings.TrimSpace(conf.Get(mapreduce.KeyOutputCompressCodec, string(compress.Deflate)))
		codec, err := compress.ParseCodec(class)
		if err != nil {
			return nil, mapreduce.E("configure job", mapreduce.Invalid, "", fmt.Errorf("%s: %w", mapreduce.KeyOutputCompressCodec, err))
		}
		job.OutSpec.Codec = codec
	}
	if job.SortMB, err = conf.Int(mapreduce.KeySortMB, 100); err != nil {
		return nil, err
	}
	if job.SortMB <= 0 || job.SortMB > 2047 {
		return nil, mapreduce.E("configure job", mapreduce.Invalid, "", fmt.Errorf("%s=%d: must be between 1 and 2047", mapreduce.KeySortMB, job.SortMB))
	}
	if job.SpillPercent, err = conf.Float(mapreduce.KeySortSpillPercent, 0.8); err != nil {
		return nil, err
	}
	if job.MinSpillsForCombine, err = conf.Int(mapreduce.KeyCombineMinSpills, 3); err != nil {
		return nil, err
	}
	return &plan{job: job, env: env, outputArg: o.Output}, nil
}

// keyOrder sets the job's partitioner and comparators from -partitioner and
// the -D comparator settings.
func keyOrder(job *mapreduce.Job, o *Options, conf *mapreduce.Conf, textKeys bool) error {
	if !textKeys {
		job.Compare = compareLong
		job.Partition = partitionLong
		return nil
	}
	fieldSep := []byte(conf.Get(mapreduce.KeyKeyFieldSeparator, "\t"))
	part := o.Partitioner
	if part == "" {
		part = conf.Get(mapreduce.KeyPartitionerClass, "")
	}
	switch part {
	case "", classHashPartitioner, "org.apache.hadoop.mapreduce.lib.partition.HashPartitioner":
	case classKeyFieldPartitioner, classKeyFieldPartitioner2:
		if job.NumReduces == 1 {
			break // Hadoop never builds a partitioner for a single reducer
		}
		opts := conf.Get(mapreduce.KeyPartitionerOptions, "")
		if opts == "" {
			if n, ok := conf.Lookup("num.key.fields.for.partition"); ok {
				opts = "-k1," + n
			}
		}
		p, err := mapreduce.NewKeyFieldPartitioner(opts, fieldSep)
		if err != nil {
			return mapreduce.E("configure partitioner", mapreduce.Invalid, "", err)
		}
		job.Partition = p
	default:
		if looksLikeHadoopClass(part) {
			return mapreduce.E("configure job", mapreduce.Invalid, "", fmt.Errorf("-partitioner %s is not supported by zebra", part))
		}
		return failErr("-partitioner : class not found : " + part)
	}
	comparator := func(key string) (mapreduce.KeyCompare, error) {
		switch c := conf.Get(key, ""); c {
		case "", classTextComparator:
			return nil, nil
		case classKeyFieldComparator, classKeyFieldComparator2:
			cmp, err := mapreduce.NewKeyFieldComparator(conf.Get(mapreduce.KeyComparatorOptions, ""), fieldSep)
			if err != nil {
				return nil, mapreduce.E("configure comparator", mapreduce.Invalid, "", err)
			}
			return cmp, nil
		default:
			return nil, mapreduce.E("configure job", mapreduce.Invalid, "", fmt.Errorf("%s=%s is not supported by zebra", key, c))
		}
	}
	var err error
	if job.Compare, err = comparator(mapreduce.KeyOutputKeyComparator); err != nil {
		return err
	}
	if job.Group, err = comparator(mapreduce.KeyGroupComparator); err != nil {
		return err
	}
	return nil
}

// javaURLEncode is java.net.URLEncoder.encode(s, "UTF-8"), the form in
// which Hadoop stores streaming commands in the configuration.
func javaURLEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '-', c == '*', c == '_':
			b.WriteByte(c)
		case c == ' ':
			b.WriteByte('+')
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// jobClasses are the job's key and value classes that Hadoop's StreamJob
// records in the job configuration, as build decided them (the same values
// its type checks and output format use).
type jobClasses struct {
	// mapOutKey and mapOutValue are mapreduce.map.output.{key,value}.class,
	// set by StreamJob (mapOutSet) from the map output protocol for a
	// command mapper or a set stream.map.output.
	mapOutKey, mapOutValue mapreduce.WritableClass
	mapOutSet              bool
	// outKey and outValue are mapreduce.job.output.{key,value}.class, set
	// by StreamJob (outSet) from a protocol; else they are the user's.
	outKey, outValue mapreduce.WritableClass
	outSet           bool
}

// recordJobClasses writes into conf the classes and settings that Hadoop's
// StreamJob and job submission put in the job configuration, so that
// streaming programs find them in their environment as they do under
// Hadoop (mapred_mapper_class, mapreduce_map_output_key_class, ...).
func recordJobClasses(conf *mapreduce.Conf, o *Options, mapperIsClass bool, reduces int, cls jobClasses) {
	const pkg = "org.apache.hadoop.streaming."
	setDefault := func(k, v string) {
		if _, ok := conf.Lookup(k); !ok {
			conf.Set(k, v)
		}
	}
	wireOf := func(k string) wire { return resolveWire(conf.Get(k, "")) }
	conf.Set("stream.map.input.writer.class", wireOf(keyMapInput).writerClass())
	conf.Set("stream.reduce.input.writer.class", wireOf(keyReduceInput).writerClass())
	conf.Set("stream.map.output.reader.class", wireOf(keyMapOutput).readerClass())
	conf.Set("stream.reduce.output.reader.class", wireOf(keyReduceOutput).readerClass())
	if cls.mapOutSet {
		conf.Set("mapreduce.map.output.key.class", cls.mapOutKey.JavaName())
		conf.Set("mapreduce.map.output.value.class", cls.mapOutValue.JavaName())
	}
	if cls.outSet {
		conf.Set("mapreduce.job.output.key.class", cls.outKey.JavaName())
		conf.Set("mapreduce.job.output.value.class", cls.outValue.JavaName())
	}
	if !mapperIsClass {
		conf.Set("mapred.mapper.class", pkg+"PipeMapper")
		conf.Set("mapred.map.runner.class", pkg+"PipeMapRunner")
	} else if o.Mapper != "" {
		c, _ := knownMapRedClass(o.Mapper)
		conf.Set("mapred.mapper.class", c)
	}
	if reduces > 0 {
		aggregate := strings.EqualFold(o.Reducer, "aggregate")
		c, isClass := knownMapRedClass(o.Reducer)
		switch {
		case aggregate || c == classAggregateReducer:
			conf.Set("mapred.reducer.class", classAggregateReducer)
			conf.Set("mapred.combiner.class", classAggregateCombiner)
		case isClass:
			conf.Set("mapred.reducer.class", c)
		case o.Reducer != "":
			conf.Set("mapred.reducer.class", pkg+"PipeReducer")
		}
		if o.Combiner != "" && !aggregate {
			if c, ok := knownMapRedClass(o.Combiner); ok {
				conf.Set("mapred.combiner.class", c)
			} else {
				conf.Set("mapred.combiner.class", pkg+"PipeCombiner")
			}
		}
	}
	// Set on every job by Hadoop's job submission (old API, generic
	// options parsed, no record skipping).
	conf.Set("mapred.mapper.new-api", "false")
	conf.Set("mapred.reducer.new-api", "false")
	conf.Set("mapreduce.client.genericoptionsparser.used", "true")
	setDefault("mapreduce.job.skiprecords", "false")
	setDefault("mapred.skip.on", "false")
	setDefault("dfs.bytes-per-checksum", "512")
	setDefault("mapred.queue.default.acl-administer-jobs", " ")
	// Defaults of mapred-default.xml that the engine uses as well.
	setDefault(mapreduce.KeySortFactor, "10")
	setDefault(mapreduce.KeySortMB, "100")
}
