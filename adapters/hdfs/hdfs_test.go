package hdfs_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"zebra/adapters/hdfs"
	"zebra/mapreduce"
	"zebra/mapreduce/mrtest"
)

// The NameNode's superuser is the user that started it (the test's OS
// user); the store under test acts as an ordinary user, so that HDFS
// permissions apply to it.
const (
	testUser  = "zebra-test"
	otherUser = "zebra-other"
)

func superuser(t *testing.T) string {
	if cluster == nil {
		if u := os.Getenv("ZEBRA_HDFS_SUPERUSER"); u != "" {
			return u
		}
	}
	u, err := hdfs.UserName()
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("HADOOP_USER_NAME") != "" {
		// The daemons run as the OS user, whatever HADOOP_USER_NAME says.
		t.Setenv("HADOOP_USER_NAME", "")
		u, _ = hdfs.UserName()
	}
	return u
}

var seq atomic.Int64

// userRoot makes a fresh directory owned by testUser, as the superuser.
func userRoot(t *testing.T, admin *hdfs.FS, name string) string {
	t.Helper()
	ctx := context.Background()
	root := fmt.Sprintf("/zebra-tests/%s-%d-%d", name, os.Getpid(), seq.Add(1))
	if err := admin.MkdirAll(ctx, root); err != nil {
		t.Fatal(err)
	}
	if err := admin.Chown(ctx, root, testUser, "supergroup"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.RemoveAll(context.Background(), root) })
	return root
}

// TestConformance runs the storage conformance suite against the real HDFS.
func TestConformance(t *testing.T) {
	need(t)
	admin := newFS(t, superuser(t))
	user := newFS(t, testUser)
	caps := mrtest.Capabilities{
		ListOrder: mrtest.JavaByteOrder,
		Deny: func(t *testing.T, name string) func() {
			ctx := context.Background()
			if err := admin.Chown(ctx, name, otherUser, "supergroup"); err != nil {
				t.Fatal(err)
			}
			if err := admin.Chmod(ctx, name, 0o700); err != nil {
				t.Fatal(err)
			}
			return func() {
				admin.Chown(ctx, name, testUser, "supergroup")
				admin.Chmod(ctx, name, 0o755)
			}
		},
		LargeFileSize: 48 << 20,
	}
	if dataNode != "" {
		caps.ExpectHosts = []string{dataNode}
	}
	mrtest.Run(t, func(t *testing.T) (mapreduce.FS, string) {
		return user, userRoot(t, admin, "conformance")
	}, caps)
}

