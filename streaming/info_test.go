package streaming

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"zebra/mapreduce"
)

// TestInfoListsZebraSettings: -info prints Hadoop's text on stdout, byte
// for byte as Hadoop's recorded answer (conformance case 063), and
// zebra's own job settings and the environment variables the command
// gave after it, on stderr; -help prints no such section.
func TestInfoListsZebraSettings(t *testing.T) {
	raw, err := os.ReadFile("testdata/conformance-oracle/063-err-info.json")
	if err != nil {
		t.Fatal(err)
	}
	var hadoop struct {
		Exit   int    `json:"exit"`
		Stdout string `json:"stdout"`
	}
	if err := json.Unmarshal(raw, &hadoop); err != nil {
		t.Fatal(err)
	}
	env := []mapreduce.Setting{{Name: "ZEBRA_JOBTRACKER", Default: "local", Doc: "the jobtracker"}}
	var stdout, stderr bytes.Buffer
	code := Run(context.Background(), []string{"-info"}, &Env{Stdout: &stdout, Stderr: &stderr, Dir: t.TempDir(), InfoEnv: env})
	if code != hadoop.Exit || stdout.String() != hadoop.Stdout {
		t.Errorf("-info: exit %d, stdout differs from Hadoop's (%d bytes, Hadoop %d)", code, stdout.Len(), len(hadoop.Stdout))
	}
	for _, s := range append(mapreduce.Settings, env...) {
		if !strings.Contains(stderr.String(), "  "+s.Name+" ") {
			t.Errorf("-info's stderr does not list %s:\n%s", s.Name, stderr.String())
		}
	}
	stdout.Reset()
	stderr.Reset()
	Run(context.Background(), []string{"-help"}, &Env{Stdout: &stdout, Stderr: &stderr, Dir: t.TempDir(), InfoEnv: env})
	if strings.Contains(stderr.String(), mapreduce.KeySandbox) {
		t.Errorf("-help printed zebra's settings:\n%s", stderr.String())
	}
}
