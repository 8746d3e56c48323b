package streaming

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"zebra/mapreduce"
)

const dumptbUsage = `Usage: mapred streaming dumptb <glob-pattern>
  Dumps all files that match the given pattern to standard output as typed bytes.
  The files can be text or sequence files
`

// dumpTypedBytes is `mapred streaming dumptb <glob-pattern>` (Hadoop's
// DumpTypedBytes): the files of the first path the pattern matches (a
// file, or the files of a directory) are read as AutoInputFormat reads
// them, and every record's key and value is written to stdout as typed
// bytes. Like Hadoop it returns 1 without a pattern and 255 when nothing
// matches a wildcard pattern; a missing plain path escapes as
// FileNotFoundException (exit 1, no closing line, so a negative code).
func dumpTypedBytes(ctx context.Context, args []string, e *Env, con *console) int {
	if len(args) == 0 {
		con.plain("Too few arguments!\n")
		io.WriteString(e.Stdout, dumptbUsage)
		return 1
	}
	fsys, p, err := e.Registry.Resolve(ctx, inDir(e.Dir, args[0]))
	if err != nil {
		con.log("ERROR", "streaming.DumpTypedBytes", "%v", err)
		return 1
	}
	matches, err := mapreduce.Glob(ctx, fsys, p)
	if err != nil {
		con.log("ERROR", "streaming.DumpTypedBytes", "%v", err)
		return 1
	}
	if len(matches) == 0 {
		if !strings.ContainsAny(args[0], "*?[{") {
			con.plain(fmt.Sprintf("Exception in thread \"main\" java.io.FileNotFoundException: File %s does not exist\n", args[0]))
			return -1
		}
		return 255
	}
	// Hadoop's loop returns after the first match.
	files := []mapreduce.FileInfo{matches[0]}
	if matches[0].IsDir {
		list, err := fsys.List(ctx, matches[0].Path)
		if err != nil {
			con.log("ERROR", "streaming.DumpTypedBytes", "%v", err)
			return 1
		}
		files = files[:0]
		for _, f := range list {
			base := path.Base(f.Path)
			if f.IsDir || (strings.HasPrefix(base, ".") && strings.HasSuffix(base, ".crc")) {
				continue // checksum files are hidden by Hadoop's local FS
			}
			files = append(files, f)
		}
	}
	w := bufio.NewWriterSize(e.Stdout, 256<<10)
	var buf []byte
	for _, f := range files {
		split := mapreduce.Split{Path: f.Path, URI: fsys.URI(f.Path), Length: f.Size}
		rr, classes, err := openAuto(ctx, fsys, split)
		if err != nil {
			w.Flush()
			con.log("ERROR", "streaming.DumpTypedBytes", "%v", err)
			return 1
		}
		kc, vc := classes()
		for {
			k, v, err := rr.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err == nil {
				buf, err = kc.AppendTypedBytes(buf[:0], k)
			}
			if err == nil {
				buf, err = vc.AppendTypedBytes(buf, v)
			}
			if err != nil {
				rr.Close()
				w.Flush()
				con.log("ERROR", "streaming.DumpTypedBytes", "%s: %v", f.Path, err)
				return 1
			}
			if _, err := w.Write(buf); err != nil {
				rr.Close()
				return 1
			}
		}
		rr.Close()
	}
	if err := w.Flush(); err != nil {
		return 1
	}
	return 0
}

// openAuto opens a whole file as AutoInputFormat does: a SequenceFile by
// its header, anything else as text lines keyed by offset.
func openAuto(ctx context.Context, fsys mapreduce.FS, s mapreduce.Split) (mapreduce.RecordReader, func() (mapreduce.WritableClass, mapreduce.WritableClass), error) {
	seq, err := mapreduce.IsSequenceFile(ctx, fsys, s.Path)
	if err != nil {
		return nil, nil, err
	}
	if seq {
		r, err := mapreduce.OpenSeqRecords(ctx, fsys, s, false)
		if err != nil {
			return nil, nil, err
		}
		return r, r.Classes, nil
	}
	r, err := mapreduce.OpenLineRecords(ctx, fsys, s, mapreduce.TextInput, mapreduce.NewConf())
	if err != nil {
		return nil, nil, err
	}
	r.WantKey = true
	return r, func() (mapreduce.WritableClass, mapreduce.WritableClass) {
		return mapreduce.ClassLong, mapreduce.ClassText
	}, nil
}
