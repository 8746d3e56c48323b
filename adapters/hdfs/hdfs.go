// Package hdfs is mapreduce.FS over the Hadoop Distributed File System
// (hdfs://namenode:port/path), with github.com/colinmarc/hdfs/v2 as the
// client: the NameNode's RPC protocol and the DataNodes' data transfer
// protocol in pure Go, no JVM.
//
// Names inside an FS are absolute HDFS paths ("/user/alice/in"); URI prints
// them as Hadoop does (hdfs://127.0.0.1:8020/user/alice/in). Listings are in
// the NameNode's order, which is sorted by name (byte order), as Hadoop's
// on HDFS. Hidden names (_x, .x) and globs are the caller's business
// (mapreduce.ListInputs), as in Hadoop's FileInputFormat.
//
// Authentication. Simple auth: the user is Options.User, else
// HADOOP_USER_NAME, else the OS user (Hadoop's UserGroupInformation rule).
// Kerberos: when the Hadoop configuration says
// hadoop.security.authentication=kerberos, the client authenticates with
// the ticket cache (KRB5CCNAME, else /tmp/krb5cc_<uid>; krb5.conf from
// KRB5_CONFIG, else /etc/krb5.conf) to the NameNode principal
// dfs.namenode.kerberos.principal, and honours dfs.data.transfer.protection
// / dfs.encrypt.data.transfer (SASL to the DataNodes). That is what the
// library supports: no keytab login, no delegation tokens, no ticket
// renewal (kinit before the job). Kerberos is not tested here.
//
// Locality: FS implements mapreduce.Locator; a split's hosts are the
// DataNodes holding its bytes, named by their data transfer address
// "ip:port" (Hadoop's BlockLocation names), or "hostname:port" with
// Options.LocateByHostname. Splits: BlockSize reports a file's HDFS block
// size, which Hadoop uses as the split size.
//
// Context: the client library takes no contexts. Every call checks ctx
// first; reads and writes check it between chunks and take its deadline.
package hdfs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	hdfs "github.com/colinmarc/hdfs/v2"
	"github.com/colinmarc/hdfs/v2/hadoopconf"

	"zebra/mapreduce"
)

var (
	_ mapreduce.FS      = (*FS)(nil)
	_ mapreduce.Locator = (*FS)(nil)
)

// Options configure the HDFS clients of a registry or of New. The zero
// value reads everything from the environment.
type Options struct {
	// User is the simple-auth user; "" means HADOOP_USER_NAME, else the OS
	// user. Ignored with Kerberos (the ticket's principal is the user).
	User string
	// DefaultFS names the NameNode for hdfs:///path URIs (no authority);
	// "" means fs.defaultFS of the Hadoop configuration.
	DefaultFS string
	// Conf is the Hadoop client configuration; nil means LoadConf(ConfDir).
	Conf hadoopconf.HadoopConf
	// ConfDir is where to read it from; "" means $HADOOP_CONF_DIR (see LoadConf).
	ConfDir string
	// BlockSize and Replication of the files Create makes; 0 means
	// dfs.blocksize / dfs.replication of Conf, else the NameNode's defaults.
	BlockSize   int64
	Replication int
	// LocateByHostname names DataNodes "hostname:port" in Locate instead
	// of "ip:port".
	LocateByHostname bool
	// DialTimeout bounds connecting to a NameNode or DataNode (default 20s).
	DialTimeout time.Duration
	// DialDataNode, if set, connects to DataNodes instead of a net.Dialer
	// (a proxy's, or a test's that counts what DataNodes send).
	DialDataNode func(ctx context.Context, network, addr string) (net.Conn, error)
}

func (o *Options) conf() (hadoopconf.HadoopConf, error) {
	if o.Conf != nil {
		return o.Conf, nil
	}
	return LoadConf(o.ConfDir)
}

