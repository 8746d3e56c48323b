package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"zebra/jobtracker/api"
	"zebra/mapreduce/mrtest/zebratest"
)

// TestUIScreenshots starts a real local cluster (`zebra up --no-swift`,
// two workers), runs a word count that succeeds, a Python mapper that
// fails and a job that stays running, logs headless Chromium in with the
// one-time link `zebra ui` prints, and takes a full-page screenshot of
// each page of the UI at desktop (1280 px) and phone (390 px) width:
// docs/ui.md shows them. The files go to $ZEBRA_UI_SHOTS
// (scripts/ui-screenshots.sh sets docs/ui), else to a temporary
// directory. Each page must load as itself (its heading, no error page).
func TestUIScreenshots(t *testing.T) {
	bctx := browser(t)
	out := os.Getenv("ZEBRA_UI_SHOTS")
	if out == "" {
		out = t.TempDir()
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := zebratest.Build(t)
	jt, token, state := upWithToken(t, bin)
	c, err := api.NewClient(jt)
	if err != nil {
		t.Fatal(err)
	}
	c.Token = token
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	work := t.TempDir()
	write := func(name, text string, mode os.FileMode) string {
		p := filepath.Join(work, name)
		if err := os.WriteFile(p, []byte(text), mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	in := filepath.Join(work, "in")
	os.MkdirAll(in, 0o755)
	for i, text := range []string{"the quick brown fox\njumps over the lazy dog\n", "the dog barks\nthe fox runs\n", "zebra runs hadoop streaming jobs\n"} {
		write(filepath.Join("in", "part-"+string(rune('a'+i))+".txt"), text, 0o644)
	}
	mapper := write("wc_map.sh", "#!/bin/sh\necho 'reporter:status:splitting words' >&2\ntr -s ' ' '\\n' | awk 'NF { print $0 \"\\t1\"; n++ } END { print \"reporter:counter:Words,Seen,\" n > \"/dev/stderr\" }'\n", 0o755)
	reducer := write("wc_reduce.sh", "#!/bin/sh\nawk -F '\\t' '$1 != k { if (n) print k \"\\t\" s; k = $1; s = 0; n = 1 } { s += $2 } END { if (n) print k \"\\t\" s }'\n", 0o755)
	failing := write("parse.py", "#!/usr/bin/env python3\nimport sys\nfor line in sys.stdin:\n    total = 0\n    total += line.split()[0]\n", 0o755)
	slow := write("slow.sh", "#!/bin/sh\necho 'reporter:status:waiting for the screenshots' >&2\nsleep 600\ncat\n", 0o755)
	env := append(os.Environ(), "ZEBRA_JOBTRACKER="+jt, "ZEBRA_TOKEN="+token)
	stream := func(background bool, args ...string) string {
		t.Helper()
		if os.Geteuid() != 0 {
			// The workers' native sandbox needs root; the cluster
			// token's jobs may run without it.
			args = append([]string{"-D", "zebra.sandbox=none"}, args...)
		}
		if background {
			args = append(args, "-background")
		}
		cmd := exec.CommandContext(ctx, bin, append([]string{"streaming"}, args...)...)
		cmd.Env, cmd.Dir = env, work
		var console bytes.Buffer
		cmd.Stdout, cmd.Stderr = &console, &console
		cmd.Run() // the failing job fails: its console is what matters
		m := regexp.MustCompile(`job_[0-9A-Za-z]+_[0-9]+`).FindString(console.String())
		if m == "" {
			t.Fatalf("zebra streaming %q printed no job id:\n%s", args, console.String())
		}
		return m
	}
	good := stream(false, "-D", "mapreduce.job.name=word count", "-D", "mapreduce.job.reduces=2", "-input", in, "-output", filepath.Join(work, "out-wc"),
		"-mapper", "wc_map.sh", "-reducer", "wc_reduce.sh", "-file", mapper, "-file", reducer)
	bad := stream(false, "-D", "mapreduce.job.name=parse numbers", "-D", "mapreduce.map.maxattempts=2", "-D", "mapreduce.job.reduces=0",
		"-input", in, "-output", filepath.Join(work, "out-bad"), "-mapper", "parse.py", "-file", failing)
	running := stream(true, "-D", "mapreduce.job.name=long running", "-D", "mapreduce.job.reduces=1", "-input", in, "-output", filepath.Join(work, "out-slow"),
		"-mapper", "slow.sh", "-reducer", "cat", "-file", slow)
	// Wait until the running job's maps run.
	for {
		st, err := c.Status(ctx, running, -1, 0)
		if err != nil {
			t.Fatal(err)
		}
		if st.State == api.StateRunning && st.MapsDone < st.Maps {
			var as []api.AttemptInfo
			if err := c.Do(ctx, "GET", "/api/v1/jobs/"+running+"/attempts", nil, &as); err == nil && len(as) > 0 {
				break
			}
		}
		if ctx.Err() != nil || st.Done() {
			t.Fatalf("the long job is %s", st.State)
		}
		time.Sleep(100 * time.Millisecond)
	}
	var badAttempts []api.AttemptInfo
	if err := c.Do(ctx, "GET", "/api/v1/jobs/"+bad+"/attempts", nil, &badAttempts); err != nil {
		t.Fatal(err)
	}
	failedAttempt := ""
	for _, a := range badAttempts {
		if a.State == api.AttemptFailed {
			failedAttempt = a.ID
			break
		}
	}
	if failedAttempt == "" {
		t.Fatalf("the failing job has no failed attempt: %+v", badAttempts)
	}
	task := "task_" + strings.TrimPrefix(failedAttempt[:strings.LastIndex(failedAttempt, "_")], "attempt_")

	// The login page, then the one-time link.
	shoot := func(name, path, heading string) {
		t.Helper()
		for _, size := range []struct {
			suffix string
			w, h   int64
			opts   []chromedp.EmulateViewportOption
		}{{"desktop", 1280, 900, nil}, {"phone", 390, 844, []chromedp.EmulateViewportOption{chromedp.EmulateScale(1), chromedp.EmulateMobile}}} {
			if err := chromedp.Do(bctx, chromedp.EmulateViewport(size.w, size.h, size.opts...), chromedp.Navigate(jt+path),
				chromedp.WaitReady("body"), chromedp.Sleep(700*time.Millisecond)); err != nil {
				t.Fatalf("open %s: %v", path, err)
			}
			h1, err := chromedp.Run(bctx, chromedp.Evaluate[string](`(document.querySelector("h1") || {textContent: ""}).textContent`))
			if err != nil || !strings.Contains(h1, heading) {
				t.Errorf("%s (%s): heading %q, want %q (%v)", path, size.suffix, h1, heading, err)
			}
			png, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatalf("screenshot %s: %v", path, err)
			}
			if err := os.WriteFile(filepath.Join(out, name+"-"+size.suffix+".png"), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	shoot("login", "/ui/login", "Log in")
	ui := exec.Command(bin, "ui", "-state", state)
	ui.Env = append(os.Environ(), "ZEBRA_JOBTRACKER="+jt, "ZEBRA_TOKEN="+token)
	link, err := ui.Output()
	if err != nil {
		t.Fatalf("zebra ui: %v", err)
	}
	if err := chromedp.Do(bctx, chromedp.Navigate(strings.TrimSpace(string(link)))); err != nil {
		t.Fatal(err)
	}
	// The page's script posts the code, and the login leads to /ui/.
	// (Evaluate fails while the page navigates: asked again until then.)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		loc, err := chromedp.Run(bctx, chromedp.Evaluate[string](`location.pathname + " " + document.readyState`))
		if err == nil && loc == "/ui/ complete" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the login link the browser is at %q (%v)", loc, err)
		}
	}
	for _, p := range []struct{ name, path, heading string }{
		{"overview", "/ui/", ""},
		{"jobs", "/ui/jobs", "Jobs"},
		{"job-succeeded", "/ui/jobs/" + good, "word count"},
		{"job-failed", "/ui/jobs/" + bad, "parse numbers"},
		{"job-running", "/ui/jobs/" + running, "long running"},
		{"tasks", "/ui/jobs/" + good + "/tasks", ""},
		{"task", "/ui/jobs/" + bad + "/tasks/" + task, ""},
		{"attempt-failed", "/ui/jobs/" + bad + "/attempts/" + failedAttempt, ""},
	} {
		shoot(p.name, p.path, p.heading)
	}
	t.Logf("screenshots in %s", out)
}
