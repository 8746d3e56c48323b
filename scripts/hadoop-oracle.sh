#!/usr/bin/env bash
# Real Hadoop streaming (3.4.1 runtime) in local mode, used as the conformance
# oracle for zebra.
#
#   scripts/hadoop-oracle.sh install        fetch jars into the cache (idempotent)
#   scripts/hadoop-oracle.sh run ARGS...    run HadoopStreaming ARGS... in the cwd
#   scripts/hadoop-oracle.sh classpath      print the classpath
#
# Cache: ${ZEBRA_CACHE:-$HOME/.cache/zebra}/hadoop-3.4.1/lib
# Note: Maven Central has no hadoop-streaming 3.4.1 jar, so the streaming jar is
# 3.4.2 while everything else (common, mapreduce, hdfs-client) is 3.4.1; see pom.xml.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
pomdir="$here/hadoop-oracle"
cache="${ZEBRA_CACHE:-$HOME/.cache/zebra}/hadoop-3.4.1"
lib="$cache/lib"
stamp="$cache/.complete"

pom_hash() { cat "$pomdir/pom.xml" "${BASH_SOURCE[0]}" | sha256sum | cut -d' ' -f1; }

install() {
  local h; h="$(pom_hash)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$h" ]]; then
    return 0
  fi
  command -v mvn >/dev/null || { echo "hadoop-oracle: mvn not found" >&2; exit 1; }
  mkdir -p "$cache"
  local tmp="$cache/lib.tmp.$$"
  rm -rf "$tmp"
  local log="$cache/install.log"
  if ! (cd "$pomdir" && mvn -B -q dependency:copy-dependencies \
          -DincludeScope=runtime -DoutputDirectory="$tmp") >"$log" 2>&1; then
    cat "$log" >&2
    rm -rf "$tmp"
    echo "hadoop-oracle: install failed (log: $log)" >&2
    exit 1
  fi
  # The job name Hadoop derives from the streaming jar's file name shows up in
  # the task environment (mapreduce_job_name); name it as a 3.4.1 install would.
  local sj
  for sj in "$tmp"/hadoop-streaming-*.jar; do
    [[ -e "$sj" ]] && mv "$sj" "$tmp/hadoop-streaming-3.4.1.jar"
  done
  rm -rf "$lib"
  mv "$tmp" "$lib"
  echo "$h" >"$stamp"
}

need_lib() {
  if [[ ! -f "$stamp" ]]; then
    echo "hadoop-oracle: not installed; run: $0 install" >&2
    exit 1
  fi
}

run() {
  need_lib
  local java="${JAVA:-java}"
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then java="$JAVA_HOME/bin/java"; fi
  # Per-run scratch dir for hadoop.tmp.dir (staging area, local job dirs), so
  # nothing of Hadoop's own lands in the caller's cwd and parallel runs don't mix.
  local scratch
  scratch="$(mktemp -d "${TMPDIR:-/tmp}/hadoop-oracle.XXXXXX")"
  # LocalJobRunner puts its staging dir at /tmp/hadoop/mapred/staging/<user><N>/
  # (a fixed default, not under hadoop.tmp.dir) and leaves the empty <user><N>
  # dir behind; sweep ones that are empty and older than 10 minutes.
  find /tmp/hadoop/mapred/staging -mindepth 1 -maxdepth 1 -type d -empty -mmin +10 -delete 2>/dev/null || true
  local rc=0
  "$java" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto -Xms64m -Xmx1g \
    -Dlog4j.configuration="file:$pomdir/log4j.properties" \
    -Dhadoop.log.dir="$scratch/log" \
    -Dhadoop.tmp.dir="$scratch/tmp" \
    -Dhadoop.root.logger=INFO,console \
    -cp "$lib/*" org.apache.hadoop.streaming.HadoopStreaming "$@" || rc=$?
  rm -rf "$scratch"
  return "$rc"
}

cmd="${1:-}"
[[ $# -gt 0 ]] && shift
case "$cmd" in
  install) install ;;
  run) run "$@" ;;
  classpath) need_lib; echo "$lib/*" ;;
  *) echo "usage: $0 install | run [streaming args...] | classpath" >&2; exit 2 ;;
esac