// FS is one HDFS namespace (one NameNode or HA nameservice) seen as one
// user. It is safe for concurrent use; Close releases its connection.
type FS struct {
	authority string   // as in the URI: host:port or a nameservice
	addrs     []string // NameNode RPC addresses
	user      string
	opts      Options
	copts     hdfs.ClientOptions

	mu     sync.Mutex
	client *hdfs.Client

	bsMu       sync.Mutex
	blockSizes map[string]int64 // path → block size, from Stat and List (bounded)
}

// maxCachedBlockSizes bounds the block size cache of a long-lived FS.
const maxCachedBlockSizes = 1 << 17

func (f *FS) storeBlockSize(p string, n int64) {
	f.bsMu.Lock()
	if f.blockSizes == nil || len(f.blockSizes) >= maxCachedBlockSizes {
		f.blockSizes = map[string]int64{}
	}
	f.blockSizes[p] = n
	f.bsMu.Unlock()
}

func (f *FS) cachedBlockSize(p string) (int64, bool) {
	f.bsMu.Lock()
	defer f.bsMu.Unlock()
	n, ok := f.blockSizes[p]
	return n, ok
}

// forget drops the cached block sizes of p and everything under it.
func (f *FS) forget(p string) {
	f.bsMu.Lock()
	defer f.bsMu.Unlock()
	prefix := strings.TrimSuffix(p, "/") + "/"
	for k := range f.blockSizes {
		if k == p || strings.HasPrefix(k, prefix) {
			delete(f.blockSizes, k)
		}
	}
}

// New makes the FS for the NameNode (or nameservice) authority, e.g.
// "127.0.0.1:8020". It connects on first use.
func New(authority string, opts Options) (*FS, error) {
	conf, err := opts.conf()
	if err != nil {
		return nil, err
	}
	if authority == "" {
		def := DefaultFS(opts.DefaultFS, conf)
		if !IsHDFS(def) {
			return nil, mapreduce.E("open HDFS", mapreduce.Invalid, "", fmt.Errorf("no NameNode given and the default file system is %s (set fs.defaultFS=hdfs://host:port)", def))
		}
		if authority, _, err = splitURI(def); err != nil {
			return nil, mapreduce.E("open HDFS", mapreduce.Invalid, def, err)
		}
	}
	addrs, err := namenodes(authority, conf)
	if err != nil {
		return nil, mapreduce.E("open HDFS", mapreduce.Invalid, "hdfs://"+authority, err)
	}
	copts := hdfs.ClientOptionsFromConf(conf)
	copts.Addresses = addrs
	timeout := opts.DialTimeout
	if timeout <= 0 {
		timeout = 20 * time.Second
	}
	dialer := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	copts.NamenodeDialFunc = dialer.DialContext
	copts.DatanodeDialFunc = dialer.DialContext
	if opts.DialDataNode != nil {
		copts.DatanodeDialFunc = opts.DialDataNode
	}
	user := opts.User
	if copts.KerberosClient != nil {
		kc, err := kerberosClient()
		if err != nil {
			return nil, mapreduce.E("open HDFS", mapreduce.Permission, "hdfs://"+authority,
				fmt.Errorf("the Hadoop configuration asks for Kerberos (hadoop.security.authentication=kerberos): %w", err))
		}
		copts.KerberosClient = kc
		user = kc.Credentials.UserName()
	} else if user == "" {
		if user, err = UserName(); err != nil {
			return nil, err
		}
	}
	copts.User = user
	if opts.BlockSize == 0 {
		if opts.BlockSize, err = confInt64(conf, "dfs.blocksize"); err != nil {
			return nil, err
		}
	}
	if opts.Replication == 0 {
		r, err := confInt64(conf, "dfs.replication")
		if err != nil {
			return nil, err
		}
		opts.Replication = int(r)
	}
	return &FS{authority: authority, addrs: addrs, user: user, opts: opts, copts: copts}, nil
}

// Authority is the NameNode part of the FS's URIs (host:port).
func (f *FS) Authority() string { return f.authority }

// User is the HDFS user the FS acts as.
func (f *FS) User() string { return f.user }

// Home is the user's home directory, Hadoop's working directory on HDFS.
func (f *FS) Home() string { return path.Join("/user", f.user) }

