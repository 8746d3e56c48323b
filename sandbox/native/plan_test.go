package native

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPlanMounts(t *testing.T) {
	base := t.TempDir()
	work := filepath.Join(base, "attempt", "work")
	shipped := filepath.Join(base, "cache", "files")
	other := filepath.Join(base, "other")
	for _, d := range []string{work, shipped, other} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(shipped, "mapper.py"), []byte("print(1)\n"), 0o755)
	os.Symlink(filepath.Join(shipped, "mapper.py"), filepath.Join(work, "mapper.py"))
	os.Symlink("/usr/bin/env", filepath.Join(work, "env")) // covered by /usr
	// A link a task leaves in its working directory mounts nothing.
	os.Symlink(other, filepath.Join(work, "planted"))
	input := filepath.Join(base, "input.txt")
	os.WriteFile(input, nil, 0o644)

	plan, err := planMounts(planInput{WorkDir: work, ReadOnly: []string{input, "/usr/share"},
		Shipped: []string{filepath.Join(shipped, "mapper.py")}, TmpSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, m := range plan {
		lines = append(lines, m.String())
	}
	got := strings.Join(lines, "\n")
	t.Logf("plan:\n%s", got)
	for _, want := range []string{
		"bind rw " + work,
		"bind ro " + filepath.Join(shipped, "mapper.py"),
		"bind ro " + input,
		"file /etc/passwd",
		"tmpfs /tmp size=1048576",
		"proc /proc",
		"bind rw /dev/null",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("plan lacks %q", want)
		}
	}
	for _, bad := range []string{"/etc/shadow", other, "/root\n", "bind ro /usr/share", "bind ro /home"} {
		if strings.Contains(got+"\n", bad) {
			t.Errorf("plan has %q", bad)
		}
	}
	// The working directory comes after /tmp, its parent in the sandbox.
	tmp, wd := -1, -1
	for i, m := range plan {
		switch {
		case m.Kind == kindTmpfs && m.Dst == "/tmp":
			tmp = i
		case m.Dst == work:
			wd = i
		}
	}
	if tmp < 0 || wd < tmp {
		t.Errorf("/tmp at %d, working directory at %d: want the parent first", tmp, wd)
	}
	// /usr is a directory: bound; /bin a symlink on merged-/usr hosts.
	for _, m := range plan {
		if m.Dst == "/bin" {
			fi, _ := os.Lstat("/bin")
			if isLink := fi.Mode()&os.ModeSymlink != 0; isLink != (m.Kind == kindSymlink) {
				t.Errorf("/bin: plan %v, host symlink %v", m, isLink)
			}
		}
	}
}

func TestPlanRefusesHome(t *testing.T) {
	if _, err := planMounts(planInput{WorkDir: "/root"}); err == nil {
		t.Error("planMounts accepted /root as working directory")
	}
}

func TestInstallPrefix(t *testing.T) {
	home, _ := os.UserHomeDir()
	for _, tc := range []struct{ path, work, want string }{
		{"/usr/bin/python3", "/w", ""},
		{"/bin/sh", "/w", ""},
		{"/w/mapper.py", "/w", ""},
		{"/root/.pyenv/versions/3.11.7/bin/python3.11", "/w", "/root/.pyenv/versions/3.11.7"},
		{"/home/ann/venv/bin/python", "/w", "/home/ann/venv"},
		{"/opt/conda/envs/x/bin/python", "/w", "/opt/conda/envs/x"},
		{"/opt/tool/run", "/w", "/opt/tool/run"},
		{"/home/ann/bin/tool", "/w", "/home/ann/bin"},
		{"/home/ann/tool", "/w", "/home/ann/tool"},
		{home + "/script", "/w", home + "/script"},
	} {
		if got := installPrefix(tc.path, tc.work); got != tc.want {
			t.Errorf("installPrefix(%q): got %q, want %q", tc.path, got, tc.want)
		}
	}
}

