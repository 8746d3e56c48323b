// Command report turns the raw measurements of bench/run.sh into the ratio
// table it prints and the bench/RESULTS.md it writes.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

type sample map[string]float64 // wall_s, peak_tree_rss_kb, ...

// raw[bench][variant][run] = sample
type rawData map[string]map[string]map[int]sample

func readRaw(path string) (rawData, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	d := rawData{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) < 4 {
			continue
		}
		run, _ := strconv.Atoi(fs[2])
		s := sample{}
		for _, kv := range fs[3:] {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				continue
			}
			x, _ := strconv.ParseFloat(v, 64)
			s[k] = x
		}
		if d[fs[0]] == nil {
			d[fs[0]] = map[string]map[int]sample{}
		}
		if d[fs[0]][fs[1]] == nil {
			d[fs[0]][fs[1]] = map[int]sample{}
		}
		d[fs[0]][fs[1]][run] = s
	}
	return d, sc.Err()
}

type stats struct {
	n                int
	min, median, max float64
}

func summarize(xs []float64) stats {
	if len(xs) == 0 {
		return stats{}
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		m = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return stats{n: len(s), min: s[0], median: m, max: s[len(s)-1]}
}

// paired returns f(a[run], b[run]) for every run both variants have.
func (d rawData) paired(bench, a, b string, f func(x, y sample) float64) []float64 {
	var out []float64
	va, vb := d[bench][a], d[bench][b]
	runs := make([]int, 0, len(va))
	for r := range va {
		if _, ok := vb[r]; ok {
			runs = append(runs, r)
		}
	}
	sort.Ints(runs)
	for _, r := range runs {
		out = append(out, f(va[r], vb[r]))
	}
	return out
}

func (d rawData) values(bench, v, key string) []float64 {
	var out []float64
	for _, s := range d[bench][v] {
		out = append(out, s[key])
	}
	return out
}

type row struct {
	bench, figure   string
	st              stats
	target          string
	ok              string // "yes", "no", "n/a"
	baseAbs, zebAbs string
}

func ratio(key string) func(x, y sample) float64 {
	return func(x, y sample) float64 { return x[key] / y[key] }
}

func fmtf(x float64) string {
	switch {
	case x == 0:
		return "0"
	case math.Abs(x) >= 100:
		return fmt.Sprintf("%.0f", x)
	case math.Abs(x) >= 10:
		return fmt.Sprintf("%.1f", x)
	case math.Abs(x) >= 1:
		return fmt.Sprintf("%.2f", x)
	default:
		return fmt.Sprintf("%.3f", x)
	}
}

func met(st stats, limit float64) string {
	if st.n == 0 {
		return "n/a"
	}
	if st.median <= limit {
		return "yes"
	}
	return "**no**"
}

// micro benchmark result: name -> list of (ns/op, allocs/op, B/op, MB/s) per count
type bres struct{ ns, allocs, bytes, mbs float64 }

var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+(.*)$`)

func readMicro(path string) (order []string, pkgOf map[string]string, res map[string][]bres, err error) {
	res = map[string][]bres{}
	pkgOf = map[string]string{}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, nil, err
	}
	defer f.Close()
	pkg := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if p, ok := strings.CutPrefix(line, "pkg: "); ok {
			pkg = p
			continue
		}
		m := benchLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		var r bres
		fs := strings.Fields(m[2])
		for i := 0; i+1 < len(fs); i += 2 {
			x, _ := strconv.ParseFloat(fs[i], 64)
			switch fs[i+1] {
			case "ns/op":
				r.ns = x
			case "allocs/op":
				r.allocs = x
			case "B/op":
				r.bytes = x
			case "MB/s":
				r.mbs = x
			}
		}
		name := m[1]
		if _, seen := res[name]; !seen {
			order = append(order, name)
			pkgOf[name] = pkg
		}
		res[name] = append(res[name], r)
	}
	return order, pkgOf, res, sc.Err()
}

func splitName(name string) (group, sub string) {
	i := strings.LastIndex(name, "/")
	if i < 0 {
		return name, ""
	}
	return name[:i], name[i+1:]
}

func main() {
	rawPath := flag.String("raw", "", "raw measurements")
	checksPath := flag.String("checks", "", "output checks")
	microPath := flag.String("micro", "", "go test -bench output")
	out := flag.String("out", "", "RESULTS.md to write")
	machine := flag.String("machine", "", "")
	command := flag.String("command", "", "")
	mode := flag.String("mode", "", "")
	runs := flag.Int("runs", 0, "")
	sizes := flag.String("sizes", "", "")
	tinyTasks := flag.Float64("tiny-tasks", 2000, "")
	arrowNotes := flag.String("arrow-notes", "", "static notes appended to the Arrow section")
	flag.Parse()

	d, err := readRaw(*rawPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
	var rows []row
	add := func(bench, figure, a, b, key string, target string, limit float64, baseKey string, scale float64, unit string) {
		st := summarize(d.paired(bench, a, b, ratio(key)))
		r := row{bench: bench, figure: figure, st: st, target: target}
		if limit > 0 {
			r.ok = met(st, limit)
		} else {
			r.ok = "n/a"
		}
		if st.n == 0 {
			r.ok = "not run"
		}
		r.baseAbs = absStr(d.values(bench, b, baseKey), scale, unit)
		r.zebAbs = absStr(d.values(bench, a, baseKey), scale, unit)
		rows = append(rows, r)
	}
	add("wordcount", "wall, zebra / shell pipeline", "zebra", "pipeline", "wall_s", "≤ 0.70", 0.70, "wall_s", 1, "s")
	add("wordcount", "wall, zebra / Hadoop local", "zebra", "hadoop", "wall_s", "≤ 0.30", 0.30, "wall_s", 1, "s")
	add("sort", "wall, zebra / GNU sort", "zebra", "gnusort", "wall_s", "≤ 1.20", 1.20, "wall_s", 1, "s")
	{
		st := summarize(d.paired("sort", "zebra", "gnusort", ratio("peak_tree_rss_kb")))
		abs := summarize(d.values("sort", "zebra", "peak_tree_rss_kb"))
		r := row{bench: "sort", figure: "peak tree RSS, zebra / GNU sort", st: st,
			target: "zebra ≤ 300 MB", baseAbs: absStr(d.values("sort", "gnusort", "peak_tree_rss_kb"), 1.0/1024, "MB"),
			zebAbs: absStr(d.values("sort", "zebra", "peak_tree_rss_kb"), 1.0/1024, "MB")}
		r.ok = "not run"
		if abs.n > 0 {
			r.ok = "yes"
			if abs.max/1024 > 300 {
				r.ok = "**no**"
			}
		}
		rows = append(rows, r)
	}
	add("latency", "wall 1 MB wordcount, zebra / Hadoop local", "zebra", "hadoop", "wall_s", "≤ 0.05", 0.05, "wall_s", 1, "s")
	add("tiny", "wall, zebra map-only / cat loop", "zebra", "catloop", "wall_s", "—", 0, "wall_s", 1, "s")
	{
		per := d.paired("tiny", "zebra", "catloop", func(x, y sample) float64 {
			return (x["wall_s"] - y["wall_s"]) / *tinyTasks * 1000
		})
		st := summarize(per)
		r := row{bench: "tiny", figure: "framework overhead per task, ms: (zebra − cat loop) / tasks", st: st,
			target: "p50 ≤ 5 ms", ok: met(st, 5)}
		if st.n == 0 {
			r.ok = "not run"
		}
		rows = append(rows, r)
	}

	var checks []string
	if b, err := os.ReadFile(*checksPath); err == nil {
		for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			if l != "" {
				checks = append(checks, l)
			}
		}
	}

	var md strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&md, format, a...) }
	w("# zebra benchmark results\n\n")
	w("Generated by `bench/run.sh`; do not edit by hand (re-run it).\n\n")
	w("- Machine: %s\n", *machine)
	w("- Date: %s\n", time.Now().UTC().Format("2006-01-02 15:04 MST"))
	w("- Command: `%s` (mode %s, %d runs)\n", *command, *mode, *runs)
	w("- Sizes: %s\n", *sizes)
	w("- Each figure is a ratio to its baseline measured in the same run (back to back); min/median/max over the runs. A target is met when the median is within it.\n\n")
	w("## End-to-end\n\n")
	table := func() string {
		var t strings.Builder
		fmt.Fprintf(&t, "| benchmark | figure | min | median | max | target | met | baseline (median, min–max) | zebra (median, min–max) |\n")
		fmt.Fprintf(&t, "|---|---|---|---|---|---|---|---|---|\n")
		for _, r := range rows {
			if r.st.n == 0 {
				fmt.Fprintf(&t, "| %s | %s | – | – | – | %s | %s | | |\n", r.bench, r.figure, r.target, r.ok)
				continue
			}
			fmt.Fprintf(&t, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", r.bench, r.figure,
				fmtf(r.st.min), fmtf(r.st.median), fmtf(r.st.max), r.target, r.ok, r.baseAbs, r.zebAbs)
		}
		return t.String()
	}()
	md.WriteString(table)
	w("\nHow each figure is measured:\n\n")
	w("- Wall time: `bench/cmd/measure` (fork/exec to exit of the command).\n")
	w("- wordcount: `zebra streaming -files mapper.py,reducer.py -mapper mapper.py -reducer reducer.py` (examples/wordcount) vs `sh -c 'cat in | python3 mapper.py | LC_ALL=C sort | python3 reducer.py'` vs `scripts/hadoop-oracle.sh run` with the same arguments (Hadoop 3.4.1 LocalJobRunner). Output checked: zebra's and Hadoop's part-00000 byte-identical to the pipeline's output.\n")
	w("- sort: `zebra streaming -mapper cat -reducer cat` vs `LC_ALL=C sort -S 50%% --parallel=2` on the same file. zebra's part-00000 lines are `record<TAB>` (whole line is the key, empty value); the check compares it with the sort output after stripping that trailing tab.\n")
	w("- Peak RSS: sum of the resident set (statm) of every process of the command's tree (walked through /proc/PID/task/TID/children), sampled every 20 ms; the largest sum seen. Processes living less than a sample interval are missed, so it is a lower bound; page cache is not counted (cgroup v1 memory accounting would include it, so it is not used).\n")
	w("- tiny: `zebra streaming -input DIR -mapper cat -numReduceTasks 0` over %0.f files of 1 KB; the scripts' own time is a sequential shell loop `for f in DIR/*; do cat $f > out/$f; done` (one fork+exec of cat per file, as zebra needs). Overhead per task = (zebra wall − loop wall) / tasks, from each run's totals; p50 is the median over runs. zebra runs 2 tasks at a time, so this is per task, not per task-slot; output checked as the same lines (sorted, tab stripped) as the loop's.\n", *tinyTasks)
	w("- latency: end-to-end wall time of the 1 MB wordcount job (same scripts), zebra vs Hadoop local; outputs checked identical.\n\n")
	w("Output checks:\n\n")
	if len(checks) == 0 {
		w("- none\n")
	}
	for _, c := range checks {
		w("- %s\n", c)
	}

	order, pkgOf, micro, _ := readMicro(*microPath)
	microTable, arrowTable, verdict := microTables(order, pkgOf, micro)
	w("\n## Go micro-benchmarks\n\n")
	w("`go test -run '^$' -bench \"$benchre\" -benchmem -count %d ./mapreduce ./streaming ./bench/arrowspill` (only this suite's benchmarks, see `benchre` in run.sh). Ratio = zebra's ns/op ÷ the naive std-lib baseline's ns/op (`base-*` in the same benchmark), paired by repetition; < 1 means zebra is faster.\n\n", *runs)
	md.WriteString(microTable)
	w("\n## Arrow as the spill format\n\n")
	w("`bench/arrowspill`: the same sorted records written and read back in zebra's spill format (uvarint key length, uvarint value length, key, value; `base-zebrafmt`) and as Arrow IPC (github.com/apache/arrow/go/v15, binary key and value columns, 64K-row record batches, IPC stream format; `arrow`). Ratio = Arrow's ns/op ÷ zebra format's (> 1: Arrow is slower).\n\n")
	md.WriteString(arrowTable)
	w("\n%s\n", verdict)
	if b, err := os.ReadFile(*arrowNotes); err == nil {
		w("\n%s", string(b))
	}
	if err := os.WriteFile(*out, []byte(md.String()), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
	fmt.Print(table)
	for _, c := range checks {
		fmt.Println("check:", c)
	}
	fmt.Print("\n", microTable, "\n", arrowTable, "\n", verdict, "\n")
}

func absStr(xs []float64, scale float64, unit string) string {
	st := summarize(xs)
	if st.n == 0 {
		return ""
	}
	return fmt.Sprintf("%s %s (%s–%s)", fmtf(st.median*scale), unit, fmtf(st.min*scale), fmtf(st.max*scale))
}

func microTables(order []string, pkgOf map[string]string, res map[string][]bres) (micro, arrow, verdict string) {
	var mt, at strings.Builder
	fmt.Fprintf(&mt, "| package | benchmark | variant | ratio min | ratio median | ratio max | ns/op (median) | allocs/op | B/op | baseline | baseline ns/op | baseline allocs/op |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	fmt.Fprintf(&at, "| benchmark | Arrow/zebra ns ratio min | median | max | zebra fmt MB/s | Arrow MB/s | zebra allocs/op | Arrow allocs/op |\n|---|---|---|---|---|---|---|---|\n")
	// groups in order, with their base.
	type grp struct {
		name string
		base string
		subs []string
	}
	var groups []*grp
	byName := map[string]*grp{}
	for _, n := range order {
		g, sub := splitName(n)
		gr := byName[g]
		if gr == nil {
			gr = &grp{name: g}
			byName[g] = gr
			groups = append(groups, gr)
		}
		if strings.HasPrefix(sub, "base-") {
			gr.base = n
		} else {
			gr.subs = append(gr.subs, n)
		}
	}
	med := func(name string, f func(bres) float64) float64 {
		var xs []float64
		for _, r := range res[name] {
			xs = append(xs, f(r))
		}
		return summarize(xs).median
	}
	ns := func(r bres) float64 { return r.ns }
	allocs := func(r bres) float64 { return r.allocs }
	bytesOp := func(r bres) float64 { return r.bytes }
	mbs := func(r bres) float64 { return r.mbs }
	arrowSlower, arrowN := 0, 0
	var worst float64
	for _, g := range groups {
		isArrow := strings.HasSuffix(pkgOf[firstOr(g.subs, g.base)], "arrowspill")
		for _, s := range g.subs {
			var ratios []float64
			if g.base != "" {
				b, c := res[g.base], res[s]
				for i := 0; i < len(b) && i < len(c); i++ {
					if b[i].ns > 0 {
						ratios = append(ratios, c[i].ns/b[i].ns)
					}
				}
			}
			st := summarize(ratios)
			_, sub := splitName(s)
			if isArrow {
				fmt.Fprintf(&at, "| %s | %s | %s | %s | %.0f | %.0f | %.0f | %.0f |\n", strings.TrimPrefix(g.name, "Benchmark"),
					fmtf(st.min), fmtf(st.median), fmtf(st.max), med(g.base, mbs), med(s, mbs), med(g.base, allocs), med(s, allocs))
				arrowN++
				if st.median > 1.05 {
					arrowSlower++
				}
				worst = math.Max(worst, st.median)
				continue
			}
			rs := func(x float64) string {
				if st.n == 0 {
					return "–"
				}
				return fmtf(x)
			}
			_, bsub := splitName(g.base)
			fmt.Fprintf(&mt, "| %s | %s | %s | %s | %s | %s | %s | %.0f | %.0f | %s | %s | %.0f |\n",
				strings.TrimPrefix(pkgOf[s], "zebra/"), strings.TrimPrefix(g.name, "Benchmark"), sub,
				rs(st.min), rs(st.median), rs(st.max), fmtf(med(s, ns)), med(s, allocs), med(s, bytesOp),
				bsub, fmtf(med(g.base, ns)), med(g.base, allocs))
		}
	}
	switch {
	case arrowN == 0:
		verdict = "Verdict: not measured in this run."
	case arrowSlower == 0:
		verdict = fmt.Sprintf("Verdict (from this run's numbers): Arrow IPC is within 5%% of zebra's format or faster in all %d cases (worst median ratio %s); adopting it would not cost speed.", arrowN, fmtf(worst))
	default:
		verdict = fmt.Sprintf("Verdict (from this run's numbers): Arrow IPC is more than 5%% slower than zebra's spill format in %d of %d cases (worst median ratio %s): it costs speed, so by the issue's rule keep zebra's format for the in-memory buffer and spills.", arrowSlower, arrowN, fmtf(worst))
	}
	return mt.String(), at.String(), verdict
}

func firstOr(xs []string, d string) string {
	if len(xs) > 0 {
		return xs[0]
	}
	return d
}
