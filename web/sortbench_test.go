package web

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// BenchmarkSortedTasksPage renders, in one run, the tasks page of a
// 100,000-task job (half done, running) in the table's order and sorted
// (every task read and ordered for each page); it reports both medians
// and their ratio.
func BenchmarkSortedTasksPage(b *testing.B) {
	h := newHarness(b, false)
	id := bigJob(b, h, 100000, 50000)
	sorted := func(i int) time.Duration {
		key := []string{"duration", "records", "locality"}[i%3]
		req := httptest.NewRequest(http.MethodGet, "/ui/jobs/"+id+"/tasks?sort="+key+"&order=desc", nil)
		req.Header.Set("X-Auth-Token", adminToken)
		rec := httptest.NewRecorder()
		start := time.Now()
		h.s.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatalf("sorted page: %d", rec.Code)
		}
		return time.Since(start)
	}
	var plain, sort []time.Duration
	for i := 0; i < b.N; i++ {
		plain = append(plain, pageTimes(b, h, id, 1)...)
		sort = append(sort, sorted(i))
	}
	b.ReportMetric(float64(p50(plain).Microseconds())/1000, "plain-p50-ms")
	b.ReportMetric(float64(p50(sort).Microseconds())/1000, "sorted-p50-ms")
	b.ReportMetric(float64(p50(sort))/float64(p50(plain)), "sorted/plain")
}
