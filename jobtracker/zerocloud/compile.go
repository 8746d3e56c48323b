package zerocloud

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"zebra/jobtracker/api"
	"zebra/jobtracker/placement"
	"zebra/mapreduce"
)

// Options are what Compile needs besides the job.
type Options struct {
	// Registry resolves swift:// (and other) paths: wildcard listings,
	// replica lookups, the existence of apps and outputs.
	Registry *mapreduce.Registry
	// Dir is the directory of the job description, whose files make the
	// job's bundle (relative exec.path values, files named in exec.args);
	// "" for a description that came without files (posted to the
	// jobtracker), which then may use only swift:// and system programs.
	Dir string
	// Conf are the job's settings (credentials, zebra.sandbox, attempts).
	Conf map[string]string
	// Name, User and Args are shown in the job's history.
	Name, User string
	Args       []string
	// Account is the Swift account swift://~/ stands for ("": the
	// credentials' own), e.g. the tenant a jobtracker authenticated.
	Account string
	// OwnAccountOnly refuses every swift:// path outside Account (a
	// tenant's job may touch only its own data and apps).
	OwnAccountOnly bool
	// Slots are the cluster's slots (nil: unknown, as on a client): a job
	// whose cyclic part needs more at once than there are is refused with
	// ErrNoSlots (ZeroCloud's 503) rather than queued forever.
	Slots  *placement.Capacity
	Logger *slog.Logger
}

// ErrNoSlots is matched (errors.Is) by the error of a job that needs more
// slots at once than the cluster has, which ZeroCloud answered with 503
// ("Slot not available").
var ErrNoSlots = errors.New("the cluster has too few slots for the job")

// Compiled is a job ready to submit.
type Compiled struct {
	Plan *api.Plan
	// Bundle maps each file to ship, by its path in the bundle, to its
	// host path (under Options.Dir).
	Bundle map[string]string
}

// stageGroup is a group in data-flow order, with its index in the file.
type stageGroup struct {
	g     *Group
	index int
}

// Compile turns a validated job into a plan. It lists wildcard inputs (one
// instance per matching object, in listing order), derives every output
// object's name, checks that apps exist and that no output exists, and
// locates each map instance's object for placement. It starts nothing;
// every problem is an ErrorList naming its field.
func Compile(ctx context.Context, file string, job *Job, o Options) (*Compiled, error) {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	p := &problems{file: file}
	if gangs(ctx, p, job, o) {
		return nil, p.err()
	}
	graph := !simpleShape(job)
	var stages []stageGroup
	if graph {
		for i, g := range job.Groups {
			stages = append(stages, stageGroup{g, i})
		}
	} else {
		stages = shape(p, job)
	}
	if len(p.list) > 0 {
		return nil, p.err()
	}
	if o.OwnAccountOnly {
		foreignAccounts(p, job, o.Account)
		if len(p.list) > 0 {
			return nil, p.err()
		}
	}
	c := &compiler{ctx: ctx, p: p, o: o, bundle: map[string]string{}}
	defer func() {
		for _, d := range c.tempDirs {
			os.RemoveAll(d)
		}
	}()
	spec := &Spec{}
	var gangs [][]int
	for k, sg := range stages {
		if graph {
			// Every group is compiled as a first one (its instances from
			// its object or count), each with its own wildcard captures.
			c.captures = nil
			spec.Stages = append(spec.Stages, c.stage(sg, 0, 1))
			continue
		}
		spec.Stages = append(spec.Stages, c.stage(sg, k, len(stages)))
	}
	if len(p.list) > 0 {
		return nil, p.err()
	}
	if graph {
		spec.Graph, gangs = c.graphSpec(job, stages, spec)
	}
	c.imageConflicts(stages)
	if len(p.list) > 0 {
		return nil, p.err()
	}
	outURI, files := ReplyOutput, []string{}
	var storing []int
	for k := range spec.Stages {
		if spec.Stages[k].Output != "" && (graph || k == len(spec.Stages)-1) {
			storing = append(storing, k)
		}
	}
	if len(storing) > 0 {
		outURI, files = c.outputs(stages, spec, storing)
	}
	if len(p.list) > 0 {
		return nil, p.err()
	}
	specJSON, err := json.Marshal(spec)
	if err != nil {
		return nil, fmt.Errorf("compile %s: %w", file, err)
	}
	conf := mapreduce.NewConf()
	for k, v := range o.Conf {
		conf.Set(k, v)
	}
	maxMap, err1 := conf.Int("mapreduce.map.maxattempts", 4)
	maxReduce, err2 := conf.Int("mapreduce.reduce.maxattempts", 4)
	slow, err3 := conf.Float("mapreduce.job.reduce.slowstart.completedmaps", 0.05)
	if err := errors.Join(err1, err2, err3); err != nil {
		p.add(-1, "", "", "settings: %v", err)
		return nil, p.err()
	}
	pl := &api.Plan{Name: o.Name, User: o.User, Args: o.Args, Kind: Kind, Spec: specJSON, Conf: o.Conf,
		Splits: c.splits, Output: outURI, OutputFiles: files,
		MaxMapAttempts: maxMap, MaxReduceAttempts: maxReduce, SlowStart: slow, Gangs: gangs}
	if !graph && len(spec.Stages) == 2 {
		pl.Reduces = len(spec.Stages[1].Instances)
	}
	return &Compiled{Plan: pl, Bundle: c.bundle}, nil
}

