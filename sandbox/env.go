package sandbox

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Secrets are the environment variables zebra itself takes credentials
// from (the cluster token, Swift and Keystone keys and tokens): a task
// program never inherits them. A job that needs one in its programs
// passes it explicitly (-cmdenv NAME=VALUE).
var Secrets = []string{"ZEBRA_TOKEN", "ZEBRA_TOKEN_FILE", "ST_KEY", "OS_PASSWORD", "OS_AUTH_TOKEN"}

// LocalEnviron is the parent environment of the local runner's task
// programs: the submitting user's environment environ (as Hadoop's local
// mode passes it) without Secrets.
func LocalEnviron(environ []string) []string {
	return slices.DeleteFunc(slices.Clone(environ), func(kv string) bool {
		k, _, _ := strings.Cut(kv, "=")
		return slices.Contains(Secrets, k)
	})
}

// SystemPath is the PATH of a worker's task programs, before the bin
// directories of the operator's allowed installations.
const SystemPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// clusterKeep are the variables of the worker's own environment a task
// program on a cluster inherits: the locale and time zone. Everything else
// of the worker (its credentials, HOME, PATH) stays with the worker.
var clusterKeep = []string{"LANG", "LANGUAGE", "TZ"}

// ClusterEnviron is the parent environment of a worker's task programs:
// a fixed minimal set, to which the job adds Hadoop's job variables,
// -cmdenv, TMPDIR, PWD and HOME (the task's working directory). PATH is
// the bin directories of the allowed installations (those that have one),
// then SystemPath; LANG defaults to C.UTF-8. The locale and time zone come
// from environ.
func ClusterEnviron(environ []string, allow []string) []string {
	out := []string{"PATH=" + ClusterPath(allow)}
	lang := false
	for _, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		if slices.Contains(clusterKeep, k) || strings.HasPrefix(k, "LC_") {
			out = append(out, kv)
			lang = lang || k == "LANG"
		}
	}
	if !lang {
		out = append(out, "LANG=C.UTF-8")
	}
	return out
}

// ClusterPath is the PATH of a worker's task programs: the bin directories
// of the allowed installations (those that have one), then SystemPath.
func ClusterPath(allow []string) string {
	var path []string
	for _, a := range allow {
		if fi, err := os.Stat(filepath.Join(a, "bin")); err == nil && fi.IsDir() {
			path = append(path, filepath.Join(a, "bin"))
		}
	}
	return strings.Join(append(path, SystemPath), ":")
}
