package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"zebra/sandbox/native"

	"zebra/mapreduce/mrtest/suite"
)

// The attacks of the security review, each as a real streaming job whose
// mapper, combiner or reducer is the attacker: on the local runner (the
// zebra binary as a user runs it) and on a local cluster (a root worker).
// Each checks that the host, other tasks and the output are unchanged and
// that the attempt log (the console's task error, the attempt record)
// says why the attack was refused.

// secJob is a streaming run's result.
type secJob struct {
	code    int
	console string // stdout and stderr
	output  string // the part files, concatenated in name order
	logs    string // every attempt record and stderr under ZEBRA_HOME
}

// runStreaming runs `zebra streaming args...` in dir with env added, with
// its output in dir/out; a fresh ZEBRA_HOME keeps its attempt logs.
func runStreaming(t *testing.T, bin, dir string, env []string, args ...string) secJob {
	t.Helper()
	home := t.TempDir()
	out := filepath.Join(dir, "out")
	os.RemoveAll(out)
	cmd := exec.Command(bin, append([]string{"streaming", "-D", "mapreduce.map.maxattempts=1", "-D", "mapreduce.reduce.maxattempts=1"},
		append(args, "-output", out)...)...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "ZEBRA_HOME="+home), env...)
	b, err := cmd.CombinedOutput()
	j := secJob{console: string(b)}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		j.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	parts, _ := filepath.Glob(filepath.Join(out, "part-*"))
	sort.Strings(parts)
	for _, p := range parts {
		b, _ := os.ReadFile(p)
		j.output += string(b)
	}
	filepath.Walk(home, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			b, _ := os.ReadFile(p)
			j.logs += string(b)
		}
		return nil
	})
	t.Logf("exit %d\n%s", j.code, lastLines(j.console, 12))
	return j
}

func lastLines(s string, n int) string {
	l := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(l[max(0, len(l)-n):], "\n")
}

// snapshot is every file under dir with its mode and content.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return nil
		}
		s := fi.Mode().String()
		if fi.Mode().IsRegular() {
			b, _ := os.ReadFile(p)
			s += " " + string(b)
		} else if fi.Mode()&os.ModeSymlink != 0 {
			l, _ := os.Readlink(p)
			s += " -> " + l
		}
		out[p] = s
		return nil
	})
	return out
}

func sameSnapshot(t *testing.T, what string, before, after map[string]string) {
	t.Helper()
	for p, s := range after {
		if before[p] != s {
			t.Errorf("%s: %s changed or appeared: %q (was %q)", what, p, s, before[p])
		}
	}
	for p := range before {
		if _, ok := after[p]; !ok {
			t.Errorf("%s: %s disappeared", what, p)
		}
	}
}

func writeExec(t *testing.T, p, text string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(text), 0o755); err != nil {
		t.Fatal(err)
	}
}

// hostSecret makes a directory of host files no task may see: a secret
// file and a bin/ with a shell and a python3 (an "installation").
func hostSecret(t *testing.T) string {
	t.Helper()
	d := filepath.Join(t.TempDir(), "hostsecret")
	os.MkdirAll(filepath.Join(d, "bin"), 0o755)
	os.WriteFile(filepath.Join(d, "secret.txt"), []byte("TOPSECRET\n"), 0o644)
	sh, _ := os.ReadFile("/bin/sh")
	os.WriteFile(filepath.Join(d, "bin", "sh"), sh, 0o755)
	writeExec(t, filepath.Join(d, "bin", "python3"), "#!/bin/sh\necho TOPSECRET-INTERPRETER\n")
	return d
}

// swappedLinkAttack is attack 6 (run with env; nil: the local runner): the
// mapper swaps the link of its shipped program for one to a host file;
// making the combiner (the same name) executable must not chmod the host
// file, nor run it.
func swappedLinkAttack(t *testing.T, bin, dir string, env []string) {
	t.Helper()
	victim := filepath.Join(t.TempDir(), "victim")
	os.WriteFile(victim, []byte("host file\n"), 0o600)
	writeExec(t, filepath.Join(dir, "swap.sh"), "#!/bin/sh\ncat\nrm -f swap.sh && ln -s "+victim+" swap.sh\n")
	before := snapshot(t, filepath.Dir(victim))
	j := runStreaming(t, bin, dir, env, "-files", "swap.sh", "-input", "in.txt", "-mapper", "./swap.sh", "-combiner", "./swap.sh", "-reducer", "cat")
	sameSnapshot(t, "victim", before, snapshot(t, filepath.Dir(victim)))
	if strings.Contains(j.output, "host file") {
		t.Errorf("the combiner ran the host file:\n%s", j.output)
	}
}

