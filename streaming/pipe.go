package streaming

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"zebra/mapreduce"
	"zebra/sandbox"
)

// pipeProgram is one streaming command (mapper, combiner or reducer) and the
// protocol settings it is spoken to with.
type pipeProgram struct {
	role    string // "map", "combine" or "reduce"
	command string // as typed, for messages
	argv    []string
	job     *jobEnv
	// inSep separates key and value on the program's stdin; ignoreKey (map
	// only) writes the value alone.
	inSep     []byte
	ignoreKey bool
	// outSep and numKeys split each stdout line into key and value.
	outSep  []byte
	numKeys int
	// minWrittenToSkip (map only) is stream.minRecWrittenToEnableSkip_:
	// when writing the program's stdin fails and it has already output at
	// least this many records, the rest of the split is read and dropped
	// and the program's exit status decides the task, as in Hadoop's
	// PipeMapper. Negative (the default, Hadoop's Long.MAX_VALUE) never
	// skips.
	minWrittenToSkip int64
	// inWire and outWire are the protocols of stdin and stdout; inKey and
	// inValue are the classes of the records written to stdin.
	inWire, outWire wire
	inKey, inValue  mapreduce.WritableClass
}

// startError is a program that could not be started; it prints as Java's
// "Cannot run program" message, with errno as Java shows it.
type startError struct {
	argv0 string
	err   error
}

func (e *startError) Error() string {
	var errno syscall.Errno
	switch {
	case errors.As(e.err, &errno):
		return fmt.Sprintf("Cannot run program %q: error=%d, %s", e.argv0, int(errno), javaErrnoText(errno))
	case errors.Is(e.err, os.ErrNotExist) || strings.Contains(e.err.Error(), "not found"):
		return fmt.Sprintf("Cannot run program %q: error=2, No such file or directory", e.argv0)
	case errors.Is(e.err, os.ErrPermission) || strings.Contains(e.err.Error(), "permission denied"):
		return fmt.Sprintf("Cannot run program %q: error=13, Permission denied", e.argv0)
	}
	return fmt.Sprintf("Cannot run program %q: %v", e.argv0, e.err)
}

func (e *startError) Unwrap() error { return e.err }

// javaErrnoText is strerror's text with a capital first letter, as Java
// prints it.
func javaErrnoText(e syscall.Errno) string {
	s := e.Error()
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// started is a running program with its stdout parser and stderr reporter.
type started struct {
	proc   mapreduce.Process
	stdin  *os.File
	w      *bufio.Writer
	outErr chan error
	errWG  sync.WaitGroup
	errErr error // readStderr's, once errWG is done
	prog   *pipeProgram
	task   *mapreduce.TaskContext
	// written counts the records collected from the program's stdout so far.
	written atomic.Int64
	buf     []byte
	// inKey and inValue are the classes of the records written to stdin.
	inKey, inValue mapreduce.WritableClass
	// outR and errR are the program's stdout and stderr between launch
	// and attach.
	outR, errR *os.File
	// exited is closed once the program has exited; waitErr is then what
	// its Process's Wait returned (called once, by launch's goroutine).
	exited  chan struct{}
	waitErr error
}

// wait waits for the program to exit and returns its Process's Wait.
func (s *started) wait() error {
	<-s.exited
	return s.waitErr
}

// killedWaiting says whether the runner killed the program (a limit such
// as its wall time) before anything was attached to it.
func (s *started) killedWaiting() bool {
	select {
	case <-s.exited:
	default:
		return false
	}
	var exit *mapreduce.ExitError
	return errors.As(s.waitErr, &exit) && exit.Reason != ""
}

// start launches the program for task t, sending what it prints on stdout
// to out. A nil out is a reducer of an empty partition: as in Hadoop
// (PipeMapRed.waitOutputThreads with a null reporter), its output and its
// reporter: lines (counters, status) are read and dropped.
func (p *pipeProgram) start(ctx context.Context, t *mapreduce.TaskContext, out mapreduce.Collector) (*started, error) {
	s, err := p.launch(ctx, t)
	if err != nil {
		return nil, err
	}
	s.attach(t, out)
	return s, nil
}

// launch starts the program for task t with its stdin, stdout and stderr
// on pipes; nothing reads its stdout and stderr until attach. A program
// launched ahead of its input (see pipeReducer.PrepareReduce) waits on its
// stdin meanwhile, or on a full stdout or stderr pipe if it writes much
// before it reads.
func (p *pipeProgram) launch(ctx context.Context, t *mapreduce.TaskContext) (*started, error) {
	dir, err := p.job.prepareDir(t)
	if err != nil {
		return nil, err
	}
	env := p.job.taskEnv(t, sandbox.IsWasm(p.argv[0]))
	argv := append([]string(nil), p.argv...)
	argv[0] = resolveProgram(argv[0], []string{dir, p.job.clientDir}, lookupEnv(env, "PATH"), p.job.links)
	inR, inW, err := stdinPipe()
	if err != nil {
		return nil, mapreduce.E("start "+p.role+" program", mapreduce.Infra, "", err)
	}
	outR, outW, err := stdoutPipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, mapreduce.E("start "+p.role+" program", mapreduce.Infra, "", err)
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		outR.Close()
		outW.Close()
		return nil, mapreduce.E("start "+p.role+" program", mapreduce.Infra, "", err)
	}
	proc, err := p.job.runner.Start(ctx, mapreduce.Command{Args: argv, Dir: dir, Env: env, Stdin: inR, Stdout: outW, Stderr: errW,
		ReadOnly: p.job.shipped()})
	inR.Close()
	outW.Close()
	errW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		errR.Close()
		return nil, mapreduce.E("start "+p.role+" program", mapreduce.UserCode, "", &startError{argv0: p.argv[0], err: err})
	}
	s := &started{proc: proc, stdin: inW, w: bufio.NewWriterSize(inW, inBufferSize), outErr: make(chan error, 1), prog: p, task: t, inKey: p.inKey, inValue: p.inValue,
		outR: outR, errR: errR, exited: make(chan struct{})}
	if t.InputClasses != nil && p.role == "map" {
		s.inKey, s.inValue = t.InputClasses()
	}
	go func() {
		s.waitErr = proc.Wait()
		close(s.exited)
	}()
	return s, nil
}

