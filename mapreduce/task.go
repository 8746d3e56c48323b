package mapreduce

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// countingReader counts the records a mapper takes from its reader.
type countingReader struct {
	RecordReader
	n int64
	// prog, if set, follows the bytes read (read()) of a split of length
	// bytes, every progressEvery records and at the end of the input.
	prog         *Progress
	read         func() int64
	last, length int64
	reduces      bool
}

// progressEvery is how many records a map reads between updates of its
// progress.
const progressEvery = 64

func (c *countingReader) Next() (k, v []byte, err error) {
	k, v, err = c.RecordReader.Next()
	if err == nil {
		c.n++
	}
	if c.prog != nil && (err != nil || c.n%progressEvery == 0) {
		c.update()
	}
	return k, v, err
}

// update adds the bytes read since the last update to the progress.
func (c *countingReader) update() {
	n := c.read()
	c.prog.mapRead(n-c.last, c.length, c.reduces)
	c.last = n
}

// RunMap runs one map attempt over t.Split. For a map-only job it writes the
// attempt's part file through the committer and returns a zero MapOutput;
// otherwise it returns the attempt's sorted, partitioned output file, kept
// under t.Dir until the caller removes it.
func RunMap(ctx context.Context, job *Job, t *TaskContext, c *Committer) (MapOutput, error) {
	// The output digest follows the collected stream (in piece order); the
	// input digest is the reader's, or with pieces a digest of the pieces'
	// (see mapPieces).
	t.inHash, t.outHash = newRecordHash(), newRecordHash()
	if t.Split != nil && job.Format != RawInput {
		t.Counters.Add(GroupTask, CounterInputSplitBytes, t.Split.RawBytes())
	}
	defer func() {
		t.Digests = Digests{Input: t.inHash.sum(), Output: t.outHash.sum(), InputRecords: t.inHash.n, OutputRecords: t.outHash.n}
		if t.piecesInput != "" {
			t.Digests.Input = t.piecesInput
		}
	}()
	if job.NumReduces == 0 {
		w, err := newTaskWriter(ctx, job, c, t)
		if err != nil {
			return MapOutput{}, err
		}
		if err := os.MkdirAll(t.Dir, 0o755); err != nil {
			w.Close()
			return MapOutput{}, E("create task directory", Infra, t.Dir, err)
		}
		if err := mapPieces(ctx, job, t, hashingCollector{out: w, h: t.outHash}); err != nil {
			w.Close()
			return MapOutput{}, err
		}
		if err := w.Close(); err != nil {
			return MapOutput{}, err
		}
		t.Counters.Add(GroupTask, CounterMapOutputRecords, w.Records)
		t.Counters.Add(GroupOutputFormat, CounterBytesWritten, w.Bytes)
		if err := commitWriter(ctx, c, t, w); err != nil {
			return MapOutput{}, err
		}
		t.Progress.Set(1)
		return MapOutput{}, nil
	}
	if err := os.MkdirAll(t.Dir, 0o755); err != nil {
		return MapOutput{}, E("create task directory", Infra, t.Dir, err)
	}
	buf := newSortBuffer(ctx, job, t, t.Dir)
	if err := mapPieces(ctx, job, t, hashingCollector{out: buf, h: t.outHash}); err != nil {
		buf.abort()
		return MapOutput{}, err
	}
	out, err := buf.finish()
	if err != nil {
		return MapOutput{}, err
	}
	var total, written int64
	for _, s := range out.Segments {
		total += s.MaterializedBytes()
		written += s.Length
	}
	t.Counters.Add(GroupTask, CounterMapOutputMaterial, total)
	AddLocalBytesWritten(t.Counters, written)
	t.Progress.Set(1)
	return out, nil
}

