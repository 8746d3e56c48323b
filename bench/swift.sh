#!/usr/bin/env bash
# Swift locality benchmark (see bench/RESULTS-swift.md): the same job reading
# its input object from Swift on a `zebra up` cluster (a Swift all-in-one with
# 3 object servers holding 3 replicas, one worker beside each object server),
# with locality on (the default: each map runs beside a replica and reads it
# straight from that object server) and forced off (-D zebra.locality=off: no
# replica hints, every read through the proxy). On and off runs alternate
# (which one goes first alternates too), on one cluster. Per run: wall time
# of `zebra streaming`, bytes the Swift proxy sent and received (summed from
# its access log, the proxy-logging lines written while the job ran) and the
# data-local map count from the job counters.
#   - wordcount: examples/wordcount (Python mapper and reducer, 3 reduces) on
#     200 MB of bench/cmd/gendata text (seed 1), output to Swift;
#   - cat: a map-only `cat` of the same object (-numReduceTasks 0), output to
#     local files, which is mostly reading, so it shows the proxy's cost
#     plainly.
# Every output is compared byte for byte with the local runner's on the
# local copy of the input.
#
#   bench/swift.sh [--quick] [--runs N] [--work DIR] [--results FILE] [--zebra BIN] [--sandbox MODE]
#
# --quick: 20 MB instead of 200 MB. --sandbox MODE passes -D zebra.sandbox=MODE
# to every job (default: zebra's default sandbox). Needs root (zebra up
# installs and runs Debian's swift packages).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
bench_init swift 24 "$@"
bench_build

state="$work/cluster"
"$zebra" down --state "$state" >/dev/null 2>&1 || true
rm -rf "$state"
log "zebra up (Swift all-in-one, 3 workers) in $state"
t0=$(date +%s.%N)
eval "$("$zebra" up --state "$state")"
startup=$(printf '%.1f s' "$(echo "$(date +%s.%N) - $t0" | bc)")
trap '"$zebra" down --state "$state" >/dev/null 2>&1 || true' EXIT
proxylog="$state/swift/log/proxy.log"
[[ -f $proxylog ]] || { log "no proxy log at $proxylog"; exit 1; }
container=bench
log "uploading $text to swift://$container/in/text.txt"
swift upload -q "$container" "$text" --object-name in/text.txt
input="swift://$container/in/text.txt"

job="$work/job"
rm -rf "$job"; mkdir -p "$job"; cp "$top/examples/wordcount/mapper.py" "$top/examples/wordcount/reducer.py" "$job/"
cd "$job"
defs=()
[[ -n "$sandbox" ]] && defs=(-D "zebra.sandbox=$sandbox")
wc_args=("${defs[@]}" -files mapper.py,reducer.py -mapper mapper.py -reducer reducer.py -numReduceTasks 3)
cat_args=("${defs[@]}" -mapper cat -numReduceTasks 0)
args() { if [[ $1 == wordcount ]]; then echo "${wc_args[@]}"; else echo "${cat_args[@]}"; fi; }

log "local runner references (local copy of the input)"
for b in wordcount cat; do
  # shellcheck disable=SC2046
  env -u ZEBRA_JOBTRACKER "$zebra" streaming $(args $b) -input "$text" -output "$job/ref-$b" >"$work/last.log" 2>&1 || { tail -20 "$work/last.log" >&2; exit 1; }
  cat "$job/ref-$b"/part-* >"$job/ref-$b.txt"
done

# proxy_bytes OFFSET: "GET-bytes-sent PUT-bytes-received requests" of the
# client requests the proxy logged after byte OFFSET of its log (lines
# of the outer proxy-logging, whose source field is "-"; bytes "-" are 0).
# Field layout (after the "proxy-server:" tag): client_ip remote_addr
# datetime method path protocol status referer user_agent auth_token
# bytes_recvd bytes_sent client_etag txn_id headers request_time source ...
proxy_bytes() {
  tail -c +"$(($1 + 1))" "$proxylog" | awk '$1 == "proxy-server:" && NF >= 21 && $18 == "-" {
      n++; s = ($13 == "-") ? 0 : $13; r = ($12 == "-") ? 0 : $12
      if ($5 == "GET") get += s
      if ($5 == "PUT") put += r
    } END { printf "%d %d %d\n", get, put, n }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "n/a"; else if (a / b >= 0.01) printf "%.3f\n", a / b; else printf "%.2g\n", a / b }'; }
counter() { sed -n "s/.*$1=\([0-9]*\).*/\1/p" "$work/last.log" | tail -1; }

