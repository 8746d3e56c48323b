package jobtracker

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"zebra/jobtracker/api"
	"zebra/jobtracker/placement"
	"zebra/mapreduce"
)

// Gangs (api.Plan.Gangs) are maps that start together or not at all: the
// instances of a ZeroCloud job whose channels stream between them while
// they run. They are in no queue; assignLocked places each whole across
// the live workers (placement.Place), and the instances find each other's
// channel endpoints through the tracker (PublishChannels,
// LookupChannels), as ZeroCloud's proxy ran a name service for a job's
// nodes.

// maxChannelEndpoints bounds the endpoints a job may hold.
const maxChannelEndpoints = 1 << 20

// gangIndex maps each gang member's map index to its gang.
func gangIndex(gangs [][]int) map[int]int {
	if len(gangs) == 0 {
		return nil
	}
	m := map[int]int{}
	for g, members := range gangs {
		for _, i := range members {
			m[i] = g
		}
	}
	return m
}

// checkGangs checks that the plan's gangs are disjoint sets of its maps.
func checkGangs(p *api.Plan) error {
	seen := map[int]bool{}
	for g, members := range p.Gangs {
		if len(members) == 0 {
			return fmt.Errorf("plan: gang %d is empty", g)
		}
		for _, i := range members {
			if i < 0 || i >= len(p.Splits) {
				return fmt.Errorf("plan: gang %d: map %d out of range 0..%d", g, i, len(p.Splits)-1)
			}
			if seen[i] {
				return fmt.Errorf("plan: map %d is in more than one gang, or twice in one", i)
			}
			seen[i] = true
		}
	}
	return nil
}

// queuedGangs are the job's gangs whose maps are all queued, as placement
// reads them (a gang partly started or done is not placed again).
func (j *job) queuedGangs() []placement.Gang {
	var out []placement.Gang
	for _, members := range j.plan.Gangs {
		g := placement.Gang{}
		for _, i := range members {
			tk := j.maps[i]
			if !tk.queued {
				break
			}
			g.Tasks = append(g.Tasks, placement.Task{Kind: mapreduce.MapTask, Index: i, Hosts: j.plan.Splits[i].Hosts,
				QueuedAt: tk.queuedAt, Avoid: tk.avoid})
		}
		if len(g.Tasks) == len(members) {
			out = append(out, g)
		}
	}
	return out
}

// free is the worker's free map and reduce slots.
func (w *worker) free() (maps, reduces int) {
	maps, reduces = w.reg.MapSlots, w.reg.ReduceSlots
	for _, a := range w.running {
		if a.id.Task.Kind == mapreduce.MapTask {
			maps--
		} else {
			reduces--
		}
	}
	return maps, reduces
}

// gangWorkersLocked adds every other live worker with free slots to v
// (after first, the polling worker, which v holds), by id, and returns
// the workers in v's order.
func (t *Tracker) gangWorkersLocked(v *placement.View, first *worker) []*worker {
	out := []*worker{first}
	var others []*worker
	for _, w := range t.workers {
		if w != first && !w.lost {
			others = append(others, w)
		}
	}
	slices.SortFunc(others, func(a, b *worker) int { return strings.Compare(a.id, b.id) })
	for _, w := range t.workers {
		if !w.lost {
			v.Slots.Maps += w.reg.MapSlots
			v.Slots.Reduces += w.reg.ReduceSlots
		}
	}
	for _, w := range others {
		m, r := w.free()
		if m <= 0 && r <= 0 {
			continue
		}
		out = append(out, w)
		v.Workers = append(v.Workers, placement.Worker{ID: w.id, Nodes: w.nodes, FreeMaps: m, FreeReduces: r})
	}
	return out
}

// PublishChannels records endpoints of job id's channels (see
// api.Channels) and wakes those waiting for them. It fails for a job that
// is unknown or has ended.
func (t *Tracker) PublishChannels(id string, c api.Channels) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	j := t.jobs[id]
	if j == nil || j.ended() {
		return fmt.Errorf("no running job %s", id)
	}
	if len(j.plan.Gangs) == 0 {
		return fmt.Errorf("job %s has no streaming channels", id)
	}
	if j.channels == nil {
		j.channels = map[string]string{}
	}
	if len(j.channels)+len(c.Endpoints) > maxChannelEndpoints {
		return fmt.Errorf("job %s: more than %d channel endpoints", id, maxChannelEndpoints)
	}
	for k, e := range c.Endpoints {
		j.channels[k] = e
	}
	t.changed(nil)
	return nil
}

// LookupChannels returns the endpoints of job id's channels named in want
// that are known, waiting up to wait for all of them; ok is false for a
// job that is unknown or has ended.
func (t *Tracker) LookupChannels(ctx context.Context, id string, want []string, wait time.Duration) (api.Channels, bool) {
	t.await(ctx, wait, false, func() bool {
		j := t.jobs[id]
		if j == nil || j.ended() {
			return true
		}
		for _, k := range want {
			if _, ok := j.channels[k]; !ok {
				return false
			}
		}
		return true
	})
	t.mu.Lock()
	defer t.mu.Unlock()
	j := t.jobs[id]
	if j == nil || j.ended() {
		return api.Channels{}, false
	}
	out := api.Channels{Endpoints: map[string]string{}}
	for _, k := range want {
		if e, ok := j.channels[k]; ok {
			out.Endpoints[k] = e
		}
	}
	return out, true
}