// Close closes the NameNode connection, if any.
func (f *FS) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.client == nil {
		return nil
	}
	err := f.client.Close()
	f.client = nil
	return err
}

// conn returns the connected client, connecting first if needed.
func (f *FS) conn(ctx context.Context) (*hdfs.Client, error) {
	if err := ctx.Err(); err != nil {
		return nil, mapreduce.E("connect to HDFS", mapreduce.Canceled, f.URI("/"), err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.client != nil {
		return f.client, nil
	}
	c, err := hdfs.NewClient(f.copts)
	if err != nil {
		return nil, f.unreachable(err)
	}
	f.client = c
	return c, nil
}

func (f *FS) unreachable(err error) error {
	return mapreduce.E("connect to HDFS", mapreduce.Infra, "hdfs://"+f.authority,
		fmt.Errorf("NameNode %s unreachable: %w (for a local test HDFS, scripts/hdfs-cluster.sh start DIR starts one and prints its address)",
			strings.Join(f.addrs, ", "), err))
}

// URI implements mapreduce.FS: hdfs://authority/path, as Hadoop prints it.
func (f *FS) URI(name string) string { return "hdfs://" + f.authority + cleanPath(name) }

// wrap turns a client error into a mapreduce error of the right kind, with
// the Hadoop exception's message when there is one.
func (f *FS) wrap(op, name string, err error) error {
	if err == nil {
		return nil
	}
	uri := f.URI(name)
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	var re hdfs.Error
	if errors.As(err, &re) {
		msg := re.Message()
		if i := strings.IndexByte(msg, '\n'); i >= 0 {
			msg = msg[:i]
		}
		exc := re.Exception()
		short := exc[strings.LastIndexByte(exc, '.')+1:]
		var base error = errors.New(short + ": " + msg)
		switch short {
		case "FileNotFoundException":
			base = fmt.Errorf("%w (%s)", fs.ErrNotExist, msg)
		case "AccessControlException":
			base = fmt.Errorf("%w (%s)", fs.ErrPermission, msg)
		case "FileAlreadyExistsException":
			base = fmt.Errorf("%w (%s)", fs.ErrExist, msg)
		case "SafeModeException":
			return mapreduce.E(op, mapreduce.Transient, uri, base)
		}
		return mapreduce.E(op, mapreduce.Other, uri, base)
	}
	switch {
	case errors.Is(err, fs.ErrPermission):
		return mapreduce.E(op, mapreduce.Permission, uri, fmt.Errorf("%w (as HDFS user %q)", err, f.user))
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, fs.ErrExist):
		return mapreduce.E(op, mapreduce.Other, uri, err)
	case isNetErr(err):
		return mapreduce.E(op, mapreduce.Infra, uri, fmt.Errorf("NameNode %s or a DataNode unreachable: %w (for a local test HDFS, scripts/hdfs-cluster.sh start DIR starts one)",
			strings.Join(f.addrs, ", "), err))
	}
	return mapreduce.E(op, mapreduce.Other, uri, err)
}

func isNetErr(err error) bool {
	var ne net.Error
	var oe *net.OpError
	return errors.As(err, &ne) || errors.As(err, &oe) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(err.Error(), "no available namenodes")
}

// blockSizer is what HdfsFileStatusProto (FileInfo.Sys()) offers.
type blockSizer interface{ GetBlocksize() uint64 }

func (f *FS) info(p string, fi os.FileInfo) mapreduce.FileInfo {
	info := mapreduce.FileInfo{Path: p, Size: fi.Size(), IsDir: fi.IsDir(), ModTime: fi.ModTime()}
	if bs, ok := fi.Sys().(blockSizer); ok && !fi.IsDir() {
		info.BlockSize = int64(bs.GetBlocksize())
		f.storeBlockSize(p, info.BlockSize)
	}
	return info
}

// Stat implements mapreduce.FS: the FileInfo part of StatStatus.
func (f *FS) Stat(ctx context.Context, name string) (mapreduce.FileInfo, error) {
	st, err := f.StatStatus(ctx, name)
	return st.FileInfo, err
}

// List implements mapreduce.FS, in the NameNode's order (sorted by name):
// the FileInfo parts of ListStatus.
func (f *FS) List(ctx context.Context, dir string) ([]mapreduce.FileInfo, error) {
	sts, err := f.ListStatus(ctx, dir)
	if err != nil {
		return nil, err
	}
	out := make([]mapreduce.FileInfo, len(sts))
	for i, st := range sts {
		out[i] = st.FileInfo
	}
	return out, nil
}

// BlockSize is the HDFS block size of the file name, which Hadoop's
// FileInputFormat uses as the split size (splitSize = max(minSize,
// min(goalSize, blockSize))). Files seen by Stat or List cost no call.
func (f *FS) BlockSize(ctx context.Context, name string) (int64, error) {
	p := cleanPath(name)
	if v, ok := f.cachedBlockSize(p); ok {
		return v, nil
	}
	fi, err := f.Stat(ctx, p)
	if err != nil {
		return 0, err
	}
	if fi.IsDir {
		return 0, mapreduce.E("block size", mapreduce.Invalid, f.URI(p), errors.New("is a directory"))
	}
	if v, ok := f.cachedBlockSize(p); ok {
		return v, nil
	}
	return 0, mapreduce.E("block size", mapreduce.Other, f.URI(p), errors.New("the NameNode reported no block size"))
}

// Open implements mapreduce.FS.
func (f *FS) Open(ctx context.Context, name string, off int64) (io.ReadCloser, error) {
	c, err := f.conn(ctx)
	if err != nil {
		return nil, err
	}
	p := cleanPath(name)
	r, err := c.Open(p)
	if err != nil {
		return nil, f.wrap("open", p, err)
	}
	if r.Stat().IsDir() {
		r.Close()
		return nil, mapreduce.E("open", mapreduce.Invalid, f.URI(p), errors.New("is a directory"))
	}
	if off > r.Stat().Size() {
		r.Close()
		return nil, mapreduce.E("open", mapreduce.Invalid, f.URI(p), fmt.Errorf("offset %d is past the end of the file (%d bytes)", off, r.Stat().Size()))
	}
	if off > 0 {
		if _, err := r.Seek(off, io.SeekStart); err != nil {
			r.Close()
			return nil, f.wrap("open", p, err)
		}
	}
	if d, ok := ctx.Deadline(); ok {
		r.SetDeadline(d)
	}
	return &reader{ctx: ctx, r: r, fs: f, name: p}, nil
}

type reader struct {
	ctx  context.Context
	r    *hdfs.FileReader
	fs   *FS
	name string
}

func (r *reader) Read(b []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, mapreduce.E("read", mapreduce.Canceled, r.fs.URI(r.name), err)
	}
	n, err := r.r.Read(b)
	if err != nil && err != io.EOF {
		return n, r.fs.wrap("read", r.name, err)
	}
	return n, err
}

