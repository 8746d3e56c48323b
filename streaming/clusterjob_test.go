package streaming

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"zebra/jobtracker/api"
	"zebra/mapreduce"
)

// TestClusterJobShipsOnlyFromTheBundle: a plan whose shipped files are not
// in its bundle (a worker path, a store URI) or whose bundle paths leave
// the bundle is refused before anything runs.
func TestClusterJobShipsOnlyFromTheBundle(t *testing.T) {
	for _, tc := range []struct {
		name   string
		files  []string
		staged map[string]string
		want   string
	}{
		{"worker file", []string{"/etc/shadow"}, nil, "/etc/shadow is not in the job's bundle"},
		{"store URI", []string{"swift://AUTH_other/c/secret#s"}, nil, "swift://AUTH_other/c/secret is not in the job's bundle"},
		{"escaping path", []string{"m.py"}, map[string]string{"m.py": "ship/0/../../../token"}, `bundle path "ship/0/../../../token" leaves the bundle`},
		{"absolute path", []string{"m.py"}, map[string]string{"m.py": "/etc/shadow"}, `bundle path "/etc/shadow" leaves the bundle`},
	} {
		o := &Options{Conf: mapreduce.NewConf(), ShipFiles: tc.files}
		spec, err := json.Marshal(clusterSpec{Options: o, Staged: tc.staged})
		if err != nil {
			t.Fatal(err)
		}
		pl := &api.Plan{Kind: SpecKind, Spec: spec, Output: "/tmp/none"}
		id, _ := mapreduce.ParseJobID("job_1_0001")
		_, err = ClusterJob(context.Background(), pl, id, t.TempDir(), &Env{Registry: &mapreduce.Registry{}})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}
