package mapreduce

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestBoundStatus(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"halfway there", "halfway there"},
		{"tab\tkept", "tab\tkept"},
		{"new\nline\r", "new line "},
		{"\x1b[31mred", " [31mred"},
		{"bad \xff byte", "bad \uFFFD byte"},
		{"\u0085next line", " next line"},
	} {
		if got := BoundStatus(c.in, 0); got != c.want {
			t.Errorf("BoundStatus(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	// Cut to max characters, not bytes, never splitting a character.
	long := strings.Repeat("é", 600)
	got := BoundStatus(long, 0)
	if n := utf8.RuneCountInString(got); n != DefaultMaxStatusLength || !utf8.ValidString(got) {
		t.Errorf("600 é: kept %d characters (valid %v), want %d", n, utf8.ValidString(got), DefaultMaxStatusLength)
	}
	if got := BoundStatus(strings.Repeat("x", 10<<20), 5); got != "xxxxx" {
		t.Errorf("max 5: %q", got)
	}
}

func TestProgressNilAndClamp(t *testing.T) {
	var nilp *Progress
	nilp.Set(0.5)
	nilp.SetStatus("x")
	if nilp.Value() != 0 || nilp.Status() != "" {
		t.Error("a nil Progress reads non-zero")
	}
	p := &Progress{MaxStatus: 3}
	for _, c := range []struct{ in, want float64 }{{-1, 0}, {math.NaN(), 0}, {2, 1}, {0.25, 0.25}} {
		p.Set(c.in)
		if p.Value() != c.want {
			t.Errorf("Set(%v): Value %v, want %v", c.in, p.Value(), c.want)
		}
	}
	p.SetStatus("abcdef")
	if p.Status() != "abc" {
		t.Errorf("status %q, want abc (MaxStatus 3)", p.Status())
	}
}

func TestMapProgress(t *testing.T) {
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-12 }
	for _, c := range []struct {
		consumed, length int64
		reduces          bool
		want             float64
	}{
		{0, 100, false, 0},
		{25, 100, false, 0.25},
		{100, 100, false, 1},
		{150, 100, false, 1}, // a reader ahead of the length (compressed)
		{50, 100, true, 0.667 / 2},
		{100, 100, true, 0.667},
		{0, 0, false, 1},
		{0, 0, true, 0.667},
	} {
		if got := MapProgress(c.consumed, c.length, c.reduces); !near(got, c.want) {
			t.Errorf("MapProgress(%d, %d, %v) = %v, want %v", c.consumed, c.length, c.reduces, got, c.want)
		}
	}
	// Pieces of one split add up.
	p := &Progress{}
	p.mapRead(30, 120, false)
	p.mapRead(60, 120, false)
	if !near(p.Value(), 0.75) {
		t.Errorf("30+60 of 120: %v, want 0.75", p.Value())
	}
}

func TestReduceProgress(t *testing.T) {
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-12 }
	for _, c := range []struct {
		phase       int
		done, total int64
		want        float64
	}{
		{ReduceShufflePhase, 0, 4, 0},
		{ReduceShufflePhase, 1, 4, 1.0 / 12},
		{ReduceShufflePhase, 4, 4, 1.0 / 3},
		{ReduceSortPhase, 0, 1, 1.0 / 3},
		{ReduceReducePhase, 0, 10, 2.0 / 3},
		{ReduceReducePhase, 5, 10, 2.0/3 + 1.0/6},
		{ReduceReducePhase, 10, 10, 1},
		{ReduceReducePhase, 0, 0, 1},
	} {
		if got := ReduceProgress(c.phase, c.done, c.total); !near(got, c.want) {
			t.Errorf("ReduceProgress(%d, %d, %d) = %v, want %v", c.phase, c.done, c.total, got, c.want)
		}
	}
}

