package mapreduce

import (
	"context"
	"io"
	"log/slog"
	"time"
)

// Collector receives the records a map, combine or reduce function emits.
// Collect copies key and value before returning, so callers may reuse them.
type Collector interface {
	Collect(key, value []byte) error
}

// CollectorFunc adapts a function to Collector.
type CollectorFunc func(key, value []byte) error

// Collect calls f.
func (f CollectorFunc) Collect(key, value []byte) error { return f(key, value) }

// KVIterator walks sorted records. Next advances and reports whether there
// is a record; after it returns false, Err tells whether the walk ended
// cleanly. Key and Value are valid until the next call to Next. NewGroup
// reports whether the current record starts a new group of equal keys under
// the job's grouping comparator; Key returns the first key of the current
// group (Hadoop hands every value of a group that key).
type KVIterator interface {
	Next() bool
	Key() []byte
	Value() []byte
	NewGroup() bool
	Err() error
}

// Mapper is the map logic of a job. Map reads every record of in and emits
// through out; it returns when in is exhausted (or earlier, with an error).
// Errors of the user's code are of kind UserCode.
type Mapper interface {
	Map(ctx context.Context, t *TaskContext, in RecordReader, out Collector) error
}

// Reducer is the reduce (or combine) logic of a job: it gets one partition's
// records in sorted order and emits through out.
type Reducer interface {
	Reduce(ctx context.Context, t *TaskContext, in KVIterator, out Collector) error
}

// ReducePreparer is a Reducer that can get ready for a reduce attempt
// before the attempt's input is ready (a streaming reducer starts its
// program, so that its start-up overlaps the maps). An executor may call
// PrepareReduce with the TaskContext the attempt will run with; it then
// runs the attempt with the returned Reducer (at most once, with that
// TaskContext) and calls release once that Reduce has returned, or instead
// of running it. Whether an attempt was prepared changes nothing the
// reducer consumes or produces. An error leaves nothing to release; the
// executor then runs the attempt with the Reducer itself.
type ReducePreparer interface {
	PrepareReduce(ctx context.Context, t *TaskContext) (r Reducer, release func(), err error)
}

// TaskContext is what one attempt of a task knows about itself. The executor
// creates it; the Mapper or Reducer must not keep it after returning.
type TaskContext struct {
	Attempt AttemptID
	// Split is the input of a map attempt, nil for reduce and combine.
	Split *Split
	// Partition is the task's index (map index or reduce partition).
	Partition int
	// Combine is true when the Reducer runs as a combiner.
	Combine bool
	Conf    *Conf
	// Dir is the attempt's private working directory on local disk.
	Dir string
	// Counters collects the attempt's counters, user counters included.
	Counters *Counters
	// Stderr receives the diagnostic output of the user's code; it is kept in
	// the attempt's log.
	Stderr io.Writer
	// SetStatus records the attempt's status line (reporter:status:).
	SetStatus func(string)
	Logger    *slog.Logger
	// Progress, if set, is where RunMap and RunReduce keep the attempt's
	// progress as it runs (a map's split bytes read, a reduce's phases;
	// see MapProgress and ReduceProgress); nil: not tracked.
	Progress *Progress
	// Digests is filled in by RunMap and RunReduce: what the user's code
	// read and emitted.
	Digests Digests
	// CreateOutput, set by RunMap (of a map-only job) and RunReduce,
	// creates name, one of the task's OutputSpec.Extra files, in the
	// attempt's directory, with attrs where the output FS keeps them; it
	// is committed with the task's output file once the closed writer's
	// task succeeds. Any other name, or one created before, is an error.
	CreateOutput func(name string, attrs Attrs) (io.WriteCloser, error)
	// extra are the files CreateOutput created.
	extra []string
	// Committed is filled in by a RunMap (map-only) or RunReduce that
	// committed: the names of the files it published to its task's
	// committed directory (see Committer.CommitJobFiles).
	Committed []string
	// SortFinished is set by RunReduce when the merge of its inputs is set
	// up and the reducer starts (Hadoop's end of the sort phase: the final
	// merge then streams into the reducer).
	SortFinished time.Time
	// Usage, if set, sums what the attempt's programs used (see
	// UsageMeter); nil: not measured.
	Usage *UsageMeter

	// InputClasses, set for a map attempt whose reader knows the classes
	// of its records (SequenceFile input), returns them; nil means the
	// job's static classes.
	InputClasses func() (key, value WritableClass)

	inHash, outHash *recordHash // a map attempt's digests in the making
	piecesInput     string      // input digest of a map run in pieces
}

