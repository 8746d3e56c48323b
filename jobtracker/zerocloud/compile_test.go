package zerocloud

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"zebra/mapreduce"
	"zebra/mapreduce/mrtest"
)

func writeDir(t testing.TB, files map[string]string) string {
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func compileMem(t testing.TB, fsys *mrtest.MemFS, dir, src string, conf map[string]string) (*Compiled, error) {
	job, err := Parse("job.json", []byte(src))
	if err != nil {
		return nil, err
	}
	reg := &mapreduce.Registry{}
	// swift://c/o → /c/o in the memory FS, as swiftfs names objects.
	reg.Register("swift", func(_ context.Context, _ *url.URL, raw string) (mapreduce.FS, string, error) {
		return fsys, "/" + strings.TrimPrefix(raw, "swift://"), nil
	})
	return Compile(context.Background(), "job.json", job, Options{Registry: reg, Dir: dir, Conf: conf})
}

func TestCompileWordcount(t *testing.T) {
	fsys := &mrtest.MemFS{}
	ctx := context.Background()
	for _, n := range []string{"b.txt", "a.txt", "sub/c.txt", "skip.md"} {
		mrtest.WriteFile(t, fsys, "/books/"+n, []byte("words "+n))
	}
	dir := writeDir(t, map[string]string{"mapper.py": "", "reducer.py": ""})
	c, err := compileMem(t, fsys, dir, wordcount, nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = ctx
	pl := c.Plan
	var uris []string
	for _, s := range pl.Splits {
		uris = append(uris, fmt.Sprintf("%s+%d", s.URI, s.Length))
	}
	if want := []string{"mem:/books/a.txt+11", "mem:/books/b.txt+11", "mem:/books/sub/c.txt+15"}; !reflect.DeepEqual(uris, want) {
		t.Errorf("splits %q, want %q (listing order, / matched by *)", uris, want)
	}
	if pl.Reduces != 1 || pl.Kind != Kind || pl.Output != "mem:/results" || !reflect.DeepEqual(pl.OutputFiles, []string{"wordcount.txt"}) {
		t.Errorf("plan reduces %d kind %s output %s files %q", pl.Reduces, pl.Kind, pl.Output, pl.OutputFiles)
	}
	var spec Spec
	if err := json.Unmarshal(pl.Spec, &spec); err != nil {
		t.Fatal(err)
	}
	if got := spec.Stages[0].Instances; !reflect.DeepEqual(got, []string{"map-1", "map-2", "map-3"}) {
		t.Errorf("map instances %q", got)
	}
	if st := spec.Stages[0]; st.Input != "input" || st.Program != (Program{ProgramSystem, "python3"}) || !reflect.DeepEqual(st.Args, []string{"mapper.py"}) {
		t.Errorf("map stage %+v", st)
	}
	if st := spec.Stages[1]; st.Output != "stdout" || !reflect.DeepEqual(st.Instances, []string{"reduce"}) {
		t.Errorf("reduce stage %+v", st)
	}
	if _, ok := c.Bundle["mapper.py"]; !ok || len(c.Bundle) != 2 {
		t.Errorf("bundle %v", c.Bundle)
	}
}

func TestCompileOutputNames(t *testing.T) {
	fsys := &mrtest.MemFS{}
	mrtest.WriteFile(t, fsys, "/in/log_345.data", []byte("x"))
	mrtest.WriteFile(t, fsys, "/in/log_7.data", []byte("y"))
	dir := writeDir(t, map[string]string{"sort": "#!/bin/sh\n"})
	for _, tc := range []struct {
		name, job string
		want      []string
	}{
		{"wildcard captures", `[{"name":"sort","exec":{"path":"sort"},"devices":[{"name":"stdin","path":"swift://~/in/log_*.data"},{"name":"stdout","path":"swift://~/out/sorted_*.data"}]}]`,
			[]string{"sorted_345.data", "sorted_7.data"}},
		{"count", `[{"name":"gen","count":2,"exec":{"path":"sort"},"devices":[{"name":"stdout","path":"swift://~/res/*.out"}]}]`,
			[]string{"gen-1.out", "gen-2.out"}},
		{"single", `[{"name":"gen","exec":{"path":"sort"},"devices":[{"name":"stdout","path":"swift://~/res/*.out"}]}]`,
			[]string{"gen.out"}},
		{"reduce count", `[{"name":"m","exec":{"path":"sort"},"devices":[{"name":"stdin","path":"swift://~/in/*"}],"connect":["r"]},{"name":"r","count":2,"exec":{"path":"sort"},"devices":[{"name":"stdout","path":"swift://~/res/part-*"}]}]`,
			[]string{"part-r-1", "part-r-2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := compileMem(t, fsys, dir, tc.job, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(c.Plan.OutputFiles, tc.want) {
				t.Fatalf("outputs %q, want %q", c.Plan.OutputFiles, tc.want)
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	fsys := &mrtest.MemFS{}
	mrtest.WriteFile(t, fsys, "/in/a.txt", []byte("x"))
	mrtest.WriteFile(t, fsys, "/res/taken.txt", []byte("old"))
	dir := writeDir(t, map[string]string{"m.py": "", "app": ""})
	os.Chmod(filepath.Join(dir, "app"), 0o644)
	one := func(devs string) string {
		return `[{"name":"g","exec":{"path":"file://python2.7:python","args":"m.py"},"devices":[` + devs + `]}]`
	}
	for _, tc := range []struct{ name, job, want string }{
		{"no match", one(`{"name":"input","path":"swift://~/in/*.csv"},{"name":"stdout","path":"swift://~/res/*.out"}`), `group "g" (index 0): devices[0].path: swift://~/in/*.csv matches no object`},
		{"missing object", one(`{"name":"input","path":"swift://~/in/nope"},{"name":"stdout","path":"swift://~/res/x"}`), `devices[0].path: swift://~/in/nope: no such object`},
		{"second output exists", one(`{"name":"stdin","path":"swift://~/in/a.txt"},{"name":"stdout","path":"swift://~/res/new.txt"},{"name":"stderr","path":"swift://~/res/taken.txt"}`), `mem:/res/taken.txt already exists; zebra never overwrites`},
		{"two outputs one object", one(`{"name":"stdin","path":"swift://~/in/a.txt"},{"name":"stdout","path":"swift://~/res/same.txt"},{"name":"stderr","path":"swift://~/res/same.txt"}`), `'s stdout and`},
		{"output exists", one(`{"name":"stdin","path":"swift://~/in/a.txt"},{"name":"stdout","path":"swift://~/res/taken.txt"}`), `devices[1].path: mem:/res/taken.txt already exists; zebra never overwrites`},
		{"missing script", `[{"name":"g","exec":{"path":"file://python2.7:python","args":"nope.py"},"devices":[{"name":"stdout","path":"swift://~/res/x"}]}]`, `group "g" (index 0): exec.args: nope.py: no such file next to job.json`},
		{"missing app", `[{"name":"g","exec":{"path":"bin/nope"},"devices":[{"name":"stdout","path":"swift://~/res/x"}]}]`, `group "g" (index 0): exec.path: bin/nope: no such file next to job.json`},
		{"not executable", `[{"name":"g","exec":{"path":"app"},"devices":[{"name":"stdout","path":"swift://~/res/x"}]}]`, `exec.path: app: not executable`},
		{"missing swift app", `[{"name":"g","exec":{"path":"swift://~/apps/x.nexe"},"devices":[{"name":"stdout","path":"swift://~/res/x"}]}]`, `exec.path: swift://~/apps/x.nexe: no such object`},
		{"path-less output unsandboxed", one(`{"name":"stdin","path":"swift://~/in/a.txt"},{"name":"output"}`), `a path-less /dev/output needs the native sandbox`},
		{"too many channels", `[{"name":"a","count":1000,"exec":{"path":"file://python2.7:python","args":"m.py"},"connect":["a"]}]`,
			`group "a" (index 0): connect: 999000 channels between the instances: more than the 100000 a job may have`},
		{"sandbox none", one(`{"name":"input","path":"swift://~/in/a.txt"},{"name":"stdout","path":"swift://~/res/y"}`), `zebra.sandbox=none runs plain processes`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var conf map[string]string
			if tc.name == "sandbox none" || tc.name == "path-less output unsandboxed" {
				conf = map[string]string{mapreduce.KeySandbox: "none"}
			}
			_, err := compileMem(t, fsys, dir, tc.job, conf)
			if err == nil {
				t.Fatal("compiled")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error\n%v\nwant it to contain\n%s", err, tc.want)
			}
		})
	}
}

// BenchmarkParseCompile parses and compiles a job whose wildcard matches
// 10,000 objects (an in-memory FS), against decoding the same bytes with
// encoding/json as a baseline measured in the same run.
func BenchmarkParseCompile(b *testing.B) {
	fsys := &mrtest.MemFS{}
	ctx := context.Background()
	for i := range 10000 {
		w, _ := fsys.Create(ctx, fmt.Sprintf("/books/b%05d.txt", i))
		w.Write([]byte("some words"))
		w.Close()
	}
	dir := writeDir(b, map[string]string{"mapper.py": "", "reducer.py": ""})
	data := []byte(wordcount)
	b.Run("json-decode", func(b *testing.B) {
		for b.Loop() {
			var v any
			if err := json.Unmarshal(data, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parse", func(b *testing.B) {
		for b.Loop() {
			if _, err := Parse("job.json", data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parse+compile-10000", func(b *testing.B) {
		for b.Loop() {
			c, err := compileMem(b, fsys, dir, wordcount, nil)
			if err != nil {
				b.Fatal(err)
			}
			if len(c.Plan.Splits) != 10000 {
				b.Fatal(len(c.Plan.Splits))
			}
		}
	})
}

// TestCompileOwnAccountOnly: a tenant's job may name only its own account,
// as apps and as devices; ~ and the account itself are fine.
func TestCompileOwnAccountOnly(t *testing.T) {
	fsys := &mrtest.MemFS{}
	mrtest.WriteFile(t, fsys, "/AUTH_alice/in/a.txt", []byte("x"))
	reg := &mapreduce.Registry{}
	reg.Register("swift", func(_ context.Context, _ *url.URL, raw string) (mapreduce.FS, string, error) {
		return fsys, "/" + strings.TrimPrefix(raw, "swift://"), nil
	})
	compile := func(src string) error {
		job, err := Parse("job.json", []byte(src))
		if err != nil {
			return err
		}
		_, err = Compile(context.Background(), "job.json", job, Options{Registry: reg, Account: "AUTH_alice", OwnAccountOnly: true})
		return err
	}
	job := func(app, in, out string) string {
		return `[{"name":"g","exec":{"path":"` + app + `"},"devices":[{"name":"stdin","path":"` + in + `"},{"name":"stdout","path":"` + out + `"}]}]`
	}
	for _, tc := range []struct{ name, job, want string }{
		{"foreign input", job("file://python2.7:python", "swift://AUTH_bob/in/a.txt", "swift://~/res/x"), `devices[0].path: swift://AUTH_bob/in/a.txt is in the account AUTH_bob`},
		{"foreign output", job("file://python2.7:python", "swift://~/in/a.txt", "swift://AUTH_bob/res/x"), `devices[1].path: swift://AUTH_bob/res/x is in the account AUTH_bob`},
		{"foreign app", job("swift://AUTH_bob/apps/x", "swift://~/in/a.txt", "swift://~/res/x"), `exec.path: swift://AUTH_bob/apps/x is in the account AUTH_bob`},
	} {
		if err := compile(tc.job); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want it to contain %q", tc.name, err, tc.want)
		}
	}
	for _, ok := range []string{
		job("file://python2.7:python", "swift://~/in/a.txt", "swift://~/res/x"),
		job("file://python2.7:python", "swift://AUTH_alice/in/a.txt", "swift://AUTH_alice/res/y"),
	} {
		if err := compile(ok); err != nil && strings.Contains(err.Error(), "is in the account") {
			t.Errorf("own account refused: %v", err)
		}
	}
}

// TestCompileReply: a job whose last group stores nothing compiles to the
// reply store, with no output file, and its path-less devices (in the
// group's order) and their content type make the reply; HasReply says so
// for it and for a job that stores its output but has a path-less stderr.
func TestCompileReply(t *testing.T) {
	fsys := &mrtest.MemFS{}
	mrtest.WriteFile(t, fsys, "/in/a.txt", []byte("x"))
	dir := writeDir(t, map[string]string{"m.py": ""})
	c, err := compileMem(t, fsys, dir, `[{"name":"g","exec":{"path":"file://python2.7:python","args":"m.py"},"devices":[{"name":"stdin","path":"swift://~/in/a.txt"},{"name":"stderr"},{"name":"stdout","content_type":"text/csv"}]}]`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Plan.Output != ReplyOutput || c.Plan.OutputFiles == nil || len(c.Plan.OutputFiles) != 0 {
		t.Errorf("output %q files %v, want %s and none", c.Plan.Output, c.Plan.OutputFiles, ReplyOutput)
	}
	var spec Spec
	if err := json.Unmarshal(c.Plan.Spec, &spec); err != nil {
		t.Fatal(err)
	}
	if st := spec.Stages[0]; !reflect.DeepEqual(st.Reply, []string{"stderr", "stdout"}) || st.ReplyType != "text/csv" || st.Output != "" {
		t.Errorf("reply %v type %q output %q", st.Reply, st.ReplyType, st.Output)
	}
	if !HasReply(c.Plan) {
		t.Error("HasReply: false")
	}
	c, err = compileMem(t, fsys, dir, `[{"name":"g","exec":{"path":"file://python2.7:python","args":"m.py"},"devices":[{"name":"stdin","path":"swift://~/in/a.txt"},{"name":"stdout","path":"swift://~/out/x"}]}]`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if HasReply(c.Plan) {
		t.Error("HasReply of a job storing everything: true")
	}
}