// readPrivateShipped is issue 16b (run with env; nil: the local runner): a
// task, run as another user, must read the 0600 file its job ships.
func readPrivateShipped(t *testing.T, bin, dir string, env []string) {
	t.Helper()
	os.WriteFile(filepath.Join(dir, "conf.txt"), []byte("PRIVATE-CONF\n"), 0o600)
	os.Chmod(filepath.Join(dir, "conf.txt"), 0o600)
	writeExec(t, filepath.Join(dir, "useconf.sh"), "#!/bin/sh\ncat >/dev/null\ncat conf.txt\n")
	j := runStreaming(t, bin, dir, env, "-files", "useconf.sh,conf.txt", "-input", "in.txt", "-mapper", "./useconf.sh", "-reducer", "NONE")
	if j.code != 0 || !strings.Contains(j.output, "PRIVATE-CONF") {
		t.Errorf("exit %d, output %q: the task could not read its 0600 shipped file", j.code, j.output)
	}
}

func needSandbox(t *testing.T) {
	t.Helper()
	suite.Require(t, suite.Cluster) // builds zebra and runs real jobs
	if err := native.Check(); err != nil {
		t.Skipf("native sandbox not available: %v", err)
	}
}

// TestSecLocalRunner runs the attacks of classes 1-4 and 6 and the
// issue-16 cases on the local runner.
func TestSecLocalRunner(t *testing.T) {
	needSandbox(t)
	bin := buildZebra(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "in.txt"), []byte("alpha beta\ngamma\n"), 0o644)
	secret := hostSecret(t)

	t.Run("1 link names", func(t *testing.T) {
		os.WriteFile(filepath.Join(dir, "f.txt"), []byte("f\n"), 0o644)
		var tb bytes.Buffer
		gz := gzip.NewWriter(&tb)
		tw := tar.NewWriter(gz)
		tw.WriteHeader(&tar.Header{Name: "x", Typeflag: tar.TypeReg, Mode: 0o644, Size: 2})
		tw.Write([]byte("x\n"))
		tw.Close()
		gz.Close()
		os.WriteFile(filepath.Join(dir, "a.tgz"), tb.Bytes(), 0o644)
		parent := filepath.Dir(dir)
		before := snapshot(t, parent)
		for _, name := range []string{"../escaped", "../../escaped", "sub/x", ".", ".."} {
			for _, opt := range []string{"-files", "-archives"} {
				src := map[string]string{"-files": "f.txt", "-archives": "a.tgz"}[opt]
				j := runStreaming(t, bin, dir, nil, opt, src+"#"+name, "-input", "in.txt", "-mapper", "cat", "-reducer", "NONE")
				if j.code == 0 || !strings.Contains(j.console, "link name") {
					t.Errorf("%s %s#%s: exit %d, want a refused link name", opt, src, name, j.code)
				}
			}
		}
		os.RemoveAll(filepath.Join(dir, "out"))
		sameSnapshot(t, "link names", before, snapshot(t, parent))
	})

	t.Run("1 archive bomb", func(t *testing.T) {
		// 0.5 MiB of tgz that unpacks to 512 MiB.
		f, _ := os.Create(filepath.Join(dir, "bomb.tgz"))
		gz, _ := gzip.NewWriterLevel(f, gzip.BestCompression)
		tw := tar.NewWriter(gz)
		tw.WriteHeader(&tar.Header{Name: "zeros", Typeflag: tar.TypeReg, Mode: 0o644, Size: 512 << 20})
		zero := make([]byte, 1<<20)
		for i := 0; i < 512; i++ {
			tw.Write(zero)
		}
		tw.Close()
		gz.Close()
		f.Close()
		j := runStreaming(t, bin, dir, nil, "-archives", "bomb.tgz#b", "-input", "in.txt", "-mapper", "cat", "-reducer", "NONE")
		if j.code == 0 || !strings.Contains(j.console, "it unpacks to more than") {
			t.Errorf("bomb: exit %d, want the archive refused for its size", j.code)
		}
		os.Remove(filepath.Join(dir, "bomb.tgz"))
	})

	t.Run("2 planted symlinks", func(t *testing.T) {
		// The mapper plants links to host places in its working directory;
		// the combiner, run later in the same directory, reads through them.
		writeExec(t, filepath.Join(dir, "plant.sh"), "#!/bin/sh\ncat\nln -s "+secret+" planted-dir\nln -s "+secret+"/secret.txt planted-file\nln -s /proc/1/root planted-proc\n")
		writeExec(t, filepath.Join(dir, "comb.sh"), "#!/bin/sh\ncat\nfor f in planted-dir/secret.txt planted-file planted-proc/etc/hostname "+secret+"/secret.txt; do\n  if cat \"$f\" 2>/dev/null; then :; else echo \"denied $f\" >&2; echo \"DENIED\t1\"; fi\ndone\n")
		before := snapshot(t, secret)
		j := runStreaming(t, bin, dir, nil, "-files", "plant.sh,comb.sh", "-input", "in.txt", "-mapper", "./plant.sh", "-combiner", "./comb.sh", "-reducer", "cat")
		if j.code != 0 {
			t.Fatalf("exit %d", j.code)
		}
		if strings.Contains(j.output, "TOPSECRET") || strings.Count(j.output, "DENIED") != 4 {
			t.Errorf("the combiner read through planted links:\n%s", j.output)
		}
		if !strings.Contains(j.logs, "denied planted-dir/secret.txt") {
			t.Errorf("the attempt log lacks the combiner's refusals")
		}
		sameSnapshot(t, "host secret", before, snapshot(t, secret))
	})

	t.Run("3 job hints name host directories", func(t *testing.T) {
		// A shipped script's #! line and a shipped virtualenv's pyvenv.cfg
		// name a host installation: refused, with the reason.
		writeExec(t, filepath.Join(dir, "shebang.sh"), "#!"+secret+"/bin/sh\ncat "+secret+"/secret.txt\ncat\n")
		j := runStreaming(t, bin, dir, nil, "-files", "shebang.sh", "-input", "in.txt", "-mapper", "./shebang.sh", "-reducer", "NONE")
		if j.code == 0 || strings.Contains(j.output, "TOPSECRET") || !strings.Contains(j.logs, "outside the user's interpreter installations") {
			t.Errorf("#! line: exit %d, output %q", j.code, j.output)
		}
		var tb bytes.Buffer
		gz := gzip.NewWriter(&tb)
		tw := tar.NewWriter(gz)
		for _, m := range []struct{ name, data string }{
			{"pyvenv.cfg", "home = " + secret + "/bin\n"},
			{"bin/python3", "#!/bin/sh\ncat\n"},
		} {
			tw.WriteHeader(&tar.Header{Name: m.name, Typeflag: tar.TypeReg, Mode: 0o755, Size: int64(len(m.data))})
			tw.Write([]byte(m.data))
		}
		tw.Close()
		gz.Close()
		os.WriteFile(filepath.Join(dir, "venv.tgz"), tb.Bytes(), 0o644)
		j = runStreaming(t, bin, dir, nil, "-archives", "venv.tgz#venv", "-input", "in.txt", "-mapper", "venv/bin/python3", "-reducer", "NONE")
		if j.code == 0 || !strings.Contains(j.logs, "home of") || !strings.Contains(j.logs, "outside the user's interpreter installations") {
			t.Errorf("pyvenv.cfg: exit %d, output %q", j.code, j.output)
		}
	})

	t.Run("3 user data beside an installation", func(t *testing.T) {
		// A tool the user installed in ~/.local/bin (pip --user, uv's
		// python3.x) is an installation the local runner mounts; its
		// prefix ~/.local also holds the user's data (~/.local/share:
		// keyrings, ~/.local/state: zebra's own logs of every job). A
		// downloaded mapper whose #! line runs it (#!/usr/bin/env tool, a
		// tool that runs its file argument) read them all. Now only the
		// installation's bin and lib are shown.
		home := t.TempDir()
		local := filepath.Join(home, ".local")
		os.MkdirAll(filepath.Join(local, "bin"), 0o755)
		os.MkdirAll(filepath.Join(local, "share", "keyrings"), 0o755)
		os.WriteFile(filepath.Join(local, "share", "keyrings", "login.keyring"), []byte("KEYRING-SECRET\n"), 0o644)
		writeExec(t, filepath.Join(local, "bin", "runfile"), "#!/bin/sh\nexec /bin/sh \"$@\"\n")
		writeExec(t, filepath.Join(dir, "hostile.sh"), "#!/usr/bin/env runfile\ncat "+filepath.Join(local, "share", "keyrings", "login.keyring")+" 2>/dev/null\ncat\n")
		j := runStreaming(t, bin, dir, []string{"HOME=" + home, "PATH=" + filepath.Join(local, "bin") + ":" + os.Getenv("PATH")},
			"-files", "hostile.sh", "-input", "in.txt", "-mapper", "./hostile.sh", "-reducer", "NONE")
		if strings.Contains(j.output, "KEYRING-SECRET") {
			t.Errorf("the mapper read ~/.local/share through the mount of ~/.local/bin/runfile's prefix")
		}
		if j.code != 0 || j.output != "alpha beta\t\ngamma\t\n" {
			t.Errorf("the user's tool in ~/.local/bin: exit %d, output %q, want it to run the mapper", j.code, j.output)
		}
		os.Remove(filepath.Join(dir, "hostile.sh"))
	})

	t.Run("4 environment", func(t *testing.T) {
		j := runStreaming(t, bin, dir, []string{"ST_KEY=sekrit-st", "OS_PASSWORD=sekrit-os", "OS_AUTH_TOKEN=sekrit-tok", "ZEBRA_TOKEN_FILE=/sekrit-file", "MY_OWN_VAR=visible"},
			"-input", "in.txt", "-mapper", "env", "-reducer", "NONE")
		if j.code != 0 {
			t.Fatalf("exit %d", j.code)
		}
		if strings.Contains(j.output, "sekrit") {
			t.Errorf("a task saw zebra's secrets:\n%s", j.output)
		}
		if !strings.Contains(j.output, "MY_OWN_VAR=visible") || !strings.Contains(j.output, "mapreduce_task_id=") {
			t.Errorf("the task lacks the user's environment or the job's variables:\n%s", j.output)
		}
	})

	t.Run("4 wasm environment", func(t *testing.T) {
		// A WebAssembly program sees only what the job defines.
		wasmBin := filepath.Join(dir, "guest.wasm")
		build := exec.Command("go", "build", "-o", wasmBin, "./testdata/guest")
		build.Dir = filepath.Join("..", "..", "sandbox", "wasm")
		build.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("build the wasm guest: %v\n%s", err, out)
		}
		j := runStreaming(t, bin, dir, []string{"MY_OWN_VAR=visible", "ST_KEY=sekrit-st"},
			"-files", "guest.wasm", "-cmdenv", "JOBVAR=job-value", "-input", "in.txt", "-mapper", "guest.wasm report", "-reducer", "NONE")
		if j.code != 0 {
			t.Fatalf("exit %d", j.code)
		}
		if strings.Contains(j.output, "MY_OWN_VAR") || strings.Contains(j.output, "sekrit") || strings.Contains(j.output, "env PATH=") || strings.Contains(j.output, "env HOME=") {
			t.Errorf("the wasm program saw the parent environment:\n%s", j.output)
		}
		if !strings.Contains(j.output, "env JOBVAR=job-value") || !strings.Contains(j.output, "env mapreduce_task_id=") {
			t.Errorf("the wasm program lacks the job's variables:\n%s", j.output)
		}
	})

	t.Run("6 chmod through a swapped link", func(t *testing.T) { swappedLinkAttack(t, bin, dir, nil) })

	t.Run("one endless line", func(t *testing.T) {
		// A mapper writes 32 MiB on stderr, or on stdout, without a line
		// end. The worker (root, on a cluster) buffered every byte of a
		// line in its own memory, and kept a stderr line whole in the log
		// past zebra.task.stderr.limit (the operator's tenant maximum).
		// Now the log keeps at most the limit, and an output line longer
		// than the task's memory fails the task, naming the limit.
		const flood = 32 << 20
		writeExec(t, filepath.Join(dir, "flood.sh"), fmt.Sprintf("#!/bin/sh\nhead -c %d /dev/zero | tr '\\0' x >&$1\ncat >/dev/null\n", flood))
		j := runStreaming(t, bin, dir, nil, "-D", "zebra.task.stderr.limit=1048576", "-files", "flood.sh", "-input", "in.txt",
			"-mapper", "sh flood.sh 2", "-reducer", "NONE")
		if j.code != 0 {
			t.Errorf("stderr flood: exit %d, want the job to succeed with its stderr cut", j.code)
		}
		if n := len(j.logs); n > 1<<20+64<<10 {
			t.Errorf("stderr flood: %d bytes of attempt logs, over the 1 MiB stderr limit", n)
		}
		if n := len(j.console); n > 1<<20+64<<10 {
			t.Errorf("stderr flood: %d bytes of console, over the 1 MiB stderr limit", n)
		}
		j = runStreaming(t, bin, dir, nil, "-D", "zebra.sandbox.memory.mb=16", "-files", "flood.sh", "-input", "in.txt",
			"-mapper", "sh flood.sh 1", "-reducer", "NONE")
		if j.code == 0 || !strings.Contains(j.console, "longer than 16777216 bytes, the task's memory (zebra.sandbox.memory.mb)") {
			t.Errorf("stdout flood: exit %d, want the task failed for a line over its memory", j.code)
		}
		os.Remove(filepath.Join(dir, "flood.sh"))
	})

	t.Run("16a script named by absolute path", func(t *testing.T) {
		src := t.TempDir()
		os.WriteFile(filepath.Join(src, "neighbour.txt"), []byte("NEIGHBOUR\n"), 0o644)
		os.WriteFile(filepath.Join(src, "mapper.pl"), []byte("while (<STDIN>) { print uc($_); }\n"+
			"if (open(my $f, '<', '"+src+"/neighbour.txt')) { print <$f>; } else { print STDERR \"neighbour: $!\\n\"; }\n"+
			"if (open(my $g, '>>', '"+src+"/mapper.pl')) { print \"WROTE\\n\"; }\n"), 0o644)
		before := snapshot(t, src)
		j := runStreaming(t, bin, dir, nil, "-input", "in.txt", "-mapper", "perl "+src+"/mapper.pl", "-reducer", "NONE")
		if j.code != 0 {
			t.Fatalf("exit %d", j.code)
		}
		if want := strings.ToUpper("alpha beta\ngamma\n"); !strings.HasPrefix(strings.ReplaceAll(j.output, "\t", ""), want) {
			t.Errorf("output %q, want %q first", j.output, want)
		}
		if strings.Contains(j.output, "NEIGHBOUR") || strings.Contains(j.output, "WROTE") {
			t.Errorf("the task saw more than the named file, or wrote it:\n%s", j.output)
		}
		sameSnapshot(t, "script directory", before, snapshot(t, src))
	})

	t.Run("16b shipped file of mode 0600", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("the task runs as another user only under a root runner")
		}
		readPrivateShipped(t, bin, dir, nil)
		if fi, _ := os.Stat(filepath.Join(dir, "conf.txt")); fi.Mode().Perm() != 0o600 {
			t.Errorf("the user's file became %v", fi.Mode())
		}
	})
}

