package streaming

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"zebra/mapreduce"
)

// Settings of org.apache.hadoop.mapred.lib.FieldSelectionMapReduce (the old
// names, mapred.data.field.separator, map.output.key.value.fields.spec and
// reduce.output.key.value.fields.spec, are mapped to these by the Conf).
const (
	keyFieldSelSeparator = "mapreduce.fieldsel.data.field.separator"
	keyFieldSelMapSpec   = "mapreduce.fieldsel.map.output.key.value.fields.spec"
	keyFieldSelRedSpec   = "mapreduce.fieldsel.reduce.output.key.value.fields.spec"
)

// fieldSpec is one side (map or reduce) of a "keyFields:valueFields" spec
// such as "6,5,1-3:0-": the key's field numbers, the value's, and the field
// from which all remaining ones go to the value (-1: none). As in Hadoop, an
// open range in the key part ("2-:...") selects nothing.
type fieldSpec struct {
	key, value []int
	valueFrom  int
}

// parseFieldSpec parses a spec as Hadoop's FieldSelectionHelper does.
func parseFieldSpec(setting, spec string) (fieldSpec, error) {
	keyPart, valuePart, _ := strings.Cut(spec, ":")
	var fs fieldSpec
	var err error
	if fs.key, _, err = parseFieldList(keyPart); err != nil {
		return fs, fmt.Errorf("%s=%q: %w", setting, spec, err)
	}
	if fs.value, fs.valueFrom, err = parseFieldList(valuePart); err != nil {
		return fs, fmt.Errorf("%s=%q: %w", setting, spec, err)
	}
	return fs, nil
}

// maxSelectedFields bounds the fields one spec may list (ranges are
// expanded, as in Hadoop, so "0-2000000000" would otherwise exhaust memory).
const maxSelectedFields = 1 << 16

// parseFieldList parses "a,b-c,d-": single fields and closed ranges in
// order, and the start of the last open range ("d-", -1 if none).
func parseFieldList(list string) (fields []int, from int, err error) {
	from = -1
	num := func(s string) (int, error) {
		n, err := strconv.ParseInt(s, 10, 32)
		if err != nil {
			return 0, fmt.Errorf("field number %q is not a number", s)
		}
		return int(n), nil
	}
	for _, f := range strings.Split(list, ",") {
		if f == "" {
			continue
		}
		start, end, isRange := strings.Cut(f, "-")
		if !isRange {
			n, err := num(f)
			if err != nil {
				return nil, 0, err
			}
			fields = append(fields, n)
			continue
		}
		if start == "" {
			start = "0"
		}
		a, err := num(start)
		if err != nil {
			return nil, 0, err
		}
		if end == "" {
			from = a
			continue
		}
		b, err := num(end)
		if err != nil {
			return nil, 0, err
		}
		if b-a+len(fields) > maxSelectedFields {
			return nil, 0, fmt.Errorf("field range %q: more than %d fields selected", f, maxSelectedFields)
		}
		for j := a; j <= b; j++ {
			fields = append(fields, j)
		}
	}
	return fields, from, nil
}

// javaSplitter is Java's String.split(sep) (limit 0): sep is a regular
// expression, except for the one-character (or backslash-escaped
// punctuation) separators Java splits on literally; trailing empty fields
// are dropped, and a string without a match is one field.
type javaSplitter struct {
	literal string
	re      *regexp.Regexp
}

func newJavaSplitter(sep string) (*javaSplitter, error) {
	if len(sep) == 1 && !strings.Contains(".$|()[{^?*+\\", sep) {
		return &javaSplitter{literal: sep}, nil
	}
	if len(sep) == 2 && sep[0] == '\\' && !isASCIIAlnum(sep[1]) {
		return &javaSplitter{literal: sep[1:]}, nil
	}
	if utf8.RuneCountInString(sep) == 1 && sep[0] >= utf8.RuneSelf {
		return &javaSplitter{literal: sep}, nil
	}
	re, err := regexp.Compile(sep)
	if err != nil {
		return nil, fmt.Errorf("field separator %q is not a regular expression zebra can use: %w", sep, err)
	}
	return &javaSplitter{re: re}, nil
}

func isASCIIAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func (j *javaSplitter) split(s string) []string {
	var out []string
	if j.re == nil {
		if j.literal == "" || !strings.Contains(s, j.literal) {
			return []string{s}
		}
		out = strings.Split(s, j.literal)
	} else {
		matches := j.re.FindAllStringIndex(s, -1)
		index := 0
		for _, m := range matches {
			if m[1] == 0 {
				continue // a zero-width match at the start adds no empty field
			}
			out = append(out, s[index:m[0]])
			index = m[1]
		}
		if index == 0 {
			return []string{s}
		}
		out = append(out, s[index:])
	}
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return out
}

