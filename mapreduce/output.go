package mapreduce

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// PartName is Hadoop's output file name for partition (or map) i.
func PartName(i int) string { return fmt.Sprintf("part-%05d", i) }

// Committer is Hadoop's FileOutputCommitter (algorithm 1) over an FS: tasks
// write under <out>/_temporary/0/_temporary/<attempt>/, a committed task is
// renamed to <out>/_temporary/0/<task>/, and job commit moves every committed
// file into <out>, removes _temporary and writes _SUCCESS. Until job commit
// nothing appears under its final name; abort removes _temporary.
type Committer struct {
	FS     FS
	Out    string
	Job    JobID
	Marker bool // write _SUCCESS
	// CanCommit, if set, is asked before an attempt commits; an error
	// (another attempt of the task holds the right to commit, the job is
	// gone) fails the attempt without committing. A cluster sets it so that
	// exactly one attempt of each task commits.
	CanCommit func(ctx context.Context, a AttemptID) error
	// Shared marks an output directory that may already exist and hold
	// files of others (a ZeroCloud job's Swift container): the job's
	// temporary files go under <out>/_temporary/<job id>/ so that jobs
	// writing into one directory do not meet, and commit and abort
	// remove only that.
	Shared bool
	// Files, with Shared, are the names (relative to Out) the job will
	// write: SetupJob refuses the job if any of them exists, so nothing is
	// ever overwritten.
	Files []string
}

// ImplicitDirs is implemented by stores whose directories exist through
// the files below them alone (Swift, where MkdirAll writes marker
// objects): a Shared committer makes no directories there but the top one
// (the container), so that a job leaves no marker objects in the
// directory it shares.
type ImplicitDirs interface {
	ImplicitDirs() bool
}

func (c *Committer) jobTemp() string {
	if c.Shared {
		return path.Join(c.Out, "_temporary", c.Job.String())
	}
	return path.Join(c.Out, "_temporary", "0")
}

// tempRoot is what commit and abort remove.
func (c *Committer) tempRoot() string {
	if c.Shared {
		return c.jobTemp()
	}
	return path.Join(c.Out, "_temporary")
}

// AttemptDir is where an attempt writes its files.
func (c *Committer) AttemptDir(a AttemptID) string {
	return path.Join(c.jobTemp(), "_temporary", a.String())
}

// SetupJob creates the output directory, which must not exist (with
// Shared: none of Files may exist).
func (c *Committer) SetupJob(ctx context.Context) error {
	if c.Shared {
		if err := CheckAbsent(ctx, c.FS, c.Out, c.Files); err != nil {
			return err
		}
		dir := c.jobTemp()
		if id, ok := c.FS.(ImplicitDirs); ok && id.ImplicitDirs() {
			// Only the top (a Swift container) is made: a directory
			// there would be a marker object left among others' files.
			top, _, _ := strings.Cut(strings.TrimPrefix(path.Clean(c.Out), "/"), "/")
			dir = "/" + top
		}
		if err := c.FS.MkdirAll(ctx, dir); err != nil {
			return E("set up output", Other, c.Out, err)
		}
		return nil
	}
	if _, err := c.FS.Stat(ctx, c.Out); err == nil {
		return E("set up output", Exist, c.Out, fmt.Errorf("output directory %s already exists", c.FS.URI(c.Out)))
	} else if !errors.Is(err, fs.ErrNotExist) {
		return E("set up output", Other, c.Out, err)
	}
	if err := c.FS.MkdirAll(ctx, c.jobTemp()); err != nil {
		return E("set up output", Other, c.Out, err)
	}
	return nil
}

