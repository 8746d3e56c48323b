package mapreduce

import (
	"context"
	"io"
	"os"
	"path"
)

// countingReader counts the records a mapper takes from its reader.
type countingReader struct {
	RecordReader
	n int64
}

func (c *countingReader) Next() (k, v []byte, err error) {
	k, v, err = c.RecordReader.Next()
	if err == nil {
		c.n++
	}
	return k, v, err
}

// RunMap runs one map attempt over t.Split. For a map-only job it writes the
// attempt's part file through the committer and returns a zero MapOutput;
// otherwise it returns the attempt's sorted, partitioned output file, kept
// under t.Dir until the caller removes it.
func RunMap(ctx context.Context, job *Job, t *TaskContext, c *Committer) (MapOutput, error) {
	rr, err := OpenLineRecords(ctx, job.InputFS, *t.Split, job.Format, job.Conf)
	if err != nil {
		return MapOutput{}, err
	}
	rr.WantKey = job.WantKey
	in := &countingReader{RecordReader: rr}
	defer func() {
		rr.Close()
		t.Counters.Add(GroupTask, CounterMapInputRecords, in.n)
		t.Counters.Add(GroupInputFormat, CounterBytesRead, rr.pos-t.Split.Start)
	}()
	if job.NumReduces == 0 {
		w, err := NewTextWriter(ctx, c.FS, path.Join(c.AttemptDir(t.Attempt), PartName(t.Partition)), job.OutSpec)
		if err != nil {
			return MapOutput{}, err
		}
		if err := job.Mapper.Map(ctx, t, in, w); err != nil {
			w.Close()
			return MapOutput{}, err
		}
		if err := w.Close(); err != nil {
			return MapOutput{}, err
		}
		t.Counters.Add(GroupTask, CounterMapOutputRecords, w.Records)
		t.Counters.Add(GroupOutputFormat, CounterBytesWritten, w.Bytes)
		return MapOutput{}, c.CommitTask(ctx, t.Attempt)
	}
	if err := os.MkdirAll(t.Dir, 0o755); err != nil {
		return MapOutput{}, E("create task directory", Infra, t.Dir, err)
	}
	buf := newSortBuffer(ctx, job, t, t.Dir)
	if err := job.Mapper.Map(ctx, t, in, buf); err != nil {
		return MapOutput{}, err
	}
	out, err := buf.finish()
	if err != nil {
		return MapOutput{}, err
	}
	var total int64
	for _, s := range out.Segments {
		total += s.Length
	}
	t.Counters.Add(GroupTask, CounterMapOutputMaterial, total)
	return out, nil
}

// segmentsInMemory is the size up to which a map output segment is read
// whole into memory for the reduce-side merge.
const segmentsInMemory = 256 << 10

// RunReduce runs one reduce attempt over segs (the attempt's partition of
// every map output, in map order) and writes its part file through the
// committer.
func RunReduce(ctx context.Context, job *Job, t *TaskContext, c *Committer, segs []Segment) error {
	var readers []*segmentReader
	var shuffled int64
	var nonEmpty []Segment
	for _, s := range segs {
		shuffled += s.Length
		if s.Length > 0 {
			nonEmpty = append(nonEmpty, s)
		}
	}
	orderForMerge(nonEmpty)
	for _, s := range nonEmpty {
		r, err := openSegment(s, segmentsInMemory)
		if err != nil {
			for _, r := range readers {
				r.close()
			}
			return err
		}
		readers = append(readers, r)
	}
	t.Counters.Add(GroupTask, CounterReduceShuffleBytes, shuffled)
	t.Counters.Add(GroupTask, CounterShuffledMaps, int64(len(segs)))
	t.Counters.Add(GroupTask, CounterMergedMapOutputs, int64(len(segs)))
	m := newMerger(readers, job.Compare, job.Group)
	defer m.close()
	w, err := NewTextWriter(ctx, c.FS, path.Join(c.AttemptDir(t.Attempt), PartName(t.Partition)), job.OutSpec)
	if err != nil {
		return err
	}
	in := &groupCounter{KVIterator: m}
	err = job.Reducer.Reduce(ctx, t, in, w)
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
	return c.CommitTask(ctx, t.Attempt)
}

// groupCounter counts records and groups as a reducer consumes them.
type groupCounter struct {
	KVIterator
	records, groups int64
}

func (g *groupCounter) Next() bool {
	if !g.KVIterator.Next() {
		return false
	}
	g.records++
	if g.KVIterator.NewGroup() {
		g.groups++
	}
	return true
}

// Drain reads the rest of an iterator, for reducers that stop early.
func Drain(it KVIterator) error {
	for it.Next() {
	}
	return it.Err()
}

var _ io.Closer = (*TextWriter)(nil)
