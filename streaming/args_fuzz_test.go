package streaming

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// fuzzArgv turns a fuzz input into argv: NUL separates arguments.
func fuzzArgv(data []byte) []string {
	if len(data) == 0 {
		return nil
	}
	return strings.Split(string(data), "\x00")
}

// FuzzParseArgs checks that ParseArgs never panics, that every failure is a
// *cliError with a non-zero exit code, and that on success every plain
// token following an -input option is among Options.Inputs.
func FuzzParseArgs(f *testing.F) {
	dir := f.TempDir()
	// Files that seed command lines name, so -files/-conf can succeed.
	for name, content := range map[string]string{
		"side.txt": "x\n",
		"m.py":     "print(1)\n",
		"conf.xml": `<configuration><property><name>a.b</name><value>c</value></property></configuration>`,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			f.Fatal(err)
		}
	}
	f.Add([]byte("-input\x00in.txt\x00-output\x00out\x00-mapper\x00cat"))
	f.Add([]byte("-D\x00a=b\x00-files\x00side.txt\x00-input\x00a\x00b\x00-output\x00o"))
	f.Fuzz(func(t *testing.T, data []byte) {
		args := fuzzArgv(data)
		for i, a := range args {
			// -conf reads the named file: keep the fuzzer away from devices
			// and anything outside the temp dir (/dev/zero would never end).
			if i > 0 && strings.Contains(args[i-1], "conf") &&
				(strings.ContainsAny(a, "/:\\") || strings.Contains(a, "..")) {
				t.Skip("-conf outside the test directory")
			}
		}
		o, err := ParseArgs(slices.Clone(args), dir)
		if err != nil {
			var ce *cliError
			if !errors.As(err, &ce) {
				t.Fatalf("ParseArgs(%q): error %T %v is not a *cliError", args, err, err)
			}
			if ce.Code == 0 {
				t.Fatalf("ParseArgs(%q): cliError %q with exit code 0", args, err)
			}
			_ = err.Error()
			return
		}
		if o == nil || o.Conf == nil {
			t.Fatalf("ParseArgs(%q): nil options without an error", args)
		}
		for i := 0; i+1 < len(args); i++ {
			if args[i] != "-input" && args[i] != "--input" {
				continue
			}
			v := args[i+1]
			if strings.HasPrefix(v, "-") || strings.Contains(v, `"`) {
				continue
			}
			if !slices.Contains(o.Inputs, v) {
				t.Fatalf("ParseArgs(%q): -input %q missing from Inputs %q", args, v, o.Inputs)
			}
		}
	})
}
