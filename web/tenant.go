package web

import (
	"fmt"
	"strings"

	"zebra/jobtracker/api"
	"zebra/swiftfs"
)

// confine checks and completes the plan of a job a tenant submitted: a job
// submitted with a Swift token may read and write only that account's
// objects, since the workers read inputs and write outputs with their own
// credentials and a local path would read the worker's own disk. Every
// input split and the output must be swift:// URLs in the tenant's
// account; one that names no account (swift://container/…, "the
// credentials' own") is made explicit as the tenant's. The cluster
// token's jobs (tenant "") are not confined.
func confine(plan *api.Plan, tenant string) error {
	if tenant == "" {
		return nil
	}
	own := func(what, u string) (string, error) {
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
	plan.Output, err = own("output", plan.Output)
	return err
}
