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

	"zebra/jobtracker/api"
	"zebra/mapreduce"
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
	if testing.Short() {
		t.Skip("writes 1 GiB through gzip and deflate")
	}
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
		_, err := unpackArchive(a, out)
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
	if _, err := unpackArchive(a, out); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(out, "secret.cfg"))
	if err != nil || fi.Mode().Perm()&0o004 == 0 {
		t.Errorf("secret.cfg: %v %v, want readable by others", fi.Mode(), err)
	}
}