// attach starts reading the program's stdout into out (see start) and its
// stderr into task t's log and reports. It is called once, after launch.
func (s *started) attach(t *mapreduce.TaskContext, out mapreduce.Collector) {
	p, outR, errR := s.prog, s.outR, s.errR
	s.outR, s.errR = nil, nil
	go func() {
		defer outR.Close()
		s.outErr <- p.readOutput(&gatherReader{f: outR}, out, &s.written)
	}()
	s.errWG.Add(1)
	go func() {
		defer s.errWG.Done()
		defer errR.Close()
		s.errErr = p.job.readStderr(errR, t, out != nil)
	}()
}

// abandon ends a program that was launched but never attached: cancel
// must be the cancel of the context it was launched with, which has the
// runner kill it.
func (s *started) abandon(cancel context.CancelFunc) {
	cancel()
	// Killed before its stdin closes, it never sees the end of an input
	// and never runs on an empty one.
	s.wait()
	s.stdin.Close()
	s.outR.Close()
	s.errR.Close()
}

// readOutput splits the program's stdout into records.
func (p *pipeProgram) readOutput(r io.Reader, out mapreduce.Collector, written *atomic.Int64) error {
	if out == nil {
		_, err := io.Copy(io.Discard, r)
		return err
	}
	if p.outWire == wireRawBytes || p.outWire == wireTypedBytes {
		return p.readBinary(r, out, written)
	}
	lr := mapreduce.NewLineReader(r, nil)
	lr.SetLimit(p.job.recordLimit)
	for {
		line, _, err := lr.ReadLine()
		if err == io.EOF {
			return nil
		}
		if errors.Is(err, mapreduce.ErrLineTooLong) || err == nil && len(line) > p.job.recordLimit {
			io.Copy(io.Discard, r) // so that the program is not blocked on a full pipe
			return mapreduce.E("read "+p.role+" output", mapreduce.UserCode, "", fmt.Errorf("a line of the %s's output is longer than %d bytes, the task's memory (%s): a record is held in memory whole", p.role, p.job.recordLimit, mapreduce.KeySandboxMemoryMB))
		}
		if err != nil {
			return mapreduce.E("read "+p.role+" output", mapreduce.Infra, "", err)
		}
		k, v := line, []byte(nil)
		if p.outWire == wireText {
			k, v = splitKeyValue(line, p.outSep, p.numKeys)
		}
		if err := out.Collect(k, v); err != nil {
			// Keep draining so the program is not blocked on a full pipe.
			io.Copy(io.Discard, r)
			return err
		}
		written.Add(1)
	}
}

