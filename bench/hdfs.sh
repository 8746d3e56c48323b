#!/usr/bin/env bash
# HDFS benchmark (see bench/RESULTS-hdfs.md): the same `zebra streaming` job
# reading its input from HDFS vs from local files, back to back in one run,
# reported as the ratio hdfs/local per run (median over the runs):
#   - wordcount: examples/wordcount (Python mapper and reducer) on 200 MB of
#     bench/cmd/gendata text (seed 1), output to the same kind of store;
#   - cat: a map-only `cat` of the same file (-numReduceTasks 0), which is
#     mostly I/O, so it shows the store's cost more plainly.
# Outputs of the two sides are compared byte for byte.
#
#   bench/hdfs.sh [--quick] [--runs N] [--work DIR] [--results FILE] [--zebra BIN] [--sandbox MODE]
#
# --sandbox MODE passes -D zebra.sandbox=MODE to both sides (default: zebra's
# default sandbox).
# HDFS: $ZEBRA_HDFS (hdfs://host:port) if set, else a single-node HDFS that
# the script starts with scripts/hdfs-cluster.sh in WORK/hdfs and stops at
# the end (128 MiB blocks, replication 1, on this machine's disk). The
# input is put there with Hadoop's own client (FsShell from the same jars).
# `zebra streaming` must resolve hdfs:// (adapters/hdfs registered in
# cmd/zebra); --zebra BIN uses a prebuilt binary.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
bench_init hdfs 22 "$@"
bench_build

cluster=""
startup="(outside cluster: \$ZEBRA_HDFS)"
if [[ -z "${ZEBRA_HDFS:-}" ]]; then
  cluster="$work/hdfs"
  "$top/scripts/hdfs-cluster.sh" stop "$cluster" 2>/dev/null || true
  rm -rf "$cluster"
  log "starting HDFS in $cluster"
  t0=$(date +%s.%N)
  eval "$("$top/scripts/hdfs-cluster.sh" start "$cluster")"
  startup="$(printf '%.1f s' "$(echo "$(date +%s.%N) - $t0" | bc)") (fresh format, jars cached)"
  trap '"$top/scripts/hdfs-cluster.sh" stop "$cluster" >/dev/null 2>&1 || true' EXIT
fi
nn="${ZEBRA_HDFS%/}"
# Hadoop's shell, with the cluster's client configuration when we started it.
conf="${cluster:+$cluster/conf:}"
fsh() {
  java -Xmx512m -XX:TieredStopAtLevel=1 -Dlog4j.configuration="file:$top/scripts/hadoop-oracle/log4j.properties" \
    -Dhadoop.root.logger=WARN,console -cp "$conf$("$top/scripts/hdfs-cluster.sh" classpath)" \
    org.apache.hadoop.fs.FsShell -D fs.defaultFS="$nn" "$@"
}
base="/bench-hdfs"
log "putting $text into $nn$base"
fsh -rm -r -f "$base" >/dev/null 2>&1 || true
fsh -mkdir -p "$base"
fsh -put "$text" "$base/text.txt"

job="$work/job"
defs=()
[[ -n "$sandbox" ]] && defs=(-D "zebra.sandbox=$sandbox")
wc_args=("${defs[@]}" -files mapper.py,reducer.py -mapper mapper.py -reducer reducer.py)
cat_args=("${defs[@]}" -mapper cat -numReduceTasks 0)
secs() { local s e; s=$(date +%s.%N); "$@" >"$work/last.log" 2>&1 || { tail -20 "$work/last.log" >&2; exit 1; }; e=$(date +%s.%N); echo "$e - $s" | bc; }
declare -A ratios lines
for r in $(seq 1 "$runs"); do
  rm -rf "$job"; mkdir -p "$job"; cp "$top/examples/wordcount/mapper.py" "$top/examples/wordcount/reducer.py" "$job/"
  cd "$job"
  for b in wordcount cat; do
    if [[ $b == wordcount ]]; then a=("${wc_args[@]}"); else a=("${cat_args[@]}"); fi
    load=$(cut -d' ' -f1 /proc/loadavg)
    log "run $r/$runs: $b $size bytes, local files"
    tl=$(secs env -u ZEBRA_JOBTRACKER "$zebra" streaming "${a[@]}" -input "$text" -output "local-$b")
    log "run $r/$runs: $b $size bytes, HDFS"
    th=$(secs env -u ZEBRA_JOBTRACKER "$zebra" streaming "${a[@]}" -input "$nn$base/text.txt" -output "$nn$base/out-$b-$r")
    # Same bytes: the HDFS part files, in order, against the local ones.
    fsh -cat "$nn$base/out-$b-$r/part-*" >"$job/hdfs-$b.txt"
    cat "local-$b"/part-* >"$job/local-$b.txt"
    cmp -s "$job/hdfs-$b.txt" "$job/local-$b.txt" || { log "output differs: $b run $r"; exit 1; }
    fsh -rm -r -f "$nn$base/out-$b-$r" >/dev/null 2>&1
    ratio=$(echo "scale=3; $th / $tl" | bc)
    ratios[$b]+="$ratio "
    lines[$b]+="| $b | $r | $(printf %.2f "$tl") s | $(printf %.2f "$th") s | $ratio | $load |"$'\n'
  done
  cd "$top"
done
median() { printf '%s\n' $1 | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

{
  echo "# HDFS benchmark"
  echo
  echo "\`$cmdline\` on $(date -u +%Y-%m-%d) ($(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB, $(uname -m); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg))."
  echo
  echo "The same \`zebra streaming\` job, back to back in each run: input from local files and output to local files,"
  echo "then input from HDFS (one $((size / 1000000)) MB file, 128 MiB blocks) and output to HDFS. Ratio = HDFS time / local time."
  echo
  echo "| job | median ratio hdfs/local |"
  echo "|---|---|"
  echo "| wordcount (Python, 1 reducer), $((size / 1000000)) MB | **$(median "${ratios[wordcount]}")** |"
  echo "| cat (map only), $((size / 1000000)) MB | **$(median "${ratios[cat]}")** |"
  echo
  echo "| job | run | local | HDFS | ratio | 1-min load before |"
  echo "|---|---|---|---|---|---|"
  printf '%s' "${lines[wordcount]}" "${lines[cat]}"
  echo
  echo "- HDFS: $nn, a real Apache Hadoop 3.4.1 NameNode and DataNode on 127.0.0.1 (scripts/hdfs-cluster.sh), replication 1, on the same disk as the local files; start-up: $startup."
  echo "- zebra reads HDFS with adapters/hdfs (github.com/colinmarc/hdfs/v2, pure Go), writes through the same FS with Hadoop's commit protocol; no .crc files on HDFS."
  echo "- Outputs compared byte for byte (concatenated part files): identical in every run."
  echo "- Wall time of the whole \`zebra streaming\` process (date +%s.%N around it); local runner, sandbox: ${sandbox:-the default}."
  echo "- The load column is the machine's 1-minute load average before each pair: on a shared 2-core machine other work"
  echo "  inflates single runs (the DataNode's JVM needs CPU beside zebra's), which is why the ratio is per pair and the median is reported."
} >"$results"
log "wrote $results"
cat "$results"
