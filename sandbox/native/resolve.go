package native

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
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
	// BinDirs are prepended to PATH: the directories of interpreters found
	// through a shim, so that the program's own children find them too.
	BinDirs []string
}

// systemDirs are mounted anyway; nothing under them needs a prefix.
var systemDirs = []string{"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc"}

// resolveCommand finds args[0] on the host as the kernel and a shell would
// inside the sandbox, with env's PATH and relative to dir, and returns what
// to mount for it: the installation prefix of the program, of its #!
// interpreter (recursively) and of every symlink hop on the way. pyenv
// shims are resolved to the version they would run, and "#!/usr/bin/env
// name" scripts are run by the resolved interpreter directly.
func resolveCommand(args []string, env []string, dir string) (*resolved, error) {
	if len(args) == 0 {
		return nil, errors.New("empty command")
	}
	r := &resolved{Args: append([]string(nil), args...)}
	path, err := lookPath(args[0], getenv(env, "PATH"), dir)
	if err != nil {
		return nil, err
	}
	if p, ok := pyenvShim(path, args[0], env, dir); ok {
		path = p
		r.Args[0] = p
		r.BinDirs = append(r.BinDirs, filepath.Dir(p))
	}
	r.Path = path
	for depth := 0; ; depth++ {
		if depth > 4 {
			return nil, fmt.Errorf("%s: too many levels of #! interpreters", args[0])
		}
		r.addPrefixes(path, dir)
		interp, arg, ok := shebang(path)
		if !ok {
			break
		}
		if filepath.Base(interp) == "env" && arg != "" && !strings.HasPrefix(arg, "-") {
			// #!/usr/bin/env name: look name up now, on the task's PATH,
			// and run it directly; inside, PATH may name unmounted dirs.
			name := arg
			p, err := lookPath(name, getenv(env, "PATH"), dir)
			if err != nil {
				return nil, fmt.Errorf("%s: interpreter %s: %w", args[0], name, err)
			}
			if s, ok := pyenvShim(p, name, env, dir); ok {
				p = s
				r.BinDirs = append(r.BinDirs, filepath.Dir(p))
			}
			script := path
			r.Path = p
			r.Args = append([]string{p, script}, r.Args[1:]...)
			path = p
			continue
		}
		path = interp
	}
	return r, nil
}

// addPrefixes adds the installation prefix of path and of each symlink hop
// from path to the file it names, and of a virtualenv's base interpreter.
func (r *resolved) addPrefixes(path, workDir string) {
	for hop := 0; hop < 40; hop++ {
		r.addPrefix(path, workDir)
		if cfg := venvConfig(path); cfg != "" {
			if home := venvHome(cfg); home != "" {
				r.addPrefix(filepath.Join(home, "python3"), workDir)
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
		path = t
	}
}

func (r *resolved) addPrefix(path, workDir string) {
	p := installPrefix(path, workDir)
	if p == "" {
		return
	}
	for _, q := range r.Prefixes {
		if q == p {
			return
		}
	}
	r.Prefixes = append(r.Prefixes, p)
}

// installPrefix returns the directory to mount for the program at path: ""
// if the sandbox has it anyway (system directories, the working directory),
// the parent of a "bin" directory (pyenv version, virtualenv, conda env,
// /opt/tool), else the program's directory — or the file alone, when that
// directory is a home directory or the root.
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
	prefix := dir
	if filepath.Base(dir) == "bin" {
		prefix = filepath.Dir(dir)
	}
	if isHomeOrRoot(prefix) {
		if filepath.Base(dir) == "bin" && !isHomeOrRoot(dir) {
			return dir // ~/bin/tool: mount ~/bin, not ~
		}
		return path
	}
	return prefix
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
// on PATH outside pyenv.
func pyenvShim(path, name string, env []string, dir string) (string, bool) {
	root, ok := shimRoot(path)
	if !ok {
		return "", false
	}
	if r := getenv(env, "PYENV_ROOT"); r != "" {
		root = r
	}
	name = filepath.Base(name)
	var versions []string
	if v := getenv(env, "PYENV_VERSION"); v != "" {
		versions = strings.Split(v, ":")
	} else if v := findVersionFile(dir); v != "" {
		versions = readVersionFile(v)
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
				return p, true
			}
			continue
		}
		p := filepath.Join(root, "versions", v, "bin", name)
		if isExecutable(p) {
			return p, true
		}
	}
	return "", false
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
