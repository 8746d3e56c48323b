package zerocloud

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"zebra/jobtracker/api"
	"zebra/mapreduce"
)

// TestConfine: paths that leave the bundle, an image or the output are
// refused (also when a worker rebuilds the plan); swift:// apps and images
// go through the caller's mapping.
func TestConfine(t *testing.T) {
	plan := func(edit func(s *Spec, pl *api.Plan)) *api.Plan {
		s := Spec{Stages: []Stage{{Group: "map", Instances: []string{"map"}, Program: Program{Kind: ProgramSwift, Path: "swift://apps/a.sh"},
			Image: &Image{Kind: ImageSwift, Path: "swift://imgs/i.tar"}, Outputs: []string{"res/map.out"}}}}
		pl := &api.Plan{Kind: Kind, OutputFiles: []string{"res/map.out"}, Splits: []mapreduce.Split{{URI: "zerocloud:map"}}}
		edit(&s, pl)
		pl.Spec, _ = json.Marshal(&s)
		return pl
	}
	keep := func(u string) (string, error) { return u, nil }
	for _, tc := range []struct {
		name string
		edit func(s *Spec, pl *api.Plan)
		want string
	}{
		{"bundle program", func(s *Spec, _ *api.Plan) {
			s.Stages[0].Program = Program{Kind: ProgramBundle, Path: "../../etc/shadow"}
		}, `program "../../etc/shadow"`},
		{"image program", func(s *Spec, _ *api.Plan) { s.Stages[0].Program = Program{Kind: ProgramImage, Path: "/bin/sh"} }, `program "/bin/sh"`},
		{"bundled image", func(s *Spec, _ *api.Plan) { s.Stages[0].Image = &Image{Kind: ImageBundle, Path: "a/../../i.tar"} }, `image "a/../../i.tar"`},
		{"output name", func(s *Spec, _ *api.Plan) { s.Stages[0].Outputs = []string{"../other/x"} }, `output "../other/x"`},
		{"output file", func(_ *Spec, pl *api.Plan) { pl.OutputFiles = []string{"/abs"} }, `output file "/abs"`},
		{"unlisted output", func(s *Spec, _ *api.Plan) { s.Stages[0].Outputs = []string{"res/other"} }, `output "res/other": not among`},
		{"more output name", func(s *Spec, _ *api.Plan) {
			s.Stages[0].Output = "stdout"
			s.Stages[0].More = []StoredOutput{{Device: "stderr", Outputs: []string{"../x"}}}
		}, `output "../x"`},
		{"more device", func(s *Spec, _ *api.Plan) {
			s.Stages[0].Output = "stdout"
			s.Stages[0].More = []StoredOutput{{Device: "stdout", Outputs: []string{"res/map.out"}}}
		}, `stored device "stdout"`},
		{"unlisted more output", func(s *Spec, _ *api.Plan) {
			s.Stages[0].Output = "stdout"
			s.Stages[0].More = []StoredOutput{{Device: "stderr", Outputs: []string{"res/map.err"}}}
		}, `output "res/map.err": not among`},
	} {
		err := Confine(plan(tc.edit), keep)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	pl := plan(func(*Spec, *api.Plan) {})
	var seen []string
	err := Confine(pl, func(u string) (string, error) {
		seen = append(seen, u)
		return strings.Replace(u, "swift://", "swift://AUTH_t/", 1), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var s Spec
	json.Unmarshal(pl.Spec, &s)
	if s.Stages[0].Program.Path != "swift://AUTH_t/apps/a.sh" || s.Stages[0].Image.Path != "swift://AUTH_t/imgs/i.tar" || len(seen) != 2 {
		t.Errorf("mapped %v into %+v", seen, s.Stages[0])
	}
	no := errors.New("not yours")
	if err := Confine(plan(func(*Spec, *api.Plan) {}), func(string) (string, error) { return "", no }); !errors.Is(err, no) {
		t.Errorf("a refused object: %v", err)
	}
}
