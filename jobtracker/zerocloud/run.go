package zerocloud

import (
	"archive/tar"
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"zebra/jobtracker/api"
	"zebra/jobtracker/shuffle"
	"zebra/mapreduce"
	"zebra/mapreduce/archive"
)

// Env is what ClusterJob needs from the worker.
type Env struct {
	// Registry resolves the plan's paths with the job's settings.
	Registry *mapreduce.Registry
	// Runner returns the runner of the job's programs for its settings
	// (zebra.sandbox).
	Runner func(conf *mapreduce.Conf) (mapreduce.Runner, error)
	// Path is the PATH the apps get (and python3 is looked up on).
	Path   string
	Logger *slog.Logger
	// Object, if set, describes an instance's attached object (by its
	// split's URI) for the CGI environment's LOCAL_* variables; without
	// it they hold the split's path and length only.
	Object ObjectFunc
	// Channels, ChannelListen, ChannelHost and ChannelKey serve the
	// streaming channels of a job run as a graph (see graphrun.go): where
	// instances publish and find each other's endpoints, the ZeroMQ
	// endpoint receivers bind ("tcp://10.0.0.5:*"), the host that others
	// reach when the bound one is a wildcard, and the cluster's CURVE
	// keypair (nil: plain ZeroMQ). Without Channels such jobs fail.
	Channels      Rendezvous
	ChannelListen string
	ChannelHost   string
	ChannelKey    *shuffle.Curve
}

// ClusterJob rebuilds, on a worker, the job of a zerocloud plan: a
// map-only job for one group, a map-reduce job for two connected groups.
// dir is the job's directory on the worker; its bundle.tar (if any) is
// unpacked into dir/files, and swift:// apps are fetched into dir/apps.
func ClusterJob(ctx context.Context, pl *api.Plan, id mapreduce.JobID, dir string, e Env) (job *mapreduce.Job, err error) {
	hide := &scrubber{}
	hide.add(dir, "<job>")
	defer func() { err = hide.err(err) }()
	return clusterJob(ctx, pl, id, dir, e, hide)
}

