#!/usr/bin/env bash
# Swift locality and split-read benchmark (see bench/RESULTS-swift.md): the
# same job reading its input object from Swift on a `zebra up` cluster (a
# Swift all-in-one with 3 object servers holding 3 replicas, one worker
# beside each object server), with locality on (the default: each map runs
# beside a replica and reads it straight from that object server) and
# forced off (-D zebra.locality=off: no replica hints, every read through
# the proxy). On and off runs alternate (which one goes first alternates
# too), on one cluster. Per run: wall time of `zebra streaming`; bytes the
# Swift proxy sent and received (summed from its access log, the
# proxy-logging lines written while the job ran); what the object servers
# were asked for (their access logs: the Content-Length of each GET of the
# input object, the maps' direct reads apart from the proxy's) and what
# they read from their disks to send (rchar of /proc/PID/io), which counts
# what a GET pushed out before its reader hung up; the data-local map
# count from the job counters.
#   - wordcount: examples/wordcount (Python mapper and reducer, 3 reduces) on
#     200 MB of bench/cmd/gendata text (seed 1), output to Swift;
#   - cat: a map-only `cat` of the same object (-numReduceTasks 0), output to
#     local files, which is mostly reading, so it shows the read path
#     plainly (the split-read figures come from it).
# Every output is compared byte for byte with the local runner's on the
# local copy of the input.
#
#   bench/swift.sh [--quick] [--runs N] [--jobs "wordcount cat"] [--work DIR] [--results FILE] [--zebra BIN] [--sandbox MODE]
#
# --quick: 20 MB instead of 200 MB. --jobs: which jobs (default both).
# --sandbox MODE passes -D zebra.sandbox=MODE to every job (default:
# zebra's default sandbox). WORK/raw.txt gets one line per cat run in
# bench/cmd/targets' format (bench/run.sh --swift reads it). The Swift
# all-in-one takes free ports (AIO_PORTS=free unless set). Needs root
# (zebra up installs and runs Debian's swift packages).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
jobs="wordcount cat" rest=()
while [[ $# -gt 0 ]]; do
  if [[ $1 == --jobs ]]; then
    [[ $# -ge 2 && $2 =~ ^(wordcount|cat)( (wordcount|cat))?$ ]] || { echo "bench/swift.sh: --jobs needs \"wordcount\", \"cat\" or both" >&2; exit 2; }
    jobs=$2; shift 2
  else rest+=("$1"); shift; fi
done
bench_init swift 33 "${rest[@]}"
[[ $jobs == "wordcount cat" ]] || cmdline+=" --jobs \"$jobs\""
version="zebra built from $(git -C "$top" rev-parse --short HEAD)$(git -C "$top" diff --quiet HEAD -- ':!bench' 2>/dev/null || echo ' with uncommitted changes')"
[[ -n $zebra ]] && version="prebuilt zebra $zebra"
bench_build
export AIO_PORTS="${AIO_PORTS:-free}"

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
for b in $jobs; do
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
# The object servers: their access logs and PIDs (zebra up's Swift
# all-in-one, swiftfs/aio: object-1..3, one process each, workers = 0).
objlogs=() objpids=()
for i in 1 2 3; do
  objlogs+=("$state/swift/log/object-$i.log")
  objpids+=("$(cat "$state/swift/run/object-$i.pid")")
  [[ -f ${objlogs[-1]} && -r /proc/${objpids[-1]}/io ]] || { log "no log or /proc/PID/io for object server $i (${objlogs[-1]}, PID ${objpids[-1]})"; exit 1; }
done
# obj_offsets: the sizes of the object servers' logs, one line.
obj_offsets() { stat -c %s "${objlogs[@]}" | tr '\n' ' '; }
# obj_rchar: the bytes the object servers have read with read(2), summed:
# the object files they send, in 64 KiB chunks (their sockets are read with
# recv(2), which rchar does not count).
obj_rchar() { local p t=0 w; for p in "${objpids[@]}"; do w=$(awk '$1 == "rchar:" {print $2}' "/proc/$p/io"); t=$((t + w)); done; echo $t; }
# obj_gets OFFSETS: "direct-bytes direct-GETs proxy-bytes proxy-GETs":
# the Content-Length of every GET of the input object the object servers
# logged after OFFSETS (what each GET was answered with, a range's length
# for a ranged GET, whether or not the reader took it all: the object
# server logs a request before it sends the body), split by who asked: a
# zebra worker's direct read (user agent Go-http-client) or the proxy.
# Object-server log line, split at '"': $2 "GET /dev/part/account/container/object",
# $3 " status content_length ", $8 user agent.
obj_gets() {
  local offs=($1) i
  for i in 0 1 2; do tail -c +"$((offs[i] + 1))" "${objlogs[i]}"; done |
    awk -F'"' -v obj="/$container/in/text.txt" '
      $2 ~ /^GET / && substr($2, length($2) - length(obj) + 1) == obj {
        split($3, f, " "); n = (f[2] == "-") ? 0 : f[2]
        if ($8 ~ /^proxy-server/) { pb += n; pn++ } else { db += n; dn++ }
      } END { printf "%d %d %d %d\n", db, dn, pb, pn }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "n/a"; else if (a / b >= 0.01) printf "%.3f\n", a / b; else printf "%.2g\n", a / b }'; }
counter() { sed -n "s/.*$1=\([0-9]*\).*/\1/p" "$work/last.log" | tail -1; }

raw="$work/raw.txt"
: >"$raw"
declare -A checks walls gets dgets pgets rchars lines wall_of pairs
for r in $(seq 1 "$runs"); do
  order="on off"
  (( r % 2 == 0 )) && order="off on"
  for b in $jobs; do
    for m in $order; do
      out="swift://$container/out-$b-$m-$r"
      [[ $b == cat ]] && out="$job/out-$b-$m-$r"
      load=$(cut -d' ' -f1 /proc/loadavg)
      before=$(stat -c %s "$proxylog") obefore=$(obj_offsets) rbefore=$(obj_rchar)
      log "run $r/$runs: $b, locality $m"
      s=$(date +%s.%N)
      # shellcheck disable=SC2046
      "$zebra" streaming -D zebra.locality=$m $(args $b) -input "$input" -output "$out" >"$work/last.log" 2>&1 || { tail -20 "$work/last.log" >&2; exit 1; }
      e=$(date +%s.%N)
      wall=$(echo "$e - $s" | bc)
      sleep 1 # the proxy's last log lines
      read -r get put reqs < <(proxy_bytes "$before")
      read -r dget dn pget pn < <(obj_gets "$obefore")
      rchar=$(($(obj_rchar) - rbefore))
      maps=$(counter "Launched map tasks") dl=$(counter "Data-local map tasks")
      how="identical byte for byte"
      if [[ $b == wordcount ]]; then
        for p in 0 1 2; do swift download -q "$container" "out-$b-$m-$r/part-0000$p" -o -; done >"$job/got.txt"
        same() { cmp -s "$job/got.txt" "$job/ref-$b.txt"; }
      else
        cat "$out"/part-* >"$job/got.txt"
        # The local runner makes one split of an input under 32 MiB (Hadoop's
        # local mode forces mapreduce.job.maps=1), a cluster two: then the
        # map-only part files hold the same lines in another order (largest
        # split first), so they are compared sorted.
        same() { cmp -s "$job/got.txt" "$job/ref-$b.txt"; }
        if [[ $(find "$out" -name 'part-*' | wc -l) != $(find "$job/ref-$b" -name 'part-*' | wc -l) ]]; then
          how="identical sorted (part files: $(find "$out" -name 'part-*' | wc -l) vs the local runner's $(find "$job/ref-$b" -name 'part-*' | wc -l))"
          same() { cmp -s <(LC_ALL=C sort "$job/got.txt") <(LC_ALL=C sort "$job/ref-$b.txt"); }
        fi
        rm -rf "$out"
      fi
      same || { cp "$job/got.txt" "$work/differs-$b-$m-$r.txt"; log "output differs from the local runner's: $b, locality $m, run $r (kept in $work/differs-$b-$m-$r.txt)"; exit 1; }
      checks[$b]="$how"
      walls[$b-$m]+="$wall " gets[$b-$m]+="$get " dgets[$b-$m]+="$dget " pgets[$b-$m]+="$pget " rchars[$b-$m]+="$rchar " wall_of[$b-$m]=$wall
      lines[$b]+="| $b | $r | $m | $(printf %.2f "$wall") s | $get ($(ratio "$get" "$size")) | $put | $reqs | $dget in $dn ($(ratio "$dget" "$size")) | $pget in $pn ($(ratio "$pget" "$size")) | $rchar ($(ratio "$rchar" "$size")) | ${dl:-0} of $maps | $load |"$'\n'
      if [[ $b == cat ]]; then
        echo "splitread/cat-$m $r ratio=$(awk -v a="$get" -v b="$size" 'BEGIN { print a / b }') get_bytes=$get input_bytes=$size maps=$maps" >>"$raw"
        echo "splitread/objects-$m $r asked=$(awk -v a="$dget" -v p="$pget" -v b="$size" 'BEGIN { print (a + p) / b }') direct=$(awk -v a="$dget" -v b="$size" 'BEGIN { print a / b }') read=$(awk -v a="$rchar" -v b="$size" 'BEGIN { print a / b }') direct_bytes=$dget proxy_asked_bytes=$pget read_bytes=$rchar input_bytes=$size" >>"$raw"
      fi
    done
    pairs[$b]+="$(ratio "${wall_of[$b-on]}" "${wall_of[$b-off]}") "
  done
done
median() { printf '%s\n' $1 | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

{
  echo "# Swift locality and split-read benchmark"
  echo
  echo "\`$cmdline\` on $(date -u +%Y-%m-%d) at $(date -u +%H:%M) UTC, $version ($(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB, $(uname -m); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg))."
  echo
  echo "The same \`zebra streaming\` job on one \`zebra up\` cluster (Swift all-in-one: 3 object servers, 3 replicas;"
  echo "one worker, 1 map slot, beside each object server), input one $((size / 1000000)) MB object, locality on (default)"
  echo "vs \`-D zebra.locality=off\` (no replica hints, every read through the proxy); $runs runs of each, alternating."
  echo "Medians; ratio = on / off (wall: the median of the ratios of the back-to-back pairs of each run, which"
  echo "cancels most of the shared machine's load changes; also the ratio of the medians). × input: bytes over"
  echo "the input object's $size bytes."
  echo
  echo "| job | wall on | wall off | wall ratio on/off, pairs (of medians) | proxy GET bytes on | proxy GET bytes off (× input) | object servers asked, direct reads, on (× input) | object servers asked by the proxy, off (× input) | object servers read from disk, on / off (× input) |"
  echo "|---|---|---|---|---|---|---|---|---|"
  for b in $jobs; do
    won=$(median "${walls[$b-on]}") woff=$(median "${walls[$b-off]}") gon=$(median "${gets[$b-on]}") goff=$(median "${gets[$b-off]}")
    don=$(median "${dgets[$b-on]}") poff=$(median "${pgets[$b-off]}") ron=$(median "${rchars[$b-on]}") roff=$(median "${rchars[$b-off]}")
    echo "| $b | $(printf %.2f "$won") s | $(printf %.2f "$woff") s | **$(median "${pairs[$b]}")** ($(ratio "$won" "$woff")) | $gon | $goff (**$(ratio "$goff" "$size")**) | $don (**$(ratio "$don" "$size")**) | $poff ($(ratio "$poff" "$size")) | $(ratio "$ron" "$size") / **$(ratio "$roff" "$size")** |"
  done
  echo
  echo "| job | run | locality | wall | proxy GET bytes sent (× input) | proxy PUT bytes received | proxy requests | object servers asked, direct GETs (× input) | object servers asked by the proxy's GETs (× input) | object servers read from disk (× input) | data-local maps | 1-min load before |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
  for b in $jobs; do printf '%s' "${lines[$b]}"; done
  echo
  echo "- Cluster: \`zebra up --state $state\` (start-up $startup); the input uploaded once with the \`swift\` client."
  echo "- Proxy bytes: summed from the proxy's access log (\`$state/swift/log/proxy.log\`, Swift's proxy-logging"
  echo "  middleware) over the lines written while the job ran: bytes sent in answer to GETs and bytes received with PUTs,"
  echo "  client requests only (the outer proxy-logging; internal subrequests such as server-side copies are not counted)."
  echo "  Bytes sent include what the proxy pushed into a socket before its reader closed it (logged with status 499)."
  echo "  With locality on, a map still asks the proxy for the newest ETag (a HEAD, no body) before its direct read;"
  echo "  listings, list_endpoints answers and the job's output (PUTs, commit copies) go through the proxy in both modes."
  echo "- Object servers asked: the Content-Length of every GET of the input object in the three object servers' access"
  echo "  logs (\`$state/swift/log/object-N.log\`), i.e. the length of the range each GET was answered with; an object server"
  echo "  logs a request before it sends the body, so this is what was asked for, not what a reader took. Direct GETs come"
  echo "  from the workers' map reads (locality on); the proxy's GETs (locality off) are its requests to the replicas."
  echo "- Object servers read from disk: the growth of \`rchar\` in /proc/PID/io of the three object-server processes while"
  echo "  the job ran: what they read with read(2), which is the object files' bytes they sent (read and sent in 64 KiB chunks,"
  echo "  so a GET answered and dropped after its headers still shows what its server pushed out before the reader hung up);"
  echo "  their sockets are read with recv(2), which rchar does not count. With the wordcount also its output's commit: each"
  echo "  part file is renamed twice (attempt, task, final name) by server-side copies, whose source GET Swift's copy"
  echo "  middleware sends with X-Newest, so every replica reads it: 3 replicas × 2 copies × the output's bytes."
  echo "- Split reads: a map asks for its split's bytes (Range: bytes=start-end), then for ranges of 16 KiB, 32 KiB, ..."
  echo "  past its end (If-Match, the same version) until its last line ends; through the proxy, after a HEAD with X-Newest"
  echo "  for the newest version's ETag. Bytes over 1.00x the input are those ranges past the splits' ends (a split's"
  echo "  first partial line is inside its own range)."
  echo "- Data-local maps: the job counter \"Data-local map tasks\" of \"Launched map tasks\". With locality off the job"
  echo "  has no replica hints, so no map counts as data-local (they count as \"Other local map tasks\"), though with 3"
  echo "  replicas on 3 servers every worker sits beside one: what changes is the read path."
  for b in $jobs; do echo "- Output of $b compared with the local runner's on the local copy of the input (concatenated part files): ${checks[$b]} in every run."; done
  echo "- Wall time of the whole \`zebra streaming\` process (date +%s.%N around it), sandbox: ${sandbox:-the default}."
} >"$results"
log "wrote $results (per-run figures for bench/cmd/targets: $raw)"
cat "$results"
