package localfs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"zebra/mapreduce"
)

var _ mapreduce.StatusFS = (*FS)(nil)

// StatStatus implements mapreduce.StatusFS: owner and group by name (the
// numeric id when the name is unknown), replication 1, as Hadoop's
// RawLocalFileSystem reports them. Symbolic links are followed.
func (f *FS) StatStatus(_ context.Context, name string) (mapreduce.FileStatus, error) {
	fi, err := os.Stat(name)
	if err != nil {
		return mapreduce.FileStatus{}, mapreduce.E("stat", mapreduce.Other, name, err)
	}
	return status(name, fi), nil
}

// ListStatus implements mapreduce.StatusFS, in List's order.
func (f *FS) ListStatus(ctx context.Context, dir string) ([]mapreduce.FileStatus, error) {
	infos, err := f.List(ctx, dir)
	if err != nil {
		return nil, err
	}
	out := make([]mapreduce.FileStatus, 0, len(infos))
	for _, in := range infos {
		fi, err := os.Stat(in.Path)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return nil, mapreduce.E("list", mapreduce.Other, in.Path, err)
		}
		out = append(out, status(in.Path, fi))
	}
	return out, nil
}

func status(p string, fi fs.FileInfo) mapreduce.FileStatus {
	st := mapreduce.FileStatus{FileInfo: info(p, fi), Perm: fi.Mode() & (fs.ModePerm | fs.ModeSticky), Replication: 1}
	if sys, ok := fi.Sys().(*syscall.Stat_t); ok {
		st.Owner = userName(sys.Uid)
		st.Group = groupName(sys.Gid)
		st.AccessTime = time.Unix(sys.Atim.Sec, sys.Atim.Nsec)
	}
	return st
}

var (
	namesMu    sync.Mutex
	userNames  = map[uint32]string{}
	groupNames = map[uint32]string{}
)

func userName(uid uint32) string {
	namesMu.Lock()
	defer namesMu.Unlock()
	if n, ok := userNames[uid]; ok {
		return n
	}
	n := strconv.FormatUint(uint64(uid), 10)
	if u, err := user.LookupId(n); err == nil {
		n = u.Username
	}
	userNames[uid] = n
	return n
}

func groupName(gid uint32) string {
	namesMu.Lock()
	defer namesMu.Unlock()
	if n, ok := groupNames[gid]; ok {
		return n
	}
	n := strconv.FormatUint(uint64(gid), 10)
	if g, err := user.LookupGroupId(n); err == nil {
		n = g.Name
	}
	groupNames[gid] = n
	return n
}

// Chmod sets the permission bits of name (and of its checksum file, as
// Hadoop's ChecksumFileSystem does).
func (f *FS) Chmod(_ context.Context, name string, mode fs.FileMode) error {
	if err := os.Chmod(name, mode); err != nil {
		return mapreduce.E("chmod", mapreduce.Other, name, err)
	}
	if f.Checksums {
		os.Chmod(crcName(name), mode) // absent is fine
	}
	return nil
}

// Remove removes the file or empty directory name (and a file's checksum
// file).
func (f *FS) Remove(_ context.Context, name string) error {
	if err := os.Remove(name); err != nil {
		return mapreduce.E("remove", mapreduce.Other, name, err)
	}
	if f.Checksums {
		os.Remove(crcName(name))
	}
	return nil
}

// Mkdir creates the directory name; its parent must exist.
func (f *FS) Mkdir(_ context.Context, name string) error {
	if err := os.Mkdir(name, 0o755); err != nil {
		return mapreduce.E("mkdir", mapreduce.Other, name, err)
	}
	return nil
}

// ChecksumName is the name of the checksum file Hadoop keeps beside the
// local file name.
func ChecksumName(name string) string { return crcName(filepath.Clean(name)) }

// Chown sets the owner and group (by name; "" keeps it) of name and of its
// checksum file, as Hadoop's RawLocalFileSystem.setOwner.
func (f *FS) Chown(_ context.Context, name, owner, group string) error {
	uid, gid := -1, -1
	if owner != "" {
		u, err := user.Lookup(owner)
		if err != nil {
			return mapreduce.E("chown", mapreduce.Invalid, name, fmt.Errorf("unknown user %q: %w", owner, err))
		}
		uid, _ = strconv.Atoi(u.Uid)
	}
	if group != "" {
		g, err := user.LookupGroup(group)
		if err != nil {
			return mapreduce.E("chown", mapreduce.Invalid, name, fmt.Errorf("unknown group %q: %w", group, err))
		}
		gid, _ = strconv.Atoi(g.Gid)
	}
	if err := os.Chown(name, uid, gid); err != nil {
		return mapreduce.E("chown", mapreduce.Other, name, err)
	}
	if f.Checksums {
		os.Chown(crcName(name), uid, gid) // absent is fine
	}
	return nil
}
