package mapreduce_test

import (
	"context"
	"io"
	"reflect"
	"testing"

	"zebra/mapreduce"
	"zebra/mapreduce/mrtest"
)

// attrFS is a MemFS that records the Attrs each file was created with.
type attrFS struct {
	*mrtest.MemFS
	attrs map[string]mapreduce.Attrs
}

func (f *attrFS) CreateAttrs(ctx context.Context, name string, a mapreduce.Attrs) (io.WriteCloser, error) {
	f.attrs[name] = a
	return f.MemFS.Create(ctx, name)
}

// TestTextWriterAttrs: a writer creates its file with the spec's Attrs on
// an AttrCreator, and with plain Create (nothing recorded) when there are
// none or the FS is not one.
func TestTextWriterAttrs(t *testing.T) {
	ctx := context.Background()
	fsys := &attrFS{MemFS: &mrtest.MemFS{}, attrs: map[string]mapreduce.Attrs{}}
	a := mapreduce.Attrs{ContentType: "text/csv", Meta: map[string]string{"Origin": "test"}}
	for _, tc := range []struct {
		name  string
		fs    mapreduce.FS
		attrs mapreduce.Attrs
		want  bool
	}{
		{"/out/with", fsys, a, true},
		{"/out/none", fsys, mapreduce.Attrs{}, false},
		{"/out/plain-fs", fsys.MemFS, a, false},
	} {
		w, err := mapreduce.NewTextWriter(ctx, tc.fs, tc.name, mapreduce.OutputSpec{Raw: true, Attrs: tc.attrs})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Collect(nil, []byte("x,y")); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		got, ok := fsys.attrs[tc.name]
		if ok != tc.want || (ok && !reflect.DeepEqual(got, a)) {
			t.Errorf("%s: attrs %+v (recorded %v), want recorded %v", tc.name, got, ok, tc.want)
		}
	}
}
