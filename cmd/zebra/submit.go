package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/user"
	"path/filepath"
	"strings"

	"zebra/jobtracker/api"
	"zebra/jobtracker/zerocloud"
	"zebra/mapreduce"
	"zebra/streaming"
	"zebra/swiftfs"
)

// settingFlags collects repeated -D key=value flags.
type settingFlags map[string]string

func (s settingFlags) String() string { return "" }

func (s settingFlags) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return fmt.Errorf("want -D key=value, not %q", v)
	}
	s[k] = val
	return nil
}

// submitCommand is `zebra submit [-jt URL] [-D k=v]... [-background]
// job.json`: it parses, validates and compiles a ZeroCloud job description
// here (listing wildcards, checking apps and outputs), ships the files
// next to job.json that the job names, submits it and follows it. Exit
// codes are streaming's: 0 success, 1 failed (or an invalid job: nothing
// was started), 5 the job could not be launched, 130 interrupted.
func submitCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("zebra submit", flag.ContinueOnError)
	fl.SetOutput(stderr)
	jt := fl.String("jt", os.Getenv("ZEBRA_JOBTRACKER"), "jobtracker URL (default $ZEBRA_JOBTRACKER)")
	background := fl.Bool("background", false, "submit and return without following the job")
	conf := settingFlags{}
	fl.Var(conf, "D", "a job setting key=value (credentials, zebra.sandbox, attempts); repeatable")
	if err := fl.Parse(args); err != nil {
		return 2
	}
	if fl.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: zebra submit [-jt URL] [-D key=value]... [-background] job.json")
		return 2
	}
	file := fl.Arg(0)
	data, err := os.ReadFile(file)
	if err != nil {
		fmt.Fprintf(stderr, "zebra submit: %v\n", err)
		return 1
	}
	if *jt == "" {
		fmt.Fprintln(stderr, "zebra submit: no jobtracker: set ZEBRA_JOBTRACKER or give -jt URL (`zebra up` starts a cluster); ZeroCloud jobs run only on a cluster")
		return 5
	}
	name := filepath.Base(file)
	job, err := zerocloud.Parse(name, data)
	if err != nil {
		fmt.Fprintf(stderr, "%v\nzebra submit: %s is not a valid job; nothing was started\n", err, file)
		return 1
	}
	for _, w := range job.Warnings {
		fmt.Fprintf(stderr, "zebra submit: warning: %s\n", w)
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		fmt.Fprintf(stderr, "zebra submit: %v\n", err)
		return 1
	}
	who := ""
	if u, err := user.Current(); err == nil {
		who = u.Username
	}
	jobName := conf["mapreduce.job.name"]
	if jobName == "" {
		jobName = "zerocloud " + name
	}
	reg := registry(func(k string) string { return conf[k] }, "")
	c, err := zerocloud.Compile(ctx, name, job, zerocloud.Options{Registry: reg, Dir: filepath.Dir(abs), Conf: conf,
		Name: jobName, User: who, Args: append([]string{"submit"}, args...), Logger: quietLogger(), Slots: clusterSlots(ctx, *jt)})
	if errors.Is(err, zerocloud.ErrNoSlots) {
		fmt.Fprintf(stderr, "%v\nzebra submit: 503: the cluster has too few slots for %s; nothing was started\n", err, file)
		return 5
	}
	if err != nil {
		fmt.Fprintf(stderr, "%v\nzebra submit: %s was not submitted; nothing was started\n", err, file)
		return 1
	}
	if err := zerocloud.SetRequest(c.Plan, submitRequest(ctx, reg, *jt)); err != nil {
		fmt.Fprintf(stderr, "zebra submit: %v\n", err)
		return 5
	}
	client, err := api.NewClient(*jt)
	if err != nil {
		fmt.Fprintf(stderr, "zebra submit: %v\n", err)
		return 5
	}
	bundle, err := os.CreateTemp("", "zebra-bundle-*.tar")
	if err != nil {
		fmt.Fprintf(stderr, "zebra submit: %v\n", err)
		return 5
	}
	defer os.Remove(bundle.Name())
	defer bundle.Close()
	if err := zerocloud.WriteBundle(bundle, c.Bundle); err != nil {
		fmt.Fprintf(stderr, "zebra submit: %v\n", err)
		return 5
	}
	if _, err := bundle.Seek(0, io.SeekStart); err != nil {
		fmt.Fprintf(stderr, "zebra submit: %v\n", err)
		return 5
	}
	id, err := client.Submit(ctx, c.Plan, bundle)
	if err != nil {
		var se *api.StatusError
		switch {
		case api.IsStatus(err, http.StatusConflict) && errors.As(err, &se):
			fmt.Fprintf(stderr, "zebra submit: %s\n", se.Message)
		case errors.As(err, &se):
			fmt.Fprintf(stderr, "zebra submit: the jobtracker at %s refused the job: %s\n", client.URL(), se.Message)
		default:
			fmt.Fprintf(stderr, "zebra submit: cannot reach the jobtracker at %s (%v); is it running? `zebra up` starts one\n", client.URL(), err)
		}
		return 5
	}
	fmt.Fprintf(stderr, "zebra submit: job %s: %d %s instance(s)", id, len(c.Plan.Splits), job.Groups[0].Name)
	if c.Plan.Reduces > 0 {
		fmt.Fprintf(stderr, ", %d receiving instance(s)", c.Plan.Reduces)
	}
	if c.Plan.Output == zerocloud.ReplyOutput {
		fmt.Fprintf(stderr, "; its reply is printed when it ends\n")
	} else {
		fmt.Fprintf(stderr, "; output %s\n", strings.Join(outputURIs(c.Plan), ", "))
	}
	fmt.Fprintf(stderr, "zebra submit: the url to track the job: %s/ui/jobs/%s\n", client.URL(), id)
	if *background {
		fmt.Fprintln(stdout, id)
		return 0
	}
	mc := mapreduce.NewConf()
	for k, v := range conf {
		mc.Set(k, v)
	}
	code := streaming.FollowJob(ctx, client, id, mc, stderr, strings.Join(outputURIs(c.Plan), ", "))
	if code == 130 || (code != 0 && c.Plan.Output != zerocloud.ReplyOutput) {
		return code
	}
	return printReply(ctx, client, id, code, stdout, stderr)
}

