package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"zebra/jobtracker/api"
	"zebra/jobtracker/zerocloud"
	"zebra/mapreduce"
	"zebra/sandbox/native"
	"zebra/swiftfs"
)

// A tenant (a job submitted with a Swift token, api.Plan.Owner set) runs
// on daemons that run as root and hold the operator's credentials. What
// reaches the daemons from such a job is held here:
//
//   - its data moves with the tenant's own token (api.Plan.Swift), never
//     with the daemons' credentials: planRegistry gives a tenant's job only
//     swift://, logged in with that token, and ignores every zebra.swift.*
//     setting the job carries but zebra.locality and a capped
//     zebra.swift.retries;
//   - its limits (tenantMaxima) are at most the operator's maxima:
//     the jobtracker refuses a job over them (web.Config.TenantPlan),
//     and a worker lowers any value over its own maxima before the sandbox
//     is chosen (sandboxes.chooserFor), since a client writes the spec the
//     worker rebuilds the job from.

// tenantMaxima are the operator's maxima of the settings a tenant's job
// may only lower, by setting name (the integer units of that setting).
type tenantMaxima map[string]int64

// defaultStderrLimit is streaming's default zebra.task.stderr.limit.
const defaultStderrLimit = 64 << 20

// defaultSwiftRetries is the most zebra.swift.retries a tenant gets by
// default (swiftfs's default is 5).
const defaultSwiftRetries = 10

// defaultTenantMaxima are the maxima when the operator sets none: the
// native sandbox's defaults, so that a tenant can only lower them.
func defaultTenantMaxima() tenantMaxima {
	d := native.DefaultConfig()
	return tenantMaxima{
		mapreduce.KeySandboxMemoryMB:   d.Memory >> 20,
		mapreduce.KeySandboxProcesses:  int64(d.Processes),
		mapreduce.KeySandboxCPUSeconds: int64(d.CPUTime.Seconds()),
		mapreduce.KeySandboxWallSecs:   int64(d.WallTime.Seconds()),
		mapreduce.KeySandboxFileMB:     d.FileSize >> 20,
		mapreduce.KeySandboxTmpMB:      d.TmpSize >> 20,
		mapreduce.KeyTaskStderrLimit:   defaultStderrLimit,
		mapreduce.KeySwiftRetries:      defaultSwiftRetries,
		keyMapAttempts:                 defaultMaxAttempts,
		keyReduceAttempts:              defaultMaxAttempts,
		mapreduce.KeySortMB:            maxSortMB,
		// Hadoop's defaults: a task's counters are held by its worker
		// and the jobtracker.
		mapreduce.KeyCountersMax:         120,
		mapreduce.KeyCounterGroupsMax:    50,
		mapreduce.KeyCounterNameMax:      64,
		mapreduce.KeyCounterGroupNameMax: 128,
	}
}

// Settings the jobtracker and workers read that a tenant may only lower,
// besides the sandbox's: attempts (a task failing forever would hold a
// slot forever) and the map-side sort buffer (memory of the worker's own
// process, per slot).
const (
	keyMapAttempts     = "mapreduce.map.maxattempts"
	keyReduceAttempts  = "mapreduce.reduce.maxattempts"
	defaultMaxAttempts = 10
	maxSortMB          = 2047 // Hadoop's own bound of mapreduce.task.io.sort.mb
)

// checkPlan is check of a plan's settings and of the attempts the
// jobtracker takes from the plan itself (web.Config.TenantPlan).
func (m tenantMaxima) checkPlan(p *api.Plan) error {
	if err := m.check(p.Conf); err != nil {
		return err
	}
	for _, c := range []struct {
		key string
		n   int
	}{{keyMapAttempts, p.MaxMapAttempts}, {keyReduceAttempts, p.MaxReduceAttempts}} {
		if int64(c.n) > m[c.key] {
			return fmt.Errorf("%s %d is above this cluster's maximum for a job submitted with a Swift token (%d): ask for at most %d (the operator sets the maxima with --tenant-max)", c.key, c.n, m[c.key], m[c.key])
		}
	}
	return nil
}

