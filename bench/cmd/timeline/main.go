// Command timeline runs one zebra job on the local runner and prints where
// its wall time went: when each attempt ran and what it did, the gaps
// between them, and how much of the cores the job left idle.
//
//	timeline [-interval 20ms] [-cores N] [-floor RAW -size BYTES [-run N]] -- zebra streaming ARGS...
//
// The command runs with ZEBRA_LOG_LEVEL=debug, so the local executor logs
// its timeline (mapreduce.TimelineMessage lines: job start and end, each
// attempt's start and end, a reduce's program launched ahead of its input
// and its first record, the maps' end, the job's commit); those lines are
// taken out of the command's stderr, the rest is passed on. Meanwhile,
// every interval, timeline walks the command's process tree in /proc: each
// process's start (from its start time, 10 ms ticks), the last time it was
// seen, its CPU time (user + system), and, for task programs, their attempt
// (mapreduce_task_attempt_id in their environment). From that it prints:
//
//   - the events, in seconds from the command's start;
//   - per attempt: start, its program's start and exit, first record (a
//     reduce), end, and the phases in between (set-up, program, tail: for a
//     map the end of collection, the last spill and the final merge; for a
//     reduce the output's last writes and the task commit), with the
//     program's CPU and zebra's own share of the attempt's window;
//   - the gaps of the job: process start to first map, maps done to first
//     reduce, last reduce to commit, commit, job end to process exit;
//   - core time the job did not use (cores × window − the tree's CPU) in
//     each phase of the job (start-up, maps, reduces, end), and how much of
//     it the machine had idle (/proc/stat; the rest went to other
//     processes), with strips of the job's and the machine's use;
//   - with -floor, the floor of bench/run.sh for this job beside it (the
//     CPU of each map's mapper + sort and each reduce's merge + reducer
//     from a targets-raw.txt, laid out longest first over the cores).
//
// The times are wall times of one run: run it on a quiet machine, and read
// the load average it prints with them.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"zebra/mapreduce"
)

// clockTicks is the kernel's USER_HZ, the unit of /proc/<pid>/stat times
// (100 on every Linux architecture Go supports).
const clockTicks = 100

func main() {
	interval := flag.Duration("interval", 20*time.Millisecond, "sampling interval of the process tree")
	cores := flag.Int("cores", runtime.NumCPU(), "cores the job runs on")
	floorRaw := flag.String("floor", "", "a bench/run.sh targets-raw.txt with floor/SIZE/... lines for this job's input")
	size := flag.Int64("size", 0, "the input's size in bytes (the SIZE of the -floor lines)")
	run := flag.Int("run", 0, "which run of -floor to use (0: the last one)")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: timeline [flags] -- CMD ARGS...")
		os.Exit(2)
	}
	if *floorRaw != "" && *size <= 0 {
		fmt.Fprintln(os.Stderr, "timeline: -floor needs -size BYTES, the input size of its floor/SIZE/... lines")
		os.Exit(2)
	}
	tr, rc, err := record(flag.Args(), *interval)
	if err != nil {
		fmt.Fprintln(os.Stderr, "timeline:", err)
		os.Exit(2)
	}
	var fl *floor
	if *floorRaw != "" {
		if fl, err = readFloor(*floorRaw, *size, *run); err != nil {
			fmt.Fprintln(os.Stderr, "timeline:", err)
			os.Exit(2)
		}
	}
	report(os.Stdout, tr, *cores, fl)
	os.Exit(rc)
}

// proc is one process of the command's tree.
type proc struct {
	pid     int
	comm    string
	attempt string  // mapreduce_task_attempt_id of a task program
	start   float64 // seconds from the command's start (its fork)
	// execSeen is when the process was first seen with an attempt in its
	// environment: a sandbox instance forks the program's process ahead
	// (the pool), so its start is not the program's.
	execSeen  float64
	lastSeen  float64
	cpu       float64 // user + system seconds, as last seen
	startTick int64
}

// event is one timeline line of the executor.
type event struct {
	at      float64
	name    string
	attempt string
}