func clusterJob(ctx context.Context, pl *api.Plan, id mapreduce.JobID, dir string, e Env, hide *scrubber) (*mapreduce.Job, error) {
	if pl.Kind != Kind {
		return nil, mapreduce.E("rebuild job", mapreduce.Invalid, id.String(), fmt.Errorf("plan kind %q is not a zerocloud job", pl.Kind))
	}
	var spec Spec
	if err := json.Unmarshal(pl.Spec, &spec); err != nil || len(spec.Stages) == 0 || (len(spec.Stages) > 2 && spec.Graph == nil) {
		return nil, mapreduce.E("rebuild job", mapreduce.Invalid, id.String(), fmt.Errorf("bad zerocloud spec: %v", err))
	}
	if err := spec.check(); err != nil {
		return nil, mapreduce.E("rebuild job", mapreduce.Invalid, id.String(), err)
	}
	if e.Logger == nil {
		e.Logger = slog.Default()
	}
	conf := mapreduce.NewConf()
	for k, v := range pl.Conf {
		conf.Set(k, v)
	}
	runner, err := e.Runner(conf)
	if err != nil {
		return nil, mapreduce.E("rebuild job", mapreduce.Invalid, id.String(), err)
	}
	files := filepath.Join(dir, "files")
	hide.add(files, ".")
	if err := unpackBundle(filepath.Join(dir, "bundle.tar"), files); err != nil {
		return nil, err
	}
	rt := &runtime{spec: &spec, runner: runner, files: files, path: e.Path, log: e.Logger, object: e.Object, hide: hide, env: e}
	for k := range spec.Stages {
		st := &spec.Stages[k]
		img := ""
		if st.Image != nil {
			img = filepath.Join(dir, fmt.Sprintf("image-%d", k))
			if err := fetchImage(ctx, *st.Image, files, img, e.Registry); err != nil {
				return nil, err
			}
		}
		rt.images = append(rt.images, img)
		prog, err := programPath(ctx, st.Program, files, img, filepath.Join(dir, "apps"), k, e.Registry)
		if err != nil {
			return nil, err
		}
		rt.programs = append(rt.programs, prog)
		if prog != st.Program.Path {
			hide.add(prog, st.Exe)
		}
		if img != "" {
			hide.add(img, ImageGuest)
		}
		fetched := ""
		if st.Program.Kind == ProgramSwift {
			fetched = prog
		}
		rt.fetched = append(rt.fetched, fetched)
	}
	job := &mapreduce.Job{ID: id, Name: pl.Name, Conf: conf, Format: mapreduce.RawInput,
		Splits: append([]mapreduce.Split(nil), pl.Splits...), Mapper: &mapper{rt}}
	for i := range job.Splits {
		s := &job.Splits[i]
		if strings.HasPrefix(s.URI, "zerocloud:") {
			s.Path = ""
			continue
		}
		fsys, p, err := e.Registry.Resolve(ctx, s.URI)
		if err != nil {
			return nil, mapreduce.E("rebuild job", mapreduce.Invalid, s.URI, err)
		}
		job.InputFS, s.Path = fsys, p
	}
	outFS, out, err := e.Registry.Resolve(ctx, pl.Output)
	if err != nil {
		return nil, mapreduce.E("rebuild job", mapreduce.Invalid, pl.Output, err)
	}
	last := spec.Stages[len(spec.Stages)-1]
	job.OutputFS, job.Output = outFS, out
	job.OutSpec = mapreduce.OutputSpec{Raw: true, Names: last.Outputs, Shared: true,
		Attrs: mapreduce.Attrs{ContentType: last.OutputType, Meta: last.OutputMeta}}
	job.OutSpec.Extra = extraOutputs(last.More, len(last.Instances))
	if spec.Graph != nil {
		job.OutSpec.Names, job.OutSpec.Attrs = graphOutputs(&spec)
		job.OutSpec.Extra = nil
		for _, st := range spec.Stages {
			job.OutSpec.Extra = append(job.OutSpec.Extra, extraOutputs(st.More, len(st.Instances))...)
		}
	}
	if job.OutSpec.Names == nil {
		job.OutSpec.Names = []string{}
	}
	if len(spec.Stages) == 2 && spec.Graph == nil {
		job.NumReduces = len(spec.Stages[1].Instances)
		job.Reducer = &reducer{rt}
		job.Partition = func(key []byte, n int) int {
			if len(key) < 4 {
				return 0
			}
			return int(binary.BigEndian.Uint32(key) % uint32(max(n, 1)))
		}
	}
	return job, nil
}

// runtime is what a job's map and reduce functions share.
type runtime struct {
	spec     *Spec
	runner   mapreduce.Runner
	files    string   // the unpacked bundle
	programs []string // per stage: the host program
	images   []string // per stage: the unpacked image ("": none)
	fetched  []string // per stage: the program fetched from swift:// ("": none)
	path     string
	log      *slog.Logger
	object   ObjectFunc
	// hide scrubs the worker's paths out of what a tenant reads.
	hide *scrubber
	env  Env
}

// programPath returns the host path (or name to look up) of a stage's
// program, fetching a swift:// app into apps.
func programPath(ctx context.Context, p Program, files, image, apps string, stage int, reg *mapreduce.Registry) (string, error) {
	switch p.Kind {
	case ProgramSystem:
		return p.Path, nil
	case ProgramImage:
		if image == "" {
			return "", mapreduce.E("rebuild job", mapreduce.Invalid, p.Path, errors.New("the program is in an image, but the stage has none"))
		}
		return filepath.Join(image, filepath.FromSlash(p.Path)), nil
	case ProgramBundle:
		return filepath.Join(files, filepath.FromSlash(p.Path)), nil
	case ProgramSwift:
		dst := filepath.Join(apps, fmt.Sprintf("%d-%s", stage, filepath.Base(p.Path)))
		if _, err := os.Stat(dst); err == nil {
			return dst, nil
		}
		fsys, name, err := reg.Resolve(ctx, p.Path)
		if err != nil {
			return "", mapreduce.E("fetch app", mapreduce.Invalid, p.Path, err)
		}
		r, err := fsys.Open(ctx, name, 0)
		if err != nil {
			return "", mapreduce.E("fetch app", mapreduce.Other, p.Path, err)
		}
		defer r.Close()
		if err := os.MkdirAll(apps, 0o755); err != nil {
			return "", mapreduce.E("fetch app", mapreduce.Infra, apps, err)
		}
		tmp := dst + ".part"
		f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o755)
		if err != nil {
			return "", mapreduce.E("fetch app", mapreduce.Infra, tmp, err)
		}
		_, err = io.Copy(f, r)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Rename(tmp, dst)
		}
		if err != nil {
			os.Remove(tmp)
			return "", mapreduce.E("fetch app", mapreduce.Transient, p.Path, err)
		}
		return dst, nil
	}
	return "", mapreduce.E("rebuild job", mapreduce.Invalid, p.Path, fmt.Errorf("unknown program kind %q", p.Kind))
}

