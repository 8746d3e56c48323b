package streaming

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"zebra/adapters/localfs"
	"zebra/jobtracker/api"
	"zebra/mapreduce"

	"zebra/mapreduce/mrtest/suite"
)

// badLinkNames are -files/-archives link names that are not plain names.
var badLinkNames = []string{"../x", "../../etc/cron.d/x", "a/b", ".", "..", "/abs"}

// TestLinkNamesOnTheWorker: a plan whose -files or -archives link name is
// not a plain name is refused by the worker before anything is linked or
// unpacked, whatever the client checked (a plan can come from anyone with
// a token); nothing appears outside the job's directory.
func TestLinkNamesOnTheWorker(t *testing.T) {
	for _, name := range badLinkNames {
		for _, archives := range []bool{false, true} {
			top := t.TempDir()
			dir := filepath.Join(top, "job")
			src := "m.py"
			if archives {
				src = "a.tar"
			}
			staged := filepath.Join(dir, "files", "ship", "0", src)
			os.MkdirAll(filepath.Dir(staged), 0o755)
			var tb bytes.Buffer
			tw := tar.NewWriter(&tb)
			tw.WriteHeader(&tar.Header{Name: "f", Typeflag: tar.TypeReg, Mode: 0o644, Size: 1})
			tw.Write([]byte("x"))
			tw.Close()
			os.WriteFile(staged, tb.Bytes(), 0o644)
			o := &Options{Conf: mapreduce.NewConf(), Inputs: []string{filepath.Join(top, "in")}, Output: filepath.Join(top, "out"), Mapper: "cat"}
			if archives {
				o.Archives = []string{src + "#" + name}
			} else {
				o.Files = []string{src + "#" + name}
			}
			spec, _ := json.Marshal(clusterSpec{Options: o, Staged: map[string]string{src: "ship/0/" + src}})
			pl := &api.Plan{Kind: SpecKind, Spec: spec, Output: filepath.Join(top, "out")}
			id, _ := mapreduce.ParseJobID("job_1_0001")
			before := treeOf(t, top)
			_, err := ClusterJob(context.Background(), pl, id, dir, &Env{Registry: &mapreduce.Registry{}, WorkDir: filepath.Join(dir, "scratch")})
			if err == nil || !strings.Contains(err.Error(), "link name") {
				t.Errorf("archives=%v, #%s: %v, want a refused link name", archives, name, err)
			}
			after := treeOf(t, top)
			for p := range after {
				if !before[p] && !strings.HasPrefix(p, "job/files/cwd") && !strings.HasPrefix(p, "job/scratch") {
					t.Errorf("archives=%v, #%s: %s appeared", archives, name, p)
				}
			}
		}
	}
}

func treeOf(t *testing.T, dir string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if rel, rerr := filepath.Rel(dir, p); rerr == nil {
			out[filepath.ToSlash(rel)] = true
		}
		return nil
	})
	return out
}

// zeros is r bytes of zeros, read lazily.
type zeros int64

func (z *zeros) Read(p []byte) (int, error) {
	if *z <= 0 {
		return 0, io.EOF
	}
	n := min(int64(len(p)), int64(*z))
	clear(p[:n])
	*z -= zeros(n)
	return int(n), nil
}