// sample is the tree's cumulative CPU at a time, and the machine's.
type sample struct {
	at, cpu, own float64 // own: the command's own process
	// idle is the machine's cumulative idle time (all cores, idle +
	// iowait of /proc/stat), so that time the job left to other
	// processes is told apart from idle cores.
	idle float64
}

// trace is what one run recorded.
type trace struct {
	wall    float64
	procs   []*proc
	events  []event
	samples []sample
	load    string
}

// record runs args, sampling its process tree every interval, and returns
// what it saw and the command's exit status.
func record(args []string, interval time.Duration) (*trace, int, error) {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), "ZEBRA_LOG_LEVEL=debug")
	cmd.Stdin, cmd.Stdout = os.Stdin, os.Stderr
	// The command's stderr comes through a pipe of our own, read to its
	// end: exec's StderrPipe would be closed by Wait, dropping the last
	// lines.
	stderr, errW, err := os.Pipe()
	if err != nil {
		return nil, 0, fmt.Errorf("pipe the command's stderr: %w", err)
	}
	cmd.Stderr = errW
	load, _ := os.ReadFile("/proc/loadavg")
	tr := &trace{load: strings.Join(strings.Fields(string(load))[:min(3, len(strings.Fields(string(load))))], " ")}
	start := time.Now()
	err = cmd.Start()
	errW.Close()
	if err != nil {
		stderr.Close()
		return nil, 0, fmt.Errorf("start %s: %w", args[0], err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tr.events = readEvents(stderr, os.Stderr, start)
	}()
	root := cmd.Process.Pid
	procs := map[int]*proc{}
	rootTick := int64(-1)
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			now := time.Since(start).Seconds()
			for _, pid := range tree(root) {
				st, ok := readStat(pid)
				if !ok {
					continue
				}
				if rootTick < 0 && pid == root {
					rootTick = st.startTick
				}
				p := procs[pid]
				if p == nil || p.startTick != st.startTick { // new, or a reused pid
					p = &proc{pid: pid, startTick: st.startTick}
					procs[pid] = p
					tr.procs = append(tr.procs, p)
				}
				p.comm, p.cpu = st.comm, st.cpu
				if !st.zombie {
					p.lastSeen = now
				}
				if p.attempt == "" && pid != root {
					if p.attempt = attemptOf(pid); p.attempt != "" {
						p.execSeen = now
					}
				}
			}
			var total, own float64
			for _, p := range tr.procs {
				total += p.cpu
				if p.pid == root {
					own = p.cpu
				}
			}
			tr.samples = append(tr.samples, sample{at: now, cpu: total, own: own, idle: machineIdle()})
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	werr := cmd.Wait()
	tr.wall = time.Since(start).Seconds()
	close(done)
	<-sampled
	// Whatever still holds the pipe (a descendant that outlived the
	// command) gets a moment, then the rest of its stderr is dropped.
	read := make(chan struct{})
	go func() { wg.Wait(); close(read) }()
	select {
	case <-read:
	case <-time.After(2 * time.Second):
		stderr.Close()
		<-read
	}
	stderr.Close()
	for _, p := range tr.procs {
		if rootTick >= 0 {
			p.start = float64(p.startTick-rootTick) / clockTicks
		}
	}
	rc := 0
	if werr != nil {
		var ee *exec.ExitError
		if !errors.As(werr, &ee) {
			return nil, 0, fmt.Errorf("run %s: %w", args[0], werr)
		}
		rc = ee.ExitCode()
	}
	return tr, rc, nil
}

// readEvents passes r on to w, except the executor's timeline lines,
// which it returns as events timed from start.
func readEvents(r io.Reader, w io.Writer, start time.Time) []event {
	var evs []event
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if ev, ok := parseEvent(line, start); ok {
			evs = append(evs, ev)
			continue
		}
		fmt.Fprintln(w, line)
	}
	io.Copy(io.Discard, r)
	return evs
}

