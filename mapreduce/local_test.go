package mapreduce

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// wordMapper emits (word, "1") for every space-separated word.
type wordMapper struct{}

func (wordMapper) Map(_ context.Context, _ *TaskContext, in RecordReader, out Collector) error {
	for {
		_, v, err := in.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		for _, w := range bytes.Fields(v) {
			if err := out.Collect(w, []byte("1")); err != nil {
				return err
			}
		}
	}
}

// sumReducer sums the integer values of each group.
type sumReducer struct{}

func (sumReducer) Reduce(_ context.Context, _ *TaskContext, in KVIterator, out Collector) error {
	var key []byte
	total := 0
	started := false
	flush := func() error {
		if !started {
			return nil
		}
		return out.Collect(key, []byte(strconv.Itoa(total)))
	}
	for in.Next() {
		if in.NewGroup() {
			if err := flush(); err != nil {
				return err
			}
			key, total, started = append(key[:0], in.Key()...), 0, true
		}
		n, err := strconv.Atoi(string(in.Value()))
		if err != nil {
			return err
		}
		total += n
	}
	if err := in.Err(); err != nil {
		return err
	}
	return flush()
}

func TestLocalExecutorWordCount(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 9))
	dir := t.TempDir()
	want := map[string]int{}
	var files []FileInfo
	for f := 0; f < 3; f++ {
		var b strings.Builder
		for b.Len() < 1<<20 {
			w := fmt.Sprintf("w%d", int(rng.ExpFloat64()*300))
			want[w]++
			b.WriteString(w)
			if rng.IntN(8) == 0 {
				b.WriteString("\n")
			} else {
				b.WriteString(" ")
			}
		}
		p := filepath.Join(dir, fmt.Sprintf("in%d.txt", f))
		os.WriteFile(p, []byte(b.String()), 0o644)
		files = append(files, FileInfo{Path: p, Size: int64(b.Len())})
	}
	for _, combine := range []bool{false, true} {
		t.Run(fmt.Sprintf("combine=%v", combine), func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			job := &Job{
				ID: JobID{Tracker: "test", Seq: 1}, Conf: NewConf(), InputFS: dirFS{}, OutputFS: dirFS{}, Output: out,
				// 1 MiB sort buffer and 256 KiB splits: many maps, each spilling
				// several times, so spill merge and combine-on-merge both run.
				Splits: FileSplits(dirFS{}, files, 1, 1, 256<<10), NumReduces: 3,
				Mapper: wordMapper{}, Reducer: sumReducer{}, SortMB: 1,
				OutSpec: OutputSpec{Separator: []byte("\t"), MarkSuccess: true},
			}
			if combine {
				job.Combiner = sumReducer{}
			}
			ex := &LocalExecutor{WorkDir: t.TempDir(), LogDir: t.TempDir(), MapSlots: 2, ReduceSlots: 2}
			counters, err := ex.Run(context.Background(), job)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]int{}
			for p := 0; p < 3; p++ {
				data, err := os.ReadFile(filepath.Join(out, PartName(p)))
				if err != nil {
					t.Fatal(err)
				}
				var keys []string
				for _, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
					k, v, _ := strings.Cut(line, "\t")
					if HashPartition([]byte(k), 3) != p {
						t.Errorf("key %q in part %d, HashPartition says %d", k, p, HashPartition([]byte(k), 3))
					}
					n, _ := strconv.Atoi(v)
					got[k] += n
					keys = append(keys, k)
				}
				if !sort.StringsAreSorted(keys) {
					t.Errorf("part %d keys not sorted", p)
				}
			}
			if len(got) != len(want) {
				t.Fatalf("got %d distinct words, want %d", len(got), len(want))
			}
			for w, n := range want {
				if got[w] != n {
					t.Fatalf("count of %s: got %d, want %d", w, got[w], n)
				}
			}
			if _, err := os.Stat(filepath.Join(out, "_SUCCESS")); err != nil {
				t.Fatal("no _SUCCESS")
			}
			if _, err := os.Stat(filepath.Join(out, "_temporary")); err == nil {
				t.Fatal("_temporary left behind")
			}
			spilled := counters.Get(GroupTask, CounterSpilledRecords)
			outRecs := counters.Get(GroupTask, CounterMapOutputRecords)
			if combine && counters.Get(GroupTask, CounterCombineInputRecords) == 0 {
				t.Error("combiner never ran")
			}
			if !combine && spilled <= outRecs {
				t.Errorf("spilled %d records for %d outputs: expected several spills per map", spilled, outRecs)
			}
		})
	}
}

// failMapper fails after emitting a few records.
type failMapper struct{}

