#!/usr/bin/env bash
# bench/reader-cost.sh: zebra's own CPU reading a Python mapper's stdout (by default unbuffered,
# PYTHONUNBUFFERED=1: one write(2) per record), two zebra builds
# interleaved in one run.
#
#   bench/reader-cost.sh --before BIN --after BIN [--runs N] [--size BYTES] [--work DIR] [--buffered] [--job sort]
#
# Each repetition runs the word count (examples/wordcount, one reducer,
# -D zebra.sandbox=none so that zebra's process is the framework alone) with
# both builds, alternating which goes first, and records through
# bench/cmd/selfcpu the CPU of the zebra process itself (all its threads)
# apart from that of the programs it ran, the wall time and the 1-minute load
# average; the outputs of the pair are compared byte for byte. It prints the
# medians, their ratio and the per-pair ratios. --buffered unsets
# PYTHONUNBUFFERED instead (Python writes 8 KiB at a time). --job sort runs
# the identity sort instead (`-mapper cat -reducer cat` over bench/cmd/gendata's
# 100-byte records, one reducer). Nothing here asserts a time.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
top="$(cd "$here/.." && pwd)"
runs=6 size=8000000 work="${TMPDIR:-/tmp}/zebra-bench-reader" before="" after="" pyenv=(env PYTHONUNBUFFERED=1) job=wordcount
while [[ $# -gt 0 ]]; do
	case "$1" in
	--before) before="$2"; shift ;;
	--after) after="$2"; shift ;;
	--runs) runs="$2"; shift ;;
	--size) size="$2"; shift ;;
	--work) work="$2"; shift ;;
	--buffered) pyenv=(env -u PYTHONUNBUFFERED) ;;
	--job) job="$2"; shift ;;
	-h | --help) sed -n '2,17p' "$0"; exit 0 ;;
	*) echo "bench/reader-cost.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
[[ -n $before && -n $after ]] || { echo "bench/reader-cost.sh: --before and --after are required" >&2; exit 2; }
mkdir -p "$work/bin" "$work/job"
(cd "$top" && go build -o "$work/bin/gendata" ./bench/cmd/gendata && go build -o "$work/bin/selfcpu" ./bench/cmd/selfcpu)
case "$job" in
wordcount) kind=text seed=1 jobargs=(-files mapper.py,reducer.py -mapper mapper.py -reducer reducer.py) ;;
sort) kind=records seed=2 jobargs=(-mapper cat -reducer cat) ;;
*) echo "bench/reader-cost.sh: --job must be wordcount or sort" >&2; exit 2 ;;
esac
text="$work/$kind-$size.txt"
[[ -e $text ]] || { "$work/bin/gendata" "$kind" -size "$size" -seed "$seed" -out "$text.tmp" && mv "$text.tmp" "$text"; }
cp "$top/examples/wordcount/mapper.py" "$top/examples/wordcount/reducer.py" "$work/job/"
pydir="$(dirname "$(python3 -c 'import sys; print(sys.executable)')")"
raw="$work/raw.txt"
: >"$raw"
for r in $(seq 1 "$runs"); do
	if ((r % 2)); then order="before after"; else order="after before"; fi
	for v in $order; do
		bin=$before; [[ $v == after ]] && bin=$after
		la="$(cut -d' ' -f1 /proc/loadavg)"
		rm -rf "$work/job/out-$v" "$work/s"
		(cd "$work/job" && "${pyenv[@]}" PATH="$pydir:$PATH" "$work/bin/selfcpu" -o "$work/s" -- "$bin" streaming -D zebra.sandbox=none \
			"${jobargs[@]}" -input "$text" -output "out-$v") >"$work/last-$v.log" 2>&1
		echo "$v $r load1=$la $(cat "$work/s")" >>"$raw"
	done
	cmp -s "$work/job/out-before/part-00000" "$work/job/out-after/part-00000" || { echo "run $r: outputs differ" >&2; exit 1; }
done
awk -v runs="$runs" '
function med(a, n,   i, j, t) { for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j+1] = a[j]; a[j+1] = t }
	return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2 }
function kv(k,   i) { for (i = 3; i <= NF; i++) if (index($i, k "=") == 1) return substr($i, length(k) + 2) + 0; return 0 }
{ s[$1, $2] = kv("self_user_s") + kv("self_sys_s"); c[$1, $2] = kv("children_user_s") + kv("children_sys_s"); w[$1, $2] = kv("wall_s")
  la = kv("load1"); if (lmin == "" || la < lmin) lmin = la; if (la > lmax) lmax = la }
END { for (r = 1; r <= runs; r++) { sb[r] = s["before", r]; sa[r] = s["after", r]; rr[r] = sa[r] / sb[r]
		cb[r] = c["before", r]; ca[r] = c["after", r]; wb[r] = w["before", r]; wa[r] = w["after", r] }
	msb = med(sb, runs); msa = med(sa, runs); mrr = med(rr, runs); mcb = med(cb, runs); mca = med(ca, runs); mwb = med(wb, runs); mwa = med(wa, runs)
	printf "pairs=%d zebra_self_cpu_s before=%.2f after=%.2f ratio_of_medians=%.3f per_pair_ratio min/med/max=%.3f/%.3f/%.3f programs_cpu_s before=%.2f after=%.2f (%.3f) wall_s before=%.2f after=%.2f (%.3f) load1=%s-%s\n",
		runs, msb, msa, msa / msb, rr[1], mrr, rr[runs], mcb, mca, mca / mcb, mwb, mwa, mwa / mwb, lmin, lmax }' "$raw"
