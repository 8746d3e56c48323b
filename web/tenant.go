package web

import (
	"fmt"
	"strings"

	"zebra/jobtracker/api"
	"zebra/jobtracker/zerocloud"
	"zebra/swiftfs"
)

// confine checks and completes the plan of a job a tenant submitted: a job
// submitted with a Swift token may read and write only that account's
// objects, since the workers read inputs and write outputs with their own
// credentials and a local path would read the worker's own disk. Every
// input split and the output must be swift:// URLs in the tenant's
// account; one that names no account (swift://container/…, "the
// credentials' own") is made explicit as the tenant's. A ZeroCloud plan's
// apps and images are held to the same rule, and its relative paths may
// not leave their directories (zerocloud.Confine). The cluster token's
// jobs (tenant "") are not confined.
func confine(plan *api.Plan, tenant string) error {
	if tenant == "" {
		return nil
	}
	if plan.Conf["zebra.sandbox"] == "none" {
		return fmt.Errorf("-D zebra.sandbox=none (plain, unisolated processes) needs the cluster token; a job submitted with a Swift token always runs sandboxed")
	}
	zc := plan.Kind == zerocloud.Kind
	own := func(what, u string) (string, error) {
		if zc && what == "input" && strings.HasPrefix(u, "zerocloud:") {
			return u, nil // an instance without an object: nothing is read
		}
		if !strings.HasPrefix(strings.ToLower(u), "swift:") {
			return "", fmt.Errorf("%s %s: a job submitted with a Swift token may read and write only swift:// objects of its account %s (other stores need the cluster token)", what, u, tenant)
		}
		acct, name, err := swiftfs.ParseURL(u)
		if err != nil {
			return "", fmt.Errorf("%s %s: %w", what, u, err)
		}
		if acct != "" && acct != tenant {
			return "", fmt.Errorf("%s %s is in the account %s; a job submitted with a Swift token may use only its own account %s", what, u, acct, tenant)
		}
		return "swift://" + tenant + name, nil
	}
	var err error
	for i := range plan.Splits {
		if plan.Splits[i].URI, err = own("input", plan.Splits[i].URI); err != nil {
			return err
		}
	}
	if plan.Output, err = own("output", plan.Output); err != nil {
		return err
	}
	if zc {
		if err := zerocloud.Confine(plan, func(u string) (string, error) { return own("app or image", u) }); err != nil {
			return fmt.Errorf("ZeroCloud plan: %w", err)
		}
	} else if plan.OutputFiles != nil {
		return fmt.Errorf("output files are for ZeroCloud plans only (kind %q)", plan.Kind)
	}
	return nil
}