// TestArchiveBombs: every archive kind is bounded in what it unpacks to.
// A 0.5 MiB tgz of 512 MiB of zeros, the same as a zip (a jar), and a tar
// of more members than allowed are refused with a message naming the
// bound; the disk holds at most the bound afterwards.
func TestArchiveBombs(t *testing.T) {
	suite.Require(t, suite.Heavy) // writes 1 GiB through gzip and deflate
	const big = 512 << 20
	dir := t.TempDir()
	tgz := filepath.Join(dir, "bomb.tgz")
	{
		f, _ := os.Create(tgz)
		gz, _ := gzip.NewWriterLevel(f, gzip.BestCompression)
		tw := tar.NewWriter(gz)
		tw.WriteHeader(&tar.Header{Name: "zeros", Typeflag: tar.TypeReg, Mode: 0o644, Size: big})
		z := zeros(big)
		io.Copy(tw, &z)
		tw.Close()
		gz.Close()
		f.Close()
	}
	zp := filepath.Join(dir, "bomb.jar")
	{
		f, _ := os.Create(zp)
		zw := zip.NewWriter(f)
		w, _ := zw.Create("zeros")
		z := zeros(big)
		io.Copy(w, &z)
		zw.Close()
		f.Close()
	}
	// The member bound, lowered for the test (100,000 files take long).
	defer func(n int) { archiveMaxEntries = n }(archiveMaxEntries)
	archiveMaxEntries = 1000
	many := filepath.Join(dir, "many.tar")
	{
		f, _ := os.Create(many)
		tw := tar.NewWriter(f)
		for i := 0; i <= archiveMaxEntries; i++ {
			tw.WriteHeader(&tar.Header{Name: fmt.Sprintf("d/%d", i), Typeflag: tar.TypeReg, Mode: 0o644})
		}
		tw.Close()
		f.Close()
	}
	for _, a := range []string{tgz, zp, many} {
		fi, _ := os.Stat(a)
		t.Logf("%s: %d bytes", filepath.Base(a), fi.Size())
		out := filepath.Join(t.TempDir(), "u")
		_, err := unpackArchive(a, out, nil)
		if err == nil || !strings.Contains(err.Error(), "it unpacks to more than") {
			t.Errorf("%s: %v, want a refusal naming the bound", filepath.Base(a), err)
		}
		var total int64
		filepath.Walk(out, func(_ string, fi os.FileInfo, err error) error {
			if err == nil && fi.Mode().IsRegular() {
				total += fi.Size()
			}
			return nil
		})
		if limit := archiveBytes(fi.Size()); total > limit {
			t.Errorf("%s: %d bytes on disk, over the bound %d", filepath.Base(a), total, limit)
		}
	}
}

// TestArchiveReadable: files of an archive are unpacked readable by the
// task's user (a root worker unpacks them) even when the archive's mode
// is 0600, and never through a link in the way.
func TestArchiveReadable(t *testing.T) {
	dir := t.TempDir()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	fh := &zip.FileHeader{Name: "secret.cfg", Method: zip.Deflate}
	fh.SetMode(0o600)
	w, _ := zw.CreateHeader(fh)
	w.Write([]byte("k=v\n"))
	zw.Close()
	a := filepath.Join(dir, "a.zip")
	os.WriteFile(a, b.Bytes(), 0o600)
	out := filepath.Join(dir, "u")
	if _, err := unpackArchive(a, out, nil); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(out, "secret.cfg"))
	if err != nil || fi.Mode().Perm()&0o004 == 0 {
		t.Errorf("secret.cfg: %v %v, want readable by others", fi.Mode(), err)
	}
}

