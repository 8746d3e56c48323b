// Package triage picks, from a failed attempt's stderr, the one line that
// says why it failed (the exception of a Python traceback, the root cause
// of a Java stack trace, awk's or a shell's message), so that error
// columns show "TypeError: ..." rather than "subprocess failed with code
// 1", and shortens the worker's host paths in it to task-relative ones.
//
// Everything a task writes is the tenant's: a line may hold anything
// (control characters, terminal escapes, invalid UTF-8, planted paths).
// Line returns printable, valid UTF-8 of at most MaxLen bytes; the HTML
// templates still escape it.
package triage

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxLen bounds, in bytes, the line Line and Clean return.
const MaxLen = 512

// Line returns the last meaningful line of stderr, cleaned (see Clean)
// with the host directories roots shortened (see Shorten); "" if stderr
// has none. Meaningful means not blank and not part of a stack trace's
// frames: Java's "\tat ..." and "... N more" lines, Python's indented
// source and caret lines, so that a Java trace gives its last "Caused
// by:" line (or its "Exception in thread" line) and a Python traceback
// its exception line.
func Line(stderr string, roots ...string) string {
	lines := strings.Split(stderr, "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		l := strings.TrimRight(lines[i], "\r")
		if !meaningful(l) {
			continue
		}
		return Clean(Shorten(l, roots...))
	}
	return ""
}

// javaMore is a stack trace's "... 5 more" line.
var javaMore = regexp.MustCompile(`^\s*\.\.\. \d+ more\s*$`)

func meaningful(l string) bool {
	t := strings.TrimSpace(l)
	switch {
	case t == "":
		return false
	case strings.HasPrefix(t, "at ") && l != t: // a Java frame
		return false
	case javaMore.MatchString(l):
		return false
	case l != t && strings.Trim(t, "^~ ") == "": // Python 3.11's carets
		return false
	case strings.HasPrefix(t, "Traceback (most recent call last)"):
		return false
	}
	return true
}

// Shorten removes, from s, the host paths of the worker's directories
// roots (an attempt's working directory first, then the worker's data
// directory, each as given and as its symbolic links resolve), so that a
// path inside the task's directory shows relative to it and any other
// under the data directory relative to that. Then it removes whatever
// any absolute path has before a job's or attempt's directory
// ("/x/y/job_1_2/", "/x/attempt_1_2_m_000000_0/"), which a worker that
// did not say its roots would leave. A root is removed only where a path
// separator follows it.
func Shorten(s string, roots ...string) string {
	rs := slices.Clone(roots)
	slices.SortFunc(rs, func(a, b string) int { return len(b) - len(a) }) // longest first
	for _, r := range rs {
		r = strings.TrimRight(r, "/")
		if r == "" || !strings.HasPrefix(r, "/") {
			continue
		}
		s = removeRoot(s, r+"/")
	}
	return idDir.ReplaceAllString(s, "$1")
}

// removeRoot removes each occurrence of root (which ends in "/") that
// starts a path: at the start of s or after a character that cannot be
// part of a path name before it ("/srv/data/x" keeps its "/data/").
func removeRoot(s, root string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, root)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		if i > 0 && !pathBoundary(s[i-1]) {
			b.WriteString(s[:i+1])
			s = s[i+1:]
			continue
		}
		b.WriteString(s[:i])
		s = s[i+len(root):]
	}
}

// pathBoundary reports whether a path may start after c.
func pathBoundary(c byte) bool {
	return strings.IndexByte(" \t\"'([<=:,;`", c) >= 0
}

// idDir is an absolute path's part up to and including a job's or an
// attempt's directory, after the character that starts the path.
var idDir = regexp.MustCompile(`(^|[\s"'(\[<=:,;` + "`" + `])/(?:[^\s"'()\[\]<>,;` + "`" + `]*/)?(?:job_\d+_\d+/|attempt_\d+_\d+_[mr]_\d+_\d+/(?:work/)?)`)

// Clean makes s safe and short for an error column: invalid UTF-8 and
// control characters (terminal escapes included) become U+FFFD or go,
// runs of spaces become one, and a line longer than MaxLen bytes is cut
// at a character boundary with "…".
func Clean(s string) string {
	var b strings.Builder
	space := false
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		switch {
		case r == '\x1b': // an escape sequence: drop it up to its final byte
			if i < len(s) && s[i] == '[' {
				i++
				for i < len(s) && (s[i] < 0x40 || s[i] > 0x7e) {
					i++
				}
				i++
			}
			continue
		case r == '\t' || r == ' ':
			if !space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = true
			continue
		case r == utf8.RuneError && n == 1, !unicode.IsPrint(r) && !unicode.IsSpace(r):
			r = utf8.RuneError
		case unicode.IsSpace(r):
			continue
		}
		space = false
		b.WriteRune(r)
	}
	out := strings.TrimSpace(b.String())
	if len(out) > MaxLen {
		cut := MaxLen - len("…")
		for cut > 0 && !utf8.RuneStart(out[cut]) {
			cut--
		}
		out = out[:cut] + "…"
	}
	return out
}
