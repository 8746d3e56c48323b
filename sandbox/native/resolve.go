package native

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// resolved is a command as the sandbox will run it.
type resolved struct {
	// Path is the host path execve gets inside the sandbox; Args its argv.
	Path string
	Args []string
	// Prefixes are the installation directories (or single files) to mount
	// read-only so that Path, its interpreters and their libraries work.
	Prefixes []string
	// Files are host files the command names by absolute path, shown
	// read-only (the local runner only, see hostPolicy.Local).
	Files []string
	// BinDirs are prepended to PATH: the directories of interpreters found
	// through a shim, so that the program's own children find them too.
	BinDirs []string

	pol   *hostPolicy
	name  string // args[0] as given, for messages
	local []string
	err   error // the first refused hint
}

// systemDirs are mounted anyway; nothing under them needs a prefix.
var systemDirs = []string{"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc"}

// hostPolicy says which host paths resolving a command may mount. What to
// mount is taken from trusted places only: the operator's configuration,
// the job's plan (its shipped files, Shipped) and, on the local runner,
// the user's own command line and environment. A hint read from anything
// the job ships or a task could have written (a file or symlink in the
// working directory or among the shipped files: a #! line, a pyvenv.cfg,
// a .python-version, a symlink's target) is a "job hint": it may only
// name places inside Allow (and, on the local runner, the user's own
// interpreter installations found on their PATH).
type hostPolicy struct {
	// Local: the local runner, where the submitting user runs their own
	// job; hints of the command line and environment are the user's and
	// are trusted, and the command's absolute file arguments are shown.
	Local bool
	// Allow are the host prefixes (operator's allowlist, cleaned and with
	// symlinks resolved) that anything may mount, besides the system
	// directories every sandbox has.
	Allow []string
	// WorkDir is the task's working directory; Shipped the job's shipped
	// files and directories, mounted anyway (read-only).
	WorkDir string
	Shipped []string
}

// jobData reports whether path is something the job ships or a task could
// have written: inside the working directory or a shipped path.
func (p *hostPolicy) jobData(path string) bool {
	if under(path, p.WorkDir) {
		return true
	}
	for _, s := range p.Shipped {
		if under(path, s) {
			return true
		}
	}
	return false
}

// allowed reports whether prefix lies inside the allowlist (or, on the
// local runner, one of the user's interpreter installations).
func (r *resolved) allowed(prefix string) bool {
	for _, a := range r.pol.Allow {
		if under(prefix, a) {
			return true
		}
	}
	for _, a := range r.local {
		if under(prefix, a) {
			return true
		}
	}
	return false
}

// localInstallations returns the user's own interpreter installations on
// the local runner, as their environment names them: the installation
// prefix of every absolute PATH directory outside the job's data (a pyenv
// shims directory stands for its versions), $PYENV_ROOT/versions,
// $VIRTUAL_ENV and $CONDA_PREFIX.
func localInstallations(env []string, pol *hostPolicy) []string {
	var out []string
	add := func(p string) {
		if p != "" && filepath.IsAbs(p) && !isHomeOrRoot(p) && !pol.jobData(p) {
			out = append(out, filepath.Clean(p))
		}
	}
	for _, d := range filepath.SplitList(getenv(env, "PATH")) {
		if !filepath.IsAbs(d) || pol.jobData(d) {
			continue
		}
		d = filepath.Clean(d)
		switch filepath.Base(d) {
		case "bin":
			if p := filepath.Dir(d); !isHomeOrRoot(p) {
				add(p)
			} else {
				add(d)
			}
		case "shims":
			add(filepath.Join(filepath.Dir(d), "versions"))
		default:
			add(d)
		}
	}
	if r := getenv(env, "PYENV_ROOT"); r != "" {
		add(filepath.Join(r, "versions"))
	}
	add(getenv(env, "VIRTUAL_ENV"))
	add(getenv(env, "CONDA_PREFIX"))
	return out
}