// TestResolvePyenv builds a fake pyenv tree: a shim, two versions, a
// .python-version file, and a "#!/usr/bin/env python3" script.
func TestResolvePyenv(t *testing.T) {
	root := filepath.Join(t.TempDir(), "pyenv")
	shims := filepath.Join(root, "shims")
	os.MkdirAll(shims, 0o755)
	shim := "#!/usr/bin/env bash\nset -e\nexport PYENV_ROOT=\"" + root + "\"\nexec \"" + root + "/libexec/pyenv\" exec \"$program\" \"$@\"\n"
	os.WriteFile(filepath.Join(shims, "python3"), []byte(shim), 0o755)
	for _, v := range []string{"3.11.7", "3.12.1"} {
		bin := filepath.Join(root, "versions", v, "bin")
		os.MkdirAll(bin, 0o755)
		os.WriteFile(filepath.Join(bin, "python3.real"), []byte("\x7fELF"), 0o755)
		os.Symlink("python3.real", filepath.Join(bin, "python3"))
	}
	os.WriteFile(filepath.Join(root, "version"), []byte("3.11.7\n"), 0o644)
	work := filepath.Join(t.TempDir(), "work")
	os.MkdirAll(work, 0o755)
	os.WriteFile(filepath.Join(work, "mapper.py"), []byte("#!/usr/bin/env python3\nprint(1)\n"), 0o755)
	path := "PATH=" + shims + ":/usr/bin:/bin"

	for _, tc := range []struct {
		name      string
		args, env []string
		verFile   string
		wantPath  string
		wantArgs  string
		wantMount string
	}{
		{"shim, global version", []string{"python3", "-c", "1"}, []string{path}, "",
			root + "/versions/3.11.7/bin/python3", root + "/versions/3.11.7/bin/python3 -c 1", root + "/versions/3.11.7"},
		{"shim, PYENV_VERSION", []string{"python3"}, []string{path, "PYENV_VERSION=3.12.1"}, "",
			root + "/versions/3.12.1/bin/python3", root + "/versions/3.12.1/bin/python3", root + "/versions/3.12.1"},
		{"shim, .python-version", []string{"python3"}, []string{path}, "3.12.1",
			root + "/versions/3.12.1/bin/python3", root + "/versions/3.12.1/bin/python3", root + "/versions/3.12.1"},
		{"env script", []string{"./mapper.py", "x"}, []string{path}, "",
			root + "/versions/3.11.7/bin/python3", root + "/versions/3.11.7/bin/python3 " + work + "/mapper.py x", root + "/versions/3.11.7"},
		{"system sh", []string{"sh", "-c", "true"}, []string{path}, "", "/usr/bin/sh", "sh -c true", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vf := filepath.Join(work, ".python-version")
			os.Remove(vf)
			if tc.verFile != "" {
				os.WriteFile(vf, []byte(tc.verFile+"\n"), 0o644)
			}
			r, err := resolveCommand(tc.args, tc.env, work, &hostPolicy{Local: true})
			if err != nil {
				t.Fatal(err)
			}
			if tc.name == "system sh" {
				if r.Path != "/usr/bin/sh" && r.Path != "/bin/sh" {
					t.Errorf("path: got %q", r.Path)
				}
			} else if r.Path != tc.wantPath {
				t.Errorf("path: got %q, want %q", r.Path, tc.wantPath)
			}
			if got := strings.Join(r.Args, " "); got != tc.wantArgs {
				t.Errorf("args: got %q, want %q", got, tc.wantArgs)
			}
			mounts := strings.Join(r.Prefixes, " ")
			if tc.wantMount != "" && !strings.Contains(mounts, tc.wantMount) {
				t.Errorf("prefixes %q lack %q", mounts, tc.wantMount)
			}
			if strings.Contains(mounts, root+"/shims") || (tc.wantMount == "" && mounts != "") {
				t.Errorf("prefixes: got %q", mounts)
			}
		})
	}
}

func TestResolveVirtualenv(t *testing.T) {
	base := t.TempDir()
	realBin := filepath.Join(base, "opt", "python", "bin")
	venv := filepath.Join(base, "venv")
	os.MkdirAll(realBin, 0o755)
	os.MkdirAll(filepath.Join(venv, "bin"), 0o755)
	os.WriteFile(filepath.Join(realBin, "python3"), []byte("\x7fELF"), 0o755)
	os.Symlink(filepath.Join(realBin, "python3"), filepath.Join(venv, "bin", "python"))
	os.WriteFile(filepath.Join(venv, "pyvenv.cfg"), []byte("home = "+realBin+"\n"), 0o644)
	r, err := resolveCommand([]string{"python"}, []string{"PATH=" + filepath.Join(venv, "bin")}, t.TempDir(), &hostPolicy{Local: true})
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(r.Prefixes, " ")
	if got != venv+" "+filepath.Join(base, "opt", "python") {
		t.Errorf("prefixes: got %q, want the venv and its base installation", got)
	}
}

func TestConfigValidate(t *testing.T) {
	c := DefaultConfig()
	if err := c.Validate(); err != nil {
		t.Fatalf("default config: %v", err)
	}
	for name, mut := range map[string]func(*Config){
		"relative init":  func(c *Config) { c.InitPath = "zebra" },
		"negative mem":   func(c *Config) { c.Memory = -1 },
		"tiny mem":       func(c *Config) { c.Memory = 1 << 20 },
		"root host uid":  func(c *Config) { c.HostUID = 0 },
		"one process":    func(c *Config) { c.Processes = 1 },
		"relative ro":    func(c *Config) { c.ReadOnly = []string{"data"} },
		"negative times": func(c *Config) { c.WallTime = -1 },
	} {
		c := DefaultConfig()
		mut(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("%s: Validate accepted %+v", name, c)
		}
	}
}

