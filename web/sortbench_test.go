package web

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"zebra/jobtracker/api"
	"zebra/mapreduce/mrtest/suite"
)

// TestSortedTasksPageOf100000Tasks measures, in one run, the tasks page of
// a 100,000-task job in the table's order and sorted (every task read and
// ordered for each page), running and ended, and reports the ratio.
func TestSortedTasksPageOf100000Tasks(t *testing.T) {
	suite.Require(t, suite.Heavy) // builds a 100,000-task job
	h := newHarness(t, false)
	id := bigJob(t, h, 100000, 50000)
	sorted := func(n int) []time.Duration {
		var out []time.Duration
		for i := 0; i < n; i++ {
			key := []string{"duration", "records", "locality"}[i%3]
			req := httptest.NewRequest(http.MethodGet, "/ui/jobs/"+id+"/tasks?sort="+key+"&order=desc", nil)
			req.Header.Set("X-Auth-Token", adminToken)
			rec := httptest.NewRecorder()
			start := time.Now()
			h.s.ServeHTTP(rec, req)
			out = append(out, time.Since(start))
			if rec.Code != 200 {
				t.Fatalf("sorted page: %d", rec.Code)
			}
		}
		return out
	}
	for _, phase := range []string{"running", "ended"} {
		if phase == "ended" {
			h.tr.Kill(id)
			h.waitState(id, api.StateKilled)
			pageTimes(t, h, id, 1) // the first reads the history
		}
		plain, sort := pageTimes(t, h, id, 11), sorted(11)
		t.Logf("%s job: table order p50 %v (max %v), sorted p50 %v (max %v): sorted/plain %.2f", phase, p50(plain), slices.Max(plain),
			p50(sort), slices.Max(sort), float64(p50(sort))/float64(p50(plain)))
		if p50(sort) > time.Second {
			t.Errorf("%s job: sorted tasks page p50 %v > 1s", phase, p50(sort))
		}
	}
}