// Bounds of a job's bundle (an uncompressed tar the client wrote).
const (
	bundleMaxBytes   = 8 << 30
	bundleMaxEntries = 100000
)

// unpackBundle unpacks the job's bundle (if there is one) into dst, once.
func unpackBundle(bundle, dst string) error {
	if _, err := os.Stat(dst); err == nil {
		return nil
	}
	f, err := os.Open(bundle)
	if errors.Is(err, os.ErrNotExist) {
		return os.MkdirAll(dst, 0o755)
	}
	if err != nil {
		return mapreduce.E("unpack job bundle", mapreduce.Infra, bundle, err)
	}
	defer f.Close()
	tmp := dst + ".part"
	os.RemoveAll(tmp)
	if _, err := archive.Extract(f, tmp, archive.Options{MaxBytes: bundleMaxBytes, MaxEntries: bundleMaxEntries}); err != nil {
		os.RemoveAll(tmp)
		var bad *archive.Error
		if errors.As(err, &bad) {
			return mapreduce.E("unpack job bundle", mapreduce.Invalid, bundle, err)
		}
		return mapreduce.E("unpack job bundle", mapreduce.Infra, tmp, err)
	}
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return mapreduce.E("unpack job bundle", mapreduce.Infra, tmp, err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		return mapreduce.E("unpack job bundle", mapreduce.Infra, dst, err)
	}
	return nil
}

// WriteBundle writes the tar of a job's files (bundle path → host path,
// as Compiled.Bundle) to w.
func WriteBundle(w io.Writer, files map[string]string) error {
	tw := tar.NewWriter(w)
	for _, name := range sortedKeys(files) {
		host := files[name]
		fi, err := os.Stat(host)
		if err != nil {
			return fmt.Errorf("bundle %s: %w", name, err)
		}
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("bundle %s: not a regular file", name)
		}
		f, err := os.Open(host)
		if err != nil {
			return fmt.Errorf("bundle %s: %w", name, err)
		}
		err = tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: int64(fi.Mode().Perm()), Size: fi.Size(), ModTime: fi.ModTime()})
		if err == nil {
			_, err = io.Copy(tw, f)
		}
		f.Close()
		if err != nil {
			return fmt.Errorf("bundle %s: %w", name, err)
		}
	}
	return tw.Close()
}

// mapper runs stage 0's instance t.Partition over its object.
type mapper struct{ rt *runtime }

// Map implements mapreduce.Mapper.
func (m *mapper) Map(ctx context.Context, t *mapreduce.TaskContext, in mapreduce.RecordReader, out mapreduce.Collector) (err error) {
	rt := m.rt
	defer func() { err = rt.scrub(t, err) }()
	if rt.spec.Graph != nil {
		return rt.graphInstance(ctx, t, in, out)
	}
	st := &rt.spec.Stages[0]
	i := t.Partition
	if i >= len(st.Instances) {
		return mapreduce.E("run instance", mapreduce.Invalid, t.Attempt.String(), fmt.Errorf("map %d: the group has %d instances", i, len(st.Instances)))
	}
	b, err := rt.prepare(t, 0, i)
	if err != nil {
		return err
	}
	if st.Input != "" {
		if err := b.writeInput(st.Input, in); err != nil {
			return err
		}
	}
	if len(rt.spec.Stages) > 1 {
		if err := b.makeOutChannels(rt.spec.Stages[1].Instances); err != nil {
			return err
		}
	}
	if err := rt.run(ctx, t, st, 0, i, b); err != nil {
		return err
	}
	if len(rt.spec.Stages) > 1 {
		for j, dst := range rt.spec.Stages[1].Instances {
			var seq uint32
			err := emitFile(filepath.Join(b.dev, "out", dst), func(chunk []byte) error {
				key := make([]byte, 12)
				binary.BigEndian.PutUint32(key, uint32(j))
				binary.BigEndian.PutUint32(key[4:], uint32(i))
				binary.BigEndian.PutUint32(key[8:], seq)
				seq++
				return out.Collect(key, chunk)
			})
			if err != nil {
				return err
			}
		}
		return nil
	}
	return b.emitOutput(t, st, i, out)
}

