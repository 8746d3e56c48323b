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
#
# Each end-to-end figure is a ratio zebra/baseline of the same run index,
# measured back to back; min/median/max are over the runs. Inputs come from
# bench/cmd/gendata (deterministic), timing and process-tree peak RSS from
# bench/cmd/measure, the table from bench/cmd/report.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
top="$(cd "$here/.." && pwd)"
mode=full runs=3 hadoop=auto micro=1 hadoop_wc=auto
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
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
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
