package mapreduce

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
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
// layer in different trees, or an upward one, fails TestLayering. Layer 0,
// the engine, is stricter still: the standard library and layer 0 only.
var layers = []struct {
	prefix string
	layer  int
}{
	// The engine's vocabulary: ids, states, counters, setting keys,
	// records, formats, the FS interface, with its standard-library-only
	// format helpers (typedbytes, javanum). Layer 0 imports the standard
	// library and layer 0 only (see violations).
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

// pkgInfo is what the layering check reads of a package from go list.
type pkgInfo struct {
	ImportPath string
	Imports    []string
	Standard   bool
}

// violations returns, for packages of the module (zebra/...), each import
// (test files excluded) that breaks the rules above: an import up or
// sideways between trees, a forbidden one, or, for the engine (layer 0),
// one outside the standard library and layer 0. Anything it cannot place
// is a violation too. std tells which import paths are the standard
// library's.
func violations(pkgs []pkgInfo, std map[string]bool) []string {
	var out []string
	for _, pkg := range pkgs {
		if !under(pkg.ImportPath, "zebra") {
			continue
		}
		from, fromTree, ok := layerOf(pkg.ImportPath)
		if !ok {
			out = append(out, fmt.Sprintf("%s belongs to no layer: add it to layers in mapreduce/layering_test.go", pkg.ImportPath))
			continue
		}
		for _, imp := range pkg.Imports {
			for _, f := range forbidden {
				if under(pkg.ImportPath, f.from) && under(imp, f.to) {
					out = append(out, fmt.Sprintf("%s imports %s: %s", pkg.ImportPath, imp, f.why))
				}
			}
			to, toTree, ok := layerOf(imp)
			if from == 0 && !std[imp] && (!ok || to != 0) {
				// The engine stays free of transport, storage, sandbox
				// and UI code, and of cgo: zebra/mapreduce/compress
				// reaches it as OutputSpec.Codec, handed in by streaming.
				out = append(out, fmt.Sprintf("%s imports %s: the engine (layer 0: zebra/mapreduce, typedbytes, javanum) imports only the standard library and layer 0; hand it anything else as an interface", pkg.ImportPath, imp))
				continue
			}
			if !ok || to < from || under(toTree, fromTree) {
				continue
			}
			out = append(out, fmt.Sprintf("%s (layer %d, %s) imports %s (layer %d, %s): imports go to a lower layer or within the importer's own tree",
				pkg.ImportPath, from, fromTree, imp, to, toTree))
		}
	}
	return out
}

// TestLayering lists every package of the module and its dependencies
// with `go list -deps` and fails on each import of the module's packages
// (test files excluded) that goes the wrong way.
func TestLayering(t *testing.T) {
	out, err := exec.Command("go", "list", "-e", "-deps", "-json=ImportPath,Imports,Standard", "zebra/...").Output()
	if err != nil {
		t.Fatalf("go list -deps zebra/...: %v", err)
	}
	dec := json.NewDecoder(bufio.NewReader(bytes.NewReader(out)))
	var pkgs []pkgInfo
	std := map[string]bool{}
	n := 0
	for dec.More() {
		var pkg pkgInfo
		if err := dec.Decode(&pkg); err != nil {
			t.Fatalf("decoding go list output: %v", err)
		}
		pkgs = append(pkgs, pkg)
		std[pkg.ImportPath] = pkg.Standard
		if under(pkg.ImportPath, "zebra") {
			n++
		}
	}
	if n < 10 || !std["fmt"] {
		t.Fatalf("go list found %d packages of the module (fmt standard: %v); expected the whole module and its dependencies", n, std["fmt"])
	}
	for _, v := range violations(pkgs, std) {
		t.Error(v)
	}
}

// TestLayeringViolations: the check catches each kind of wrong import
// and passes the right ones.
func TestLayeringViolations(t *testing.T) {
	std := map[string]bool{"fmt": true, "os": true}
	for _, c := range []struct {
		from, imp string
		bad       bool
	}{
		{"zebra/mapreduce", "fmt", false},
		{"zebra/mapreduce", "zebra/mapreduce/typedbytes", false},
		{"zebra/mapreduce/javanum", "os", false},
		{"zebra/mapreduce", "github.com/klauspost/compress/zstd", true},
		{"zebra/mapreduce", "zebra/mapreduce/compress", true},
		{"zebra/mapreduce/typedbytes", "zebra/sandbox", true},
		{"zebra/mapreduce/archive", "zebra/mapreduce", false},
		{"zebra/mapreduce/archive", "github.com/klauspost/compress/zstd", false},
		{"zebra/jobtracker/worker", "zebra/jobtracker/api", false},
		{"zebra/jobtracker/placement", "zebra/jobtracker/worker", false},
		{"zebra/streaming", "zebra/jobtracker", true},
		{"zebra/jobtracker", "zebra/streaming/untar", true},
		{"zebra/swiftfs", "zebra/sandbox", true},
		{"zebra/sandbox", "zebra/web", true},
		{"zebra/web", "zebra/jobtracker", false},
		{"zebra/web", "zebra/swiftfs", true},
		{"zebra/web", "zebra/jobtracker/worker", true},
		{"zebra/jobtracker/api", "zebra/jobtracker/shuffle", true},
		{"zebra/cmd/zebra", "zebra/web", false},
		{"zebra/nowhere", "fmt", true},
	} {
		got := violations([]pkgInfo{{ImportPath: c.from, Imports: []string{c.imp}}}, std)
		if (len(got) > 0) != c.bad {
			t.Errorf("%s importing %s: violations %q, want bad=%v", c.from, c.imp, got, c.bad)
		}
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
