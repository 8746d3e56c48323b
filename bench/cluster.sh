#!/usr/bin/env bash
# Cluster-mode benchmarks (see bench/RESULTS-cluster.md), each a ratio to a
# baseline measured in the same run:
#   - wordcount (Python) on a local cluster of 3 workers vs the local runner, same input;
#   - shuffle throughput between two processes (ZeroMQ + Arrow, 100-byte records) vs a raw ZeroMQ copy;
#   - dispatch latency of 10,000 no-op map instances on 3 workers; placement of 100,000 tasks on 1,000 nodes.
#
#   bench/cluster.sh [--quick] [--runs N] [--work DIR] [--results FILE] [--zebra BIN]
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
bench_init cluster 9 "$@"
benchtime=3x
[[ $mode == quick ]] && benchtime=1x
bench_build

state="$work/cluster"
"$zebra" down --state "$state" >/dev/null 2>&1 || true
rm -rf "$state"
eval "$("$zebra" up --no-swift --workers 3 --state "$state")"
trap '"$zebra" down --state "$state" >/dev/null 2>&1 || true' EXIT

job="$work/job"
wc_args=(-files mapper.py,reducer.py -mapper mapper.py -reducer reducer.py -numReduceTasks 3)
secs() { local s e; s=$(date +%s.%N); "$@" >"$work/last.log" 2>&1 || { tail -20 "$work/last.log" >&2; exit 1; }; e=$(date +%s.%N); echo "$e - $s" | bc; }
ratios=() lines=()
for r in $(seq 1 "$runs"); do
  rm -rf "$job"; mkdir -p "$job"; cp "$top/examples/wordcount/mapper.py" "$top/examples/wordcount/reducer.py" "$job/"
  cd "$job"
  log "run $r/$runs: wordcount $size bytes, local runner"
  tl=$(secs env -u ZEBRA_JOBTRACKER "$zebra" streaming "${wc_args[@]}" -input "$text" -output lout)
  log "run $r/$runs: wordcount $size bytes, 3 workers"
  tc=$(secs "$zebra" streaming "${wc_args[@]}" -input "$text" -output cout)
  for p in lout/part-0000{0,1,2}; do cmp -s "$p" "c${p#l}" || { log "output differs: $p"; exit 1; }; done
  ratio=$(echo "scale=3; $tc / $tl" | bc)
  ratios+=("$ratio"); lines+=("| $r | $(printf %.2f "$tl") s | $(printf %.2f "$tc") s | $ratio |")
  cd "$top"
done
median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')

log "go test -bench (shuffle, dispatch, placement)"
micro="$work/micro.txt"
(cd "$top" && go test -run '^$' -bench 'BenchmarkShuffle$|BenchmarkRawZMQ$' -benchtime "$benchtime" -count "$runs" ./jobtracker/shuffle \
  && go test -run '^$' -bench 'BenchmarkDispatch$|BenchmarkPlacement$' -benchtime 1x -count "$runs" ./jobtracker) >"$micro" 2>&1 \
  || { cat "$micro" >&2; exit 1; }
med() { grep "^$1" "$micro" | awk -v f="$2" '{for(i=1;i<NF;i++) if($(i+1)==f) print $i}' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
shuf=$(med BenchmarkShuffle MB/s) raw=$(med BenchmarkRawZMQ MB/s)
sratio=$(echo "scale=3; $shuf / $raw" | bc)
p50=$(med BenchmarkDispatch p50-ms) p99=$(med BenchmarkDispatch p99-ms)
place=$(med BenchmarkPlacement ns/op) local_pct=$(med BenchmarkPlacement %data-local)

{
  echo "# Cluster benchmarks"
  echo
  echo "Written by \`$cmdline\` on $(date -u +%Y-%m-%d) ($(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo)); $runs runs, medians."
  echo
  echo "| benchmark | zebra | baseline (same run) | ratio | target |"
  echo "|---|---|---|---|---|"
  echo "| wordcount (Python, $size B, 3 reduces) on 3 local workers vs the local runner | | | $median | ≤ 1.2 |"
  echo "| shuffle, 100-byte records, two processes over loopback: ZeroMQ + Arrow vs raw ZeroMQ copy | $shuf MB/s | $raw MB/s | $sratio | ≥ 1 GB/s |"
  echo "| dispatch latency, 10,000 no-op map instances on 3 workers (HTTP long poll) | p50 $p50 ms, p99 $p99 ms | | | p50 ≤ 5 ms |"
  echo "| placement of 100,000 tasks (3 replicas each) on 1,000 nodes | $(echo "scale=3; $place / 1000000000" | bc) s, $local_pct % data-local | | | ≤ 1 s |"
  echo
  echo "Wordcount runs (local runner, then the cluster, back to back; outputs compared byte for byte):"
  echo
  echo "| run | local runner | cluster | ratio |"
  echo "|---|---|---|---|"
  printf '%s\n' "${lines[@]}"
  echo
  echo "Raw benchmark output:"
  echo
  echo '```'
  grep -E '^Benchmark' "$micro"
  echo '```'
} >"$results"
log "wrote $results"
