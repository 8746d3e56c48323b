// Package fsshell is Hadoop's FsShell (`hadoop fs`, `hdfs dfs`) over the
// file systems of a mapreduce.Registry: local files (plain paths, file:),
// HDFS (hdfs://) and Swift (swift://). Run takes exactly FsShell's argv
// (generic options -D, -fs, -conf first, then one command) and prints what
// Hadoop 3.4's FsShell prints: the same listings, column widths, messages,
// usage text and exit codes (0; 1 when a command failed on some path; 255
// for a usage error).
//
// Paths resolve as Hadoop resolves them against fs.defaultFS (from -fs,
// -D fs.defaultFS=…, -conf files or the Hadoop configuration): with an
// hdfs:// default, /p is on that HDFS and a relative p under
// /user/<user>; otherwise plain paths are local files relative to the
// working directory. Items print as typed, children as parent/name.
package fsshell

import (
	"context"
	_ "embed"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"zebra/adapters/hdfs"
	"zebra/mapreduce"
)

//go:embed usage.txt
var usageText string

// Env is what one `zebra fs` invocation runs with.
type Env struct {
	Stdout, Stderr io.Writer
	Stdin          io.Reader
	// Dir is the working directory of local relative paths.
	Dir string
	// Registry resolves paths and URIs to file systems.
	Registry *mapreduce.Registry
	// HadoopConf is the Hadoop client configuration (core-site.xml, …);
	// nil means hdfs.LoadConf("") ($HADOOP_CONF_DIR).
	HadoopConf map[string]string
	// User is the user relative HDFS paths belong to (/user/<User>); ""
	// means hdfs.UserName().
	User string
	// Configure, if set, receives the settings of -D and -conf before any
	// path is resolved (so that file systems can read credentials).
	Configure func(settings map[string]string)
	// Location is the time zone of -ls dates (nil: time.Local).
	Location *time.Location
}

// shell is one run's state.
type shell struct {
	ctx       context.Context
	env       *Env
	out, err  io.Writer
	conf      map[string]string // -D and -conf settings
	hconf     map[string]string // the Hadoop configuration
	defaultFS string
	user      string
	cmd       string // the command's name without "-", for messages
	local     bool   // resolve plain paths as local files (see localMode)
	failed    bool
}

// Run runs FsShell's argv (without the leading "fs") and returns the exit
// code.
func Run(ctx context.Context, args []string, env *Env) int {
	sh := &shell{ctx: ctx, env: env, out: env.Stdout, err: env.Stderr, conf: map[string]string{}}
	args, err := sh.genericOptions(args)
	if err != nil {
		fmt.Fprintln(sh.err, err)
		return 255
	}
	if env.Configure != nil {
		env.Configure(sh.conf)
	}
	if len(args) == 0 {
		fmt.Fprint(sh.err, usageText)
		return 255
	}
	name := args[0]
	c := commands[name]
	if c == nil || !strings.HasPrefix(name, "-") {
		fmt.Fprintln(sh.err, name+": Unknown command")
		if commands["-"+name] != nil {
			fmt.Fprintln(sh.err, "Did you mean -"+name+"?  This command begins with a dash.")
		}
		fmt.Fprint(sh.err, usageText)
		return 255
	}
	sh.cmd = name[1:]
	opts, vals, rest, err := c.parse(args[1:])
	if err != nil {
		fmt.Fprintln(sh.err, name+": "+err.Error())
		fmt.Fprint(sh.err, usageText)
		fmt.Fprintln(sh.err, "Usage: hadoop fs [generic options] "+commandUsage(c.usageName(name)))
		return 255
	}
	if err := sh.resolveDefaults(); err != nil {
		fmt.Fprintln(sh.err, sh.cmd+": "+err.Error())
		return 1
	}
	code := c.run(sh, opts, vals, rest)
	if code == 0 && sh.failed {
		code = 1
	}
	return code
}

// commandUsage is the usage line of the command name ("-ls") from the
// usage text, without its brackets.
func commandUsage(name string) string {
	for _, l := range strings.Split(usageText, "\n") {
		l = strings.TrimPrefix(l, "\t")
		if strings.HasPrefix(l, "["+name+" ") || l == "["+name+"]" {
			return strings.TrimSuffix(strings.TrimPrefix(l, "["), "]")
		}
	}
	return name
}

// genericOptions consumes Hadoop's generic options (GenericOptionsParser)
// from the front of args.
func (sh *shell) genericOptions(args []string) ([]string, error) {
	for len(args) > 0 {
		a := args[0]
		value := func() (string, error) {
			if len(args) < 2 {
				return "", fmt.Errorf("missing argument for option: %s", strings.TrimLeft(a, "-"))
			}
			v := args[1]
			args = args[2:]
			return v, nil
		}
		switch {
		case a == "-D" || a == "--D":
			v, err := value()
			if err != nil {
				return nil, err
			}
			sh.setProperty(v)
		case strings.HasPrefix(a, "-D") && len(a) > 2:
			sh.setProperty(a[2:])
			args = args[1:]
		case a == "-fs" || a == "--fs":
			v, err := value()
			if err != nil {
				return nil, err
			}
			sh.conf["fs.defaultFS"] = v
		case a == "-conf" || a == "--conf":
			v, err := value()
			if err != nil {
				return nil, err
			}
			if err := sh.loadConfFile(v); err != nil {
				return nil, err
			}
		case a == "-jt" || a == "-files" || a == "-libjars" || a == "-archives" || a == "-tokenCacheFile":
			if _, err := value(); err != nil {
				return nil, err
			}
		default:
			return args, nil
		}
	}
	return args, nil
}

