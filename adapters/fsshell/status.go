package fsshell

import (
	"context"
	"io/fs"

	"zebra/adapters/localfs"
	"zebra/mapreduce"
)

// Optional file system operations FsShell uses where a store has them;
// without them it falls back on mapreduce.FS (RemoveAll, MkdirAll) or
// reports the operation as unsupported.
type (
	chmoder interface {
		Chmod(ctx context.Context, name string, mode fs.FileMode) error
	}
	remover interface {
		Remove(ctx context.Context, name string) error
	}
	mkdirer interface {
		Mkdir(ctx context.Context, name string) error
	}
	chowner interface {
		Chown(ctx context.Context, name, owner, group string) error
	}
	checksummer interface {
		FileChecksum(ctx context.Context, name string) (algorithm string, sum []byte, err error)
	}
	replicator interface {
		SetReplication(ctx context.Context, name string, n int) error
	}
)

// Block size and replication Hadoop reports for stores that have none
// (fs.local.block.size's default, one replica).
const defaultBlockSize = 32 << 20

// statusOf is the full status of name; stores without owners (Swift) show
// user as owner and group, 0666 for files and 0777 for directories, as
// Hadoop's object store connectors do.
func statusOf(ctx context.Context, fsys mapreduce.FS, name, user string) (mapreduce.FileStatus, error) {
	if s, ok := fsys.(mapreduce.StatusFS); ok {
		return s.StatStatus(ctx, name)
	}
	fi, err := fsys.Stat(ctx, name)
	if err != nil {
		return mapreduce.FileStatus{}, err
	}
	return synthStatus(fi, user), nil
}

func listStatus(ctx context.Context, fsys mapreduce.FS, dir, user string) ([]mapreduce.FileStatus, error) {
	if s, ok := fsys.(mapreduce.StatusFS); ok {
		return s.ListStatus(ctx, dir)
	}
	fis, err := fsys.List(ctx, dir)
	if err != nil {
		return nil, err
	}
	out := make([]mapreduce.FileStatus, len(fis))
	for i, fi := range fis {
		out[i] = synthStatus(fi, user)
	}
	return out, nil
}

func synthStatus(fi mapreduce.FileInfo, user string) mapreduce.FileStatus {
	st := mapreduce.FileStatus{FileInfo: fi, Owner: user, Group: user, Perm: 0o666, Replication: 1, AccessTime: fi.ModTime}
	if fi.IsDir {
		st.Perm = 0o777
	}
	return st
}

// blockSize is what -stat %o prints.
func blockSize(st mapreduce.FileStatus) int64 {
	if st.BlockSize > 0 {
		return st.BlockSize
	}
	return defaultBlockSize
}

func isLocal(fsys mapreduce.FS) bool {
	_, ok := fsys.(*localfs.FS)
	return ok
}

func isHDFSStore(fsys mapreduce.FS) bool {
	_, ok := fsys.(replicator)
	return ok && !isLocal(fsys)
}
