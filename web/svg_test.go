package web

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"zebra/jobtracker/api"
)

// TestTimelineBars: back-to-back attempts of one slot are drawn as
// separate bars (each its own link, with a white edge), labelled with
// their short ids where they fit; a finished reduce shows its shuffle,
// merge and reduce phases in proportion; a running reduce is labelled
// with its phase.
func TestTimelineBars(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	job := "job_1_0001"
	as := []api.AttemptInfo{
		{ID: "attempt_1_0001_m_000000_0", State: api.AttemptSucceeded, Node: "n1", Started: at(0), Finished: at(10)},
		{ID: "attempt_1_0001_m_000001_0", State: api.AttemptSucceeded, Node: "n1", Started: at(10), Finished: at(20)},
		{ID: "attempt_1_0001_r_000000_0", State: api.AttemptSucceeded, Node: "n2", Started: at(20), Finished: at(40),
			ShuffleFinished: at(25), SortFinished: at(30)},
		{ID: "attempt_1_0001_r_000001_0", State: api.AttemptRunning, Node: "n2", Started: at(30), Progress: 0.5, Status: "merging"},
	}
	svg := timelineSVG(job, as, t0, at(40))
	if n := strings.Count(svg, `<g class="bar">`); n != 4 {
		t.Errorf("%d bars, want 4", n)
	}
	// The two maps share a row and touch: each has its own edge.
	if n := strings.Count(svg, `fill="none" stroke="#fff"`); n != 4 {
		t.Errorf("%d edges, want 4", n)
	}
	for _, label := range []string{">m_000000_0<", ">m_000001_0<", ">r_000000_0<", ">r_000001_0 merge<"} {
		if !strings.Contains(svg, label) {
			t.Errorf("no label %s", label)
		}
	}
	if !strings.Contains(svg, "<title>attempt_1_0001_r_000001_0 RUNNING 10.0s (merge): merging</title>") {
		t.Errorf("the running reduce's tooltip lacks its phase and status")
	}
	// The finished reduce: 5s shuffle, 5s merge, 10s reduce, widths in
	// the same proportion (1:1:2).
	seg := regexp.MustCompile(`<rect class="reduce" fill-opacity="([.0-9]+)" x="[.0-9]+" y="[.0-9]+" width="([.0-9]+)"`)
	ms := seg.FindAllStringSubmatch(svg, -1)
	var widths []string
	var opac []string
	for _, m := range ms {
		if m[1] == shuffleOpacity || m[1] == mergeOpacity || m[1] == "1" {
			widths, opac = append(widths, m[2]), append(opac, m[1])
		}
	}
	// The legend's reduce swatches come last (width 12).
	if len(widths) < 3 || opac[0] != shuffleOpacity || opac[1] != mergeOpacity || opac[2] != "1" {
		t.Fatalf("reduce phases %v", ms)
	}
	if widths[0] != widths[1] || widths[2] == widths[0] {
		t.Errorf("phase widths %v, want shuffle = merge < reduce", widths[:3])
	}
	var w [3]float64
	for i := range w {
		w[i] = atof(t, widths[i])
	}
	if d := w[2] - 2*w[0]; d > 0.2 || d < -0.2 {
		t.Errorf("reduce phase %v, want twice the shuffle's %v", w[2], w[0])
	}
}

func atof(t *testing.T, s string) float64 {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return f
}
