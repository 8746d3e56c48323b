package web

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"zebra/jobtracker/api"
	"zebra/jobtracker/zerocloud"
	"zebra/mapreduce"
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
//
// A tenant's job moves its data with the tenant's own Swift token
// (api.Plan.Swift), so it may not choose where or as whom the daemons log
// in: every zebra.swift.* setting but zebra.swift.retries is refused, and
// check (the operator's maxima, nil for none) vets the rest. The workers
// enforce the same again (they ignore these settings of a tenant's job and
// cap its limits), since a client also writes the spec they rebuild the
// job from; this check is what answers the tenant at once with a reason.
func confine(plan *api.Plan, tenant string, check func(p *api.Plan) error) error {
	if tenant == "" {
		return nil
	}
	if plan.Conf[mapreduce.KeySandbox] == "none" {
		return fmt.Errorf("-D zebra.sandbox=none (plain, unisolated processes) needs the cluster token; a job submitted with a Swift token always runs sandboxed")
	}
	for _, k := range slices.Sorted(maps.Keys(plan.Conf)) {
		if strings.HasPrefix(k, mapreduce.KeySwiftPrefix) && k != mapreduce.KeySwiftRetries {
			return fmt.Errorf("-D %s: a job submitted with a Swift token moves its data with that token, through the cluster's own Swift; it may not set Swift endpoints or credentials (zebra.swift.*), which need the cluster token", k)
		}
	}
	if check != nil {
		if err := check(plan); err != nil {
			return err
		}
	}
	zc := plan.Kind == zerocloud.Kind
	own := func(what, u string) (string, error) {
		if zc && what == "input" && strings.HasPrefix(u, "zerocloud:") {
			return u, nil // an instance without an object: nothing is read
		}
		if zc && what == "output" && u == zerocloud.ReplyOutput {
			return u, nil // the last group stores nothing: its output is the reply
		}
		if !strings.HasPrefix(strings.ToLower(u), "swift:") {
			return "", fmt.Errorf("%s %s: a job submitted with a Swift token may read and write only swift:// objects of its account %s (other stores need the cluster token)", what, u, tenant)
		}
		acct, name, err := mapreduce.ParseSwiftURL(u)
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

// swiftCredential is the credential a job p submits moves its data with:
// the tenant's own storage URL (under the operator's Swift URL) and token,
// nil for the cluster token.
func (s *Server) swiftCredential(p Principal) *api.SwiftCredential {
	if p.Tenant == "" {
		return nil
	}
	surl, tok := s.tenantSwift(p)
	return &api.SwiftCredential{StorageURL: surl, Token: tok}
}