// fieldSelection is org.apache.hadoop.mapred.lib.FieldSelectionMapReduce,
// as mapper and as reducer.
type fieldSelection struct {
	sep            string
	splitter       *javaSplitter
	mapSpec        fieldSpec
	reduceSpec     fieldSpec
	ignoreInputKey bool // TextInputFormat: the map input key (offset) is not part of the fields
}

// newFieldSelection reads the job's fieldsel settings (defaults: TAB and
// "0-:" for both specs).
func newFieldSelection(conf *mapreduce.Conf, format mapreduce.InputFormat) (*fieldSelection, error) {
	f := &fieldSelection{sep: conf.Get(keyFieldSelSeparator, "\t"), ignoreInputKey: format == mapreduce.TextInput}
	var err error
	if f.splitter, err = newJavaSplitter(f.sep); err != nil {
		return nil, fmt.Errorf("%s: %w", keyFieldSelSeparator, err)
	}
	if f.mapSpec, err = parseFieldSpec(keyFieldSelMapSpec, conf.Get(keyFieldSelMapSpec, "0-:")); err != nil {
		return nil, err
	}
	if f.reduceSpec, err = parseFieldSpec(keyFieldSelRedSpec, conf.Get(keyFieldSelRedSpec, "0-:")); err != nil {
		return nil, err
	}
	return f, nil
}

// selectFields joins the chosen fields (missing ones empty) and then all
// fields from `from`, each followed by the separator, and drops the last
// character; ok is false when nothing was chosen (Hadoop's null).
func (f *fieldSelection) selectFields(fields []string, list []int, from int) (string, bool) {
	if len(list) == 0 && from < 0 {
		return "", false
	}
	var b strings.Builder
	for _, i := range list {
		if i >= 0 && i < len(fields) {
			b.WriteString(fields[i])
		}
		b.WriteString(f.sep)
	}
	if from >= 0 {
		for i := from; i < len(fields); i++ {
			b.WriteString(fields[i])
			b.WriteString(f.sep)
		}
	}
	s := b.String()
	if s != "" {
		_, n := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-n]
	}
	return s, true
}

// extract is FieldSelectionHelper.extractOutputKeyValue.
func (f *fieldSelection) extract(line string, spec fieldSpec) (key string, keyOK bool, value string, valueOK bool) {
	fields := f.splitter.split(line)
	key, keyOK = f.selectFields(fields, spec.key, -1)
	value, valueOK = f.selectFields(fields, spec.value, spec.valueFrom)
	return
}

// Map emits one record per input record. A missing key takes the value's
// place; what is still missing is empty.
func (f *fieldSelection) Map(_ context.Context, t *mapreduce.TaskContext, in mapreduce.RecordReader, out mapreduce.Collector) error {
	for {
		k, v, err := in.Next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return mapreduce.E("read split", mapreduce.Infra, t.Split.Path, err)
		}
		line := string(v)
		if !f.ignoreInputKey {
			line = string(k) + line
		}
		key, keyOK, value, _ := f.extract(line, f.mapSpec)
		if !keyOK {
			key, value = value, ""
		}
		if err := out.Collect([]byte(key), []byte(value)); err != nil {
			return err
		}
	}
}

// reduceNulls reports which of the reducer's output key and value are
// Hadoop's null for every record (nothing selected): TextOutputFormat then
// leaves them and their separator out.
func (f *fieldSelection) reduceNulls() (nullKey, nullValue bool) {
	return len(f.reduceSpec.key) == 0, len(f.reduceSpec.value) == 0 && f.reduceSpec.valueFrom < 0
}

// Reduce emits one record per value, selecting from key+separator+value.
func (f *fieldSelection) Reduce(_ context.Context, t *mapreduce.TaskContext, in mapreduce.KVIterator, out mapreduce.Collector) error {
	nullKey, nullValue := f.reduceNulls()
	for in.Next() {
		if nullKey && nullValue {
			continue // TextOutputFormat writes nothing for a null key and value
		}
		key, _, value, _ := f.extract(string(in.Key())+f.sep+string(in.Value()), f.reduceSpec)
		if err := out.Collect([]byte(key), []byte(value)); err != nil {
			return err
		}
	}
	return in.Err()
}
