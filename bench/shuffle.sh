#!/usr/bin/env bash
# Shuffle throughput over loopback, two processes: zebra's fetch (ZeroMQ +
# Arrow, jobtracker/shuffle) against raw ZeroMQ moving the same bytes in the
# same run, plain and with CURVE on both sides (BenchmarkShuffleVsRaw), the
# shuffle rows of bench/run.sh's table alone.
#
#   bench/shuffle.sh            256 MB partition of 100-byte records, 3 runs
#   bench/shuffle.sh --quick    64 MB, 3 runs
#   bench/shuffle.sh --against main    also the same benchmark built from
#                               commit main, run alternately with this tree's
#                               (before, after, before, after, ...)
#
# Options: --runs N (default 3), --mb N (partition size), --benchtime X
# (go test -benchtime, default 4x), --against REV, --raw FILE (keep the
# benchmark output; FILE.before for --against).
#
# Each run runs, in one process: raw (the same payload bytes, count and mean
# size of the fetch's data messages, over the same socket pattern and credit
# window, from memory to nowhere), rawfiles (the same, read from the map
# output file and written to a file: the least any shuffle of the partition
# must do) and shuffle (a Fetch into a segment file), plain, then the three
# with CURVE. Ratios are paired within a run; min/median/max over the runs
# (bench/cmd/targets). CPU per GB is of both processes and does not depend on
# what else the machine runs; on 2 cores with both processes busy, MB/s
# follows it.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
top="$(cd "$here/.." && pwd)"
runs=3 mb=256 benchtime=4x against="" keep=""
cmdline="bench/shuffle.sh $*"
die() { echo "bench/shuffle.sh: $*" >&2; exit 2; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) mb=64 ;;
    --runs) [[ $# -ge 2 ]] || die "--runs needs a number"; runs="$2"; shift ;;
    --mb) [[ $# -ge 2 ]] || die "--mb needs a size in MB"; mb="$2"; shift ;;
    --benchtime) [[ $# -ge 2 ]] || die "--benchtime needs a value"; benchtime="$2"; shift ;;
    --against) [[ $# -ge 2 ]] || die "--against needs a commit"; against="$2"; shift ;;
    --raw) [[ $# -ge 2 ]] || die "--raw needs a file"; keep="$2"; shift ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
  shift
done
[[ $runs =~ ^[0-9]+$ ]] && (( runs >= 1 )) || die "--runs must be a whole number >= 1, not '$runs'"
[[ $mb =~ ^[0-9]+$ ]] && (( mb >= 1 )) || die "--mb must be a whole number >= 1, not '$mb'"

work="$(mktemp -d "${TMPDIR:-/tmp}/zebra-shuffle-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT
(cd "$top" && go test -c -o "$work/after.test" ./jobtracker/shuffle && go build -o "$work/targets" ./bench/cmd/targets) || die "build failed"
bins=(after)
if [[ -n $against ]]; then
  rev="$(git -C "$top" rev-parse --verify "$against^{commit}")" || die "--against: no commit $against"
  mkdir "$work/src"
  git -C "$top" archive "$rev" | tar -x -C "$work/src"
  (cd "$work/src" && go test -c -o "$work/before.test" ./jobtracker/shuffle) || die "building jobtracker/shuffle at $against failed"
  bins=(before after)
fi
: >"$work/after.txt"; : >"$work/before.txt"
for r in $(seq 1 "$runs"); do
  for b in "${bins[@]}"; do
    printf '%s shuffle bench: run %d/%d, %s (%d MB, load %s)\n' "$(date +%H:%M:%S)" "$r" "$runs" "$b" "$mb" "$(cut -d' ' -f1 /proc/loadavg)" >&2
    (cd "$work" && ZEBRA_SHUFFLE_BENCH_MB="$mb" "./$b.test" -test.run '^$' -test.bench '^BenchmarkShuffleVsRaw$' -test.benchtime "$benchtime") \
      >>"$work/$b.txt" 2>&1 || { tail -20 "$work/$b.txt" >&2; die "the $b benchmark failed in run $r"; }
  done
done
if [[ -n $keep ]]; then
  cp "$work/after.txt" "$keep"
  [[ -z $against ]] || cp "$work/before.txt" "$keep.before"
fi
mode="$mb MB partition, $runs runs, benchtime $benchtime"
before=()
if [[ -n $against ]]; then before=(-shuffle-before "$work/before.txt"); mode+=", before: $against ($rev)"; fi
"$work/targets" -shuffle "$work/after.txt" "${before[@]}" -command "$cmdline" -mode "$mode"