// Command is one program to run for a task.
type Command struct {
	// Args is the argv; Args[0] is an absolute path or a name to look up.
	Args []string
	// Argv0, if set, is the argv[0] a native (ELF) program gets instead of
	// Args[0], which still names the program to run (ZeroCloud gave an
	// instance its name there). A #! script's interpreter is run with its
	// usual argv: the kernel drops a script's argv[0]. Runners of
	// WebAssembly ignore it.
	Argv0 string
	// Dir is the working directory; Env the complete environment.
	Dir string
	Env []string
	// Stdin, Stdout and Stderr connect the program. Passing *os.File values
	// avoids a copying goroutine.
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Mounts are host files or directories the program sees at other
	// paths (ZeroCloud's channels: /dev/input, /dev/in/<src>, ...). A
	// runner that cannot show them (plain processes, WebAssembly) refuses
	// the command rather than run it without them.
	Mounts []Mount
	// ReadOnly are host files and directories of the job's plan that the
	// program reads at their own paths: the shipped files and unpacked
	// archives its working directory links to. A sandbox shows these (and
	// nothing the working directory's contents name); a runner that shows
	// the program the whole host ignores the list.
	ReadOnly []string
}

// Mount shows the host file or directory Host at the absolute path Guest
// inside a sandbox: read-only unless Writable.
type Mount struct {
	Host, Guest string
	Writable    bool
}

// Process is a started program.
//
// The caller that got a Process from Runner.Start must call Wait exactly
// once, from one goroutine, whatever happens (also after cancelling the
// context Start was given): Wait is what releases the program's resources
// (its process group, sandbox instance, copying goroutines, duplicated
// descriptors). Wait may block until the program's stdin is at EOF when
// Command.Stdin is not an *os.File, so a caller feeding a pipe closes its
// write end (or cancels the context) before it calls Wait.
type Process interface {
	// Wait waits for the program to exit and for the runner's copies of
	// its streams to finish. nil means exit status 0; a non-zero exit or
	// death by a signal is an *ExitError (Reason set when the runner
	// killed it: a limit, a timeout, a cancelled context); any other error
	// is the runner's own failure (an infrastructure error).
	Wait() error
}

// ExitError reports a program's non-zero exit or death by a signal.
type ExitError struct {
	Code   int    // exit code, or 128+signal
	Signal string // signal name, if it died of one
	Reason string // why the runner killed it (limit, timeout), if it did
}

func (e *ExitError) Error() string {
	s := "exit status " + itoa(e.Code)
	if e.Signal != "" {
		s = "killed by signal " + e.Signal
	}
	if e.Reason != "" {
		s += " (" + e.Reason + ")"
	}
	return s
}

// Runner starts task programs: plain processes (sandbox.Plain), sandboxed
// instances (sandbox/native, sandbox/wasm) or remote ones. The engine
// (mapreduce, streaming's pipes, the worker) is its only caller; the
// contract, in the manner of database/sql/driver:
//
//   - Concurrency: implementations are safe for concurrent use; one Runner
//     starts any number of programs at once.
//   - Start either returns an error, in which case nothing was started and
//     nothing needs releasing, or a Process on which the caller must call
//     Wait (see Process). Start's error says why the program did not
//     start (an empty command, a mount the runner cannot show, a program
//     that is missing or outside the allowlist); whose fault that is, the
//     caller decides (streaming fails the task with Hadoop's message, as
//     Hadoop fails a task whose program cannot be run).
//   - Streams: the runner never closes cmd.Stdin, cmd.Stdout or
//     cmd.Stderr; they stay the caller's. An *os.File is handed to the
//     program as a descriptor (duplicated where needed), so the caller may
//     close its own copy as soon as Start returns (it must close the ends
//     it keeps of a pipe to see EOF). Any other Reader or Writer is copied
//     by the runner's own goroutines, which end before Wait returns; a nil
//     stream is empty input or discarded output.
//   - Cancellation: cancelling ctx kills the program (its whole process
//     tree or instance); Wait then returns a non-nil error (Plain's is an
//     *ExitError whose Reason says so). ctx is used only for the program's
//     lifetime and is not kept after Wait returns.
type Runner interface {
	Start(ctx context.Context, cmd Command) (Process, error)
}