// mapPiece runs the job's mapper over the records of piece (t.Split or a
// piece of it) into out.
func mapPiece(ctx context.Context, job *Job, t *TaskContext, piece Split, out Collector) error {
	inFS := CountingFS(job.InputFS, t.Counters)
	var rr RecordReader
	var read func() int64
	if job.Format == RawInput {
		r, err := OpenRawRecords(ctx, inFS, piece)
		if err != nil {
			return err
		}
		rr, read = r, func() int64 { return r.Read }
	} else if job.Format == SeqInput || job.Format == SeqTextInput || job.Format == AutoInput {
		seq := job.Format != AutoInput
		if !seq {
			var err error
			if seq, err = IsSequenceFile(ctx, inFS, piece.Path); err != nil {
				return err
			}
		}
		if seq {
			r, err := OpenSeqRecords(ctx, inFS, piece, job.Format == SeqTextInput)
			if err != nil {
				return err
			}
			t.InputClasses = r.Classes
			rr, read = r, func() int64 { return r.pos - r.start }
		} else {
			r, err := OpenLineRecords(ctx, inFS, piece, TextInput, job.Conf)
			if err != nil {
				return err
			}
			r.WantKey = true
			t.InputClasses = func() (WritableClass, WritableClass) { return ClassLong, ClassText }
			rr, read = r, func() int64 { return r.pos - piece.Start }
		}
	} else if job.Format == XMLInput {
		r, err := OpenXMLRecords(ctx, inFS, piece, job.Conf)
		if err != nil {
			return err
		}
		rr, read = r, func() int64 { return r.pos - piece.Start }
	} else {
		r, err := OpenLineRecords(ctx, inFS, piece, job.Format, job.Conf)
		if err != nil {
			return err
		}
		r.WantKey = job.WantKey
		rr, read = r, func() int64 { return r.pos - piece.Start }
	}
	in := &countingReader{RecordReader: rr}
	if t.Progress != nil && t.Split != nil {
		in.prog, in.read, in.length, in.reduces = t.Progress, read, t.Split.Length, job.NumReduces > 0
	}
	var src RecordReader = in
	if t.inHash != nil {
		src = hashingReader{RecordReader: in, h: t.inHash}
	}
	err := job.Mapper.Map(ctx, t, src, out)
	if in.prog != nil {
		in.update()
	}
	rr.Close()
	t.Counters.Add(GroupTask, CounterMapInputRecords, in.n)
	t.Counters.Add(GroupInputFormat, CounterBytesRead, read())
	return err
}

// Pieces cuts split s into pieces of about size bytes (the last up to 1.1
// sizes), for running one map task's mapper as several processes. Only
// uncompressed line input can be cut; a size <= 0 disables cutting.
func Pieces(s Split, format InputFormat, size int64) []Split {
	if size <= 0 || format == NLineInput || format == RawInput || format == XMLInput || format == SeqInput || format == SeqTextInput || format == AutoInput || CodecFor(s.Path) != NoCodec || float64(s.Length)/float64(size) <= 1.1 {
		return []Split{s}
	}
	var out []Split
	start, remaining := s.Start, s.Length
	for float64(remaining)/float64(size) > 1.1 {
		p := s
		p.Start, p.Length = start, size
		out = append(out, p)
		start += size
		remaining -= size
	}
	p := s
	p.Start, p.Length = start, remaining
	return append(out, p)
}

// mapPieces runs the mapper over t.Split, cut into pieces of job.PieceSize
// that run as concurrent processes. Their outputs are collected into out in
// piece order, exactly as if one mapper had read the whole split, so the
// sort sees the same record sequence as Hadoop's single map task does (for
// mappers that treat each line on its own). Piece 0 feeds out directly;
// later pieces are buffered in files under t.Dir until their turn.
func mapPieces(ctx context.Context, job *Job, t *TaskContext, out Collector) error {
	pieces := Pieces(*t.Split, job.Format, job.PieceSize)
	if len(pieces) == 1 {
		return mapPiece(ctx, job, t, pieces[0], out)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	n := len(pieces)
	errs := make([]error, n)
	files := make([]Segment, n)
	done := make([]chan struct{}, n)
	for i := range done {
		done[i] = make(chan struct{})
	}
	width := job.PieceParallelism
	if width <= 0 {
		width = runtime.NumCPU()
	}
	sem := make(chan struct{}, width)
	var failedFirst atomic.Pointer[error]
	hashes := make([]*recordHash, n)
	go func() {
		// Start pieces in order, at most width at a time.
		for i := 0; i < n; i++ {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				for ; i < n; i++ {
					errs[i] = ctx.Err()
					close(done[i])
				}
				return
			}
			go func(i int) {
				defer func() { <-sem; close(done[i]) }()
				pt := *t
				pt.Dir = filepath.Join(t.Dir, "piece"+itoa(i))
				hashes[i] = newRecordHash()
				pt.inHash = hashes[i]
				if i == 0 {
					errs[i] = mapPiece(ctx, job, &pt, pieces[i], out)
				} else {
					files[i], errs[i] = mapPieceToFile(ctx, job, &pt, pieces[i], filepath.Join(t.Dir, "piece"+itoa(i)+".out"))
				}
				if errs[i] != nil {
					failedFirst.CompareAndSwap(nil, &errs[i])
					cancel()
				}
			}(i)
		}
	}()
	var first error
	for i := 0; i < n; i++ {
		<-done[i]
		if first == nil && errs[i] != nil {
			first = errs[i]
			cancel()
			// A piece killed by the cancel of another piece's failure is not
			// the cause: report the failure that came first in time.
			if c := failedFirst.Load(); c != nil {
				first = *c
			}
		}
		if first == nil && i > 0 {
			first = replaySegment(files[i], out)
		}
		if files[i].Path != "" {
			os.Remove(files[i].Path)
		}
	}
	if first == nil {
		// The input digest of a pieced map: SHA-256 over each piece's range
		// and digest, in order (a replay uses the recorded piece size).
		h := sha256.New()
		for i, p := range pieces {
			fmt.Fprintf(h, "%d+%d:%s\n", p.Start, p.Length, hashes[i].sum())
			t.inHash.n += hashes[i].n
		}
		t.piecesInput = hex.EncodeToString(h.Sum(nil))
	}
	return first
}

