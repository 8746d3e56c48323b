package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

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
	// Elapsed is the job's run time so far, as the page prints it.
	Elapsed string `json:"elapsed"`
	Done    bool   `json:"done"`
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

// streamInterval bounds how often the stream sends (a job with many
// short tasks changes far more often than a page can show).
const streamInterval = 200 * time.Millisecond

// apiStream sends a job's progress as server-sent events ("progress",
// JSON Progress) whenever it changes, at most every streamInterval, with
// a comment every 15s to keep proxies from closing it; it ends with an
// "end" event after the job has ended.
func (s *Server) apiStream(c *gin.Context) {
	j, ok := s.job(c, readJob)
	if !ok {
		return
	}
	w := c.Writer
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	ctx := c.Request.Context()
	version := int64(-1)
	for ctx.Err() == nil {
		st, ok := s.t.WaitStatus(ctx, j.ID, version, 15*time.Second)
		if !ok {
			return
		}
		if st.Version == version {
			fmt.Fprint(w, ": ping\n\n")
			w.Flush()
			continue
		}
		version = st.Version
		data, _ := json.Marshal(progressOf(&st, time.Now()))
		fmt.Fprintf(w, "event: progress\nid: %d\ndata: %s\n\n", st.Version, data)
		if st.Done() {
			fmt.Fprint(w, "event: end\ndata: {}\n\n")
			w.Flush()
			return
		}
		w.Flush()
		select {
		case <-ctx.Done():
		case <-time.After(streamInterval):
		}
	}
}
