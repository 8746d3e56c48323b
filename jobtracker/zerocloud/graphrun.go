package zerocloud

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"zebra/jobtracker/zerocloud/channel"
	"zebra/mapreduce"
)

// A job run as a graph (Spec.Graph) has one map per instance, groups in
// file order; the maps of each connected set of instances are a gang
// (api.Plan.Gangs), started together by the jobtracker. Each instance's
// channels are FIFOs at /dev/in/<src> and /dev/out/<dst>, pumped by its
// worker over ZeroMQ (package channel) while the apps run: the receiving
// side listens and publishes its endpoint through the jobtracker
// (Rendezvous), the sending side looks its peers' endpoints up and
// connects.

// Rendezvous is where a job's instances publish where they receive each
// channel and find where to send theirs: keys are "src>dst" instance
// names.
type Rendezvous interface {
	Publish(ctx context.Context, job string, endpoints map[string]string) error
	// Lookup waits until every key is known.
	Lookup(ctx context.Context, job string, keys []string) (map[string]string, error)
}

// channelKey names the channel from src to dst for the Rendezvous.
func channelKey(src, dst string) string { return src + ">" + dst }

// graphOutputs are the output file names of a graph's maps (instance
// after instance; "" for one that stores nothing) and the attributes of
// the groups that store (Compile makes them agree).
func graphOutputs(spec *Spec) ([]string, mapreduce.Attrs) {
	var names []string
	var attrs mapreduce.Attrs
	for _, st := range spec.Stages {
		for i := range st.Instances {
			n := ""
			if st.Output != "" && i < len(st.Outputs) {
				n = st.Outputs[i]
				attrs = mapreduce.Attrs{ContentType: st.OutputType, Meta: st.OutputMeta}
			}
			names = append(names, n)
		}
	}
	return names, attrs
}

// instanceOf is the stage and instance of a graph's map.
func (rt *runtime) instanceOf(m int) (k, i int, ok bool) {
	for k, st := range rt.spec.Stages {
		if m < len(st.Instances) {
			return k, m, true
		}
		m -= len(st.Instances)
	}
	return 0, 0, false
}

// graphInstance runs the instance of a graph that map t.Partition is: its
// input as a first group's, its channels streamed, its output emitted.
func (rt *runtime) graphInstance(ctx context.Context, t *mapreduce.TaskContext, in mapreduce.RecordReader, out mapreduce.Collector) error {
	k, i, ok := rt.instanceOf(t.Partition)
	if !ok {
		return mapreduce.E("run instance", mapreduce.Invalid, t.Attempt.String(), fmt.Errorf("map %d: the job has fewer instances", t.Partition))
	}
	st := &rt.spec.Stages[k]
	name := st.Instances[i]
	b, err := rt.prepare(t, k, i)
	if err != nil {
		return err
	}
	if st.Input != "" {
		if err := b.writeInput(st.Input, in); err != nil {
			return err
		}
	}
	var ins, outs []string
	for _, ch := range rt.spec.Graph.Channels {
		if ch[1] == name {
			ins = append(ins, ch[0])
		}
		if ch[0] == name {
			outs = append(outs, ch[1])
		}
	}
	inDir, outDir := filepath.Join(b.dev, "in"), filepath.Join(b.dev, "out")
	for _, d := range []struct {
		dir   string
		peers []string
		guest string
		write bool
	}{{inDir, ins, "/dev/in", false}, {outDir, outs, "/dev/out", true}} {
		if len(d.peers) == 0 {
			continue
		}
		if err := os.MkdirAll(d.dir, 0o755); err != nil {
			return mapreduce.E("make channels", mapreduce.Infra, d.dir, err)
		}
		for _, p := range d.peers {
			if err := channel.MakeFIFO(filepath.Join(d.dir, p)); err != nil {
				return mapreduce.E("make channels", mapreduce.Infra, d.dir, err)
			}
		}
		b.mounts = append(b.mounts, mapreduce.Mount{Host: d.dir, Guest: d.guest, Writable: d.write})
	}
	if len(ins)+len(outs) > 0 && rt.env.Channels == nil {
		return mapreduce.E("make channels", mapreduce.Invalid, name, errors.New("this worker cannot stream channels (no rendezvous)"))
	}
	job := t.Attempt.Task.Job.String()
	recv := map[string]*channel.Receiver{}
	defer func() {
		for _, r := range recv {
			r.Close()
		}
	}()
	pub := map[string]string{}
	for _, src := range ins {
		r, err := channel.Listen(rt.env.ChannelListen, rt.env.ChannelKey, rt.senders())
		if err != nil {
			return mapreduce.E("listen for channels", mapreduce.Infra, name, err)
		}
		recv[src] = r
		pub[channelKey(src, name)] = reachable(r.Endpoint(), rt.env.ChannelHost)
	}
	if len(pub) > 0 {
		if err := rt.env.Channels.Publish(ctx, job, pub); err != nil {
			return mapreduce.E("publish channels", mapreduce.Infra, name, err)
		}
	}
	var eps map[string]string
	if len(outs) > 0 {
		keys := make([]string, len(outs))
		for j, dst := range outs {
			keys[j] = channelKey(name, dst)
		}
		if eps, err = rt.env.Channels.Lookup(ctx, job, keys); err != nil {
			return mapreduce.E("find channels", mapreduce.Infra, name, err)
		}
	}
	fmt.Fprintf(t.Stderr, "zerocloud: instance %s: %d channels in, %d out, streamed\n", name, len(ins), len(outs))
	appDone := make(chan struct{})
	chCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	fail := func(err error) {
		if err != nil {
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
		}
	}
	for _, src := range ins {
		r := recv[src]
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := r.ReceiveFIFO(chCtx, filepath.Join(inDir, src), appDone)
			fail(err)
		}()
	}
	for _, dst := range outs {
		ep := eps[channelKey(name, dst)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := channel.SendFIFO(chCtx, filepath.Join(outDir, dst), appDone, ep, rt.env.ChannelKey, rt.serverKey())
			fail(err)
		}()
	}
	runErr := rt.run(ctx, t, st, k, i, b)
	close(appDone)
	if runErr != nil {
		cancel()
	}
	wg.Wait()
	if runErr != nil {
		return runErr
	}
	if err := errors.Join(errs...); err != nil {
		return mapreduce.E("stream channels", mapreduce.Infra, name, err)
	}
	return b.emitOutput(t, st, i, out)
}

// senders are the public keys a receiver admits: the cluster's.
func (rt *runtime) senders() []string {
	if rt.env.ChannelKey == nil {
		return nil
	}
	return []string{rt.env.ChannelKey.Public}
}

func (rt *runtime) serverKey() string {
	if rt.env.ChannelKey == nil {
		return ""
	}
	return rt.env.ChannelKey.Public
}

// reachable is endpoint (tcp://host:port) with a wildcard host (a
// receiver bound on every interface) replaced by host.
func reachable(endpoint, host string) string {
	u, err := url.Parse(endpoint)
	if err != nil || host == "" {
		return endpoint
	}
	h, port, err := net.SplitHostPort(u.Host)
	if err != nil {
		return endpoint
	}
	if ip := net.ParseIP(strings.Trim(h, "[]")); h == "*" || (ip != nil && ip.IsUnspecified()) {
		u.Host = net.JoinHostPort(host, port)
		return u.String()
	}
	return endpoint
}