// TestConformanceSmallBlocks runs the suite with 1 MiB blocks, so that
// large files, ranged reads and locations cross many block boundaries.
func TestConformanceSmallBlocks(t *testing.T) {
	need(t)
	admin := newFS(t, superuser(t))
	f, err := hdfs.New(authority(t), hdfs.Options{User: testUser, Conf: map[string]string{}, BlockSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	caps := mrtest.Capabilities{
		ListOrder:     mrtest.JavaByteOrder,
		NoPermissions: "checked by TestConformance",
		LargeFileSize: 12 << 20,
	}
	if dataNode != "" {
		caps.ExpectHosts = []string{dataNode}
	}
	mrtest.Run(t, func(t *testing.T) (mapreduce.FS, string) {
		return f, userRoot(t, admin, "small-blocks")
	}, caps)
}

func TestRegistryAndURIs(t *testing.T) {
	need(t)
	auth := authority(t)
	reg := &mapreduce.Registry{}
	stores := hdfs.Register(reg, hdfs.Options{User: testUser, Conf: map[string]string{}, DefaultFS: nnURI})
	defer stores.Close()
	ctx := context.Background()
	for raw, want := range map[string]string{
		"hdfs://" + auth + "/data/in":               "/data/in",
		"hdfs://" + auth:                            "/",
		"hdfs://" + auth + "/a//b/./c/":             "/a/b/c",
		"hdfs://" + auth + "/logs/part-*.{txt,log}": "/logs/part-*.{txt,log}",
		"hdfs://" + auth + "/with space/%20literal": "/with space/%20literal",
		"hdfs:///data/in":                           "/data/in",
		"hdfs:/data/in":                             "/data/in",
		"HDFS://" + auth + "/upper-case-scheme":     "/upper-case-scheme",
		"hdfs://" + auth + "/données/日本語[ab]?.txt":  "/données/日本語[ab]?.txt",
	} {
		fsys, p, err := reg.Resolve(ctx, raw)
		if err != nil {
			t.Errorf("resolve %q: %v", raw, err)
			continue
		}
		if p != want {
			t.Errorf("resolve %q: path %q, want %q", raw, p, want)
		}
		if u, w := fsys.URI(p), "hdfs://"+auth+want; u != w {
			t.Errorf("URI of %q = %q, want %q", raw, u, w)
		}
		if fsys.(*hdfs.FS).Authority() != auth {
			t.Errorf("%q went to NameNode %s", raw, fsys.(*hdfs.FS).Authority())
		}
	}
	a, _, _ := reg.Resolve(ctx, "hdfs://"+auth+"/x")
	b, _, _ := reg.Resolve(ctx, "hdfs:///y")
	if a != b {
		t.Errorf("hdfs:/// and hdfs://%s/ resolve to different FSs", auth)
	}
	if _, _, err := reg.Resolve(ctx, "hdfs:relative/path"); err == nil {
		t.Errorf("hdfs:relative/path resolved")
	}
}

func TestQualify(t *testing.T) {
	def := "hdfs://nn.example:8020"
	for _, c := range [][2]string{
		{"in/words.txt", "hdfs://nn.example:8020/user/alice/in/words.txt"},
		{"/data/in", "hdfs://nn.example:8020/data/in"},
		{"/data/part-*", "hdfs://nn.example:8020/data/part-*"},
		{"hdfs:///abs", "hdfs://nn.example:8020/abs"},
		{"hdfs://other:9000/x", "hdfs://other:9000/x"},
		{"file:/tmp/x", "file:/tmp/x"},
		{"swift://c/o", "swift://c/o"},
		{"out", "hdfs://nn.example:8020/user/alice/out"},
	} {
		if got := hdfs.Qualify(c[0], def, "alice"); got != c[1] {
			t.Errorf("Qualify(%q) = %q, want %q", c[0], got, c[1])
		}
	}
	if got := hdfs.Qualify("in", "file:///", "alice"); got != "in" {
		t.Errorf("Qualify with a local default FS = %q, want it unchanged", got)
	}
}

func TestDefaultFSFromConfDir(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "core-site.xml"), []byte(`<?xml version="1.0"?>
<configuration>
  <property><name>fs.defaultFS</name><value>hdfs://mycluster</value></property>
</configuration>`), 0o644)
	os.WriteFile(filepath.Join(dir, "hdfs-site.xml"), []byte(`<?xml version="1.0"?>
<configuration>
  <property><name>dfs.nameservices</name><value>mycluster</value></property>
  <property><name>dfs.ha.namenodes.mycluster</name><value>nn1,nn2</value></property>
  <property><name>dfs.namenode.rpc-address.mycluster.nn1</name><value>127.0.0.1:1</value></property>
  <property><name>dfs.namenode.rpc-address.mycluster.nn2</name><value>127.0.0.1:2</value></property>
  <property><name>dfs.blocksize</name><value>64m</value></property>
</configuration>`), 0o644)
	t.Setenv("HADOOP_CONF_DIR", dir)
	conf, err := hdfs.LoadConf("")
	if err != nil {
		t.Fatal(err)
	}
	if got := hdfs.DefaultFS("", conf); got != "hdfs://mycluster" {
		t.Errorf("DefaultFS from core-site.xml = %q", got)
	}
	if got := hdfs.DefaultFS("hdfs://override:1", conf); got != "hdfs://override:1" {
		t.Errorf("DefaultFS with -D fs.defaultFS = %q", got)
	}
	// hdfs:///x goes to the nameservice; both NameNodes are down, and the
	// error says which addresses were tried and how to start a test HDFS.
	f, err := hdfs.New("", hdfs.Options{User: testUser, DialTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Authority() != "mycluster" || f.URI("/x") != "hdfs://mycluster/x" {
		t.Errorf("default FS authority %q, URI %q", f.Authority(), f.URI("/x"))
	}
	_, err = f.Stat(context.Background(), "/x")
	if err == nil || !strings.Contains(err.Error(), "127.0.0.1:1, 127.0.0.1:2") || !strings.Contains(err.Error(), "scripts/hdfs-cluster.sh start") {
		t.Errorf("error for an unreachable nameservice: %v", err)
	}
	if !mapreduce.IsKind(err, mapreduce.Infra) {
		t.Errorf("kind %v, want infra", mapreduce.KindOf(err))
	}
}

func TestUnreachableNameNode(t *testing.T) {
	f, err := hdfs.New("127.0.0.1:1", hdfs.Options{User: testUser, Conf: map[string]string{}, DialTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	_, err = f.Stat(context.Background(), "/")
	if err == nil {
		t.Fatal("stat on a dead NameNode: no error")
	}
	msg := err.Error()
	for _, want := range []string{"NameNode 127.0.0.1:1 unreachable", "scripts/hdfs-cluster.sh start"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not say %q", msg, want)
		}
	}
	if !mapreduce.IsKind(err, mapreduce.Infra) {
		t.Errorf("kind %v, want infra", mapreduce.KindOf(err))
	}
}

func TestUserName(t *testing.T) {
	t.Setenv("HADOOP_USER_NAME", "alice")
	if u, err := hdfs.UserName(); err != nil || u != "alice" {
		t.Errorf("UserName with HADOOP_USER_NAME=alice: %q, %v", u, err)
	}
	f, err := hdfs.New("127.0.0.1:1", hdfs.Options{Conf: map[string]string{}})
	if err != nil {
		t.Fatal(err)
	}
	if f.User() != "alice" || f.Home() != "/user/alice" {
		t.Errorf("FS user %q, home %q", f.User(), f.Home())
	}
	t.Setenv("HADOOP_USER_NAME", "")
	if u, err := hdfs.UserName(); err != nil || u == "" || u == "alice" {
		t.Errorf("UserName without HADOOP_USER_NAME: %q, %v; want the OS user", u, err)
	}
}

// TestSimpleAuthUser: files are created as the simple-auth user, so that
// user's permissions apply: a directory of another user is refused, with a
// message naming the user and the inode.
func TestSimpleAuthUser(t *testing.T) {
	need(t)
	admin := newFS(t, superuser(t))
	ctx := context.Background()
	root := userRoot(t, admin, "auth")
	mine := path.Join(root, "mine")
	alice := newFS(t, testUser)
	mrtest.WriteFile(t, alice, mine, []byte("x"))
	bob := newFS(t, otherUser)
	w, err := bob.Create(ctx, path.Join(root, "bobs"))
	if err == nil {
		w.Close()
		t.Fatalf("%s created a file in %s's 0755 directory", otherUser, testUser)
	}
	if !errors.Is(err, fs.ErrPermission) || !mapreduce.IsKind(err, mapreduce.Permission) {
		t.Errorf("error %v (kind %v): want permission denied", err, mapreduce.KindOf(err))
	}
	if !strings.Contains(err.Error(), otherUser) || !strings.Contains(err.Error(), root) {
		t.Errorf("error %q does not name the user and the directory", err)
	}
	if err := bob.RemoveAll(ctx, mine); err == nil {
		t.Errorf("%s removed %s's file", otherUser, testUser)
	}
}

func TestBlockSizeSplitsAndLocality(t *testing.T) {
	need(t)
	admin := newFS(t, superuser(t))
	ctx := context.Background()
	root := userRoot(t, admin, "blocks")
	small, err := hdfs.New(authority(t), hdfs.Options{User: testUser, Conf: map[string]string{}, BlockSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer small.Close()
	f := path.Join(root, "five-and-a-half-blocks")
	content := []byte(strings.Repeat("0123456789abcdef", (11<<20)/2/16))
	mrtest.WriteFile(t, small, f, content)
	fresh := newFS(t, testUser) // knows nothing of f yet
	bs, err := fresh.BlockSize(ctx, f)
	if err != nil || bs != 1<<20 {
		t.Fatalf("BlockSize = %d, %v; want 1 MiB", bs, err)
	}
	def := path.Join(root, "default-blocks")
	mrtest.WriteFile(t, fresh, def, []byte("x\n"))
	if bs, err := fresh.BlockSize(ctx, def); err != nil || bs != 128<<20 {
		t.Errorf("BlockSize of a file with the cluster default = %d, %v; want 128 MiB", bs, err)
	}
	if _, err := fresh.BlockSize(ctx, root); err == nil {
		t.Errorf("BlockSize of a directory: no error")
	}
	files, err := mapreduce.ListInputs(ctx, fresh, []string{f}, mapreduce.NewConf())
	if err != nil {
		t.Fatal(err)
	}
	// Hadoop's rule with the HDFS block size: 1 MiB splits while more than
	// 1.1 MiB remain, so five of 1 MiB and a last of 0.5 MiB.
	splits := mapreduce.FileSplits(fresh, files, 1, 1, bs)
	if len(splits) != 6 || splits[5].Length != 1<<19 {
		t.Errorf("splits %v: want 5 of 1 MiB and a last of 0.5 MiB", splits)
	}
	if err := mapreduce.LocateSplits(ctx, fresh, splits); err != nil {
		t.Fatal(err)
	}
	for _, s := range splits {
		if len(s.Hosts) != 1 || (dataNode != "" && s.Hosts[0] != dataNode) {
			t.Errorf("split %s: hosts %q, want [%s]", s, s.Hosts, dataNode)
		}
	}
	if !strings.HasPrefix(splits[0].String(), "hdfs://"+authority(t)+root+"/five-and-a-half-blocks:0+1048576") {
		t.Errorf("split text %q is not Hadoop's", splits[0].String())
	}
	// A range inside one block, and an empty range, are located too.
	for _, r := range [][2]int64{{(1 << 20) + 10, 100}, {3 << 20, 0}} {
		hosts, err := fresh.Locate(ctx, f, r[0], r[1])
		if err != nil || len(hosts) != 1 {
			t.Errorf("Locate(%d, %d) = %q, %v", r[0], r[1], hosts, err)
		}
	}
	if _, err := fresh.Locate(ctx, path.Join(root, "missing"), 0, 1); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Locate of a missing file: %v", err)
	}
}

func TestCanceledContext(t *testing.T) {
	need(t)
	f := newFS(t, testUser)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := f.Stat(ctx, "/")
	if !errors.Is(err, context.Canceled) || !mapreduce.IsKind(err, mapreduce.Canceled) {
		t.Errorf("stat with a canceled context: %v", err)
	}
}

// TestListOrderIsJavaByteOrder: the NameNode sorts a directory's children
// by their UTF-8 bytes compared as Java's signed bytes, so non-ASCII names
// come before ASCII ones; List keeps that order, as Hadoop's listStatus.
func TestListOrderIsJavaByteOrder(t *testing.T) {
	need(t)
	admin := newFS(t, superuser(t))
	root := userRoot(t, admin, "order")
	f := newFS(t, testUser)
	names := []string{"b", "B", "a", "_a", ".a", "a0", "a-", "Z", "é", "10", "9"}
	for _, n := range names {
		mrtest.WriteFile(t, f, path.Join(root, n), nil)
	}
	ls, err := f.List(context.Background(), root)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, fi := range ls {
		got = append(got, path.Base(fi.Path))
	}
	want := []string{"é", ".a", "10", "9", "B", "Z", "_a", "a", "a-", "a0", "b"}
	if !slices.Equal(got, want) {
		t.Errorf("listing order %q, want %q", got, want)
	}
}
