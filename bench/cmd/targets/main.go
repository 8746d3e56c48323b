// Command targets prints bench/run.sh's table of the issue-17 targets
// (markdown) from the measurements of one run of the script.
//
//	targets -raw FILE [-boot FILE] [-shuffle FILE [-shuffle-before FILE]] [-cores N] [-command CMD] [-mode M]
//	targets -shuffle FILE [-shuffle-before FILE] [-command CMD] [-mode M]
//
// -raw holds one line per measurement, "KEY RUN wall_s=... user_s=...
// peak_tree_rss_kb=..." (bench/cmd/measure's fields), one per output check,
// "check KEY RUN identical|DIFFERENT DESCRIPTION...", and notes, "note
// TEXT...". Keys:
//
//	wc/SIZE/pipeline                 the shell pipeline over the text of SIZE bytes
//	wc/SIZE/rR/SYSTEM                zebra (default), pieces, none (zebra.sandbox=none), filter (none, programs
//	                                 under bench/cmd/filterexec), hadoop, mrjob; R reducers
//	floor/SIZE/map/I, floor/SIZE/sort/I             mapper alone over split I; LC_ALL=C sort of its output
//	floor/SIZE/rR/merge/J, floor/SIZE/rR/reduce/J   sort -m of partition J's runs; reducer alone over it
//	sort/zebra, sort/gnusort         identity sort
//
// -boot and -shuffle are `go test -bench` outputs (one repetition per run,
// paired by their order): sandbox/native's BootTrue and ForkExecTrue (p50-ms
// metric), jobtracker/shuffle's ShuffleVsRaw (MB/s and CPU seconds per GB);
// -shuffle-before is ShuffleVsRaw of an older build run interleaved with
// -shuffle's (bench/shuffle.sh --against). Without -raw only the shuffle
// rows are printed (bench/shuffle.sh). Every ratio is paired within a run
// (same RUN index) and summarised as min/median/max over the runs; a target
// is met when the median is within it, or, where the target is beyond the
// floor (an upper bound under the floor's ratio to the same baseline, or a
// lower bound over it), when the median is within 10% of the floor's ratio.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// runs maps a run index to a value.
type runs map[int]float64

type data struct {
	vals   map[string]map[string]runs // key -> field -> run -> value
	checks map[string][]check         // key -> checks
	notes  []string
	cores  int
}

type check struct {
	run  int
	ok   bool
	desc string
}

func main() {
	rawPath := flag.String("raw", "", "measurements file")
	bootPath := flag.String("boot", "", "go test -bench output of sandbox/native")
	shufPath := flag.String("shuffle", "", "go test -bench output of jobtracker/shuffle")
	shufBefore := flag.String("shuffle-before", "", "the same of an older build, run interleaved with -shuffle's")
	cores := flag.Int("cores", 2, "cores the floor's layout spreads tasks over")
	command := flag.String("command", "bench/run.sh", "command line to print")
	mode := flag.String("mode", "", "full or quick")
	flag.Parse()
	if *rawPath == "" && *shufPath == "" {
		fmt.Fprintln(os.Stderr, "targets: -raw FILE or -shuffle FILE is required")
		os.Exit(2)
	}
	if *rawPath == "" {
		shuffleOnly(*shufPath, *shufBefore, *command, *mode)
		return
	}
	d, err := readRaw(*rawPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "targets:", err)
		os.Exit(1)
	}
	d.cores = *cores
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	fmt.Fprintf(w, "## Issue 17 targets\n\nFrom `%s` (mode %s), %d cores. Each ratio is zebra's figure over the baseline's, both measured in the same run (the systems interleaved within each run: A B C A B C ...); min/median/max over the runs. **floor/base** is the floor of the job (below) over the same baseline, per run, median. met: the median is within the target, or, where the target is under the floor (marked †), within 10%% of floor/base (the sandbox target: within 3%% of none+filter, the seccomp floor).\n\n", *command, *mode, *cores)
	if l := d.get("load", "load1"); len(l) > 0 {
		fmt.Fprintf(w, "1-minute load average at the start of each run: %s (%d cores). On a busy machine every wall time grows while the floor, made of CPU times, does not: floor/base then understates the floor's share, and targets marked † are harder to meet than on a quiet machine.\n\n", summarize(l).span(""), *cores)
	}
	fmt.Fprintln(w, "| item | figure | min | median | max | floor/base | target | met | baseline (median, min–max) | zebra (median, min–max) | outputs |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|---|")
	d.wordcount(w)
	d.sortRows(w)
	if *bootPath != "" {
		if err := d.boot(w, *bootPath); err != nil {
			fmt.Fprintln(os.Stderr, "targets:", err)
		}
	}
	d.splitRead(w)
	if *shufPath != "" {
		if err := d.shuffle(w, *shufPath, *shufBefore); err != nil {
			fmt.Fprintln(os.Stderr, "targets:", err)
		}
	}
	fmt.Fprintln(w)
	d.explain(w)
}