func (r *reader) Close() error { return r.r.Close() }

// Create implements mapreduce.FS: the parent directories are made, and the
// NameNode refuses (fs.ErrExist) a name that exists.
func (f *FS) Create(ctx context.Context, name string) (io.WriteCloser, error) {
	c, err := f.conn(ctx)
	if err != nil {
		return nil, err
	}
	p := cleanPath(name)
	if err := f.mkdirAll(c, path.Dir(p)); err != nil {
		return nil, err
	}
	blockSize, repl := f.opts.BlockSize, f.opts.Replication
	if blockSize <= 0 || repl <= 0 {
		d, err := c.ServerDefaults()
		if err != nil {
			return nil, f.wrap("create", p, err)
		}
		if blockSize <= 0 {
			blockSize = d.BlockSize
		}
		if repl <= 0 {
			repl = d.Replication
		}
	}
	w, err := c.CreateFile(p, repl, blockSize, 0o644)
	if err != nil {
		return nil, f.wrap("create", p, err)
	}
	if d, ok := ctx.Deadline(); ok {
		w.SetDeadline(d)
	}
	return &writer{ctx: ctx, w: w, c: c, fs: f, name: p}, nil
}

type writer struct {
	ctx     context.Context
	w       *hdfs.FileWriter
	c       *hdfs.Client
	fs      *FS
	name    string
	written int64
	closed  bool
}

