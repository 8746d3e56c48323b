package jobtracker

import (
	"context"
	"slices"
	"time"

	"zebra/jobtracker/api"
)

// This file holds map outputs: the events reducers follow, and the
// re-run of maps whose outputs are lost.

// MapOutputs returns a job's map output events from index from, waiting up
// to wait for new ones.
func (t *Tracker) MapOutputs(ctx context.Context, id string, from int, wait time.Duration) (api.MapOutputs, bool) {
	t.await(ctx, wait, false, func() bool {
		j := t.jobs[id]
		return j == nil || from < len(j.events) || j.ended()
	})
	t.mu.Lock()
	defer t.mu.Unlock()
	j := t.jobs[id]
	if j == nil {
		return api.MapOutputs{}, false
	}
	from = max(0, min(from, len(j.events)))
	return api.MapOutputs{From: from, Events: slices.Clone(j.events[from:]), Ended: j.ended()}, true
}

// FetchFailure handles a reducer's report that it could not fetch a map
// output: if that output is still the map's current one, it is declared
// lost and the map runs again (Hadoop re-runs maps whose outputs cannot
// be fetched).
func (t *Tracker) FetchFailure(wid, reduceAttempt string, f api.FetchFailure) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.lookupLocked(wid, reduceAttempt) == nil {
		return ErrStaleAttempt
	}
	for _, j := range t.jobs {
		for _, tk := range j.maps {
			if tk.success != nil && tk.success.id.String() == f.Map {
				t.log.Warn("map output lost", "map", f.Map, "reported_by", reduceAttempt, "err", f.Error)
				t.loseMapLocked(tk)
				t.changed(j)
				return nil
			}
		}
	}
	return nil
}

// loseMapLocked marks a finished map's output lost and queues the map again.
func (t *Tracker) loseMapLocked(tk *task) {
	j := tk.job
	if tk.success == nil || j.ended() {
		return
	}
	a := tk.success
	j.events = append(j.events, api.MapOutputEvent{Map: tk.id.Index, Attempt: a.id.String(), Endpoint: a.worker.reg.Shuffle, Obsolete: true})
	tk.success, tk.done = nil, false
	t.store.putMap(j.id.String(), tk.id.Index, nil)
	j.mapsDone--
	if why := t.endAttemptLocked(a, api.FailureLost, "map output lost"); why != "" {
		j.failure = &api.Failure{Attempt: a.id.String(), Error: "map output lost", Kind: api.FailureLost}
		j.diagnostics = why
		t.endLocked(j, api.StateFailed)
		return
	}
	t.requeueLocked(tk)
}
