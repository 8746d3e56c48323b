package streaming

import (
	"archive/zip"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"zebra/mapreduce"
	untarpkg "zebra/streaming/untar"
)

// Bounds of what an archive may unpack to: at most archiveMaxEntries
// members and archiveBytes(size) bytes of files.
var (
	archiveMaxEntries       = 100000
	archiveMaxBytes   int64 = 8 << 30
	archiveMaxRatio   int64 = 100      // unpacked bytes per archive byte
	archiveRatioFloor int64 = 64 << 20 // the ratio bound allows at least this
)

// archiveBytes is the most an archive of size bytes may unpack to: 100
// times its size (at least 64 MiB), and never more than 8 GiB, so that a
// small compressed archive cannot fill the worker's disk.
func archiveBytes(size int64) int64 {
	return min(archiveMaxBytes, max(archiveRatioFloor, size*archiveMaxRatio))
}

// unpackArchive unpacks a -archives entry (zip, jar, tar, tar.gz, tgz) into
// dir, as Hadoop's distributed cache does, and returns dir. Entries that
// would land outside dir are refused, and so is an archive beyond the
// bounds of archiveBytes and archiveMaxEntries. The files written are
// readable by everyone (the task's user, when a root worker unpacks).
func unpackArchive(archive, dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", mapreduce.E("unpack archive", mapreduce.Infra, dir, err)
	}
	fi, err := os.Stat(archive)
	if err != nil {
		return "", mapreduce.E("unpack archive", mapreduce.Invalid, archive, err)
	}
	limit := archiveBytes(fi.Size())
	lower := strings.ToLower(archive)
	switch {
	case strings.HasSuffix(lower, ".zip"), strings.HasSuffix(lower, ".jar"):
		err = unzip(archive, dir, limit)
	case strings.HasSuffix(lower, ".tar.gz"), strings.HasSuffix(lower, ".tgz"), strings.HasSuffix(lower, ".tar"):
		err = untar(archive, dir, !strings.HasSuffix(lower, ".tar"), limit)
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

// bombError is the message of an archive beyond the bounds.
func bombError(what string) error {
	return fmt.Errorf("it unpacks to more than %s (an archive may unpack to %d times its size, at least %d MiB and at most %d MiB, and hold %d members): refused",
		what, archiveMaxRatio, archiveRatioFloor>>20, archiveMaxBytes>>20, archiveMaxEntries)
}

func unzip(archive, dir string, limit int64) error {
	zr, err := zip.OpenReader(archive)
	if err != nil {
		return err
	}
	defer zr.Close()
	if len(zr.File) > archiveMaxEntries {
		return bombError(fmt.Sprintf("%d members", archiveMaxEntries))
	}
	left := limit
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
		// Counted as written: the sizes a zip declares are not trusted.
		lr := &io.LimitedReader{R: rc, N: left}
		err = writeFile(p, lr, f.Mode().Perm())
		var probe [1]byte
		if err == nil && lr.N == 0 {
			if n, _ := io.ReadFull(rc, probe[:]); n > 0 {
				err = bombError(fmt.Sprintf("%d bytes", limit))
			}
		}
		rc.Close()
		if err != nil {
			return err
		}
		left = lr.N
	}
	return nil
}

// untar unpacks a tar (gzipped if gz) into dir as it always did: links,
// devices and other special members are skipped.
func untar(archive, dir string, gz bool, limit int64) error {
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
	_, err = untarpkg.Extract(r, dir, untarpkg.Options{SkipOther: true, Replace: true, Readable: true,
		MaxBytes: limit, MaxEntries: archiveMaxEntries})
	var ue *untarpkg.Error
	if errors.As(err, &ue) && (strings.HasPrefix(ue.Msg, "more than") || strings.HasPrefix(ue.Msg, "its files hold more than")) {
		return fmt.Errorf("%v: %w", err, bombError(fmt.Sprintf("%d bytes or %d members", limit, archiveMaxEntries)))
	}
	return err
}

func writeFile(p string, r io.Reader, perm os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_TRUNC|syscall.O_NOFOLLOW, perm&0o755|0o444)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
