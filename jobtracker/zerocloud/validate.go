package zerocloud

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"
)

var (
	groupName = regexp.MustCompile(`^[A-Za-z0-9]+$`)
	envName   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// maxCount bounds a group's count.
const maxCount = 100000

// deviceModes are the values of a device's mode.
var deviceModes = map[string]bool{"": true, "file": true, "char": true, "pipe": true, "block": true}

// Validate checks a parsed job against ZeroCloud's rules and zebra's
// limits, without touching storage: group and device names, paths and
// wildcards, counts, connect edges (known groups, no duplicates; any
// graph, cycles included, is valid ZeroCloud: Compile refuses the shapes
// zebra does not run), and the features zebra does not run (replicate > 1,
// debug and image devices).
// Every problem is reported, as an ErrorList naming its field.
func Validate(file string, job *Job) error {
	p := &problems{file: file}
	if len(job.Groups) == 0 {
		p.add(-1, "", "", "the job has no node groups")
		return p.err()
	}
	index := map[string]int{}
	for i, g := range job.Groups {
		switch {
		case g.Name == "":
			p.add(i, "", "name", "missing: every node group needs a name")
		case !groupName.MatchString(g.Name):
			p.add(i, "", "name", "%q: must be letters and digits only (instances are named name-1, name-2, ...)", g.Name)
		default:
			if j, dup := index[g.Name]; dup {
				p.add(i, g.Name, "name", "the name is already used by group index %d", j)
			} else {
				index[g.Name] = i
			}
		}
		validateGroup(p, i, g)
	}
	for i, g := range job.Groups {
		seen := map[string]bool{}
		for k, c := range g.Connect {
			f := fmt.Sprintf("connect[%d]", k)
			j, ok := index[c]
			switch {
			case !ok:
				p.add(i, g.Name, f, "%q: no group has this name (groups: %s)", c, strings.Join(sortedKeys(index), ", "))
			case seen[c]:
				p.add(i, g.Name, f, "%q is listed twice", c)
			case j == i && !multiInstance(g):
				p.add(i, g.Name, f, "a group may connect to itself only when it has more than one instance (count > 1 or a wildcard input)")
			}
			seen[c] = true
		}
	}
	return p.err()
}

func validateGroup(p *problems, i int, g *Group) {
	name := g.Name
	e := g.Exec
	switch {
	case e.Path == "":
		p.add(i, name, "exec.path", "missing: the program the instances run (swift://account/container/object, file://python2.7:python or a path in the job's bundle)")
	default:
		if err := checkExecPath(e.Path); err != nil {
			p.add(i, name, "exec.path", "%s: %v", e.Path, err)
		}
	}
	if _, err := SplitArgs(e.Args); err != nil {
		p.add(i, name, "exec.args", "%v", err)
	}
	for _, k := range sortedKeys(e.Env) {
		if !envName.MatchString(k) {
			p.add(i, name, "exec.env."+k, "not a valid environment variable name (letters, digits and _, not starting with a digit)")
		}
	}
	if strings.ContainsAny(e.Name, "\x00") {
		p.add(i, name, "exec.name", "must not contain NUL")
	}
	if g.Count < 0 || g.Count > maxCount {
		p.add(i, name, "count", "%d: must be between 1 and %d", g.Count, maxCount)
	}
	switch g.Replicate {
	case 0, 1:
	case 2, 3:
		p.add(i, name, "replicate", "not supported yet: replicate %d (zebra runs every instance once; retries replace failed attempts)", g.Replicate)
	default:
		p.add(i, name, "replicate", "%d: must be 1, 2 or 3", g.Replicate)
	}
	names := map[string]int{}
	var wildIn *Device
	for j, d := range g.Devices {
		f := fmt.Sprintf("devices[%d]", j)
		if prev, dup := names[d.Name]; dup && d.Name != "" {
			p.add(i, name, f+".name", "%q is already declared as devices[%d]", d.Name, prev)
		}
		names[d.Name] = j
		switch {
		case d.Name == "":
			p.add(i, name, f+".name", "missing: the device's name (stdin, stdout, stderr, input, output, script or a system image)")
			continue
		case d.Name == "debug":
			p.add(i, name, f+".name", "not supported yet: debug devices (network sinks)")
			continue
		case d.Name == "image":
			checkImageDevice(p, i, name, f, d)
			continue
		case sysImages[d.Name]:
			if d.Path != "" {
				p.add(i, name, f+".path", "a system image device takes no path")
			}
			continue
		case !readable[d.Name] && !writable[d.Name]:
			p.add(i, name, f+".name", "%q: not a device name (known: stdin, stdout, stderr, input, output, script, debug, image, and the system images python2.7, python3)", d.Name)
			continue
		}
		if d.Writable() {
			checkAttrs(p, i, name, f, d)
		}
		if !deviceModes[d.Mode] {
			p.add(i, name, f+".mode", "%q: must be file, char, pipe or block", d.Mode)
		}
		if d.MinSize < 0 {
			p.add(i, name, f+".min_size", "must not be negative")
		} else if d.MinSize > 0 {
			p.add(i, name, f+".min_size", "not supported yet: min_size (every output is stored)")
		}
		if d.Path == "" {
			switch d.Name {
			case "input", "script":
				p.add(i, name, f+".path", "missing: %s needs a swift:// object to read (zebra has no request body to feed it)", d.Name)
			}
			continue
		}
		if err := checkDevicePath(d.Path); err != nil {
			p.add(i, name, f+".path", "%s: %v", d.Path, err)
			continue
		}
		if d.Readable() && wildcard(d.Path) {
			if wildIn != nil {
				p.add(i, name, f+".path", "not supported yet: wildcards in two readable devices (%s and %s)", wildIn.Name, d.Name)
				continue
			}
			wildIn = &g.Devices[j]
		}
	}
	for j, d := range g.Devices {
		if !d.Writable() || d.Path == "" || checkDevicePath(d.Path) != nil {
			continue
		}
		f := fmt.Sprintf("devices[%d].path", j)
		switch {
		case wildIn != nil && !wildcard(d.Path):
			p.add(i, name, f, "%s: the readable device %s has a wildcard (%s), so every writable device with a path needs one too: each * takes the text the input's * matched", d.Path, wildIn.Name, wildIn.Path)
		case wildIn != nil && strings.Count(d.Path, "*") > strings.Count(wildIn.Path, "*"):
			p.add(i, name, f, "%s has %d wildcards but the input %s has only %d: each * takes what the input's corresponding * matched", d.Path, strings.Count(d.Path, "*"), wildIn.Path, strings.Count(wildIn.Path, "*"))
		case wildIn == nil && g.Count > 1 && !wildcard(d.Path):
			p.add(i, name, f, "%s: a single object cannot take the output of %d instances; put a * in the path (it becomes each instance's name, %s-1, %s-2, ...)", d.Path, g.Count, name, name)
		}
	}
	if g.Attach != "" && g.Attach != "default" {
		if _, ok := names[g.Attach]; !ok {
			p.add(i, name, "attach", "%q: no device of this group has that name (use \"default\" or a device name)", g.Attach)
		}
	}
}

// multiInstance reports whether a group may have more than one instance.
func multiInstance(g *Group) bool {
	if g.Count > 1 {
		return true
	}
	for _, d := range g.Devices {
		if d.Readable() && wildcard(d.Path) {
			return true
		}
	}
	return false
}

// checkExecPath checks the form of exec.path.
func checkExecPath(p string) error {
	switch {
	case strings.HasPrefix(p, "swift://"):
		if wildcard(p) {
			return errors.New("the program's path cannot have a wildcard")
		}
		_, _, obj, err := parseSwift(p)
		if err == nil && obj == "" {
			err = errors.New("names a container, not an object")
		}
		return err
	case strings.HasPrefix(p, "file://"):
		img, inner, ok := strings.Cut(strings.TrimPrefix(p, "file://"), ":")
		if !ok || inner == "" {
			return errors.New("want file://<system image>:<path>, e.g. file://python2.7:python")
		}
		if !sysImages[img] {
			return fmt.Errorf("unknown system image %q (zebra has: python2.7, python3)", img)
		}
		if _, err := sysProgram(img, inner); err != nil {
			return err
		}
		return nil
	case strings.Contains(p, "://"):
		return errors.New("unknown scheme: want swift://, file://<image>:<path> or a path in the job's bundle")
	case path.IsAbs(p):
		return errors.New("an absolute host path is not allowed: give a path relative to job.json (shipped in the job's bundle) or a swift:// object")
	case strings.HasPrefix(path.Clean(p), ".."):
		return errors.New("the path leaves the job's directory")
	}
	return nil
}

// sysProgram maps a program inside a system image to the host program
// that stands in for it.
func sysProgram(img, inner string) (string, error) {
	base := path.Base(inner)
	if strings.HasPrefix(base, "python") {
		return "python3", nil
	}
	return "", fmt.Errorf("%s is not a program of the %s system image (zebra runs its python, as the host's python3)", inner, img)
}

// checkDevicePath checks the form of a device path.
func checkDevicePath(p string) error {
	switch {
	case strings.HasPrefix(p, "swift://"):
		_, c, obj, err := parseSwift(p)
		if err != nil {
			return err
		}
		if wildcard(c) {
			return errors.New("not supported yet: a wildcard in the container name")
		}
		if obj == "" {
			return errors.New("names a container, not an object (containers as devices are not supported yet)")
		}
		return nil
	case strings.HasPrefix(p, "zvm://"):
		return errors.New("not supported yet: zvm:// device links (use connect)")
	case strings.HasPrefix(p, "file://"):
		return errors.New("not supported yet: file:// device paths")
	case strings.HasPrefix(p, "tcp://"), strings.HasPrefix(p, "udp://"):
		return errors.New("not supported yet: network devices")
	}
	return errors.New("want a swift://account/container/object path (account ~ for your own)")
}

// parseSwift splits a ZeroCloud swift:// URL: the first part is the
// account (~ or . for the caller's own, or AUTH_...).
func parseSwift(u string) (account, container, object string, err error) {
	rest := strings.TrimPrefix(u, "swift://")
	acct, rest, _ := strings.Cut(rest, "/")
	container, object, _ = strings.Cut(rest, "/")
	switch {
	case acct == "~" || acct == ".":
		acct = ""
	case strings.HasPrefix(acct, "AUTH_"):
	case acct == "":
		return "", "", "", errors.New("the account is missing: write swift://~/container/object for your own account")
	default:
		return "", "", "", fmt.Errorf("the first part of a ZeroCloud swift:// path is the account: write swift://~/%s/... for your own account, or swift://AUTH_%s/... for the account %s", acct, acct, acct)
	}
	if container == "" {
		return "", "", "", errors.New("the container is missing")
	}
	if wildcard(acct) {
		return "", "", "", errors.New("not supported yet: a wildcard in the account")
	}
	return acct, container, object, nil
}

// zebraURLFor is the zebra swift:// URL of a ZeroCloud one, ~ standing
// for account ("": the credentials' own, written swift://container/object).
func zebraURLFor(u, account string) string {
	acct, c, obj, err := parseSwift(u)
	if err != nil {
		return u
	}
	if acct == "" {
		acct = account
	}
	s := "swift://"
	if acct != "" {
		s += acct + "/"
	}
	s += c
	if obj != "" {
		s += "/" + obj
	}
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// SplitArgs splits exec.args as a POSIX shell splits words, without
// expanding anything: blanks separate words, single quotes keep
// everything, double quotes keep all but \" and \\, a backslash quotes
// the next character.
func SplitArgs(s string) ([]string, error) {
	var out []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				out = append(out, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("unbalanced single quote at character %d of %q", i+1, s)
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\') {
					i++
				}
				cur.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, fmt.Errorf("unbalanced double quote in %q", s)
			}
			inWord = true
		case c == '\\':
			if i+1 >= len(s) {
				return nil, fmt.Errorf("a backslash ends %q", s)
			}
			i++
			cur.WriteByte(s[i])
			inWord = true
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		out = append(out, cur.String())
	}
	return out, nil
}
