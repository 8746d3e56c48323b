package placement

import (
	"slices"

	"zebra/mapreduce"
)

// Gang placement: the instances of a ZeroCloud job whose channels form a
// cycle (a group connected to itself, groups connected both ways) talk to
// each other while they run, so they must all run at the same time: if one
// started and waited for a slot held by another job, it would wait on its
// peers forever. Such a set of tasks is a gang, and it is placed all or
// nothing:
//
//   - gangs are placed before single tasks, jobs in submission order, each
//     job's gangs in order;
//   - a gang is placed only if every one of its tasks gets a free slot of
//     its kind in this call (View.Workers must then be every live worker
//     with free slots, not only the one that polls); each task goes to a
//     worker beside a replica of its split if one has a free slot, else to
//     the first worker with one, never to a worker it avoids (Task.Avoid,
//     unless it failed on as many workers as are live);
//   - a gang that does not fit waits, whole: nothing of it starts, and
//     from its job on (its own later tasks, later jobs) no task is given a
//     slot of a kind the gang needs, so that slots drain to it as running
//     tasks end and it cannot be starved by smaller work behind it. Jobs
//     before it go on. Since a waiting gang holds no slot, two gangs never
//     wait on each other: the first in order starts once enough slots are
//     free, the next after it;
//   - a gang that could never fit (more tasks of a kind than the cluster
//     has slots of that kind, View.Slots) should be refused when it is
//     submitted (GangFits), as ZeroCloud answered 503; if one is queued
//     anyway (the cluster shrank, or the check was not made) it waits
//     without holding slots, so the jobs behind it go on.

// Gang is a set of queued tasks of one job that start together or not at
// all.
type Gang struct {
	Tasks []Task
}

// Capacity is the slots of a cluster, or what a gang needs.
type Capacity struct {
	Maps, Reduces int
}

// Needs is how many slots of each kind the gang takes.
func (g Gang) Needs() Capacity {
	var c Capacity
	for _, t := range g.Tasks {
		if t.Kind == mapreduce.ReduceTask {
			c.Reduces++
		} else {
			c.Maps++
		}
	}
	return c
}

// GangFits reports whether a gang needing need can ever be placed on a
// cluster whose workers have slots in all (when nothing else runs).
func GangFits(need, slots Capacity) bool {
	return need.Maps <= slots.Maps && need.Reduces <= slots.Reduces
}

// gangResult is what the gang pass leaves for single tasks: each worker's
// free slots (maps, reduces) after the gangs placed, and the first job
// index from which map and reduce slots are held for a waiting gang
// (len(View.Jobs): none held).
type gangResult struct {
	out                   []Assignment
	free                  [][2]int
	holdMaps, holdReduces int
}

// placeGangs places the gangs of v's jobs, all or nothing, in order.
func placeGangs(v *View) gangResult {
	g := gangResult{free: make([][2]int, len(v.Workers)), holdMaps: len(v.Jobs), holdReduces: len(v.Jobs)}
	for wi, w := range v.Workers {
		g.free[wi] = [2]int{w.FreeMaps, w.FreeReduces}
	}
	for ji := range v.Jobs {
		for _, gang := range v.Jobs[ji].Gangs {
			need := gang.Needs()
			if (need.Maps > 0 && ji >= g.holdMaps) || (need.Reduces > 0 && ji >= g.holdReduces) {
				continue // an earlier gang waits for slots of a kind this one needs
			}
			as, free, ok := fitGang(v, ji, gang, g.free)
			if ok {
				g.out = append(g.out, as...)
				g.free = free
				continue
			}
			if v.Slots != (Capacity{}) && !GangFits(need, v.Slots) {
				continue // it could never start: holding slots for it would stall the jobs behind it
			}
			if need.Maps > 0 {
				g.holdMaps = min(g.holdMaps, ji)
			}
			if need.Reduces > 0 {
				g.holdReduces = min(g.holdReduces, ji)
			}
		}
	}
	return g
}

// fitGang tries to give every task of gang a slot out of free; it returns
// the assignments and the slots left, or ok false (free unchanged).
func fitGang(v *View, ji int, gang Gang, free [][2]int) (as []Assignment, left [][2]int, ok bool) {
	left = slices.Clone(free)
	for _, t := range gang.Tasks {
		kind := 0
		if t.Kind == mapreduce.ReduceTask {
			kind = 1
		}
		usable := func(wi int) bool {
			w := &v.Workers[wi]
			return left[wi][kind] > 0 && (!t.Avoid[w.ID] || len(t.Avoid) >= v.Live)
		}
		beside := func(wi int) bool {
			return slices.ContainsFunc(t.Hosts, func(h string) bool { return slices.Contains(v.Workers[wi].Nodes, h) })
		}
		pick := -1
		for wi := range v.Workers {
			if usable(wi) && beside(wi) {
				pick = wi
				break
			}
		}
		for wi := 0; pick < 0 && wi < len(v.Workers); wi++ {
			if usable(wi) {
				pick = wi
			}
		}
		if pick < 0 {
			return nil, free, false
		}
		left[pick][kind]--
		as = append(as, Assignment{Worker: pick, Job: ji, Kind: t.Kind, Index: t.Index, DataLocal: beside(pick)})
	}
	return as, left, true
}
