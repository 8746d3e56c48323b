package streaming

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"zebra/mapreduce"
)

// Mappers and reducers of org.apache.hadoop.mapred.lib that a streaming job
// can name with -mapper/-reducer and that zebra runs natively.
const (
	classTokenCountMapper = "org.apache.hadoop.mapred.lib.TokenCountMapper"
	classRegexMapper      = "org.apache.hadoop.mapred.lib.RegexMapper"
	classInverseMapper    = "org.apache.hadoop.mapred.lib.InverseMapper"
	classLongSumReducer   = "org.apache.hadoop.mapred.lib.LongSumReducer"

	keyRegexMapperPattern = "mapreduce.mapper.regex"
	keyRegexMapperGroup   = "mapreduce.mapper.regexmapper..group"
)

// eachRecord calls fn for every record of in.
func eachRecord(t *mapreduce.TaskContext, in mapreduce.RecordReader, fn func(k, v []byte) error) error {
	for {
		k, v, err := in.Next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return mapreduce.E("read split", mapreduce.Infra, t.Split.Path, err)
		}
		if err := fn(k, v); err != nil {
			return err
		}
	}
}

var one = []byte("1")

// tokenCountMapper is TokenCountMapper: (token, 1) for every token of the
// value, tokens being split at java.util.StringTokenizer's default
// delimiters (space, TAB, newline, CR, form feed).
type tokenCountMapper struct{}

func (tokenCountMapper) Map(_ context.Context, t *mapreduce.TaskContext, in mapreduce.RecordReader, out mapreduce.Collector) error {
	return eachRecord(t, in, func(_, v []byte) error {
		for _, tok := range strings.FieldsFunc(string(v), func(r rune) bool {
			return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f'
		}) {
			if err := out.Collect([]byte(tok), one); err != nil {
				return err
			}
		}
		return nil
	})
}

// regexMapper is RegexMapper: (match, 1) for every match of
// mapreduce.mapper.regex in the value (group mapreduce.mapper.regexmapper..group,
// default 0, the whole match).
type regexMapper struct {
	re    *regexp.Regexp
	group int
}

func newRegexMapper(conf *mapreduce.Conf) (*regexMapper, error) {
	pattern, ok := conf.Lookup(keyRegexMapperPattern)
	if !ok {
		return nil, fmt.Errorf("%s: RegexMapper needs the regular expression in %s", classRegexMapper, keyRegexMapperPattern)
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, fmt.Errorf("%s=%q: not a regular expression zebra can use: %w", keyRegexMapperPattern, pattern, err)
	}
	group, err := conf.Int(keyRegexMapperGroup, 0)
	if err != nil {
		return nil, err
	}
	if group < 0 || group > re.NumSubexp() {
		return nil, fmt.Errorf("%s=%d: the expression %q has %d groups", keyRegexMapperGroup, group, pattern, re.NumSubexp())
	}
	return &regexMapper{re: re, group: group}, nil
}

func (m *regexMapper) Map(_ context.Context, t *mapreduce.TaskContext, in mapreduce.RecordReader, out mapreduce.Collector) error {
	return eachRecord(t, in, func(_, v []byte) error {
		for _, loc := range m.re.FindAllSubmatchIndex(v, -1) {
			var match []byte
			if s := loc[2*m.group]; s >= 0 {
				match = v[s:loc[2*m.group+1]]
			}
			if err := out.Collect(match, one); err != nil {
				return err
			}
		}
		return nil
	})
}

// inverseMapper is InverseMapper: (value, key).
type inverseMapper struct{}

func (inverseMapper) Map(_ context.Context, t *mapreduce.TaskContext, in mapreduce.RecordReader, out mapreduce.Collector) error {
	return eachRecord(t, in, func(k, v []byte) error { return out.Collect(v, k) })
}

// longSumReducer is LongSumReducer: each key with the sum of its
// (LongWritable) values. Given values of another class it fails as
// Hadoop's cast does, at the first record.
type longSumReducer struct {
	valueClass mapreduce.WritableClass // the class of the map output values
}

func (r longSumReducer) Reduce(_ context.Context, t *mapreduce.TaskContext, in mapreduce.KVIterator, out mapreduce.Collector) error {
	var key []byte
	var sum int64
	started := false
	flush := func() error {
		if !started {
			return nil
		}
		return out.Collect(key, []byte(strconv.FormatInt(sum, 10)))
	}
	for in.Next() {
		if r.valueClass != mapreduce.ClassLong {
			return mapreduce.E("reduce", mapreduce.UserCode, "", fmt.Errorf("java.lang.ClassCastException: class %s cannot be cast to class %s", r.valueClass.JavaName(), mapreduce.ClassLong.JavaName()))
		}
		if !started || in.NewGroup() {
			if err := flush(); err != nil {
				return err
			}
			key = append(key[:0], in.Key()...)
			sum, started = 0, true
		}
		n, err := strconv.ParseInt(string(in.Value()), 10, 64)
		if err != nil {
			return mapreduce.E("reduce", mapreduce.UserCode, "", fmt.Errorf("LongSumReducer: value %q of key %q is not a LongWritable", in.Value(), in.Key()))
		}
		sum += n
	}
	if err := in.Err(); err != nil {
		return err
	}
	return flush()
}
