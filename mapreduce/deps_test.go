package mapreduce

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportsOnlyStandardLibrary keeps the engine free of transport,
// storage, sandbox and UI code: mapreduce may import the standard library
// only, and its own data-format subpackages (zebra/mapreduce/typedbytes),
// whose dependencies are listed and checked here too.
func TestImportsOnlyStandardLibrary(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, p := range strings.Fields(string(out)) {
		if p != "zebra/mapreduce" && !strings.HasPrefix(p, "zebra/mapreduce/") {
			t.Errorf("mapreduce depends on %s; only the standard library is allowed", p)
		}
	}
}
