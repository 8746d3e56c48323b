#!/usr/bin/env bash
# Shuffle throughput over loopback, two processes: zebra's fetch (ZeroMQ +
# Arrow, jobtracker/shuffle) against raw ZeroMQ moving the same bytes in the
# same run, plain and with CURVE on both sides (BenchmarkShuffleVsRaw).
#
#   bench/shuffle.sh            256 MB partition of 100-byte records, 3 runs
#   bench/shuffle.sh --quick    64 MB, 3 runs
#
# Options: --runs N (default 3), --mb N (partition size), --benchtime X
# (go test -benchtime, default 4x).
#
# Baselines, each in the same run as the fetch it is compared with:
#   raw       the same payload bytes (count and mean size of the fetch's
#             data messages) over the same socket pattern and credit
#             window, from memory to nowhere;
#   rawfiles  the same, read from the map output file and written to a
#             file: the least any shuffle of the partition must do.
# Ratios are shuffle / baseline for MB/s and baseline / shuffle for CPU
# seconds per GB (both: > 1 means the shuffle does better), per run, then
# min/median/max over the runs. CPU per GB does not depend on what else the
# machine runs; on 2 cores with both processes busy, MB/s follows it.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
top="$(cd "$here/.." && pwd)"
runs=3 mb=256 benchtime=4x
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) mb=64 ;;
    --runs) runs="$2"; shift ;;
    --mb) mb="$2"; shift ;;
    --benchtime) benchtime="$2"; shift ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) echo "bench/shuffle.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

work="$(mktemp -d "${TMPDIR:-/tmp}/zebra-shuffle-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT
(cd "$top" && go test -c -o "$work/shuffle.test" ./jobtracker/shuffle)
for r in $(seq 1 "$runs"); do
  printf '%s shuffle bench: run %d/%d (%d MB, load %s)\n' "$(date +%H:%M:%S)" "$r" "$runs" "$mb" "$(cut -d' ' -f1 /proc/loadavg)" >&2
  (cd "$work" && ZEBRA_SHUFFLE_BENCH_MB="$mb" ./shuffle.test -test.run '^$' -test.bench 'ShuffleVsRaw' -test.benchtime "$benchtime") |
    awk -v r="$r" '/^BenchmarkShuffleVsRaw\// {
      split($1, p, "/"); sub(/-[0-9]+$/, "", p[3])
      for (i = 2; i <= NF; i++) {
        if ($i == "MB/s") mbs = $(i-1)
        if ($i == "cpu-s/GB") cpu = $(i-1)
        if ($i == "fetch-cpu-s/GB") fc = $(i-1)
        if ($i == "serve-cpu-s/GB") sc = $(i-1)
      }
      print r, p[2], p[3], mbs, cpu, fc, sc
    }' >>"$work/raw.txt"
done

awk -v runs="$runs" -v mb="$mb" '
  function sortn(a, n,   i, j, t) { for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j+1] = a[j]; a[j+1] = t } }
  function stats(a, n,   m) { sortn(a, n); m = (n % 2) ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2; return sprintf("%.3f | %.3f | %.3f", a[1], m, a[n]) }
  function med(a, n) { sortn(a, n); return (n % 2) ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2 }
  { mbs[$1, $2, $3] = $4; cpu[$1, $2, $3] = $5; fc[$1, $2, $3] = $6; sc[$1, $2, $3] = $7 }
  END {
    printf "Shuffle over loopback, %d MB partition of 100-byte records, %d runs (min | median | max of per-run ratios)\n\n", mb, runs
    print "| security | baseline | MB/s shuffle / baseline: min | median | max | CPU-s/GB baseline / shuffle: min | median | max | shuffle MB/s (median) | baseline MB/s (median) | shuffle CPU-s/GB fetch + serve (median) | baseline CPU-s/GB fetch + serve (median) |"
    print "|---|---|---|---|---|---|---|---|---|---|---|---|"
    split("plain curve", secs, " "); split("raw rawfiles", bases, " ")
    for (s = 1; s <= 2; s++) for (b = 1; b <= 2; b++) {
      sec = secs[s]; base = bases[b]
      for (r = 1; r <= runs; r++) {
        w[r] = mbs[r, sec, "shuffle"] / mbs[r, sec, base]; c[r] = cpu[r, sec, base] / cpu[r, sec, "shuffle"]
        m1[r] = mbs[r, sec, "shuffle"]; m2[r] = mbs[r, sec, base]
        f1[r] = fc[r, sec, "shuffle"]; s1[r] = sc[r, sec, "shuffle"]; f2[r] = fc[r, sec, base]; s2[r] = sc[r, sec, base]
      }
      printf "| %s | %s | %s | %s | %.0f | %.0f | %.2f + %.2f | %.2f + %.2f |\n", sec, base, stats(w, runs), stats(c, runs), med(m1, runs), med(m2, runs), med(f1, runs), med(s1, runs), med(f2, runs), med(s2, runs)
    }
  }' "$work/raw.txt"