// reducer runs stage 1's instance t.Partition over what every stage-0
// instance sent it.
type reducer struct{ rt *runtime }

// Reduce implements mapreduce.Reducer: the records come sorted by (this
// instance, source, sequence), so each source's channel is rebuilt in
// order.
func (r *reducer) Reduce(ctx context.Context, t *mapreduce.TaskContext, in mapreduce.KVIterator, out mapreduce.Collector) (err error) {
	rt := r.rt
	defer func() { err = rt.scrub(t, err) }()
	st := &rt.spec.Stages[1]
	srcs := rt.spec.Stages[0].Instances
	j := t.Partition
	if j >= len(st.Instances) {
		return mapreduce.E("run instance", mapreduce.Invalid, t.Attempt.String(), fmt.Errorf("reduce %d: the group has %d instances", j, len(st.Instances)))
	}
	b, err := rt.prepare(t, 1, j)
	if err != nil {
		return err
	}
	inDir := filepath.Join(b.dev, "in")
	if err := os.MkdirAll(inDir, 0o755); err != nil {
		return mapreduce.E("make channels", mapreduce.Infra, inDir, err)
	}
	for _, s := range srcs {
		if err := os.WriteFile(filepath.Join(inDir, s), nil, 0o644); err != nil {
			return mapreduce.E("make channels", mapreduce.Infra, inDir, err)
		}
	}
	var cur *os.File
	curSrc := -1
	closeCur := func() error {
		if cur == nil {
			return nil
		}
		err := cur.Close()
		cur = nil
		return err
	}
	for in.Next() {
		k := in.Key()
		if len(k) != 12 || int(binary.BigEndian.Uint32(k)) != j {
			closeCur()
			return mapreduce.E("rebuild channels", mapreduce.Internal, t.Attempt.String(), fmt.Errorf("a record of key %x does not belong to %s", k, st.Instances[j]))
		}
		src := int(binary.BigEndian.Uint32(k[4:]))
		if src >= len(srcs) {
			closeCur()
			return mapreduce.E("rebuild channels", mapreduce.Internal, t.Attempt.String(), fmt.Errorf("no source instance %d", src))
		}
		if src != curSrc {
			if err := closeCur(); err != nil {
				return mapreduce.E("rebuild channels", mapreduce.Infra, inDir, err)
			}
			f, err := os.OpenFile(filepath.Join(inDir, srcs[src]), os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				return mapreduce.E("rebuild channels", mapreduce.Infra, inDir, err)
			}
			cur, curSrc = f, src
		}
		if _, err := cur.Write(in.Value()); err != nil {
			closeCur()
			return mapreduce.E("rebuild channels", mapreduce.Infra, inDir, err)
		}
	}
	if err := closeCur(); err != nil {
		return mapreduce.E("rebuild channels", mapreduce.Infra, inDir, err)
	}
	if err := in.Err(); err != nil {
		return err
	}
	b.mounts = append(b.mounts, mapreduce.Mount{Host: inDir, Guest: "/dev/in"})
	if err := rt.run(ctx, t, st, 1, j, b); err != nil {
		return err
	}
	return b.emitOutput(t, st, j, out)
}

// box is one instance's files: its working directory and the host side of
// its channels.
type box struct {
	work, dev string
	stdin     string // host file fed as stdin ("": none)
	mounts    []mapreduce.Mount
	// readOnly are the job's directories whose entries work links to
	// (the image, the bundle's files): the sandbox shows them read-only.
	readOnly []string
}