// foreignAccounts adds a problem for every swift:// path (app or device)
// that names an account other than account.
func foreignAccounts(p *problems, job *Job, account string) {
	check := func(i int, g *Group, field, u string) {
		if !strings.HasPrefix(u, "swift://") {
			return
		}
		if acct, _, _, err := parseSwift(u); err == nil && acct != "" && acct != account {
			p.add(i, g.Name, field, "%s is in the account %s; a job may use only its own account's objects (%s, or swift://~/…)", u, acct, account)
		}
	}
	for i := range job.Groups {
		g := job.Groups[i]
		check(i, g, "exec.path", g.Exec.Path)
		for k, d := range g.Devices {
			check(i, g, fmt.Sprintf("devices[%d].path", k), d.Path)
		}
	}
}

// simpleShape reports whether the job is one group, or two of which one
// connects to the other, the receiving one reading no object and the
// sending one storing none: zebra runs those as a map-only or map-reduce job
// whose channels are files delivered when their writer exits. Any other
// graph runs as a graph (see graphSpec): every instance a task, channels
// streamed, each connected set of instances a gang.
func simpleShape(job *Job) bool {
	gs := job.Groups
	for _, g := range gs {
		if slices.Contains(g.Connect, g.Name) {
			return false
		}
	}
	switch len(gs) {
	case 1:
		return true
	case 2:
		from, to := gs[0], gs[1]
		if len(to.Connect) > 0 {
			from, to = to, from
		}
		if len(from.Connect) == 0 || len(to.Connect) > 0 {
			return false
		}
		// The reduce side reads no object, the map side stores none.
		for _, d := range to.Devices {
			if d.Readable() && d.Name != "image" && d.Path != "" {
				return false
			}
		}
		for _, d := range from.Devices {
			if d.Writable() && d.Path != "" {
				return false
			}
		}
		return true
	}
	return false
}

// shape orders the groups of a simpleShape job as zebra runs them: the
// sending group first.
func shape(_ *problems, job *Job) []stageGroup {
	gs := job.Groups
	if len(gs) == 2 && len(gs[1].Connect) > 0 {
		return []stageGroup{{gs[1], 1}, {gs[0], 0}}
	}
	out := []stageGroup{{gs[0], 0}}
	if len(gs) == 2 {
		out = append(out, stageGroup{gs[1], 1})
	}
	return out
}

