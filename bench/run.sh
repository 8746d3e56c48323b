#!/usr/bin/env bash
# Benchmarks of zebra against its baselines, issue 17's targets first (see
# bench/RESULTS.md and bench/README.md).
#
#   bench/run.sh            full: word count on 40 MB and 200 MB, 1 GB identity sort (about 1.5 hours on 2 quiet cores)
#   bench/run.sh --quick    word count on 40 MB only, 100 MB identity sort (about 15 min on 2 quiet cores)
#
# Prints the issue-17 table to stdout; --write also rewrites bench/RESULTS.md
# (or --results FILE). Every figure is a ratio of two systems measured in the
# same run; each run measures every system once, interleaved (A B C A B C ...),
# and min/median/max are over the runs. Outputs are compared for every system.
#
# Options: --runs N (default 3); --sizes "B1 B2" (word count input sizes in
# bytes, e.g. --sizes 4000000 for a smoke run); --no-hadoop; --no-mrjob;
# --mrjob class|cmd|both (class, the default: bench/mrjob/wordcount.py, the
# word count as an MRJob class; cmd: bench/mrjob/wordcount_cmd.py, mrjob
# running examples/wordcount's own scripts, the faster form);
# --no-floor; --no-filter (skip the seccomp floor's word count jobs: zebra
# -D zebra.sandbox=none with the mapper and reducer under bench/cmd/filterexec);
# --no-pieces (skip the opt-in -D zebra.splits=pieces jobs, which no target
# reads; zebra's variants run in an order that rotates from run to run);
# --no-legacy (skip the 1 MB latency and tiny-task rows and the
# Go micro-benchmarks); --no-go-bench (skip the sandbox boot and shuffle
# benchmarks); --sandbox (also the wasm/native sandbox section, ~2 min);
# --sandbox-only; --swift (split read bytes: bench/swift.sh on a Swift
# all-in-one, needs root, ~10 min quick); --work DIR (scratch and cached inputs, default
# ${TMPDIR:-/tmp}/zebra-bench); --results FILE; --write.
# Real Hadoop rows need `scripts/hadoop-oracle.sh install`; mrjob is installed
# from PyPI into ~/.cache/zebra/venv (as cmd/zebra's client tests do).
# Inputs come from bench/cmd/gendata (deterministic), timing and process-tree
# peak RSS from bench/cmd/measure, the floor's splits from bench/cmd/floor,
# the tables from bench/cmd/targets and bench/cmd/report.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
top="$(cd "$here/.." && pwd)"
mode=full runs=3 hadoop=auto mrjob=1 mrjob_forms=class floor=1 filter=1 pieces=1 legacy=1 gobench=1 sandbox=0 write=0 sizes="" swift=0
work="${TMPDIR:-/tmp}/zebra-bench"
results="$here/RESULTS.md"
cmdline="bench/run.sh $*"
die() { echo "bench/run.sh: $*" >&2; exit 2; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) mode=quick ;;
    --runs) [[ $# -ge 2 ]] || die "--runs needs a number"; runs="$2"; shift ;;
    --sizes) [[ $# -ge 2 ]] || die "--sizes needs sizes in bytes"; sizes="$2"; shift ;;
    --no-hadoop) hadoop=no ;;
    --no-mrjob) mrjob=0 ;;
    --mrjob) [[ $# -ge 2 && $2 =~ ^(class|cmd|both)$ ]] || die "--mrjob needs class, cmd or both"; mrjob_forms="$2"; shift ;;
    --no-floor) floor=0 ;;
    --no-filter) filter=0 ;;
    --no-pieces) pieces=0 ;;
    --no-legacy|--no-micro) legacy=0 ;;
    --no-go-bench) gobench=0 ;;
    --hadoop-wordcount) ;; # accepted for old command lines: Hadoop always runs the word count now
    --work) [[ $# -ge 2 ]] || die "--work needs a directory"; work="$2"; shift ;;
    --results) [[ $# -ge 2 ]] || die "--results needs a file"; results="$2"; shift ;;
    --write) write=1 ;;
    --sandbox) sandbox=1 ;;
    --swift) swift=1 ;;
    --sandbox-only) sandbox=only ;;
    --no-sandbox) sandbox=0 ;;
    -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
  shift
done
[[ $runs =~ ^[0-9]+$ ]] && (( runs >= 1 )) || die "--runs must be a whole number >= 1, not '$runs'"
if [[ $mode == quick ]]; then
  : "${sizes:=40000000}"
  rec_size=100000000 benchtime=100ms arrow_records=262144 shuffle_mb=64
else
  : "${sizes:=40000000 200000000}"
  rec_size=1000000000 benchtime=1s arrow_records=1048576 shuffle_mb=256
fi
for s in $sizes; do [[ $s =~ ^[0-9]+$ ]] && (( s >= 1000 )) || die "--sizes: '$s' is not a size in bytes >= 1000"; done
lat_size=1000000 tiny_files=2000 tiny_size=1024
benchre='^Benchmark(LineReader|Partition|SortBuffer|SortCompare|KeyFieldCompare|SpillWrite|SpillRead|Merge|CollectSpill|SplitKeyValue|ArrowSpill)$'

