package mapreduce

import (
	"context"
	"io"
	"os"
	"path/filepath"
)

// dirFS is a minimal FS over local files for this package's own tests (the
// real local adapter lives in adapters/localfs, which imports this package).
type dirFS struct{}

func (dirFS) Stat(_ context.Context, name string) (FileInfo, error) {
	fi, err := os.Stat(name)
	if err != nil {
		return FileInfo{}, err
	}
	return FileInfo{Path: name, Size: fi.Size(), IsDir: fi.IsDir()}, nil
}

func (d dirFS) List(ctx context.Context, dir string) ([]FileInfo, error) {
	es, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []FileInfo
	for _, e := range es {
		fi, err := d.Stat(ctx, filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, fi)
	}
	return out, nil
}

func (dirFS) Open(_ context.Context, name string, off int64) (io.ReadCloser, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	_, err = f.Seek(off, io.SeekStart)
	return f, err
}

func (dirFS) Create(_ context.Context, name string) (io.WriteCloser, error) {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return nil, err
	}
	return os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
}

func (dirFS) MkdirAll(_ context.Context, dir string) error { return os.MkdirAll(dir, 0o755) }
func (dirFS) Rename(_ context.Context, from, to string) error {
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return err
	}
	return os.Rename(from, to)
}
func (dirFS) RemoveAll(_ context.Context, name string) error { return os.RemoveAll(name) }
func (dirFS) URI(name string) string                         { return "file:" + name }