// gangs refuses with ErrNoSlots a job run as a graph (see simpleShape)
// with a connected set of instances, which must all run at once, larger
// than o.Slots' map slots, as ZeroCloud answered 503 when it could not
// spawn every node. It reports whether it refused. Counting a wildcard
// group's instances lists its objects; a listing that fails leaves the
// problem to Compile.
func gangs(ctx context.Context, p *problems, job *Job, o Options) bool {
	if o.Slots == nil || simpleShape(job) {
		return false
	}
	counts := make([]int, len(job.Groups))
	for i, g := range job.Groups {
		counts[i] = max(g.Count, 1)
		for _, d := range g.Devices {
			if !d.Readable() || !wildcard(d.Path) || d.Name == "image" {
				continue
			}
			fsys, name, err := o.Registry.Resolve(ctx, zebraURLFor(d.Path, o.Account))
			if err != nil {
				return false
			}
			objs, err := expand(ctx, fsys, name)
			if err != nil {
				return false
			}
			counts[i] = max(len(objs), 1)
		}
	}
	if channelCount(job, counts) > MaxChannels {
		return false // graphSpec refuses it
	}
	g := BuildGraph(job, counts)
	for k, c := range g.Components {
		need := placement.Capacity{Maps: c.Instances}
		if !c.Linked || placement.GangFits(need, *o.Slots) {
			continue
		}
		first := c.Groups[0]
		p.list = append(p.list, &FieldError{File: p.file, Group: first, Name: job.Groups[first].Name, Field: "connect",
			Msg: fmt.Sprintf("Slot not available: the %d instances of these connected groups (component %d) must all run at once, and the cluster has %d map slots",
				c.Instances, k+1, o.Slots.Maps), noSlots: true})
	}
	return len(p.list) > 0
}

// graphSpec is the channels of a job run as a graph and its gangs: the
// tasks (indices into the plan's splits, one per instance, groups in file
// order) of each connected set of instances.
func (c *compiler) graphSpec(job *Job, stages []stageGroup, spec *Spec) (*GraphSpec, [][]int) {
	counts := make([]int, len(spec.Stages))
	offset := make([]int, len(spec.Stages))
	n := 0
	for k, st := range spec.Stages {
		counts[k], offset[k] = len(st.Instances), n
		n += counts[k]
	}
	if n := channelCount(job, counts); n > MaxChannels {
		c.add(stages[0], "connect", "%d channels between the instances: more than the %d a job may have", n, MaxChannels)
		return nil, nil
	}
	g := BuildGraph(job, counts)
	gs := &GraphSpec{Channels: [][2]string{}}
	for _, ch := range g.Channels {
		gs.Channels = append(gs.Channels, [2]string{ch.From, ch.To})
	}
	var gangs [][]int
	for _, comp := range g.Components {
		if !comp.Linked {
			continue
		}
		var members []int
		for _, k := range comp.Groups {
			for i := range counts[k] {
				members = append(members, offset[k]+i)
			}
		}
		gangs = append(gangs, members)
	}
	if c.o.Conf[mapreduce.KeySandbox] == "none" && len(gs.Channels) > 0 {
		c.add(stages[0], "connect", "zebra.sandbox=none runs plain processes, which can be given only stdin and stdout: /dev/in and /dev/out need the native sandbox")
	}
	return gs, gangs
}

type compiler struct {
	ctx    context.Context
	p      *problems
	o      Options
	bundle map[string]string
	splits []mapreduce.Split
	// captures are, per stage-0 instance, what the wildcards of its input
	// matched (nil without a wildcard).
	captures [][]string
	// images are the stages' unpacked images (nil: none), in tempDirs.
	images   []*compiledImage
	tempDirs []string
}

// url is the zebra URL of a ZeroCloud swift:// URL.
func (c *compiler) url(u string) string { return zebraURLFor(u, c.o.Account) }

func (c *compiler) add(sg stageGroup, field, format string, args ...any) {
	c.p.add(sg.index, sg.g.Name, field, format, args...)
}

