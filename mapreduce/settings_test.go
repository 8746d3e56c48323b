package mapreduce

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"strings"
	"testing"
)

// TestSettingsListed: every zebra.* setting name this package declares
// (settings.go's constants, prefixes apart) is in Settings, once, so that
// -info lists it.
func TestSettingsListed(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "settings.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]int{}
	for _, s := range Settings {
		listed[s.Name]++
		if s.Doc == "" {
			t.Errorf("%s has no description", s.Name)
		}
	}
	n := 0
	ast.Inspect(f, func(node ast.Node) bool {
		lit, ok := node.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return true
		}
		v, _ := strconv.Unquote(lit.Value)
		if !strings.HasPrefix(v, "zebra.") || strings.HasSuffix(v, ".") || strings.ContainsAny(v, " ($<") {
			return true
		}
		n++
		if listed[v] != 1 {
			t.Errorf("setting %s is listed %d times in Settings, want once", v, listed[v])
		}
		return true
	})
	if n < 10 || n != len(Settings) {
		t.Errorf("settings.go declares %d settings, Settings lists %d", n, len(Settings))
	}
}