func readRaw(path string) (*data, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open measurements: %w", err)
	}
	defer f.Close()
	d := &data{vals: map[string]map[string]runs{}, checks: map[string][]check{}}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		fs := strings.Fields(sc.Text())
		if len(fs) == 0 {
			continue
		}
		switch fs[0] {
		case "note":
			d.notes = append(d.notes, strings.TrimSpace(strings.TrimPrefix(sc.Text(), "note")))
			continue
		case "check":
			if len(fs) < 4 {
				return nil, fmt.Errorf("%s:%d: short check line", path, n)
			}
			r, err := strconv.Atoi(fs[2])
			if err != nil {
				return nil, fmt.Errorf("%s:%d: run %q: %w", path, n, fs[2], err)
			}
			d.checks[fs[1]] = append(d.checks[fs[1]], check{run: r, ok: fs[3] == "identical", desc: strings.Join(fs[4:], " ")})
			continue
		}
		if len(fs) < 3 {
			return nil, fmt.Errorf("%s:%d: want KEY RUN FIELD=VALUE (one or more)", path, n)
		}
		r, err := strconv.Atoi(fs[1])
		if err != nil {
			return nil, fmt.Errorf("%s:%d: run %q: %w", path, n, fs[1], err)
		}
		for _, kv := range fs[2:] {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				continue
			}
			x, err := strconv.ParseFloat(v, 64)
			if err != nil {
				continue
			}
			d.set(fs[0], k, r, x)
		}
	}
	return d, sc.Err()
}

func (d *data) set(key, field string, run int, v float64) {
	if d.vals[key] == nil {
		d.vals[key] = map[string]runs{}
	}
	if d.vals[key][field] == nil {
		d.vals[key][field] = runs{}
	}
	d.vals[key][field][run] = v
}

func (d *data) get(key, field string) runs { return d.vals[key][field] }

// cpu is the CPU time (user + system) of key's command tree, by run.
func (d *data) cpu(key string) runs {
	out := runs{}
	u, s := d.get(key, "user_s"), d.get(key, "sys_s")
	for r, x := range u {
		if y, ok := s[r]; ok {
			out[r] = x + y
		}
	}
	return out
}

// ratio pairs a and b by run.
func ratio(a, b runs) runs {
	out := runs{}
	for r, x := range a {
		if y, ok := b[r]; ok && y > 0 {
			out[r] = x / y
		}
	}
	return out
}

type summary struct {
	n                int
	min, median, max float64
}

func summarize(v runs) summary {
	var xs []float64
	for _, x := range v {
		xs = append(xs, x)
	}
	sort.Float64s(xs)
	s := summary{n: len(xs)}
	if s.n == 0 {
		return s
	}
	s.min, s.max = xs[0], xs[s.n-1]
	if s.n%2 == 1 {
		s.median = xs[s.n/2]
	} else {
		s.median = (xs[s.n/2-1] + xs[s.n/2]) / 2
	}
	return s
}

func fig(x float64) string {
	if x >= 100 {
		return strconv.FormatFloat(x, 'f', 0, 64)
	}
	return strconv.FormatFloat(x, 'g', 3, 64)
}

func (s summary) span(unit string) string {
	if s.n == 0 {
		return "not run"
	}
	if unit != "" {
		unit = " " + unit
	}
	return fmt.Sprintf("%s%s (%s–%s)", fig(s.median), unit, fig(s.min), fig(s.max))
}

// target is an upper (or, with atLeast, lower) bound on a ratio's median.
type target struct {
	limit   float64 // 0: none
	atLeast bool
	text    string
}

// row writes one table row. fl is floor/base per run (nil: no floor).
func row(w io.Writer, item, figure string, v runs, fl runs, t target, base, zeb, outputs string) {
	s, f := summarize(v), summarize(fl)
	flText := "—"
	if f.n > 0 {
		flText = fig(f.median)
	}
	tText, met := verdict(s, f, t)
	if s.n == 0 {
		fmt.Fprintf(w, "| %s | %s | – | – | – | %s | %s | %s | %s | %s | %s |\n", item, figure, flText, tText, met, base, zeb, outputs)
		return
	}
	fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
		item, figure, fig(s.min), fig(s.median), fig(s.max), flText, tText, met, base, zeb, outputs)
}

