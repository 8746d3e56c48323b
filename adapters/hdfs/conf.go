package hdfs

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/user"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/colinmarc/hdfs/v2/hadoopconf"

	"zebra/mapreduce"
)

// DefaultPort is the NameNode RPC port Hadoop assumes when an hdfs:// URI
// names none (dfs.namenode.rpc-address's default).
const DefaultPort = 8020

// LoadConf reads the Hadoop client configuration (core-site.xml,
// hdfs-site.xml, mapred-site.xml) from dir, or when dir is empty from
// $HADOOP_CONF_DIR, else $HADOOP_HOME/etc/hadoop, else $HADOOP_HOME/conf.
// No configuration at all is not an error: the result is then empty.
func LoadConf(dir string) (hadoopconf.HadoopConf, error) {
	var dirs []string
	if dir != "" {
		dirs = []string{dir}
	} else {
		if d := os.Getenv("HADOOP_CONF_DIR"); d != "" {
			dirs = append(dirs, d)
		}
		if h := os.Getenv("HADOOP_HOME"); h != "" {
			dirs = append(dirs, filepath.Join(h, "etc", "hadoop"), filepath.Join(h, "conf"))
		}
	}
	for _, d := range dirs {
		conf, err := hadoopconf.Load(d)
		if err != nil {
			return nil, mapreduce.E("read Hadoop configuration", mapreduce.Invalid, d, err)
		}
		if conf != nil {
			return conf, nil
		}
	}
	return hadoopconf.HadoopConf{}, nil
}

// DefaultFS is the default file system URI, as Hadoop picks it: value (a
// job's -D fs.defaultFS=… or -fs) if not empty, else fs.defaultFS (or the
// deprecated fs.default.name) of the Hadoop configuration (see LoadConf),
// else "file:///".
func DefaultFS(value string, conf hadoopconf.HadoopConf) string {
	if value != "" {
		return value
	}
	if v := conf["fs.defaultFS"]; v != "" {
		return v
	}
	if v := conf["fs.default.name"]; v != "" {
		return v
	}
	return "file:///"
}

// IsHDFS reports whether uri (a path or URI) uses the hdfs scheme.
func IsHDFS(uri string) bool {
	return len(uri) >= 5 && strings.EqualFold(uri[:5], "hdfs:")
}

// hasScheme reports whether p starts with a URI scheme ("hdfs:", "file:",
// "swift:"), as the mapreduce.Registry decides it.
func hasScheme(p string) bool {
	i := strings.Index(p, ":")
	return i > 0 && !strings.ContainsAny(p[:i], "/\\")
}

// Qualify resolves a job path against the default file system defaultFS the
// way Hadoop's Path.makeQualified does, for the streaming layer to call on
// -input and -output values when fs.defaultFS is an hdfs:// URI:
//
//   - a path with a scheme (hdfs://…, file:…, swift://…) is returned as is,
//     except that hdfs:/p and hdfs:///p get defaultFS's authority when
//     defaultFS is hdfs;
//   - with an hdfs defaultFS, an absolute path /p becomes hdfs://nn:port/p and a
//     relative path p becomes hdfs://nn:port/user/<user>/p (HDFS's working
//     directory is the user's home directory);
//   - with any other defaultFS, p is returned as is.
func Qualify(p, defaultFS, user string) string {
	if !IsHDFS(defaultFS) {
		return p
	}
	auth, _, err := splitURI(defaultFS)
	if err != nil || auth == "" {
		return p
	}
	if hasScheme(p) {
		if IsHDFS(p) {
			if a, rest, err := splitURI(p); err == nil && a == "" {
				return "hdfs://" + auth + rest
			}
		}
		return p
	}
	if !strings.HasPrefix(p, "/") {
		p = path.Join("/user", user, p)
	}
	return "hdfs://" + auth + cleanPath(p)
}

