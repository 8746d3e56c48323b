package streaming

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"zebra/mapreduce"
	"zebra/mapreduce/archive"
)

// Bounds of what an archive may unpack to: at most archiveMaxEntries
// members and archiveBytes(size) bytes of files.
var (
	archiveMaxEntries       = 100000
	archiveMaxBytes   int64 = 8 << 30
	archiveMaxRatio   int64 = 100      // unpacked bytes per archive byte
	archiveRatioFloor int64 = 64 << 20 // the ratio bound allows at least this
)

// archiveBytes is the most archives of size bytes (together) may unpack
// to: 100 times their size (at least 64 MiB), and never more than 8 GiB,
// so that a small compressed archive cannot fill the worker's disk.
func archiveBytes(size int64) int64 {
	return min(archiveMaxBytes, max(archiveRatioFloor, size*archiveMaxRatio))
}

// archiveBudget is what the archives of one job may still unpack to. The
// bounds hold for all of a job's archives together, not for each one, so
// that naming an archive many times (a.tgz#l1,a.tgz#l2,...) or shipping
// many small archives does not multiply them.
type archiveBudget struct {
	limit   int64 // the job's bound, for messages
	bytes   int64 // bytes of files still allowed
	entries int   // members still allowed
}

// newArchiveBudget is the budget of the archives at the given paths: the
// bounds of archiveBytes over their total size (each distinct path counted
// once) and archiveMaxEntries members.
func newArchiveBudget(paths []string) *archiveBudget {
	var size int64
	seen := map[string]bool{}
	for _, p := range paths {
		if seen[p] {
			continue
		}
		seen[p] = true
		if fi, err := os.Stat(p); err == nil {
			size += fi.Size()
		}
	}
	limit := archiveBytes(size)
	return &archiveBudget{limit: limit, bytes: limit, entries: archiveMaxEntries}
}

// unpackArchive unpacks a -archives entry (zip, jar, tar, tar.gz, tgz) into
// dir, as Hadoop's distributed cache does, and returns dir. Entries that
// would land outside dir are refused, and so is an archive beyond what is
// left of the job's budget b (nil: a budget of this archive alone), which
// is charged with what was written. The files written are readable by
// everyone (the task's user, when a root worker unpacks).
func unpackArchive(path, dir string, b *archiveBudget) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", mapreduce.E("unpack archive", mapreduce.Infra, dir, err)
	}
	if _, err := os.Stat(path); err != nil {
		return "", mapreduce.E("unpack archive", mapreduce.Invalid, path, err)
	}
	if b == nil {
		b = newArchiveBudget([]string{path})
	}
	var err error
	lower := strings.ToLower(path)
	switch {
	case strings.HasSuffix(lower, ".zip"), strings.HasSuffix(lower, ".jar"):
		err = extract(path, dir, true, false, b)
	case strings.HasSuffix(lower, ".tar.gz"), strings.HasSuffix(lower, ".tgz"), strings.HasSuffix(lower, ".tar"):
		err = extract(path, dir, false, !strings.HasSuffix(lower, ".tar"), b)
	default:
		err = fmt.Errorf("unknown archive type (want .zip, .jar, .tar, .tar.gz or .tgz)")
	}
	if err != nil {
		return "", mapreduce.E("unpack archive", mapreduce.Invalid, path, err)
	}
	return dir, nil
}

// bombError is the message of an archive beyond the bounds.
func bombError(what string) error {
	return fmt.Errorf("it unpacks to more than %s (a job's archives together may unpack to %d times their size, at least %d MiB and at most %d MiB, and hold %d members; an archive named twice counts twice): refused",
		what, archiveMaxRatio, archiveRatioFloor>>20, archiveMaxBytes>>20, archiveMaxEntries)
}

// overBudget is the message of an archive beyond what its job has left.
func (b *archiveBudget) overBudget() error {
	return bombError(fmt.Sprintf("what is left of its job's bound of %d bytes and %d members (%d bytes, %d members)", b.limit, archiveMaxEntries, max(b.bytes, 0), max(b.entries, 0)))
}

// extract unpacks one archive (a zip or jar when zip, else a tar, gzipped
// if gz) into dir within what is left of b, charging b with what was
// written. Links, devices and other special members of a tar are skipped,
// as they always were; a zip's entries are all files or directories.
func extract(path, dir string, zip, gz bool, b *archiveBudget) error {
	if b.bytes <= 0 || b.entries <= 0 {
		// Extract reads a bound of 0 as none: nothing is left.
		return b.overBudget()
	}
	o := archive.Options{SkipOther: true, Replace: true, Readable: true, MaxBytes: b.bytes, MaxEntries: b.entries}
	var ms []archive.Member
	var err error
	if zip {
		ms, err = archive.ExtractZip(path, dir, o)
	} else {
		ms, err = extractTar(path, dir, gz, o)
	}
	var ae *archive.Error
	if errors.As(err, &ae) && ae.Bound {
		return fmt.Errorf("%v: %w", err, b.overBudget())
	}
	if err != nil {
		return err
	}
	b.entries -= len(ms)
	for _, m := range ms {
		b.bytes -= m.Size
	}
	return nil
}

func extractTar(path, dir string, gz bool, o archive.Options) ([]archive.Member, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	var r io.Reader = fh
	if gz {
		g, err := gzip.NewReader(fh)
		if err != nil {
			return nil, err
		}
		defer g.Close()
		r = g
	}
	return archive.Extract(r, dir, o)
}