func (failMapper) Map(_ context.Context, t *TaskContext, in RecordReader, out Collector) error {
	fmt.Fprintln(t.Stderr, "Traceback: boom")
	return E("map", UserCode, "", errors.New("subprocess failed with code 1"))
}

func TestLocalExecutorFailureLeavesNoOutput(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	os.WriteFile(in, []byte("a\nb\n"), 0o644)
	out := filepath.Join(dir, "out")
	job := &Job{ID: JobID{Tracker: "test", Seq: 2}, Conf: NewConf(), InputFS: dirFS{}, OutputFS: dirFS{}, Output: out,
		Splits: []Split{{Path: in, Length: 4}}, NumReduces: 0, Mapper: failMapper{},
		OutSpec: OutputSpec{Separator: []byte("\t"), MarkSuccess: true}}
	ex := &LocalExecutor{WorkDir: t.TempDir(), LogDir: t.TempDir()}
	_, err := ex.Run(context.Background(), job)
	var jf *JobFailedError
	if !errors.As(err, &jf) {
		t.Fatalf("got %v, want a *JobFailedError", err)
	}
	if !strings.Contains(string(jf.Failure.StderrTail), "Traceback: boom") {
		t.Errorf("stderr tail %q lacks the task's stderr", jf.Failure.StderrTail)
	}
	entries, _ := os.ReadDir(out)
	if len(entries) != 0 {
		t.Errorf("failed job left %d entries in its output dir", len(entries))
	}
	// A second run must refuse the existing output directory.
	if _, err := ex.Run(context.Background(), job); !IsKind(err, Exist) {
		t.Fatalf("rerun: got %v, want an Exist error", err)
	}
}

// keyedMapper emits (first word, line): many equal keys whose value order
// is visible in the output.
type keyedMapper struct{}

func (keyedMapper) Map(_ context.Context, _ *TaskContext, in RecordReader, out Collector) error {
	for {
		_, v, err := in.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		k, _, _ := bytes.Cut(v, []byte(" "))
		if err := out.Collect(k, v); err != nil {
			return err
		}
	}
}

// passReducer writes every record as it comes: the order of values within
// a key shows in its output.
type passReducer struct{}

func (passReducer) Reduce(_ context.Context, _ *TaskContext, in KVIterator, out Collector) error {
	for in.Next() {
		if err := out.Collect(in.Key(), in.Value()); err != nil {
			return err
		}
	}
	return in.Err()
}

// TestPiecesGiveTheSameOutput runs one large split as one mapper and as
// several concurrent pieces: the output, value order included, must be the
// same bytes.
func TestPiecesGiveTheSameOutput(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	dir := t.TempDir()
	var b strings.Builder
	for b.Len() < 3<<20 {
		fmt.Fprintf(&b, "k%d v%d\n", rng.IntN(40), b.Len())
	}
	in := filepath.Join(dir, "in.txt")
	os.WriteFile(in, []byte(b.String()), 0o644)
	splits := FileSplits(dirFS{}, []FileInfo{{Path: in, Size: int64(b.Len())}}, 1, 1, DefaultBlockSize)
	run := func(pieceSize int64) [][]byte {
		out := filepath.Join(t.TempDir(), "out")
		job := &Job{ID: JobID{Tracker: "test", Seq: 3}, Conf: NewConf(), InputFS: dirFS{}, OutputFS: dirFS{}, Output: out,
			Splits: splits, NumReduces: 2, Mapper: keyedMapper{}, Reducer: passReducer{},
			OutSpec: OutputSpec{Separator: []byte("\t")}, PieceSize: pieceSize, PieceParallelism: 3}
		ex := &LocalExecutor{WorkDir: t.TempDir(), LogDir: t.TempDir()}
		counters, err := ex.Run(context.Background(), job)
		if err != nil {
			t.Fatal(err)
		}
		if got := counters.Get(GroupTask, CounterMapInputRecords); got != int64(strings.Count(b.String(), "\n")) {
			t.Fatalf("piece size %d: %d map input records, want %d", pieceSize, got, strings.Count(b.String(), "\n"))
		}
		var parts [][]byte
		for p := 0; p < 2; p++ {
			data, err := os.ReadFile(filepath.Join(out, PartName(p)))
			if err != nil {
				t.Fatal(err)
			}
			parts = append(parts, data)
		}
		return parts
	}
	if len(Pieces(splits[0], TextInput, 256<<10)) < 10 {
		t.Fatal("the split should cut into many pieces")
	}
	want := run(0)
	for _, size := range []int64{256 << 10, 1 << 20} {
		got := run(size)
		for p := range want {
			if !bytes.Equal(got[p], want[p]) {
				t.Errorf("piece size %d: part %d differs from the single-mapper run", size, p)
			}
		}
	}
}
