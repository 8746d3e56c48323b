package streaming

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"

	"zebra/mapreduce"
	"zebra/mapreduce/typedbytes"
)

// wire is how records travel on a task program's stdin or stdout: Hadoop's
// IdentifierResolver identifiers, set by stream.map.input, stream.map.output,
// stream.reduce.input, stream.reduce.output and -io.
type wire uint8

const (
	// wireText: key, separator, value, newline (TextInputWriter,
	// TextOutputReader).
	wireText wire = iota
	// wireKeyOnly: the key and a newline in; each line is a key with a
	// NullWritable value out (KeyOnlyTextInputWriter/OutputReader).
	wireKeyOnly
	// wireRawBytes: key and value each as a 4-byte big-endian length and
	// the bytes (BytesWritable as is, other classes in their Writable
	// serialization).
	wireRawBytes
	// wireTypedBytes: key and value each as one typed bytes value.
	wireTypedBytes
)

// resolveWire is IdentifierResolver.resolve: the identifiers are matched
// without regard to case, and anything else means text.
func resolveWire(id string) wire {
	switch strings.ToLower(id) {
	case "keyonlytext":
		return wireKeyOnly
	case "rawbytes":
		return wireRawBytes
	case "typedbytes":
		return wireTypedBytes
	}
	return wireText
}

// classes are the key and value classes of what a program prints in this
// protocol (IdentifierResolver's output key and value classes).
func (w wire) classes() (key, value mapreduce.WritableClass) {
	switch w {
	case wireKeyOnly:
		return mapreduce.ClassText, mapreduce.ClassNull
	case wireRawBytes:
		return mapreduce.ClassBytes, mapreduce.ClassBytes
	case wireTypedBytes:
		return mapreduce.ClassTypedBytes, mapreduce.ClassTypedBytes
	}
	return mapreduce.ClassText, mapreduce.ClassText
}

// writerClass and readerClass are the input writer and output reader
// classes IdentifierResolver names for the protocol.
func (w wire) writerClass() string { return ioPackage + wireClassNames[w] + "InputWriter" }

func (w wire) readerClass() string { return ioPackage + wireClassNames[w] + "OutputReader" }

const ioPackage = "org.apache.hadoop.streaming.io."

var wireClassNames = [...]string{wireText: "Text", wireKeyOnly: "KeyOnlyText", wireRawBytes: "RawBytes", wireTypedBytes: "TypedBytes"}

// writeBinary sends one record in the rawbytes or typedbytes protocol;
// buf is scratch space, returned for reuse.
func (s *started) writeBinary(key, value []byte) error {
	p := s.prog
	var err error
	for i, rec := range [2][]byte{key, value} {
		class := s.inKey
		if i == 1 {
			class = s.inValue
		}
		s.buf = s.buf[:0]
		switch p.inWire {
		case wireRawBytes:
			if class == mapreduce.ClassBytes {
				s.buf = append(binary.BigEndian.AppendUint32(s.buf, uint32(len(rec))), rec...)
				break
			}
			s.buf = append(s.buf, 0, 0, 0, 0)
			if s.buf, err = class.AppendWritable(s.buf, rec); err != nil {
				return mapreduce.E(p.role, mapreduce.Internal, "", err)
			}
			binary.BigEndian.PutUint32(s.buf, uint32(len(s.buf)-4))
		case wireTypedBytes:
			if s.buf, err = class.AppendTypedBytes(s.buf, rec); err != nil {
				return mapreduce.E(p.role, mapreduce.Internal, "", err)
			}
		}
		if _, err := s.w.Write(s.buf); err != nil {
			return err
		}
	}
	return nil
}

// readBinary splits a rawbytes or typedbytes stdout into records.
// written counts the records collected, as readOutput's.
func (p *pipeProgram) readBinary(r io.Reader, out mapreduce.Collector, written *atomic.Int64) error {
	br := bufio.NewReaderSize(r, 64<<10)
	bad := func(err error) error {
		io.Copy(io.Discard, br)
		return mapreduce.E("read "+p.role+" output", mapreduce.UserCode, "", err)
	}
	if p.outWire == wireTypedBytes {
		tr := typedbytes.NewReader(br)
		var key []byte
		for {
			k, err := tr.ReadRaw()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return bad(fmt.Errorf("typed bytes output of the %s program: %w", p.role, err))
			}
			key = append(key[:0], k...)
			v, err := tr.ReadRaw()
			if errors.Is(err, io.EOF) {
				return bad(fmt.Errorf("typed bytes output of the %s program ends after a key without its value", p.role))
			}
			if err != nil {
				return bad(fmt.Errorf("typed bytes output of the %s program: %w", p.role, err))
			}
			if err := out.Collect(key, v); err != nil {
				io.Copy(io.Discard, br)
				return err
			}
			written.Add(1)
		}
	}
	var key, value []byte
	read := func(dst []byte) ([]byte, error) {
		var n [4]byte
		if _, err := io.ReadFull(br, n[:]); err != nil {
			return dst, err
		}
		l := int32(binary.BigEndian.Uint32(n[:]))
		if l < 0 {
			return dst, fmt.Errorf("negative length %d", l)
		}
		dst = dst[:0]
		for int32(len(dst)) < l {
			want := int(l) - len(dst)
			if want > 1<<20 {
				want = 1 << 20
			}
			dst = append(dst, make([]byte, want)...)
			if _, err := io.ReadFull(br, dst[len(dst)-want:]); err != nil {
				return dst, io.ErrUnexpectedEOF
			}
		}
		return dst, nil
	}
	for {
		var err error
		if key, err = read(key); err == io.EOF {
			return nil
		} else if err != nil {
			return bad(fmt.Errorf("rawbytes output of the %s program: key: %w", p.role, err))
		}
		if value, err = read(value); err != nil {
			return bad(fmt.Errorf("rawbytes output of the %s program: value after a key of %d bytes: %w", p.role, len(key), err))
		}
		if err := out.Collect(key, value); err != nil {
			io.Copy(io.Discard, br)
			return err
		}
		written.Add(1)
	}
}