// parseEvent reads one slog text line of the executor's timeline.
func parseEvent(line string, start time.Time) (event, bool) {
	kv := parseText(line)
	if kv["msg"] != mapreduce.TimelineMessage || kv["level"] != "DEBUG" {
		return event{}, false
	}
	at, err := time.Parse(time.RFC3339Nano, kv["time"])
	if err != nil {
		return event{}, false
	}
	return event{at: at.Sub(start).Seconds(), name: kv[mapreduce.LogKeyEvent], attempt: kv[mapreduce.LogKeyAttempt]}, true
}

// parseText splits a slog TextHandler line into its keys and values
// (values quoted as strconv.Quote does are unquoted).
func parseText(line string) map[string]string {
	kv := map[string]string{}
	for len(line) > 0 {
		line = strings.TrimLeft(line, " ")
		eq := strings.IndexByte(line, '=')
		if eq <= 0 {
			break
		}
		key, rest := line[:eq], line[eq+1:]
		var val string
		if strings.HasPrefix(rest, `"`) {
			q, err := strconv.QuotedPrefix(rest)
			if err != nil {
				break
			}
			val, _ = strconv.Unquote(q)
			rest = rest[len(q):]
		} else if sp := strings.IndexByte(rest, ' '); sp >= 0 {
			val, rest = rest[:sp], rest[sp:]
		} else {
			val, rest = rest, ""
		}
		kv[key] = val
		line = rest
	}
	return kv
}

// tree lists root and its descendants.
func tree(root int) []int {
	var out []int
	stack := []int{root}
	seen := map[int]bool{}
	for len(stack) > 0 {
		pid := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[pid] {
			continue
		}
		seen[pid] = true
		out = append(out, pid)
		dir := "/proc/" + strconv.Itoa(pid) + "/task/"
		tasks, _ := os.ReadDir(dir)
		for _, t := range tasks {
			c, err := os.ReadFile(dir + t.Name() + "/children")
			if err != nil {
				continue
			}
			for _, s := range strings.Fields(string(c)) {
				if n, err := strconv.Atoi(s); err == nil {
					stack = append(stack, n)
				}
			}
		}
	}
	return out
}

type stat struct {
	comm      string
	cpu       float64
	startTick int64
	zombie    bool // exited, not yet reaped
}

// readStat reads a process's name, CPU time and start from /proc/<pid>/stat.
func readStat(pid int) (stat, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return stat{}, false
	}
	return parseStat(b)
}

