package wasm

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"zebra/mapreduce"

	"zebra/mapreduce/mrtest/suite"
)

// TestWordCountMatchesPython runs the Go word count of examples/wordcount/wasm
// through the Runner and the Python scripts of examples/wordcount as plain
// processes, each as mapper | sort by bytes | reducer, and compares bytes.
func TestWordCountMatchesPython(t *testing.T) {
	suite.Require(t, suite.Heavy) // builds two Go programs for wasip1 (examples/wordcount checks their output under -short)
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3 to compare with")
	}
	example := filepath.Join("..", "..", "examples", "wordcount")
	input, err := os.ReadFile(filepath.Join(example, "input.txt"))
	if err != nil {
		t.Fatal(err)
	}
	mapper := buildGo(t, "../../examples/wordcount/wasm/mapper")
	reducer := buildGo(t, "../../examples/wordcount/wasm/reducer")
	r := newRunner(t, nil)

	wasmRun := func(module string, in []byte) []byte {
		out, stderr, err := run(t, r, context.Background(), mapreduce.Command{
			Args: []string{module}, Env: []string{"mapreduce_task_id=task_1_0001_m_000000"}, Stdin: bytes.NewReader(in)})
		if err != nil {
			t.Fatalf("%s: %v\n%s", filepath.Base(module), err, stderr)
		}
		return []byte(out)
	}
	pyRun := func(script string, in []byte) []byte {
		cmd := exec.Command(python, filepath.Join(example, script))
		cmd.Env = append(os.Environ(), "PYTHONUTF8=1", "PYTHONIOENCODING=utf-8")
		cmd.Stdin = bytes.NewReader(in)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: %v\n%s", script, err, stderr.Bytes())
		}
		return out
	}

	for _, tc := range []struct {
		name  string
		input []byte
	}{
		{"input.txt", input},
		// Python's whitespace: ASCII, the information separators
		// U+001C..U+001F, NEL, NBSP and the Unicode spaces; universal
		// newlines; words with non-ASCII letters; no final newline.
		{"whitespace", []byte("a\tb\x0bc\x0cd\re\r\nf\x1cg\x1dh\x1ei\x1fj k\u0085l\u00a0m\u2003n\u3000o\u2028p " +
			"\n\n  héllo wörld héllo\t\tWORLD world\u200bjoined 日本 日本\r\nend")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			goOut := wasmRun(reducer, sortLines(wasmRun(mapper, tc.input)))
			pyOut := pyRun("reducer.py", sortLines(pyRun("mapper.py", tc.input)))
			if !bytes.Equal(goOut, pyOut) {
				t.Errorf("Go on wasm and Python differ:\n--- wasm\n%s--- python\n%s", goOut, pyOut)
			}
			if len(goOut) == 0 {
				t.Error("no output")
			}
		})
	}
}

// sortLines sorts the lines of b by their bytes, as the shuffle does.
func sortLines(b []byte) []byte {
	lines := bytes.SplitAfter(b, []byte("\n"))
	if len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1]
	}
	slices.SortFunc(lines, bytes.Compare)
	return bytes.Join(lines, nil)
}
