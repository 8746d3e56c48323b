package web

import (
	"time"

	"zebra/jobtracker/api"
)

// Progress is a job's live progress, as the job page's stream sends it.
type Progress struct {
	ID          string  `json:"id"`
	State       string  `json:"state"`
	Version     int64   `json:"version"`
	Maps        int     `json:"maps"`
	MapsDone    int     `json:"maps_done"`
	Reduces     int     `json:"reduces"`
	ReducesDone int     `json:"reduces_done"`
	MapPct      float64 `json:"map_pct"`
	ReducePct   float64 `json:"reduce_pct"`
	// Elapsed is the job's run time so far, as the page prints it;
	// SubmittedMS and NowMS (Unix milliseconds, the server's clock) let
	// the page count it on between events while the job runs.
	Elapsed     string `json:"elapsed"`
	SubmittedMS int64  `json:"submitted_ms"`
	NowMS       int64  `json:"now_ms"`
	Done        bool   `json:"done"`
	// Diagnostics says why a job failed or was killed.
	Diagnostics string `json:"diagnostics,omitempty"`
}

func progressOf(st *api.JobStatus, now time.Time) Progress {
	end := st.Finished
	if end.IsZero() {
		end = now
	}
	return Progress{ID: st.ID, State: st.State, Version: st.Version, Maps: st.Maps, MapsDone: st.MapsDone,
		Reduces: st.Reduces, ReducesDone: st.ReducesDone, MapPct: pct(st.MapsDone, st.Maps, st.MapProgress, st),
		ReducePct: pct(st.ReducesDone, st.Reduces, st.ReduceProgress, st), Elapsed: fmtDuration(end.Sub(st.Submitted)),
		SubmittedMS: st.Submitted.UnixMilli(), NowMS: now.UnixMilli(),
		Done: st.Done(), Diagnostics: st.Diagnostics}
}

// pct is the progress of a group of n tasks, done of them finished, in
// percent to a tenth: the tracker's progress (which counts running
// tasks' progress), never below the finished share; an empty group is
// complete once the job succeeded.
func pct(done, n int, progress float64, st *api.JobStatus) float64 {
	if n == 0 {
		if st.State == api.StateSucceeded {
			return 100
		}
		return 0
	}
	return float64(int(1000*max(float64(done)/float64(n), min(progress, 1)))) / 10
}
