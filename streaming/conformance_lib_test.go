package streaming

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestConformanceCasesShareHelpers: no case carries its own copy of a
// helper of testdata/conformance-lib (setup.sh runs the shared one, as
// $ZEBRA_CONFORMANCE_LIB/<helper>).
func TestConformanceCasesShareHelpers(t *testing.T) {
	libs, err := filepath.Glob(filepath.Join("testdata", "conformance-lib", "*"))
	if err != nil || len(libs) == 0 {
		t.Fatalf("no helpers in testdata/conformance-lib (%v)", err)
	}
	helpers := map[string]string{}
	for _, l := range libs {
		b, err := os.ReadFile(l)
		if err != nil {
			t.Fatal(err)
		}
		helpers[string(b)] = filepath.Base(l)
	}
	err = filepath.WalkDir(filepath.Join("testdata", "conformance"), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if h, ok := helpers[string(b)]; ok && len(bytes.TrimSpace(b)) > 0 {
			t.Errorf("%s is a copy of conformance-lib/%s: run \"$ZEBRA_CONFORMANCE_LIB/%s\" from setup.sh instead", p, h, h)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