// TestResolvePolicy: on a cluster every installation a command needs must
// be allowed, whoever named it; on the local runner the user's own
// command line and PATH are trusted, but a hint of the job's files (a #!
// line, a pyvenv.cfg, a symlink in the working directory) may only name
// the user's installations; a shipped file needs no mount of its own.
func TestResolvePolicy(t *testing.T) {
	base := t.TempDir()
	secret := filepath.Join(base, "secret")
	tool := filepath.Join(base, "opt", "tool")
	for _, d := range []string{filepath.Join(secret, "bin"), filepath.Join(tool, "bin")} {
		os.MkdirAll(d, 0o755)
	}
	os.WriteFile(filepath.Join(secret, "bin", "sh"), []byte("#!/bin/sh\n"), 0o755)
	os.WriteFile(filepath.Join(tool, "bin", "run"), []byte("#!/bin/sh\n"), 0o755)
	work := filepath.Join(base, "work")
	ship := filepath.Join(base, "ship")
	os.MkdirAll(work, 0o755)
	os.MkdirAll(ship, 0o755)
	os.WriteFile(filepath.Join(ship, "m.sh"), []byte("#!/bin/sh\ncat\n"), 0o755)
	os.Symlink(filepath.Join(ship, "m.sh"), filepath.Join(work, "m.sh"))
	os.WriteFile(filepath.Join(work, "hint.sh"), []byte("#!"+secret+"/bin/sh\n"), 0o755)
	os.Symlink(filepath.Join(secret, "bin", "sh"), filepath.Join(work, "planted"))
	venv := filepath.Join(work, "venv")
	os.MkdirAll(filepath.Join(venv, "bin"), 0o755)
	os.WriteFile(filepath.Join(venv, "bin", "python3"), []byte("#!/bin/sh\n"), 0o755)
	os.WriteFile(filepath.Join(venv, "pyvenv.cfg"), []byte("home = "+secret+"/bin\n"), 0o644)
	os.WriteFile(filepath.Join(secret, "bin", "python3"), []byte("#!/bin/sh\n"), 0o755)
	userPath := "PATH=" + filepath.Join(tool, "bin") + ":/usr/bin:/bin"

	for _, tc := range []struct {
		name          string
		local         bool
		allow         []string
		args, env     []string
		wantErr       string // "" : no error
		wantPrefix    string
		notWantPrefix string
	}{
		{"cluster, shipped script", false, nil, []string{"./m.sh"}, []string{"PATH=/usr/bin:/bin"}, "", "", ship},
		{"cluster, PATH names a host tool", false, nil, []string{"run"}, []string{userPath}, "outside the worker's allowed interpreter installations", "", ""},
		{"cluster, allowed tool", false, []string{tool}, []string{"run"}, []string{userPath}, "", tool, ""},
		{"cluster, absolute program", false, nil, []string{filepath.Join(secret, "bin", "sh")}, nil, "outside the worker's allowed", "", ""},
		{"cluster, missing absolute program", false, nil, []string{"/no/such/prog"}, nil, "a task sees only what its job ships", "", ""},
		{"cluster, #! line", false, nil, []string{"./hint.sh"}, nil, "the #! line of", "", ""},
		{"local, user's PATH", true, nil, []string{"run"}, []string{userPath}, "", tool, ""},
		{"local, user's absolute program", true, nil, []string{filepath.Join(secret, "bin", "sh")}, nil, "", secret, ""},
		{"local, #! line of a job file", true, nil, []string{"./hint.sh"}, []string{userPath}, "outside the user's interpreter installations", "", ""},
		{"local, planted link", true, nil, []string{"./planted"}, []string{userPath}, "symlink " + filepath.Join(work, "planted"), "", ""},
		{"local, shipped pyvenv.cfg", true, nil, []string{"venv/bin/python3"}, []string{userPath}, "home of", "", ""},
		{"local, #! line into the user's installation", true, nil, []string{"./hint.sh"}, []string{"PATH=" + filepath.Join(secret, "bin")}, "", secret, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := resolveCommand(tc.args, tc.env, work, &hostPolicy{Local: tc.local, Allow: tc.allow, Shipped: []string{filepath.Join(ship, "m.sh")}})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got %v, want an error with %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Join(r.Prefixes, " ")
			if tc.wantPrefix != "" && !strings.Contains(got, tc.wantPrefix) {
				t.Errorf("prefixes %q lack %q", got, tc.wantPrefix)
			}
			if tc.notWantPrefix != "" && strings.Contains(got, tc.notWantPrefix) {
				t.Errorf("prefixes %q hold %q", got, tc.notWantPrefix)
			}
		})
	}
}
