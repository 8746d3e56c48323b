package fsshell

import (
	"context"
	"net/url"
	"strconv"
	"sync"

	"zebra/adapters/hdfs"
	"zebra/mapreduce"
)

// Hadoop's client-side defaults (hdfs-default.xml) for files a client
// writes: FsShell writes with these unless the configuration or -D sets
// dfs.replication or dfs.blocksize, whatever the cluster's own defaults.
const (
	clientReplication = 3
	clientBlockSize   = 128 << 20
)

// HDFSStores registers hdfs:// in a registry for zebra fs: the HDFS
// clients are made on first use, with the replication and block size a
// Hadoop client would write with (dfs.replication and dfs.blocksize from
// settings(), then hconf, then Hadoop's client defaults 3 and 128 MiB).
type HDFSStores struct {
	opts     hdfs.Options
	settings func() map[string]string
	once     sync.Once
	stores   *hdfs.Stores
}

// RegisterHDFS binds hdfs:// in reg; opts.Conf is the Hadoop configuration
// (nil: hdfs.LoadConf). settings may be nil.
func RegisterHDFS(reg *mapreduce.Registry, opts hdfs.Options, settings func() map[string]string) *HDFSStores {
	s := &HDFSStores{opts: opts, settings: settings}
	reg.Register("hdfs", s.open)
	return s
}

func (s *HDFSStores) open(ctx context.Context, u *url.URL, raw string) (mapreduce.FS, string, error) {
	s.once.Do(func() {
		opts := s.opts
		if opts.Conf == nil {
			if c, err := hdfs.LoadConf(opts.ConfDir); err == nil {
				opts.Conf = c
			}
		}
		var set map[string]string
		if s.settings != nil {
			set = s.settings()
		}
		get := func(k string) string {
			if v, ok := set[k]; ok {
				return v
			}
			return opts.Conf[k]
		}
		if opts.Replication == 0 {
			opts.Replication = clientReplication
			if n, err := strconv.Atoi(get("dfs.replication")); err == nil && n > 0 {
				opts.Replication = n
			}
		}
		if opts.BlockSize == 0 {
			opts.BlockSize = clientBlockSize
			if n, err := strconv.ParseInt(get("dfs.blocksize"), 10, 64); err == nil && n > 0 {
				opts.BlockSize = n
			}
		}
		if v := set["fs.defaultFS"]; v != "" && opts.DefaultFS == "" {
			opts.DefaultFS = v
		}
		s.stores = hdfs.Register(&mapreduce.Registry{}, opts)
	})
	return s.stores.Open(ctx, u, raw)
}

// Close closes the HDFS clients made.
func (s *HDFSStores) Close() error {
	if s.stores == nil {
		return nil
	}
	return s.stores.Close()
}