// stage compiles group sg as stage k of n.
func (c *compiler) stage(sg stageGroup, k, n int) Stage {
	g := sg.g
	st := Stage{Group: g.Name, Argv0: g.Exec.Name, Env: g.Exec.Env, Exe: g.Exec.Path}
	st.Args, _ = SplitArgs(g.Exec.Args)
	var in, out int = -1, -1
	var more []int // stored devices after out
	var img *compiledImage
	for j, d := range g.Devices {
		switch {
		case d.Name == "image":
			if img = c.image(sg, j); img != nil {
				st.Image = &img.spec
			}
		case d.Readable() && d.Path != "":
			if in >= 0 {
				c.add(sg, fmt.Sprintf("devices[%d]", j), "not supported yet: more than one readable object per group (%s and %s)", g.Devices[in].Name, d.Name)
				continue
			}
			in = j
		case d.Writable() && d.Path != "":
			if out >= 0 {
				more = append(more, j)
				continue
			}
			out = j
		}
	}
	if in >= 0 {
		st.Input = g.Devices[in].Name
		if k > 0 {
			c.add(sg, fmt.Sprintf("devices[%d].path", in), "not supported yet: a group that receives connections reading an object too")
		}
	}
	if out >= 0 {
		st.Output = g.Devices[out].Name
		st.OutputType, st.OutputMeta = g.Devices[out].ContentType, g.Devices[out].Meta
		if k < n-1 {
			c.add(sg, fmt.Sprintf("devices[%d].path", out), "not supported yet: a group that sends to another group storing an object too")
		}
	}
	for _, d := range g.Devices {
		if d.Writable() && d.Path == "" {
			st.Reply = append(st.Reply, d.Name)
			if st.ReplyType == "" {
				st.ReplyType = d.ContentType
			}
			if d.Name == "output" && c.o.Conf[mapreduce.KeySandbox] == "none" {
				c.add(sg, "devices", "zebra.sandbox=none runs plain processes, which can be given only stdin and stdout: a path-less /dev/output needs the native sandbox")
			}
		}
	}
	if c.o.Conf[mapreduce.KeySandbox] == "none" && (st.Input == "input" || st.Input == "script" || st.Output == "output" || n > 1 || st.Image != nil) {
		c.add(sg, "devices", "zebra.sandbox=none runs plain processes, which can be given only stdin and stdout: /dev/input, /dev/output, /dev/in, /dev/out and images need the native sandbox")
	}
	c.images = append(c.images, img)
	st.Program = c.program(sg, &st, img)
	if k == 0 {
		st.Instances = c.instances(sg, in)
	} else {
		count := max(g.Count, 1)
		st.Instances = instanceNames(g.Name, count)
	}
	if out >= 0 && len(st.Instances) > 0 {
		st.Outputs = c.outputNames(sg, &st, g.Devices[out].Path, k == 0)
	}
	for _, j := range more {
		d := g.Devices[j]
		m := StoredOutput{Device: d.Name, Type: d.ContentType, Meta: d.Meta}
		if d.Name == "output" && c.o.Conf[mapreduce.KeySandbox] == "none" {
			c.add(sg, fmt.Sprintf("devices[%d]", j), "zebra.sandbox=none runs plain processes, which can be given only stdin and stdout: /dev/output needs the native sandbox")
		}
		if len(st.Instances) > 0 {
			m.Outputs = c.outputNames(sg, &st, d.Path, k == 0)
		}
		st.More = append(st.More, m)
	}
	return st
}

