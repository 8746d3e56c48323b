package jobtracker

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"zebra/jobtracker/api"
	"zebra/jobtracker/placement"
)

// This file holds worker sessions: registration, the long poll, and
// declaring silent workers lost.

type worker struct {
	id       string
	reg      api.Registration
	lastSeen time.Time
	polling  int
	running  map[string]*attempt
	lost     bool
	nodes    []string // the storage nodes it sits beside (reg.Node split)
	// pending are attempts started for it while another worker polled
	// (a gang's), handed to it at its next poll.
	pending []api.Assignment
}

// beside reports whether the worker sits beside storage node h.
func (w *worker) beside(h string) bool { return slices.Contains(w.nodes, h) }

// besideAny reports whether the worker sits beside one of hosts.
func (w *worker) besideAny(hosts []string) bool {
	return slices.ContainsFunc(hosts, w.beside)
}

// Register adds a worker.
func (t *Tracker) Register(r api.Registration) (api.Registered, error) {
	if r.Protocol != api.ProtocolVersion {
		return api.Registered{}, fmt.Errorf("worker %q speaks worker protocol version %d, this jobtracker speaks version %d: "+
			"run the same zebra version on the jobtracker and every worker (zebra version prints it)", r.Name, r.Protocol, api.ProtocolVersion)
	}
	if r.MapSlots < 0 || r.ReduceSlots < 0 || r.MapSlots+r.ReduceSlots == 0 || r.MapSlots > 1024 || r.ReduceSlots > 1024 {
		return api.Registered{}, fmt.Errorf("worker %q: slots map=%d reduce=%d: want 0..1024 each, not both 0", r.Name, r.MapSlots, r.ReduceSlots)
	}
	if r.Shuffle == "" {
		return api.Registered{}, fmt.Errorf("worker %q: no shuffle endpoint", r.Name)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.workerN++
	w := &worker{id: fmt.Sprintf("w%d-%d", t.epoch, t.workerN), reg: r, lastSeen: time.Now(), running: map[string]*attempt{}}
	if w.reg.Node == "" {
		w.reg.Node = w.reg.Name
	}
	for _, n := range strings.Split(w.reg.Node, ",") {
		if n = strings.TrimSpace(n); n != "" {
			w.nodes = append(w.nodes, n)
		}
	}
	t.workers[w.id] = w
	t.recoverLocked(w)
	t.log.Info("worker registered", "worker", w.id, "name", r.Name, "node", r.Node, "map_slots", r.MapSlots, "reduce_slots", r.ReduceSlots)
	t.changed(nil)
	return api.Registered{ID: w.id, PollWait: t.cfg.PollWait, Expiry: t.cfg.Expiry}, nil
}

// ErrUnknownWorker is returned for a poll of a worker the tracker does not
// know (lost, or registered with an earlier tracker): it must register.
var ErrUnknownWorker = errors.New("unknown worker: register again")

// Poll is a worker's long poll: it returns at once with attempts to kill
// or jobs to forget, or when it has work for the worker's free slots, or
// after PollWait with nothing. Every section that holds mu releases it
// through a defer of its own, so a panic under mu fails this poll only
// (the HTTP handler answers 500) and leaves the tracker usable.
func (t *Tracker) Poll(ctx context.Context, id string, p api.Poll) (api.PollReply, error) {
	deadline := time.NewTimer(t.cfg.PollWait)
	defer deadline.Stop()
	w, reply, next, err := t.pollBegin(id, p)
	if err != nil {
		return api.PollReply{}, err
	}
	defer func() { t.pollEnd(w, next) }()
	for !next.done {
		again := time.NewTimer(next.recheck)
		select {
		case <-next.wake:
		case <-again.C:
		case <-deadline.C:
			again.Stop()
			return reply, nil
		case <-ctx.Done():
			again.Stop()
			return reply, ctx.Err()
		}
		again.Stop()
		if next, err = t.pollAgain(w, &reply, next); err != nil {
			next = pollRound{done: true}
			return api.PollReply{}, err
		}
	}
	return reply, nil
}

// pollRound is what one round of a long poll found: done (reply it), or
// what to wait for before the next round.
type pollRound struct {
	done    bool
	wake    <-chan struct{}
	gen     uint64 // the wake channel's generation (Tracker.wakeGen)
	recheck time.Duration
}

// unparkLocked takes a poll that waited in round r off the count of the
// polls that the next change wakes, if that change has not come.
func (t *Tracker) unparkLocked(r pollRound) {
	if !r.done && r.gen == t.wakeGen {
		t.pollWaiters--
	}
}

// pollBegin takes in a poll's report (the attempts the worker runs, their
// progress, the jobs it knows) and runs the poll's first round. On success
// the worker counts as polling (the reaper spares it) until pollEnd.
func (t *Tracker) pollBegin(id string, p api.Poll) (*worker, api.PollReply, pollRound, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	w := t.workers[id]
	if w == nil || w.lost {
		return nil, api.PollReply{}, pollRound{}, ErrUnknownWorker
	}
	var reply api.PollReply
	reported := make(map[string]bool, len(p.Running))
	for _, a := range p.Running {
		reported[a] = true
		if _, ok := w.running[a]; !ok {
			reply.Kill = append(reply.Kill, a)
		}
	}
	// An attempt given to the worker that it does not run (the reply that
	// carried it was lost, or its report never arrived) is lost.
	for id, a := range w.running {
		if !reported[id] && a.polled {
			delete(w.running, id)
			a.task.running = nil
			if !a.task.job.ended() {
				t.failLocked(a, api.FailureLost, "worker "+w.reg.Name+" does not run it", &api.Failure{Attempt: id, Error: "worker " + w.reg.Name + " does not run it", Kind: api.FailureLost})
			}
		}
	}
	for _, a := range w.running {
		a.polled = true // from the next poll on, it must be listed
	}
	for _, pr := range p.Progress {
		if a := w.running[pr.Attempt]; a != nil && a.setProgress(pr) {
			t.progressed(a.task.job)
		}
	}
	for _, j := range t.order {
		for id, wid := range j.dying {
			if wid == w.id && !reported[id] {
				t.goneLocked(j, id)
			}
		}
	}
	for _, jid := range p.Jobs {
		if j := t.jobs[jid]; j == nil || j.ended() {
			reply.Forget = append(reply.Forget, jid)
		}
	}
	next := t.pollRoundLocked(w, &reply)
	w.polling++
	return w, reply, next, nil
}

// pollAgain runs a further round of w's poll after the wait of round
// last ended.
func (t *Tracker) pollAgain(w *worker, reply *api.PollReply, last pollRound) (pollRound, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.unparkLocked(last)
	if w.lost {
		return pollRound{}, ErrUnknownWorker
	}
	return t.pollRoundLocked(w, reply), nil
}

// pollEnd ends w's poll, whose last round was last: it no longer counts
// as polling, and was last seen now.
func (t *Tracker) pollEnd(w *worker, last pollRound) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.unparkLocked(last)
	w.polling--
	w.lastSeen = time.Now()
}

