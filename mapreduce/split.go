package mapreduce

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Split is the part of one input file that one map task reads.
type Split struct {
	// Path is the file's name in its FS; URI its qualified form (file:/x).
	Path string
	URI  string
	// Start and Length delimit the bytes of the (uncompressed) file that
	// belong to the split under Hadoop's line-ownership rule.
	Start, Length int64
	// Hosts are the storage nodes holding a replica, best first; empty when
	// the FS does not know (local files).
	Hosts []string
}

// String is Hadoop's split text, <uri>:<start>+<length>.
func (s Split) String() string { return fmt.Sprintf("%s:%d+%d", s.URI, s.Start, s.Length) }

// fileSplitClass is the class Hadoop's old-API input formats (the ones
// streaming uses: TextInputFormat, KeyValueTextInputFormat,
// NLineInputFormat, SequenceFile*InputFormat, StreamInputFormat,
// AutoInputFormat) make their splits of.
const fileSplitClass = "org.apache.hadoop.mapred.FileSplit"

// RawBytes is Hadoop's "Input split bytes" (SPLIT_RAW_BYTES) of a map
// over s: the size of the split's record in the job's job.split file,
// which MapTask counts as it reads it: the class name as a Text
// (WritableUtils vint length, UTF-8 bytes), then FileSplit.write's file
// name as a Text (the qualified path, as Path.toString gives it, here
// URI), start and length as two 8-byte longs. A split without a file
// (RawInput's empty one) has none.
func (s Split) RawBytes() int64 {
	if s.URI == "" {
		return 0
	}
	text := func(v string) int64 { return int64(vintSize(len(v)) + len(v)) }
	return text(fileSplitClass) + text(s.URI) + 8 + 8
}

// Codec names a compression format known by file suffix.
type Codec string

// Codecs zebra reads. Hadoop picks them by suffix the same way.
const (
	NoCodec      Codec = ""
	GzipCodec    Codec = "gzip"
	Bzip2Codec   Codec = "bzip2"
	DeflateCodec Codec = "deflate"
)

// CodecFor returns the codec Hadoop's CompressionCodecFactory would pick for
// the file name.
func CodecFor(name string) Codec {
	switch {
	case strings.HasSuffix(name, ".gz"):
		return GzipCodec
	case strings.HasSuffix(name, ".bz2"):
		return Bzip2Codec
	case strings.HasSuffix(name, ".deflate"):
		return DeflateCodec
	}
	return NoCodec
}

// DefaultBlockSize is fs.local.block.size's default, 32 MiB.
const DefaultBlockSize = 32 << 20

// FileSplits cuts files into splits with the old-API FileInputFormat rule
// Hadoop Streaming uses: goalSize = total/numSplits, splitSize =
// max(minSize, min(goalSize, blockSize)), with the file's own
// FileInfo.BlockSize when it has one, else blockSize; pieces cut while the remainder is
// more than 1.1 split sizes, one empty split per empty file, and one split
// per file that cannot be split (compressed). The result is in listing order.
func FileSplits(fsys FS, files []FileInfo, numSplits int, minSize, blockSize int64) []Split {
	var total int64
	for _, f := range files {
		total += f.Size
	}
	if numSplits <= 0 {
		numSplits = 1
	}
	goal := total / int64(numSplits)
	if minSize < 1 {
		minSize = 1
	}
	if blockSize <= 0 {
		blockSize = DefaultBlockSize
	}
	var out []Split
	for _, f := range files {
		uri := fsys.URI(f.Path)
		if f.Size == 0 {
			out = append(out, Split{Path: f.Path, URI: uri})
			continue
		}
		if CodecFor(f.Path) != NoCodec {
			out = append(out, Split{Path: f.Path, URI: uri, Length: f.Size})
			continue
		}
		bs := blockSize
		if f.BlockSize > 0 {
			bs = f.BlockSize
		}
		size := max(minSize, min(goal, bs))
		remaining := f.Size
		for float64(remaining)/float64(size) > 1.1 {
			out = append(out, Split{Path: f.Path, URI: uri, Start: f.Size - remaining, Length: size})
			remaining -= size
		}
		if remaining != 0 {
			out = append(out, Split{Path: f.Path, URI: uri, Start: f.Size - remaining, Length: remaining})
		}
	}
	return out
}

// SortSplitsBySize orders splits as Hadoop's JobSubmitter does before
// numbering map tasks: by length, largest first, ties in their given order.
func SortSplitsBySize(splits []Split) {
	sort.SliceStable(splits, func(i, j int) bool { return splits[i].Length > splits[j].Length })
}

// NLineSplits cuts each file into splits of n lines each, as
// NLineInputFormat does (including its one-byte shift of split limits).
func NLineSplits(ctx context.Context, fsys FS, files []FileInfo, n int) ([]Split, error) {
	if n < 1 {
		n = 1
	}
	var out []Split
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		r, err := OpenInput(ctx, fsys, f.Path, 0)
		if err != nil {
			return nil, err
		}
		lr := NewLineReader(r, nil)
		uri := fsys.URI(f.Path)
		var begin, length int64
		lines := 0
		add := func() {
			if begin == 0 {
				out = append(out, Split{Path: f.Path, URI: uri, Start: begin, Length: length - 1})
			} else {
				out = append(out, Split{Path: f.Path, URI: uri, Start: begin - 1, Length: length})
			}
		}
		for {
			_, c, err := lr.ReadLine()
			if err != nil {
				if !errors.Is(err, io.EOF) {
					r.Close()
					return nil, E("read input for NLineInputFormat", Other, f.Path, err)
				}
				break
			}
			lines++
			length += int64(c)
			if lines == n {
				add()
				begin += length
				length = 0
				lines = 0
			}
		}
		r.Close()
		if lines != 0 {
			add()
		}
	}
	return out, nil
}