// KeyCompare orders map-output keys; it returns <0, 0, >0.
type KeyCompare func(a, b []byte) int

// Partitioner assigns a map-output key to one of n partitions.
type Partitioner func(key []byte, n int) int

// OutputSpec says how a job writes its output files.
type OutputSpec struct {
	// Separator goes between key and value (TextOutputFormat).
	Separator []byte
	// Lazy creates a part file only on its first record (LazyOutputFormat).
	Lazy bool
	// Codec, if set, compresses part files and adds its extension to their
	// names (part-NNNNN.gz); nil writes plain text.
	Codec OutputCodec
	// NullKey and NullValue drop key or value and its separator, as a
	// NullWritable does.
	NullKey, NullValue bool
	// KeyClass and ValueClass are the Java classes of the records the
	// output receives (see WritableClass); TextOutputFormat prints them with
	// their toString, a SequenceFile serializes them.
	KeyClass, ValueClass WritableClass
	// SequenceFile writes SequenceFileOutputFormat files (uncompressed)
	// declaring SeqKeyClass and SeqValueClass, instead of text lines. As
	// Hadoop's SequenceFile.Writer, it fails on the first record if those
	// differ from KeyClass and ValueClass.
	SequenceFile               bool
	SeqKeyClass, SeqValueClass WritableClass
	// MarkSuccess writes _SUCCESS on commit.
	MarkSuccess bool
	// Raw writes each record's value as it is: no key, separator or
	// newline (a ZeroCloud instance's output object).
	Raw bool
	// Names, if set, names the output file of task i (map i of a map-only
	// job, else reduce i) relative to the output directory, instead of
	// PartName(i); "" writes nothing for that task.
	Names []string
	// Extra, if set, names further files task i may write (Extra[i],
	// relative to the output directory) through TaskContext.CreateOutput;
	// they are committed with its output file (a ZeroCloud instance
	// storing stdout and stderr both).
	Extra [][]string
	// Shared marks an output directory that may exist and hold other
	// files (a Swift container): see Committer.Shared.
	Shared bool
	// Attrs are stored with every output file where the output FS is an
	// AttrCreator (and ignored elsewhere).
	Attrs Attrs
}

// OutputCodec is an output compression codec (streaming's are in
// zebra/mapreduce/compress, which keeps cgo out of the engine).
type OutputCodec interface {
	// Extension is the suffix of compressed file names (".gz").
	Extension() string
	// NewWriter compresses into w; closing it finishes the stream without
	// closing w.
	NewWriter(w io.Writer) (io.WriteCloser, error)
}

// OutputName is the file task i writes relative to the output directory
// ("" for none).
func (s *OutputSpec) OutputName(i int) string {
	if s.Names != nil {
		if i < len(s.Names) {
			return s.Names[i]
		}
		return ""
	}
	return PartName(i)
}

// Job is one complete, validated map-reduce job, ready for an executor.
type Job struct {
	ID   JobID
	Name string
	Conf *Conf
	// Splits are the map inputs, in task order (map task i reads Splits[i]).
	Splits []Split
	// InputFS holds the splits; Format says how to read them; WantKey makes
	// TextInput records carry their offset as key.
	InputFS FS
	Format  InputFormat
	WantKey bool
	// OutputFS and Output name the output directory, which must not exist.
	OutputFS FS
	Output   string
	OutSpec  OutputSpec
	// NumReduces is the number of partitions; 0 makes a map-only job.
	NumReduces int
	Mapper     Mapper
	// Combiner is optional; Reducer is required when NumReduces > 0.
	Combiner Reducer
	Reducer  Reducer
	// Partition, Compare and Group default to HashPartition, bytes.Compare
	// and Compare.
	Partition Partitioner
	Compare   KeyCompare
	Group     KeyCompare
	// SortMB bounds the map-side sort buffer (mapreduce.task.io.sort.mb).
	SortMB       int
	SpillPercent float64
	SortFactor   int
	// MinSpillsForCombine is the number of spills from which the combiner
	// also runs on the map-side merge.
	MinSpillsForCombine int
	// PieceSize, if > 0, makes each map task run its mapper as several
	// concurrent processes over pieces of about this many bytes of its
	// split, their output collected back in piece order (see Pieces).
	// PieceParallelism bounds the pieces running at once (0: one per core).
	PieceSize        int64
	PieceParallelism int
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	neg := n < 0
	if neg {
		n = -n
	}
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}
