package worker

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"zebra/mapreduce/archive"
)

// A script bundle is a tar (uncompressed) of regular files and
// directories, with zapp.json at its top:
//
//	{
//	  "entry": "watermark.py",          // the program, a file of the bundle (required)
//	  "interpreter": "/usr/bin/python3", // absolute path on the worker; "" runs entry itself
//	  "args": ["-u"],                    // arguments before the entry (interpreter) or after it
//	  "content_type": "image/png"        // what stdout is; default message/cgi
//	}
//
// It runs in the native sandbox with the unpacked bundle mounted read-only
// as ./app in an empty working directory: argv is interpreter, args...,
// app/entry, then the request's arg parameters (without an interpreter:
// app/entry, args..., the arg parameters).

const manifestName = "zapp.json"

// zappManifest is zapp.json.
type zappManifest struct {
	Entry       string   `json:"entry"`
	Interpreter string   `json:"interpreter"`
	Args        []string `json:"args"`
	ContentType string   `json:"content_type"`
}

// Limits of a bundle.
const (
	maxBundleFiles = 10000
	maxManifest    = 64 << 10
)

// isTar reports whether b starts with a POSIX (ustar) tar header.
func isTar(b []byte) bool {
	return len(b) >= 512 && bytes.HasPrefix(b[257:], []byte("ustar"))
}

// unpackBundle checks a bundle and unpacks it into dir, read-only. The
// tar is unpacked by mapreduce/archive (one owner of unpacking users' tars): names stay
// inside, only regular files and directories, no sparse members, at most
// maxBundleFiles members and maxAppSize bytes.
func unpackBundle(b []byte, dir string) (zappManifest, error) {
	var m zappManifest
	ms, err := archive.Extract(bytes.NewReader(b), dir, archive.Options{MaxBytes: maxAppSize, MaxEntries: maxBundleFiles, ReadOnly: true, Readable: true})
	if err != nil {
		var bad *archive.Error
		if errors.As(err, &bad) {
			return m, fmt.Errorf("is not a bundle zebra unpacks: %w (a bundle holds only regular files and directories, named inside it)", err)
		}
		return m, fmt.Errorf("could not be unpacked: %w", err)
	}
	files := map[string]os.FileMode{}
	var manifest []byte
	for _, f := range ms {
		if f.Type != tar.TypeReg {
			continue
		}
		mode := os.FileMode(0o444)
		if f.Mode&0o111 != 0 {
			mode = 0o555
		}
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.Chmod(p, mode); err != nil {
			return m, fmt.Errorf("could not be unpacked: %w", err)
		}
		files[f.Name] = mode
		if f.Name == manifestName {
			if f.Size > maxManifest {
				return m, fmt.Errorf("%s is over %d KiB", manifestName, maxManifest>>10)
			}
			if manifest, err = os.ReadFile(p); err != nil {
				return m, fmt.Errorf("could not be unpacked: %w", err)
			}
		}
	}
	if manifest == nil {
		return m, errors.New("holds no " + manifestName + " at its top (a bundle needs one naming its entry program)")
	}
	dec := json.NewDecoder(bytes.NewReader(manifest))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return m, fmt.Errorf("%s: %w (fields: entry, interpreter, args, content_type)", manifestName, err)
	}
	entry := strings.TrimPrefix(path.Clean("/"+m.Entry), "/")
	switch mode, ok := files[entry]; {
	case m.Entry == "":
		return m, fmt.Errorf("%s names no entry program (\"entry\": \"main.py\")", manifestName)
	case !ok:
		return m, fmt.Errorf("%s: entry %q is not a file of the bundle", manifestName, m.Entry)
	case m.Interpreter == "" && mode&0o111 == 0:
		return m, fmt.Errorf("%s: entry %q is not executable and no interpreter is named", manifestName, m.Entry)
	}
	m.Entry = entry
	if m.Interpreter != "" {
		if !filepath.IsAbs(m.Interpreter) {
			return m, fmt.Errorf("%s: interpreter %q is not an absolute path", manifestName, m.Interpreter)
		}
		if fi, err := os.Stat(m.Interpreter); err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			return m, fmt.Errorf("%s: interpreter %s is not an executable on this worker", manifestName, m.Interpreter)
		}
	}
	return m, nil
}

// bundleArgs is the argv of a run of bundle m unpacked into the working
// directory's app/ link, with the request's extra arguments.
func bundleArgs(m zappManifest, extra []string) []string {
	entry := "app/" + m.Entry
	var argv []string
	if m.Interpreter != "" {
		argv = append(append(append(argv, m.Interpreter), m.Args...), entry)
	} else {
		argv = append(append(argv, entry), m.Args...)
	}
	return append(argv, extra...)
}