// prepare makes the working directory of instance i of stage k (its
// image's entries and the bundle's files linked in, the image mounted at
// ImageGuest) and its channel directory.
func (rt *runtime) prepare(t *mapreduce.TaskContext, k, i int) (*box, error) {
	st := &rt.spec.Stages[k]
	// t.Dir also holds the engine's spill files: the instance's own files
	// live below it, made afresh for every run.
	top := filepath.Join(t.Dir, "instance")
	os.RemoveAll(top)
	b := &box{work: filepath.Join(top, "work"), dev: filepath.Join(top, "dev")}
	for _, d := range []string{b.work, b.dev} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, mapreduce.E("create instance directory", mapreduce.Infra, d, err)
		}
	}
	// The image first: a name in both is the image's (Compile refuses
	// such jobs).
	if img := rt.images[k]; img != "" {
		if err := linkEntries(img, b.work); err != nil {
			return nil, err
		}
		b.mounts = append(b.mounts, mapreduce.Mount{Host: img, Guest: ImageGuest})
		b.readOnly = append(b.readOnly, img)
	}
	if err := linkEntries(rt.files, b.work); err != nil {
		return nil, err
	}
	b.readOnly = append(b.readOnly, rt.files)
	if f := rt.fetched[k]; f != "" {
		b.readOnly = append(b.readOnly, f)
	}
	for _, dev := range st.devices() {
		if dev != "output" {
			continue
		}
		f := filepath.Join(b.dev, dev)
		if err := writableFile(f); err != nil {
			return nil, err
		}
		b.mounts = append(b.mounts, mapreduce.Mount{Host: f, Guest: "/dev/" + dev, Writable: true})
	}
	return b, nil
}

// linkEntries links each entry of dir into work, but for names work has.
func linkEntries(dir, work string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return mapreduce.E("link job files", mapreduce.Infra, dir, err)
	}
	for _, e := range entries {
		err := os.Symlink(filepath.Join(dir, e.Name()), filepath.Join(work, e.Name()))
		if err != nil && !errors.Is(err, fs.ErrExist) {
			return mapreduce.E("link job files", mapreduce.Infra, work, err)
		}
	}
	return nil
}

// writableFile creates an empty file the sandboxed program (another
// user, for a root worker) may write but not replace.
func writableFile(p string) error {
	if err := os.WriteFile(p, nil, 0o666); err != nil {
		return mapreduce.E("make channels", mapreduce.Infra, p, err)
	}
	if err := os.Chmod(p, 0o666); err != nil {
		return mapreduce.E("make channels", mapreduce.Infra, p, err)
	}
	return nil
}

// writeInput stores the instance's object (the records of its split) as
// the host side of the input device.
func (b *box) writeInput(dev string, in mapreduce.RecordReader) error {
	p := filepath.Join(b.dev, dev)
	f, err := os.Create(p)
	if err != nil {
		return mapreduce.E("store input", mapreduce.Infra, p, err)
	}
	for {
		_, v, err := in.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			f.Close()
			return err
		}
		if _, err := f.Write(v); err != nil {
			f.Close()
			return mapreduce.E("store input", mapreduce.Infra, p, err)
		}
	}
	if err := f.Close(); err != nil {
		return mapreduce.E("store input", mapreduce.Infra, p, err)
	}
	if dev == "stdin" {
		b.stdin = p
	} else {
		b.mounts = append(b.mounts, mapreduce.Mount{Host: p, Guest: "/dev/" + dev})
	}
	return nil
}

// makeOutChannels creates /dev/out/<dst> for every destination.
func (b *box) makeOutChannels(dsts []string) error {
	dir := filepath.Join(b.dev, "out")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return mapreduce.E("make channels", mapreduce.Infra, dir, err)
	}
	for _, d := range dsts {
		if err := writableFile(filepath.Join(dir, d)); err != nil {
			return err
		}
	}
	b.mounts = append(b.mounts, mapreduce.Mount{Host: dir, Guest: "/dev/out", Writable: true})
	return nil
}

// logLimit bounds the path-less output of an instance kept in its log.
const logLimit = 16 << 20

