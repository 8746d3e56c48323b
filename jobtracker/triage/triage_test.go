package triage

import (
	"strings"
	"testing"
	"unicode/utf8"
)

const (
	data = "/var/lib/zebra worker/data" // a space, as a hostile or careless set-up may have
	work = data + "/work/job_1733580000000_0004/attempt_1733580000000_0004_m_000003_0"
)

func TestLineShapes(t *testing.T) {
	for _, c := range []struct{ name, stderr, want string }{
		{"python traceback", "Traceback (most recent call last):\n  File \"" + work + "/mapper.py\", line 7, in <module>\n    total += fields[1]\n    ~~~~~~^~~~~~~~~~~\nTypeError: unsupported operand type(s) for +=: 'int' and 'str'\n",
			"TypeError: unsupported operand type(s) for +=: 'int' and 'str'"},
		{"python syntax error keeps its file", "  File \"" + work + "/mapper.py\", line 3\n    print \"x\"\n    ^^^^^^^^^\nSyntaxError: Missing parentheses in call to 'print'. Did you mean print(...)?\n",
			"SyntaxError: Missing parentheses in call to 'print'. Did you mean print(...)?"},
		{"python exception naming a host path", "Traceback (most recent call last):\n  File \"x\", line 1\nFileNotFoundError: [Errno 2] No such file or directory: '" + work + "/lookup/table.tsv'\n",
			"FileNotFoundError: [Errno 2] No such file or directory: 'lookup/table.tsv'"},
		{"java root cause", "Exception in thread \"main\" java.lang.IllegalStateException: outer\n\tat Foo.main(Foo.java:5)\nCaused by: java.lang.ArithmeticException: / by zero\n\tat Foo.f(Foo.java:9)\n\t... 1 more\n",
			"Caused by: java.lang.ArithmeticException: / by zero"},
		{"java without cause", "Exception in thread \"main\" java.lang.RuntimeException: boom\n\tat Foo.main(Foo.java:5)\n",
			"Exception in thread \"main\" java.lang.RuntimeException: boom"},
		{"awk", "awk: cmd. line:1: (FILENAME=- FNR=3) fatal: division by zero attempted\n",
			"awk: cmd. line:1: (FILENAME=- FNR=3) fatal: division by zero attempted"},
		{"awk file", "awk: fatal: cannot open file `" + work + "/missing.txt' for reading: No such file or directory\n",
			"awk: fatal: cannot open file `missing.txt' for reading: No such file or directory"},
		{"bash", work + "/mapper.sh: line 2: frobnicate: command not found\n\n",
			"mapper.sh: line 2: frobnicate: command not found"},
		{"dash", "/bin/sh: 1: frobnicate: not found\r\n", "/bin/sh: 1: frobnicate: not found"},
		{"blank", "\n \n\t\n", ""},
	} {
		if got := Line(c.stderr, work, data); got != c.want {
			t.Errorf("%s: Line = %q, want %q", c.name, got, c.want)
		}
	}
}

func TestShortenHostilePaths(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		// Under the data directory but outside the task's: relative to it.
		{"open " + data + "/jobs/job_1_2/bundle.tar", "open jobs/job_1_2/bundle.tar"},
		{"open " + data + "/logs/x", "open logs/x"},
		// A root only where a path starts.
		{"/srv" + data + "/x and " + data + "x", "/srv" + data + "/x and " + data + "x"},
		// Without the roots (an unknown data directory), the generic rule
		// cuts at the job or attempt directory.
		{"open /opt/w/work/job_1_2/attempt_1_2_r_000000_1/out", "open out"},
		{"open '/opt/w/work/job_1_2/attempt_1_2_r_000000_1/work/t.tsv'", "open 't.tsv'"},
		{"open '/opt/w/jobs/job_1_2/files/m.py'", "open 'files/m.py'"},
		// A directory named like an attempt inside the task's directory
		// stays: it is the task's own.
		{work + "/attempt_9_9_m_000000_0/x", "attempt_9_9_m_000000_0/x"},
		// The task's directory itself, without a path after it.
		{"cwd=" + work, "cwd=work/job_1733580000000_0004/attempt_1733580000000_0004_m_000003_0"},
	} {
		if got := Shorten(c.in, work, data); got != c.want {
			t.Errorf("Shorten(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestLineNeverLeaksRoots(t *testing.T) {
	// Every way a tenant's program can print the worker's directories.
	for _, s := range []string{
		work + "/x", "\"" + work + "/x\"", "(" + data + "/x)", "=" + work + "/a b/c", "x:" + data + "/y",
		"a `" + work + "/q' b", work + "/" + work + "/nested",
	} {
		if got := Line("boom "+s, work, data); strings.Contains(got, data) {
			t.Errorf("Line(%q) = %q: leaks %q", s, got, data)
		}
	}
}

func TestCleanHostileText(t *testing.T) {
	in := "Error:\x1b[31m red\x1b[0m \u202eevil\x00 \xff\xfe end"
	got := Clean(in)
	if strings.ContainsAny(got, "\x1b\x00\u202e") || !utf8.ValidString(got) {
		t.Errorf("Clean(%q) = %q: control characters or invalid UTF-8 left", in, got)
	}
	if !strings.HasPrefix(got, "Error: red") || !strings.HasSuffix(got, "end") {
		t.Errorf("Clean(%q) = %q: lost the text", in, got)
	}
	long := strings.Repeat("é", 1000)
	if c := Clean(long); len(c) > MaxLen || !utf8.ValidString(c) || !strings.HasSuffix(c, "…") {
		t.Errorf("Clean of %d bytes: %d bytes, valid %v", len(long), len(c), utf8.ValidString(c))
	}
}