if [[ $hadoop == auto ]]; then
  if "$top/scripts/hadoop-oracle.sh" classpath >/dev/null 2>&1; then hadoop=yes; else hadoop=no
    echo "bench: real Hadoop not installed (scripts/hadoop-oracle.sh install); Hadoop rows reported as not run" >&2; fi
fi

gv="$(sha256sum <"$here/cmd/gendata/main.go" | cut -c1-8)"  # data changes with the generator
data="$work/data-$gv"
mkdir -p "$work/bin" "$data"
work="$(cd "$work" && pwd)" data="$(cd "$data" && pwd)"
log() { printf '%s bench: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
# Scratch of this invocation (job directories, floor files, mrjob's and
# Hadoop's temp dirs), removed on exit however the script ends.
scratch="$(mktemp -d "$work/run.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT

log "building"
(cd "$top" && for c in gendata measure report floor targets filterexec; do go build -o "$work/bin/$c" "./bench/cmd/$c" || exit 1; done \
  && go build -o "$work/bin/zebra" ./cmd/zebra) || die "build failed"
zebra="$work/bin/zebra" measure="$work/bin/measure" floorbin="$work/bin/floor"
scripts="$top/examples/wordcount"
wc_args=(-files mapper.py,reducer.py -mapper mapper.py -reducer reducer.py)
sandbox_md=""

# Sandbox section ("## Sandbox" of the results, kept apart from the report's
# tables): native sandbox boot cost and wasm warm start from the packages'
# own benchmarks (1,000 runs each), and the wordcount job with the native
# sandbox vs -D zebra.sandbox=none on a 30 MB text. Each figure is paired
# within a repetition; min/median/max over the repetitions.
sandbox_section() {
  local reps=$runs size=30000000 sraw="$work/sandbox-raw.txt" md="$work/sandbox.md" r v
  if [[ $mode == full && $reps -lt 5 ]]; then reps=5; fi
  : >"$sraw"
  for r in $(seq 1 "$reps"); do
    log "sandbox run $r/$reps: native boot, wasm warm start"
    (cd "$top" && go test -run '^$' -bench '^Benchmark(BootTrue|ForkExecTrue)$' -benchtime 1000x -count 1 ./sandbox/native) \
      >"$work/sb-native.log" 2>&1 || { log "native boot benchmark failed"; tail -5 "$work/sb-native.log" >&2; }
    (cd "$top" && go test -run '^$' -bench '^Benchmark(WarmStartGo|WarmStartC|ForkExecTrue)$' -benchtime 1000x -count 1 ./sandbox/wasm) \
      >"$work/sb-wasm.log" 2>&1 || { log "wasm warm start benchmark failed"; tail -5 "$work/sb-wasm.log" >&2; }
    # "native|wasm NAME RUN P50_MS P99_MS"
    awk -v r="$r" -v pkg=native -v unit=1 -f <(sb_awk) "$work/sb-native.log" >>"$sraw"
    awk -v r="$r" -v pkg=wasm -v unit=1e6 -f <(sb_awk) "$work/sb-wasm.log" >>"$sraw"
  done
  local text="$data/text-$size-s5.txt" jd="$work/sbjob" d
  if [[ ! -e "$text" ]]; then
    log "generating $text"; "$work/bin/gendata" text -size "$size" -seed 5 -out "$text.tmp" && mv "$text.tmp" "$text"
  fi
  for r in $(seq 1 "$reps"); do
    log "sandbox run $r/$reps: wordcount $size bytes, native vs none"
    rm -rf "$jd"; mkdir -p "$jd"; cp "$scripts/mapper.py" "$scripts/reducer.py" "$jd/"
    for v in native none; do
      d=(); if [[ $v == none ]]; then d=(-D zebra.sandbox=none); fi
      rm -f "$work/sb.m"
      (cd "$jd" && "$measure" -o "$work/sb.m" -- "$zebra" streaming "${d[@]}" "${wc_args[@]}" -input "$text" -output "out-$v") \
        >"$work/sb-wc-$v.log" 2>&1 || { log "FAILED: sandbox wordcount $v run $r; log: $work/sb-wc-$v.log"; exit 1; }
      echo "wordcount $v $r $(sed -n 's/.*wall_s=\([0-9.]*\).*/\1/p' "$work/sb.m")" >>"$sraw"
    done
    if cmp -s "$jd/out-native/part-00000" "$jd/out-none/part-00000"; then d=identical; else d=DIFFERENT; fi
    echo "check wordcount run $r: native vs none part-00000 $d" >>"$sraw"
  done
  rm -rf "$jd"
  sb_table "$sraw" "$reps" "$size" >"$md"
  sandbox_md=$md
  log "sandbox section in $md (raw data: $sraw)"
}
sb_awk() { cat <<'AWK'
/^Benchmark/ { n = $1; sub(/-[0-9]+$/, "", n); sub(/^Benchmark/, "", n); p50 = p99 = ""
  for (i = 2; i < NF; i++) { if ($(i+1) ~ /^p50-/) p50 = $i / unit; if ($(i+1) ~ /^p99-/) p99 = $i / unit }
  if (p50 != "") print pkg, n, r, p50, p99 }
AWK
}
# sb_table RAW REPS SIZE: the markdown section.
sb_table() {
  awk -v reps="$2" -v size="$3" -v cmd="$cmdline" -v date="$(date -u '+%Y-%m-%d %H:%M UTC')" '
  function stat(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    smin = a[1]; smax = a[n]; smed = (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
  function fig(x) { return sprintf(x < 10 ? "%.3g" : "%.0f", x) }
  function rng(k, u,   n, i, a) { n = 0; for (i = 1; i <= reps; i++) if ((k, i) in v) a[++n] = v[k, i]
    if (!n) return "not run"; stat(a, n); return fig(smed) " " u " (" fig(smin) "–" fig(smax) ")" }
  # row LABEL FIGURE: from the per-run values of key f (f computed by the caller into v[f, run]).
  function row(b, f, k, target, limit, base, zeb,   n, i, a, met) { n = 0
    for (i = 1; i <= reps; i++) if ((k, i) in v) a[++n] = v[k, i]
    if (!n) { printf "| %s | %s | – | – | – | %s | not run | | |\n", b, f, target; return }
    stat(a, n); met = (limit == "") ? "n/a" : (smed <= limit ? "yes" : "**no**")
    printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", b, f, fig(smin), fig(smed), fig(smax), target, met, base, zeb }
  $1 == "native" || $1 == "wasm" { v[$1 "/" $2 "/p50", $3] = $4; v[$1 "/" $2 "/p99", $3] = $5 }
  $1 == "wordcount" { v["wc/" $2, $3] = $4 }
  $1 == "check" { sub(/^check /, ""); checks = checks "- " $0 "\n" }
  END {
    for (i = 1; i <= reps; i++) {
      if (("native/BootTrue/p50", i) in v && ("native/ForkExecTrue/p50", i) in v) {
        v["d50", i] = v["native/BootTrue/p50", i] - v["native/ForkExecTrue/p50", i]
        v["d99", i] = v["native/BootTrue/p99", i] - v["native/ForkExecTrue/p99", i]
        v["r50", i] = v["native/BootTrue/p50", i] / v["native/ForkExecTrue/p50", i] }
      if (("wasm/ForkExecTrue/p50", i) in v) {
        if (("wasm/WarmStartC/env=0/p50", i) in v) v["c50", i] = v["wasm/WarmStartC/env=0/p50", i] / v["wasm/ForkExecTrue/p50", i]
        if (("wasm/WarmStartGo/p50", i) in v) v["g50", i] = v["wasm/WarmStartGo/p50", i] / v["wasm/ForkExecTrue/p50", i] }
      if (("wc/native", i) in v && ("wc/none", i) in v && v["wc/none", i] > 0) v["wc", i] = v["wc/native", i] / v["wc/none", i]
    }
    print "## Sandbox"
    print ""
    printf "From `%s` on %s, repetitions: %d; native rows need root and namespaces, wasm C rows clang for wasm32-wasi.\n\n", cmd, date, reps
    print "| benchmark | figure | min | median | max | target | met | baseline (median, min–max) | zebra (median, min–max) |"
    print "|---|---|---|---|---|---|---|---|---|"
    row("native boot", "p50 start-to-exit of /bin/true minus plain fork/exec, ms", "d50", "≤ 2 ms", 2,
      "fork/exec p50 " rng("native/ForkExecTrue/p50", "ms"), "sandbox p50 " rng("native/BootTrue/p50", "ms"))
    row("native boot", "p99 of the same, minus fork/exec p99, ms", "d99", "—", "",
      "fork/exec p99 " rng("native/ForkExecTrue/p99", "ms"), "sandbox p99 " rng("native/BootTrue/p99", "ms"))
    row("native boot", "p50, sandbox / fork/exec", "r50", "—", "", "", "")
    row("wasm warm start", "C module p50 / fork/exec p50", "c50", "—", "",
      "fork/exec p50 " rng("wasm/ForkExecTrue/p50", "ms"), "C p50 " rng("wasm/WarmStartC/env=0/p50", "ms"))
    row("wasm warm start", "Go module p50 / fork/exec p50", "g50", "—", "",
      "fork/exec p50 " rng("wasm/ForkExecTrue/p50", "ms"), "Go p50 " rng("wasm/WarmStartGo/p50", "ms"))
    row("wordcount", sprintf("wall %d MB, native sandbox / -D zebra.sandbox=none", size / 1e6), "wc", "—", "",
      "none " rng("wc/none", "s"), "native " rng("wc/native", "s"))
    print ""
    print "- native boot: `BenchmarkBootTrue` vs `BenchmarkForkExecTrue` in sandbox/native (`-benchtime 1000x`): Start to the end of Wait of `/bin/true` in the native sandbox (default pool of instances made ahead, see sandbox/native Config.Pool) vs `exec.Command(\"/bin/true\").Run()`; p50 and p99 of the 1,000 runs."
    print "- wasm warm start: `BenchmarkWarmStartC/env=0` and `BenchmarkWarmStartGo` vs `BenchmarkForkExecTrue` in sandbox/wasm (`-benchtime 1000x`): Start+Wait of a module that exits at once, compiled and cached before timing."
    print "- wordcount: examples/wordcount (Python mapper and reducer) through `zebra streaming` on bench/cmd/gendata text (seed 5), default native sandbox vs `-D zebra.sandbox=none`, back to back; wall time from bench/cmd/measure."
    print ""
    print "Output checks:"
    print ""
    printf "%s", checks
  }' "$1"
}
# put_section HEADING SECTION_FILE FILE: replace the "## HEADING" section of
# FILE (up to the next "## ") with SECTION_FILE, or, when FILE has none,
# insert it before FILE's first "## " section (at the end if none).
put_section() {
  local present=0
  grep -qxF "## $1" "$3" && present=1
  awk -v h="## $1" -v md="$2" -v present="$present" 'BEGIN { while ((getline l < md) > 0) sec = sec l "\n" }
    !present && !done && /^## / { printf "%s\n", sec; done = 1 }
    present && $0 == h { skip = 1; printf "%s\n", sec; done = 1; next }
    skip && /^## / { skip = 0 }
    !skip { print }
    END { if (!done) { print ""; printf "%s", sec } }' "$3" >"$3.tmp" && mv "$3.tmp" "$3"
}
# get_section HEADING FILE: print the "## HEADING" section of FILE, if any.
get_section() { [[ -e "$2" ]] && awk -v h="## $1" '$0 == h { on = 1; print; next } on && /^## / { exit } on { print }' "$2" || true; }

if [[ $sandbox == only ]]; then
  [[ -e "$results" ]] || die "--sandbox-only needs an existing $results"
  sandbox_section
  put_section Sandbox "$sandbox_md" "$results"
  log "wrote the sandbox section of $results"
  exit 0
fi

# ---- Inputs (regenerated only when absent; names carry sizes and seeds).
gen() { # gen FILE MODE ARGS...
  local f="$1" m="$2"; shift 2
  [[ -e "$f" ]] && return 0
  log "generating $f"
  "$work/bin/gendata" "$m" "$@" -out "$f.tmp" && mv "$f.tmp" "$f"
}
for s in $sizes; do gen "$data/text-$s.txt" text -size "$s" -seed 1; done
gen "$data/records-$rec_size.txt" records -size "$rec_size" -seed 2
recs="$data/records-$rec_size.txt"
if [[ $legacy == 1 ]]; then
  small="$data/text-$lat_size.txt" tiny="$data/tiny-$tiny_files-$tiny_size"
  gen "$small" text -size "$lat_size" -seed 3
  if [[ ! -e "$tiny/.done" ]]; then
    log "generating $tiny"; rm -rf "$tiny"
    "$work/bin/gendata" tiny -files "$tiny_files" -size "$tiny_size" -dir "$tiny" -seed 4 && touch "$tiny/.done"
  fi
fi

# ---- mrjob: the venv cmd/zebra's client tests use (same packages, same stamp).
mrjob_python=""
if [[ $mrjob == 1 ]]; then
  venv="${ZEBRA_CACHE:-$HOME/.cache/zebra}/venv"
  want="mrjob==0.7.4 luigi==3.6.0"
  mkdir -p "$(dirname "$venv")"
  (
    flock 9
    if [[ "$(cat "$venv/.zebra-packages" 2>/dev/null)" != "$want" ]]; then
      log "installing $want from PyPI into $venv"
      rm -rf "$venv"
      python3 -m venv "$venv" && "$venv/bin/python" -m pip install -q --disable-pip-version-check $want \
        && echo "$want" >"$venv/.zebra-packages"
    fi
  ) 9>"$venv.lock" || die "installing mrjob into $venv failed (on Debian, python3 -m venv needs python3-venv); --no-mrjob skips it"
  mrjob_python="$venv/bin/python"
fi

# ---- Measurement helpers.
raw="$work/targets-raw.txt"   # "KEY RUN wall_s=..." and "check KEY RUN identical|DIFFERENT TEXT"
legacy_raw="$work/raw.txt"    # bench/cmd/report's "BENCH VARIANT RUN wall_s=..."
legacy_checks="$work/checks.txt"
: >"$raw"; : >"$legacy_raw"; : >"$legacy_checks"
jobdir="$scratch/job"

# measure_key KEY RUN DIR [measure flags] -- CMD...: run CMD in DIR, append its line to $raw.
measure_key() {
  local key="$1" r="$2" dir="$3"; shift 3
  local tmp="$scratch/m.tmp" lg="$work/last-${key//\//_}.log" rc=0
  rm -f "$tmp"
  (cd "$dir" && "$measure" -o "$tmp" "$@") >"$lg" 2>&1 || rc=$?
  if [[ $rc -ne 0 ]]; then
    log "FAILED: $key run $r (exit $rc); log: $lg"; tail -20 "$lg" >&2
    exit 1
  fi
  echo "$key $r $(cat "$tmp")" >>"$raw"
}
# legacy_copy KEY BENCH VARIANT RUN: the last line of KEY also in report's format.
legacy_copy() { echo "$2 $3 $4 $(grep "^$1 $4 " "$raw" | tail -1 | cut -d' ' -f3-)" >>"$legacy_raw"; }
# check KEY RUN DESCRIPTION FILE1 FILE2
check() {
  if cmp -s "$4" "$5"; then echo "check $1 $2 identical $3" >>"$raw"
  else echo "check $1 $2 DIFFERENT $3" >>"$raw"; log "output mismatch: $3 ($4 vs $5)"; fi
}
# check_parts KEY RUN DESCRIPTION DIR1 DIR2: the part files of two jobs, file by file.
check_parts() {
  local a b ok=1
  a="$(cd "$4" && ls part-* 2>/dev/null | tr '\n' ' ')" b="$(cd "$5" && ls part-* 2>/dev/null | tr '\n' ' ')"
  if [[ -z $a || $a != "$b" ]]; then ok=0; else
    for p in $a; do cmp -s "$4/$p" "$5/$p" || { ok=0; break; }; done
  fi
  if [[ $ok == 1 ]]; then echo "check $1 $2 identical $3" >>"$raw"
  else echo "check $1 $2 DIFFERENT $3" >>"$raw"; log "output mismatch: $3 ($4 vs $5)"; fi
}
sorted_parts() { cat "$1"/part-* | LC_ALL=C sort; }
fresh_job() { rm -rf "$jobdir"; mkdir -p "$jobdir"; cp "$scripts/mapper.py" "$scripts/reducer.py" "$jobdir/"; }

# ---- The floor's inputs: each size's splits as a local job gets them.
declare -A nsplits
if [[ $floor == 1 ]]; then
  for s in $sizes; do
    d="$scratch/splits-$s"
    nsplits[$s]="$("$floorbin" splits -in "$data/text-$s.txt" -dir "$d")" || die "cutting $data/text-$s.txt into splits failed"
  done
fi

# wordcount_run SIZE RUN: every system once on the text of SIZE bytes.
wordcount_run() {
  local s="$1" r="$2" text="$data/text-$1.txt" k="wc/$1" R sys d a i j n
  log "run $r/$runs: word count $s bytes: pipeline"
  fresh_job
  measure_key "$k/pipeline" "$r" "$jobdir" -stdout "$jobdir/pipe.out" -- \
    sh -c 'cat "$1" | python3 mapper.py | LC_ALL=C sort | python3 reducer.py' sh "$text"
  LC_ALL=C sort "$jobdir/pipe.out" >"$jobdir/pipe.sorted"
  for R in 1 2; do
    # filter: the seccomp floor, none with the programs under a filter that allows everything
    # (the path quoted as streaming splits commands: a work directory may hold spaces).
    # zebra's variants in an order that rotates from run to run, so that none
    # is always first (or always right after the pipeline) in a single run.
    local variants=(zebra none) order=()
    [[ $filter == 1 ]] && variants+=(filter)
    [[ $pieces == 1 ]] && variants+=(pieces)
    for ((i = 0; i < ${#variants[@]}; i++)); do order+=("${variants[(i + r - 1) % ${#variants[@]}]}"); done
    for sys in "${order[@]}"; do
      log "run $r/$runs: word count $s bytes, $R reducer(s): zebra ($sys)"
      d=(); [[ $sys == pieces ]] && d=(-D zebra.splits=pieces); [[ $sys == none ]] && d=(-D zebra.sandbox=none)
      a=("${wc_args[@]}")
      [[ $sys == filter ]] && d=(-D zebra.sandbox=none) a=(-files mapper.py,reducer.py -mapper "'$work/bin/filterexec' mapper.py" -reducer "'$work/bin/filterexec' reducer.py")
      measure_key "$k/r$R/$sys" "$r" "$jobdir" -- "$zebra" streaming "${d[@]}" "${a[@]}" -numReduceTasks "$R" \
        -input "$text" -output "out-$sys-$R"
    done
    if [[ $R == 1 ]]; then
      check "$k/r1/zebra" "$r" "word count $s B, 1 reducer: zebra part-00000 vs pipeline" "$jobdir/out-zebra-1/part-00000" "$jobdir/pipe.out"
    else
      sorted_parts "$jobdir/out-zebra-2" >"$jobdir/z.sorted"
      check "$k/r2/zebra" "$r" "word count $s B, 2 reducers: zebra part files sorted vs pipeline sorted" "$jobdir/z.sorted" "$jobdir/pipe.sorted"
    fi
    if [[ $floor == 1 ]]; then
      n="$(sed -n 's/.*number of splits:\([0-9]*\).*/\1/p' "$work/last-${k//\//_}_r${R}_zebra.log" | head -1)"
      [[ $n == "${nsplits[$s]}" ]] || die "the floor cuts $s bytes into ${nsplits[$s]} splits but zebra reported '${n:-nothing}' (see $work/last-${k//\//_}_r${R}_zebra.log)"
    fi
    for sys in "${variants[@]}"; do
      [[ $sys == zebra ]] && continue
      check_parts "$k/r$R/$sys" "$r" "word count $s B, $R reducer(s): zebra $sys vs zebra default, part by part" "$jobdir/out-$sys-$R" "$jobdir/out-zebra-$R"
    done
    if [[ $hadoop == yes ]]; then
      log "run $r/$runs: word count $s bytes, $R reducer(s): Hadoop local"
      measure_key "$k/r$R/hadoop" "$r" "$jobdir" -- env TMPDIR="$scratch" "$top/scripts/hadoop-oracle.sh" run \
        "${wc_args[@]}" -numReduceTasks "$R" -input "$text" -output "out-hadoop-$R"
      check_parts "$k/r$R/hadoop" "$r" "word count $s B, $R reducer(s): Hadoop vs zebra, part by part" "$jobdir/out-hadoop-$R" "$jobdir/out-zebra-$R"
    fi
    if [[ -n $mrjob_python ]]; then
      local form key prog
      for form in class cmd; do
        [[ $mrjob_forms == "$form" || $mrjob_forms == both ]] || continue
        key=mrjob prog=wordcount.py; [[ $form == cmd ]] && key=mrjobcmd prog=wordcount_cmd.py
        log "run $r/$runs: word count $s bytes, $R reducer(s): mrjob -r local ($prog)"
        mkdir -p "$scratch/mrjob-tmp"
        measure_key "$k/r$R/$key" "$r" "$jobdir" -stdout "$jobdir/mrjob-$R.out" -- env TMPDIR="$scratch/mrjob-tmp" \
          "$mrjob_python" "$here/mrjob/$prog" -r local --jobconf "mapreduce.job.reduces=$R" "$text"
        LC_ALL=C sort "$jobdir/mrjob-$R.out" >"$jobdir/mrjob.sorted"
        check "$k/r$R/$key" "$r" "word count $s B, $R reducer(s): mrjob ($prog) output sorted vs pipeline sorted" "$jobdir/mrjob.sorted" "$jobdir/pipe.sorted"
        rm -rf "$scratch/mrjob-tmp" "$jobdir/mrjob-$R.out" "$jobdir/mrjob.sorted"
      done
    fi
    rm -rf "$jobdir/out-pieces-$R" "$jobdir/out-none-$R" "$jobdir/out-filter-$R" "$jobdir/out-hadoop-$R"
  done
  if [[ $s == "${sizes##* }" ]]; then # report.go's legacy end-to-end rows: the largest size, one reducer
    legacy_copy "$k/r1/zebra" wordcount zebra "$r"; legacy_copy "$k/pipeline" wordcount pipeline "$r"
    [[ $hadoop == yes ]] && legacy_copy "$k/r1/hadoop" wordcount hadoop "$r"
    echo "wordcount run $r: zebra part-00000 vs pipeline $(grep "^check $k/r1/zebra $r " "$raw" | awk '{print $4}')" >>"$legacy_checks"
  fi

  # The floor: the user's programs alone over what each task gives them.
  if [[ $floor == 1 ]]; then
    local fl="$scratch/floor" sd="$scratch/splits-$s"
    rm -rf "$fl"; mkdir -p "$fl"
    log "run $r/$runs: word count $s bytes: floor (${nsplits[$s]} splits)"
    for ((i = 0; i < nsplits[$s]; i++)); do
      # -pipe: the programs write to a pipe, as in the job (see bench/cmd/measure).
      measure_key "floor/$s/map/$i" "$r" "$jobdir" -stdout "$fl/map-$i" -pipe -- python3 mapper.py <"$sd/split-$(printf %05d "$i")"
      measure_key "floor/$s/sort/$i" "$r" "$jobdir" -stdout "$fl/sorted-$i" -- env LC_ALL=C sort --parallel=1 "$fl/map-$i"
      rm -f "$fl/map-$i"
    done
    for R in 1 2; do
      for ((i = 0; i < nsplits[$s]; i++)); do "$floorbin" partition -n "$R" -prefix "$fl/r$R-$i" -in "$fl/sorted-$i"; done
      for ((j = 0; j < R; j++)); do
        local pj; pj="$(printf %05d "$j")"
        measure_key "floor/$s/r$R/merge/$j" "$r" "$fl" -stdout "$fl/merged-$j" -- sh -c 'LC_ALL=C exec sort -m "$@"' sh "$fl"/r$R-*-"$pj"
        measure_key "floor/$s/r$R/reduce/$j" "$r" "$jobdir" -stdout "$fl/out-$j" -pipe -- python3 reducer.py <"$fl/merged-$j"
        rm -f "$fl/merged-$j" "$fl"/r$R-*-"$pj"
      done
      cat "$fl"/out-* | LC_ALL=C sort >"$fl/out.sorted"
      check "floor/$s/r$R" "$r" "word count $s B, $R reducer(s): the floor's reducer outputs sorted vs pipeline sorted" "$fl/out.sorted" "$jobdir/pipe.sorted"
      rm -f "$fl"/out-* "$fl/out.sorted"
    done
    rm -rf "$fl"
  fi
  rm -rf "$jobdir"
}

for r in $(seq 1 "$runs"); do
  echo "load $r load1=$(cut -d' ' -f1 /proc/loadavg)" >>"$raw"  # the machine's other load, shown with the table
  for s in $sizes; do wordcount_run "$s" "$r"; done

  # Identity sort of 100-byte records: zebra (cat/cat, default settings) vs GNU sort.
  log "run $r/$runs: identity sort $rec_size bytes"
  fresh_job
  measure_key sort/zebra "$r" "$jobdir" -interval 20ms -- "$zebra" streaming -input "$recs" -output zout -mapper cat -reducer cat
  measure_key sort/gnusort "$r" "$jobdir" -interval 20ms -stdout "$jobdir/sort.out" -- env LC_ALL=C sort -S 50% --parallel=2 "$recs"
  sed 's/\t$//' "$jobdir/zout/part-00000" >"$jobdir/zout.stripped"
  check sort/zebra "$r" "identity sort $rec_size B: zebra part-00000 (trailing tab stripped) vs GNU sort" "$jobdir/zout.stripped" "$jobdir/sort.out"
  legacy_copy sort/zebra sort zebra "$r"; legacy_copy sort/gnusort sort gnusort "$r"
  echo "sort run $r: zebra part-00000 (trailing tab stripped) vs GNU sort $(grep "^check sort/zebra $r " "$raw" | awk '{print $4}')" >>"$legacy_checks"
  rm -rf "$jobdir"

  if [[ $legacy == 1 ]]; then
    # Small job latency: word count on 1 MB, zebra vs Hadoop.
    log "run $r/$runs: small job latency"
    fresh_job
    measure_key latency/zebra "$r" "$jobdir" -- "$zebra" streaming "${wc_args[@]}" -input "$small" -output zout
    legacy_copy latency/zebra latency zebra "$r"
    if [[ $hadoop == yes ]]; then
      measure_key latency/hadoop "$r" "$jobdir" -- env TMPDIR="$scratch" "$top/scripts/hadoop-oracle.sh" run "${wc_args[@]}" -input "$small" -output hout
      legacy_copy latency/hadoop latency hadoop "$r"
      if cmp -s "$jobdir/zout/part-00000" "$jobdir/hout/part-00000"; then v=identical; else v=DIFFERENT; fi
      echo "latency run $r: zebra vs hadoop part-00000 $v" >>"$legacy_checks"
    fi
    # Many tiny tasks: map-only cat over the tiny files vs a shell loop of cat.
    log "run $r/$runs: $tiny_files tiny map tasks"
    fresh_job
    measure_key tiny/zebra "$r" "$jobdir" -- "$zebra" streaming -input "$tiny" -output zout -mapper cat -numReduceTasks 0
    measure_key tiny/catloop "$r" "$jobdir" -- sh -c 'mkdir -p loop; for f in "$1"/in-*; do cat "$f" >"loop/${f##*/}"; done' sh "$tiny"
    legacy_copy tiny/zebra tiny zebra "$r"; legacy_copy tiny/catloop tiny catloop "$r"
    cat "$jobdir"/zout/part-* | sed 's/\t$//' | LC_ALL=C sort >"$jobdir/z.sorted"
    cat "$jobdir"/loop/* | LC_ALL=C sort >"$jobdir/l.sorted"
    if cmp -s "$jobdir/z.sorted" "$jobdir/l.sorted"; then v=identical; else v=DIFFERENT; fi
    echo "tiny run $r: zebra parts (tabs stripped, lines sorted) vs cat loop $v" >>"$legacy_checks"
    rm -rf "$jobdir"
  fi
done

# ---- Go benchmarks owned by the sandbox and shuffle packages.
boot_out="$work/boot-bench.txt" shuffle_out="$work/shuffle-bench.txt"
: >"$boot_out"; : >"$shuffle_out"
if [[ $gobench == 1 ]]; then
  # One repetition per run, the benchmarks of a package in one process, so
  # that zebra's and the baseline's repetitions interleave (go test -count N
  # would run each benchmark N times in a row). The shuffle's test binary is
  # built once; BenchmarkShuffleVsRaw runs raw, rawfiles and shuffle, plain
  # then with CURVE, in one process (bench/shuffle.sh runs it alone).
  (cd "$top" && go test -c -o "$work/bin/shuffle.test" ./jobtracker/shuffle) || die "building jobtracker/shuffle's benchmarks failed"
  for r in $(seq 1 "$runs"); do
    log "run $r/$runs: sandbox boot benchmarks (1000 starts each)"
    (cd "$top" && go test -run '^$' -bench '^Benchmark(BootTrue|ForkExecTrue)$' -benchtime 1000x -count 1 ./sandbox/native) \
      >>"$boot_out" 2>&1 || { log "sandbox/native boot benchmark failed (it needs root and namespaces): $boot_out"; tail -5 "$boot_out" >&2
        echo "note sandbox boot benchmark failed in run $r: $(grep -m1 -i 'fail\|skip\|error' "$boot_out" | cut -c1-200)" >>"$raw"; }
    log "run $r/$runs: shuffle vs raw ZeroMQ, plain and CURVE ($shuffle_mb MB partition, load $(cut -d' ' -f1 /proc/loadavg))"
    (cd "$scratch" && ZEBRA_SHUFFLE_BENCH_MB=$shuffle_mb "$work/bin/shuffle.test" -test.run '^$' -test.bench '^BenchmarkShuffleVsRaw$' -test.benchtime 4x) \
      >>"$shuffle_out" 2>&1 || { log "jobtracker/shuffle benchmark failed: $shuffle_out"; tail -5 "$shuffle_out" >&2
        echo "note shuffle benchmark failed in run $r: $(grep -m1 -i 'fail\|error' "$shuffle_out" | cut -c1-200)" >>"$raw"; }
  done
  grep -q '^BenchmarkBootTrue' "$boot_out" || echo "note sandbox boot: BenchmarkBootTrue gave no result ($(grep -m1 -i 'skip\|fail' "$boot_out" | cut -c1-160))" >>"$raw"
fi
# Split read bytes: bench/swift.sh's map-only cat reads the whole input
# from Swift, through the proxy with locality off (the proxy's GET bytes
# over the input size) and from the object servers directly with locality
# on (what they were asked for); swift.sh writes those per run in
# targets' format.
if [[ $swift == 1 ]]; then
  swift_args=(--runs "$runs" --jobs cat --work "$scratch/swift" --results "$scratch/swift.md" --zebra "$zebra")
  [[ $mode == quick ]] && swift_args+=(--quick)
  log "split read bytes: bench/swift.sh ${swift_args[*]}"
  if AIO_PORTS=free "$here/swift.sh" "${swift_args[@]}" >"$work/swift.log" 2>&1; then
    grep '^splitread/' "$scratch/swift/raw.txt" >>"$raw" || echo "note split read bytes: bench/swift.sh ran but wrote no splitread lines ($work/swift.log)" >>"$raw"
  else
    log "bench/swift.sh failed: $work/swift.log"; tail -5 "$work/swift.log" >&2
    echo "note split read bytes not measured: bench/swift.sh failed ($(tail -1 "$work/swift.log" | cut -c1-200); log $work/swift.log)" >>"$raw"
  fi
else
  echo "note split read bytes (Swift proxy GET bytes / input bytes) skipped: it needs a Swift all-in-one (root, Debian's swift packages, several minutes); run with --swift, or bench/swift.sh alone (bench/RESULTS-swift.md)" >>"$raw"
fi
[[ $hadoop == yes ]] || echo "note Hadoop rows not run: scripts/hadoop-oracle.sh classpath failed (install with scripts/hadoop-oracle.sh install) or --no-hadoop" >>"$raw"
[[ -n $mrjob_python ]] || echo "note mrjob rows not run (--no-mrjob)" >>"$raw"
[[ $floor == 1 ]] || echo "note floor not measured (--no-floor)" >>"$raw"
[[ $filter == 1 ]] || echo "note seccomp floor (none+filter) not measured (--no-filter): the sandbox target is judged on native / none alone" >>"$raw"
# The word count's Python programs cost several times more with it set:
# every print is its own write(2) (measured on 8 MB: 0.6 s buffered, 2.4 s
# unbuffered into a pipe, 3.5 s into a file), in every system alike.
[[ -z ${PYTHONUNBUFFERED:-} ]] || echo "note PYTHONUNBUFFERED=$PYTHONUNBUFFERED was set: every system's Python programs (pipeline, zebra, Hadoop, mrjob, floor) wrote each print with its own system call, several times slower than buffered; ratios differ from an environment without it (bench/README.md)" >>"$raw"

micro_out="$work/micro.txt"
: >"$micro_out"
if [[ $legacy == 1 ]]; then
  log "go test -bench micro-benchmarks (count $runs, benchtime $benchtime)"
  (cd "$top" && ARROWSPILL_RECORDS=$arrow_records go test -run '^$' -bench "$benchre" -benchmem -count "$runs" -benchtime "$benchtime" \
      ./mapreduce ./streaming ./bench/arrowspill) >"$micro_out" 2>&1 || { log "go test -bench failed: $micro_out"; tail -20 "$micro_out" >&2; exit 1; }
fi
if [[ $sandbox == 1 ]]; then sandbox_section; fi

# ---- Tables.
targets_md="$work/targets.md"
"$work/bin/targets" -raw "$raw" -boot "$boot_out" -shuffle "$shuffle_out" -cores "$(nproc)" \
  -command "$cmdline" -mode "$mode, $runs runs, word count sizes: ${sizes// /, } B, sort $rec_size B" >"$targets_md"
cat "$targets_md"
machine="$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
if [[ $write == 1 ]]; then
  old_sandbox="$scratch/old-sandbox.md"
  get_section Sandbox "$results" >"$old_sandbox"
  if [[ $legacy == 1 ]]; then
    "$work/bin/report" -raw "$legacy_raw" -checks "$legacy_checks" -micro "$micro_out" -out "$results" \
      -machine "$machine" -command "$cmdline" -mode "$mode" -runs "$runs" \
      -sizes "wordcount ${sizes##* } B text; sort $rec_size B of 100-byte records; latency $lat_size B; tiny $tiny_files x $tiny_size B" \
      -tiny-tasks "$tiny_files" -arrow-notes "$here/arrow-notes.md" >/dev/null
  fi
  [[ -e "$results" ]] || die "no $results to put the targets in (run without --no-legacy once)"
  put_section "Issue 17 targets" "$targets_md" "$results"
  if [[ -n $sandbox_md ]]; then put_section Sandbox "$sandbox_md" "$results"
  elif [[ -s $old_sandbox ]]; then put_section Sandbox "$old_sandbox" "$results"; fi
  log "wrote $results (raw data: $raw)"
else
  log "table above also in $targets_md (raw data: $raw); --write puts it in $results"
fi
