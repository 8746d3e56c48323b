package zerocloud

import (
	"slices"

	"zebra/jobtracker/placement"
)

// Graph is a job's instances and the channels between them, as ZeroCloud
// connected them (Servlets.md): a group A with "connect": ["B"] gives
// every instance of A a channel to every instance of B (A's device
// /dev/out/<B instance>, B's /dev/in/<A instance>); a group connected to
// itself gives each of its instances a channel to every sibling, none to
// itself.
//
// The channels of a connected component that holds a cycle (a group
// connected to itself, groups connected both ways or round a loop) must
// stream while the instances run, and all of its instances must run at
// the same time (a gang, see jobtracker/placement): an instance may wait
// for an answer from the peer it writes to. The channels of an acyclic
// component may be delivered as files when their writer exits (zebra's
// map -> reduce runtime does so).
type Graph struct {
	// Groups are the job's groups in file order, with their instances.
	Groups []GraphGroup
	// Channels are every channel, in order of their writer's group, the
	// writer, its connect list, the reader.
	Channels []Channel
	// Components are the weakly connected components, as group indices in
	// file order, components ordered by their first group.
	Components []Component
}

// GraphGroup is one group of a Graph.
type GraphGroup struct {
	Name      string
	Instances []string
}

// Channel is one channel from the instance From (of group FromGroup) to
// the instance To (of group ToGroup).
type Channel struct {
	From, To           string
	FromGroup, ToGroup int
}

// Component is a set of groups linked by connect edges (in either
// direction).
type Component struct {
	Groups []int
	// Cyclic is set when the connect edges within it form a cycle: then
	// its instances are one gang and its channels stream.
	Cyclic bool
	// Linked is set when it has channels: run as a graph, its instances
	// are then one gang.
	Linked bool
	// Instances is how many instances its groups have in all.
	Instances int
}

// MaxChannels bounds the channels of a job (a group of n instances
// connected to itself has n*(n-1)).
const MaxChannels = 100000

// channelCount is how many channels BuildGraph would make, without making
// them.
func channelCount(job *Job, counts []int) int64 {
	index := map[string]int{}
	for i, g := range job.Groups {
		index[g.Name] = i
	}
	var n int64
	for a, g := range job.Groups {
		for _, name := range g.Connect {
			b, ok := index[name]
			if !ok {
				continue
			}
			ca, cb := int64(max(counts[a], 1)), int64(max(counts[b], 1))
			if a == b {
				n += ca * (ca - 1)
			} else {
				n += ca * cb
			}
		}
	}
	return n
}

// BuildGraph is the graph of a validated job whose group i has counts[i]
// instances (as Compile counts them: a wildcard's matches, else count).
func BuildGraph(job *Job, counts []int) Graph {
	var g Graph
	index := map[string]int{}
	for i, gr := range job.Groups {
		index[gr.Name] = i
		g.Groups = append(g.Groups, GraphGroup{Name: gr.Name, Instances: instanceNames(gr.Name, max(counts[i], 1))})
	}
	// Undirected links for the components, directed ones for the cycles.
	parent := make([]int, len(job.Groups))
	for i := range parent {
		parent[i] = i
	}
	find := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	succ := make([][]int, len(job.Groups))
	selfLoop := make([]bool, len(job.Groups))
	for a, gr := range job.Groups {
		for _, name := range gr.Connect {
			b, ok := index[name]
			if !ok {
				continue // Validate reports it
			}
			succ[a] = append(succ[a], b)
			if a == b {
				selfLoop[a] = len(g.Groups[a].Instances) > 1
			}
			parent[find(a)] = find(b)
			for _, from := range g.Groups[a].Instances {
				for _, to := range g.Groups[b].Instances {
					if from != to {
						g.Channels = append(g.Channels, Channel{From: from, To: to, FromGroup: a, ToGroup: b})
					}
				}
			}
		}
	}
	inCycle := groupsInCycles(succ)
	byRoot := map[int]int{}
	for i := range job.Groups {
		r := find(i)
		k, ok := byRoot[r]
		if !ok {
			k = len(g.Components)
			byRoot[r] = k
			g.Components = append(g.Components, Component{})
		}
		c := &g.Components[k]
		c.Groups = append(c.Groups, i)
		c.Instances += len(g.Groups[i].Instances)
		c.Cyclic = c.Cyclic || selfLoop[i] || inCycle[i]
	}
	for _, ch := range g.Channels {
		g.Components[byRoot[find(ch.FromGroup)]].Linked = true
	}
	return g
}

// groupsInCycles marks the groups on a directed cycle of two or more
// groups (Tarjan's strongly connected components of more than one).
func groupsInCycles(succ [][]int) []bool {
	n := len(succ)
	idx, low := make([]int, n), make([]int, n)
	onStack, out := make([]bool, n), make([]bool, n)
	for i := range idx {
		idx[i] = -1
	}
	var stack []int
	next := 0
	var strong func(v int)
	strong = func(v int) {
		idx[v], low[v] = next, next
		next++
		stack = append(stack, v)
		onStack[v] = true
		for _, w := range succ[v] {
			if idx[w] < 0 {
				strong(w)
				low[v] = min(low[v], low[w])
			} else if onStack[w] {
				low[v] = min(low[v], idx[w])
			}
		}
		if low[v] != idx[v] {
			return
		}
		k := slices.Index(stack, v)
		scc := stack[k:]
		stack = stack[:k]
		for _, w := range scc {
			onStack[w] = false
			out[w] = len(scc) > 1
		}
	}
	for v := range n {
		if idx[v] < 0 {
			strong(v)
		}
	}
	return out
}

// Gangs are the slots each cyclic component needs at once (every
// instance takes a map slot), in component order.
func (g Graph) Gangs() []placement.Capacity {
	var out []placement.Capacity
	for _, c := range g.Components {
		if c.Cyclic {
			out = append(out, placement.Capacity{Maps: c.Instances})
		}
	}
	return out
}

// Streams reports whether the channel ch must stream (its groups are in a
// cyclic component) rather than be delivered as a file.
func (g Graph) Streams(ch Channel) bool {
	for _, c := range g.Components {
		if slices.Contains(c.Groups, ch.FromGroup) {
			return c.Cyclic
		}
	}
	return false
}

// Outs and Ins are the devices of instance name: /dev/out/<peer> for each
// channel it writes, /dev/in/<peer> for each it reads, peers in channel
// order.
func (g Graph) Outs(name string) []string {
	var out []string
	for _, ch := range g.Channels {
		if ch.From == name {
			out = append(out, ch.To)
		}
	}
	return out
}

// Ins: see Outs.
func (g Graph) Ins(name string) []string {
	var in []string
	for _, ch := range g.Channels {
		if ch.To == name {
			in = append(in, ch.From)
		}
	}
	return in
}
