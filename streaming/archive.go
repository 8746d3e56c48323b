package streaming

import (
	"archive/zip"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"zebra/mapreduce"
	untarpkg "zebra/streaming/untar"
)

// unpackArchive unpacks a -archives entry (zip, jar, tar, tar.gz, tgz) into
// dir, as Hadoop's distributed cache does, and returns dir. Entries that
// would land outside dir are refused.
func unpackArchive(archive, dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", mapreduce.E("unpack archive", mapreduce.Infra, dir, err)
	}
	lower := strings.ToLower(archive)
	var err error
	switch {
	case strings.HasSuffix(lower, ".zip"), strings.HasSuffix(lower, ".jar"):
		err = unzip(archive, dir)
	case strings.HasSuffix(lower, ".tar.gz"), strings.HasSuffix(lower, ".tgz"), strings.HasSuffix(lower, ".tar"):
		err = untar(archive, dir, !strings.HasSuffix(lower, ".tar"))
	default:
		err = fmt.Errorf("unknown archive type (want .zip, .jar, .tar, .tar.gz or .tgz)")
	}
	if err != nil {
		return "", mapreduce.E("unpack archive", mapreduce.Invalid, archive, err)
	}
	return dir, nil
}

func safeJoin(dir, name string) (string, error) {
	p := filepath.Join(dir, name)
	if p != dir && !strings.HasPrefix(p, dir+string(filepath.Separator)) {
		return "", fmt.Errorf("entry %q points outside the archive", name)
	}
	return p, nil
}

func unzip(archive, dir string) error {
	zr, err := zip.OpenReader(archive)
	if err != nil {
		return err
	}
	defer zr.Close()
	for _, f := range zr.File {
		p, err := safeJoin(dir, f.Name)
		if err != nil {
			return err
		}
		if f.FileInfo().IsDir() {
			if err := os.MkdirAll(p, 0o755); err != nil {
				return err
			}
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return err
		}
		err = writeFile(p, rc, f.Mode().Perm())
		rc.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// untar unpacks a tar (gzipped if gz) into dir as it always did: links,
// devices and other special members are skipped.
func untar(archive, dir string, gz bool) error {
	fh, err := os.Open(archive)
	if err != nil {
		return err
	}
	defer fh.Close()
	var r io.Reader = fh
	if gz {
		g, err := gzip.NewReader(fh)
		if err != nil {
			return err
		}
		defer g.Close()
		r = g
	}
	_, err = untarpkg.Extract(r, dir, untarpkg.Options{SkipOther: true, Replace: true})
	return err
}

func writeFile(p string, r io.Reader, perm os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm|0o400)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
