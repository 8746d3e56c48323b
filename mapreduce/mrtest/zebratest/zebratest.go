// Package zebratest is the one owner of the test set-up that runs the
// zebra binary: it builds ./cmd/zebra for a test and starts a local cluster
// with `zebra up`, stopped with `zebra down` at the test's cleanup. Tests of
// any package use it (streaming's conformance suite, cmd/zebra's cluster
// tests); whether such a test runs at all is suite.Require's to decide.
// It imports only the standard library.
package zebratest

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Build builds the zebra binary (./cmd/zebra of the module holding the
// test's working directory) into a temporary directory of t and returns
// its path.
func Build(t testing.TB) string {
	t.Helper()
	root, err := ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "zebra")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/zebra")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/zebra: %v\n%s", err, out)
	}
	return bin
}

// ModuleRoot is the module's root directory: $ZEBRA_MODULE_ROOT if set,
// else the nearest directory at or above the working directory that holds
// a go.mod.
func ModuleRoot() (string, error) {
	if r := os.Getenv("ZEBRA_MODULE_ROOT"); r != "" {
		return r, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		up := filepath.Dir(dir)
		if up == dir {
			return "", errors.New("zebratest: no go.mod at or above the working directory")
		}
		dir = up
	}
}

// Cluster is a local cluster started by Up.
type Cluster struct {
	// State is its --state directory.
	State string
	// Env holds what `zebra up` printed as `export NAME=value` lines
	// (ZEBRA_JOBTRACKER, ZEBRA_TOKEN, ZEBRA_TLS_CA, ...) and
	// ZEBRA_CLUSTER, the state directory.
	Env map[string]string
	// Stdout and Stderr are what `zebra up` printed.
	Stdout, Stderr string
}

// JobTracker is the jobtracker's URL and Token the cluster token, as up
// printed them.
func (c *Cluster) JobTracker() string { return c.Env["ZEBRA_JOBTRACKER"] }
func (c *Cluster) Token() string      { return c.Env["ZEBRA_TOKEN"] }

// Up runs `bin up --state STATE args...` (STATE a new directory of t if
// state is ""), and at t's cleanup `bin down --state STATE` and a check
// that no process mentioning STATE is left. It fails t if up fails or
// prints no ZEBRA_JOBTRACKER.
func Up(t testing.TB, bin, state string, args ...string) *Cluster {
	t.Helper()
	if state == "" {
		state = filepath.Join(t.TempDir(), "cluster")
	}
	cmd := exec.Command(bin, append([]string{"up", "--state", state}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	t.Cleanup(func() {
		if out, err := exec.Command(bin, "down", "--state", state).CombinedOutput(); err != nil {
			t.Errorf("zebra down: %v\n%s", err, out)
		}
		if left := ProcessesMentioning(state); len(left) > 0 {
			t.Errorf("processes left after zebra down: %v", left)
		}
	})
	if err != nil {
		t.Fatalf("zebra up %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	c := &Cluster{State: state, Env: map[string]string{"ZEBRA_CLUSTER": state}, Stdout: string(out), Stderr: stderr.String()}
	for _, l := range strings.Split(string(out), "\n") {
		if kv, ok := strings.CutPrefix(l, "export "); ok {
			k, v, _ := strings.Cut(kv, "=")
			c.Env[k] = v
		}
	}
	if c.JobTracker() == "" {
		t.Fatalf("zebra up printed no ZEBRA_JOBTRACKER:\n%s", out)
	}
	return c
}

// ProcessesMentioning lists the running processes other than this one
// whose command line mentions dir or whose working directory is beneath
// it.
func ProcessesMentioning(dir string) []int {
	var out []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() || !running(pid) {
			continue
		}
		cmdline, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		cwd, _ := os.Readlink("/proc/" + e.Name() + "/cwd")
		if strings.Contains(strings.ReplaceAll(string(cmdline), "\x00", " "), dir) || strings.HasPrefix(cwd, dir) {
			out = append(out, pid)
		}
	}
	return out
}

// running reports whether pid is a running (not zombie) process.
func running(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// The state follows the parenthesised command name.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i > 0 && i+2 < len(s) && s[i+2] != 'Z'
}