func TestProgressPercent(t *testing.T) {
	// Java's String.format("%.0f%%", f*100) of the float progress: 0.125
	// is exact, and 12.5 rounds half up (not to even); float32(0.005) is
	// 0.00499999988..., which rounds down.
	// 0.125 is exact: 12.5 rounds half up (not to even); float32(0.005)
	// is 0.00499999988..., so 0.4999...% rounds down.
	for _, c := range []struct {
		f    float64
		want int
	}{{0, 0}, {0.667, 67}, {2.0 / 3, 67}, {1.0 / 3, 33}, {0.125, 13}, {0.005, 0}, {1, 100}, {1.5, 100}} {
		if got := ProgressPercent(c.f); got != c.want {
			t.Errorf("ProgressPercent(%v) = %d, want %d", c.f, got, c.want)
		}
	}
}

// progressMapper reads its input, noting the attempt's progress after
// progressEvery records and at the end of the input.
type progressMapper struct{ early, end *float64 }

func (m progressMapper) Map(_ context.Context, t *TaskContext, in RecordReader, out Collector) error {
	for n := 1; ; n++ {
		_, _, err := in.Next()
		if errors.Is(err, io.EOF) {
			*m.end = t.Progress.Value()
			return nil
		}
		if err != nil {
			return err
		}
		if n == progressEvery {
			*m.early = t.Progress.Value()
		}
	}
}

// TestMapProgressFollowsTheSplit runs a map over a 200-line split: its
// progress moves as records are read, and is the map phase's whole 0.667
// once the split is read (the job has a reduce).
func TestMapProgressFollowsTheSplit(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	var b strings.Builder
	for i := range 200 {
		fmt.Fprintf(&b, "line %03d\n", i)
	}
	os.WriteFile(in, []byte(b.String()), 0o644)
	var early, end float64
	job := &Job{ID: JobID{Tracker: "test", Seq: 9}, Conf: NewConf(), InputFS: dirFS{}, OutputFS: dirFS{}, Output: filepath.Join(dir, "out"),
		Splits: []Split{{Path: in, Length: int64(b.Len())}}, NumReduces: 1, Mapper: progressMapper{&early, &end}, Reducer: sumReducer{},
		OutSpec: OutputSpec{Separator: []byte("\t"), MarkSuccess: true}}
	ex := &LocalExecutor{WorkDir: t.TempDir(), LogDir: t.TempDir()}
	if _, err := ex.Run(context.Background(), job); err != nil {
		t.Fatal(err)
	}
	if !(early > 0 && early < end) {
		t.Errorf("progress after %d of 200 records: %v, want above 0 and below the end's %v", progressEvery, early, end)
	}
	if end != 0.667 {
		t.Errorf("progress at the end of the split: %v, want 0.667 (the map phase, before the sort)", end)
	}
}

// progressReducer notes the attempt's progress before its first record
// and after its last.
type progressReducer struct{ start, end *float64 }

func (r progressReducer) Reduce(_ context.Context, t *TaskContext, in KVIterator, _ Collector) error {
	*r.start = t.Progress.Value()
	for in.Next() {
	}
	*r.end = t.Progress.Value()
	return in.Err()
}

// TestReduceProgressPhases checks that a reduce starts its reduce phase
// at two thirds (shuffle and sort done) and has consumed its input at the
// end.
func TestReduceProgressPhases(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	os.WriteFile(in, []byte(strings.Repeat("a b c d\n", 100)), 0o644)
	var start, end float64
	job := &Job{ID: JobID{Tracker: "test", Seq: 10}, Conf: NewConf(), InputFS: dirFS{}, OutputFS: dirFS{}, Output: filepath.Join(dir, "out"),
		Splits: []Split{{Path: in, Length: 800}}, NumReduces: 1, Mapper: wordMapper{}, Reducer: progressReducer{&start, &end},
		OutSpec: OutputSpec{Separator: []byte("\t"), MarkSuccess: true}}
	ex := &LocalExecutor{WorkDir: t.TempDir(), LogDir: t.TempDir()}
	if _, err := ex.Run(context.Background(), job); err != nil {
		t.Fatal(err)
	}
	if math.Abs(start-2.0/3) > 1e-12 || end != 1 {
		t.Errorf("reduce progress: %v before its input, %v after; want 2/3 and 1", start, end)
	}
}
