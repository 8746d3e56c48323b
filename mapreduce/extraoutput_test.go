package mapreduce

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// extraMapper writes its record to the task's output and "side" to its
// extra output a.err; it checks that no other name can be created.
type extraMapper struct{ refused *error }

func (m extraMapper) Map(_ context.Context, t *TaskContext, in RecordReader, out Collector) error {
	_, err := t.CreateOutput("../escape", Attrs{})
	if err == nil {
		return E("map", Internal, "", io.ErrUnexpectedEOF)
	}
	*m.refused = err
	w, err := t.CreateOutput("a.err", Attrs{})
	if err != nil {
		return err
	}
	io.WriteString(w, "side")
	if err := w.Close(); err != nil {
		return err
	}
	if _, err := t.CreateOutput("a.err", Attrs{}); err == nil {
		return E("map", Internal, "", io.ErrUnexpectedEOF) // created twice
	}
	return out.Collect(nil, []byte("data"))
}

// TestExtraOutputs: a task's OutputSpec.Extra files, written through
// TaskContext.CreateOutput, are committed beside its output file; other
// names are refused.
func TestExtraOutputs(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	os.WriteFile(in, []byte("a\n"), 0o644)
	out := filepath.Join(dir, "out")
	var refused error
	job := &Job{ID: JobID{Tracker: "test", Seq: 3}, Conf: NewConf(), InputFS: dirFS{}, OutputFS: dirFS{}, Output: out,
		Splits: []Split{{Path: in, Length: 2}}, Mapper: extraMapper{&refused},
		OutSpec: OutputSpec{Raw: true, Names: []string{"a.out"}, Extra: [][]string{{"a.err"}}}}
	ex := &LocalExecutor{WorkDir: t.TempDir(), LogDir: t.TempDir()}
	if _, err := ex.Run(context.Background(), job); err != nil {
		t.Fatal(err)
	}
	if refused == nil {
		t.Error("an unlisted extra name was created")
	}
	for name, want := range map[string]string{"a.out": "data", "a.err": "side"} {
		got, err := os.ReadFile(filepath.Join(out, name))
		if err != nil || string(got) != want {
			t.Errorf("%s: %q, %v; want %q", name, got, err, want)
		}
	}
	entries, _ := os.ReadDir(out)
	if len(entries) != 2 {
		t.Errorf("output holds %d entries, want a.out and a.err only", len(entries))
	}
}
