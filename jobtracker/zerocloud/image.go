package zerocloud

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"zebra/mapreduce"
	"zebra/mapreduce/archive"
)

// ImageGuest is where an instance sees its group's image, read-only; the
// image's top-level entries are also linked into its working directory.
const ImageGuest = "/image"

// Image kinds.
const (
	ImageSwift  = "swift"  // Path: the object's zebra swift:// URL
	ImageBundle = "bundle" // Path: a file of the job's bundle
)

// Image is a group's image device as compiled: a tar that was read and
// checked on the client, and that workers check again against Size and
// SHA256 when they fetch it.
type Image struct {
	Kind   string `json:"kind"`
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// imageOptions bound what an image may hold: directories, regular files
// and symlinks that stay inside, up to 1 GiB in 100000 members.
var imageOptions = archive.Options{Symlinks: true, ReadOnly: true, MaxBytes: 1 << 30, MaxEntries: 100000}

// checkImageDevice checks the form of an image device (validation, no
// storage): a swift:// object or a file next to job.json.
func checkImageDevice(p *problems, i int, group, f string, d Device) {
	if !deviceModes[d.Mode] {
		p.add(i, group, f+".mode", "%q: must be file, char, pipe or block", d.Mode)
	}
	switch {
	case d.Path == "":
		p.add(i, group, f+".path", "missing: the image's tar (swift://~/container/app.tar, or a tar next to job.json)")
	case wildcard(d.Path):
		p.add(i, group, f+".path", "%s: not supported yet: a wildcard in an image's path (a group has one image)", d.Path)
	case strings.HasPrefix(d.Path, "swift://"):
		if err := checkDevicePath(d.Path); err != nil {
			p.add(i, group, f+".path", "%s: %v", d.Path, err)
		}
	case strings.Contains(d.Path, "://"):
		p.add(i, group, f+".path", "%s: an image is a swift:// object or a tar next to job.json (shipped in the job's bundle)", d.Path)
	case path.IsAbs(d.Path):
		p.add(i, group, f+".path", "%s: an absolute host path is not allowed: give a path relative to job.json or a swift:// object", d.Path)
	case strings.HasPrefix(path.Clean(d.Path), ".."):
		p.add(i, group, f+".path", "%s: the path leaves the job's directory", d.Path)
	}
}

// compiledImage is an image unpacked on the client while its group is
// compiled, to check it and the paths that refer into it.
type compiledImage struct {
	spec  Image
	dir   string          // the unpacked copy, removed after Compile
	top   map[string]bool // its top-level entries
	field string          // devices[i].path
}

// has reports whether rel names something in the image, and its mode
// (links followed).
func (ci *compiledImage) has(rel string) (os.FileMode, bool) {
	if ci == nil {
		return 0, false
	}
	fi, err := os.Stat(filepath.Join(ci.dir, filepath.FromSlash(path.Clean(rel))))
	if err != nil {
		return 0, false
	}
	return fi.Mode(), true
}

// image reads and checks the image device j of sg.
func (c *compiler) image(sg stageGroup, j int) *compiledImage {
	d := sg.g.Devices[j]
	field := fmt.Sprintf("devices[%d].path", j)
	var spec Image
	var r io.ReadCloser
	if strings.HasPrefix(d.Path, "swift://") {
		u := c.url(d.Path)
		spec = Image{Kind: ImageSwift, Path: u}
		fsys, name, err := c.o.Registry.Resolve(c.ctx, u)
		if err == nil {
			var fi mapreduce.FileInfo
			if fi, err = fsys.Stat(c.ctx, name); err == nil && fi.IsDir {
				err = errors.New("is a container or pseudo-directory, not an object")
			}
		}
		if err == nil {
			r, err = fsys.Open(c.ctx, name, 0)
		}
		switch {
		case errors.Is(err, fs.ErrNotExist):
			c.add(sg, field, "%s: no such object: upload the image's tar first", d.Path)
			return nil
		case err != nil:
			c.add(sg, field, "%s: %v", d.Path, unwrapOp(err))
			return nil
		}
	} else {
		rel := path.Clean(d.Path)
		if !c.ship(sg, field, rel, false) {
			return nil
		}
		spec = Image{Kind: ImageBundle, Path: rel}
		f, err := os.Open(c.bundle[rel])
		if err != nil {
			c.add(sg, field, "%s: %v", d.Path, err)
			return nil
		}
		r = f
	}
	defer r.Close()
	dir, err := os.MkdirTemp("", "zebra-image-*")
	if err != nil {
		c.add(sg, field, "%s: unpack to check it: %v", d.Path, err)
		return nil
	}
	c.tempDirs = append(c.tempDirs, dir)
	ms, size, sum, err := unpackImage(r, filepath.Join(dir, "image"))
	if err != nil {
		c.add(sg, field, "%s: %v", d.Path, err)
		return nil
	}
	spec.Size, spec.SHA256 = size, sum
	ci := &compiledImage{spec: spec, dir: filepath.Join(dir, "image"), top: map[string]bool{}, field: field}
	for _, m := range ms {
		top, _, _ := strings.Cut(m.Name, "/")
		ci.top[top] = true
	}
	return ci
}

// unpackImage unpacks the image tar r into dir and returns its members and
// the size and SHA-256 of the bytes read.
func unpackImage(r io.Reader, dir string) ([]archive.Member, int64, string, error) {
	h := sha256.New()
	cr := &CountingReader{R: io.TeeReader(r, h)}
	ms, err := archive.Extract(cr, dir, imageOptions)
	if err == nil {
		_, err = io.Copy(io.Discard, cr) // the end of the archive, for the sum
	}
	if err != nil {
		var bad *archive.Error
		if errors.As(err, &bad) {
			return nil, 0, "", fmt.Errorf("bad image: %w", err)
		}
		return nil, 0, "", fmt.Errorf("unpack the image: %w", err)
	}
	if len(ms) == 0 {
		return nil, 0, "", errors.New("bad image: the tar is empty")
	}
	return ms, cr.N, hex.EncodeToString(h.Sum(nil)), nil
}

// CountingReader counts the bytes read through it: N after the reads
// from R. (The gateway counts a gzipped image's packed bytes with it.)
type CountingReader struct {
	R io.Reader
	N int64
}

func (c *CountingReader) Read(p []byte) (int, error) {
	n, err := c.R.Read(p)
	c.N += int64(n)
	return n, err
}

// fetchImage makes the worker's copy of a stage's image, once per job: the
// tar is read (from Swift, or from the unpacked bundle files) and unpacked
// into dst, which appears only when the tar matched the plan's size and
// SHA-256.
func fetchImage(ctx context.Context, img Image, files, dst string, reg *mapreduce.Registry) error {
	if _, err := os.Stat(dst); err == nil {
		return nil
	}
	var r io.ReadCloser
	switch img.Kind {
	case ImageSwift:
		fsys, name, err := reg.Resolve(ctx, img.Path)
		if err != nil {
			return mapreduce.E("fetch image", mapreduce.Invalid, img.Path, err)
		}
		if r, err = fsys.Open(ctx, name, 0); err != nil {
			return mapreduce.E("fetch image", mapreduce.Other, img.Path, err)
		}
	case ImageBundle:
		f, err := os.Open(filepath.Join(files, filepath.FromSlash(img.Path)))
		if err != nil {
			return mapreduce.E("fetch image", mapreduce.Infra, img.Path, err)
		}
		r = f
	default:
		return mapreduce.E("fetch image", mapreduce.Invalid, img.Path, fmt.Errorf("unknown image kind %q", img.Kind))
	}
	defer r.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return mapreduce.E("fetch image", mapreduce.Infra, dst, err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dst), filepath.Base(dst)+".part-*")
	if err != nil {
		return mapreduce.E("fetch image", mapreduce.Infra, dst, err)
	}
	_, size, sum, err := unpackImage(r, filepath.Join(tmp, "image"))
	if err == nil && (size != img.Size || sum != img.SHA256) {
		err = mapreduce.E("fetch image", mapreduce.Invalid, img.Path, fmt.Errorf("the image changed since the job was submitted (%d bytes, SHA-256 %s; the job was compiled with %d bytes, %s): submit the job again", size, sum, img.Size, img.SHA256))
	}
	if err == nil {
		if err = os.Rename(filepath.Join(tmp, "image"), dst); err != nil && dirExists(dst) {
			err = nil // another task of the job made it meanwhile
		}
	}
	os.RemoveAll(tmp)
	var bad *archive.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &bad):
		return mapreduce.E("fetch image", mapreduce.Invalid, img.Path, err)
	case mapreduce.IsKind(err, mapreduce.Invalid):
		return err
	case ctx.Err() != nil:
		return mapreduce.E("fetch image", mapreduce.Canceled, img.Path, ctx.Err())
	}
	return mapreduce.E("fetch image", mapreduce.Transient, img.Path, err)
}

func dirExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}