// TestArchiveBudgetPerJob: the archive bounds hold for a job's archives
// together. A plan (sent to a worker, whatever the client did) names one
// small tgz under many link names (it is unpacked once), and another ships
// many distinct small archives, each within the bound alone (the job is
// refused with a message naming the bound); either way the worker's disk
// holds at most the job's bound afterwards. Before, each entry unpacked
// its own copy up to the bound: N entries, N times the disk.
func TestArchiveBudgetPerJob(t *testing.T) {
	// Bounds lowered for the test: 256 KiB per job at least, ratio 100.
	defer func(f int64) { archiveRatioFloor = f }(archiveRatioFloor)
	archiveRatioFloor = 256 << 10
	const each = 200 << 10 // zeros per archive: within the bound alone
	tgz := func(p string) {
		f, _ := os.Create(p)
		gz, _ := gzip.NewWriterLevel(f, gzip.BestCompression)
		tw := tar.NewWriter(gz)
		tw.WriteHeader(&tar.Header{Name: "zeros", Typeflag: tar.TypeReg, Mode: 0o644, Size: each})
		z := zeros(each)
		io.Copy(tw, &z)
		tw.Close()
		gz.Close()
		f.Close()
	}
	for _, c := range []struct {
		name     string
		distinct int  // archives shipped
		links    int  // -archives entries
		refused  bool // the job is over its bound
	}{
		{"one archive, many names", 1, 40, false}, // unpacked once
		{"many small archives", 40, 40, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			top := t.TempDir()
			dir := filepath.Join(top, "job")
			o := &Options{Conf: mapreduce.NewConf(), Inputs: []string{filepath.Join(top, "in")}, Output: filepath.Join(top, "out"), Mapper: "cat"}
			staged := map[string]string{}
			for i := range c.distinct {
				src := fmt.Sprintf("a%d.tgz", i)
				p := filepath.Join(dir, "files", "ship", fmt.Sprint(i), src)
				os.MkdirAll(filepath.Dir(p), 0o755)
				tgz(p)
				staged[src] = fmt.Sprintf("ship/%d/%s", i, src)
			}
			for i := range c.links {
				o.Archives = append(o.Archives, fmt.Sprintf("a%d.tgz#l%d", i%c.distinct, i))
			}
			spec, _ := json.Marshal(clusterSpec{Options: o, Staged: staged})
			pl := &api.Plan{Kind: SpecKind, Spec: spec, Output: filepath.Join(top, "out")}
			id, _ := mapreduce.ParseJobID("job_1_0001")
			scratch := filepath.Join(dir, "scratch")
			_, err := ClusterJob(context.Background(), pl, id, dir, &Env{Registry: localRegistry(), WorkDir: scratch})
			if c.refused && (err == nil || !strings.Contains(err.Error(), "it unpacks to more than")) {
				t.Errorf("%d archives under %d names: %v, want the job refused for its archives' total", c.distinct, c.links, err)
			}
			if !c.refused && err != nil {
				t.Errorf("%d archives under %d names: %v", c.distinct, c.links, err)
			}
			var total int64
			filepath.Walk(scratch, func(_ string, fi os.FileInfo, err error) error {
				if err == nil && fi.Mode().IsRegular() {
					total += fi.Size()
				}
				return nil
			})
			// The job's bound, from the archives' total size.
			var size int64
			for _, rel := range staged {
				fi, _ := os.Stat(filepath.Join(dir, "files", rel))
				size += fi.Size()
			}
			if bound := archiveBytes(size); total > bound {
				t.Errorf("%d bytes unpacked on the worker, over the job's bound of %d", total, bound)
			}
		})
	}
	t.Run("one archive, two names", func(t *testing.T) {
		top := t.TempDir()
		dir := filepath.Join(top, "job")
		p := filepath.Join(dir, "files", "ship", "0", "a.tgz")
		os.MkdirAll(filepath.Dir(p), 0o755)
		tgz(p)
		o := &Options{Conf: mapreduce.NewConf(), Inputs: []string{filepath.Join(top, "in")}, Output: filepath.Join(top, "out"), Mapper: "cat",
			Archives: []string{"a.tgz#x", "a.tgz#y"}}
		spec, _ := json.Marshal(clusterSpec{Options: o, Staged: map[string]string{"a.tgz": "ship/0/a.tgz"}})
		pl := &api.Plan{Kind: SpecKind, Spec: spec, Output: filepath.Join(top, "out")}
		id, _ := mapreduce.ParseJobID("job_1_0001")
		if _, err := ClusterJob(context.Background(), pl, id, dir, &Env{Registry: localRegistry(), WorkDir: filepath.Join(dir, "scratch")}); err != nil {
			t.Fatalf("an archive under two names: %v", err)
		}
		for _, l := range []string{"x", "y"} {
			if _, err := os.Stat(filepath.Join(dir, "scratch", "archives", l, "zeros")); err == nil && l == "y" {
				t.Errorf("the archive was unpacked again for its second name")
			} else if err != nil && l == "x" {
				t.Errorf("archives/x/zeros: %v", err)
			}
		}
	})
}

// localRegistry resolves local paths (a test job's input and output).
func localRegistry() *mapreduce.Registry {
	reg := &mapreduce.Registry{}
	localfs.Register(reg, &localfs.FS{})
	return reg
}