// mapPieceToFile runs the mapper over piece, keeping what it emits in a file.
func mapPieceToFile(ctx context.Context, job *Job, t *TaskContext, piece Split, name string) (Segment, error) {
	f, err := os.Create(name)
	if err != nil {
		return Segment{}, E("create map piece file", Infra, name, err)
	}
	w := &segmentWriter{w: bufio.NewWriterSize(f, 256<<10)}
	err = mapPiece(ctx, job, t, piece, CollectorFunc(w.write))
	if err == nil {
		err = w.w.Flush()
	}
	if cerr := f.Close(); err == nil && cerr != nil {
		err = E("write map piece file", Infra, name, cerr)
	}
	return Segment{Path: name, Length: w.off, Records: w.records}, err
}

// replaySegment feeds the records of s to out, in stored order.
func replaySegment(s Segment, out Collector) error {
	if s.Length == 0 {
		return nil
	}
	r, err := openSegment(s, 0)
	if err != nil {
		return err
	}
	defer r.close()
	for r.next() {
		if err := out.Collect(r.key, r.value); err != nil {
			return err
		}
	}
	return r.err
}

// segmentsInMemory is the size up to which a map output segment is read
// whole into memory for the reduce-side merge.
const segmentsInMemory = 256 << 10

// RunReduce runs one reduce attempt over segs (the attempt's partition of
// every map output, in map order) and writes its part file through the
// committer.
func RunReduce(ctx context.Context, job *Job, t *TaskContext, c *Committer, segs []Segment) error {
	return runReduce(ctx, job, t, c, segs, job.Reducer)
}