// splitKeyValue finds the n-th occurrence of sep in line: the key is what
// precedes it and the value what follows. With fewer occurrences the whole
// line is the key and the value is empty.
func splitKeyValue(line, sep []byte, n int) (key, value []byte) {
	if n < 1 {
		n = 1
	}
	pos := -1
	from := 0
	for i := 0; i < n; i++ {
		j := bytes.Index(line[from:], sep)
		if j < 0 {
			return line, nil
		}
		pos = from + j
		from = pos + len(sep)
	}
	return line[:pos], line[pos+len(sep):]
}

// nullText is NullWritable.toString.
var nullText = []byte("(null)")

// write sends one record to the program's stdin.
func (s *started) write(key, value []byte) error {
	switch s.prog.inWire {
	case wireKeyOnly:
		return s.writeLine(key, nil, nil)
	case wireRawBytes, wireTypedBytes:
		return s.writeBinary(key, value)
	}
	// TextInputWriter writes BytesWritable (and TypedBytesWritable) bytes
	// as they are and other objects as their toString.
	if s.inKey == mapreduce.ClassNull {
		key = nullText
	}
	if s.inValue == mapreduce.ClassNull {
		value = nullText
	}
	if s.prog.ignoreKey {
		return s.writeLine(value, nil, nil)
	}
	return s.writeLine(key, s.prog.inSep, value)
}

// writeLine writes a, b, c and a newline to the program's stdin: where
// they fit the buffer's free space (all but a record per buffer), with
// one copy and one call. The error is the buffer's: the first failed
// write(2), kept for every later call.
func (s *started) writeLine(a, b, c []byte) error {
	if buf := s.w.AvailableBuffer(); len(a)+len(b)+len(c) < cap(buf) {
		buf = append(append(append(append(buf, a...), b...), c...), '\n')
		_, err := s.w.Write(buf)
		return err
	}
	s.w.Write(a)
	s.w.Write(b)
	s.w.Write(c)
	return s.w.WriteByte('\n')
}

// finish closes stdin, waits for the output and the program, and turns
// failures into Hadoop-style errors. writeErr is the first error writing
// stdin, if any.
func (s *started) finish(writeErr error) error {
	if writeErr == nil {
		// Like Hadoop, a failed final flush (the program exited without
		// reading the last buffered records) is not itself a failure: the
		// program's exit status decides.
		if err := s.w.Flush(); err != nil && !errors.Is(err, syscall.EPIPE) {
			writeErr = err
		}
	}
	s.stdin.Close()
	outErr := <-s.outErr
	s.errWG.Wait()
	waitErr := s.wait()
	if s.task != nil {
		s.task.Usage.Add(s.proc)
	}
	p := s.prog
	if outErr != nil && !mapreduce.IsKind(outErr, mapreduce.Canceled) {
		// Collecting the output failed (a spill on a full disk, say): that,
		// not the program's death that followed, is the cause.
		return outErr
	}
	var exit *mapreduce.ExitError
	if errors.As(waitErr, &exit) {
		if p.job.nonZeroIsFailure || exit.Signal != "" || exit.Reason != "" {
			msg := fmt.Sprintf("PipeMapRed.waitOutputThreads(): subprocess failed with code %d", exit.Code)
			switch {
			case exit.Reason != "":
				msg += " (" + exit.Reason + ")"
			case exit.Signal != "":
				msg += " (killed by signal " + exit.Signal + ")"
			}
			return mapreduce.E(p.role, mapreduce.UserCode, "", errors.New(msg))
		}
	} else if waitErr != nil {
		return mapreduce.E(p.role, mapreduce.Infra, "", waitErr)
	}
	if s.errErr != nil {
		// After the exit status, as PipeMapRed.waitOutputThreads checks.
		return mapreduce.E(p.role, mapreduce.UserCode, "", errors.New("java.lang.RuntimeException: "+s.errErr.Error()))
	}
	if outErr != nil {
		return outErr
	}
	if writeErr != nil {
		if errors.Is(writeErr, syscall.EPIPE) {
			return mapreduce.E(p.role, mapreduce.UserCode, "", errors.New("java.io.IOException: Broken pipe (the "+p.role+" program exited without reading all its input)"))
		}
		return mapreduce.E(p.role, mapreduce.Infra, "", writeErr)
	}
	return nil
}

