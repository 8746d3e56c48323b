package native

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"zebra/mapreduce"
)

// TestMounts checks Command.Mounts: a read-only file at /dev/input that
// cannot be written, a read-only directory at /dev/in, a writable file
// at /dev/output whose writes reach the host, and refused guest paths.
func TestMounts(t *testing.T) {
	r := newRunner(t, testConfig(t))
	dir := workDir(t)
	host := t.TempDir()
	input := filepath.Join(host, "input")
	os.WriteFile(input, []byte("the object\n"), 0o644)
	in := filepath.Join(host, "in")
	os.Mkdir(in, 0o755)
	os.WriteFile(filepath.Join(in, "map-1"), []byte("from map-1\n"), 0o644)
	output := filepath.Join(host, "output")
	os.WriteFile(output, nil, 0o666)
	os.Chmod(output, 0o666)
	script := `cat /dev/input; ls /dev/in; cat /dev/in/map-1
if echo x >> /dev/input 2>/dev/null; then echo WROTE-INPUT; fi
if echo x > /dev/in/map-1 2>/dev/null; then echo WROTE-IN; fi
if touch /dev/in/new 2>/dev/null; then echo CREATED-IN; fi
echo result > /dev/output`
	var out, errb bytes.Buffer
	p, err := r.Start(context.Background(), mapreduce.Command{Args: []string{"sh", "-c", script}, Dir: dir, Env: os.Environ(),
		Stdout: &out, Stderr: &errb, Mounts: []mapreduce.Mount{
			{Host: input, Guest: "/dev/input"}, {Host: in, Guest: "/dev/in"}, {Host: output, Guest: "/dev/output", Writable: true}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Wait(); err != nil {
		t.Fatalf("%v: %s", err, errb.String())
	}
	if want := "the object\nmap-1\nfrom map-1\n"; out.String() != want {
		t.Errorf("stdout %q, want %q (stderr %q)", out.String(), want, errb.String())
	}
	if b, _ := os.ReadFile(output); string(b) != "result\n" {
		t.Errorf("/dev/output on the host holds %q", b)
	}
	if b, _ := os.ReadFile(input); string(b) != "the object\n" {
		t.Errorf("the read-only input changed: %q", b)
	}
	_, err = r.Start(context.Background(), mapreduce.Command{Args: []string{"true"}, Dir: dir, Env: os.Environ(),
		Mounts: []mapreduce.Mount{{Host: output, Guest: "/data/output", Writable: true}}})
	if err == nil || !strings.Contains(err.Error(), "a writable guest path must be beneath /dev") {
		t.Errorf("writable guest path outside /dev: got %v, want a refusal", err)
	}
	for _, guest := range []string{"dev/x", "/", "/usr/lib", "/dev/stdin", "/proc/x", "/dev/../etc", "/dev/mqueue"} {
		_, err := r.Start(context.Background(), mapreduce.Command{Args: []string{"true"}, Dir: dir, Env: os.Environ(),
			Mounts: []mapreduce.Mount{{Host: input, Guest: guest}}})
		if err == nil || !strings.Contains(err.Error(), "mount") {
			t.Errorf("guest path %q: got %v, want a refusal", guest, err)
		}
	}
}