func (w *writer) Write(b []byte) (int, error) {
	if err := w.ctx.Err(); err != nil {
		return 0, mapreduce.E("write", mapreduce.Canceled, w.fs.URI(w.name), err)
	}
	if len(b) == 0 {
		// The library would start a block for nothing; one that never
		// receives a packet keeps the file from completing.
		return 0, nil
	}
	n, err := w.w.Write(b)
	w.written += int64(n)
	if isNotReplicatedYet(err) {
		// The library finished the last block but could not add the
		// next one: add it (waiting as Hadoop's client does) and go on.
		aerr := w.addNextBlock()
		if aerr == nil {
			m, err := w.Write(b[n:])
			return n + m, err
		}
		if !errors.Is(aerr, errNoRawRPC) {
			err = aerr
		}
	}
	if err != nil {
		return n, w.fs.wrap("write", w.name, err)
	}
	return n, nil
}

// Close flushes the last packets, waits for the DataNodes' acknowledgements
// and completes the file on the NameNode, retrying (as Hadoop's client
// does) while the NameNode still waits for the DataNodes to report the
// file's last two blocks (on a loaded cluster, for seconds).
//
// The NameNode refuses to complete a file, without committing its last
// block, while the block before it is not reported yet. The library's
// Close, called again, would then complete with no last block, which can
// never succeed (and left the file open, without its last block): the
// retries here name the last block, as Hadoop's client does.
func (w *writer) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	err := w.w.Close()
	if !hdfs.IsErrReplicating(err) {
		return w.fs.wrap("close", w.name, err)
	}
	delay := 50 * time.Millisecond
	for tries := 0; tries < 16; tries++ {
		select {
		case <-time.After(delay):
		case <-w.ctx.Done():
			return mapreduce.E("close", mapreduce.Canceled, w.fs.URI(w.name), w.ctx.Err())
		}
		delay = min(2*delay, 2*time.Second)
		done, err := complete(w.c, w.name, w.written)
		if err != nil {
			return w.fs.wrap("close", w.name, err)
		}
		if done {
			return nil
		}
	}
	return w.fs.wrap("close", w.name, hdfs.ErrReplicating)
}

// MkdirAll implements mapreduce.FS.
func (f *FS) MkdirAll(ctx context.Context, dir string) error {
	c, err := f.conn(ctx)
	if err != nil {
		return err
	}
	return f.mkdirAll(c, cleanPath(dir))
}

func (f *FS) mkdirAll(c *hdfs.Client, p string) error {
	if err := c.MkdirAll(p, 0o755); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return mapreduce.E("mkdir", mapreduce.Exist, f.URI(p), errors.New("exists and is not a directory"))
		}
		return f.wrap("mkdir", p, err)
	}
	return nil
}

// Rename implements mapreduce.FS: to must not exist (the NameNode checks
// it atomically); its parent directories are made.
func (f *FS) Rename(ctx context.Context, from, to string) error {
	c, err := f.conn(ctx)
	if err != nil {
		return err
	}
	src, dst := cleanPath(from), cleanPath(to)
	if _, err := c.Stat(src); err != nil {
		return f.wrap("rename", src, err)
	}
	if err := f.mkdirAll(c, path.Dir(dst)); err != nil {
		return err
	}
	err = rename2(c, src, dst)
	if errors.Is(err, errNoRawRPC) {
		// Library without the raw call: check, then rename (not atomic).
		if _, serr := c.Stat(dst); serr == nil {
			return mapreduce.E("rename", mapreduce.Exist, f.URI(dst), fs.ErrExist)
		}
		err = c.Rename(src, dst)
	}
	if err != nil {
		werr := f.wrap("rename", src, err)
		if errors.Is(werr, fs.ErrExist) {
			return mapreduce.E("rename", mapreduce.Exist, f.URI(dst), werr)
		}
		if _, serr := c.Stat(dst); serr == nil {
			// e.g. a file onto a directory: "must both be directories"
			return mapreduce.E("rename", mapreduce.Exist, f.URI(dst), fmt.Errorf("%w (%v)", fs.ErrExist, werr))
		}
		return werr
	}
	f.forget(src)
	return nil
}