// resolveCommand finds args[0] on the host as the kernel and a shell would
// inside the sandbox, with env's PATH and relative to dir, and returns what
// to mount for it: the installation prefix of the program, of its #!
// interpreter (recursively) and of every symlink hop on the way, each
// checked against pol. pyenv shims are resolved to the version they would
// run, and "#!/usr/bin/env name" scripts are run by the resolved
// interpreter directly. A hint pol refuses is an error that says which
// file named what.
func resolveCommand(args []string, env []string, dir string, pol *hostPolicy) (*resolved, error) {
	if len(args) == 0 {
		return nil, errors.New("empty command")
	}
	if pol == nil {
		pol = &hostPolicy{}
	}
	pol.WorkDir = dir
	r := &resolved{Args: append([]string(nil), args...), pol: pol, name: args[0]}
	if pol.Local {
		r.local = localInstallations(env, pol)
	}
	path, err := lookPath(args[0], getenv(env, "PATH"), dir)
	if err != nil {
		if !pol.Local && filepath.IsAbs(args[0]) {
			return nil, fmt.Errorf("%w (on a cluster a task sees only what its job ships: ship it with -files or -archives)", err)
		}
		return nil, err
	}
	job := pol.jobData(path)
	if p, shimJob, ok := pyenvShim(path, args[0], env, dir, pol); ok {
		path = p
		job = job || shimJob
		r.Args[0] = p
		r.BinDirs = append(r.BinDirs, filepath.Dir(p))
	}
	why := "the command"
	r.Path = path
	for depth := 0; ; depth++ {
		if depth > 4 {
			return nil, fmt.Errorf("%s: too many levels of #! interpreters", args[0])
		}
		r.addPrefixes(path, job, why)
		interp, arg, ok := shebang(path)
		if !ok {
			break
		}
		fromJob := job || pol.jobData(path)
		if filepath.Base(interp) == "env" && arg != "" && !strings.HasPrefix(arg, "-") {
			// #!/usr/bin/env name: look name up now, on the task's PATH,
			// and run it directly; inside, PATH may name unmounted dirs.
			name := arg
			p, err := lookPath(name, getenv(env, "PATH"), dir)
			if err != nil {
				return nil, fmt.Errorf("%s: interpreter %s: %w", args[0], name, err)
			}
			// Found on PATH: the environment's, not the script's choice.
			pjob := pol.jobData(p)
			if s, shimJob, ok := pyenvShim(p, name, env, dir, pol); ok {
				p = s
				pjob = pjob || shimJob
				r.BinDirs = append(r.BinDirs, filepath.Dir(p))
			}
			script := path
			r.Path = p
			r.Args = append([]string{p, script}, r.Args[1:]...)
			path, job, why = p, pjob, "interpreter "+name+" of "+script
			continue
		}
		path, job, why = interp, fromJob, "the #! line of "+path
	}
	if r.err != nil {
		return nil, r.err
	}
	if pol.Local {
		r.addFiles()
	}
	return r, nil
}

// addFiles adds the files the command line names by absolute path (the
// local runner: "perl $PWD/mapper.pl" works as in Hadoop's local mode),
// each alone, read-only.
func (r *resolved) addFiles() {
	for _, a := range r.Args[1:] {
		if !filepath.IsAbs(a) || r.pol.jobData(a) || covered(a) || !isFile(a) {
			continue
		}
		r.Files = append(r.Files, filepath.Clean(a))
	}
}

// addPrefixes adds the installation prefix of path and of each symlink hop
// from path to the file it names, and of a virtualenv's base interpreter.
// job says whether path came from the job's data; a hop out of the job's
// data, and what a shipped pyvenv.cfg names, are job hints too.
func (r *resolved) addPrefixes(path string, job bool, why string) {
	for hop := 0; hop < 40; hop++ {
		r.addPrefix(path, job, why)
		if cfg := venvConfig(path); cfg != "" {
			if home := venvHome(cfg); home != "" {
				r.addPrefix(filepath.Join(home, "python3"), job || r.pol.jobData(cfg), "home of "+cfg)
			}
		}
		fi, err := os.Lstat(path)
		if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			return
		}
		t, err := os.Readlink(path)
		if err != nil {
			return
		}
		if !filepath.IsAbs(t) {
			t = filepath.Join(filepath.Dir(path), t)
		}
		job = job || r.pol.jobData(path)
		why = "symlink " + path
		path = t
	}
}