declare -A walls gets lines wall_of pairs
for r in $(seq 1 "$runs"); do
  order="on off"
  (( r % 2 == 0 )) && order="off on"
  for b in wordcount cat; do
    for m in $order; do
      out="swift://$container/out-$b-$m-$r"
      [[ $b == cat ]] && out="$job/out-$b-$m-$r"
      load=$(cut -d' ' -f1 /proc/loadavg)
      before=$(stat -c %s "$proxylog")
      log "run $r/$runs: $b, locality $m"
      s=$(date +%s.%N)
      # shellcheck disable=SC2046
      "$zebra" streaming -D zebra.locality=$m $(args $b) -input "$input" -output "$out" >"$work/last.log" 2>&1 || { tail -20 "$work/last.log" >&2; exit 1; }
      e=$(date +%s.%N)
      wall=$(echo "$e - $s" | bc)
      sleep 1 # the proxy's last log lines
      read -r get put reqs < <(proxy_bytes "$before")
      maps=$(counter "Launched map tasks") dl=$(counter "Data-local map tasks")
      if [[ $b == wordcount ]]; then
        for p in 0 1 2; do swift download -q "$container" "out-$b-$m-$r/part-0000$p" -o -; done >"$job/got.txt"
      else
        cat "$out"/part-* >"$job/got.txt"
        rm -rf "$out"
      fi
      cmp -s "$job/got.txt" "$job/ref-$b.txt" || { log "output differs from the local runner's: $b, locality $m, run $r"; exit 1; }
      walls[$b-$m]+="$wall " gets[$b-$m]+="$get " wall_of[$b-$m]=$wall
      lines[$b]+="| $b | $r | $m | $(printf %.2f "$wall") s | $get | $put | $reqs | ${dl:-0} of $maps | $load |"$'\n'
    done
    pairs[$b]+="$(ratio "${wall_of[$b-on]}" "${wall_of[$b-off]}") "
  done
done
median() { printf '%s\n' $1 | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

{
  echo "# Swift locality benchmark"
  echo
  echo "\`$cmdline\` on $(date -u +%Y-%m-%d) ($(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB, $(uname -m); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg))."
  echo
  echo "The same \`zebra streaming\` job on one \`zebra up\` cluster (Swift all-in-one: 3 object servers, 3 replicas;"
  echo "one worker, 1 map slot, beside each object server), input one $((size / 1000000)) MB object, locality on (default)"
  echo "vs \`-D zebra.locality=off\` (no replica hints, every read through the proxy); $runs runs of each, alternating."
  echo "Medians; ratio = on / off (wall: the median of the ratios of the back-to-back pairs of each run, which"
  echo "cancels most of the shared machine's load changes; also the ratio of the medians)."
  echo
  echo "| job | wall on | wall off | wall ratio on/off, pairs (of medians) | proxy GET bytes on | proxy GET bytes off (× input) | bytes ratio on/off |"
  echo "|---|---|---|---|---|---|---|"
  for b in wordcount cat; do
    won=$(median "${walls[$b-on]}") woff=$(median "${walls[$b-off]}") gon=$(median "${gets[$b-on]}") goff=$(median "${gets[$b-off]}")
    echo "| $b | $(printf %.2f "$won") s | $(printf %.2f "$woff") s | **$(median "${pairs[$b]}")** ($(ratio "$won" "$woff")) | $gon | $goff ($(ratio "$goff" "$size")) | **$(ratio "$gon" "$goff")** |"
  done
  echo
  echo "| job | run | locality | wall | proxy GET bytes sent | proxy PUT bytes received | proxy requests | data-local maps | 1-min load before |"
  echo "|---|---|---|---|---|---|---|---|---|"
  printf '%s' "${lines[wordcount]}" "${lines[cat]}"
  echo
  echo "- Cluster: \`zebra up --state $state\` (start-up $startup); the input uploaded once with the \`swift\` client."
  echo "- Proxy bytes: summed from the proxy's access log (\`$state/swift/log/proxy.log\`, Swift's proxy-logging"
  echo "  middleware) over the lines written while the job ran: bytes sent in answer to GETs and bytes received with PUTs,"
  echo "  client requests only (the outer proxy-logging; internal subrequests such as server-side copies are not counted)."
  echo "  With locality on, a map still asks the proxy for the newest ETag (a HEAD, no body) before its direct read;"
  echo "  listings and the job's output (PUTs, commit copies) go through the proxy in both modes."
  echo "- Proxy GET bytes with locality on are list_endpoints answers (244 bytes per lookup; 12 per job here, the client's at"
  echo "  submission and the workers') and listings. With locality off the proxy sends more than the input (1.1-1.2×): each map"
  echo "  reader GETs from its offset to the end of"
  echo "  the object and closes the stream after its last line; what the proxy had already pushed into the loopback"
  echo "  socket buffers by then (about 3-4 MB per GET, logged with status 499) is counted, since it was sent."
  echo "- Data-local maps: the job counter \"Data-local map tasks\" of \"Launched map tasks\". With locality off the job"
  echo "  has no replica hints, so no map counts as data-local (they count as \"Other local map tasks\"), though with 3"
  echo "  replicas on 3 servers every worker sits beside one: what changes is the read path."
  echo "- Outputs (wordcount part files from Swift, cat part files) compared byte for byte with the local runner's: identical in every run."
  echo "- Wall time of the whole \`zebra streaming\` process (date +%s.%N around it), sandbox: ${sandbox:-the default}."
} >"$results"
log "wrote $results"
cat "$results"
