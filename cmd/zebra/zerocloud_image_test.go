package main

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/ncw/swift/v2"
)

// countScript is the app of the image job: it counts the words of its
// object that are not in the image's stop list (read through a link of
// the image, relative to the working directory) and checks that it can
// change nothing of the image, at /image or through the working
// directory's links.
const countScript = `#!/bin/sh
for f in /image/new share/new bin/new; do
	if touch "$f" 2>/dev/null; then echo "the image is writable: $f" >&2; exit 3; fi
done
if rm -f share/stop.txt 2>/dev/null && [ ! -e share/stop.txt ]; then echo "the image's files can be removed" >&2; exit 3; fi
test -f /image/bin/count.sh || { echo "no /image" >&2; exit 4; }
case "$(awk '$5 == "/image" {print $6}' /proc/self/mountinfo)" in
ro|ro,*) ;;
*) echo "/image is not mounted read-only" >&2; exit 5 ;;
esac
tr -s ' \n' '\n\n' < /dev/input | grep -v -x -F -f share/stop | LC_ALL=C sort | uniq -c | sed 's/^ *\([0-9]*\) \(.*\)$/\2\t\1/'
`

// zeroCloudImage runs, on the cluster of TestZeroCloudWordcount, a job
// whose app exists only inside an image tar on Swift, and checks each
// output object against counts computed here, and its Content-Type and
// X-Object-Meta-* against the device's content_type and meta; then that a
// job with a broken image is refused with its field named.
func zeroCloudImage(t *testing.T, bin string, env map[string]string, conn *swift.Connection, books []string) {
	ctx := context.Background()
	stop := []string{"zebra3", "swift7", "map12"}
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	add := func(h *tar.Header, body string) {
		h.Size = int64(len(body))
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(body))
	}
	add(&tar.Header{Name: "bin/", Typeflag: tar.TypeDir, Mode: 0o755}, "")
	add(&tar.Header{Name: "bin/count.sh", Typeflag: tar.TypeReg, Mode: 0o755}, countScript)
	add(&tar.Header{Name: "share/stop.txt", Typeflag: tar.TypeReg, Mode: 0o644}, strings.Join(stop, "\n")+"\n")
	add(&tar.Header{Name: "share/stop", Typeflag: tar.TypeSymlink, Linkname: "stop.txt"}, "")
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"images", "counted"} {
		if err := conn.ContainerCreate(ctx, c, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := conn.ObjectPutBytes(ctx, "images", "count.tar", b.Bytes(), "application/x-tar"); err != nil {
		t.Fatal(err)
	}
	if err := conn.ObjectPutString(ctx, "images", "broken.tar", strings.Repeat("not a tar at all\n", 64), "application/x-tar"); err != nil {
		t.Fatal(err)
	}
	job := func(image string) string {
		return `[{"name": "count", "exec": {"path": "bin/count.sh"},
  "devices": [{"name": "python3"}, {"name": "image", "path": "swift://~/images/` + image + `"},
    {"name": "input", "path": "swift://~/books/book-*.txt"},
    {"name": "stdout", "path": "swift://~/counted/*.tsv", "content_type": "text/tab-separated-values; charset=utf-8", "meta": {"Job": "image-count", "Stop-Words": "3"}}]}]`
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "job.json"), []byte(job("count.tar")), 0o644)
	if out, err := zebraCmd(bin, dir, env, "submit", "job.json").CombinedOutput(); err != nil {
		t.Fatalf("zebra submit of the image job: %v\n%s", err, out)
	}
	isStop := map[string]bool{}
	for _, w := range stop {
		isStop[w] = true
	}
	for _, name := range books {
		in, err := conn.ObjectGetString(ctx, "books", name)
		if err != nil {
			t.Fatal(err)
		}
		counts := map[string]int{}
		for _, w := range strings.Fields(in) {
			if !isStop[w] {
				counts[w]++
			}
		}
		words := make([]string, 0, len(counts))
		for w := range counts {
			words = append(words, w)
		}
		sort.Strings(words)
		var want strings.Builder
		for _, w := range words {
			fmt.Fprintf(&want, "%s\t%d\n", w, counts[w])
		}
		obj := strings.TrimPrefix(strings.TrimSuffix(name, ".txt"), "book-") + ".tsv"
		got, err := conn.ObjectGetString(ctx, "counted", obj)
		if err != nil {
			t.Errorf("counted/%s: %v", obj, err)
			continue
		}
		if got != want.String() {
			t.Errorf("counted/%s differs from the counts of %s (%d bytes, want %d):\n%.300s", obj, name, len(got), want.Len(), got)
		}
		_, h, err := conn.Object(ctx, "counted", obj)
		if err != nil {
			t.Fatal(err)
		}
		if h["Content-Type"] != "text/tab-separated-values; charset=utf-8" || h["X-Object-Meta-Job"] != "image-count" || h["X-Object-Meta-Stop-Words"] != "3" {
			t.Errorf("counted/%s: Content-Type %q, meta %v; want the device's content_type and meta", obj, h["Content-Type"], h.ObjectMetadata())
		}
	}

	os.WriteFile(filepath.Join(dir, "job.json"), []byte(strings.ReplaceAll(job("broken.tar"), "counted/", "counted2/")), 0o644)
	cmd := zebraCmd(bin, dir, env, "submit", "job.json")
	out, err := cmd.CombinedOutput()
	want := `job.json: group "count" (index 0): devices[1].path: swift://~/images/broken.tar: bad image: not a tar archive`
	if err == nil || cmd.ProcessState.ExitCode() != 1 || !strings.Contains(string(out), want) || !strings.Contains(string(out), "nothing was started") {
		t.Errorf("a broken image: exit %v\n%s\nwant exit 1 and\n%s", err, out, want)
	}
	if _, _, err := conn.Container(ctx, "counted2"); err != swift.ContainerNotFound {
		t.Errorf("counted2 after the refused submission: %v, want no such container", err)
	}
}