// addPrefix adds what to mount for path, if the policy allows it; else it
// records why not.
func (r *resolved) addPrefix(path string, job bool, why string) {
	path = filepath.Clean(path)
	if r.pol.jobData(path) {
		return // mounted anyway
	}
	if _, err := os.Lstat(path); err != nil {
		return // nothing to mount; the exec reports it
	}
	p := installPrefix(path, r.pol.WorkDir)
	if p == "" {
		return
	}
	switch {
	case r.allowed(p):
	case r.pol.Local && !job:
		// The user's own command line and environment on the local runner.
	case r.pol.Local:
		r.refuse(fmt.Errorf("%s: %s names %s, outside the user's interpreter installations: the sandbox mounts nothing a job's own files (or a task) name", r.name, why, path))
		return
	default:
		r.refuse(fmt.Errorf("%s: %s needs host path %s, which is outside the worker's allowed interpreter installations (zebra worker --sandbox-allow; allowed: %s): on a cluster a task sees the system directories, the allowed installations and what its job ships (-files, -archives)",
			r.name, why, p, allowList(r.pol.Allow)))
		return
	}
	for _, q := range dataHomeParts(p) {
		if !slices.Contains(r.Prefixes, q) {
			r.Prefixes = append(r.Prefixes, q)
		}
	}
}

// dataHomeParts returns what to mount of the installation prefix p: p
// itself, except for a home's ~/.local, which holds the user's data
// (share: keyrings, application data; state: zebra's own logs of every
// job) beside what pip --user and uv install there: of it only bin and
// lib (the user site-packages), those that exist.
func dataHomeParts(p string) []string {
	if filepath.Base(p) != ".local" || !isHomeOrRoot(filepath.Dir(p)) || filepath.Dir(p) == "/" {
		return []string{p}
	}
	var out []string
	for _, sub := range []string{"bin", "lib"} {
		if fi, err := os.Stat(filepath.Join(p, sub)); err == nil && fi.IsDir() {
			out = append(out, filepath.Join(p, sub))
		}
	}
	return out
}

func (r *resolved) refuse(err error) {
	if r.err == nil {
		r.err = err
	}
}

func allowList(a []string) string {
	if len(a) == 0 {
		return "only the system directories"
	}
	return strings.Join(a, ", ")
}

// installPrefix returns the directory to mount for the program at path: ""
// if the sandbox has it anyway (system directories, the working directory),
// the parent of a "bin" directory (pyenv version, virtualenv, conda env,
// /opt/tool), else the program file alone. A home directory or the root is
// never mounted whole (~/bin/tool: ~/bin).
func installPrefix(path, workDir string) string {
	path = filepath.Clean(path)
	if under(path, workDir) {
		return ""
	}
	for _, d := range systemDirs {
		if under(path, d) {
			return ""
		}
	}
	dir := filepath.Dir(path)
	if filepath.Base(dir) != "bin" {
		return path
	}
	if prefix := filepath.Dir(dir); !isHomeOrRoot(prefix) {
		return prefix
	}
	if !isHomeOrRoot(dir) {
		return dir
	}
	return path
}

// isHomeOrRoot reports whether dir is "/", a top-level directory or a home
// directory (/root, /home/NAME), which are never mounted whole.
func isHomeOrRoot(dir string) bool {
	dir = filepath.Clean(dir)
	if dir == "/" || filepath.Dir(dir) == "/" {
		return true
	}
	if h, err := os.UserHomeDir(); err == nil && filepath.Clean(h) == dir {
		return true
	}
	return filepath.Dir(dir) == "/home"
}

// under reports whether path is dir or inside it.
func under(path, dir string) bool {
	if dir == "" {
		return false
	}
	path, dir = filepath.Clean(path), filepath.Clean(dir)
	return path == dir || dir == "/" || strings.HasPrefix(path, dir+"/")
}

// venvConfig returns the pyvenv.cfg of the virtualenv holding the program
// at path, if any.
func venvConfig(path string) string {
	bin := filepath.Dir(path)
	if filepath.Base(bin) != "bin" {
		return ""
	}
	cfg := filepath.Join(filepath.Dir(bin), "pyvenv.cfg")
	if _, err := os.Stat(cfg); err != nil {
		return ""
	}
	return cfg
}

// venvHome returns the "home" key of a pyvenv.cfg: the base interpreter's
// bin directory.
func venvHome(cfg string) string {
	b, err := os.ReadFile(cfg)
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, "=")
		if ok && strings.TrimSpace(k) == "home" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// shebang returns the interpreter and optional argument of a #! script.