// run runs instance i of stage k and waits for it.
func (rt *runtime) run(ctx context.Context, t *mapreduce.TaskContext, st *Stage, k, i int, b *box) error {
	name := st.Instances[i]
	argv0 := rt.programs[k]
	args := append([]string{argv0}, st.Args...)
	env := []string{"PATH=" + rt.path, "HOME=" + b.work, "LANG=C.UTF-8", "TMPDIR=/tmp", "ZEROCLOUD_INSTANCE=" + name}
	var local *LocalObject
	if t.Split != nil && t.Split.Path != "" && st.Input != "" {
		local = &LocalObject{PathInfo: t.Split.Path, Size: t.Split.Length}
		if rt.object != nil {
			o, err := rt.object(ctx, t.Split.URI)
			if err != nil {
				return mapreduce.E("describe the instance's object", mapreduce.Transient, name, err)
			}
			local = o
		}
	}
	env = append(env, cgiEnv(rt.spec.Request, st, name, local)...)
	for _, key := range sortedKeys(st.Env) {
		env = append(env, key+"="+st.Env[key])
	}
	logw := &limitWriter{w: t.Stderr, n: logLimit}
	cmd := mapreduce.Command{Args: args, Dir: b.work, Env: env, Stdout: logw, Stderr: logw, Mounts: b.mounts, ReadOnly: b.readOnly}
	if st.Program.Kind != ProgramSystem {
		// As ZeroCloud: an app's argv[0] is exec.name, else the
		// instance's name. Not a host interpreter's (python3 finds its
		// installation and virtualenv through its argv[0]); a #! app's
		// interpreter keeps its own too (see Command.Argv0).
		cmd.Argv0 = cmp.Or(st.Argv0, name)
	}
	var files []*os.File
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	if b.stdin != "" {
		f, err := os.Open(b.stdin)
		if err != nil {
			return mapreduce.E("run instance", mapreduce.Infra, b.stdin, err)
		}
		files = append(files, f)
		cmd.Stdin = f
	}
	for _, dev := range st.devices() {
		if dev != "stdout" && dev != "stderr" {
			continue
		}
		p := filepath.Join(b.dev, dev)
		f, err := os.Create(p)
		if err != nil {
			return mapreduce.E("run instance", mapreduce.Infra, p, err)
		}
		files = append(files, f)
		if dev == "stdout" {
			cmd.Stdout = f
		} else if st.stored(dev) {
			cmd.Stderr = f
		} else {
			// A path-less stderr is the reply's and the log's.
			cmd.Stderr = io.MultiWriter(f, logw)
		}
	}
	fmt.Fprintf(t.Stderr, "zerocloud: instance %s: %s\n", name, rt.scrubText(t, strings.Join(args, " ")))
	proc, err := rt.runner.Start(ctx, cmd)
	if err != nil {
		return mapreduce.E("start instance", mapreduce.UserCode, name, err)
	}
	rep := &Report{System: name, Status: "ok.", Etag: "disabled", Cdr: "0.0 0.0 0 0 0 0 0 0 0 0", ReplyType: st.ReplyType}
	if err := proc.Wait(); err != nil {
		if ctx.Err() != nil {
			return mapreduce.E("run instance", mapreduce.Canceled, name, ctx.Err())
		}
		// As ZeroCloud: an app that ran and failed is a result (its exit
		// code reported, its outputs kept), not a failure to retry.
		var ee *mapreduce.ExitError
		if !errors.As(err, &ee) {
			return mapreduce.E("run instance", mapreduce.UserCode, name, fmt.Errorf("%s: %w", name, err))
		}
		rep.Retcode = ee.Code
		if ee.Signal != "" || ee.Reason != "" {
			rep.Status = ee.Error()
		}
		fmt.Fprintf(t.Stderr, "zerocloud: instance %s: %v\n", name, rt.scrub(t, err))
	}
	var parts []string
	for _, dev := range st.Reply {
		parts = append(parts, filepath.Join(b.dev, dev))
	}
	return writeReply(logDir(t), rep, parts)
}