// splitURI splits hdfs://authority/path (or hdfs:/path, hdfs:///path) into
// its authority ("" when absent) and path ("/" when empty). The path is
// taken literally, as Hadoop's Path does: no percent-decoding, so glob
// characters and spaces pass through.
func splitURI(raw string) (authority, p string, err error) {
	if !IsHDFS(raw) {
		return "", "", fmt.Errorf("%q is not an hdfs:// URI", raw)
	}
	rest := raw[len("hdfs:"):]
	if strings.HasPrefix(rest, "//") {
		rest = rest[2:]
		i := strings.IndexByte(rest, '/')
		if i < 0 {
			authority, rest = rest, "/"
		} else {
			authority, rest = rest[:i], rest[i:]
		}
	} else if !strings.HasPrefix(rest, "/") {
		return "", "", fmt.Errorf("%q: an hdfs URI needs an absolute path (hdfs://namenode:port/path)", raw)
	}
	if strings.ContainsAny(authority, "?#@") {
		return "", "", fmt.Errorf("%q: unsupported characters in the authority %q", raw, authority)
	}
	return authority, cleanPath(rest), nil
}

// cleanPath normalises an absolute HDFS path as Hadoop's Path does: no
// repeated or trailing slashes, "." and ".." resolved.
func cleanPath(p string) string {
	if p == "" {
		return "/"
	}
	return path.Clean("/" + p)
}

// namenodes turns a URI authority into NameNode RPC addresses: host:port as
// is, a bare host with the default port, or an HA nameservice
// (dfs.nameservices / dfs.ha.namenodes.<ns>) into the addresses of its
// NameNodes (dfs.namenode.rpc-address.<ns>.<nn>).
func namenodes(authority string, conf hadoopconf.HadoopConf) ([]string, error) {
	if authority == "" {
		return nil, errors.New("no NameNode given (use hdfs://host:port/path or set fs.defaultFS)")
	}
	if ids := conf["dfs.ha.namenodes."+authority]; ids != "" {
		var addrs []string
		for _, id := range strings.Split(ids, ",") {
			id = strings.TrimSpace(id)
			if a := conf["dfs.namenode.rpc-address."+authority+"."+id]; a != "" {
				addrs = append(addrs, a)
			}
		}
		if len(addrs) == 0 {
			return nil, fmt.Errorf("nameservice %s has no dfs.namenode.rpc-address.%s.* in the Hadoop configuration", authority, authority)
		}
		return addrs, nil
	}
	if a := conf["dfs.namenode.rpc-address."+authority]; a != "" {
		return []string{a}, nil
	}
	if _, port, err := net.SplitHostPort(authority); err == nil {
		if _, err := strconv.Atoi(port); err != nil {
			return nil, fmt.Errorf("bad NameNode port in %q", authority)
		}
		return []string{authority}, nil
	}
	return []string{net.JoinHostPort(authority, strconv.Itoa(DefaultPort))}, nil
}

// UserName is the HDFS user of simple authentication, as Hadoop's
// UserGroupInformation picks it: HADOOP_USER_NAME if set, else the OS user.
func UserName() (string, error) {
	if u := os.Getenv("HADOOP_USER_NAME"); u != "" {
		return u, nil
	}
	u, err := user.Current()
	if err != nil {
		return "", mapreduce.E("determine the HDFS user", mapreduce.Invalid, "", fmt.Errorf("%w (set HADOOP_USER_NAME)", err))
	}
	return u.Username, nil
}

// confInt64 reads an integer Hadoop setting with its size suffixes (k, m,
// g, t, p as in dfs.blocksize=128m); 0 when absent.
func confInt64(conf hadoopconf.HadoopConf, key string) (int64, error) {
	v := strings.TrimSpace(conf[key])
	if v == "" {
		return 0, nil
	}
	mult := int64(1)
	switch strings.ToLower(v[len(v)-1:]) {
	case "k":
		mult = 1 << 10
	case "m":
		mult = 1 << 20
	case "g":
		mult = 1 << 30
	case "t":
		mult = 1 << 40
	case "p":
		mult = 1 << 50
	}
	if mult != 1 {
		v = v[:len(v)-1]
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, mapreduce.E("read Hadoop configuration", mapreduce.Invalid, key, fmt.Errorf("%s=%q is not a number", key, conf[key]))
	}
	return n * mult, nil
}
