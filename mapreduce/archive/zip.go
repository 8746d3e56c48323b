package archive

import (
	"archive/tar"
	"archive/zip"
	"fmt"
	"io"
	"os"
	"strings"
)

// ExtractZip unpacks the zip (or jar) file at path into dir with the rules
// and bounds of Extract, and returns its members in archive order. A zip
// holds directories and regular files only: every entry that is not a
// directory (a Unix symlink entry included) is written as a regular file
// holding the entry's bytes, as Hadoop's FileUtil.unZip does. Sizes are
// the entries' declared ones, which archive/zip holds each entry's data to
// (a mismatch is an error). Errors are as Extract's.
func ExtractZip(path, dir string, o Options) ([]Member, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, &Error{Msg: fmt.Sprintf("not a zip archive: %v", err)}
	}
	defer zr.Close()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	x := &extractor{dir: dir, o: o, links: map[string]string{}, seen: map[string]byte{}}
	for _, f := range zr.File {
		h := &tar.Header{Name: f.Name, Typeflag: tar.TypeReg, Mode: int64(f.Mode().Perm()), Size: int64(f.UncompressedSize64)}
		if f.FileInfo().IsDir() || strings.HasSuffix(f.Name, "/") {
			h.Typeflag, h.Size = tar.TypeDir, 0
		}
		if f.UncompressedSize64 > 1<<62 {
			return nil, &Error{Member: f.Name, Msg: "an impossible size"}
		}
		if err := func() error {
			var r io.Reader = strings.NewReader("")
			if h.Typeflag == tar.TypeReg {
				rc, err := f.Open()
				if err != nil {
					return &Error{Member: f.Name, Msg: err.Error()}
				}
				defer rc.Close()
				r = rc
			}
			return x.member(h, r)
		}(); err != nil {
			return nil, err
		}
	}
	return x.members, nil
}