// pollRoundLocked assigns work to w's free slots; the poll is done if
// the reply carries anything. Callers hold mu.
func (t *Tracker) pollRoundLocked(w *worker, reply *api.PollReply) pollRound {
	if t.testPollHook != nil {
		t.testPollHook()
	}
	w.lastSeen = time.Now()
	reply.Assign = t.assignLocked(w)
	if len(reply.Assign) > 0 {
		t.changed(nil)
	}
	if len(reply.Assign)+len(reply.Kill)+len(reply.Forget) > 0 {
		return pollRound{done: true}
	}
	// Queued maps held back for their data's workers may become
	// eligible here without any event: look again after a while.
	recheck := t.cfg.PollWait
	for _, j := range t.order {
		if !j.ended() && j.queuedN > 0 && t.cfg.LocalityDelay > 0 {
			recheck = max(t.cfg.LocalityDelay/4, 10*time.Millisecond)
			break
		}
	}
	t.pollWaiters++
	return pollRound{wake: t.wake, gen: t.wakeGen, recheck: recheck}
}

// reap declares silent workers lost: their running attempts are lost
// (api.FailureLost) and the outputs of their finished maps, which
// reducers still need, are re-made elsewhere.
func (t *Tracker) reap(ctx context.Context) {
	tick := time.NewTicker(t.cfg.Expiry / 4)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		t.reapOnce()
	}
}