// runReduce is RunReduce with the reducer to run (job.Reducer, or what its
// PrepareReduce returned for t).
func runReduce(ctx context.Context, job *Job, t *TaskContext, c *Committer, segs []Segment, reducer Reducer) error {
	var readers []*segmentReader
	var shuffled int64
	var nonEmpty []Segment
	var records int64
	t.Progress.Set(ReduceProgress(ReduceSortPhase, 0, 1))
	for _, s := range segs {
		records += s.Records
		shuffled += s.MaterializedBytes()
		if s.Length > 0 {
			nonEmpty = append(nonEmpty, s)
		}
	}
	orderForMerge(nonEmpty)
	chunk := reduceChunk(len(nonEmpty))
	for _, s := range nonEmpty {
		r, err := openSegmentChunk(s, segmentsInMemory, chunk)
		if err != nil {
			for _, r := range readers {
				r.close()
			}
			return err
		}
		readers = append(readers, r)
	}
	t.Counters.Add(GroupTask, CounterReduceShuffleBytes, shuffled)
	// Hadoop's reduce keeps fetched map outputs in memory and, with
	// mapreduce.reduce.input.buffer.percent 0 (its default), merges them
	// to disk before reducing, counting their records as spilled again
	// (MergeManagerImpl.finalMerge). zebra counts that as Hadoop does for
	// map outputs that fit its shuffle memory; Hadoop's count for larger
	// ones, merged on disk in passes, depends on its heap.
	t.Counters.Add(GroupTask, CounterSpilledRecords, records)
	t.Counters.Add(GroupTask, CounterShuffledMaps, int64(len(segs)))
	t.Counters.Add(GroupTask, CounterMergedMapOutputs, int64(len(segs)))
	m := newMerger(readers, job.Compare, job.Group)
	defer m.close()
	w, err := newTaskWriter(ctx, job, c, t)
	if err != nil {
		return err
	}
	inHash, outHash := newReduceHashes()
	in := &reduceInput{m: m, h: inHash, prog: t.Progress, total: records}
	t.SortFinished = time.Now()
	t.Progress.Set(ReduceProgress(ReduceReducePhase, 0, records))
	err = reducer.Reduce(ctx, t, in, hashingCollector{out: w, h: outHash})
	t.Digests = Digests{Input: inHash.sum(), Output: outHash.sum(), InputRecords: inHash.n, OutputRecords: outHash.n}
	t.Counters.Add(GroupTask, CounterReduceInputRecords, in.records)
	t.Counters.Add(GroupTask, CounterReduceInputGroups, in.groups)
	if err != nil {
		w.Close()
		return err
	}
	if err := m.Err(); err != nil {
		w.Close()
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	t.Counters.Add(GroupTask, CounterReduceOutputRecords, w.Records)
	t.Counters.Add(GroupOutputFormat, CounterBytesWritten, w.Bytes)
	if err := commitWriter(ctx, c, t, w); err != nil {
		return err
	}
	t.Progress.Set(1)
	return nil
}

// commitWriter commits the attempt's one part file (none if a lazy writer
// never created it) and records it in t.Committed.
func commitWriter(ctx context.Context, c *Committer, t *TaskContext, w *TextWriter) error {
	var files []string
	if w.Created() {
		files = []string{strings.TrimPrefix(w.name, c.AttemptDir(t.Attempt)+"/")}
	}
	files = append(files, t.extra...)
	if err := c.CommitTaskFiles(ctx, t.Attempt, files); err != nil {
		return err
	}
	t.Committed = files
	return nil
}

// newTaskWriter opens the output file of task t (see
// OutputSpec.OutputName); a task with no output name gets a lazy writer
// that is never written to.
func newTaskWriter(ctx context.Context, job *Job, c *Committer, t *TaskContext) (*TextWriter, error) {
	spec := job.OutSpec
	setCreateOutput(ctx, job, c, t)
	name := spec.OutputName(t.Partition)
	if name == "" {
		spec.Lazy = true
		name = PartName(t.Partition)
	}
	return NewTextWriter(ctx, CountingFS(c.FS, t.Counters), path.Join(c.AttemptDir(t.Attempt), name), spec)
}

// setCreateOutput sets t.CreateOutput when the job names extra files for
// task t (OutputSpec.Extra).
func setCreateOutput(ctx context.Context, job *Job, c *Committer, t *TaskContext) {
	t.extra, t.CreateOutput = nil, nil
	if t.Partition >= len(job.OutSpec.Extra) || len(job.OutSpec.Extra[t.Partition]) == 0 {
		return
	}
	allowed := job.OutSpec.Extra[t.Partition]
	fsys := CountingFS(c.FS, t.Counters)
	t.CreateOutput = func(name string, attrs Attrs) (io.WriteCloser, error) {
		if !slices.Contains(allowed, name) || slices.Contains(t.extra, name) {
			return nil, E("create output file", Internal, name, fmt.Errorf("task %d: not one of its extra outputs %q, or created twice", t.Partition, allowed))
		}
		full := path.Join(c.AttemptDir(t.Attempt), name)
		var wc io.WriteCloser
		var err error
		if ac, ok := fsys.(AttrCreator); ok && !attrs.IsZero() {
			wc, err = ac.CreateAttrs(ctx, full, attrs)
		} else {
			wc, err = fsys.Create(ctx, full)
		}
		if err != nil {
			return nil, E("create output file", Other, full, err)
		}
		t.extra = append(t.extra, name)
		return wc, nil
	}
}

// Drain reads the rest of an iterator, for reducers that stop early.
func Drain(it KVIterator) error {
	for it.Next() {
	}
	return it.Err()
}

var _ io.Closer = (*TextWriter)(nil)
