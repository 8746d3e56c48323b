// Command openbench measures run on open against a plain GET of the same
// object, in one run: each round makes a plain GET of the object through
// the Swift proxy, then one /open of it through the jobtracker's gateway
// per app, so that all of them see the same load. Every answer is checked
// (the plain GET and the cat app must return the object's bytes, the other
// apps a 200). It prints a Markdown table of p50 and p99 latencies and the
// open − plain differences.
//
//	openbench -jobtracker URL -storage URL -token TOKEN -object C/O -app NAME=C/APP?PARAMS ... [-n 500] [-warmup 5]
//
// The token is the Swift token of the storage URL's account; the gateway
// gets ACCOUNT:TOKEN (a tenant's credential).
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"slices"
	"strings"
	"time"
)

type appFlag []string

func (a *appFlag) String() string     { return strings.Join(*a, ",") }
func (a *appFlag) Set(v string) error { *a = append(*a, v); return nil }

type target struct {
	name string
	url  string
	cred string
	same bool // the answer must be the object's bytes
	took []time.Duration
}

func main() {
	jt := flag.String("jobtracker", os.Getenv("ZEBRA_JOBTRACKER"), "jobtracker URL")
	storage := flag.String("storage", "", "Swift storage URL of the account (http://host:port/v1/AUTH_x)")
	token := flag.String("token", "", "Swift token of that account")
	object := flag.String("object", "", "CONTAINER/OBJECT to read")
	n := flag.Int("n", 500, "requests per target")
	warmup := flag.Int("warmup", 5, "unmeasured requests per target first (warms the app caches)")
	var apps appFlag
	flag.Var(&apps, "app", "NAME=CONTAINER/APP[&PARAMS]: an app to open the object with; a NAME starting with cat means its answer must be the object (repeatable)")
	flag.Parse()
	if *jt == "" || *storage == "" || *token == "" || *object == "" || len(apps) == 0 || *n < 1 {
		fmt.Fprintln(os.Stderr, "usage: openbench -jobtracker URL -storage URL -token TOKEN -object C/O -app NAME=C/APP ... [-n N]")
		os.Exit(2)
	}
	account := path.Base(strings.TrimRight(*storage, "/"))
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}, Timeout: time.Minute}
	want, err := get(client, *storage+"/"+*object, *token, nil)
	if err != nil {
		fail("read the object: %v", err)
	}
	targets := []*target{{name: "plain GET (Swift proxy)", url: *storage + "/" + *object, cred: *token, same: true}}
	for _, a := range apps {
		name, spec, ok := strings.Cut(a, "=")
		if !ok {
			fail("-app %q: want NAME=CONTAINER/APP", a)
		}
		app, params, _ := strings.Cut(spec, "&")
		u := *jt + "/open/" + *object + "?app=" + app
		if params != "" {
			u += "&" + params
		}
		targets = append(targets, &target{name: "open, " + name, url: u, cred: account + ":" + *token, same: strings.HasPrefix(name, "cat")})
	}
	for round := -*warmup; round < *n; round++ {
		for _, t := range targets {
			start := time.Now()
			var check []byte
			if t.same {
				check = want
			}
			if _, err := get(client, t.url, t.cred, check); err != nil {
				fail("%s: %v", t.name, err)
			}
			if round >= 0 {
				t.took = append(t.took, time.Since(start))
			}
		}
	}
	base := targets[0]
	fmt.Printf("| target | requests | p50 | p99 | p50 − plain | p99 − plain | p50 ratio |\n|---|---|---|---|---|---|---|\n")
	for _, t := range targets {
		p50, p99 := pct(t.took, 50), pct(t.took, 99)
		if t == base {
			fmt.Printf("| %s | %d | %s | %s | — | — | 1 |\n", t.name, len(t.took), ms(p50), ms(p99))
			continue
		}
		b50, b99 := pct(base.took, 50), pct(base.took, 99)
		fmt.Printf("| %s | %d | %s | %s | %s | %s | %.2f |\n", t.name, len(t.took), ms(p50), ms(p99), ms(p50-b50), ms(p99-b99), float64(p50)/float64(b50))
	}
}

// get GETs u with the credential and checks a 200 (and the body, if want
// is not nil).
func get(c *http.Client, u, cred string, want []byte) ([]byte, error) {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("X-Auth-Token", cred)
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", resp.Status, body[:min(len(body), 300)])
	}
	if want != nil && !bytes.Equal(body, want) {
		return nil, fmt.Errorf("answered %d bytes that are not the object's %d", len(body), len(want))
	}
	return body, nil
}

// pct is the p-th percentile (nearest rank).
func pct(d []time.Duration, p int) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	i := (len(s)*p+99)/100 - 1
	return s[max(0, min(i, len(s)-1))]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

func fail(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "openbench: "+format+"\n", a...)
	os.Exit(1)
}
