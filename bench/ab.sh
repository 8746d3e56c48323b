#!/usr/bin/env bash
# A/B wall time of the word count: two zebra builds and the shell pipeline,
# interleaved in one run, so a change's effect is read as ratios measured
# side by side (bench/README.md).
#
#   bench/ab.sh --old BIN --new BIN [--runs 3] [--sizes "40000000"] [--reduces "1 2"] [--work DIR]
#
# Each run measures, for each size, the pipeline `cat | python3 mapper.py |
# LC_ALL=C sort | python3 reducer.py` once, then for each reducer count the
# old and the new build (old first in odd runs, new first in even ones) with
# default settings (exact mode) on examples/wordcount. Every run checks the
# new build's part files byte for byte against the old one's and, with one
# reducer, against the pipeline's output. Prints the raw lines (wall, CPU,
# 1-minute load average before each command) and a table of new/old,
# old/pipeline and new/pipeline wall ratios, min/median/max over the runs.
# Inputs come from bench/cmd/gendata (text, seed 1, as bench/run.sh's).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
top="$(cd "$here/.." && pwd)"
old="" new="" runs=3 sizes=40000000 reduces="1 2" work="${TMPDIR:-/tmp}/zebra-bench-ab"
die() { echo "bench/ab.sh: $*" >&2; exit 2; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --old) old="$2"; shift ;;
    --new) new="$2"; shift ;;
    --runs) runs="$2"; shift ;;
    --sizes) sizes="$2"; shift ;;
    --reduces) reduces="$2"; shift ;;
    --work) work="$2"; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
  shift
done
[[ -x $old && -x $new ]] || die "--old and --new must name zebra binaries"
[[ $runs =~ ^[0-9]+$ ]] && (( runs >= 1 )) || die "--runs must be a whole number >= 1"
old="$(cd "$(dirname "$old")" && pwd)/$(basename "$old")" new="$(cd "$(dirname "$new")" && pwd)/$(basename "$new")"
log() { printf '%s bench/ab: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
mkdir -p "$work/bin"
work="$(cd "$work" && pwd)"
(cd "$top" && go build -o "$work/bin/measure" ./bench/cmd/measure && go build -o "$work/bin/gendata" ./bench/cmd/gendata) || die "build failed"
scratch="$(mktemp -d "$work/run.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
raw="$work/ab-raw.txt"
: >"$raw"
job="$scratch/job"
wc_args=(-files mapper.py,reducer.py -mapper mapper.py -reducer reducer.py)

# m KEY RUN [measure args] -- CMD...: measure CMD in $job, append KEY RUN figures load1=... to $raw.
m() {
  local key="$1" r="$2" load; shift 2
  load="$(cut -d' ' -f1 /proc/loadavg)"
  rm -f "$scratch/m"
  (cd "$job" && "$work/bin/measure" -o "$scratch/m" "$@") >"$scratch/$r.log" 2>&1 \
    || { tail -20 "$scratch/$r.log" >&2; die "$key run $r failed"; }
  echo "$key $r $(cat "$scratch/m") load1=$load" | tee -a "$raw" >&2
}
same() { # same KEY RUN DIR1 DIR2
  local a b ok=identical
  a="$(cd "$3" && ls part-* | tr '\n' ' ')" b="$(cd "$4" && ls part-* | tr '\n' ' ')"
  if [[ -z $a || $a != "$b" ]]; then ok=DIFFERENT; else
    for p in $a; do cmp -s "$3/$p" "$4/$p" || ok=DIFFERENT; done
  fi
  echo "check $1 $2 $ok" | tee -a "$raw" >&2
}

for s in $sizes; do
  text="$work/text-$s.txt"
  [[ -e $text ]] || { log "generating $text"; "$work/bin/gendata" text -size "$s" -seed 1 -out "$text.tmp" && mv "$text.tmp" "$text"; }
done
for r in $(seq 1 "$runs"); do
  for s in $sizes; do
    text="$work/text-$s.txt"
    rm -rf "$job"; mkdir -p "$job"; cp "$top/examples/wordcount/mapper.py" "$top/examples/wordcount/reducer.py" "$job/"
    log "run $r/$runs, $s bytes: pipeline"
    m "$s/pipeline" "$r" -stdout "$job/pipe.out" -- sh -c 'cat "$1" | python3 mapper.py | LC_ALL=C sort | python3 reducer.py' sh "$text"
    for R in $reduces; do
      order="old new"; (( r % 2 == 0 )) && order="new old"
      for b in $order; do
        bin="$old"; [[ $b == new ]] && bin="$new"
        log "run $r/$runs, $s bytes, $R reducer(s): $b"
        m "$s/r$R/$b" "$r" -- "$bin" streaming "${wc_args[@]}" -numReduceTasks "$R" -input "$text" -output "out-$b-$R"
      done
      same "$s/r$R/new-vs-old" "$r" "$job/out-new-$R" "$job/out-old-$R"
      if [[ $R == 1 ]]; then
        if cmp -s "$job/out-new-1/part-00000" "$job/pipe.out"; then v=identical; else v=DIFFERENT; fi
        echo "check $s/r1/new-vs-pipeline $r $v" | tee -a "$raw" >&2
      fi
      rm -rf "$job/out-old-$R" "$job/out-new-$R"
    done
  done
done

awk '
function stat(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
  return sprintf("%.3f %.3f %.3f", a[1], (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2, a[n]) }
$1 == "check" { if ($4 != "identical") bad = bad " " $2 "#" $3; next }
{ split($3, w, "="); split($4, u, "="); split($5, y, "="); wall[$1, $2] = w[2]; cpu[$1, $2] = u[2] + y[2]; runs[$2] = 1
  split($1, k, "/"); if (k[2] != "pipeline") { jobs[k[1] "/" k[2]] = 1 } }
END {
  print "| job | new/old wall | old/pipeline | new/pipeline | new/old CPU | (min median max over runs) |"
  print "|---|---|---|---|---|---|"
  for (j in jobs) { split(j, k, "/"); n = 0
    for (r in runs) if ((j "/new", r) in wall) { n++; a[n] = wall[j "/new", r] / wall[j "/old", r]; b[n] = wall[j "/old", r] / wall[k[1] "/pipeline", r]
      c[n] = wall[j "/new", r] / wall[k[1] "/pipeline", r]; d[n] = cpu[j "/new", r] / cpu[j "/old", r] }
    printf "| %s B, %s | %s | %s | %s | %s | %d runs |\n", k[1], k[2], stat(a, n), stat(b, n), stat(c, n), stat(d, n), n }
  print ""; print (bad == "" ? "outputs: all checks identical" : "outputs DIFFERENT:" bad)
}' "$raw"