func (sh *shell) setProperty(kv string) {
	k, v, _ := strings.Cut(kv, "=")
	if k == "fs.default.name" {
		k = "fs.defaultFS"
	}
	sh.conf[k] = v
}

// loadConfFile reads the properties of a Hadoop configuration file given
// with -conf.
func (sh *shell) loadConfFile(name string) error {
	p := name
	if !filepath.IsAbs(p) {
		p = filepath.Join(sh.env.Dir, p)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return fmt.Errorf("read the configuration file given with -conf: %w", err)
	}
	var doc struct {
		Props []struct {
			Name  string `xml:"name"`
			Value string `xml:"value"`
		} `xml:"property"`
	}
	if err := xml.Unmarshal(b, &doc); err != nil {
		return fmt.Errorf("parse the configuration file %s: %w", name, err)
	}
	for _, pr := range doc.Props {
		if _, set := sh.conf[pr.Name]; !set {
			sh.setProperty(pr.Name + "=" + pr.Value)
		}
	}
	return nil
}

// resolveDefaults settles fs.defaultFS and the user.
func (sh *shell) resolveDefaults() error {
	hc := sh.env.HadoopConf
	if hc == nil {
		c, err := hdfs.LoadConf("")
		if err != nil {
			return err
		}
		hc = c
	}
	sh.hconf = hc
	sh.defaultFS = hdfs.DefaultFS(sh.conf["fs.defaultFS"], hc)
	sh.user = sh.env.User
	if sh.user == "" {
		u, err := hdfs.UserName()
		if err != nil {
			return err
		}
		sh.user = u
	}
	return nil
}

// setting is a setting of -D or -conf, else of the Hadoop configuration.
func (sh *shell) setting(key string) string {
	if v, ok := sh.conf[key]; ok {
		return v
	}
	return sh.hconf[key]
}

// qualify turns a typed path into what the registry resolves: a URI, or
// an absolute local path.
func (sh *shell) qualify(p string) string {
	if sh.local && !hasScheme(p) {
		if filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(sh.env.Dir, p)
	}
	if hasScheme(p) {
		if hdfs.IsHDFS(p) && hdfs.IsHDFS(sh.defaultFS) {
			return hdfs.Qualify(p, sh.defaultFS, sh.user)
		}
		return p
	}
	if hdfs.IsHDFS(sh.defaultFS) {
		return hdfs.Qualify(p, sh.defaultFS, sh.user)
	}
	if strings.HasPrefix(strings.ToLower(sh.defaultFS), "swift:") {
		base := strings.TrimSuffix(sh.defaultFS, "/")
		if strings.HasPrefix(p, "/") {
			return base + p
		}
		return base + "/user/" + sh.user + "/" + p
	}
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(sh.env.Dir, p)
}

func hasScheme(p string) bool {
	i := strings.Index(p, ":")
	return i > 0 && !strings.ContainsAny(p[:i], "/\\")
}

// item is one path an argument named: the file system, its name there,
// how it prints, and (once known) its status.
type item struct {
	fs     mapreduce.FS
	name   string // the FS's own name
	disp   string
	st     mapreduce.FileStatus
	exists bool
}

// child is the item of a directory entry of it.
func (it *item) child(st mapreduce.FileStatus) *item {
	base := path.Base(filepath.ToSlash(st.Path))
	var disp string
	switch {
	case it.disp == ".":
		disp = base
	case strings.HasSuffix(it.disp, "/"):
		disp = it.disp + base
	default:
		disp = it.disp + "/" + base
	}
	return &item{fs: it.fs, name: st.Path, disp: disp, st: st, exists: true}
}

// normDisp normalises a typed path as Hadoop's Path does: no repeated or
// trailing slashes.
func normDisp(p string) string {
	scheme := ""
	if hasScheme(p) {
		i := strings.Index(p, ":")
		scheme, p = p[:i+1], p[i+1:]
		if strings.HasPrefix(p, "//") {
			rest := p[2:]
			j := strings.IndexByte(rest, '/')
			if j < 0 {
				return scheme + p
			}
			scheme, p = scheme+"//"+rest[:j], rest[j:]
		}
	}
	for strings.Contains(p, "//") {
		p = strings.ReplaceAll(p, "//", "/")
	}
	if len(p) > 1 {
		p = strings.TrimSuffix(p, "/")
	}
	return scheme + p
}

// resolve finds the FS and name of a typed path (no globbing).
func (sh *shell) resolve(p string) (*item, error) {
	fsys, name, err := sh.env.Registry.Resolve(sh.ctx, sh.qualify(p))
	if err != nil {
		return nil, err
	}
	return &item{fs: fsys, name: name, disp: normDisp(p)}, nil
}

