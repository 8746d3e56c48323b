package main

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"

	"zebra/jobtracker/api"
	"zebra/jobtracker/placement"
	"zebra/jobtracker/shuffle"
	"zebra/jobtracker/zerocloud"
	"zebra/mapreduce"
	"zebra/sandbox"
	"zebra/swiftfs"
)

// zerocloudJob is a worker's Build for plans of kind zerocloud: the job's
// apps run in the sandbox its zebra.sandbox setting picks, as streaming
// programs do.
func zerocloudJob(ctx context.Context, p *api.Plan, id mapreduce.JobID, dir string, reg *mapreduce.Registry,
	choose func(string, *mapreduce.Conf) (mapreduce.Runner, string, error), allow []string, ch channelEnv, log *slog.Logger) (*mapreduce.Job, error) {
	runner := func(conf *mapreduce.Conf) (mapreduce.Runner, error) {
		r, note, err := choose(conf.Get(mapreduce.KeySandbox, ""), conf)
		if note != "" {
			log.Warn(note, "job", id.String())
		}
		return r, err
	}
	// The worker's own PATH is not the tasks': see sandbox.ClusterEnviron.
	path := sandbox.ClusterPath(allow)
	return zerocloud.ClusterJob(ctx, p, id, dir, zerocloud.Env{Registry: reg, Runner: runner, Path: path, Logger: log,
		Channels: ch.rendezvous, ChannelListen: ch.listen, ChannelHost: ch.host, ChannelKey: ch.key,
		Object: func(ctx context.Context, uri string) (*zerocloud.LocalObject, error) {
			return localObject(ctx, reg, uri)
		}})
}

// channelEnv is how a worker streams the channels of ZeroCloud jobs run
// as graphs: receivers bind on the host of its shuffle endpoint (listen),
// others reach a wildcard-bound one at host, endpoints are exchanged
// through the jobtracker, CURVE with the shuffle's key.
type channelEnv struct {
	rendezvous   zerocloud.Rendezvous
	listen, host string
	key          *shuffle.Curve
}

// newChannelEnv is the channelEnv of a worker whose shuffle listens at
// shuffleAt ("tcp://HOST:PORT") and whose jobtracker client is c.
func newChannelEnv(c *api.Client, shuffleAt, host string, key *shuffle.Curve) channelEnv {
	bind := "127.0.0.1"
	if u, err := url.Parse(shuffleAt); err == nil && u.Scheme == "tcp" {
		if h, _, err := net.SplitHostPort(u.Host); err == nil {
			bind = h
		}
	}
	return channelEnv{rendezvous: trackerRendezvous{c}, listen: "tcp://" + net.JoinHostPort(bind, "*"), host: host, key: key}
}

// trackerRendezvous exchanges channel endpoints through the jobtracker.
type trackerRendezvous struct{ c *api.Client }

func (r trackerRendezvous) Publish(ctx context.Context, job string, endpoints map[string]string) error {
	return r.c.PublishChannels(ctx, job, endpoints)
}

func (r trackerRendezvous) Lookup(ctx context.Context, job string, keys []string) (map[string]string, error) {
	return r.c.LookupChannels(ctx, job, keys)
}

// clusterSlots are the slots of the jobtracker's live workers, for the
// client-side check of a ZeroCloud graph's gangs (nil if they cannot be
// read: the jobtracker then queues the job).
func clusterSlots(ctx context.Context, jt string) *placement.Capacity {
	c, err := api.NewClient(jt)
	if err != nil {
		return nil
	}
	var ws []struct {
		MapSlots    int `json:"map_slots"`
		ReduceSlots int `json:"reduce_slots"`
	}
	if err := c.Do(ctx, http.MethodGet, "/api/v1/cluster/workers", nil, &ws); err != nil {
		return nil
	}
	var slots placement.Capacity
	for _, w := range ws {
		slots.Maps += w.MapSlots
		slots.Reduces += w.ReduceSlots
	}
	return &slots
}

// localObject describes a Swift object for an instance's LOCAL_*
// variables; objects of other stores are described by their size only.
func localObject(ctx context.Context, reg *mapreduce.Registry, uri string) (*zerocloud.LocalObject, error) {
	fsys, name, err := reg.Resolve(ctx, uri)
	if err != nil {
		return nil, err
	}
	sfs, ok := fsys.(*swiftfs.FS)
	if !ok {
		fi, err := fsys.Stat(ctx, name)
		if err != nil {
			return nil, err
		}
		return &zerocloud.LocalObject{PathInfo: name, Size: fi.Size}, nil
	}
	info, err := sfs.Head(ctx, name)
	if err != nil {
		return nil, err
	}
	account, err := sfs.Account(ctx)
	if err != nil {
		return nil, err
	}
	return &zerocloud.LocalObject{PathInfo: "/" + account + info.Name, Size: info.Size, ContentType: info.ContentType,
		ETag: strings.Trim(info.ETag, `"`), Timestamp: info.Timestamp, Meta: info.Meta}, nil
}

// zerocloudCompiler compiles job descriptions posted to the jobtracker's
// /api/v1/zerocloud: with the jobtracker's own Swift credentials, ~ the
// tenant's account. Such a job has no bundle: its apps are swift://
// objects or system programs. slots are the cluster's slots now, against
// which a job's gang is checked (ZeroCloud's 503).
func zerocloudCompiler(maxima tenantMaxima, slots func() placement.Capacity) func(ctx context.Context, body []byte, tenant string, cred *api.SwiftCredential) (*api.Plan, error) {
	return func(ctx context.Context, body []byte, tenant string, cred *api.SwiftCredential) (*api.Plan, error) {
		job, err := zerocloud.Parse("job.json", body)
		if err != nil {
			return nil, err
		}
		reg := registry(nil, "")
		if tenant != "" {
			// A tenant's objects are listed with its own token.
			reg = tenantRegistry(tenant, cred, func(string) string { return "" }, "", maxima)
		}
		// A tenant's job may touch only its own account (the cluster
		// token's, tenant "", any).
		have := slots()
		c, err := zerocloud.Compile(ctx, "job.json", job, zerocloud.Options{Registry: reg, Account: tenant, OwnAccountOnly: tenant != "", Slots: &have,
			Name: "zerocloud job.json", Args: []string{"POST /api/v1/zerocloud"}, Logger: quietLogger()})
		if err != nil {
			return nil, err
		}
		return c.Plan, nil
	}
}
