// Command floor prepares the inputs of bench/run.sh's floor measurement: the
// user's programs run alone over exactly what each task of the job gives them.
//
//	floor splits -in FILE -dir DIR [-block BYTES]
//	floor partition -n R -prefix P [-in FILE]
//
// splits cuts FILE into the splits a local streaming job gets (Hadoop's
// old-API FileInputFormat rule, mapreduce.FileSplits with one requested map
// and fs.local.block.size BYTES, default 32 MiB) and writes the records of
// split i, as Hadoop's LineRecordReader hands them to the mapper (the lines
// that start in (start, end], or [0, end] for the first split), to
// DIR/split-%05d in the order zebra numbers map tasks (largest first). It
// prints the number of splits; the files concatenated in offset order are
// checked to be the input, byte for byte.
//
// partition reads sorted map output (FILE or stdin) and writes each line to
// P-%05d of its reduce partition, by Hadoop's HashPartitioner on the
// streaming key (the bytes before the first tab, or the whole line), so that
// each file stays sorted. It creates all R files, empty ones included.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"zebra/adapters/localfs"
	"zebra/mapreduce"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: floor splits|partition [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "splits":
		err = splitsCmd(os.Args[2:])
	case "partition":
		err = partitionCmd(os.Args[2:])
	default:
		err = fmt.Errorf("unknown subcommand %q (want splits or partition)", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
}

func splitsCmd(args []string) error {
	fs := flag.NewFlagSet("splits", flag.ExitOnError)
	in := fs.String("in", "", "input text file")
	dir := fs.String("dir", "", "directory for the split files")
	block := fs.Int64("block", mapreduce.DefaultBlockSize, "fs.local.block.size")
	fs.Parse(args)
	if *in == "" || *dir == "" {
		return errors.New("splits needs -in FILE and -dir DIR")
	}
	fsys := &localfs.FS{}
	fi, err := fsys.Stat(context.Background(), *in)
	if err != nil {
		return fmt.Errorf("stat input: %w", err)
	}
	splits := mapreduce.FileSplits(fsys, []mapreduce.FileInfo{fi}, 1, 1, *block)
	data, err := os.ReadFile(*in)
	if err != nil {
		return fmt.Errorf("read input: %w", err)
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return fmt.Errorf("make split directory: %w", err)
	}
	parts := make([][]byte, len(splits))
	for i, s := range splits {
		parts[i] = splitRecords(data, s.Start, s.Start+s.Length)
	}
	if !bytes.Equal(bytes.Join(parts, nil), data) {
		return errors.New("splits do not cover the input exactly once (bug in the line rule)")
	}
	// Number them as zebra numbers map tasks: largest first (ties in offset
	// order); Start identifies a split of the one file.
	order := make([]mapreduce.Split, len(splits))
	copy(order, splits)
	mapreduce.SortSplitsBySize(order)
	index := map[int64]int{}
	for i, s := range splits {
		index[s.Start] = i
	}
	for n, s := range order {
		i := index[s.Start]
		if err := os.WriteFile(filepath.Join(*dir, fmt.Sprintf("split-%05d", n)), parts[i], 0o644); err != nil {
			return fmt.Errorf("write split %d: %w", n, err)
		}
	}
	fmt.Println(len(splits))
	return nil
}

// splitRecords is the bytes of the lines LineRecordReader reads for the
// split [start, end) of data: lines starting at a position p with
// start < p <= end (0 <= p <= end for the first split), each through its
// newline (or the end of data).
func splitRecords(data []byte, start, end int64) []byte {
	from := int64(0)
	if start > 0 {
		i := bytes.IndexByte(data[start:], '\n')
		if i < 0 {
			return nil
		}
		from = start + int64(i) + 1
	}
	if from > end || from >= int64(len(data)) {
		return nil
	}
	// The last line read starts at or before end: go through the newline
	// at or after end (the line starting at end, if any, is ours).
	to := int64(len(data))
	if end < int64(len(data)) {
		if i := bytes.IndexByte(data[end:], '\n'); i >= 0 {
			to = end + int64(i) + 1
		}
	}
	return data[from:to]
}

func partitionCmd(args []string) error {
	fs := flag.NewFlagSet("partition", flag.ExitOnError)
	n := fs.Int("n", 1, "number of reduce partitions")
	prefix := fs.String("prefix", "", "output file prefix")
	in := fs.String("in", "", "sorted map output (default stdin)")
	fs.Parse(args)
	if *n < 1 || *prefix == "" {
		return errors.New("partition needs -n >= 1 and -prefix P")
	}
	var r io.Reader = os.Stdin
	if *in != "" {
		f, err := os.Open(*in)
		if err != nil {
			return fmt.Errorf("open map output: %w", err)
		}
		defer f.Close()
		r = f
	}
	files := make([]*os.File, *n)
	ws := make([]*bufio.Writer, *n)
	for i := range files {
		f, err := os.Create(fmt.Sprintf("%s-%05d", *prefix, i))
		if err != nil {
			return fmt.Errorf("create partition %d: %w", i, err)
		}
		files[i], ws[i] = f, bufio.NewWriterSize(f, 1<<16)
	}
	br := bufio.NewReaderSize(r, 1<<16)
	for {
		line, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			rest, err2 := br.ReadBytes('\n')
			line, err = append(append([]byte(nil), line...), rest...), err2
		}
		if len(line) > 0 {
			key := bytes.TrimSuffix(line, []byte("\n"))
			if i := bytes.IndexByte(key, '\t'); i >= 0 {
				key = key[:i]
			}
			if _, werr := ws[mapreduce.HashPartition(key, *n)].Write(line); werr != nil {
				return fmt.Errorf("write partition: %w", werr)
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("read map output: %w", err)
		}
	}
	for i := range files {
		if err := ws[i].Flush(); err != nil {
			return fmt.Errorf("write partition %d: %w", i, err)
		}
		if err := files[i].Close(); err != nil {
			return fmt.Errorf("close partition %d: %w", i, err)
		}
	}
	return nil
}