// parseStat parses a /proc/<pid>/stat line: comm is between the first "("
// and the last ")"; utime, stime and starttime are fields 14, 15 and 22.
func parseStat(b []byte) (stat, bool) {
	open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || end < open {
		return stat{}, false
	}
	f := strings.Fields(string(b[end+1:])) // f[0] is field 3, the state
	if len(f) < 20 {
		return stat{}, false
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	start, _ := strconv.ParseInt(f[19], 10, 64)
	return stat{comm: string(b[open+1 : end]), cpu: float64(ut+st) / clockTicks, startTick: start, zombie: f[0] == "Z" || f[0] == "X"}, true
}

// machineIdle is the machine's idle time so far, in core-seconds: idle
// plus iowait of the "cpu" line of /proc/stat.
func machineIdle() float64 {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := bytes.Cut(b, []byte{'\n'})
	f := strings.Fields(string(line))
	if len(f) < 6 || f[0] != "cpu" {
		return 0
	}
	idle, _ := strconv.ParseInt(f[4], 10, 64)
	iowait, _ := strconv.ParseInt(f[5], 10, 64)
	return float64(idle+iowait) / clockTicks
}

// attemptOf is the attempt id in a task program's environment ("" if none).
func attemptOf(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
	if err != nil {
		return ""
	}
	for _, kv := range bytes.Split(b, []byte{0}) {
		if v, ok := bytes.CutPrefix(kv, []byte("mapreduce_task_attempt_id=")); ok {
			return string(v)
		}
	}
	return ""
}

// cpuAt is the tree's cumulative CPU (all, own) at time t, interpolated
// between samples.
func cpuAt(s []sample, t float64) (float64, float64) {
	x := at(s, t)
	return x.cpu, x.own
}

// at interpolates the samples at time t.
func at(s []sample, t float64) sample {
	i := sort.Search(len(s), func(i int) bool { return s[i].at >= t })
	switch {
	case len(s) == 0:
		return sample{}
	case i == 0:
		return s[0]
	case i == len(s):
		return s[len(s)-1]
	}
	a, b := s[i-1], s[i]
	f := (t - a.at) / (b.at - a.at)
	return sample{at: t, cpu: a.cpu + f*(b.cpu-a.cpu), own: a.own + f*(b.own-a.own), idle: a.idle + f*(b.idle-a.idle)}
}

// window is a named span of the job.
type window struct {
	name     string
	from, to float64
}

// attempt is what the trace says of one attempt.
type attempt struct {
	id                               string
	start, end, prepStart, prepEnd   float64
	input                            float64 // a reduce's first record
	progStart, progEnd, progCPU      float64
	hasStart, hasEnd, hasProg, hasIn bool
}

func (tr *trace) attempts() []*attempt {
	by := map[string]*attempt{}
	get := func(id string) *attempt {
		if by[id] == nil {
			by[id] = &attempt{id: id}
		}
		return by[id]
	}
	for _, ev := range tr.events {
		if ev.attempt == "" {
			continue
		}
		a := get(ev.attempt)
		switch ev.name {
		case mapreduce.EventAttemptStart:
			a.start, a.hasStart = ev.at, true
		case mapreduce.EventAttemptEnd:
			a.end, a.hasEnd = ev.at, true
		case mapreduce.EventPrepareStart:
			a.prepStart = ev.at
		case mapreduce.EventPrepareEnd:
			a.prepEnd = ev.at
		case mapreduce.EventReduceInput:
			a.input, a.hasIn = ev.at, true
		}
	}
	for _, p := range tr.procs {
		if p.attempt == "" {
			continue
		}
		a := get(p.attempt)
		// A process forked ahead (by a pooled sandbox instance) started
		// the program by the time it first showed the attempt's
		// environment, at most one interval late.
		ps := p.start
		if ps < a.startOrLaunch() {
			ps = p.execSeen
		}
		if !a.hasProg || ps < a.progStart {
			a.progStart = ps
		}
		a.progEnd = max(a.progEnd, p.lastSeen)
		a.progCPU += p.cpu
		a.hasProg = true
	}
	out := make([]*attempt, 0, len(by))
	for _, a := range by {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

// startOrLaunch is when the attempt could start its program: its start,
// or for a prepared reduce the start of its preparation.
func (a *attempt) startOrLaunch() float64 {
	if a.prepStart > 0 {
		return min(a.prepStart, a.start)
	}
	return a.start
}

func isReduce(id string) bool { return strings.Contains(id, "_r_") }

// firstEvent is the time of the first event named name (ok false if none).
func (tr *trace) firstEvent(name string) (float64, bool) {
	for _, ev := range tr.events {
		if ev.name == name {
			return ev.at, true
		}
	}
	return 0, false
}

// report prints the timeline of tr on cores, with the floor if fl is set.
func report(w io.Writer, tr *trace, cores int, fl *floor) {
	fmt.Fprintf(w, "wall %.2f s on %d cores; load average at the start %s\n", tr.wall, cores, tr.load)
	if len(tr.events) == 0 {
		fmt.Fprintln(w, "no timeline events: was the command `zebra streaming` on the local runner?")
	}
	fmt.Fprintln(w, "\nevents (s from the command's start):")
	for _, ev := range tr.events {
		fmt.Fprintf(w, "  %7.3f  %-13s %s\n", ev.at, ev.name, ev.attempt)
	}
	fmt.Fprintf(w, "  %7.3f  process exit\n", tr.wall)

	atts := tr.attempts()
	fmt.Fprintln(w, "\nattempts (s; set-up: start to program start, or a prepared reducer's wait for its input; tail: program exit to end):")
	fmt.Fprintln(w, "  (zebra CPU: the zebra process's CPU during the attempt, for every attempt running then)")
	fmt.Fprintln(w, "  attempt                               start   prog   input  p.exit     end |  set-up   program   tail | prog CPU  zebra CPU")
	for _, a := range atts {
		if !a.hasStart || !a.hasEnd {
			continue
		}
		ps, pe := a.progStart, a.progEnd
		if !a.hasProg {
			ps, pe = a.start, a.end
		}
		in := "     -"
		if a.hasIn {
			in = fmt.Sprintf("%6.2f", a.input)
		}
		setup := ps - a.start
		if ps < a.start { // prepared ahead: the wait for the input
			setup = 0
		}
		body := min(pe, a.end) - max(ps, a.start)
		_, own0 := cpuAt(tr.samples, a.start)
		_, own1 := cpuAt(tr.samples, a.end)
		fmt.Fprintf(w, "  %-36s %6.2f %6.2f %s %6.2f  %6.2f | %6.2f  %8.2f %6.2f | %8.2f  %9.2f\n",
			a.id, a.start, ps, in, pe, a.end, setup, body, a.end-pe, a.progCPU, own1-own0)
	}

	// The job's phases.
	js, _ := tr.firstEvent(mapreduce.EventJobStart)
	je, okEnd := tr.firstEvent(mapreduce.EventJobEnd)
	if !okEnd {
		je = tr.wall
	}
	firstMap, mapsDone, lastReduce, firstReduce := je, js, js, je
	haveReduce := false
	for _, a := range atts {
		if !a.hasStart {
			continue
		}
		if isReduce(a.id) {
			haveReduce = true
			firstReduce = min(firstReduce, a.start)
			lastReduce = max(lastReduce, a.end)
		} else {
			firstMap = min(firstMap, a.start)
			mapsDone = max(mapsDone, a.end)
		}
	}
	if !haveReduce {
		firstReduce, lastReduce = mapsDone, mapsDone
	}
	// The critical path: the map that ended last, then the reduce that
	// ended last (a reduce starts once every map has ended).
	var lastMap, lastRed *attempt
	for _, a := range atts {
		if !a.hasStart || !a.hasEnd {
			continue
		}
		if isReduce(a.id) {
			if lastRed == nil || a.end > lastRed.end {
				lastRed = a
			}
		} else if lastMap == nil || a.end > lastMap.end {
			lastMap = a
		}
	}
	if lastMap != nil {
		fmt.Fprintf(w, "\ncritical path: start-up %.2f", lastMap.start)
		for _, a := range []*attempt{lastMap, lastRed} {
			if a == nil {
				continue
			}
			ps, pe := max(a.progStart, a.start), min(a.progEnd, a.end)
			if !a.hasProg {
				ps, pe = a.start, a.end
			}
			fmt.Fprintf(w, ", %s at %.2f (set-up %.2f, program %.2f, tail %.2f)", short(a.id), a.start, ps-a.start, pe-ps, a.end-pe)
		}
		last, handoff := lastMap.end, 0.0
		if lastRed != nil {
			last, handoff = lastRed.end, lastRed.start-lastMap.end
		}
		fmt.Fprintf(w, ", map->reduce hand-off %.2f, end %.2f (wall %.2f)\n", handoff, tr.wall-last, tr.wall)
	}
	cs, _ := tr.firstEvent(mapreduce.EventCommitStart)
	ce, _ := tr.firstEvent(mapreduce.EventCommitEnd)
	fmt.Fprintln(w, "\ngaps (s):")
	fmt.Fprintf(w, "  process start -> executor start   %6.3f\n", js)
	fmt.Fprintf(w, "  executor start -> first map       %6.3f\n", firstMap-js)
	fmt.Fprintf(w, "  last map end -> first reduce      %6.3f\n", firstReduce-mapsDone)
	fmt.Fprintf(w, "  last reduce end -> commit start   %6.3f\n", cs-lastReduce)
	fmt.Fprintf(w, "  job commit                        %6.3f\n", ce-cs)
	fmt.Fprintf(w, "  commit end -> executor end        %6.3f\n", je-ce)
	fmt.Fprintf(w, "  executor end -> process exit      %6.3f\n", tr.wall-je)

	wins := []window{{"start-up", 0, firstMap}, {"maps", firstMap, mapsDone}, {"maps->reduces", mapsDone, firstReduce},
		{"reduces", firstReduce, lastReduce}, {"end", lastReduce, tr.wall}}
	fmt.Fprintln(w, "\ncore time by phase (core-seconds; not used = cores × span − the job's CPU, of which idle = the machine's idle")
	fmt.Fprintln(w, "time, the rest went to other processes: on a busy machine the job waited for cores there):")
	fmt.Fprintln(w, "  phase            from      to    span | not used    idle  zebra CPU  programs CPU")
	for _, wn := range append(wins, window{"whole job", 0, tr.wall}) {
		a, b := at(tr.samples, wn.from), at(tr.samples, wn.to)
		span := wn.to - wn.from
		unused := max(0, float64(cores)*span-(b.cpu-a.cpu))
		fmt.Fprintf(w, "  %-14s %6.2f  %6.2f  %6.2f | %8.2f  %6.2f  %9.2f  %12.2f\n", wn.name, wn.from, wn.to, span, unused, min(unused, b.idle-a.idle),
			b.own-a.own, (b.cpu-a.cpu)-(b.own-a.own))
	}
	fmt.Fprintln(w, "\nutilization of the cores by the job, per 0.25 s (' ' idle ... '#' all cores busy); second row zebra's own process:")
	fmt.Fprintf(w, "  %s\n  %s\n", strip(tr.samples, tr.wall, cores, false), strip(tr.samples, tr.wall, cores, true))
	fmt.Fprintln(w, "the machine's idle cores (' ' none idle ... '#' all idle):")
	fmt.Fprintf(w, "  %s\n", idleStrip(tr.samples, tr.wall, cores))
	if fl != nil {
		fl.report(w, atts, cores, tr.wall)
	}
}

// strip draws the cores' utilization by the tree (or its root alone).
func strip(s []sample, wall float64, cores int, own bool) string {
	const step = 0.25
	levels := []byte(" .:-=+*%#")
	var b strings.Builder
	for t := 0.0; t < wall; t += step {
		c0, o0 := cpuAt(s, t)
		c1, o1 := cpuAt(s, min(t+step, wall))
		u := c1 - c0
		if own {
			u = o1 - o0
		}
		f := u / (float64(cores) * (min(t+step, wall) - t))
		i := int(f*float64(len(levels)-1) + 0.5)
		b.WriteByte(levels[max(0, min(len(levels)-1, i))])
	}
	return b.String()
}

// idleStrip draws the machine's idle cores.
func idleStrip(s []sample, wall float64, cores int) string {
	const step = 0.25
	levels := []byte(" .:-=+*%#")
	var b strings.Builder
	for t := 0.0; t < wall; t += step {
		a, z := at(s, t), at(s, min(t+step, wall))
		f := (z.idle - a.idle) / (float64(cores) * (min(t+step, wall) - t))
		i := int(f*float64(len(levels)-1) + 0.5)
		b.WriteByte(levels[max(0, min(len(levels)-1, i))])
	}
	return b.String()
}

// floor is bench/run.sh's floor of one word count job: CPU seconds of each
// map (mapper + sort) and each reduce (merge + reducer), by task index.
type floor struct {
	run     int
	maps    map[int]float64
	reduces map[int]map[int]float64 // by reduce count R, then partition
}

// readFloor reads the floor lines of input size from a targets-raw.txt
// ("floor/SIZE/map/I RUN user_s=.. sys_s=..", sort/I, rR/merge/J,
// rR/reduce/J), of run (0: the last run that has them).
func readFloor(path string, size int64, run int) (*floor, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read floor: %w", err)
	}
	prefix := fmt.Sprintf("floor/%d/", size)
	type line struct {
		key string
		run int
		cpu float64
	}
	var lines []line
	last := 0
	for _, l := range strings.Split(string(data), "\n") {
		f := strings.Fields(l)
		if len(f) < 3 || !strings.HasPrefix(f[0], prefix) {
			continue
		}
		r, err := strconv.Atoi(f[1])
		if err != nil {
			continue
		}
		var cpu float64
		for _, kv := range f[2:] {
			k, v, _ := strings.Cut(kv, "=")
			if k == "user_s" || k == "sys_s" {
				x, _ := strconv.ParseFloat(v, 64)
				cpu += x
			}
		}
		lines = append(lines, line{strings.TrimPrefix(f[0], prefix), r, cpu})
		last = max(last, r)
	}
	if run == 0 {
		run = last
	}
	fl := &floor{run: run, maps: map[int]float64{}, reduces: map[int]map[int]float64{}}
	for _, l := range lines {
		if l.run != run {
			continue
		}
		p := strings.Split(l.key, "/")
		switch {
		case len(p) == 2 && (p[0] == "map" || p[0] == "sort"):
			i, _ := strconv.Atoi(p[1])
			fl.maps[i] += l.cpu
		case len(p) == 3 && strings.HasPrefix(p[0], "r") && (p[1] == "merge" || p[1] == "reduce"):
			r, _ := strconv.Atoi(p[0][1:])
			j, _ := strconv.Atoi(p[2])
			if fl.reduces[r] == nil {
				fl.reduces[r] = map[int]float64{}
			}
			fl.reduces[r][j] += l.cpu
		}
	}
	if len(fl.maps) == 0 {
		return nil, fmt.Errorf("read floor: no %smap/I lines of run %d in %s", prefix, run, path)
	}
	return fl, nil
}

// lpt is the makespan of tasks laid out on cores longest first, each on
// the core that frees first.
func lpt(tasks []float64, cores int) float64 {
	t := append([]float64(nil), tasks...)
	sort.Sort(sort.Reverse(sort.Float64Slice(t)))
	free := make([]float64, max(1, cores))
	for _, d := range t {
		i := 0
		for j := range free {
			if free[j] < free[i] {
				i = j
			}
		}
		free[i] += d
	}
	var m float64
	for _, f := range free {
		m = max(m, f)
	}
	return m
}

// taskIndex is the task number at the end of an attempt id
// (attempt_..._m_000003_0 -> 3).
func taskIndex(id string) int {
	p := strings.Split(id, "_")
	if len(p) < 2 {
		return -1
	}
	n, err := strconv.Atoi(p[len(p)-2])
	if err != nil {
		return -1
	}
	return n
}

// short is an attempt's task kind and number (attempt_x_0001_m_000003_0
// -> m_000003).
func short(id string) string {
	p := strings.Split(id, "_")
	if len(p) < 3 {
		return id
	}
	return p[len(p)-3] + "_" + p[len(p)-2]
}

func (fl *floor) report(w io.Writer, atts []*attempt, cores int, wall float64) {
	nred := 0
	for _, a := range atts {
		if isReduce(a.id) {
			nred++
		}
	}
	red := fl.reduces[nred]
	fmt.Fprintf(w, "\nthe floor (bench/run.sh run %d: CPU of the user's programs alone, map = mapper + sort, reduce = merge + reducer):\n", fl.run)
	fmt.Fprintln(w, "  task          floor s   zebra attempt s   zebra program CPU s")
	var maps, reds []float64
	for _, a := range atts {
		i := taskIndex(a.id)
		var f float64
		var ok bool
		if isReduce(a.id) {
			f, ok = red[i]
			reds = append(reds, f)
		} else {
			f, ok = fl.maps[i]
			maps = append(maps, f)
		}
		if !ok {
			fmt.Fprintf(w, "  %-12s  %7s   %15.2f   %19.2f\n", short(a.id), "-", a.end-a.start, a.progCPU)
			continue
		}
		fmt.Fprintf(w, "  %-12s  %7.2f   %15.2f   %19.2f\n", short(a.id), f, a.end-a.start, a.progCPU)
	}
	m, r := lpt(maps, cores), lpt(reds, cores)
	fmt.Fprintf(w, "  layout on %d cores: maps %.2f + reduces %.2f = floor %.2f s; zebra's wall %.2f s is %.2fx the floor\n", cores, m, r, m+r, wall, wall/(m+r))
}