// CommitTask publishes the attempt's files to the job's committed area. As
// Hadoop's committer does, it replaces what an earlier attempt of the same
// task committed (an attempt that committed and then was lost before it
// could report success).
func (c *Committer) CommitTask(ctx context.Context, a AttemptID) error {
	if c.CanCommit != nil {
		if err := c.CanCommit(ctx, a); err != nil {
			return E("commit task", Infra, a.String(), err)
		}
	}
	src := c.AttemptDir(a)
	if _, err := c.FS.Stat(ctx, src); errors.Is(err, fs.ErrNotExist) {
		return nil // lazy output wrote nothing
	}
	dst := path.Join(c.jobTemp(), a.Task.String())
	if _, err := c.FS.Stat(ctx, dst); err == nil {
		if err := c.FS.RemoveAll(ctx, dst); err != nil {
			return E("commit task", Other, dst, err)
		}
	}
	if err := c.FS.Rename(ctx, src, dst); err != nil {
		return E("commit task", Other, src, err)
	}
	return nil
}

// CommitTaskFiles is CommitTask for an attempt that wrote exactly files
// (names relative to its directory): they are moved one by one, so that no
// listing decides what is committed. Object stores need this: their
// listings may lag behind their writes (Swift's, while a storage node is
// down).
func (c *Committer) CommitTaskFiles(ctx context.Context, a AttemptID, files []string) error {
	if c.CanCommit != nil {
		if err := c.CanCommit(ctx, a); err != nil {
			return E("commit task", Infra, a.String(), err)
		}
	}
	dst := path.Join(c.jobTemp(), a.Task.String())
	if _, err := c.FS.Stat(ctx, dst); err == nil {
		if err := c.FS.RemoveAll(ctx, dst); err != nil {
			return E("commit task", Other, dst, err)
		}
	}
	for _, f := range files {
		src := path.Join(c.AttemptDir(a), f)
		if err := c.FS.Rename(ctx, src, path.Join(dst, f)); err != nil {
			return E("commit task", Other, src, err)
		}
	}
	return nil
}

