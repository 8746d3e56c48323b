package streaming

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
)

// splitGoldenUnesc undoes the %XX escaping of streaming/testdata/split_golden.tsv.
func splitGoldenUnesc(t *testing.T, s string) []byte {
	t.Helper()
	var b []byte
	for i := 0; i < len(s); i++ {
		if s[i] == '%' {
			if i+2 >= len(s) {
				t.Fatalf("bad escape in %q", s)
			}
			v, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
			if err != nil {
				t.Fatalf("bad escape in %q: %v", s, err)
			}
			b = append(b, byte(v))
			i += 2
			continue
		}
		b = append(b, s[i])
	}
	return b
}

// splitGoldenList parses "<count>|a,b,c".
func splitGoldenList(t *testing.T, s string) []string {
	t.Helper()
	n, rest, ok := strings.Cut(s, "|")
	if !ok {
		t.Fatalf("bad list %q", s)
	}
	count, err := strconv.Atoi(n)
	if err != nil {
		t.Fatalf("bad list %q", s)
	}
	out := []string{}
	if count > 0 {
		for _, p := range strings.Split(rest, ",") {
			out = append(out, string(splitGoldenUnesc(t, p)))
		}
	}
	if len(out) != count {
		t.Fatalf("list %q: %d items, header says %d", s, len(out), count)
	}
	return out
}

func sameArgv(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestSplitArgsRules states Hadoop's splitArgs rules directly: only ' '
// separates outside quotes, ' and " quote (the other one is literal inside),
// a quote character ends the current token, empty tokens are dropped.
func TestSplitArgsRules(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"   ", nil},
		{"cat", []string{"cat"}},
		{"wc -l", []string{"wc", "-l"}},
		{"  wc   -l ", []string{"wc", "-l"}},
		{"a\tb c", []string{"a\tb", "c"}}, // tab is not a separator
		{"a\nb", []string{"a\nb"}},        // nor is newline
		{"sh -c 'exit 0'", []string{"sh", "-c", "exit 0"}},
		{`awk '{print "x"}'`, []string{"awk", `{print "x"}`}},
		{`say "it's"`, []string{"say", "it's"}},
		{"it's", []string{"it", "s"}},      // the quote ends "it", opens a run
		{"a'b'c", []string{"a", "b", "c"}}, // quotes always split
		{`--opt="v 1"`, []string{"--opt=", "v 1"}},
		{"'' x", []string{"x"}}, // empty quoted token dropped
		{"'unterminated run", []string{"unterminated run"}},
		{`x\ y`, []string{`x\`, "y"}}, // no backslash escapes
	}
	for _, c := range cases {
		got := SplitArgs(c.in)
		if !sameArgv(got, c.want) {
			t.Errorf("SplitArgs(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestSplitKeyValueRules states TextOutputReader's rule: the key ends at the
// n-th separator (n < 1 counts as 1); with fewer separators the whole line is
// the key and the value is empty.
func TestSplitKeyValueRules(t *testing.T) {
	cases := []struct {
		line, sep string
		n         int
		k, v      string
	}{
		{"a\tb", "\t", 1, "a", "b"},
		{"a\tb\tc", "\t", 1, "a", "b\tc"},
		{"a\tb\tc", "\t", 2, "a\tb", "c"},
		{"a\tb\tc", "\t", 3, "a\tb\tc", ""},
		{"a\tb", "\t", 0, "a", "b"},
		{"nosep", "\t", 1, "nosep", ""},
		{"\t", "\t", 1, "", ""},
		{"a::b::c", "::", 2, "a::b", "c"},
		{"a:::b", "::", 2, "a:::b", ""},
	}
	for _, c := range cases {
		k, v := splitKeyValue([]byte(c.line), []byte(c.sep), c.n)
		if string(k) != c.k || string(v) != c.v {
			t.Errorf("splitKeyValue(%q, %q, %d) = %q, %q; want %q, %q", c.line, c.sep, c.n, k, v, c.k, c.v)
		}
	}
}

// TestSplitGolden compares SplitArgs and splitKeyValue with the results of
// Hadoop's own PipeMapRed.splitArgs and TextOutputReader.splitKeyVal,
// recorded in testdata/split_golden.tsv by testdata/javaref/SplitGolden.java.
func TestSplitGolden(t *testing.T) {
	f, err := os.Open("testdata/split_golden.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	nSplit, nKV := 0, 0
	for lineNo := 1; sc.Scan(); lineNo++ {
		fields := strings.Split(sc.Text(), "\t")
		where := fmt.Sprintf("split_golden.tsv:%d", lineNo)
		switch fields[0] {
		case "split":
			if len(fields) != 3 {
				t.Fatalf("%s: %d fields", where, len(fields))
			}
			in := string(splitGoldenUnesc(t, fields[1]))
			want := splitGoldenList(t, fields[2])
			if got := SplitArgs(in); !sameArgv(got, want) {
				t.Errorf("%s: SplitArgs(%q) = %q, Hadoop gives %q", where, in, got, want)
			}
			nSplit++
		case "kv":
			if len(fields) != 6 {
				t.Fatalf("%s: %d fields", where, len(fields))
			}
			line, sep := splitGoldenUnesc(t, fields[1]), splitGoldenUnesc(t, fields[2])
			n, err := strconv.Atoi(fields[3])
			if err != nil {
				t.Fatalf("%s: %v", where, err)
			}
			wantK, wantV := splitGoldenUnesc(t, fields[4]), splitGoldenUnesc(t, fields[5])
			k, v := splitKeyValue(line, sep, n)
			if !bytes.Equal(k, wantK) || !bytes.Equal(v, wantV) {
				t.Errorf("%s: splitKeyValue(%q, %q, %d) = %q, %q; Hadoop gives %q, %q", where, line, sep, n, k, v, wantK, wantV)
			}
			nKV++
		default:
			t.Fatalf("%s: unknown case kind %q", where, fields[0])
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if nSplit < 100 || nKV < 1000 {
		t.Fatalf("golden file too small: %d split and %d kv cases", nSplit, nKV)
	}
}
