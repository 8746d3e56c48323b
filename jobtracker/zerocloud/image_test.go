package zerocloud

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"zebra/mapreduce"
	"zebra/mapreduce/mrtest"

	"zebra/mapreduce/archive/archivetest"
)

// imageTar makes a tar: names ending in / are directories, "name -> t"
// symlinks, the rest files (mode 0755 for bin/*, else 0644).
func imageTar(t testing.TB, members map[string]string) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, name := range sortedKeys(members) {
		body := members[name]
		h := &tar.Header{Name: name, Mode: 0o644, Typeflag: tar.TypeReg, Size: int64(len(body))}
		switch {
		case strings.HasSuffix(name, "/"):
			h.Typeflag, h.Mode, h.Size = tar.TypeDir, 0o755, 0
		case strings.Contains(name, " -> "):
			h.Name, h.Linkname, _ = strings.Cut(name, " -> ")
			h.Typeflag, h.Size = tar.TypeSymlink, 0
		case strings.HasPrefix(name, "bin/"):
			h.Mode = 0o755
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			tw.Write([]byte(body))
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func sum256(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func stagesOf(t *testing.T, c *Compiled) []Stage {
	t.Helper()
	var spec Spec
	if err := json.Unmarshal(c.Plan.Spec, &spec); err != nil {
		t.Fatal(err)
	}
	return spec.Stages
}

func TestCompileImage(t *testing.T) {
	fsys := &mrtest.MemFS{}
	img := imageTar(t, map[string]string{"bin/": "", "bin/count.sh": "#!/bin/sh\nwc -w\n", "data/stop.txt": "the", "count -> bin/count.sh": ""})
	mrtest.WriteFile(t, fsys, "/img/app.tar", img)
	mrtest.WriteFile(t, fsys, "/in/a.txt", []byte("a b"))
	dir := writeDir(t, map[string]string{"app.tar": string(img), "extra.txt": "x"})
	for _, tc := range []struct{ name, image, exec string }{
		{"swift", "swift://~/img/app.tar", "bin/count.sh"},
		{"bundled", "app.tar", "bin/count.sh"},
		{"through a link", "swift://~/img/app.tar", "count"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			job := `[{"name":"g","exec":{"path":"` + tc.exec + `","args":"data/stop.txt extra.txt"},"devices":[{"name":"python3"},{"name":"image","path":"` + tc.image + `"},` +
				`{"name":"stdin","path":"swift://~/in/a.txt"},{"name":"stdout","path":"swift://~/res/` + tc.name + `.txt","content_type":"text/plain; charset=utf-8","meta":{"Origin":"zebra","run":"1"}}]}]`
			c, err := compileMem(t, fsys, dir, job, nil)
			if err != nil {
				t.Fatal(err)
			}
			st := stagesOf(t, c)[0]
			if st.Program != (Program{ProgramImage, tc.exec}) {
				t.Errorf("program %+v", st.Program)
			}
			want := Image{Kind: ImageSwift, Path: "swift://img/app.tar", Size: int64(len(img)), SHA256: sum256(img)}
			wantBundle := map[string]string{"extra.txt": filepath.Join(dir, "extra.txt")}
			if tc.image == "app.tar" {
				want.Kind, want.Path = ImageBundle, "app.tar"
				wantBundle["app.tar"] = filepath.Join(dir, "app.tar")
			}
			if st.Image == nil || *st.Image != want {
				t.Errorf("image %+v, want %+v", st.Image, want)
			}
			// data/stop.txt is the image's: not shipped.
			if !reflect.DeepEqual(c.Bundle, wantBundle) {
				t.Errorf("bundle %v, want %v", c.Bundle, wantBundle)
			}
			if st.OutputType != "text/plain; charset=utf-8" || !reflect.DeepEqual(st.OutputMeta, map[string]string{"Origin": "zebra", "run": "1"}) {
				t.Errorf("output attributes %q %v", st.OutputType, st.OutputMeta)
			}
		})
	}
}

func TestCompileImageErrors(t *testing.T) {
	fsys := &mrtest.MemFS{}
	mrtest.WriteFile(t, fsys, "/in/a.txt", []byte("x"))
	mrtest.WriteFile(t, fsys, "/img/ok.tar", imageTar(t, map[string]string{"bin/run": "#!/bin/sh\n", "lib/data": "d", "lib/plain": "not executable"}))
	mrtest.WriteFile(t, fsys, "/img/text.tar", []byte(strings.Repeat("this is not a tar\n", 40)))
	mrtest.WriteFile(t, fsys, "/img/empty.tar", imageTar(t, nil))
	mrtest.WriteFile(t, fsys, "/img/abs.tar", imageTar(t, map[string]string{"/etc/passwd": "root"}))
	mrtest.WriteFile(t, fsys, "/img/escape.tar", imageTar(t, map[string]string{"lib/up -> ../..": ""}))
	dir := writeDir(t, map[string]string{"lib/mine.txt": "x", "run": "#!/bin/sh\n"})
	job := func(image, exec, args string) string {
		return `[{"name":"g","exec":{"path":"` + exec + `","args":"` + args + `"},"devices":[{"name":"image","path":"` + image + `"},` +
			`{"name":"stdin","path":"swift://~/in/a.txt"},{"name":"stdout","path":"swift://~/res/out"}]}]`
	}
	for _, tc := range []struct{ name, job, want string }{
		{"missing object", job("swift://~/img/nope.tar", "bin/run", ""), `group "g" (index 0): devices[0].path: swift://~/img/nope.tar: no such object: upload the image's tar first`},
		{"missing file", job("nope.tar", "bin/run", ""), `devices[0].path: nope.tar: no such file next to job.json`},
		{"not a tar", job("swift://~/img/text.tar", "bin/run", ""), `devices[0].path: swift://~/img/text.tar: bad image: not a tar archive`},
		{"empty tar", job("swift://~/img/empty.tar", "bin/run", ""), `devices[0].path: swift://~/img/empty.tar: bad image: the tar is empty`},
		{"absolute member", job("swift://~/img/abs.tar", "bin/run", ""), `devices[0].path: swift://~/img/abs.tar: bad image: member "/etc/passwd": an absolute name`},
		{"escaping link", job("swift://~/img/escape.tar", "bin/run", ""), `devices[0].path: swift://~/img/escape.tar: bad image: member "lib/up": the symlink's target ../.. leaves the archive`},
		{"not executable", job("swift://~/img/ok.tar", "lib/plain", ""), `exec.path: lib/plain: in the image (devices[0].path), not executable`},
		{"a directory", job("swift://~/img/ok.tar", "bin", ""), `exec.path: bin: in the image (devices[0].path), not a regular file`},
		{"clash", job("swift://~/img/ok.tar", "bin/run", "lib/mine.txt"), `devices[0].path: the job's files lib/mine.txt (next to job.json) have the names of entries at the top of the image`},
		{"not in image", job("swift://~/img/ok.tar", "bin/nope", ""), `exec.path: bin/nope: no such file next to job.json`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := compileMem(t, fsys, dir, tc.job, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error\n%v\nwant it to contain\n%s", err, tc.want)
			}
		})
	}
	_, err := compileMem(t, fsys, dir, job("swift://~/img/ok.tar", "bin/run", ""), map[string]string{mapreduce.KeySandbox: "none"})
	if err == nil || !strings.Contains(err.Error(), "images need the native sandbox") {
		t.Fatalf("sandbox none: %v", err)
	}
	// Without its files (posted to the jobtracker) a bundled image is refused.
	parsed, _ := Parse("job.json", []byte(job("app.tar", "bin/run", "")))
	reg := &mapreduce.Registry{}
	reg.Register("swift", func(_ context.Context, _ *url.URL, raw string) (mapreduce.FS, string, error) {
		return fsys, "/" + strings.TrimPrefix(raw, "swift://"), nil
	})
	if _, err := Compile(context.Background(), "job.json", parsed, Options{Registry: reg}); err == nil || !strings.Contains(err.Error(), "devices[0].path: app.tar: a relative path needs the job's files") {
		t.Fatalf("posted job with a bundled image: %v", err)
	}
}

// TestFetchImage: a worker unpacks the image once, read-only, and refuses
// one that is not what the job was compiled with.
func TestFetchImage(t *testing.T) {
	fsys := &mrtest.MemFS{}
	img := imageTar(t, map[string]string{"bin/run": "#!/bin/sh\necho hi\n", "data/x": "x", "up -> data": ""})
	mrtest.WriteFile(t, fsys, "/img/app.tar", img)
	reg := &mapreduce.Registry{}
	reg.Register("swift", func(_ context.Context, _ *url.URL, raw string) (mapreduce.FS, string, error) {
		return fsys, "/" + strings.TrimPrefix(raw, "swift://"), nil
	})
	ctx := context.Background()
	dir := t.TempDir()
	spec := Image{Kind: ImageSwift, Path: "swift://img/app.tar", Size: int64(len(img)), SHA256: sum256(img)}

	bad := spec
	bad.SHA256 = sum256([]byte("something else"))
	err := fetchImage(ctx, bad, "", filepath.Join(dir, "bad"), reg)
	if !mapreduce.IsKind(err, mapreduce.Invalid) || !strings.Contains(err.Error(), "the image changed since the job was submitted") {
		t.Fatalf("changed image: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "bad")); !os.IsNotExist(err) {
		t.Fatalf("a refused image was left in place: %v", err)
	}

	dst := filepath.Join(dir, "image-0")
	if err := fetchImage(ctx, spec, "", dst, reg); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dst, "up", "x"))
	if err != nil || string(got) != "x" {
		t.Fatalf("through the image's link: %q %v", got, err)
	}
	fi, err := os.Stat(filepath.Join(dst, "bin", "run"))
	if err != nil || fi.Mode().Perm()&0o222 != 0 || fi.Mode().Perm()&0o111 == 0 {
		t.Fatalf("bin/run: %v %v (want read-only, executable)", fi.Mode(), err)
	}
	// Once per job: a second call does not read the object again.
	if err := fsys.RemoveAll(ctx, "/img/app.tar"); err != nil {
		t.Fatal(err)
	}
	if err := fetchImage(ctx, spec, "", dst, reg); err != nil {
		t.Fatalf("second fetch: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("left behind: %v", entries)
	}
}

// TestSparseImageAndBundle: a tenant's image (a Swift object) or job
// bundle of a few KiB whose member is a sparse file would be written out
// at its declared size on every worker (within the 1 GiB image and 8 GiB
// bundle bounds, which count declared bytes, not what was shipped). Both
// are refused as sparse, and nothing is left on the worker's disk.
func TestSparseImageAndBundle(t *testing.T) {
	const declared = 256 << 20
	img := archivetest.Tar("zeros", declared)
	if len(img) > 4096 {
		t.Fatalf("the sparse tar is %d bytes", len(img))
	}
	fsys := &mrtest.MemFS{}
	mrtest.WriteFile(t, fsys, "/img/sparse.tar", img)
	reg := &mapreduce.Registry{}
	reg.Register("swift", func(_ context.Context, _ *url.URL, raw string) (mapreduce.FS, string, error) {
		return fsys, "/" + strings.TrimPrefix(raw, "swift://"), nil
	})
	diskUse := func(dir string) int64 {
		var n int64
		filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
			if err == nil && fi.Mode().IsRegular() {
				n += fi.Size()
			}
			return nil
		})
		return n
	}
	dir := t.TempDir()
	spec := Image{Kind: ImageSwift, Path: "swift://img/sparse.tar", Size: int64(len(img)), SHA256: sum256(img)}
	err := fetchImage(context.Background(), spec, "", filepath.Join(dir, "image-0"), reg)
	if err == nil || !strings.Contains(err.Error(), "sparse") {
		t.Errorf("sparse image: %v, want it refused as sparse", err)
	}
	if n := diskUse(dir); n > 0 {
		t.Errorf("sparse image: %d bytes left on the worker", n)
	}
	bdir := t.TempDir()
	os.WriteFile(filepath.Join(bdir, "bundle.tar"), img, 0o644)
	err = unpackBundle(filepath.Join(bdir, "bundle.tar"), filepath.Join(bdir, "files"))
	if err == nil || !strings.Contains(err.Error(), "sparse") {
		t.Errorf("sparse bundle: %v, want it refused as sparse", err)
	}
	if n := diskUse(bdir); n > int64(len(img)) {
		t.Errorf("sparse bundle: %d bytes on the worker besides the bundle", n-int64(len(img)))
	}
}