// CommitJobFiles is CommitJob for a job whose committed tasks' files are
// known (task id → names, as CommitTaskFiles moved them): it moves exactly
// those to their final names, checks that every one is there, then removes
// _temporary and writes _SUCCESS. No listing decides what is published.
func (c *Committer) CommitJobFiles(ctx context.Context, tasks map[string][]string) error {
	ids := make([]string, 0, len(tasks))
	for id := range tasks {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var final []string
	for _, id := range ids {
		for _, f := range tasks[id] {
			src := path.Join(c.jobTemp(), id, f)
			if err := c.FS.Rename(ctx, src, path.Join(c.Out, f)); err != nil {
				return E("commit job", Other, src, err)
			}
			final = append(final, path.Join(c.Out, f))
		}
	}
	for _, f := range final {
		if _, err := c.FS.Stat(ctx, f); err != nil {
			return E("commit job", Other, f, fmt.Errorf("a committed file is missing after its move: %w", err))
		}
	}
	return c.finish(ctx)
}

// CommitJob moves every committed file to its final name, then removes
// _temporary and writes _SUCCESS.
func (c *Committer) CommitJob(ctx context.Context) error {
	tasks, err := c.FS.List(ctx, c.jobTemp())
	if err != nil {
		return E("commit job", Other, c.Out, err)
	}
	sort.Slice(tasks, func(i, j int) bool { return tasks[i].Path < tasks[j].Path })
	for _, t := range tasks {
		if !t.IsDir || path.Base(t.Path) == "_temporary" {
			continue
		}
		files, err := c.FS.List(ctx, t.Path)
		if err != nil {
			return E("commit job", Other, t.Path, err)
		}
		for _, f := range files {
			if err := c.FS.Rename(ctx, f.Path, path.Join(c.Out, path.Base(f.Path))); err != nil {
				return E("commit job", Other, f.Path, err)
			}
		}
	}
	return c.finish(ctx)
}

// finish removes _temporary and writes _SUCCESS.
func (c *Committer) finish(ctx context.Context) error {
	if err := c.FS.RemoveAll(ctx, c.tempRoot()); err != nil {
		return E("commit job", Other, c.Out, err)
	}
	c.removeEmptyTemp(ctx)
	if c.Marker {
		w, err := c.FS.Create(ctx, path.Join(c.Out, "_SUCCESS"))
		if err != nil {
			return E("write _SUCCESS", Other, c.Out, err)
		}
		if err := w.Close(); err != nil {
			return E("write _SUCCESS", Other, c.Out, err)
		}
	}
	return nil
}

// AbortJob removes everything the job wrote under _temporary. The output
// directory itself stays, empty, as Hadoop leaves it; it has no _SUCCESS.
func (c *Committer) AbortJob(ctx context.Context) error {
	if err := c.FS.RemoveAll(ctx, c.tempRoot()); err != nil {
		return E("abort job", Other, c.Out, err)
	}
	c.removeEmptyTemp(ctx)
	return nil
}

// removeEmptyTemp removes a shared output directory's _temporary once no
// job has files in it (best effort: a job starting meanwhile makes it
// again).
func (c *Committer) removeEmptyTemp(ctx context.Context) {
	if !c.Shared {
		return
	}
	dir := path.Join(c.Out, "_temporary")
	if list, err := c.FS.List(ctx, dir); err == nil && len(list) == 0 {
		c.FS.RemoveAll(ctx, dir)
	}
}

// CheckAbsent returns an Exist error naming every one of files (names
// relative to dir) that exists. It lists each parent directory once
// rather than asking for every file.
func CheckAbsent(ctx context.Context, fsys FS, dir string, files []string) error {
	byParent := map[string][]string{}
	for _, f := range files {
		full := path.Join(dir, f)
		byParent[path.Dir(full)] = append(byParent[path.Dir(full)], full)
	}
	parents := make([]string, 0, len(byParent))
	for p := range byParent {
		parents = append(parents, p)
	}
	sort.Strings(parents)
	var found []string
	for _, p := range parents {
		list, err := fsys.List(ctx, p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return E("check output", Other, p, err)
		}
		have := make(map[string]bool, len(list))
		for _, fi := range list {
			have[path.Clean(fi.Path)] = true
		}
		for _, f := range byParent[p] {
			if have[path.Clean(f)] {
				found = append(found, fsys.URI(f))
			}
		}
	}
	if len(found) == 0 {
		return nil
	}
	sort.Strings(found)
	more := ""
	if len(found) > 5 {
		more = fmt.Sprintf(" and %d more", len(found)-5)
		found = found[:5]
	}
	return E("set up output", Exist, dir, fmt.Errorf("%s already exist%s; zebra never overwrites existing objects: remove them or write elsewhere",
		strings.Join(found, ", ")+more, map[bool]string{true: "s", false: ""}[len(found) == 1 && more == ""]))
}

// TextWriter writes key/value records as TextOutputFormat lines into one
// part file. With Lazy, the file is created on the first record.
type TextWriter struct {
	ctx     context.Context
	fsys    FS
	name    string
	spec    OutputSpec
	wc      io.WriteCloser
	cw      io.WriteCloser // the codec's stream, if compressed
	bw      *bufio.Writer
	seq     *SeqWriter
	buf     []byte
	Records int64
	// Bytes counts the bytes written: the records' (uncompressed), or,
	// once closed, what the file system wrote when the writer's FS is a
	// CountingFS (compressed, a local file's .crc included).
	Bytes int64
}

// NewTextWriter opens (or, with spec.Lazy, prepares) the part file name.
func NewTextWriter(ctx context.Context, fsys FS, name string, spec OutputSpec) (*TextWriter, error) {
	if spec.Codec != nil {
		name += spec.Codec.Extension()
	}
	t := &TextWriter{ctx: ctx, fsys: fsys, name: name, spec: spec}
	if !spec.Lazy {
		if err := t.open(); err != nil {
			return nil, err
		}
	}
	return t, nil
}

func (t *TextWriter) open() error {
	var wc io.WriteCloser
	var err error
	if ac, ok := t.fsys.(AttrCreator); ok && !t.spec.Attrs.IsZero() {
		wc, err = ac.CreateAttrs(t.ctx, t.name, t.spec.Attrs)
	} else {
		wc, err = t.fsys.Create(t.ctx, t.name)
	}
	if err != nil {
		return E("create output file", Other, t.name, err)
	}
	t.wc = wc
	var w io.Writer = wc
	if t.spec.Codec != nil {
		cw, err := t.spec.Codec.NewWriter(wc)
		if err != nil {
			wc.Close()
			return E("create output file", Other, t.name, err)
		}
		t.cw = cw
		w = cw
	}
	t.bw = bufio.NewWriterSize(w, 256<<10)
	if t.spec.SequenceFile {
		if t.seq, err = NewSeqWriter(t.bw, t.spec.SeqKeyClass, t.spec.SeqValueClass); err != nil {
			return E("write output", Other, t.name, err)
		}
		t.Bytes += t.seq.pos
	}
	return nil
}

// Collect implements Collector: key, separator, value, newline.
func (t *TextWriter) Collect(key, value []byte) error {
	if t.bw == nil {
		if err := t.open(); err != nil {
			return err
		}
	}
	if t.spec.Raw {
		if _, err := t.bw.Write(value); err != nil {
			return E("write output", Other, t.name, err)
		}
		t.Records++
		t.Bytes += int64(len(value))
		return nil
	}
	if t.seq != nil {
		// SequenceFile.Writer.append checks each record's class.
		if t.spec.KeyClass != t.spec.SeqKeyClass {
			return E("write output", UserCode, t.name, fmt.Errorf("java.io.IOException: wrong key class: %s is not class %s", t.spec.KeyClass.JavaName(), t.spec.SeqKeyClass.JavaName()))
		}
		if t.spec.ValueClass != t.spec.SeqValueClass {
			return E("write output", UserCode, t.name, fmt.Errorf("java.io.IOException: wrong value class: %s is not class %s", t.spec.ValueClass.JavaName(), t.spec.SeqValueClass.JavaName()))
		}
		n, err := t.seq.Append(key, value)
		if err != nil {
			return E("write output", Other, t.name, err)
		}
		t.Records++
		t.Bytes += int64(n)
		return nil
	}
	var err error
	if !t.spec.KeyClass.Textual() {
		if t.buf, err = t.spec.KeyClass.AppendText(t.buf[:0], key); err != nil {
			return E("write output", UserCode, t.name, fmt.Errorf("print key as text: %w", err))
		}
		key = t.buf
	}
	if !t.spec.ValueClass.Textual() {
		mark := len(t.buf)
		if t.buf, err = t.spec.ValueClass.AppendText(t.buf, value); err != nil {
			return E("write output", UserCode, t.name, fmt.Errorf("print value as text: %w", err))
		}
		if !t.spec.KeyClass.Textual() {
			key = t.buf[:mark]
		}
		value = t.buf[mark:]
	}
	n := 0
	writeKey := !t.spec.NullKey && t.spec.KeyClass != ClassNull
	writeVal := !t.spec.NullValue && t.spec.ValueClass != ClassNull
	if writeKey {
		t.bw.Write(key)
		n += len(key)
	}
	if writeKey && writeVal {
		t.bw.Write(t.spec.Separator)
		n += len(t.spec.Separator)
	}
	if writeVal {
		t.bw.Write(value)
		n += len(value)
	}
	if err := t.bw.WriteByte('\n'); err != nil {
		return E("write output", Other, t.name, err)
	}
	t.Records++
	t.Bytes += int64(n + 1)
	return nil
}

// Created reports whether the part file was created (a lazy writer
// creates it on its first record).
func (t *TextWriter) Created() bool { return t.bw != nil }

// Base is the part file's name without its directory.
func (t *TextWriter) Base() string { return path.Base(t.name) }

// Close flushes and closes the file; the file is complete only if Close
// returns nil.
func (t *TextWriter) Close() error {
	if t.bw == nil {
		return nil
	}
	err := t.bw.Flush()
	if t.cw != nil {
		if e := t.cw.Close(); err == nil {
			err = e
		}
	}
	if e := t.wc.Close(); err == nil {
		err = e
	}
	if err != nil {
		return E("close output file", Other, t.name, err)
	}
	// Counted by CountingFS: what reached the file system (compressed,
	// with a local file's .crc), as Hadoop's Bytes Written counts it.
	if n, ok := FSBytesWritten(t.wc); ok {
		t.Bytes = n
	}
	return nil
}
