package jobtracker

import (
	"fmt"

	"zebra/jobtracker/api"
	"zebra/mapreduce"
)

// How a task's unsuccessful attempts are counted (see api.FailureKind).
//
// User failures count toward the task's maxattempts, as in Hadoop: when
// a task has failed that many times the job fails. Killed attempts never
// count: the jobtracker stopped them itself. Infrastructure failures and
// lost attempts do not count either (Hadoop too never counts the attempts
// of a lost node), and an infrastructure failure is retried on another
// worker (Manta's rule: the task avoids every worker where it failed
// while another is up). Neither is retried forever, though: a failure
// that follows a task from worker to worker is the task's (a split whose
// object always fails to read, a map whose output fills any disk, a
// program that takes its worker down), and retrying it on every machine
// of a large cluster would hide it for hours. So each has its own cap.
const (
	// maxInfraFailures is how many infrastructure failures a task may
	// have before the job fails. Four is Hadoop's default maxattempts:
	// a machine's failure gets the retries Hadoop gives any failure,
	// whatever maxattempts the job set for its own code (a job that sets
	// maxattempts=1 to fail fast on its bugs keeps them), and four
	// failures on four different workers are not four bad machines.
	maxInfraFailures = 4
	// maxLostAttempts is how many attempts (or finished map outputs) a
	// task may lose with their workers before the job fails. Losing a
	// worker is not the task's fault, but a task that is running on every
	// worker that dies is likely killing them; four such losses for one
	// task do not happen by chance on a healthy cluster.
	maxLostAttempts = 4
)

// failureTally counts a task's attempts that ended without success, by
// kind.
type failureTally struct {
	user, infra, lost, killed int
}

// add counts one more attempt of a task with limit maxAttempts (the
// job's maxattempts for the task's kind) that ended with kind k, an
// effective kind (api.FailureKind.Effective). It returns the new tally
// and, if the task must not run again, why, as the job's diagnostics say
// it (%s is the task id); "" if it runs again.
func (n failureTally) add(k api.FailureKind, maxAttempts int) (failureTally, string) {
	switch k {
	case api.FailureKilled:
		n.killed++
	case api.FailureLost:
		n.lost++
		if n.lost >= maxLostAttempts {
			return n, fmt.Sprintf("Task %%s lost its worker %d times (the jobtracker's limit for one task; lost attempts do not count toward maxattempts): a task that is running whenever a worker dies may be what kills it; check the workers' logs", n.lost)
		}
	case api.FailureInfrastructure:
		n.infra++
		if n.infra >= maxInfraFailures {
			return n, fmt.Sprintf("Task %%s failed %d times for reasons of the infrastructure, each time retried on another worker where one was free (the jobtracker's limit for one task; such failures do not count toward maxattempts): the failure follows the task, so look at what it reads and writes (storage, the workers' disks, the sandbox) in the attempts' errors", n.infra)
		}
	default: // api.FailureUser, and anything Effective did not map
		n.user++
		if n.user >= maxAttempts {
			return n, "Task failed %s" // Hadoop's words
		}
	}
	return n, ""
}

// stateOf is the state an attempt that ended with kind k takes: KILLED
// for the attempts the jobtracker stopped or lost, FAILED for the others.
func stateOf(k api.FailureKind) string {
	if k == api.FailureKilled || k == api.FailureLost {
		return api.AttemptKilled
	}
	return api.AttemptFailed
}

// endAttemptLocked records that attempt a (already off its worker)
// ended without success, with effective kind k: its history record, the
// job's "Failed/Killed map/reduce tasks" counter (Hadoop's
// NUM_FAILED_MAPS, NUM_KILLED_MAPS, ...; by the attempt's state), the
// task's tally, and its worker as one the task avoids. It returns the
// job's diagnostics if the task must not run again, else "".
func (t *Tracker) endAttemptLocked(a *attempt, k api.FailureKind, errText string) string {
	tk, j := a.task, a.task.job
	info := a.info(stateOf(k), errText)
	info.Kind = k
	what := "Failed "
	if info.State == api.AttemptKilled {
		what = "Killed "
	}
	j.jobCounters.Add(mapreduce.GroupJob, what+tk.id.Kind.String()+" tasks", 1)
	t.store.putAttempt(j.id.String(), info)
	j.failed = append(j.failed, info)
	if tk.avoid == nil {
		tk.avoid = map[string]bool{}
	}
	tk.avoid[a.worker.id] = true
	var why string
	tk.fails, why = tk.fails.add(k, j.maxAttempts(tk.id.Kind))
	if _, ok := j.gangOf[tk.id.Index]; ok && tk.id.Kind == mapreduce.MapTask && why == "" {
		why = "Task %s runs with others that stream to it (a gang), which are not restarted in part: its failure fails the job"
	}
	if why == "" {
		return ""
	}
	t.log.Info("task failed for good", "task", tk.id.String(), "kind", string(k), "user_failures", tk.fails.user,
		"infra_failures", tk.fails.infra, "lost", tk.fails.lost, "err", errText)
	return fmt.Sprintf(why, tk.id)
}

// forgetWorkerLocked drops lost worker w from every task's set of workers
// to avoid: a task avoids the workers where it failed only while one it
// has not failed on is up, and a dead worker must not make that look
// false (it would send an infrastructure failure's retry back to the
// worker where it failed).
func (t *Tracker) forgetWorkerLocked(w *worker) {
	for _, j := range t.order {
		if j.ended() {
			continue
		}
		for _, tk := range j.maps {
			delete(tk.avoid, w.id)
		}
		for _, tk := range j.reduces {
			delete(tk.avoid, w.id)
		}
	}
}
