package streaming

import (
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
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
// executable, as Hadoop does for shipped scripts (see makeExecutable;
// links are the job's shipped files by link name).
func resolveProgram(argv0 string, dirs []string, pathEnv string, links map[string]string) string {
	if filepath.IsAbs(argv0) {
		return argv0
	}
	if len(dirs) > 0 {
		makeExecutable(dirs[0], argv0, links)
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

// makeExecutable adds the execute bits to the program rel (relative to
// the working directory dir), as Hadoop does for shipped scripts, without
// following a link a task could have swapped: the worker may be root, and
// the working directory is writable by the task's earlier programs (a
// combiner runs where its mapper ran). A shipped file (rel's first
// element is a link name of the job's plan) is reached through the
// plan's own target, never through the link in dir; anything else must
// be a regular file below dir reached without any symbolic link. Failures
// are ignored: the program's exec then reports them.
func makeExecutable(dir, rel string, links map[string]string) {
	rel = filepath.Clean(rel)
	first, rest, _ := strings.Cut(rel, string(filepath.Separator))
	var fd int
	var err error
	if target, ok := links[first]; ok {
		p := target
		if rest != "" {
			p = filepath.Join(target, rest)
		}
		fd, err = unix.Open(p, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	} else {
		var dfd int
		if dfd, err = unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0); err != nil {
			return
		}
		fd, err = unix.Openat2(dfd, rel, &unix.OpenHow{
			Flags:   unix.O_RDONLY | unix.O_NOFOLLOW | unix.O_NONBLOCK | unix.O_CLOEXEC,
			Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS,
		})
		unix.Close(dfd)
	}
	if err != nil {
		return
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if unix.Fstat(fd, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
		return
	}
	unix.Fchmod(fd, st.Mode&0o7777|0o111)
}