// TestSecCluster runs the attacks on a local cluster: a root worker, the
// job submitted as a user would.
func TestSecCluster(t *testing.T) {
	needSandbox(t)
	if os.Geteuid() != 0 {
		t.Skip("a worker runs as root")
	}
	bin := buildZebra(t)
	// The worker's own environment holds credentials and settings no task
	// may inherit.
	t.Setenv("ST_AUTH", "http://127.0.0.1:1/auth/v1.0")
	t.Setenv("ST_USER", "worker:admin")
	t.Setenv("ST_KEY", "sekrit-worker-key")
	t.Setenv("WORKER_ONLY_SETTING", "sekrit-worker-setting")
	env := upCluster(t, bin, "--no-swift", "--workers", "1", "--slots", "1")
	var envList []string
	for k, v := range env {
		envList = append(envList, k+"="+v)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "in.txt"), []byte("alpha beta\ngamma\n"), 0o644)
	secret := hostSecret(t)

	t.Run("4 environment", func(t *testing.T) {
		j := runStreaming(t, bin, dir, envList, "-cmdenv", "JOBVAR=job-value", "-input", "in.txt", "-mapper", "env", "-reducer", "NONE")
		if j.code != 0 {
			t.Fatalf("exit %d", j.code)
		}
		if strings.Contains(j.output, "sekrit") || strings.Contains(j.output, "ST_AUTH") || strings.Contains(j.output, "ST_USER") {
			t.Errorf("a task saw the worker's environment:\n%s", j.output)
		}
		for _, want := range []string{"JOBVAR=job-value", "mapreduce_task_id=", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME="} {
			if !strings.Contains(j.output, want) {
				t.Errorf("the task's environment lacks %q:\n%s", want, j.output)
			}
		}
	})

	t.Run("3 interpreter outside the allowlist", func(t *testing.T) {
		// -cmdenv PATH and an absolute program path name a host
		// installation the operator did not allow: refused on the worker.
		j := runStreaming(t, bin, dir, envList, "-cmdenv", "PATH="+secret+"/bin:/usr/bin:/bin", "-input", "in.txt", "-mapper", "python3", "-reducer", "NONE")
		if j.code == 0 || strings.Contains(j.output, "TOPSECRET") || !strings.Contains(j.console, "outside the worker's allowed interpreter installations") {
			t.Errorf("-cmdenv PATH: exit %d, output %q", j.code, j.output)
		}
		// A program named by absolute path is not refused at submission
		// (a virtualenv's python may be on the workers): the worker
		// refuses it outside its allowlist, and nothing of it runs.
		j = runStreaming(t, bin, dir, envList, "-input", "in.txt", "-mapper", secret+"/bin/python3", "-reducer", "NONE")
		if j.code == 0 || strings.Contains(j.output, "TOPSECRET") || !strings.Contains(j.console, "outside the worker's allowed interpreter installations") {
			t.Errorf("absolute program path: exit %d, output %q", j.code, j.output)
		}
		writeExec(t, filepath.Join(dir, "hint.sh"), "#!"+secret+"/bin/sh\ncat\n")
		j = runStreaming(t, bin, dir, envList, "-files", "hint.sh", "-input", "in.txt", "-mapper", "./hint.sh", "-reducer", "NONE")
		if j.code == 0 || !strings.Contains(j.console, "--sandbox-allow") {
			t.Errorf("#! line: exit %d, output %q", j.code, j.output)
		}
	})

	t.Run("2 planted symlinks", func(t *testing.T) {
		// Links to the host, the host's /proc and the worker's data
		// directory (other tasks' and jobs' files), read by the combiner.
		writeExec(t, filepath.Join(dir, "plant.sh"), "#!/bin/sh\ncat\nln -s "+secret+" planted-dir\nln -s /proc/1/root planted-proc\nln -s \"$PWD/../../..\" planted-data\n")
		writeExec(t, filepath.Join(dir, "comb.sh"), "#!/bin/sh\ncat\nfor f in planted-dir/secret.txt planted-proc/etc/hostname planted-data; do\n  if ls \"$f\" >/dev/null 2>&1 && cat \"$f\" 2>/dev/null; then echo \"READ\t$f\"; else echo \"denied $f\" >&2; echo \"DENIED\t1\"; fi\ndone\n")
		before := snapshot(t, secret)
		j := runStreaming(t, bin, dir, envList, "-files", "plant.sh,comb.sh", "-input", "in.txt", "-mapper", "./plant.sh", "-combiner", "./comb.sh", "-reducer", "cat")
		if j.code != 0 {
			t.Fatalf("exit %d", j.code)
		}
		// Each map's combiner (a cluster splits the input in
		// mapreduce.job.maps=2) is denied its three reads.
		if n := strings.Count(j.output, "DENIED"); strings.Contains(j.output, "TOPSECRET") || strings.Contains(j.output, "READ") || n == 0 || n%3 != 0 {
			t.Errorf("the combiner read through planted links:\n%s", j.output)
		}
		sameSnapshot(t, "host secret", before, snapshot(t, secret))
	})

	t.Run("6 chmod through a swapped link", func(t *testing.T) { swappedLinkAttack(t, bin, dir, envList) })

	t.Run("16a unshipped script by absolute path", func(t *testing.T) {
		os.WriteFile(filepath.Join(secret, "mapper.pl"), []byte("while (<STDIN>) { print uc($_); }\n"), 0o644)
		j := runStreaming(t, bin, dir, envList, "-input", "in.txt", "-mapper", "perl "+secret+"/mapper.pl", "-reducer", "NONE")
		if j.code == 0 || !strings.Contains(j.console, "on a cluster a task sees only what its job ships") {
			t.Errorf("exit %d: want the submission refused with the reason", j.code)
		}
	})

	t.Run("16b shipped file of mode 0600", func(t *testing.T) { readPrivateShipped(t, bin, dir, envList) })
}
