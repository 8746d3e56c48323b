package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"zebra/jobtracker/api"
	"zebra/web"
)

// uiCommand is `zebra ui`: it prints a new one-click login link of the
// cluster's web UI on stdout. The link carries a one-time code that stands
// for the caller's token for web.LoginCodeTTL and one login only (see
// web/logincode.go); the token itself is never put in a URL.
//
// The jobtracker is -jt URL or $ZEBRA_JOBTRACKER; the token $ZEBRA_TOKEN,
// else the token of the cluster `zebra up` started in --state DIR
// ($ZEBRA_CLUSTER).
func uiCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("zebra ui", flag.ContinueOnError)
	fl.SetOutput(stderr)
	jt := fl.String("jt", os.Getenv("ZEBRA_JOBTRACKER"), "the jobtracker's URL (default $ZEBRA_JOBTRACKER)")
	state := fl.String("state", os.Getenv("ZEBRA_CLUSTER"), "the state directory of a cluster `zebra up` started, for its token when $ZEBRA_TOKEN is unset")
	if err := fl.Parse(args); err != nil {
		return 2
	}
	if fl.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: zebra ui [-jt URL] [-state DIR]")
		return 2
	}
	token := os.Getenv("ZEBRA_TOKEN")
	dir := clusterDir(*state)
	if token == "" {
		if tok, err := readToken(filepath.Join(dir, "token")); err == nil {
			token = tok
		}
	}
	if *jt == "" {
		if st, err := readClusterState(dir); err == nil {
			for _, e := range st.Exports {
				if v, ok := strings.CutPrefix(e, "export ZEBRA_JOBTRACKER="); ok {
					*jt = v
				}
			}
		}
	}
	if *jt == "" {
		fmt.Fprintln(stderr, "zebra ui: no jobtracker: set ZEBRA_JOBTRACKER (`eval \"$(zebra up --no-swift)\"` starts a cluster) or pass -jt URL")
		return 2
	}
	if token == "" {
		fmt.Fprintln(stderr, "zebra ui: no token: set ZEBRA_TOKEN (the cluster token `zebra up` prints, or ACCOUNT:SWIFT_TOKEN)")
		return 2
	}
	c, err := api.NewClient(*jt)
	if err != nil {
		fmt.Fprintln(stderr, "zebra ui:", err)
		return 2
	}
	c.Token = token
	link, expires, err := loginLink(ctx, c)
	if err != nil {
		fmt.Fprintln(stderr, "zebra ui:", err)
		return 1
	}
	fmt.Fprintf(stderr, "zebra ui: a one-time login link, valid until %s (one login; `zebra ui` prints another):\n", expires.Local().Format(time.TimeOnly))
	fmt.Fprintln(stdout, link)
	return 0
}

// loginLink asks the jobtracker for a one-time login code for c's token
// and returns the login link and when it expires.
func loginLink(ctx context.Context, c *api.Client) (string, time.Time, error) {
	var lc web.LoginCode
	if err := c.Do(ctx, "POST", "/api/v1/login-codes", nil, &lc); err != nil {
		if api.IsStatus(err, 401) {
			return "", time.Time{}, fmt.Errorf("the jobtracker at %s rejected the token (of another cluster, or an expired Swift token?): %w", c.URL(), err)
		}
		return "", time.Time{}, fmt.Errorf("ask for a login code: %w", err)
	}
	if !strings.HasPrefix(lc.Path, "/ui/login?code=") {
		return "", time.Time{}, errors.New("ask for a login code: the jobtracker answered no login path")
	}
	return strings.TrimRight(c.URL(), "/") + lc.Path, lc.Expires, nil
}

// checkPublicRead refuses public read-only views on a cluster that takes
// Swift tenants: anonymous readers would see every tenant's jobs, their
// configuration and command lines (redacted, but still the tenants'), and
// tenants each other's. Public reading is for a single-tenant cluster
// (only the cluster token submits) on a trusted network.
func checkPublicRead(publicRead bool, swiftAuth string) error {
	if publicRead && swiftAuth != "" {
		return errors.New("--public-read is only for a cluster without Swift tenants (it would show every tenant's jobs to anyone): " +
			"drop --public-read, or run a single-tenant cluster (zebra up --no-swift; zebra jobtracker without --swift-auth and $ZEBRA_SWIFT_AUTH)")
	}
	return nil
}

// printLoginLink prints the web UI's one-time login link on stderr (or,
// when the jobtracker gives no code, where to log in with the token).
func printLoginLink(ctx context.Context, c *api.Client) {
	link, _, err := loginLink(ctx, c)
	if err != nil {
		fmt.Fprintf(os.Stderr, "zebra up: web UI %s/ui/ (log in with $ZEBRA_TOKEN; no login link: %v)\n", c.URL(), err)
		return
	}
	fmt.Fprintf(os.Stderr, "zebra up: web UI: open %s (a one-time login link, valid %s; `zebra ui` prints another)\n", link, web.LoginCodeTTL)
}
