#!/usr/bin/env bash
# A/B of two zebra binaries on the word count (examples/wordcount), run
# interleaved so both see the same machine load:
#
#   bench/mapspeed/ab.sh OLD NEW INPUT REDUCES RUNS [extra zebra args...]
#
# Prints one line per run: binary, wall seconds, CPU seconds (user+sys of
# the whole process tree), and whether part files equal the first run's.
# PYTHONUNBUFFERED is unset: with it Python writes a syscall per line.
set -euo pipefail
old=$1 new=$2 input=$3 reduces=$4 runs=$5
shift 5
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/mapspeed-ab.XXXXXX")"
cp "$here/examples/wordcount/mapper.py" "$here/examples/wordcount/reducer.py" "$work/"
cd "$work"
unset PYTHONUNBUFFERED
for r in $(seq 1 "$runs"); do
  for v in old new; do
    bin=$old; [[ $v == new ]] && bin=$new
    rm -rf out
    /usr/bin/time -f "%e %U %S" -o t.txt "$bin" streaming "$@" -files mapper.py,reducer.py \
      -mapper mapper.py -reducer reducer.py -numReduceTasks "$reduces" -input "$input" -output out >log 2>&1 \
      || { echo "$v run $r failed: $work/log" >&2; exit 1; }
    cat out/part-* | md5sum | cut -c1-32 >sum.$v.$r
    read -r wall u s <t.txt
    same=same; cmp -s sum.$v.$r sum.old.1 || same=DIFFERENT
    printf '%s run %d wall %s cpu %.2f output %s\n' "$v" "$r" "$wall" "$(echo "$u + $s" | bc)" "$same"
  done
done
rm -rf "$work"
