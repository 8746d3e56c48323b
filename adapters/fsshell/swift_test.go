package fsshell_test

// zebra fs on Swift: Hadoop has no swift:// oracle here, so the same
// commands run on local files (whose output the conformance suite checks
// against real FsShell) and on a real Swift all-in-one (swiftfs/aio), and
// must print the same, once the base paths are swapped and the columns
// Swift does not keep (permissions, owner, group, directory sizes and
// times) are masked.
//
//	go test ./adapters/fsshell -run FsShellSwift -v   (needs root or an installed Swift)

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"zebra/adapters/fsshell"
	"zebra/adapters/localfs"
	"zebra/mapreduce"
	"zebra/swiftfs"
	"zebra/swiftfs/aio"

	"zebra/mapreduce/mrtest/suite"
)

// swiftLines are the commands; $B is the base directory (a local path or
// swift://container/base), $L a local scratch directory.
var swiftLines = []string{
	"-mkdir -p $B/d/sub",
	"-put $L/a.txt $B/d",
	"-put $L/b.txt $B/d/b.txt",
	"-put $L/a.txt $B/d",
	"-put -f $L/b.txt $B/d/a.txt",
	"-ls $B/d",
	"-ls -R $B",
	"-cat $B/d/b.txt",
	"-cat $B/d/nope",
	"-stat '%n %b %F %r' $B/d/a.txt",
	"-stat '%n %F' $B/d",
	"-test -e $B/d/a.txt",
	"-test -e $B/nope",
	"-test -d $B/d",
	"-test -f $B/d",
	"-test -z $B/d/a.txt",
	"-du $B/d",
	"-du -s $B",
	"-count $B",
	"-touchz $B/d/t",
	"-touchz $B/d/a.txt",
	"-mv $B/d/t $B/d/sub",
	"-mv $B/d/b.txt $B/d/c.txt",
	"-cp $B/d/c.txt $B/d/sub/c2.txt",
	"-ls $B/d/sub",
	"-get $B/d/c.txt $L/got.txt",
	"-getmerge $B/d/sub $L/merged",
	"-rm $B/d/sub",
	"-rm -r $B/d/sub",
	"-rm $B/d/c.txt",
	"-rm -f $B/nope",
	"-ls '$B/d/*'",
	"-rmdir $B/d",
	"-mkdir $B/e",
	"-rmdir $B/e",
	"-rm -r $B",
}

// maskLs masks -ls columns Swift does not keep.
var maskLs = regexp.MustCompile(`(?m)^([d-])[rwxtT-]{9}[ +]\s+(\S+)\s+\S+\s+\S+\s+(\d+) \d{4}-\d\d-\d\d \d\d:\d\d `)

func maskOutput(s string) string {
	s = maskLs.ReplaceAllStringFunc(s, func(m string) string {
		g := maskLs.FindStringSubmatch(m)
		size := g[3]
		if g[1] == "d" {
			size = "<dir>"
		}
		return g[1] + " " + g[2] + " " + size + " "
	})
	// -du and -count of directories: local directories have no size of
	// their own either, so these need no masking.
	return s
}

func TestFsShellSwift(t *testing.T) {
	suite.Require(t, suite.Swift)
	if os.Geteuid() != 0 {
		if _, err := exec.LookPath("swift-proxy-server"); err != nil {
			t.Skip("not root and Swift is not installed: the all-in-one installs Debian's swift packages with apt-get and needs root")
		}
	}
	var cl *aio.Cluster
	if dir := os.Getenv("ZEBRA_SWIFT_AIO_DIR"); dir != "" {
		cl, _ = aio.Running(dir)
	}
	if cl == nil {
		dir := t.TempDir()
		t.Setenv("AIO_PORTS", "free")
		ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
		c, err := aio.Start(ctx, dir)
		cancel()
		if err != nil {
			t.Fatalf("start a Swift all-in-one: %v", err)
		}
		t.Cleanup(func() {
			if err := c.Stop(); err != nil {
				t.Error(err)
			}
		})
		cl = c
	}
	env := map[string]string{"ST_AUTH": cl.AuthURL, "ST_USER": cl.User, "ST_KEY": cl.Key}
	reg := &mapreduce.Registry{}
	localfs.Register(reg, &localfs.FS{Checksums: true})
	swiftfs.Register(reg, swiftfs.Config{Getenv: func(k string) string { return env[k] }, RetryWait: 50 * time.Millisecond})

	tmp := t.TempDir()
	run := func(base, local string) []string {
		if err := os.MkdirAll(local, 0o755); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(local, "a.txt"), []byte("hello\n"), 0o644)
		os.WriteFile(filepath.Join(local, "b.txt"), []byte(strings.Repeat("b\n", 100)), 0o644)
		var outs []string
		for _, l := range swiftLines {
			l = strings.ReplaceAll(strings.ReplaceAll(l, "$B", base), "$L", local)
			var so, se bytes.Buffer
			code := fsshell.Run(context.Background(), splitWords(l), &fsshell.Env{Stdout: &so, Stderr: &se,
				Stdin: strings.NewReader(""), Dir: local, Registry: reg, HadoopConf: map[string]string{}, User: "tester"})
			stdout := so.String()
			if strings.HasPrefix(l, "-ls -R") || strings.HasPrefix(l, "-du ") {
				// Listing order is the store's: directory order on local
				// files, by name on Swift.
				lines := strings.SplitAfter(stdout, "\n")
				sort.Strings(lines)
				stdout = strings.Join(lines, "")
			}
			o := strings.ReplaceAll(stdout+"|"+se.String(), base, "$B")
			o = strings.ReplaceAll(o, local, "$L")
			outs = append(outs, l+"\n"+maskOutput(o)+"exit "+string(rune('0'+code%10)))
		}
		got, _ := os.ReadFile(filepath.Join(local, "got.txt"))
		merged, _ := os.ReadFile(filepath.Join(local, "merged"))
		outs = append(outs, "got.txt: "+string(got), "merged: "+string(merged))
		return outs
	}
	container := "zebra-fsshell-" + time.Now().UTC().Format("150405")
	want := run(filepath.Join(tmp, "localbase"), filepath.Join(tmp, "l1"))
	got := run("swift://"+container+"/base", filepath.Join(tmp, "l2"))
	for i := range want {
		w := strings.ReplaceAll(want[i], filepath.Join(tmp, "localbase"), "$B")
		g := strings.ReplaceAll(got[i], "swift://"+container+"/base", "$B")
		w = strings.ReplaceAll(w, filepath.Join(tmp, "l1"), "$L")
		g = strings.ReplaceAll(g, filepath.Join(tmp, "l2"), "$L")
		if w != g {
			t.Errorf("local and Swift differ:\n--- local:\n%s\n--- swift:\n%s", w, g)
		}
	}
}
