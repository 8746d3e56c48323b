#!/usr/bin/env bash
# Benchmarks of zebra against its baselines (see bench/RESULTS.md).
#
#   bench/run.sh            full sizes (200 MB text, 1 GB records; ~25-30 min)
#   bench/run.sh --quick    small sizes (20 MB text, 100 MB records, no Hadoop on the 20 MB wordcount; ~2.5 min)
#
# Options: --runs N (default 3); --no-hadoop (skip real Hadoop even when the
# oracle is installed); --hadoop-wordcount (also run Hadoop on the 20 MB
# wordcount in --quick mode, about +80 s; full mode always does); --no-micro
# (skip go test -bench); --work DIR (scratch, default
# ${TMPDIR:-/tmp}/zebra-bench); --results FILE (default bench/RESULTS.md).
# Real Hadoop rows need `scripts/hadoop-oracle.sh install` first; without it
# they are reported as "not run".
# Sandbox section: --sandbox-only runs only it (~2 min) and rewrites only its
# section of the results; --no-sandbox skips it. The native rows need root.
#
# Each end-to-end figure is a ratio zebra/baseline of the same run index,
# measured back to back; min/median/max are over the runs. Inputs come from
# bench/cmd/gendata (deterministic), timing and process-tree peak RSS from
# bench/cmd/measure, the table from bench/cmd/report.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
top="$(cd "$here/.." && pwd)"
mode=full runs=3 hadoop=auto micro=1 hadoop_wc=auto sandbox=1
work="${TMPDIR:-/tmp}/zebra-bench"
results="$here/RESULTS.md"
cmdline="bench/run.sh $*"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) mode=quick ;;
    --runs) runs="$2"; shift ;;
    --no-hadoop) hadoop=no ;;
    --no-micro) micro=0 ;;
    --hadoop-wordcount) hadoop_wc=yes ;;
    --work) work="$2"; shift ;;
    --results) results="$2"; shift ;;
    --sandbox-only) sandbox=only ;;
    --no-sandbox) sandbox=0 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "bench/run.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
(( runs >= 1 )) || { echo "bench/run.sh: --runs must be >= 1" >&2; exit 2; }

if [[ $mode == quick ]]; then
  text_size=20000000 rec_size=100000000 benchtime=100ms arrow_records=262144
  if [[ $hadoop_wc == auto ]]; then hadoop_wc=no; fi
else
  text_size=200000000 rec_size=1000000000 benchtime=1s arrow_records=1048576
fi
lat_size=1000000 tiny_files=2000 tiny_size=1024
benchre='^Benchmark(LineReader|Partition|SortBuffer|SortCompare|KeyFieldCompare|SpillWrite|SpillRead|Merge|CollectSpill|SplitKeyValue|ArrowSpill)$'

if [[ $hadoop == auto ]]; then
  if "$top/scripts/hadoop-oracle.sh" classpath >/dev/null 2>&1; then hadoop=yes; else hadoop=no; fi
fi
if [[ $hadoop != yes ]]; then hadoop_wc=no; fi
if [[ $hadoop_wc != no ]]; then hadoop_wc=$hadoop; fi
[[ $hadoop == yes ]] || echo "bench: real Hadoop not installed (scripts/hadoop-oracle.sh install); Hadoop rows skipped" >&2

