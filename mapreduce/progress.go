package mapreduce

import (
	"math"
	"strings"
	"sync/atomic"
)

// KeyMaxStatusLength bounds an attempt's status line, in characters
// (Hadoop's MRJobConfig.PROGRESS_STATUS_LEN_LIMIT_KEY; longer statuses
// are cut, as Hadoop's TaskStatus.setStateString cuts them).
const KeyMaxStatusLength = "mapreduce.task.max.status.length"

// DefaultMaxStatusLength is KeyMaxStatusLength's default (Hadoop's).
const DefaultMaxStatusLength = 512

// BoundStatus is status as an attempt's status is kept and shown: valid
// UTF-8 (invalid bytes become U+FFFD), with control characters other
// than tab replaced by spaces (a status is one line, shown in consoles and
// pages), cut to at most max characters (max <= 0: DefaultMaxStatusLength).
// A status is tenant input: whoever stores or shows one bounds it first.
func BoundStatus(status string, max int) string {
	if max <= 0 {
		max = DefaultMaxStatusLength
	}
	if len(status) > 4*max {
		status = status[:4*max] // no more than max characters can follow
	}
	status = strings.ToValidUTF8(status, "\uFFFD")
	var b strings.Builder
	n := 0
	for _, r := range status {
		if n == max {
			break
		}
		if r != '\t' && (r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0)) {
			r = ' '
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// Progress is a running attempt's progress (a fraction in [0, 1]) and
// status line: the executor updates them while the attempt runs, and
// another goroutine (the worker's poll) reads them. The zero value is
// ready; the methods of a nil *Progress do nothing and read zero.
type Progress struct {
	bits     atomic.Uint64 // math.Float64bits of the fraction
	status   atomic.Pointer[string]
	consumed atomic.Int64 // a map's split bytes read so far (every piece)
	// MaxStatus bounds the status (see BoundStatus); set before use.
	MaxStatus int
}

// Set records the fraction f, clamped to [0, 1].
func (p *Progress) Set(f float64) {
	if p == nil {
		return
	}
	if !(f >= 0) { // NaN too
		f = 0
	}
	p.bits.Store(math.Float64bits(min(f, 1)))
}

// Value is the last fraction set.
func (p *Progress) Value() float64 {
	if p == nil {
		return 0
	}
	return math.Float64frombits(p.bits.Load())
}

// SetStatus records the attempt's status line, bounded by BoundStatus.
func (p *Progress) SetStatus(s string) {
	if p == nil {
		return
	}
	s = BoundStatus(s, p.MaxStatus)
	p.status.Store(&s)
}

// Status is the last status line set ("" if none).
func (p *Progress) Status() string {
	if p == nil {
		return ""
	}
	if s := p.status.Load(); s != nil {
		return *s
	}
	return ""
}

// mapRead adds delta bytes read of a split of length bytes and sets the
// map's progress from the total (see MapProgress).
func (p *Progress) mapRead(delta, length int64, reduces bool) {
	if p == nil || delta == 0 {
		return
	}
	p.Set(MapProgress(p.consumed.Add(delta), length, reduces))
}

// MapProgress is Hadoop's progress of a map attempt that has read
// consumed bytes of its split of length bytes: the fraction read, which
// with reduces is the map phase weighing 0.667 of the attempt (its sort
// and spill being the other 0.333, MapTask's phases). A split of unknown
// or zero length counts as read at once; a reader ahead of the length (a
// compressed split's uncompressed bytes) counts as the whole split.
func MapProgress(consumed, length int64, reduces bool) float64 {
	f := 1.0
	if length > 0 {
		f = min(max(float64(consumed)/float64(length), 0), 1)
	}
	if reduces {
		return mapPhaseWeight * f
	}
	return f
}

// mapPhaseWeight is the weight of a map attempt's map phase when the job
// has reduces (Hadoop's MapTask: map 0.667, sort 0.333).
const mapPhaseWeight = 0.667

// Reduce phases, in order (Hadoop's ReduceTask: copy, sort, reduce, each
// weighing a third of the attempt).
const (
	ReduceShufflePhase = 0
	ReduceSortPhase    = 1
	ReduceReducePhase  = 2
)

// ReduceProgress is Hadoop's progress of a reduce attempt in phase (one
// of the Reduce*Phase constants) having done done of total units of it
// (shuffle: map outputs fetched of the maps; sort: segments merged;
// reduce: input records consumed). A phase of no units counts as done.
func ReduceProgress(phase int, done, total int64) float64 {
	f := 1.0
	if total > 0 {
		f = min(max(float64(done)/float64(total), 0), 1)
	}
	phase = min(max(phase, 0), ReduceReducePhase)
	return (float64(phase) + f) / 3
}

// ProgressPercent is fraction f as the whole percent Hadoop's console
// shows (Job.monitorAndPrintJob's StringUtils.formatPercent(f, 0):
// String.format("%.0f%%", f*100) of the float progress, rounding half up).
func ProgressPercent(f float64) int {
	v := float64(float32(min(max(f, 0), 1))) * 100
	return int(math.Floor(v + 0.5))
}
