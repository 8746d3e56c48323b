package compress

import (
	"encoding/binary"
	"fmt"
	"hash"
	"hash/crc32"
	"io"

	"zebra/mapreduce"
)

// Codec is an output compression codec, named by its Hadoop class.
type Codec string

var _ mapreduce.OutputCodec = Gzip

// The codecs zebra writes.
const (
	None    Codec = ""
	Gzip    Codec = "org.apache.hadoop.io.compress.GzipCodec"
	Deflate Codec = "org.apache.hadoop.io.compress.DefaultCodec"
	BZip2   Codec = "org.apache.hadoop.io.compress.BZip2Codec"
)

// Extension is the suffix Hadoop gives files written with c (".gz",
// ".deflate", ".bz2"; "" for None).
func (c Codec) Extension() string {
	switch c {
	case Gzip:
		return ".gz"
	case Deflate:
		return ".deflate"
	case BZip2:
		return ".bz2"
	}
	return ""
}

// ParseCodec maps a codec class name (mapreduce.output.fileoutputformat.
// compress.codec) to a Codec; other classes are an error naming the
// supported ones.
func ParseCodec(class string) (Codec, error) {
	switch c := Codec(class); c {
	case Gzip, Deflate, BZip2:
		return c, nil
	}
	return None, fmt.Errorf("compression codec %s is not supported by zebra (supported: %s, %s, %s)", class, Gzip, Deflate, BZip2)
}

// NewWriter returns a writer that compresses into w as Hadoop's codec c
// does (see the package comment); Close finishes the stream but does not
// close w. It makes Codec a mapreduce.OutputCodec.
func (c Codec) NewWriter(w io.Writer) (io.WriteCloser, error) { return NewWriter(c, w) }

// NewWriter returns a writer that compresses into w as Hadoop's codec c
// does (see the package comment); Close finishes the stream but does not
// close w.
func NewWriter(c Codec, w io.Writer) (io.WriteCloser, error) {
	switch c {
	case Gzip:
		return newGzipWriter(w)
	case Deflate:
		d, err := newDeflater(w, DefaultLevel, false)
		if err != nil {
			return nil, err
		}
		return d, nil
	case BZip2:
		return newBZip2Writer(w)
	}
	return nil, fmt.Errorf("compress: no writer for codec %q", string(c))
}

// gzipHeader is java.util.zip.GZIPOutputStream's header: no flags, no
// time, no extra flags, OS 0.
var gzipHeader = []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0}

// gzipWriter is java.util.zip.GZIPOutputStream: the header above, a raw
// deflate stream, then CRC-32 and size (mod 2^32), little-endian.
type gzipWriter struct {
	w      io.Writer
	d      *cWriter
	crc    hash.Hash32
	size   uint32
	closed bool
}

func newGzipWriter(w io.Writer) (*gzipWriter, error) {
	if _, err := w.Write(gzipHeader); err != nil {
		return nil, err
	}
	d, err := newDeflater(w, DefaultLevel, true)
	if err != nil {
		return nil, err
	}
	return &gzipWriter{w: w, d: d, crc: crc32.NewIEEE()}, nil
}

func (g *gzipWriter) Write(p []byte) (int, error) {
	n, err := g.d.Write(p)
	g.crc.Write(p[:n])
	g.size += uint32(n)
	return n, err
}

func (g *gzipWriter) Close() error {
	if g.closed {
		return g.d.err
	}
	g.closed = true
	if err := g.d.Close(); err != nil {
		return err
	}
	var trailer [8]byte
	binary.LittleEndian.PutUint32(trailer[:4], g.crc.Sum32())
	binary.LittleEndian.PutUint32(trailer[4:], g.size)
	_, err := g.w.Write(trailer[:])
	return err
}
