package streaming

import (
	"os"
	"path/filepath"
	"strings"
)

// SplitArgs splits a streaming command into argv the way Hadoop's
// StreamUtil/PipeMapRed.splitArgs does: no shell; only the space character
// separates tokens outside quotes; ' and " open and close quoted runs (the
// other quote character is literal inside); a quote character always ends
// the current token and is dropped; empty tokens are dropped.
func SplitArgs(s string) []string {
	var out []string
	var cur strings.Builder
	var quote byte
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, cur.String())
			cur.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
				flush()
			} else {
				cur.WriteByte(c)
			}
		case c == '\'' || c == '"':
			flush()
			quote = c
		case c == ' ':
			flush()
		default:
			cur.WriteByte(c)
		}
	}
	flush()
	return out
}

// resolveProgram finds argv0 as Hadoop's PathFinder does: an absolute name
// is taken as is; otherwise the first of dirs, then $PATH, holding a regular
// readable file of that name wins. Unresolved names are returned unchanged
// (the exec then fails with "No such file or directory"). Before searching,
// a file of that name in dirs[0] (the task's working directory) is made
// executable, as Hadoop does for shipped scripts.
func resolveProgram(argv0 string, dirs []string, pathEnv string) string {
	if filepath.IsAbs(argv0) {
		return argv0
	}
	if len(dirs) > 0 {
		p := filepath.Join(dirs[0], argv0)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			os.Chmod(p, fi.Mode().Perm()|0o111)
		}
	}
	search := append([]string{}, dirs...)
	search = append(search, filepath.SplitList(pathEnv)...)
	for _, d := range search {
		if d == "" {
			d = "."
		}
		p := filepath.Join(d, argv0)
		fi, err := os.Stat(p)
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		if f, err := os.Open(p); err == nil {
			f.Close()
			abs, err := filepath.Abs(p)
			if err == nil {
				return abs
			}
			return p
		}
	}
	return argv0
}

// mangle turns a configuration key into an environment variable name:
// every character outside [A-Za-z0-9] becomes '_'.
func mangle(key string) string {
	b := []byte(key)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			b[i] = '_'
		}
	}
	return string(b)
}
