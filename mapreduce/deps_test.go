package mapreduce

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportsOnlyStandardLibrary keeps the engine free of transport,
// storage, sandbox and UI code: mapreduce may import the standard library
// only, and its own standard-library-only format subpackage
// zebra/mapreduce/typedbytes and zebra/mapreduce/javanum (whose dependencies are listed and checked here
// too). zebra/mapreduce/compress (cgo) stays out: streaming hands its codecs
// to the engine as OutputSpec.Codec.
func TestImportsOnlyStandardLibrary(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, p := range strings.Fields(string(out)) {
		if p != "zebra/mapreduce" && p != "zebra/mapreduce/typedbytes" && p != "zebra/mapreduce/javanum" {
			t.Errorf("mapreduce depends on %s; only the standard library is allowed", p)
		}
	}
}