// program resolves exec.path (a relative one in the image first, then
// in the bundle) and ships the files exec.args names that the image does
// not have.
func (c *compiler) program(sg stageGroup, st *Stage, img *compiledImage) Program {
	e := sg.g.Exec
	var prog Program
	switch {
	case strings.HasPrefix(e.Path, "file://"):
		img, inner, _ := strings.Cut(strings.TrimPrefix(e.Path, "file://"), ":")
		host, _ := sysProgram(img, inner)
		prog = Program{Kind: ProgramSystem, Path: host}
	case strings.HasPrefix(e.Path, "swift://"):
		u := c.url(e.Path)
		fsys, name, err := c.o.Registry.Resolve(c.ctx, u)
		if err == nil {
			_, err = fsys.Stat(c.ctx, name)
		}
		switch {
		case errors.Is(err, fs.ErrNotExist):
			c.add(sg, "exec.path", "%s: no such object: upload the app first", e.Path)
		case err != nil:
			c.add(sg, "exec.path", "%s: %v", e.Path, err)
		}
		prog = Program{Kind: ProgramSwift, Path: u}
	default:
		rel := path.Clean(e.Path)
		if mode, ok := img.has(rel); ok {
			switch {
			case !mode.IsRegular():
				c.add(sg, "exec.path", "%s: in the image (%s), not a regular file", rel, img.field)
			case mode.Perm()&0o111 == 0:
				c.add(sg, "exec.path", "%s: in the image (%s), not executable: give it mode 0755 in the tar, or run it through an interpreter", rel, img.field)
			}
			prog = Program{Kind: ProgramImage, Path: rel}
			break
		}
		if c.ship(sg, "exec.path", rel, true) {
			prog = Program{Kind: ProgramBundle, Path: rel}
		}
	}
	// Files the command line names travel in the bundle too. The script of
	// an interpreter must be there.
	for i, a := range st.Args {
		if a == "" || strings.HasPrefix(a, "-") || strings.Contains(a, "://") || path.IsAbs(a) || strings.HasPrefix(path.Clean(a), "..") {
			if i == 0 && prog.Kind == ProgramSystem && strings.HasPrefix(a, "-") {
				break // python -c ..., python -m ...: no script
			}
			continue
		}
		mustExist := i == 0 && prog.Kind == ProgramSystem
		if _, ok := img.has(a); ok {
			continue // the image's file, in the working directory
		}
		if c.o.Dir == "" {
			if mustExist {
				c.add(sg, "exec.args", "%s: the script is a relative path, but this job came without its files: submit it with `zebra submit job.json`, which ships the files next to job.json", a)
			}
			continue
		}
		if _, err := os.Stat(filepath.Join(c.o.Dir, filepath.FromSlash(a))); err == nil {
			c.ship(sg, "exec.args", path.Clean(a), false)
		} else if mustExist {
			c.add(sg, "exec.args", "%s: no such file next to %s (in %s)", a, c.p.file, c.o.Dir)
		}
	}
	return prog
}

// ship adds a file of the job's directory to the bundle.
func (c *compiler) ship(sg stageGroup, field, rel string, program bool) bool {
	if c.o.Dir == "" {
		c.add(sg, field, "%s: a relative path needs the job's files, and this job came without them: submit it with `zebra submit job.json` (which ships the files next to job.json) or use a swift:// path", rel)
		return false
	}
	host := filepath.Join(c.o.Dir, filepath.FromSlash(rel))
	fi, err := os.Stat(host)
	switch {
	case err != nil:
		c.add(sg, field, "%s: no such file next to %s (in %s)", rel, c.p.file, c.o.Dir)
		return false
	case program && !fi.Mode().IsRegular():
		c.add(sg, field, "%s: not a regular file", rel)
		return false
	case program && fi.Mode().Perm()&0o111 == 0:
		c.add(sg, field, "%s: not executable: chmod +x it, or run it through an interpreter (file://python2.7:python with the script in exec.args)", rel)
		return false
	}
	c.bundle[rel] = host
	return true
}

