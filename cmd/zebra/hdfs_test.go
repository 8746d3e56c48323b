package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"zebra/adapters/hdfs"
	"zebra/adapters/hdfs/minicluster"

	"zebra/mapreduce/mrtest/suite"
	"zebra/mapreduce/mrtest/zebratest"
)

// upCluster runs `zebra up --state <temp> args…`, registers `zebra down`
// (and a check that no process is left) as cleanup, and returns the
// variables up printed as `export NAME=value` lines.
func upCluster(t *testing.T, bin string, args ...string) map[string]string {
	t.Helper()
	return zebratest.Up(t, bin, "", args...).Env
}

// TestUpHDFS: `zebra up --hdfs` starts a real HDFS beside the cluster and
// prints ZEBRA_HDFS. The unchanged job with relative -input and -output
// under -D fs.defaultFS=$ZEBRA_HDFS reads and writes the user's HDFS home
// directory, its maps are data-local (the worker sits beside the
// DataNode), and its output is byte-identical to the local runner's; so is
// a cross-store job's (HDFS input, local output). `zebra down` stops HDFS.
func TestUpHDFS(t *testing.T) {
	suite.Require(t, suite.HDFS)
	if err := minicluster.Available(); err != nil {
		t.Skip("no HDFS here: " + err.Error())
	}
	bin := buildZebra(t)
	work := t.TempDir()
	args := chaosJob(t, work)
	env := upCluster(t, bin, "--no-swift", "--workers", "1", "--slots", "2", "--hdfs")
	uri := env["ZEBRA_HDFS"]
	if !strings.HasPrefix(uri, "hdfs://127.0.0.1:") {
		t.Fatalf("zebra up --hdfs printed ZEBRA_HDFS=%q", uri)
	}
	fsys, home := hdfsInputs(t, uri, filepath.Join(work, "in"))
	files, _ := filepath.Glob(filepath.Join(work, "in", "*"))
	ref := exec.Command(bin, append([]string{"streaming"}, append(args, "-output", filepath.Join(work, "ref"))...)...)
	ref.Env = append(os.Environ(), "ZEBRA_JOBTRACKER=")
	if out, err := ref.CombinedOutput(); err != nil {
		t.Fatalf("local reference run: %v\n%s", err, out)
	}
	want := readTree(t, filepath.Join(work, "ref"))
	job := func(input, output string) *exec.Cmd {
		a := append([]string{"streaming", "-D", "fs.defaultFS=" + uri}, args...)
		a[slices.Index(a, "-input")+1] = input
		cmd := exec.Command(bin, append(a, "-output", output)...)
		cmd.Env = os.Environ()
		for k, v := range env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		return cmd
	}
	console, err := job("in", "out").CombinedOutput()
	if err != nil {
		t.Fatalf("the HDFS job failed: %v\n%s", err, console)
	}
	if w := fmt.Sprintf("Data-local map tasks=%d", len(files)); !strings.Contains(string(console), w) {
		t.Errorf("console lacks %q (the worker sits beside the DataNode):\n%s", w, console)
	}
	noCRC := maps(want, func(name string) bool { return !strings.HasSuffix(name, ".crc") })
	sameTree(t, noCRC, hdfsTree(t, fsys, path.Join(home, "out")))

	// Cross-store: HDFS in, local files out (with their .crc files).
	local := filepath.Join(work, "from-hdfs")
	if out, err := job(uri+home+"/in", "file://"+local).CombinedOutput(); err != nil {
		t.Fatalf("the HDFS → local job failed: %v\n%s", err, out)
	}
	sameTree(t, want, readTree(t, local))

	// An existing output is refused and left as it was.
	if out, err := job("in", "out").CombinedOutput(); err == nil || !strings.Contains(string(out), "already exists") {
		t.Errorf("existing HDFS output: err %v, console:\n%s", err, out)
	}
	sameTree(t, noCRC, hdfsTree(t, fsys, path.Join(home, "out")))
}

// hdfsInputs copies the files of dir into <home>/in on the HDFS at uri
// and returns a client (closed at cleanup) and the user's home directory.
func hdfsInputs(t *testing.T, uri, dir string) (*hdfs.FS, string) {
	t.Helper()
	user, err := hdfs.UserName()
	if err != nil {
		t.Fatal(err)
	}
	fsys, err := hdfs.New(strings.TrimPrefix(uri, "hdfs://"), hdfs.Options{Conf: map[string]string{}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fsys.Close() })
	home := "/user/" + user
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		w, err := fsys.Create(context.Background(), path.Join(home, "in", filepath.Base(f)))
		if err == nil {
			_, err = w.Write(b)
			err = firstErr(err, w.Close())
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return fsys, home
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// maps returns the entries of m whose name keep accepts.
func maps(m map[string]string, keep func(string) bool) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		if keep(k) {
			out[k] = v
		}
	}
	return out
}

// hdfsTree returns every file under dir in fsys by relative path.
func hdfsTree(t *testing.T, fsys *hdfs.FS, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	var walk func(d string)
	walk = func(d string) {
		list, err := fsys.List(context.Background(), d)
		if err != nil {
			t.Fatalf("list %s: %v", d, err)
		}
		for _, fi := range list {
			if fi.IsDir {
				walk(fi.Path)
				continue
			}
			r, err := fsys.Open(context.Background(), fi.Path, 0)
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(r)
			r.Close()
			if err != nil {
				t.Fatal(err)
			}
			out[strings.TrimPrefix(fi.Path, dir+"/")] = string(b)
		}
	}
	walk(dir)
	return out
}
