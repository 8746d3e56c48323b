package mapreduce

import (
	"sync"
	"time"
)

// Usage is what a task's programs used and the limits they ran under, as
// their runner measured them (a sandbox's instance accounting).
type Usage struct {
	// CPU is user plus system CPU time, summed over the programs.
	CPU time.Duration `json:"cpu_ns,omitempty"`
	// PeakRSS is the largest peak resident memory, in bytes, of one
	// program's instance (its cgroup's peak, else its largest process's).
	PeakRSS int64 `json:"peak_rss,omitempty"`
	// MemoryLimit is the memory a program's instance may use and
	// CPULimit the CPU time each process may use (0: none known).
	MemoryLimit int64         `json:"memory_limit,omitempty"`
	CPULimit    time.Duration `json:"cpu_limit_ns,omitempty"`
	// Programs counts the programs measured; a UsageReporter that
	// measured nothing returns 0.
	Programs int `json:"programs,omitempty"`
}

// UsageReporter is implemented by a Process whose runner measures what
// the program used; Usage is valid once Wait has returned.
type UsageReporter interface {
	Usage() Usage
}

// UsageMeter sums the usage of a task's programs; it is safe for
// concurrent use (a map's combiner runs beside its mapper), and a nil
// meter ignores what it is given.
type UsageMeter struct {
	mu sync.Mutex
	u  Usage
}

// Add adds what the ended process p used, if its runner measured it.
func (m *UsageMeter) Add(p Process) {
	r, ok := p.(UsageReporter)
	if m == nil || !ok {
		return
	}
	u := r.Usage()
	if u.Programs == 0 {
		return // not measured
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.u.CPU += u.CPU
	m.u.PeakRSS = max(m.u.PeakRSS, u.PeakRSS)
	m.u.MemoryLimit = max(m.u.MemoryLimit, u.MemoryLimit)
	m.u.CPULimit = max(m.u.CPULimit, u.CPULimit)
	m.u.Programs += u.Programs
}

// Total returns the sum so far (the zero Usage for a nil meter).
func (m *UsageMeter) Total() Usage {
	if m == nil {
		return Usage{}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.u
}
