package mapreduce

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

// layers is the module's allowed import direction, written down as data
// (docs/architecture.md draws it). A package belongs to the entry with the
// longest matching path prefix, so a new package beneath a listed one (say
// zebra/jobtracker/placement) takes its parent's layer without an edit
// here. A package may import:
//   - any package of its own tree (the entry it belongs to, and what lies
//     beneath that entry), e.g. zebra/jobtracker/worker → zebra/jobtracker/api
//     when both sit under zebra/jobtracker and no longer entry splits them;
//   - any package of a strictly lower layer.
//
// Everything else, in particular an import between two packages of the same
// layer in different trees, or an upward one, fails TestLayering.
var layers = []struct {
	prefix string
	layer  int
}{
	// The engine's vocabulary: ids, states, counters, setting keys,
	// records, formats, the FS interface; standard library only (see
	// TestImportsOnlyStandardLibrary).
	{"zebra/mapreduce", 0},
	// Small helpers with no engine of their own (archives, Java-compatible
	// number and text forms) sit beside the engine: they may use it, nothing
	// of theirs reaches upward.
	{"zebra/mapreduce/archive", 1},
	{"zebra/mapreduce/compress", 1},
	{"zebra/mapreduce/mrtest", 1},

	// Outside systems and executors' building blocks, each on its own.
	{"zebra/adapters", 2},
	{"zebra/swiftfs", 2},
	{"zebra/sandbox", 2},
	{"zebra/jobtracker/api", 2},     // the jobtracker's wire types and client
	{"zebra/jobtracker/shuffle", 2}, // the cluster's map-output transport
	{"zebra/jobtracker/pki", 2},

	// The two front ends of a job: the streaming driver (argv → plan →
	// local executor, or submission to a jobtracker through api) and the
	// cluster (tracker, placement, worker, ZeroCloud). Peers: neither
	// imports the other.
	{"zebra/streaming", 3},
	{"zebra/jobtracker", 3},

	// The web job tracker reads the jobtracker's state; it never touches
	// storage, sandboxes or workers' internals (see forbidden).
	{"zebra/web", 4},

	// Binaries and examples wire everything together.
	{"zebra/cmd", 5},
	{"zebra/examples", 5},
	{"zebra/bench", 5},
}

// forbidden lists imports the layers would allow but a package promises not
// to make: importer prefix → imported prefix, and why.
var forbidden = []struct{ from, to, why string }{
	{"zebra/web", "zebra/swiftfs", "web never touches storage: cmd/zebra hands it what it needs as an interface"},
	{"zebra/web", "zebra/adapters", "web never touches storage"},
	{"zebra/web", "github.com/ncw/swift", "web never touches storage"},
	{"zebra/web", "zebra/sandbox", "web runs no tasks"},
	{"zebra/web", "zebra/jobtracker/shuffle", "web moves no map outputs"},
	{"zebra/web", "zebra/jobtracker/worker", "web speaks to workers through the wire types in jobtracker/api"},
	{"zebra/jobtracker/api", "zebra/jobtracker/", "the wire types are the bottom of the cluster: everything in it may import them"},
}

// layerOf returns the layer and tree (the longest matching entry) of an
// import path, ok false for a path outside the module.
func layerOf(p string) (layer int, tree string, ok bool) {
	for _, l := range layers {
		if (p == l.prefix || strings.HasPrefix(p, l.prefix+"/")) && len(l.prefix) > len(tree) {
			layer, tree, ok = l.layer, l.prefix, true
		}
	}
	return layer, tree, ok
}

func under(p, prefix string) bool {
	return p == prefix || strings.HasPrefix(p, strings.TrimSuffix(prefix, "/")+"/")
}

// TestLayering lists every package of the module with `go list` and fails
// on each import (test files excluded) that goes the wrong way.
func TestLayering(t *testing.T) {
	out, err := exec.Command("go", "list", "-e", "-json=ImportPath,Imports", "zebra/...").Output()
	if err != nil {
		t.Fatalf("go list zebra/...: %v", err)
	}
	dec := json.NewDecoder(bufio.NewReader(bytes.NewReader(out)))
	n := 0
	for dec.More() {
		var pkg struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&pkg); err != nil {
			t.Fatalf("decoding go list output: %v", err)
		}
		n++
		from, fromTree, ok := layerOf(pkg.ImportPath)
		if !ok {
			t.Errorf("%s belongs to no layer: add it to layers in mapreduce/layering_test.go", pkg.ImportPath)
			continue
		}
		for _, imp := range pkg.Imports {
			for _, f := range forbidden {
				if under(pkg.ImportPath, f.from) && under(imp, f.to) {
					t.Errorf("%s imports %s: %s", pkg.ImportPath, imp, f.why)
				}
			}
			to, toTree, ok := layerOf(imp)
			if !ok || to < from || under(toTree, fromTree) {
				continue
			}
			t.Errorf("%s (layer %d, %s) imports %s (layer %d, %s): imports go to a lower layer or within the importer's own tree",
				pkg.ImportPath, from, fromTree, imp, to, toTree)
		}
	}
	if n < 10 {
		t.Fatalf("go list found %d packages; expected the whole module", n)
	}
}

// TestLayerOf checks the prefix matching the layering test relies on.
func TestLayerOf(t *testing.T) {
	for _, c := range []struct {
		path  string
		layer int
		tree  string
	}{
		{"zebra/mapreduce", 0, "zebra/mapreduce"},
		{"zebra/mapreduce/typedbytes", 0, "zebra/mapreduce"},
		{"zebra/mapreduce/archive", 1, "zebra/mapreduce/archive"},
		{"zebra/jobtracker/api", 2, "zebra/jobtracker/api"},
		{"zebra/jobtracker/placement", 3, "zebra/jobtracker"},
		{"zebra/jobtracker", 3, "zebra/jobtracker"},
		{"zebra/web", 4, "zebra/web"},
		{"zebra/webx", -1, ""},
	} {
		l, tree, ok := layerOf(c.path)
		if !ok {
			l = -1
		}
		if l != c.layer || tree != c.tree {
			t.Errorf("layerOf(%s) = %d, %q; want %d, %q", c.path, l, tree, c.layer, c.tree)
		}
	}
}
