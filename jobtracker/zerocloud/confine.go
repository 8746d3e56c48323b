package zerocloud

import (
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"zebra/jobtracker/api"
)

// localName checks that name, a path a plan gives relative to a
// directory it does not own (the job's bundle, an image, the output), is
// clean, relative and stays inside.
func localName(what, name string) error {
	if name == "" || strings.HasPrefix(name, "/") || path.Clean(name) != name || name == ".." || strings.HasPrefix(name, "../") || strings.ContainsRune(name, 0) {
		return fmt.Errorf("%s %q: not a clean relative path inside its directory", what, name)
	}
	return nil
}

// check refuses a spec whose relative paths (bundle and image programs, a
// bundled image, output names) leave their directories: a plan may come
// from anyone with a token, and a worker rebuilds it on its own disk.
func (s *Spec) check() error {
	names := map[string]bool{}
	for _, st := range s.Stages {
		for _, n := range st.Instances {
			// Instance names name files (/dev/in/<name>, /dev/out/<name>).
			if !instanceName.MatchString(n) {
				return fmt.Errorf("group %s: instance name %q: want letters and digits, then -N", st.Group, n)
			}
			names[n] = true
		}
		switch st.Program.Kind {
		case ProgramBundle, ProgramImage:
			if err := localName("group "+st.Group+": program", st.Program.Path); err != nil {
				return err
			}
		}
		if st.Image != nil && st.Image.Kind == ImageBundle {
			if err := localName("group "+st.Group+": image", st.Image.Path); err != nil {
				return err
			}
		}
		for _, o := range st.Outputs {
			if o != "" {
				if err := localName("group "+st.Group+": output", o); err != nil {
					return err
				}
			}
		}
		for _, m := range st.More {
			if m.Device != "stdout" && m.Device != "stderr" && m.Device != "output" || m.Device == st.Output || st.Output == "" {
				return fmt.Errorf("group %s: stored device %q: want stdout, stderr or output, once, after the first stored device", st.Group, m.Device)
			}
			for _, o := range m.Outputs {
				if err := localName("group "+st.Group+": output", o); err != nil {
					return err
				}
			}
		}
	}
	if s.Graph != nil {
		if len(s.Graph.Channels) > MaxChannels {
			return fmt.Errorf("%d channels: more than %d", len(s.Graph.Channels), MaxChannels)
		}
		for _, ch := range s.Graph.Channels {
			if !names[ch[0]] || !names[ch[1]] || ch[0] == ch[1] {
				return fmt.Errorf("channel %s -> %s: not between two instances of the job", ch[0], ch[1])
			}
		}
	}
	return nil
}

// instanceName is the form of the instance names Compile makes.
var instanceName = regexp.MustCompile(`^[A-Za-z0-9]+(-[0-9]+)?$`)

// Confine checks the zerocloud plan pl as submitted from outside and maps
// every swift:// object its workers will fetch for it (apps and images;
// its splits and output are the caller's to check) through object, which
// may rewrite it (say, into the tenant's account) or refuse it. Relative
// paths that leave their directories and output names outside the output
// are refused. pl.Spec is rewritten.
func Confine(pl *api.Plan, object func(uri string) (string, error)) error {
	var spec Spec
	if err := json.Unmarshal(pl.Spec, &spec); err != nil {
		return fmt.Errorf("bad zerocloud spec: %w", err)
	}
	if err := spec.check(); err != nil {
		return err
	}
	// One instance per task, as the compiler makes them: the reply, the
	// workers and the CGI environment take the instance lists as the
	// tasks (see ReplyTasks).
	if n := len(spec.Stages); n == 0 || (n > 2 && spec.Graph == nil) {
		return fmt.Errorf("%d groups: a zerocloud plan has one or two (maps, then reduces), or is a graph", n)
	}
	maps := len(spec.Stages[0].Instances)
	if spec.Graph != nil {
		maps = 0
		for _, st := range spec.Stages {
			maps += len(st.Instances)
		}
	}
	if maps != len(pl.Splits) {
		return fmt.Errorf("the job has %d map instances but the plan %d splits: one instance per split", maps, len(pl.Splits))
	}
	reduces := 0
	if len(spec.Stages) == 2 && spec.Graph == nil {
		reduces = len(spec.Stages[1].Instances)
	}
	if reduces != pl.Reduces {
		return fmt.Errorf("%d instances of a second group but the plan has %d reduces: one instance per reduce", reduces, pl.Reduces)
	}
	listed := map[string]bool{}
	for _, f := range pl.OutputFiles {
		if err := localName("output file", f); err != nil {
			return err
		}
		listed[f] = true
	}
	// Every object an instance stores is one the job checked absent
	// (OutputFiles): nothing is overwritten.
	for _, st := range spec.Stages {
		names := slices.Clone(st.Outputs)
		for _, m := range st.More {
			names = append(names, m.Outputs...)
		}
		for _, o := range names {
			if o != "" && !listed[o] {
				return fmt.Errorf("group %s: output %q: not among the plan's output files", st.Group, o)
			}
		}
	}
	var err error
	for k := range spec.Stages {
		st := &spec.Stages[k]
		if st.Program.Kind == ProgramSwift {
			if st.Program.Path, err = object(st.Program.Path); err != nil {
				return err
			}
		}
		if st.Image != nil && st.Image.Kind == ImageSwift {
			if st.Image.Path, err = object(st.Image.Path); err != nil {
				return err
			}
		}
	}
	b, err := json.Marshal(&spec)
	if err != nil {
		return err
	}
	pl.Spec = b
	return nil
}