// parseTenantMaxima reads --tenant-max: comma-separated KEY=N pairs over
// the defaults ("" for the defaults alone).
func parseTenantMaxima(s string) (tenantMaxima, error) {
	m := defaultTenantMaxima()
	for pair := range strings.SplitSeq(s, ",") {
		if pair = strings.TrimSpace(pair); pair == "" {
			continue
		}
		k, v, ok := strings.Cut(pair, "=")
		if _, known := m[k]; !ok || !known {
			return nil, fmt.Errorf("--tenant-max %q: want KEY=N with KEY one of %s", pair, strings.Join(m.keys(), ", "))
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 || (n == 0 && k != mapreduce.KeyTaskStderrLimit) {
			return nil, fmt.Errorf("--tenant-max %s=%s: want a positive integer", k, v)
		}
		m[k] = n
	}
	return m, nil
}

func (m tenantMaxima) keys() []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// String is the maxima as --tenant-max takes them.
func (m tenantMaxima) String() string {
	var b strings.Builder
	for i, k := range m.keys() {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%s=%d", k, m[k])
	}
	return b.String()
}

// check refuses a tenant's job whose settings ask for more than the
// maxima: refused rather than lowered, so
// that the tenant learns at submission why, instead of seeing its tasks
// die of a limit it did not ask for.
func (m tenantMaxima) check(settings map[string]string) error {
	conf := mapreduce.NewConf() // deprecated names (io.sort.mb) count too
	for k, v := range settings {
		conf.Set(k, v)
	}
	for _, k := range m.keys() {
		v, ok := conf.Lookup(k)
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return fmt.Errorf("-D %s=%q is not an integer", k, v)
		}
		if n > m[k] {
			return fmt.Errorf("-D %s=%d is above this cluster's maximum for a job submitted with a Swift token (%d): ask for at most %d (the operator sets the maxima with --tenant-max on the jobtracker and workers)", k, n, m[k], m[k])
		}
	}
	return nil
}

// capConf lowers every setting of conf above the maxima (or not a
// number) to the maximum, returning what it changed.
func (m tenantMaxima) capConf(conf *mapreduce.Conf) []string {
	var changed []string
	for _, k := range m.keys() {
		v, ok := conf.Lookup(k)
		if !ok {
			continue
		}
		if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && n <= m[k] {
			continue
		}
		conf.Set(k, strconv.FormatInt(m[k], 10))
		changed = append(changed, fmt.Sprintf("%s=%s lowered to %d", k, v, m[k]))
	}
	return changed
}

// planRegistry is the registry of the job with plan p on a process beside
// the storage node(s) node: the cluster's own jobs (Owner "") resolve
// paths with the job's settings and the daemon's credentials; a tenant's
// job reaches only swift://, with the tenant's token (p.Swift) and no
// credential of the daemon's.
func planRegistry(p *api.Plan, node string, maxima tenantMaxima) *mapreduce.Registry {
	if p.Owner == "" {
		return registry(func(k string) string { return p.Conf[k] }, node)
	}
	return tenantRegistry(p.Owner, p.Swift, func(k string) string { return p.Conf[k] }, node, maxima)
}

// tenantRegistry is the registry of tenant's jobs: swift:// only, logged in
// with cred; of the job's settings only zebra.locality and
// zebra.swift.retries (capped) are used.
func tenantRegistry(tenant string, cred *api.SwiftCredential, settings func(string) string, node string, maxima tenantMaxima) *mapreduce.Registry {
	reg := &mapreduce.Registry{}
	zerocloud.RegisterReplyStore(reg)
	if cred == nil || cred.StorageURL == "" || cred.Token == "" {
		reg.Register("swift", func(context.Context, *url.URL, string) (mapreduce.FS, string, error) {
			return nil, "", fmt.Errorf("the job of tenant %s carries no Swift token of its own (submitted before this jobtracker kept tenants' tokens?): submit it again", tenant)
		})
		return reg
	}
	cfg := swiftfs.WithToken(swiftfs.Config{LocalNode: node, Logger: quietLogger()}, cred.StorageURL, cred.Token)
	own := cfg.Settings
	cfg.Settings = func(k string) string {
		switch k {
		case mapreduce.KeyLocality:
			return settings(k)
		case mapreduce.KeySwiftRetries:
			v := settings(k)
			if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > maxima[k] {
				return strconv.FormatInt(maxima[k], 10)
			}
			return v
		}
		return own(k)
	}
	swiftfs.Register(reg, cfg)
	return reg
}

// tenantChooser wraps choose for tenant's jobs: the job's limits are first
// lowered to the maxima (logged), then zebra.sandbox=none is refused.
func tenantChooser(tenant string, maxima tenantMaxima, log *slog.Logger, choose func(string, *mapreduce.Conf) (mapreduce.Runner, string, error)) func(string, *mapreduce.Conf) (mapreduce.Runner, string, error) {
	return func(mode string, conf *mapreduce.Conf) (mapreduce.Runner, string, error) {
		if mode == "none" {
			return nil, "", fmt.Errorf("zebra.sandbox=none (plain, unisolated processes) is refused for a job submitted with a Swift token (account %s); only the cluster token's jobs may run unsandboxed", tenant)
		}
		if conf != nil {
			if changed := maxima.capConf(conf); len(changed) > 0 && log != nil {
				log.Warn("tenant's job over this worker's maxima: limits lowered", "tenant", tenant, "changed", changed)
			}
		}
		return choose(mode, conf)
	}
}
