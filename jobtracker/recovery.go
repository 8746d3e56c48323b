package jobtracker

import (
	"time"

	"zebra/jobtracker/api"
	"zebra/mapreduce"
)

// This file holds job recovery after a jobtracker restart, in the manner
// of Hadoop's MapReduce application master recovery: the finished maps of
// a running job with reduces are recorded in the store (keepMapLocked);
// a restarted tracker holds them out of its queues (holdFinishedMapsLocked)
// and keeps each one whose output a worker still serves when it
// registers again (recoverLocked). Those not claimed within the recovery
// window (the worker expiry, at least minRecoveryWindow: a live worker
// comes back well within it) are run again (endRecoveryLocked), as are
// the maps that had not finished, at once. Reduces are always run again.
// A map-only job's maps all run again, and so does every gang
// (api.Plan.Gangs) whole, its finished maps too.

// minRecoveryWindow is the shortest recovery window: a worker notices the
// restart at its next poll (it polls every 200 ms while the tracker is
// unreachable) and registers again, which may take a few seconds on a
// loaded machine.
const minRecoveryWindow = 10 * time.Second

// Recovery counters: a counter group of zebra's own, present only in a
// job that was resumed after a jobtracker restart.
const (
	GroupRecovery        = "zebra Job Recovery"
	CounterRecoveredMaps = "Recovered map tasks"
	CounterLostMaps      = "Finished map tasks run again"
)

// heldMap is a finished map of an earlier epoch waiting for the worker
// that serves its output.
type heldMap struct {
	index int
	rec   *mapRecord
}

// keepMapLocked records a finished map of a job with reduces, so that a
// restarted tracker can keep it.
func (t *Tracker) keepMapLocked(a *attempt) {
	t.store.putMap(a.task.job.id.String(), a.task.id.Index, &mapRecord{Attempt: a.id.String(), Worker: a.worker.reg.Name,
		Started: a.started, Counters: a.counters, Partitions: a.partitions})
}

// holdFinishedMapsLocked takes the maps of a resumed job that had
// finished before the restart off the queues, to wait for their workers.
func (t *Tracker) holdFinishedMapsLocked(j *job) error {
	if len(j.reduces) == 0 {
		return nil
	}
	recs, err := t.store.finishedMaps(j.id.String())
	if err != nil {
		return err
	}
	for i, r := range recs {
		if i < 0 || i >= len(j.maps) || !j.maps[i].queued {
			continue
		}
		if _, ok := j.gangOf[i]; ok {
			// A gang's maps stream to each other while they run: one
			// finished before the restart cannot be kept while the rest
			// run again without it. The gang stays queued and runs whole.
			continue
		}
		if j.held == nil {
			j.held = map[string]heldMap{}
		}
		j.maps[i].queued = false // its queue entries are now stale
		j.queuedN--
		j.held[r.Attempt] = heldMap{index: i, rec: r}
	}
	if len(j.held) > 0 {
		t.log.Info("waiting for workers to serve finished maps", "job", j.id.String(), "maps", len(j.held), "for", t.cfg.Expiry)
	}
	return nil
}

// recoverLocked keeps the held maps whose outputs w, just registered,
// serves: each is finished again, its output served from w's shuffle
// endpoint.
func (t *Tracker) recoverLocked(w *worker) {
	for _, id := range w.reg.MapOutputs {
		aid, err := mapreduce.ParseAttemptID(id)
		if err != nil || aid.Task.Kind != mapreduce.MapTask {
			continue
		}
		j := t.jobs[aid.Task.Job.String()]
		if j == nil || j.ended() {
			continue
		}
		h, ok := j.held[id]
		if !ok || h.rec.Worker != w.reg.Name {
			continue
		}
		delete(j.held, id)
		tk := j.maps[h.index]
		a := &attempt{id: aid, task: tk, worker: w, started: h.rec.Started, counters: h.rec.Counters, partitions: h.rec.Partitions}
		tk.done, tk.success = true, a
		j.mapsDone++
		j.events = append(j.events, api.MapOutputEvent{Map: h.index, Attempt: id, Endpoint: w.reg.Shuffle})
		j.jobCounters.Add(GroupRecovery, CounterRecoveredMaps, 1)
		t.log.Info("map recovered", "job", j.id.String(), "attempt", id, "worker", w.reg.Name)
		if len(j.held) == 0 {
			t.recoveredLocked(j)
		}
		t.changed(j)
	}
}

// endRecoveryLocked ends the recovery window: held maps no worker came
// back to serve run again.
func (t *Tracker) endRecoveryLocked(now time.Time) {
	if t.recoverUntil.IsZero() || now.Before(t.recoverUntil) {
		return
	}
	t.recoverUntil = time.Time{}
	for _, j := range t.order {
		if len(j.held) == 0 {
			continue
		}
		if j.ended() {
			j.held = nil // killed or failed meanwhile: nothing runs again
			continue
		}
		for _, h := range j.held {
			j.jobCounters.Add(GroupRecovery, CounterLostMaps, 1)
			t.requeueLocked(j.maps[h.index])
		}
		t.log.Info("finished maps not served by any worker run again", "job", j.id.String(), "maps", len(j.held))
		j.held = nil
		t.recoveredLocked(j)
		t.changed(j)
	}
}

// recoveredLocked logs the outcome of a job's recovery.
func (t *Tracker) recoveredLocked(j *job) {
	kept := j.jobCounters.Get(GroupRecovery, CounterRecoveredMaps)
	t.log.Info("job recovered", "job", j.id.String(), "maps_recovered", kept,
		"maps_run_again", int64(len(j.maps))-kept, "finished_maps_lost", j.jobCounters.Get(GroupRecovery, CounterLostMaps),
		"reduces_run_again", len(j.reduces))
}