// printReply prints a finished ZeroCloud job's reply as ZeroCloud's POST
// returned it: the X-Nexe-* headers on stderr, the body on stdout. It
// returns code, or 1 when an instance's app exited non-zero.
func printReply(ctx context.Context, client *api.Client, id string, code int, stdout, stderr io.Writer) int {
	h, body, err := client.GetRaw(ctx, "/api/v1/jobs/"+id+"/zerocloud/reply", zerocloud.MaxReply*64)
	if err != nil {
		fmt.Fprintf(stderr, "zebra submit: job %s: cannot read its reply: %v\n", id, err)
		return max(code, 1)
	}
	for _, k := range zerocloud.ReplyHeaderNames {
		fmt.Fprintf(stderr, "%s: %s\n", k, h.Get(k))
	}
	if e := h.Get("X-Nexe-Error"); e != "" {
		fmt.Fprintf(stderr, "X-Nexe-Error: %s\n", e)
		code = max(code, 1)
	}
	if _, err := stdout.Write(body); err != nil {
		fmt.Fprintf(stderr, "zebra submit: %v\n", err)
		return max(code, 1)
	}
	return code
}

// outputURIs are the objects a plan writes (at most 3 named).
func outputURIs(p *api.Plan) []string {
	var out []string
	for i, f := range p.OutputFiles {
		if i == 3 {
			out = append(out, fmt.Sprintf("and %d more", len(p.OutputFiles)-3))
			break
		}
		out = append(out, strings.TrimSuffix(p.Output, "/")+"/"+f)
	}
	return out
}

// submitRequest is the request a submitted job's instances see in their
// CGI environment: a POST of the job to the account of the cluster's
// Swift (as ZeroCloud's clients posted it), through the jobtracker at jt.
func submitRequest(ctx context.Context, reg *mapreduce.Registry, jt string) *zerocloud.Request {
	account := ""
	if fsys, _, err := reg.Resolve(ctx, "swift://zebra/"); err == nil {
		if sfs, ok := fsys.(*swiftfs.FS); ok {
			account, _ = sfs.Account(ctx)
		}
	}
	r := &http.Request{Method: http.MethodPost, Proto: "HTTP/1.1", URL: &url.URL{}, Header: http.Header{"User-Agent": {"zebra-submit"}}}
	if u, err := url.Parse(jt); err == nil {
		r.Host = u.Host
	}
	return zerocloud.RequestOf(r, "/"+account)
}
