package web

import (
	"fmt"
	"html"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"zebra/jobtracker/api"
)

// Charts drawn on the server as SVG: they need no script, scale with the
// page (viewBox) and carry a <title> per bar for a tooltip.

// maxBars bounds the bars of a timeline; a job with more attempts shows
// all its failed and killed ones and an even sample of the rest.
const maxBars = 4000

// bar is one attempt on the timeline.
type bar struct {
	a          api.AttemptInfo
	kind       string
	start, end time.Time
	row        int
}

// timelineSVG draws a job's attempts: one lane per worker (storage
// node), one bar per attempt from its start to its end, coloured map,
// reduce, failed or killed; overlapping attempts of a lane (its slots)
// stack within it. Each bar links to its attempt's page.
func timelineSVG(jobID string, as []api.AttemptInfo, start, end time.Time) string {
	if end.Before(start) || end.Equal(start) {
		end = start.Add(time.Second)
	}
	shown := len(as)
	as = sampleAttempts(as)
	lanes := map[string][]*bar{}
	for _, a := range as {
		lane := a.Node
		if lane == "" {
			lane = a.Worker
		}
		b := &bar{a: a, kind: "map", start: a.Started, end: a.Finished}
		if strings.Contains(a.ID, "_r_") {
			b.kind = "reduce"
		}
		if b.end.IsZero() || b.end.After(end) {
			b.end = end
		}
		if b.start.Before(start) {
			b.start = start
		}
		lanes[lane] = append(lanes[lane], b)
	}
	names := make([]string, 0, len(lanes))
	for n := range lanes {
		names = append(names, n)
	}
	slices.Sort(names)
	const width, left, right, top, barH, gap = 960.0, 120.0, 10.0, 24.0, 16.0, 8.0
	span := end.Sub(start).Seconds()
	x := func(t time.Time) float64 { return left + (width-left-right)*t.Sub(start).Seconds()/span }
	var body strings.Builder
	y := top
	for _, n := range names {
		bars := lanes[n]
		rows := stack(bars)
		h := float64(rows)*barH + 4
		fmt.Fprintf(&body, `<text class="lane" x="%.0f" y="%.1f">%s</text>`, left-6, y+h/2+4, html.EscapeString(n))
		fmt.Fprintf(&body, `<line class="lane-sep" x1="%.0f" x2="%.0f" y1="%.1f" y2="%.1f"/>`, left, width-right, y+h+gap/2, y+h+gap/2)
		for _, b := range bars {
			drawBar(&body, jobID, b, x(b.start), x(b.end), y+2+float64(b.row)*barH, barH-2)
		}
		y += h + gap
	}
	var axis strings.Builder
	step := tickStep(span)
	for s := 0.0; s <= span+1e-9; s += step {
		xs := left + (width-left-right)*s/span
		fmt.Fprintf(&axis, `<line class="tick" x1="%.1f" x2="%.1f" y1="%.0f" y2="%.1f"/><text class="tick" x="%.1f" y="14">%s</text>`,
			xs, xs, top-4, y, xs, fmtDuration(time.Duration(s*float64(time.Second))))
	}
	legendY := y + 14
	legend := ""
	for i, l := range []struct{ class, opacity, name string }{{"map", "1", "map"}, {"reduce", shuffleOpacity, "shuffle"},
		{"reduce", mergeOpacity, "merge"}, {"reduce", "1", "reduce"}, {"failed", "1", "failed"}, {"killed", "1", "killed"}} {
		lx := left + float64(i)*70
		legend += fmt.Sprintf(`<rect class="%s" fill-opacity="%s" x="%.0f" y="%.0f" width="12" height="10"/><text class="legend" x="%.0f" y="%.0f">%s</text>`,
			l.class, l.opacity, lx, legendY-9, lx+16, legendY, l.name)
	}
	note := ""
	if len(as) < shown {
		note = fmt.Sprintf(`<text class="legend" x="%.0f" y="%.0f">%d of %d attempts shown (all failed and killed ones)</text>`, left+430, legendY, len(as), shown)
	}
	if len(names) == 0 {
		note = fmt.Sprintf(`<text class="legend" x="%.0f" y="%.0f">no attempts yet</text>`, left, legendY+18)
		legendY += 18
	}
	h := legendY + 8
	return fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" class="chart timeline" viewBox="0 0 %.0f %.0f" role="img" aria-label="Timeline of the job's attempts, one lane per worker">%s%s%s%s</svg>`,
		width, h, axis.String(), body.String(), legend, note)
}