// verdict is the target's text and whether the median s meets it: within
// the target, or, for an upper bound under the floor's ratio f or a lower
// bound over it (the text then marked †), within 10% of f: at most 1.1 f,
// or at least f / 1.1 (a throughput ratio is the inverse of a time ratio).
func verdict(s, f summary, t target) (text, met string) {
	text, met = "—", "n/a"
	if t.text != "" {
		text = t.text
	}
	switch {
	case s.n == 0:
		met = "not run"
	case t.limit == 0:
	case t.atLeast && f.n > 0 && t.limit > f.median:
		text += " †"
		met = yesNo(s.median >= f.median/1.1)
	case t.atLeast:
		met = yesNo(s.median >= t.limit)
	case f.n > 0 && t.limit < f.median:
		text += " †"
		met = yesNo(s.median <= 1.1*f.median)
	default:
		met = yesNo(s.median <= t.limit)
	}
	return text, met
}

func yesNo(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

// outputs summarizes the checks of key: "identical (3)" or the failures.
func (d *data) outputs(key string) string {
	cs := d.checks[key]
	if len(cs) == 0 {
		return "not checked"
	}
	bad := 0
	for _, c := range cs {
		if !c.ok {
			bad++
		}
	}
	if bad > 0 {
		return fmt.Sprintf("**DIFFERENT** in %d of %d", bad, len(cs))
	}
	return fmt.Sprintf("identical (%d)", len(cs))
}

// sizes lists the wordcount input sizes measured, smallest first.
func (d *data) sizes() []int64 {
	seen := map[int64]bool{}
	for k := range d.vals {
		if p := strings.Split(k, "/"); len(p) >= 3 && p[0] == "wc" {
			if n, err := strconv.ParseInt(p[1], 10, 64); err == nil {
				seen[n] = true
			}
		}
	}
	var out []int64
	for n := range seen {
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// lpt is the makespan of tasks laid out on cores longest first, each on the
// core that frees first.
func lpt(tasks []float64, cores int) float64 {
	sort.Sort(sort.Reverse(sort.Float64Slice(tasks)))
	load := make([]float64, max(cores, 1))
	for _, t := range tasks {
		i := 0
		for j := range load {
			if load[j] < load[i] {
				i = j
			}
		}
		load[i] += t
	}
	return maxOf(load)
}

func maxOf(xs []float64) float64 {
	m := 0.0
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}

// floor is the per-run floor of the word count of size bytes with r
// reducers, from the CPU time (user + system) of each program run alone,
// which, unlike its wall time, does not grow with what else the machine is
// busy with: the map tasks (mapper alone over its split, then sort of its
// output) laid out over the cores, then the reduce tasks (merge of the
// partition's sorted runs, then the reducer alone) laid out likewise.
func (d *data) floor(size int64, r int) runs {
	out := runs{}
	prefix := fmt.Sprintf("floor/%d/", size)
	for run := range d.get(fmt.Sprintf("wc/%d/pipeline", size), "wall_s") {
		var maps, reds []float64
		ok := true
		for i := 0; ; i++ {
			m, okm := d.cpu(fmt.Sprintf("%smap/%d", prefix, i))[run]
			if !okm {
				break
			}
			s, oks := d.cpu(fmt.Sprintf("%ssort/%d", prefix, i))[run]
			ok = ok && oks
			maps = append(maps, m+s)
		}
		for j := 0; j < r; j++ {
			m, okm := d.cpu(fmt.Sprintf("%sr%d/merge/%d", prefix, r, j))[run]
			x, okx := d.cpu(fmt.Sprintf("%sr%d/reduce/%d", prefix, r, j))[run]
			ok = ok && okm && okx
			reds = append(reds, m+x)
		}
		if ok && len(maps) > 0 {
			out[run] = lpt(maps, d.cores) + lpt(reds, d.cores)
		}
	}
	return out
}

// wcTargets are the word count targets by size (MB) and reducers;
// a missing entry has no target.
var wcTargets = map[string]map[[2]int]float64{
	"pipeline": {{200, 1}: 0.65, {200, 2}: 0.55, {40, 2}: 0.85},
	"hadoop":   {{40, 1}: 0.5, {40, 2}: 0.5, {200, 1}: 0.4, {200, 2}: 0.4},
	"mrjob":    {{40, 1}: 0.85, {40, 2}: 0.85, {200, 1}: 0.7, {200, 2}: 0.7},
	"mrjobcmd": {{40, 1}: 0.85, {40, 2}: 0.85, {200, 1}: 0.7, {200, 2}: 0.7},
}

func (d *data) wordcount(w io.Writer) {
	for _, size := range d.sizes() {
		mb := int(size / 1e6)
		pipe := d.get(fmt.Sprintf("wc/%d/pipeline", size), "wall_s")
		for r := 1; r <= 2; r++ {
			k := func(sys string) string { return fmt.Sprintf("wc/%d/r%d/%s", size, r, sys) }
			zeb := d.get(k("zebra"), "wall_s")
			if len(zeb) == 0 {
				continue
			}
			fl := d.floor(size, r)
			item := fmt.Sprintf("wordcount %d MB, %d reducer(s)", mb, r)
			zs := "zebra " + summarize(zeb).span("s")
			for _, b := range []struct{ sys, name string }{{"pipeline", "shell pipeline"}, {"hadoop", "Hadoop local"}, {"mrjob", "mrjob -r local"}, {"mrjobcmd", "mrjob -r local (same scripts)"}} {
				var base runs
				if b.sys == "pipeline" {
					base = pipe
				} else {
					base = d.get(k(b.sys), "wall_s")
					if len(base) == 0 && b.sys == "mrjobcmd" {
						continue // an opt-in form
					}
				}
				t := target{}
				if lim, ok := wcTargets[b.sys][[2]int{mb, r}]; ok {
					t = target{limit: lim, text: fmt.Sprintf("≤ %.2f", lim)}
				}
				outs := d.outputs(k("zebra"))
				if b.sys != "pipeline" {
					outs = "zebra " + outs + "; " + b.sys + " " + d.outputs(k(b.sys))
				}
				row(w, item, "wall, zebra / "+b.name, ratio(zeb, base), ratio(fl, base), t,
					b.name+" "+summarize(base).span("s"), zs, outs)
			}
			row(w, item, "floor / shell pipeline", ratio(fl, pipe), nil, target{},
				"pipeline "+summarize(pipe).span("s"), "floor "+summarize(fl).span("s"), "")
			pc := d.get(k("pieces"), "wall_s")
			row(w, item, "wall, zebra -D zebra.splits=pieces / shell pipeline", ratio(pc, pipe), ratio(fl, pipe), target{},
				"pipeline "+summarize(pipe).span("s"), "pieces "+summarize(pc).span("s"), d.outputs(k("pieces")))
			d.sandboxRows(w, item, k)
		}
	}
}

// sandboxLimit is issue 17's sandbox target: the native sandbox's wall
// time at most this over -D zebra.sandbox=none's.
const sandboxLimit = 1.03

// sandboxRows writes the sandbox's rows of one word count job (k gives the
// key of a system): native (zebra, the default) over none (-D
// zebra.sandbox=none), and, when the run measured it, over none+filter
// (key "filter": none with the mapper and reducer started through
// bench/cmd/filterexec, a seccomp filter of one instruction that allows
// everything), wall and CPU of the process tree. none+filter / none is the
// seccomp floor: what any filter costs these programs, which no sandbox
// with a seccomp filter can go under. The target row, native / none ≤
// 1.03, shows it as floor/base; where the floor's median is over 1.03 the
// target is under the floor (†) and met when native is within 3% of
// none+filter (the median of native / none+filter ≤ 1.03), the native /
// none ratio still shown.
func (d *data) sandboxRows(w io.Writer, item string, k func(string) string) {
	zeb, no, fi := d.get(k("zebra"), "wall_s"), d.get(k("none"), "wall_s"), d.get(k("filter"), "wall_s")
	zc, nc, fc := d.cpu(k("zebra")), d.cpu(k("none")), d.cpu(k("filter"))
	zs := "zebra " + summarize(zeb).span("s")
	fl := ratio(fi, no)
	v := ratio(zeb, no)
	t := target{limit: sandboxLimit, text: fmt.Sprintf("≤ %.2f", sandboxLimit)}
	text, met := verdict(summarize(v), summary{}, t)
	vs := summarize(ratio(zeb, fi))
	if f := summarize(fl); f.n > 0 && f.median > sandboxLimit && vs.n > 0 {
		text += " †"
		met = fmt.Sprintf("%s (under the floor: zebra / none+filter %s ≤ %.2f)", yesNo(vs.median <= sandboxLimit), fig(vs.median), sandboxLimit)
	}
	s := summarize(v)
	flText := "—"
	if f := summarize(fl); f.n > 0 {
		flText = fig(f.median)
	}
	nums := "– | – | –"
	if s.n > 0 {
		nums = fmt.Sprintf("%s | %s | %s", fig(s.min), fig(s.median), fig(s.max))
	}
	fmt.Fprintf(w, "| %s | sandbox cost: wall, zebra / zebra -D zebra.sandbox=none (floor: none+filter) | %s | %s | %s | %s | none %s | %s | %s |\n",
		item, nums, flText, text, met, summarize(no).span("s"), zs, d.outputs(k("none")))
	if len(fi) == 0 {
		return
	}
	fs := "none+filter " + summarize(fi).span("s")
	row(w, item, "sandbox cost vs the seccomp floor: wall, zebra / zebra none+filter", ratio(zeb, fi), nil, target{},
		fs, zs, d.outputs(k("filter")))
	cpu := func(name string, v runs) string { return name + " " + summarize(v).span("CPU-s") }
	row(w, item, "sandbox cost: CPU of the process tree, zebra / zebra -D zebra.sandbox=none (floor: none+filter)", ratio(zc, nc), ratio(fc, nc), target{},
		cpu("none", nc)+"; "+cpu("none+filter", fc), cpu("zebra", zc), "")
	row(w, item, "sandbox cost vs the seccomp floor: CPU of the process tree, zebra / zebra none+filter", ratio(zc, fc), nil, target{},
		cpu("none+filter", fc), cpu("zebra", zc), "")
}

func (d *data) sortRows(w io.Writer) {
	z, g := d.get("sort/zebra", "wall_s"), d.get("sort/gnusort", "wall_s")
	if len(z) == 0 && len(g) == 0 {
		return
	}
	zr, gr := d.get("sort/zebra", "peak_tree_rss_kb"), d.get("sort/gnusort", "peak_tree_rss_kb")
	mb := func(v runs) runs {
		out := runs{}
		for r, x := range v {
			out[r] = x / 1024
		}
		return out
	}
	row(w, "identity sort", "wall, zebra / GNU sort", ratio(z, g), nil, target{limit: 1.2, text: "≤ 1.20"},
		"GNU sort "+summarize(g).span("s"), "zebra "+summarize(z).span("s"), d.outputs("sort/zebra"))
	row(w, "identity sort", "zebra peak tree RSS, MB", mb(zr), nil, target{limit: 300, text: "≤ 300 MB"},
		"GNU sort "+summarize(mb(gr)).span("MB"), "zebra "+summarize(mb(zr)).span("MB"), "")
}

// benchLine matches a `go test -bench` result: name, then value-unit pairs.
var benchLine = regexp.MustCompile(`^Benchmark(\S+?)(?:-\d+)?\s+\d+\s+(.*)$`)

// readBench returns, per benchmark name, per unit, the values in order.
func readBench(path string) (map[string]map[string][]float64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read benchmark output: %w", err)
	}
	out := map[string]map[string][]float64{}
	for _, l := range strings.Split(string(b), "\n") {
		m := benchLine.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		fs := strings.Fields(m[2])
		if out[m[1]] == nil {
			out[m[1]] = map[string][]float64{}
		}
		for i := 0; i+1 < len(fs); i += 2 {
			if x, err := strconv.ParseFloat(fs[i], 64); err == nil {
				out[m[1]][fs[i+1]] = append(out[m[1]][fs[i+1]], x)
			}
		}
	}
	return out, nil
}

func indexed(xs []float64) runs {
	out := runs{}
	for i, x := range xs {
		out[i+1] = x
	}
	return out
}

func diff(a, b runs) runs {
	out := runs{}
	for r, x := range a {
		if y, ok := b[r]; ok {
			out[r] = x - y
		}
	}
	return out
}

func (d *data) boot(w io.Writer, path string) error {
	bs, err := readBench(path)
	if err != nil {
		return err
	}
	boot, fork := indexed(bs["BootTrue"]["p50-ms"]), indexed(bs["ForkExecTrue"]["p50-ms"])
	row(w, "sandbox boot", "p50 start-to-exit of /bin/true, sandbox − fork/exec, ms", diff(boot, fork), nil,
		target{limit: 2, text: "≤ 2 ms"}, "fork/exec "+summarize(fork).span("ms"), "sandbox "+summarize(boot).span("ms"), "")
	return nil
}

// shuffleSettings are BenchmarkShuffleVsRaw's security settings: its
// sub-benchmarks are <setting>/raw, <setting>/rawfiles and
// <setting>/shuffle.
var shuffleSettings = []struct{ name, text string }{{"plain", "CURVE off"}, {"curve", "CURVE on"}}

// shuffle writes the shuffle rows from BenchmarkShuffleVsRaw's results in
// path (one repetition per run, in run order): for each security setting,
// the fetch's throughput over raw ZeroMQ's (the same bytes, the same
// socket pattern and CURVE setting, from memory to nowhere), with the
// floor, rawfiles (raw ZeroMQ reading the map output file and writing a
// file: the least any shuffle must do), over the same raw run as
// floor/base; and the CPU seconds per GB of both processes. With before
// (the same benchmark of an older build, run interleaved with path's), it
// adds the after/before ratios.
func (d *data) shuffle(w io.Writer, path, before string) error {
	bs, err := readBench(path)
	if err != nil {
		return err
	}
	var old map[string]map[string][]float64
	if before != "" {
		if old, err = readBench(before); err != nil {
			return err
		}
	}
	for _, sec := range shuffleSettings {
		get := func(bs map[string]map[string][]float64, kind, unit string) runs {
			return indexed(bs["ShuffleVsRaw/"+sec.name+"/"+kind][unit])
		}
		z, r, f := get(bs, "shuffle", "MB/s"), get(bs, "raw", "MB/s"), get(bs, "rawfiles", "MB/s")
		if len(z) == 0 && len(r) == 0 {
			continue
		}
		item := "shuffle, " + sec.text
		bench := "BenchmarkShuffleVsRaw/" + sec.name
		row(w, item, fmt.Sprintf("throughput, %s/shuffle / %s/raw (floor: %s/rawfiles)", bench, bench, bench), ratio(z, r), ratio(f, r),
			target{limit: 0.8, atLeast: true, text: "≥ 0.80"},
			"raw "+summarize(r).span("MB/s")+"; rawfiles "+summarize(f).span("MB/s"), "zebra "+summarize(z).span("MB/s"),
			"the fetch checks records, length, IFile size")
		// CPU per byte does not depend on the machine's other load as MB/s does.
		cpu := func(bs map[string]map[string][]float64, kind string) string {
			faults := ""
			if f := get(bs, kind, "faults/MB"); len(f) > 0 { // older builds do not count them
				faults = "; " + fig(summarize(f).median) + " page faults/MB"
			}
			return fmt.Sprintf("%s (fetch %s + serve %s%s)", summarize(get(bs, kind, "cpu-s/GB")).span("cpu-s/GB"),
				fig(summarize(get(bs, kind, "fetch-cpu-s/GB")).median), fig(summarize(get(bs, kind, "serve-cpu-s/GB")).median), faults)
		}
		zc, rc, fc := get(bs, "shuffle", "cpu-s/GB"), get(bs, "raw", "cpu-s/GB"), get(bs, "rawfiles", "cpu-s/GB")
		if len(zc) > 0 && len(rc) > 0 {
			row(w, item, "CPU-s per GB, both processes: raw / zebra (floor: raw / rawfiles)", ratio(rc, zc), ratio(rc, fc), target{},
				"raw "+cpu(bs, "raw")+"; rawfiles "+cpu(bs, "rawfiles"), "zebra "+cpu(bs, "shuffle"), "")
		}
		if old == nil {
			continue
		}
		oz, or := get(old, "shuffle", "MB/s"), get(old, "raw", "MB/s")
		row(w, item, "before: throughput, shuffle / raw of the older build, same runs", ratio(oz, or), ratio(get(old, "rawfiles", "MB/s"), or),
			target{}, "raw "+summarize(or).span("MB/s"), "before "+summarize(oz).span("MB/s"), "")
		row(w, item, "throughput, zebra after / before", ratio(z, oz), nil, target{},
			"before "+summarize(oz).span("MB/s"), "after "+summarize(z).span("MB/s"), "")
		row(w, item, "CPU-s per GB, both processes: before / after", ratio(get(old, "shuffle", "cpu-s/GB"), zc), nil, target{},
			"before "+cpu(old, "shuffle"), "after "+cpu(bs, "shuffle"), "")
	}
	return nil
}

// shuffleHow says how the shuffle rows are measured.
const shuffleHow = "Shuffle: jobtracker/shuffle's BenchmarkShuffleVsRaw (`go test -run '^$' -bench '^BenchmarkShuffleVsRaw$' -benchtime 4x`, once per run), two processes over loopback moving one partition of 100-byte records: for each security setting (plain, curve: CURVE on both sides) `raw` (raw ZeroMQ moving the same payload bytes in as many messages over the same socket pattern and credit window, from memory to nowhere), `rawfiles` (the same, read from the map output file and written to a file: the floor of any shuffle) and `shuffle` (a Fetch from a shuffle server into a segment file), one after the other in the same process, so each ratio is paired within a run. MB/s counts the partition's bytes; CPU-s per GB is the CPU time (user + system) of both processes, fetcher and server, per GB moved, which the machine's other load does not inflate as it does MB/s; page faults/MB are the minor page faults of both processes per MB moved (where the build counts them)."

// shuffleOnly prints the shuffle rows alone (bench/shuffle.sh).
func shuffleOnly(path, before, command, mode string) {
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	fmt.Fprintf(w, "## Shuffle\n\nFrom `%s` (%s). Each ratio pairs two benchmarks of the same run; min/median/max over the runs. **floor/base** is rawfiles over the same baseline, per run, median. met: the median is within the target, or, where the target is beyond the floor (marked †), within 10%% of floor/base.\n\n", command, mode)
	fmt.Fprintln(w, "| item | figure | min | median | max | floor/base | target | met | baseline (median, min–max) | zebra (median, min–max) | outputs |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|---|")
	if err := (&data{}).shuffle(w, path, before); err != nil {
		fmt.Fprintln(os.Stderr, "targets:", err)
		w.Flush()
		os.Exit(1)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "- "+shuffleHow)
}

// splitRead is what a split read costs Swift over the input bytes, from
// bench/swift.sh's map-only cat (run.sh --swift): the proxy's GET bytes
// with locality off, and with locality on what the object servers were
// asked for by the maps' direct reads.
func (d *data) splitRead(w io.Writer) {
	t := target{limit: 1.01, text: "≤ 1.01 (range + last line's tail)"}
	for _, r := range []struct{ key, ratio, bytes, who, figure string }{
		{"splitread/cat-off", "ratio", "get_bytes", "proxy", "Swift proxy GET bytes / input bytes, map-only cat, locality off"},
		{"splitread/objects-on", "direct", "direct_bytes", "object servers", "object-server bytes asked by the maps' direct GETs / input bytes (access logs), map-only cat, locality on"},
		{"splitread/objects-off", "read", "read_bytes", "object servers", "bytes the object servers read from disk (rchar) to serve the proxy's GETs / input bytes, map-only cat, locality off"},
	} {
		v := d.get(r.key, r.ratio)
		if len(v) == 0 {
			continue
		}
		in := summarize(d.get(r.key, "input_bytes"))
		b := d.get(r.key, r.bytes)
		row(w, "split reads", r.figure, v, nil, t, fmt.Sprintf("input %.0f MB", in.median/1e6),
			r.who+" "+summarize(b).span("B")+", "+overRead(b, in.median), "checked by bench/swift.sh")
	}
}

// overRead says how many bytes the median of v is over the input's size,
// which a ratio rounded to three digits hides.
func overRead(v runs, input float64) string {
	s := summarize(v)
	if s.n == 0 || input <= 0 {
		return ""
	}
	return fmt.Sprintf("median %+.0f B over the input (%+.3f%%)", s.median-input, 100*(s.median-input)/input)
}

func (d *data) explain(w io.Writer) {
	fmt.Fprintln(w, "How each figure is measured:")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "- Wall time from bench/cmd/measure (fork/exec to exit). Word count: examples/wordcount's mapper.py and reducer.py on bench/cmd/gendata Zipf text (seed 1). zebra: `zebra streaming -files mapper.py,reducer.py -mapper mapper.py -reducer reducer.py [-numReduceTasks 2]` with default settings (exact mode: Hadoop's splits, native sandbox); pieces adds `-D zebra.splits=pieces`, none adds `-D zebra.sandbox=none`; none+filter is none with `-mapper \"filterexec mapper.py\" -reducer \"filterexec reducer.py\"` (bench/cmd/filterexec installs a seccomp filter of one instruction that allows every system call, then execs the program: the entry path of a filtered process, which any seccomp filter costs, is the sandbox's floor; none+filter / none is that floor, and the sandbox target, when under it, is met with native within 3% of none+filter). CPU: user + system of the whole process tree (bench/cmd/measure). Shell pipeline: `cat in | python3 mapper.py | LC_ALL=C sort | python3 reducer.py` (one for both reducer counts). Hadoop local: `scripts/hadoop-oracle.sh run` with the same arguments (Hadoop 3.4.1 LocalJobRunner). mrjob: bench/mrjob/wordcount.py (the same word count as an MRJob class, no combiner) with `-r local` and `--jobconf mapreduce.job.reduces=R`, mrjob 0.7.4 from PyPI; \"same scripts\" (run.sh --mrjob cmd or both): bench/mrjob/wordcount_cmd.py, mrjob running examples/wordcount's mapper.py and reducer.py as mapper_cmd and reducer_cmd.")
	fmt.Fprintln(w, "- Output checks: zebra's part files with one reducer byte-identical to the pipeline's output; with two reducers the part files concatenated and sorted (LC_ALL=C) against the pipeline's; Hadoop's part files byte-identical to zebra's, file by file (both partition by Hadoop's HashPartitioner); mrjob's output (its own partitioning) sorted against the pipeline's; pieces, none and none+filter byte-identical to zebra's default, file by file.")
	fmt.Fprintln(w, "- Floor, per run: the input is cut into the splits a local job gets (bench/cmd/floor: Hadoop's rule, 32 MiB local block size; the split count is checked against the job's `number of splits`), and each split's records are written to a file. Then alone, one at a time, each one's CPU time (user + system; unlike wall time it does not grow with the machine's other load, and for these single-threaded programs it is their wall time on a quiet machine): the mapper over each split (its stdin the split file, so reading the input is in this figure), `LC_ALL=C sort --parallel=1` of that map output, each partition's runs (by Hadoop's HashPartitioner) merged with `LC_ALL=C sort -m`, and the reducer over that merged input. Map tasks (mapper + sort) are laid out over the cores longest first; then the reduce tasks (merge + reducer) likewise, after all maps. The floor is the sum of the two makespans; floor/base divides it by the row's baseline of the same run.")
	fmt.Fprintln(w, "- Identity sort: `zebra streaming -mapper cat -reducer cat` (default settings) vs `LC_ALL=C sort -S 50% --parallel=2` of the same 100-byte records; zebra's output with its trailing tab stripped checked identical to GNU sort's. Peak tree RSS: sum of the resident set of the command's process tree, sampled every 20 ms (a lower bound).")
	fmt.Fprintln(w, "- Sandbox boot: `go test -bench '^Benchmark(BootTrue|ForkExecTrue)$' -benchtime 1000x ./sandbox/native`, p50 of the sandbox's Start-to-Wait of /bin/true minus plain fork/exec's, each repetition paired.")
	fmt.Fprintln(w, "- "+shuffleHow)
	fmt.Fprintln(w, "- Split reads (with --swift): bench/swift.sh on a `zebra up` cluster (Swift all-in-one, 3 object servers), the map-only `cat` job (`bench/swift.sh --jobs cat`, its table in bench/RESULTS-swift.md). With `-D zebra.locality=off` every split is read through the proxy: the proxy's GET bytes sent (its access log, including what it pushed before a reader closed) over the input object's size. With locality on (the default) each map reads its split from the object server beside it: the Content-Length of those direct GETs in the object servers' access logs (what they were asked for) over the input's size. With locality off, what the three object-server processes read with read(2) while the job ran (rchar of /proc/PID/io: the object's bytes they sent, in 64 KiB chunks, including what they pushed for a GET the proxy dropped) over the input's size. swift.sh checks the output against the local runner's.")
	fmt.Fprintln(w)
	if len(d.notes) > 0 {
		fmt.Fprintln(w, "Notes:")
		fmt.Fprintln(w)
		for _, n := range d.notes {
			fmt.Fprintln(w, "- "+n)
		}
		fmt.Fprintln(w)
	}
	var keys []string
	for k := range d.checks {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Fprintln(w, "Output checks:")
	fmt.Fprintln(w)
	for _, k := range keys {
		for _, c := range d.checks[k] {
			res := "identical"
			if !c.ok {
				res = "**DIFFERENT**"
			}
			fmt.Fprintf(w, "- run %d, %s: %s\n", c.run, c.desc, res)
		}
	}
}