// pipeMapper runs the -mapper command over a split.
type pipeMapper struct{ prog *pipeProgram }

func (m *pipeMapper) Map(ctx context.Context, t *mapreduce.TaskContext, in mapreduce.RecordReader, out mapreduce.Collector) error {
	s, err := m.prog.start(ctx, t, out)
	if err != nil {
		return err
	}
	var werr error
	for {
		k, v, err := in.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			s.finish(err)
			return mapreduce.E("read split", mapreduce.Infra, t.Split.Path, err)
		}
		if werr = s.write(k, v); werr != nil {
			break
		}
	}
	if werr != nil && m.prog.minWrittenToSkip >= 0 && s.written.Load() >= m.prog.minWrittenToSkip {
		// Hadoop's PipeMapper swallows the rest of the split once enough
		// records were written: the program's exit status decides.
		for {
			_, _, err := in.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				s.finish(err)
				return mapreduce.E("read split", mapreduce.Infra, t.Split.Path, err)
			}
		}
		werr = nil
	}
	return s.finish(werr)
}

// pipeReducer runs the -reducer (or -combiner) command over a partition.
type pipeReducer struct{ prog *pipeProgram }

func (r *pipeReducer) Reduce(ctx context.Context, t *mapreduce.TaskContext, in mapreduce.KVIterator, out mapreduce.Collector) error {
	return r.reduce(ctx, t, in, out, nil, nil)
}

// PrepareReduce implements mapreduce.ReducePreparer: it launches the
// reducer program for attempt t now, so that its start-up (a sandbox, an
// interpreter's imports) overlaps the maps. The program sees exactly what
// a program started by Reduce would: the same environment, directory and
// stdin, its output read from its first byte.
//
// A job that sets the sandbox's wall time limit is not prepared: the limit
// counts from the program's start, and waiting for the maps would use it
// up. A prepared program the runner kills while it waits (the default wall
// time limit) is started afresh by Reduce, as if it had never been.
func (r *pipeReducer) PrepareReduce(ctx context.Context, t *mapreduce.TaskContext) (mapreduce.Reducer, func(), error) {
	if _, ok := r.prog.job.conf.Lookup(mapreduce.KeySandboxWallSecs); ok {
		return nil, nil, errNotPrepared
	}
	ctx, cancel := context.WithCancel(ctx)
	s, err := r.prog.launch(ctx, t)
	if err != nil {
		cancel()
		return nil, nil, err
	}
	pr := &preparedReducer{r: r, s: s, cancel: cancel}
	return pr, pr.release, nil
}

// preparedReducer is a reduce attempt whose program is already running.
type preparedReducer struct {
	r      *pipeReducer
	s      *started
	cancel context.CancelFunc
	mu     sync.Mutex
}

func (p *preparedReducer) Reduce(ctx context.Context, t *mapreduce.TaskContext, in mapreduce.KVIterator, out mapreduce.Collector) error {
	p.mu.Lock()
	s := p.s
	p.s = nil
	p.mu.Unlock()
	if s == nil {
		return mapreduce.E("reduce", mapreduce.Internal, "", errors.New("a prepared reducer ran twice or after release"))
	}
	if s.killedWaiting() {
		s.abandon(p.cancel)
		return p.r.reduce(ctx, t, in, out, nil, nil)
	}
	return p.r.reduce(ctx, t, in, out, s, p.cancel)
}

// errNotPrepared is PrepareReduce declining: the attempt runs unprepared.
var errNotPrepared = errors.New("reducer not prepared")

// release ends the program if Reduce never took it, and frees the
// context it was launched with.
func (p *preparedReducer) release() {
	p.mu.Lock()
	s := p.s
	p.s = nil
	p.mu.Unlock()
	if s != nil {
		s.abandon(p.cancel)
		return
	}
	p.cancel()
}

