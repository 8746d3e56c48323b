// Package browsertest starts headless Chromium for the tests that drive
// the UI (web's and cmd/zebra's): the one owner of finding Chromium (or
// installing Debian's package) and of the browser's set-up. Every browser
// it starts keeps its files in the test's temporary directories, which
// the test removes: its profile, and its TMPDIR, where Chromium makes an
// org.chromium.Chromium.* directory for its process singleton that a
// browser ended by a kill leaves behind (/tmp held hundreds).
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"zebra/mapreduce/mrtest/suite"
)

// Chromium returns Chromium's path, installing Debian's package when
// running as root without it; t fails, saying why, if there is none.
func Chromium(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Geteuid() != 0 {
		t.Fatal("no Chromium: install Debian's chromium package (apt-get install chromium) to run the browser test")
	}
	t.Log("installing Debian's chromium package")
	for _, args := range [][]string{{"update", "-qq"}, {"install", "-y", "-qq", "chromium"}} {
		cmd := exec.Command("apt-get", args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("no Chromium, and apt-get %s failed: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	p, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("apt-get installed chromium, but it is not on PATH")
	}
	return p
}

// New starts a headless Chromium of t's own (its own profile and
// cookies) with opts added to chromedp's defaults, and returns the
// context of its first tab, which ends after timeout (0: at t's end).
// The browser is stopped at t's cleanup. The test is skipped unless the
// browser suite runs.
func New(t testing.TB, timeout time.Duration, opts ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	suite.Require(t, suite.Browser)
	// A short TMPDIR: Chromium's singleton socket lives beneath it, and a
	// unix socket's path holds at most 107 bytes (a subtest's TempDir is
	// longer).
	tmp, err := os.MkdirTemp("", "zchr")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(tmp) })
	all := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(Chromium(t)), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()), chromedp.Env("TMPDIR="+tmp))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), append(all, opts...)...)
	t.Cleanup(cancel)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	if timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, timeout)
		t.Cleanup(cancel)
	}
	return ctx
}
