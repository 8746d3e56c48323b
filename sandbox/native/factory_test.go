package native

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"zebra/mapreduce"
)

// TestInitPathNotAnInit: a Runner whose init binary is no sandbox init —
// one that waits for ever, as a test binary without the init did (it ran
// its own tests instead), or one that exits — fails Start with an error
// that names the binary and what it must do, instead of a Start that
// waits for ever; the binary's process is not left running.
func TestInitPathNotAnInit(t *testing.T) {
	defer func(d time.Duration) { factoryStartTimeout = d }(factoryStartTimeout)
	factoryStartTimeout = 2 * time.Second
	dir := t.TempDir()
	for _, c := range []struct {
		name, script, want string
	}{
		{"waits", "#!/bin/sh\necho $$ > " + filepath.Join(dir, "waits.pid") + "\nexec sleep 600\n", "did not answer within 2s"},
		{"exits", "#!/bin/sh\nexit 0\n", "exited"},
	} {
		t.Run(c.name, func(t *testing.T) {
			init := filepath.Join(dir, c.name)
			if err := os.WriteFile(init, []byte(c.script), 0o755); err != nil {
				t.Fatal(err)
			}
			cfg := testConfig(t)
			cfg.InitPath, cfg.Pool = init, 0
			r := newRunner(t, cfg)
			_, err := r.Start(context.Background(), mapreduce.Command{Args: []string{"/bin/true"}, Dir: t.TempDir()})
			if err == nil {
				t.Fatal("Start with an init binary that is no sandbox init succeeded")
			}
			for _, w := range []string{c.want, init, "without starting as the sandbox init", "must link zebra/sandbox/native"} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Start: %v\nwant it to say %q", err, w)
				}
			}
			if k := mapreduce.KindOf(err); k != mapreduce.Infra {
				t.Errorf("Start: kind %v, want %v (the machine's, not the job's)", k, mapreduce.Infra)
			}
			if b, err := os.ReadFile(filepath.Join(dir, c.name+".pid")); err == nil {
				if _, err := os.Stat("/proc/" + strings.TrimSpace(string(b))); err == nil {
					t.Errorf("the init binary's process %s is still running", strings.TrimSpace(string(b)))
				}
			}
		})
	}
}