// reapOnce declares the workers silent for longer than Expiry lost.
func (t *Tracker) reapOnce() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, w := range t.workers {
		if w.lost || w.polling > 0 || time.Since(w.lastSeen) < t.cfg.Expiry {
			continue
		}
		t.loseWorkerLocked(w)
	}
	t.endRecoveryLocked(time.Now())
}

func (t *Tracker) loseWorkerLocked(w *worker) {
	t.log.Warn("worker lost", "worker", w.id, "name", w.reg.Name, "silent_for", time.Since(w.lastSeen).Round(time.Millisecond))
	w.lost = true
	delete(t.workers, w.id)
	for id, a := range w.running {
		delete(w.running, id)
		a.task.running = nil
		if !a.task.job.ended() {
			t.failLocked(a, api.FailureLost, "worker "+w.reg.Name+" lost", &api.Failure{Attempt: id, Error: "worker " + w.reg.Name + " lost", Kind: api.FailureLost})
		}
	}
	for _, j := range t.order {
		for id, wid := range j.dying {
			if wid == w.id {
				t.goneLocked(j, id)
			}
		}
		if j.ended() || j.reducesDone == len(j.reduces) {
			continue
		}
		for _, tk := range j.maps {
			if tk.success != nil && tk.success.worker == w {
				t.loseMapLocked(tk)
			}
		}
	}
	t.forgetWorkerLocked(w)
	t.changed(nil)
}

// WorkerInfo is a registered worker as the cluster overview shows it.
type WorkerInfo struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Node        string    `json:"node"`
	MapSlots    int       `json:"map_slots"`
	ReduceSlots int       `json:"reduce_slots"`
	Running     int       `json:"running"`
	LastSeen    time.Time `json:"last_seen"`
}

// Workers lists the live workers, by name.
func (t *Tracker) Workers() []WorkerInfo {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := []WorkerInfo{}
	for _, w := range t.workers {
		out = append(out, WorkerInfo{ID: w.id, Name: w.reg.Name, Node: w.reg.Node, MapSlots: w.reg.MapSlots,
			ReduceSlots: w.reg.ReduceSlots, Running: len(w.running), LastSeen: w.lastSeen.UTC()})
	}
	slices.SortFunc(out, func(a, b WorkerInfo) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// liveNodesLocked returns the storage nodes that a live worker sits
// beside. It is computed again only when the set of workers has changed:
// a registration raises workerN, a loss lowers len(workers).
func (t *Tracker) liveNodesLocked() map[string]bool {
	key := [2]int{t.workerN, len(t.workers)}
	if t.liveNodes != nil && t.liveNodesKey == key {
		return t.liveNodes
	}
	nodes := map[string]bool{}
	for _, w := range t.workers {
		for _, n := range w.nodes {
			nodes[n] = true
		}
	}
	t.liveNodes, t.liveNodesKey = nodes, key
	return nodes
}

// Slots sums the map and reduce slots of the live workers.
func (t *Tracker) Slots() placement.Capacity {
	var c placement.Capacity
	for _, w := range t.Workers() {
		c.Maps += w.MapSlots
		c.Reduces += w.ReduceSlots
	}
	return c
}
