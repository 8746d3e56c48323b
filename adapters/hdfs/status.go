package hdfs

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"time"

	hdfs "github.com/colinmarc/hdfs/v2"

	"zebra/mapreduce"
)

var _ mapreduce.StatusFS = (*FS)(nil)

// replicator is what HdfsFileStatusProto (FileInfo.Sys()) offers.
type replicator interface{ GetBlockReplication() uint32 }

func (f *FS) status(p string, fi os.FileInfo) mapreduce.FileStatus {
	st := mapreduce.FileStatus{FileInfo: f.info(p, fi), Perm: fi.Mode() & (fs.ModePerm | fs.ModeSticky)}
	if fi.Mode()&fs.FileMode(0o1000) != 0 {
		st.Perm |= fs.ModeSticky
	}
	if hfi, ok := fi.(*hdfs.FileInfo); ok {
		st.Owner, st.Group, st.AccessTime = hfi.Owner(), hfi.OwnerGroup(), hfi.AccessTime()
	}
	if r, ok := fi.Sys().(replicator); ok {
		st.Replication = int(r.GetBlockReplication())
	}
	return st
}

// StatStatus implements mapreduce.StatusFS.
func (f *FS) StatStatus(ctx context.Context, name string) (mapreduce.FileStatus, error) {
	c, err := f.conn(ctx)
	if err != nil {
		return mapreduce.FileStatus{}, err
	}
	p := cleanPath(name)
	fi, err := c.Stat(p)
	if err != nil {
		return mapreduce.FileStatus{}, f.wrap("stat", p, err)
	}
	return f.status(p, fi), nil
}

// ListStatus implements mapreduce.StatusFS, in the NameNode's order.
func (f *FS) ListStatus(ctx context.Context, dir string) ([]mapreduce.FileStatus, error) {
	c, err := f.conn(ctx)
	if err != nil {
		return nil, err
	}
	p := cleanPath(dir)
	fis, err := c.ReadDir(p)
	if err != nil {
		return nil, f.wrap("list", p, err)
	}
	out := make([]mapreduce.FileStatus, 0, len(fis))
	for _, fi := range fis {
		out = append(out, f.status(path.Join(p, fi.Name()), fi))
	}
	return out, nil
}

// Remove removes the file or empty directory name.
func (f *FS) Remove(ctx context.Context, name string) error {
	c, err := f.conn(ctx)
	if err != nil {
		return err
	}
	p := cleanPath(name)
	if err := c.Remove(p); err != nil {
		return f.wrap("remove", p, err)
	}
	f.forget(p)
	return nil
}

// Mkdir creates the directory name (mode 0755 before the NameNode's
// umask); its parent must exist.
func (f *FS) Mkdir(ctx context.Context, name string) error {
	c, err := f.conn(ctx)
	if err != nil {
		return err
	}
	p := cleanPath(name)
	return f.wrap("mkdir", p, c.Mkdir(p, 0o755))
}

// SetReplication sets the replication factor of the file name.
func (f *FS) SetReplication(ctx context.Context, name string, n int) error {
	c, err := f.conn(ctx)
	if err != nil {
		return err
	}
	p := cleanPath(name)
	resp, err := rawCall(c, "setReplication", "SetReplicationRequestProto", "SetReplicationResponseProto",
		map[string]any{"src": p, "replication": uint32(n)})
	if err != nil {
		return f.wrap("set replication", p, err)
	}
	if !field(resp, "result").Bool() {
		return mapreduce.E("set replication", mapreduce.Other, f.URI(p), errors.New("the NameNode refused (not a file?)"))
	}
	return nil
}

// Chtimes sets the access and modification times of name.
func (f *FS) Chtimes(ctx context.Context, name string, atime, mtime time.Time) error {
	c, err := f.conn(ctx)
	if err != nil {
		return err
	}
	p := cleanPath(name)
	return f.wrap("set times", p, c.Chtimes(p, atime, mtime))
}

// FileChecksum is HDFS's whole-file checksum as `hadoop fs -checksum`
// prints it: the algorithm name (MD5-of-<crcPerBlock>MD5-of-512CRC32C) and
// the bytes of Hadoop's MD5MD5CRC32FileChecksum (bytes per CRC, CRCs per
// block, MD5). Only files of at least one byte with the default 512 bytes
// per CRC are supported.
func (f *FS) FileChecksum(ctx context.Context, name string) (string, []byte, error) {
	c, err := f.conn(ctx)
	if err != nil {
		return "", nil, err
	}
	p := cleanPath(name)
	r, err := c.Open(p)
	if err != nil {
		return "", nil, f.wrap("checksum", p, err)
	}
	defer r.Close()
	st := r.Stat()
	if st.Size() == 0 {
		return "", nil, mapreduce.E("checksum", mapreduce.Invalid, f.URI(p), errors.New("checksums of empty files are not supported"))
	}
	sum, err := r.Checksum()
	if err != nil {
		return "", nil, f.wrap("checksum", p, err)
	}
	const bytesPerCRC = 512
	var crcPerBlock int64
	if bs, ok := st.Sys().(blockSizer); ok && st.Size() > int64(bs.GetBlocksize()) {
		crcPerBlock = int64(bs.GetBlocksize()) / bytesPerCRC
	}
	out := binary.BigEndian.AppendUint32(nil, bytesPerCRC)
	out = binary.BigEndian.AppendUint64(out, uint64(crcPerBlock))
	out = append(out, sum...)
	return fmt.Sprintf("MD5-of-%dMD5-of-%dCRC32C", crcPerBlock, bytesPerCRC), out, nil
}