func shebang(path string) (interp, arg string, ok bool) {
	f, err := os.Open(path)
	if err != nil {
		return "", "", false
	}
	defer f.Close()
	line, err := bufio.NewReaderSize(f, 256).ReadSlice('\n')
	if len(line) < 2 || !bytes.HasPrefix(line, []byte("#!")) {
		return "", "", false
	}
	_ = err // a one-line script without newline is fine
	fields := strings.Fields(string(line[2:]))
	if len(fields) == 0 || !filepath.IsAbs(fields[0]) {
		return "", "", false
	}
	interp = fields[0]
	if len(fields) > 1 {
		arg = strings.Join(fields[1:], " ") // the kernel passes the rest as one argument
	}
	return interp, arg, true
}

// pyenvShim resolves a pyenv shim at path (run as name) to the executable
// of the version pyenv would pick: $PYENV_VERSION, else .python-version in
// dir or a parent, else $PYENV_ROOT/version; "system" means the first name
// on PATH outside pyenv. job reports whether the choice came from the
// job's data (a shim or .python-version file in the working directory).
func pyenvShim(path, name string, env []string, dir string, pol *hostPolicy) (exe string, job, ok bool) {
	root, ok := shimRoot(path)
	if !ok {
		return "", false, false
	}
	job = pol.jobData(path)
	if r := getenv(env, "PYENV_ROOT"); r != "" {
		root = r
	}
	name = filepath.Base(name)
	var versions []string
	if v := getenv(env, "PYENV_VERSION"); v != "" {
		versions = strings.Split(v, ":")
	} else if v := findVersionFile(dir); v != "" {
		versions = readVersionFile(v)
		job = job || pol.jobData(v)
	} else {
		versions = readVersionFile(filepath.Join(root, "version"))
	}
	if len(versions) == 0 {
		versions = []string{"system"}
	}
	for _, v := range versions {
		if v == "system" {
			var keep []string
			for _, d := range filepath.SplitList(getenv(env, "PATH")) {
				if !under(d, root) {
					keep = append(keep, d)
				}
			}
			if p, err := lookPath(name, strings.Join(keep, ":"), dir); err == nil {
				return p, job, true
			}
			continue
		}
		if strings.Contains(v, "/") || v == ".." {
			continue // a version name, not a path
		}
		p := filepath.Join(root, "versions", v, "bin", name)
		if isExecutable(p) {
			return p, job, true
		}
	}
	return "", false, false
}

// shimRoot reports whether path is a pyenv shim and returns its PYENV_ROOT.
func shimRoot(path string) (string, bool) {
	if filepath.Base(filepath.Dir(path)) != "shims" {
		return "", false
	}
	b, err := os.ReadFile(path)
	if err != nil || len(b) > 4096 || !bytes.Contains(b, []byte("pyenv\" exec")) {
		return "", false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "export PYENV_ROOT="); ok {
			return strings.Trim(v, `"'`), true
		}
	}
	return filepath.Dir(filepath.Dir(path)), true
}

func findVersionFile(dir string) string {
	for d := filepath.Clean(dir); d != "" && filepath.IsAbs(d); d = filepath.Dir(d) {
		if p := filepath.Join(d, ".python-version"); isFile(p) {
			return p
		}
		if d == "/" {
			break
		}
	}
	return ""
}

func readVersionFile(p string) []string {
	b, err := os.ReadFile(p)
	if err != nil {
		return nil
	}
	var out []string
	for _, f := range strings.Fields(string(b)) {
		if !strings.HasPrefix(f, "#") {
			out = append(out, f)
		}
	}
	return out
}

// lookPath finds name as execvp would with the given PATH; relative paths
// are taken relative to dir.
func lookPath(name, path, dir string) (string, error) {
	if strings.Contains(name, "/") {
		if !filepath.IsAbs(name) {
			name = filepath.Join(dir, name)
		}
		if !isExecutable(name) {
			return "", fmt.Errorf("%s: %w", name, errNotExecutable(name))
		}
		return name, nil
	}
	if path == "" {
		path = "/usr/local/bin:/usr/bin:/bin"
	}
	for _, d := range filepath.SplitList(path) {
		if d == "" {
			d = "."
		}
		if !filepath.IsAbs(d) {
			d = filepath.Join(dir, d)
		}
		if p := filepath.Join(d, name); isExecutable(p) {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s: executable file not found in $PATH", name)
}

func errNotExecutable(p string) error {
	if _, err := os.Stat(p); err != nil {
		return fs.ErrNotExist
	}
	return fs.ErrPermission
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

func getenv(env []string, key string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], key+"="); ok {
			return v
		}
	}
	return ""
}