// emitOutput passes the instance's output device, raw, to the job's
// output, and copies its further stored devices (Stage.More) of instance i
// to their objects.
func (b *box) emitOutput(t *mapreduce.TaskContext, st *Stage, i int, out mapreduce.Collector) error {
	if st.Output == "" {
		return nil
	}
	if err := emitFile(filepath.Join(b.dev, st.Output), func(chunk []byte) error { return out.Collect(nil, chunk) }); err != nil {
		return err
	}
	for _, m := range st.More {
		if i >= len(m.Outputs) || t.CreateOutput == nil {
			return mapreduce.E("store output", mapreduce.Internal, m.Device, fmt.Errorf("instance %d: no object for the device", i))
		}
		w, err := t.CreateOutput(m.Outputs[i], mapreduce.Attrs{ContentType: m.Type, Meta: m.Meta})
		if err != nil {
			return err
		}
		err = emitFile(filepath.Join(b.dev, m.Device), func(chunk []byte) error {
			_, err := w.Write(chunk)
			return err
		})
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return mapreduce.E("store output", mapreduce.Other, m.Device, err)
		}
	}
	return nil
}

// devices are the instance's writable devices it keeps: stored, then
// the reply's.
func (st *Stage) devices() []string {
	devs := []string{st.Output}
	for _, m := range st.More {
		devs = append(devs, m.Device)
	}
	return append(devs, st.Reply...)
}

// extraOutputs are the further objects (mapreduce.OutputSpec.Extra) of a
// stage's n instances.
func extraOutputs(more []StoredOutput, n int) [][]string {
	if len(more) == 0 {
		return make([][]string, n)
	}
	extra := make([][]string, n)
	for i := range extra {
		for _, m := range more {
			if i < len(m.Outputs) {
				extra[i] = append(extra[i], m.Outputs[i])
			}
		}
	}
	return extra
}

// emitFile calls emit with the file's bytes in chunks of up to
// mapreduce.RawChunk.
//
// The channel lives in a directory the program could write (/dev/out): it
// is opened without following a symlink and without blocking on a FIFO,
// and must be a regular file, so that a program cannot make the worker
// read a host file into the job's output.
func emitFile(p string, emit func([]byte) error) error {
	f, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if errors.Is(err, syscall.ELOOP) {
		return mapreduce.E("read channel", mapreduce.UserCode, p, errors.New("the program replaced its output channel with a symbolic link: refused"))
	}
	if err != nil {
		return mapreduce.E("read channel", mapreduce.Infra, p, err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return mapreduce.E("read channel", mapreduce.UserCode, p, errors.New("the program replaced its output channel with something other than a regular file: refused"))
	}
	buf := make([]byte, mapreduce.RawChunk)
	for {
		n, err := io.ReadFull(f, buf)
		if n > 0 {
			if err := emit(buf[:n]); err != nil {
				return err
			}
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil
		}
		if err != nil {
			return mapreduce.E("read channel", mapreduce.Infra, p, err)
		}
	}
}

// limitWriter passes on the first n bytes and drops the rest.
type limitWriter struct {
	mu sync.Mutex
	w  io.Writer
	n  int64
}

func (l *limitWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.n > 0 {
		q := p[:min(int64(len(p)), l.n)]
		l.w.Write(q)
		l.n -= int64(len(q))
	}
	return len(p), nil
}

// scrub returns err without the worker's paths: the job's (see hide) and
// the attempt's directory.
func (rt *runtime) scrub(t *mapreduce.TaskContext, err error) error {
	if err == nil {
		return nil
	}
	s := rt.attemptScrubber(t)
	return s.err(err)
}

// scrubText is scrub for a log line.
func (rt *runtime) scrubText(t *mapreduce.TaskContext, text string) string {
	return rt.attemptScrubber(t).text(text)
}

func (rt *runtime) attemptScrubber(t *mapreduce.TaskContext) *scrubber {
	s := &scrubber{}
	if rt.hide != nil {
		s.pairs = append(s.pairs, rt.hide.pairs...)
	}
	if t.Dir != "" {
		s.add(filepath.Join(t.Dir, "instance", "work"), ".")
		s.add(filepath.Join(t.Dir, "instance", "dev"), "/dev")
		s.add(t.Dir, "<instance>")
	}
	return s
}