// errNotFound is a path that does not exist, printed as Hadoop's
// PathNotFoundException.
type pathError struct {
	disp string
	msg  string
}

func (e *pathError) Error() string { return "`" + e.disp + "': " + e.msg }

func notFound(disp string) error { return &pathError{disp, "No such file or directory"} }

// stat fills in it.st; a missing path is it.exists == false, no error.
func (sh *shell) stat(it *item) error {
	st, err := statusOf(sh.ctx, it.fs, it.name, sh.user)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
			it.exists = false
			return nil
		}
		return err
	}
	it.st, it.exists = st, true
	return nil
}

// expand resolves an argument, globbing it, into the items it names;
// none matching is an error (PathNotFoundException).
func (sh *shell) expand(arg string) ([]*item, error) {
	base, err := sh.resolve(arg)
	if err != nil {
		return nil, err
	}
	if !mapreduce.HasGlob(arg) {
		if err := sh.stat(base); err != nil {
			return nil, err
		}
		if !base.exists {
			return nil, notFound(base.disp)
		}
		return []*item{base}, nil
	}
	items, err := sh.glob(arg)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, notFound(normDisp(arg))
	}
	return items, nil
}

// glob expands a pattern component by component, as Hadoop's Globber:
// the matches of each component are sorted by name.
func (sh *shell) glob(arg string) ([]*item, error) {
	disp := normDisp(arg)
	// The prefix before the first component with glob syntax stays literal.
	prefix, comps := "", []string(nil)
	head := disp
	if hasScheme(head) {
		i := strings.Index(head, ":")
		rest := head[i+1:]
		if strings.HasPrefix(rest, "//") {
			j := strings.IndexByte(rest[2:], '/')
			if j < 0 {
				return nil, nil
			}
			prefix, head = head[:i+1]+rest[:j+2], rest[j+2:]
		} else {
			prefix, head = head[:i+1], rest
		}
	}
	if strings.HasPrefix(head, "/") {
		prefix += "/"
		head = head[1:]
	}
	comps = strings.Split(head, "/")
	k := 0
	for k < len(comps) && !mapreduce.HasGlob(comps[k]) {
		k++
	}
	lit := prefix + strings.Join(comps[:k], "/")
	if lit == "" {
		lit = "."
	}
	start, err := sh.resolve(lit)
	if err != nil {
		return nil, err
	}
	start.disp = strings.TrimSuffix(prefix+strings.Join(comps[:k], "/"), "/")
	if start.disp == "" && prefix == "" {
		start.disp = "."
	} else if start.disp == "" || strings.HasSuffix(prefix, ":") {
		start.disp = prefix
	}
	if err := sh.stat(start); err != nil {
		return nil, err
	}
	if !start.exists {
		return nil, nil
	}
	cur := []*item{start}
	for _, comp := range comps[k:] {
		var next []*item
		if !mapreduce.HasGlob(comp) {
			for _, it := range cur {
				if !it.st.IsDir {
					continue
				}
				c := &item{fs: it.fs, name: joinName(it.name, comp), disp: joinDisp(it.disp, comp)}
				if err := sh.stat(c); err != nil {
					return nil, err
				}
				if c.exists {
					next = append(next, c)
				}
			}
			cur = next
			continue
		}
		re, err := mapreduce.CompileGlob(comp)
		if err != nil {
			return nil, err
		}
		for _, it := range cur {
			if !it.st.IsDir {
				continue
			}
			kids, err := listStatus(sh.ctx, it.fs, it.name, sh.user)
			if err != nil {
				return nil, err
			}
			var matched []*item
			for _, st := range kids {
				base := path.Base(filepath.ToSlash(st.Path))
				if strings.HasPrefix(base, ".") && !strings.HasPrefix(comp, ".") && isLocal(it.fs) && strings.HasSuffix(base, ".crc") {
					continue
				}
				if re.MatchString(base) {
					c := it.child(st)
					c.disp = joinDisp(it.disp, base)
					matched = append(matched, c)
				}
			}
			sort.Slice(matched, func(i, j int) bool { return matched[i].disp < matched[j].disp })
			next = append(next, matched...)
		}
		cur = next
	}
	return cur, nil
}

func joinName(dir, base string) string {
	if strings.HasSuffix(dir, "/") {
		return dir + base
	}
	if filepath.IsAbs(dir) && filepath.Separator != '/' {
		return filepath.Join(dir, base)
	}
	return dir + "/" + base
}

func joinDisp(dir, base string) string {
	switch {
	case dir == ".":
		return base
	case strings.HasSuffix(dir, "/"):
		return dir + base
	}
	return dir + "/" + base
}

// fail reports an error on stderr as "cmd: message" and marks the run
// failed.
func (sh *shell) fail(err error) {
	sh.failed = true
	fmt.Fprintln(sh.err, sh.cmd+": "+message(err))
}

// message is the text Hadoop prints for err.
func message(err error) string {
	var pe *pathError
	if errors.As(err, &pe) {
		return pe.Error()
	}
	return err.Error()
}