// reduce runs the program over in: the launched program s (cancel ends
// it), or a program started here if s is nil.
func (r *pipeReducer) reduce(ctx context.Context, t *mapreduce.TaskContext, in mapreduce.KVIterator, out mapreduce.Collector, s *started, cancel context.CancelFunc) error {
	has := in.Next()
	if err := in.Err(); err != nil {
		if s != nil {
			// As if it had never started, as without preparing.
			s.abandon(cancel)
		}
		return err
	}
	if !has && !t.Combine {
		// Hadoop starts the reducer even for an empty partition and discards
		// whatever it prints.
		out = nil
	}
	if s != nil {
		s.attach(t, out)
	} else {
		var err error
		if s, err = r.prog.start(ctx, t, out); err != nil {
			return err
		}
	}
	var werr error
	for ok := has; ok; ok = in.Next() {
		if werr = s.write(in.Key(), in.Value()); werr != nil {
			break
		}
	}
	if werr == nil {
		if err := in.Err(); err != nil {
			s.finish(err)
			return err
		}
	} else {
		mapreduce.Drain(in)
	}
	return s.finish(werr)
}

// readStderr implements the stderr side of the streaming protocol:
// reporter:counter: and reporter:status: lines update the task (when
// reports is set; else they are dropped); every other line goes to the
// task's stderr log. The error is the first counter beyond the limits
// (mapreduce.CounterLimits).
func (j *jobEnv) readStderr(r io.Reader, t *mapreduce.TaskContext, reports bool) (failed error) {
	lr := mapreduce.NewLineReader(r, nil)
	// A line is buffered up to the kept bytes at most (and 64 KiB at
	// least): a program writing an endless line must not make the worker
	// hold it, nor have it kept past the limit.
	lr.SetLimit(int(min(max(j.stderrLimit, 64<<10), 1<<30)))
	prefix := j.reporterPrefix
	var buf []byte
	kept := int64(0)
	long := false // in the parts of a line over the limit
	for {
		line, _, err := lr.ReadLine()
		part := errors.Is(err, mapreduce.ErrLineTooLong)
		if err != nil && !part {
			return failed
		}
		// The parts of a line over the reader's limit are plain stderr.
		whole := !long && !part
		long = part
		if whole && j.reporterEnabled && bytes.HasPrefix(line, []byte(prefix)) {
			if reports && failed == nil {
				// After a failure the rest is read and dropped, so the
				// program never blocks on stderr.
				failed = j.report(t, string(line[len(prefix):]), string(line))
			}
			continue
		}
		if kept >= j.stderrLimit {
			continue // keep reading, so the program never blocks on stderr
		}
		line = line[:min(int64(len(line)), j.stderrLimit-kept)]
		buf = append(append(buf[:0], line...), '\n')
		kept += int64(len(buf))
		if kept >= j.stderrLimit {
			buf = append(buf, fmt.Sprintf("zebra: stderr of this attempt truncated after %d bytes (%s)\n", j.stderrLimit, mapreduce.KeyTaskStderrLimit)...)
		}
		t.Stderr.Write(buf)
	}
}

// report applies one reporter line; the error is a counter beyond the
// limits, which fails the task (as Hadoop's stderr thread dies of it).
func (j *jobEnv) report(t *mapreduce.TaskContext, rest, line string) error {
	switch {
	case strings.HasPrefix(rest, "counter:"):
		parts := strings.Split(strings.TrimSpace(rest[len("counter:"):]), ",")
		if len(parts) != 3 {
			t.Logger.Warn("Cannot parse counter line: " + line)
			return nil
		}
		n, err := strconv.ParseInt(parts[2], 10, 64)
		if err != nil {
			t.Logger.Warn("Cannot parse counter increment '" + parts[2] + "' from line: " + line)
			return nil
		}
		l := j.counterLimits.TaskHeld(t.Attempt.Task.Kind == mapreduce.ReduceTask)
		if err := t.Counters.AddLimited(parts[0], parts[1], n, l); err != nil {
			return err
		}
	case strings.HasPrefix(rest, "status:"):
		t.SetStatus(strings.TrimSpace(rest[len("status:"):]))
	default:
		t.Logger.Warn("Cannot parse reporter line: " + line)
	}
	return nil
}

func lookupEnv(env []string, key string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(env[i], "="); ok && k == key {
			return v
		}
	}
	return ""
}