// instances lists stage 0's instances and builds their splits.
func (c *compiler) instances(sg stageGroup, in int) []string {
	g := sg.g
	if in < 0 {
		names := instanceNames(g.Name, max(g.Count, 1))
		for _, n := range names {
			c.splits = append(c.splits, mapreduce.Split{URI: "zerocloud:" + n})
			c.captures = append(c.captures, nil)
		}
		return names
	}
	d := g.Devices[in]
	field := fmt.Sprintf("devices[%d].path", in)
	fsys, name, err := c.o.Registry.Resolve(c.ctx, c.url(d.Path))
	if err != nil {
		c.add(sg, field, "%s: %v", d.Path, err)
		return nil
	}
	var objs []match
	if wildcard(d.Path) {
		objs, err = expand(c.ctx, fsys, name)
		switch {
		case err != nil:
			c.add(sg, field, "%s: list: %v", d.Path, err)
			return nil
		case len(objs) == 0:
			c.add(sg, field, "%s matches no object", d.Path)
			return nil
		case len(objs) > maxCount:
			c.add(sg, field, "%s matches %d objects, more than the %d instances a group may have", d.Path, len(objs), maxCount)
			return nil
		}
	} else {
		fi, err := fsys.Stat(c.ctx, name)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			c.add(sg, field, "%s: no such object", d.Path)
			return nil
		case err != nil:
			c.add(sg, field, "%s: %v", d.Path, err)
			return nil
		case fi.IsDir:
			c.add(sg, field, "%s is a container or pseudo-directory, not an object", d.Path)
			return nil
		}
		for range max(g.Count, 1) {
			objs = append(objs, match{info: fi})
		}
	}
	names := instanceNames(g.Name, len(objs))
	splits := make([]mapreduce.Split, len(objs))
	for i, m := range objs {
		splits[i] = mapreduce.Split{Path: m.info.Path, URI: fsys.URI(m.info.Path), Length: m.info.Size}
		c.captures = append(c.captures, m.captures)
	}
	if sg.g.Attach == "" || sg.g.Attach == "default" || sg.g.Attach == d.Name {
		if err := mapreduce.LocateSplits(c.ctx, fsys, splits); err != nil {
			c.o.Logger.Warn("zerocloud: some inputs could not be located; their instances run anywhere", "err", err)
		}
	}
	c.splits = append(c.splits, splits...)
	return names
}

// outputNames derives each instance's output object (a ZeroCloud URL).
func (c *compiler) outputNames(sg stageGroup, st *Stage, pattern string, first bool) []string {
	out := make([]string, len(st.Instances))
	for i, inst := range st.Instances {
		var caps []string
		if first && i < len(c.captures) {
			caps = c.captures[i]
		}
		k := 0
		out[i] = replaceStars(pattern, func() string {
			if caps != nil {
				s := caps[min(k, len(caps)-1)]
				k++
				return s
			}
			return inst
		})
	}
	return out
}

func replaceStars(p string, next func() string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(p, '*')
		if i < 0 {
			b.WriteString(p)
			return b.String()
		}
		b.WriteString(p[:i])
		b.WriteString(next())
		p = p[i+1:]
	}
}

// outputs resolves the output objects of the stages storing (indices into
// spec.Stages and stages): the plan's output directory (their common
// parent) and their names relative to it, none of which may exist. Each
// stage's Outputs become those relative names. Stages storing into one
// directory must agree on content_type and meta (the job's output has one
// set of attributes).
func (c *compiler) outputs(stages []stageGroup, spec *Spec, storing []int) (string, []string) {
	type ref struct {
		k     int
		field string
	}
	var (
		fsys  mapreduce.FS
		full  []string
		refs  []ref
		first = &spec.Stages[storing[0]]
	)
	seen := map[string]string{}
	for _, k := range storing {
		sg, st := stages[k], &spec.Stages[k]
		field := "devices"
		for j, d := range sg.g.Devices {
			if d.Name == st.Output {
				field = fmt.Sprintf("devices[%d].path", j)
			}
		}
		if st.OutputType != first.OutputType || !maps.Equal(st.OutputMeta, first.OutputMeta) {
			c.add(sg, field, "not supported yet: groups storing objects with different content_type or meta (%s and %s)", first.Group, st.Group)
			return "", nil
		}
		lists := [][]string{st.Outputs}
		devices := []string{st.Output}
		for _, m := range st.More {
			lists = append(lists, m.Outputs)
			devices = append(devices, m.Device)
		}
		for d, list := range lists {
			for i, u := range list {
				f, name, err := c.o.Registry.Resolve(c.ctx, c.url(u))
				if err != nil {
					c.add(sg, field, "%s: %v", u, err)
					return "", nil
				}
				if fsys == nil {
					fsys = f
				} else if f != fsys {
					c.add(sg, field, "not supported yet: outputs in different accounts")
					return "", nil
				}
				writer := st.Instances[i] + "'s " + devices[d]
				if other, dup := seen[name]; dup {
					c.add(sg, field, "%s: %s and %s would both write this object", u, other, writer)
					return "", nil
				}
				seen[name] = writer
				full = append(full, path.Clean("/"+name))
				refs = append(refs, ref{k, field})
			}
		}
	}
	dir := path.Dir(full[0])
	for _, f := range full[1:] {
		for !strings.HasPrefix(f, dir+"/") && dir != "/" {
			dir = path.Dir(dir)
		}
	}
	last := stages[storing[len(storing)-1]]
	if dir == "/" {
		c.add(last, refs[len(refs)-1].field, "not supported yet: outputs in different containers")
		return "", nil
	}
	rel := make([]string, len(full))
	for i, f := range full {
		rel[i] = strings.TrimPrefix(f, dir+"/")
	}
	if err := mapreduce.CheckAbsent(c.ctx, fsys, dir, rel); err != nil {
		c.add(last, refs[len(refs)-1].field, "%v", unwrapOp(err))
		return "", nil
	}
	n := 0
	for _, k := range storing {
		st := &spec.Stages[k]
		st.Outputs = rel[n : n+len(st.Outputs)]
		n += len(st.Outputs)
		for j := range st.More {
			m := &st.More[j]
			m.Outputs = rel[n : n+len(m.Outputs)]
			n += len(m.Outputs)
		}
	}
	return fsys.URI(dir), rel
}