// RemoveAll implements mapreduce.FS (no trash, as FileSystem.delete).
func (f *FS) RemoveAll(ctx context.Context, name string) error {
	c, err := f.conn(ctx)
	if err != nil {
		return err
	}
	p := cleanPath(name)
	if err := c.RemoveAll(p); err != nil {
		return f.wrap("remove", p, err)
	}
	f.forget(p)
	return nil
}

// Locate implements mapreduce.Locator: the DataNodes holding the bytes
// [off, off+n) of name, the one holding the most of them first (ties in
// the NameNode's order, which puts the nearest replica first), each named
// by its data transfer address.
func (f *FS) Locate(ctx context.Context, name string, off, n int64) ([]string, error) {
	c, err := f.conn(ctx)
	if err != nil {
		return nil, err
	}
	p := cleanPath(name)
	blocks, err := blockLocations(c, p, off, max(n, 1))
	if err != nil {
		return nil, f.wrap("locate blocks", p, err)
	}
	return rankHosts(blocks, off, n, f.opts.LocateByHostname), nil
}

// rankHosts orders the DataNodes of blocks by how many bytes of [off,
// off+n) they hold, most first; ties keep the NameNode's order (nearest
// replica first). An empty range (n == 0, an empty split) belongs to the
// block holding off.
func rankHosts(blocks []block, off, n int64, byHostname bool) []string {
	length := max(n, 1)
	type host struct {
		name  string
		bytes int64
	}
	var hosts []*host
	byName := map[string]*host{}
	for _, b := range blocks {
		covered := min(b.offset+b.length, off+length) - max(b.offset, off)
		if covered <= 0 {
			continue
		}
		if n == 0 {
			covered = 0
		}
		for _, d := range b.hosts {
			h := d.ip
			if byHostname && d.hostname != "" {
				h = d.hostname
			}
			key := net.JoinHostPort(h, strconv.FormatUint(uint64(d.xferPort), 10))
			e := byName[key]
			if e == nil {
				e = &host{name: key}
				byName[key] = e
				hosts = append(hosts, e)
			}
			e.bytes += covered
		}
	}
	sort.SliceStable(hosts, func(i, j int) bool { return hosts[i].bytes > hosts[j].bytes })
	out := make([]string, len(hosts))
	for i, h := range hosts {
		out[i] = h.name
	}
	return out
}

// Chmod sets the permission bits of name (fs.ModePerm and fs.ModeSticky).
func (f *FS) Chmod(ctx context.Context, name string, mode fs.FileMode) error {
	c, err := f.conn(ctx)
	if err != nil {
		return err
	}
	p := cleanPath(name)
	// The NameNode takes the raw bits: the sticky bit is 01000.
	bits := mode & fs.ModePerm
	if mode&fs.ModeSticky != 0 {
		bits |= 0o1000
	}
	return f.wrap("chmod", p, c.Chmod(p, bits))
}

// Chown sets the owner and group of name ("" keeps it); only the HDFS
// superuser may change the owner.
func (f *FS) Chown(ctx context.Context, name, owner, group string) error {
	c, err := f.conn(ctx)
	if err != nil {
		return err
	}
	p := cleanPath(name)
	if owner == "" || group == "" {
		// The library would send the empty name, which the NameNode sets.
		fi, err := c.Stat(p)
		if err != nil {
			return f.wrap("chown", p, err)
		}
		if hfi, ok := fi.(*hdfs.FileInfo); ok {
			if owner == "" {
				owner = hfi.Owner()
			}
			if group == "" {
				group = hfi.OwnerGroup()
			}
		}
	}
	return f.wrap("chown", p, c.Chown(p, owner, group))
}