// The reduce phases' shades: a reduce attempt's shuffle and merge parts
// are its colour, lighter.
const shuffleOpacity, mergeOpacity = ".45", ".7"

// drawBar draws one attempt's bar from x0 to x1 at y, h high: a link to
// its attempt page with a tooltip; a reduce split into its shuffle, merge
// and reduce phases where its report gave their ends; a label (the
// attempt's short id, and a running reduce's phase) where it fits. A
// white edge keeps back-to-back attempts of a row apart.
func drawBar(w *strings.Builder, jobID string, b *bar, x0, x1, y, h float64) {
	cls := b.kind
	switch b.a.State {
	case api.AttemptFailed:
		cls = "failed"
	case api.AttemptKilled:
		cls = "killed"
	case api.AttemptRunning:
		cls += " running"
	}
	width := max(x1-x0, 1.5)
	label := shortID(b.a.ID)
	phase := ""
	if b.kind == "reduce" && b.a.State == api.AttemptRunning {
		phase = reducePhase(b.a.Progress)
		label += " " + phase
	}
	title := fmt.Sprintf("%s %s %s", b.a.ID, b.a.State, fmtDuration(b.end.Sub(b.start)))
	if phase != "" {
		title += " (" + phase + ")"
	}
	if b.a.Status != "" {
		title += ": " + b.a.Status
	}
	fmt.Fprintf(w, `<a href="/ui/jobs/%s/attempts/%s"><g class="bar"><title>%s</title>`, html.EscapeString(jobID), html.EscapeString(b.a.ID), html.EscapeString(title))
	sh, so := b.a.ShuffleFinished, b.a.SortFinished
	if b.kind == "reduce" && b.a.State == api.AttemptSucceeded && !sh.IsZero() && !so.IsZero() && !sh.Before(b.start) && !so.Before(sh) && !b.end.Before(so) {
		xs := x0 + (x1-x0)*sh.Sub(b.start).Seconds()/max(b.end.Sub(b.start).Seconds(), 1e-9)
		xm := x0 + (x1-x0)*so.Sub(b.start).Seconds()/max(b.end.Sub(b.start).Seconds(), 1e-9)
		for _, seg := range []struct {
			a, b    float64
			opacity string
		}{{x0, xs, shuffleOpacity}, {xs, xm, mergeOpacity}, {xm, x0 + width, "1"}} {
			if seg.b-seg.a > 0.05 {
				fmt.Fprintf(w, `<rect class="%s" fill-opacity="%s" x="%.1f" y="%.1f" width="%.1f" height="%.0f"/>`, cls, seg.opacity, seg.a, y, seg.b-seg.a, h)
			}
		}
	} else {
		fmt.Fprintf(w, `<rect class="%s" x="%.1f" y="%.1f" width="%.1f" height="%.0f"/>`, cls, x0, y, width, h)
	}
	// The edge: a white line at the bar's start and end.
	fmt.Fprintf(w, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.0f" fill="none" stroke="#fff" stroke-width="1"/>`, x0, y, width, h)
	if float64(len(label))*5.2+6 <= width {
		fmt.Fprintf(w, `<text class="bar-label" x="%.1f" y="%.1f">%s</text>`, x0+3, y+h-3.5, html.EscapeString(label))
	}
	w.WriteString(`</g></a>`)
}

// reducePhase is the phase of a running reduce at progress, as Hadoop
// weighs them (a third each).
func reducePhase(progress float64) string {
	switch {
	case progress < 1.0/3:
		return "shuffle"
	case progress < 2.0/3:
		return "merge"
	}
	return "reduce"
}

// sampleAttempts keeps at most maxBars attempts: every failed or killed
// one, then an even sample of the others.
func sampleAttempts(as []api.AttemptInfo) []api.AttemptInfo {
	if len(as) <= maxBars {
		return as
	}
	var keep, rest []api.AttemptInfo
	for _, a := range as {
		if a.State == api.AttemptFailed || a.State == api.AttemptKilled {
			keep = append(keep, a)
		} else {
			rest = append(rest, a)
		}
	}
	if len(keep) > maxBars {
		rng := rand.New(rand.NewPCG(1, 2))
		rng.Shuffle(len(keep), func(i, j int) { keep[i], keep[j] = keep[j], keep[i] })
		return keep[:maxBars]
	}
	room := maxBars - len(keep)
	for i := 0; i < room; i++ {
		keep = append(keep, rest[i*len(rest)/room])
	}
	return keep
}

// stack gives each bar of a lane a row so that bars of a row do not
// overlap (fewest rows, by start time) and returns the number of rows.
func stack(bars []*bar) int {
	slices.SortFunc(bars, func(a, b *bar) int { return a.start.Compare(b.start) })
	var ends []time.Time
	for _, b := range bars {
		placed := false
		for r, e := range ends {
			if !b.start.Before(e) {
				b.row, ends[r], placed = r, b.end, true
				break
			}
		}
		if !placed {
			b.row = len(ends)
			ends = append(ends, b.end)
		}
	}
	return max(1, len(ends))
}

// tickStep picks a round step for about eight ticks over span seconds.
func tickStep(span float64) float64 {
	for _, s := range []float64{0.1, 0.25, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400} {
		if span/s <= 8 {
			return s
		}
	}
	return span / 8
}

// chartRow is one counter of a counters chart: its map and reduce parts.
type chartRow struct {
	label       string
	map_, total int64
}

// countersSVG draws horizontal bars, one per counter, split into the
// map and the reduce part (the total when the parts are unknown), scaled
// to the largest.
func countersSVG(title string, rows []chartRow) string {
	const width, left, barH, gap = 960.0, 260.0, 14.0, 6.0
	var top int64 = 1
	for _, r := range rows {
		top = max(top, r.total)
	}
	var b strings.Builder
	y := 26.0
	for _, r := range rows {
		w := (width - left - 110) * float64(r.total) / float64(top)
		wm := (width - left - 110) * float64(min(r.map_, r.total)) / float64(top)
		fmt.Fprintf(&b, `<text class="lane" x="%.0f" y="%.1f">%s</text>`, left-6, y+barH-3, html.EscapeString(r.label))
		fmt.Fprintf(&b, `<rect class="reduce" x="%.0f" y="%.1f" width="%.1f" height="%.0f"><title>%s: %d (map %d, reduce %d)</title></rect>`,
			left, y, max(w, 0.5), barH, html.EscapeString(r.label), r.total, r.map_, r.total-r.map_)
		if wm > 0 {
			fmt.Fprintf(&b, `<rect class="map" x="%.0f" y="%.1f" width="%.1f" height="%.0f"><title>%s: map %d</title></rect>`,
				left, y, wm, barH, html.EscapeString(r.label), r.map_)
		}
		fmt.Fprintf(&b, `<text class="value" x="%.1f" y="%.1f">%s</text>`, left+w+6, y+barH-3, humanInt(r.total))
		y += barH + gap
	}
	legend := fmt.Sprintf(`<rect class="map" x="%.0f" y="%.0f" width="12" height="10"/><text class="legend" x="%.0f" y="%.0f">map</text><rect class="reduce" x="%.0f" y="%.0f" width="12" height="10"/><text class="legend" x="%.0f" y="%.0f">reduce (or total)</text>`,
		left, y+2, left+16, y+11, left+80, y+2, left+96, y+11)
	return fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" class="chart counters" viewBox="0 0 %.0f %.0f" role="img" aria-label="%s"><text class="title" x="0" y="14">%s</text>%s%s</svg>`,
		width, y+20, html.EscapeString(title), html.EscapeString(title), b.String(), legend)
}

// svgStyle is the charts' style, embedded in the standalone SVG
// documents (the pages style inline charts with the site's CSS).
const svgStyle = `<style>text{font:11px sans-serif;fill:#333}.lane{text-anchor:end}.tick{stroke:#ddd}text.tick{stroke:none;fill:#777;text-anchor:middle}.lane-sep{stroke:#eee}.map{fill:#4e79a7}.reduce{fill:#59a14f}.failed{fill:#e15759}.killed{fill:#9d9d9d}.running{opacity:.6}.bar-label{font-size:9px;fill:#fff}.title{font-weight:bold}</style>`

// standalone makes a chart a document of its own (with its style).
func standalone(svg string) string {
	i := strings.Index(svg, ">")
	return `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + svg[:i+1] + svgStyle + svg[i+1:]
}