gv="$(cat "$here/cmd/gendata/main.go" | sha256sum | cut -c1-8)"  # data changes with the generator
data="$work/data-$gv"
mkdir -p "$work/bin" "$data"
log() { printf '%s bench: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

log "building"
(cd "$top" && go build -o "$work/bin/zebra" ./cmd/zebra \
  && go build -o "$work/bin/gendata" ./bench/cmd/gendata \
  && go build -o "$work/bin/measure" ./bench/cmd/measure \
  && go build -o "$work/bin/report" ./bench/cmd/report)
zebra="$work/bin/zebra" measure="$work/bin/measure"

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
  # Replace the section in the results (or add it at the end).
  awk -v md="$md" 'BEGIN { while ((getline l < md) > 0) sec = sec l "\n" }
    /^## Sandbox$/ { skip = 1; printf "%s", sec; done = 1; next }
    skip && /^## / { skip = 0 }
    !skip { print }
    END { if (!done) { print ""; printf "%s", sec } }' "$results" >"$results.tmp" && mv "$results.tmp" "$results"
  log "wrote the sandbox section of $results (raw data: $sraw)"
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
if [[ $sandbox == only ]]; then
  [[ -e "$results" ]] || { echo "bench/run.sh: --sandbox-only needs an existing $results" >&2; exit 2; }
  scripts="$top/examples/wordcount"
  wc_args=(-files mapper.py,reducer.py -mapper mapper.py -reducer reducer.py)
  sandbox_section
  exit 0
fi

# Data (regenerated only when absent; names carry the sizes).
text="$data/text-$text_size.txt"
recs="$data/records-$rec_size.txt"
small="$data/text-$lat_size.txt"
tiny="$data/tiny-$tiny_files-$tiny_size"
gen() { # gen FILE MODE ARGS...
  local f="$1" m="$2"; shift 2
  [[ -e "$f" ]] && return 0
  log "generating $f"
  "$work/bin/gendata" "$m" "$@" -out "$f.tmp" && mv "$f.tmp" "$f"
}
gen "$text" text -size "$text_size" -seed 1
gen "$recs" records -size "$rec_size" -seed 2
gen "$small" text -size "$lat_size" -seed 3
if [[ ! -e "$tiny/.done" ]]; then
  log "generating $tiny"; rm -rf "$tiny"
  "$work/bin/gendata" tiny -files "$tiny_files" -size "$tiny_size" -dir "$tiny" -seed 4 && touch "$tiny/.done"
fi

raw="$work/raw.txt"   # one line per measurement: bench variant run key=value...
checks="$work/checks.txt"
: >"$raw"; : >"$checks"
jobdir="$work/job"
scripts="$top/examples/wordcount"

# measure_into BENCH VARIANT RUN [measure flags] -- CMD...: runs CMD in $jobdir.
measure_into() {
  local b="$1" v="$2" r="$3"; shift 3
  local tmp="$work/m.tmp"; rm -f "$tmp"
  local rc=0
  (cd "$jobdir" && "$measure" -o "$tmp" "$@") >"$work/last-$b-$v.log" 2>&1 || rc=$?
  if [[ $rc -ne 0 ]]; then
    log "FAILED: $b $v run $r (rc=$rc); log: $work/last-$b-$v.log"; tail -20 "$work/last-$b-$v.log" >&2
    exit 1
  fi
  echo "$b $v $r $(cat "$tmp")" >>"$raw"
}

fresh_job() { rm -rf "$jobdir"; mkdir -p "$jobdir"; cp "$scripts/mapper.py" "$scripts/reducer.py" "$jobdir/"; }
check() { # check NAME FILE1 FILE2
  if cmp -s "$2" "$3"; then echo "$1 identical" >>"$checks"; else echo "$1 DIFFERENT" >>"$checks"; log "output mismatch: $1 ($2 vs $3)"; fi
}
# Drop the trailing tab that TextOutputFormat writes after an empty value.
strip_tab() { sed 's/\t$//' "$1" >"$2"; }

wc_args=(-files mapper.py,reducer.py -mapper mapper.py -reducer reducer.py)

for r in $(seq 1 "$runs"); do
  # 1. wordcount on the big text: zebra, shell pipeline, Hadoop.
  log "run $r/$runs: wordcount $text_size bytes"
  fresh_job
  measure_into wordcount zebra "$r" -- "$zebra" streaming "${wc_args[@]}" -input "$text" -output zout
  measure_into wordcount pipeline "$r" -stdout "$jobdir/pipe.out" -- \
    sh -c 'cat "$1" | python3 mapper.py | LC_ALL=C sort | python3 reducer.py' sh "$text"
  check "wordcount run $r: zebra part-00000 vs pipeline" "$jobdir/zout/part-00000" "$jobdir/pipe.out"
  if [[ $hadoop_wc == yes ]]; then
    measure_into wordcount hadoop "$r" -- "$top/scripts/hadoop-oracle.sh" run "${wc_args[@]}" -input "$text" -output hout
    check "wordcount run $r: hadoop part-00000 vs pipeline" "$jobdir/hout/part-00000" "$jobdir/pipe.out"
  fi

  # 2. identity sort of 100-byte records: zebra (cat/cat) vs GNU sort.
  log "run $r/$runs: identity sort $rec_size bytes"
  fresh_job
  measure_into sort zebra "$r" -interval 20ms -- "$zebra" streaming -input "$recs" -output zout -mapper cat -reducer cat
  measure_into sort gnusort "$r" -interval 20ms -stdout "$jobdir/sort.out" -- env LC_ALL=C sort -S 50% --parallel=2 "$recs"
  strip_tab "$jobdir/zout/part-00000" "$jobdir/zout.stripped"
  check "sort run $r: zebra part-00000 (trailing tab stripped) vs GNU sort" "$jobdir/zout.stripped" "$jobdir/sort.out"
  rm -f "$jobdir/zout.stripped" "$jobdir/sort.out"

  # 3. small job latency: wordcount on 1 MB, zebra vs Hadoop.
  log "run $r/$runs: small job latency"
  fresh_job
  measure_into latency zebra "$r" -- "$zebra" streaming "${wc_args[@]}" -input "$small" -output zout
  if [[ $hadoop == yes ]]; then
    measure_into latency hadoop "$r" -- "$top/scripts/hadoop-oracle.sh" run "${wc_args[@]}" -input "$small" -output hout
    check "latency run $r: zebra vs hadoop part-00000" "$jobdir/zout/part-00000" "$jobdir/hout/part-00000"
  fi

  # 4. many tiny tasks: map-only cat over $tiny_files files vs a shell loop
  #    that runs cat once per file (the scripts' own time).
  log "run $r/$runs: $tiny_files tiny map tasks"
  fresh_job
  measure_into tiny zebra "$r" -- "$zebra" streaming -input "$tiny" -output zout -mapper cat -numReduceTasks 0
  measure_into tiny catloop "$r" -- sh -c 'mkdir -p loop; for f in "$1"/in-*; do cat "$f" >"loop/${f##*/}"; done' sh "$tiny"
  cat "$jobdir"/zout/part-* | sed 's/\t$//' | LC_ALL=C sort >"$jobdir/z.sorted"
  cat "$jobdir"/loop/* | LC_ALL=C sort >"$jobdir/l.sorted"
  check "tiny run $r: zebra parts (tabs stripped, lines sorted) vs cat loop" "$jobdir/z.sorted" "$jobdir/l.sorted"
done
rm -rf "$jobdir"

micro_out="$work/micro.txt"
: >"$micro_out"
if [[ $micro == 1 ]]; then
  log "go test -bench (count $runs, benchtime $benchtime)"
  (cd "$top" && ARROWSPILL_RECORDS=$arrow_records go test -run '^$' -bench "$benchre" -benchmem -count "$runs" -benchtime "$benchtime" \
      ./mapreduce ./streaming ./bench/arrowspill) >"$micro_out" 2>&1 || {
    log "go test -bench failed"; cat "$micro_out" >&2; exit 1; }
fi

machine="$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
"$work/bin/report" -raw "$raw" -checks "$checks" -micro "$micro_out" -out "$results" \
  -machine "$machine" -command "$cmdline" -mode "$mode" -runs "$runs" \
  -sizes "wordcount $text_size B text; sort $rec_size B of 100-byte records; latency $lat_size B; tiny $tiny_files x $tiny_size B" \
  -tiny-tasks "$tiny_files" -arrow-notes "$here/arrow-notes.md"
log "wrote $results (raw data: $raw, $micro_out)"
if [[ $sandbox == 1 ]]; then sandbox_section; fi
