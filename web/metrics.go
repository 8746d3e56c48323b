package web

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"zebra/jobtracker"
	"zebra/jobtracker/api"
	"zebra/mapreduce"
)

// Prometheus metrics at /metrics, all named zebra_*. Most are read from
// the tracker at each scrape (jobtracker.Tracker.Metrics); the attempt
// reports that pass through on their way to the tracker feed the rest.
//
//	zebra_jobs{state}                      jobs the tracker knows, by state
//	zebra_tasks{state}                     tasks of running jobs, by state
//	zebra_attempts_total{kind,outcome}     attempts launched, failed, killed (job counters of every job)
//	zebra_attempt_reports_total{state}     attempt reports received since the tracker started
//	zebra_map_attempts_data_local_total    map attempts launched beside their split's data
//	zebra_map_attempts_other_local_total   map attempts launched elsewhere
//	zebra_data_local_ratio                 data-local map attempts / map attempts
//	zebra_shuffle_bytes_total              bytes reduces fetched (Reduce shuffle bytes)
//	zebra_workers                          live workers
//	zebra_slots{kind}, zebra_slots_used{kind}   slots of the live workers, and those in use
//	zebra_sandbox_boot_seconds             histogram of sandbox start times, from reports that carry one
//	                                       (api.AttemptReport.SandboxBoot; empty while workers do not measure it)
//	zebra_open_requests_total{code}        run-on-open requests (GET /open/...) answered, by status code
//	zebra_open_seconds                     histogram of their time to the last byte
type metrics struct {
	t         *jobtracker.Tracker
	registry  *prometheus.Registry
	reports   *prometheus.CounterVec
	boot      prometheus.Histogram
	opens     *prometheus.CounterVec
	openTimes prometheus.Histogram
}

var (
	descJobs       = prometheus.NewDesc("zebra_jobs", "Jobs the jobtracker knows, by state.", []string{"state"}, nil)
	descTasks      = prometheus.NewDesc("zebra_tasks", "Tasks of running jobs, by state.", []string{"state"}, nil)
	descAttempts   = prometheus.NewDesc("zebra_attempts_total", "Task attempts launched, failed and killed (job counters of every job).", []string{"kind", "outcome"}, nil)
	descDataLocal  = prometheus.NewDesc("zebra_map_attempts_data_local_total", "Map attempts launched beside a replica of their split.", nil, nil)
	descOtherLocal = prometheus.NewDesc("zebra_map_attempts_other_local_total", "Map attempts launched away from their split's data.", nil, nil)
	descRatio      = prometheus.NewDesc("zebra_data_local_ratio", "Data-local map attempts over all map attempts (0 before any).", nil, nil)
	descShuffle    = prometheus.NewDesc("zebra_shuffle_bytes_total", "Bytes reduces fetched from map outputs (Reduce shuffle bytes).", nil, nil)
	descWorkers    = prometheus.NewDesc("zebra_workers", "Live workers.", nil, nil)
	descSlots      = prometheus.NewDesc("zebra_slots", "Slots of the live workers.", []string{"kind"}, nil)
	descSlotsUsed  = prometheus.NewDesc("zebra_slots_used", "Slots of the live workers running an attempt.", []string{"kind"}, nil)
)

func newMetrics(t *jobtracker.Tracker) *metrics {
	m := &metrics{t: t, registry: prometheus.NewRegistry(),
		reports: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "zebra_attempt_reports_total",
			Help: "Attempt reports workers sent since the jobtracker started, by state."}, []string{"state"}),
		boot: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "zebra_sandbox_boot_seconds",
			Help:    "Time a task's sandbox took to start its program, as workers report it.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}})}
	m.opens = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "zebra_open_requests_total",
		Help: "Run-on-open requests answered, by HTTP status code."}, []string{"code"})
	m.openTimes = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "zebra_open_seconds",
		Help:    "Time of run-on-open requests, to the last byte of the answer.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}})
	m.registry.MustRegister(m, m.reports, m.boot, m.opens, m.openTimes)
	return m
}

// Describe implements prometheus.Collector.
func (m *metrics) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descJobs, descTasks, descAttempts, descDataLocal, descOtherLocal, descRatio,
		descShuffle, descWorkers, descSlots, descSlotsUsed} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (m *metrics) Collect(ch chan<- prometheus.Metric) {
	s := m.t.Metrics()
	for _, st := range []string{api.StatePrep, api.StateRunning, api.StateSucceeded, api.StateFailed, api.StateKilled} {
		ch <- prometheus.MustNewConstMetric(descJobs, prometheus.GaugeValue, float64(s.JobsByState[st]), st)
	}
	for _, st := range []string{mapreduce.StateNew, mapreduce.StateScheduled, mapreduce.StateRunning, mapreduce.StateSucceeded} {
		ch <- prometheus.MustNewConstMetric(descTasks, prometheus.GaugeValue, float64(s.TasksByState[st]), st)
	}
	for _, kind := range []string{"map", "reduce"} {
		for _, o := range []string{"launched", "failed", "killed"} {
			ch <- prometheus.MustNewConstMetric(descAttempts, prometheus.CounterValue, float64(s.Attempts[[2]string{kind, o}]), kind, o)
		}
	}
	ch <- prometheus.MustNewConstMetric(descDataLocal, prometheus.CounterValue, float64(s.DataLocalMaps))
	ch <- prometheus.MustNewConstMetric(descOtherLocal, prometheus.CounterValue, float64(s.OtherLocalMaps))
	ratio := 0.0
	if n := s.DataLocalMaps + s.OtherLocalMaps; n > 0 {
		ratio = float64(s.DataLocalMaps) / float64(n)
	}
	ch <- prometheus.MustNewConstMetric(descRatio, prometheus.GaugeValue, ratio)
	ch <- prometheus.MustNewConstMetric(descShuffle, prometheus.CounterValue, float64(s.ShuffleBytes))
	ch <- prometheus.MustNewConstMetric(descWorkers, prometheus.GaugeValue, float64(s.Workers))
	ch <- prometheus.MustNewConstMetric(descSlots, prometheus.GaugeValue, float64(s.MapSlots), "map")
	ch <- prometheus.MustNewConstMetric(descSlots, prometheus.GaugeValue, float64(s.ReduceSlots), "reduce")
	ch <- prometheus.MustNewConstMetric(descSlotsUsed, prometheus.GaugeValue, float64(s.RunningMaps), "map")
	ch <- prometheus.MustNewConstMetric(descSlotsUsed, prometheus.GaugeValue, float64(s.RunningReduces), "reduce")
}

// observe counts a worker's attempt report.
func (m *metrics) observe(r *api.AttemptReport) {
	state := r.State
	if state != api.AttemptSucceeded && state != api.AttemptFailed && state != api.AttemptKilled {
		state = "other"
	}
	m.reports.WithLabelValues(state).Inc()
	if r.SandboxBoot > 0 {
		m.boot.Observe(r.SandboxBoot.Seconds())
	}
}

// serveMetrics serves the metrics to the cluster token, or to anyone
// when read-only views are public (they sum every tenant's jobs).
func (s *Server) serveMetrics(c *gin.Context) {
	p := principal(c)
	if !p.Admin && !s.auth.cfg.PublicRead {
		apiError(c, http.StatusForbidden, "the metrics need the cluster token")
		return
	}
	promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{}).ServeHTTP(c.Writer, c.Request)
}