// Settings of the streaming protocols (IdentifierResolver identifiers).
const (
	keyMapInput     = "stream.map.input"
	keyMapOutput    = "stream.map.output"
	keyReduceInput  = "stream.reduce.input"
	keyReduceOutput = "stream.reduce.output"
)

// refuseUnsupportedIO refuses the settings of the protocol machinery that
// zebra does not implement, rather than ignoring them: a custom
// IdentifierResolver, and custom input writer or output reader classes
// (Hadoop overwrites the built-in ones' settings from the identifiers, so
// only other classes would change anything; zebra cannot run them).
func refuseUnsupportedIO(conf *mapreduce.Conf) error {
	if v, ok := conf.Lookup("stream.io.identifier.resolver.class"); ok && v != "org.apache.hadoop.streaming.io.IdentifierResolver" {
		return mapreduce.E("configure job", mapreduce.Invalid, "", fmt.Errorf("stream.io.identifier.resolver.class=%s: custom identifier resolvers are Java classes, which zebra cannot run; use stream.map.input/output, stream.reduce.input/output or -io with text, keyonlytext, rawbytes or typedbytes", v))
	}
	return nil
}

// declaredOutputClasses are the job's output key and value classes as the
// user set them (mapreduce.job.output.key.class, .value.class), by default
// LongWritable and Text as JobConf's.
func declaredOutputClasses(conf *mapreduce.Conf) (key, value mapreduce.WritableClass, err error) {
	key, value = mapreduce.ClassLong, mapreduce.ClassText
	if key, err = writableSetting(conf, "mapreduce.job.output.key.class", key); err != nil {
		return key, value, err
	}
	value, err = writableSetting(conf, "mapreduce.job.output.value.class", value)
	return key, value, err
}

// declaredMapOutputClasses are the job's map output key and value classes:
// mapreduce.map.output.key.class and .value.class, by default the job's
// output classes.
func declaredMapOutputClasses(conf *mapreduce.Conf, outKey, outValue mapreduce.WritableClass) (key, value mapreduce.WritableClass, err error) {
	if key, err = writableSetting(conf, "mapreduce.map.output.key.class", outKey); err != nil {
		return key, value, err
	}
	value, err = writableSetting(conf, "mapreduce.map.output.value.class", outValue)
	return key, value, err
}

func writableSetting(conf *mapreduce.Conf, key string, def mapreduce.WritableClass) (mapreduce.WritableClass, error) {
	v, ok := conf.Lookup(key)
	if !ok || v == "" {
		return def, nil
	}
	c, ok := mapreduce.ParseWritableClass(strings.TrimSpace(v))
	if !ok {
		return def, mapreduce.E("configure job", mapreduce.Invalid, "", fmt.Errorf("%s=%s: zebra supports Text, LongWritable, IntWritable, BytesWritable, TypedBytesWritable and NullWritable (fully qualified names)", key, v))
	}
	return c, nil
}

// inputReader applies -inputreader "Class,name=value,...": StreamJob sets
// stream.recordreader.class to the class and stream.recordreader.<name> to
// each value. A name without a dot is looked up in
// org.apache.hadoop.streaming. StreamXmlRecordReader in its default (fast)
// matching is the one reader zebra has.
func inputReader(spec string, conf *mapreduce.Conf) error {
	parts := strings.Split(spec, ",")
	class := parts[0]
	if !strings.Contains(class, ".") {
		class = "org.apache.hadoop.streaming." + class
	}
	if class != classStreamXMLReader {
		if strings.HasPrefix(class, "org.apache.hadoop.streaming.") && class != "org.apache.hadoop.streaming.StreamBaseRecordReader" {
			// The streaming package has no other record reader.
			return failErr("-inputreader: class not found: " + parts[0])
		}
		return mapreduce.E("configure job", mapreduce.Invalid, "", fmt.Errorf("-inputreader %s: only org.apache.hadoop.streaming.StreamXmlRecordReader is supported by zebra", parts[0]))
	}
	conf.Set("stream.recordreader.class", class)
	for _, kv := range parts[1:] {
		k, v, _ := strings.Cut(kv, "=")
		conf.Set("stream.recordreader."+k, v)
	}
	return nil
}

// streamInputFormat is what StreamInputFormat reads with: the reader of
// stream.recordreader.class, or without one KeyValueTextInputFormat's
// (StreamInputFormat extends it).
func streamInputFormat(conf *mapreduce.Conf) (mapreduce.InputFormat, error) {
	switch c := conf.Get("stream.recordreader.class", ""); c {
	case "":
		return mapreduce.KeyValueInput, nil
	case classStreamXMLReader:
		if conf.Bool(mapreduce.KeyXMLSlowMatch, false) {
			return 0, mapreduce.E("configure job", mapreduce.Invalid, "", errors.New("stream.recordreader.slowmatch=true (StreamXmlRecordReader's regular-expression matching with CDATA sections) is not supported by zebra; leave it unset for the default byte matching"))
		}
		return mapreduce.XMLInput, nil
	default:
		return 0, mapreduce.E("configure job", mapreduce.Invalid, "", fmt.Errorf("stream.recordreader.class=%s: only %s is supported by zebra", c, classStreamXMLReader))
	}
}