// unwrapOp drops mapreduce.Error's "op: path:" prefix for field messages.
func unwrapOp(err error) error {
	var me *mapreduce.Error
	if errors.As(err, &me) && me.Err != nil {
		return me.Err
	}
	return err
}

// match is one object a wildcard matched, with what each * captured.
type match struct {
	info     mapreduce.FileInfo
	captures []string
}

// expand lists the objects matching pattern (an FS path whose * match any
// text, / included, as ZeroCloud's regex .* did), in listing order.
func expand(ctx context.Context, fsys mapreduce.FS, pattern string) ([]match, error) {
	// Matching uses names of the form /a/b; listing the FS's own.
	abs := "/" + strings.TrimPrefix(pattern, "/")
	parts := strings.Split(abs, "*")
	for i := range parts {
		parts[i] = regexp.QuoteMeta(parts[i])
	}
	re, err := regexp.Compile("^" + strings.Join(parts, "(.*)") + "$")
	if err != nil {
		return nil, err
	}
	prefix := abs[:strings.IndexByte(abs, '*')]
	dir := path.Dir(pattern[:strings.IndexByte(pattern, '*')] + "x")
	var out []match
	var walk func(dir string) error
	walk = func(dir string) error {
		list, err := fsys.List(ctx, dir)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		for _, fi := range list {
			p := path.Clean("/" + fi.Path)
			if fi.IsDir {
				if strings.HasPrefix(p+"/", prefix) || strings.HasPrefix(prefix, p+"/") {
					if err := walk(fi.Path); err != nil {
						return err
					}
				}
				continue
			}
			if m := re.FindStringSubmatch(p); m != nil {
				out = append(out, match{info: fi, captures: m[1:]})
			}
		}
		return nil
	}
	if err := walk(dir); err != nil {
		return nil, err
	}
	return out, nil
}

// imageConflicts refuses a bundle file whose top-level name is also an
// entry of an image: both are linked into the working directory.
func (c *compiler) imageConflicts(stages []stageGroup) {
	for k, img := range c.images {
		if img == nil {
			continue
		}
		var clash []string
		for rel := range c.bundle {
			top, _, _ := strings.Cut(rel, "/")
			if img.top[top] && rel != img.spec.Path {
				clash = append(clash, rel)
			}
		}
		if len(clash) > 0 {
			sort.Strings(clash)
			c.add(stages[k], img.field, "the job's files %s (next to job.json) have the names of entries at the top of the image: both are linked into the working directory; rename one", strings.Join(clash, ", "))
		}
	}
}
