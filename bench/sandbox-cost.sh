#!/usr/bin/env bash
# bench/sandbox-cost.sh: what the native sandbox costs the word count, against
# -D zebra.sandbox=none, in one run.
#
#   bench/sandbox-cost.sh [--runs N] [--sizes "40000000 8000000"] [--python-env "inherit unbuffered buffered"]
#                         [--work DIR] [--zebra BIN] [--filter] [--go-bench] [--results FILE]
#
# For each input size and each Python output mode, every repetition runs the
# job (examples/wordcount, one reducer, default settings) once in the native
# sandbox and once with -D zebra.sandbox=none, alternating which goes first,
# and records the wall time, the CPU time of the whole process tree (user +
# system of zebra, its sandbox factory and instances and the task programs:
# bench/cmd/measure), and the 1-minute load average before the run. The
# outputs of the pair are compared byte for byte. The table gives, per size and
# mode, the medians of each and the native/none ratio of the medians, and the
# min/median/max of the per-pair ratios. Python output modes: "inherit" runs
# with the caller's environment as it is, "unbuffered" sets PYTHONUNBUFFERED=1
# (every line a write(2), as `python3 -u`), "buffered" unsets it. A mode
# with "-direct" appended (unbuffered-direct, ...) also puts the directory of
# the interpreter python3 runs first on PATH: the native sandbox resolves a
# pyenv shim to its interpreter, -D zebra.sandbox=none runs the shim (bash,
# about 0.1 s of CPU a task), so without it none pays for the shim and native
# does not.
#
# --filter adds a third job to every repetition: -D zebra.sandbox=none with
# the mapper and reducer started through bench/cmd/filterexec (a seccomp
# filter of one instruction that allows everything: the seccomp floor), and
# the table then also compares native with it and it with none.
#
# --go-bench also runs `go test -bench TaskCost ./sandbox/native` (root): the
# native sandbox's cost per task on pipe bytes, system calls (under the seccomp
# filter) and a Python mapper, each against a plain process in the same
# iterations. Raw lines go to WORK/sandbox-cost-raw.txt, the table to stdout
# (and, with --results, appended to FILE). Nothing here asserts a time.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
top="$(cd "$here/.." && pwd)"
runs=5 sizes="40000000 8000000" pyenvs="inherit" work="${TMPDIR:-/tmp}/zebra-bench-sbcost" zebra="" gobench=0 results="" filter=0
while [[ $# -gt 0 ]]; do
	case "$1" in
	--runs) runs="$2"; shift ;;
	--sizes) sizes="$2"; shift ;;
	--python-env) pyenvs="$2"; shift ;;
	--work) work="$2"; shift ;;
	--zebra) zebra="$2"; shift ;;
	--go-bench) gobench=1 ;;
	--filter) filter=1 ;;
	--results) results="$2"; shift ;;
	-h | --help) sed -n '2,35p' "$0"; exit 0 ;;
	*) echo "bench/sandbox-cost.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
((runs >= 1)) || { echo "bench/sandbox-cost.sh: --runs must be >= 1" >&2; exit 2; }
log() { printf '%s bench/sandbox-cost: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

mkdir -p "$work/bin"
if [[ -z $zebra ]]; then
	(cd "$top" && go build -o "$work/bin/zebra" ./cmd/zebra)
	zebra="$work/bin/zebra"
fi
(cd "$top" && go build -o "$work/bin/gendata" ./bench/cmd/gendata && go build -o "$work/bin/measure" ./bench/cmd/measure &&
	go build -o "$work/bin/filterexec" ./bench/cmd/filterexec)
raw="$work/sandbox-cost-raw.txt"
: >"$raw"
commit="$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)"
scratch="$(mktemp -d "$work/run.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT

for s in $sizes; do
	text="$work/text-$s.txt"
	[[ -e $text ]] || { log "generating $text"; "$work/bin/gendata" text -size "$s" -seed 1 -out "$text.tmp" && mv "$text.tmp" "$text"; }
done

# one SIZE MODE RUN VARIANT: the job once; appends
# "wc SIZE MODE VARIANT RUN load1=L wall_s=... user_s=... sys_s=..." to $raw.
one() {
	local s=$1 mode=$2 r=$3 v=$4 d=() e=() jd="$scratch/job" la fe=""
	[[ $v == none || $v == filter ]] && d=(-D zebra.sandbox=none)
	[[ $v == filter ]] && fe="'$work/bin/filterexec' "
	case $mode in
	unbuffered*) e=(env PYTHONUNBUFFERED=1) ;;
	buffered*) e=(env -u PYTHONUNBUFFERED) ;;
	*) e=(env) ;;
	esac
	[[ $mode == *-direct ]] && e+=("PATH=$pydir:$PATH")
	rm -rf "$jd/out-$v"
	la="$(cut -d' ' -f1 /proc/loadavg)"
	rm -f "$scratch/m"
	(cd "$jd" && "${e[@]}" "$work/bin/measure" -o "$scratch/m" -- "$zebra" streaming "${d[@]}" \
		-files mapper.py,reducer.py -mapper "${fe}mapper.py" -reducer "${fe}reducer.py" -input "$work/text-$s.txt" -output "out-$v") \
		>"$work/last-$v.log" 2>&1 || { log "FAILED: $v $s $mode run $r (log $work/last-$v.log)"; exit 1; }
	echo "wc $s $mode $v $r load1=$la $(cat "$scratch/m")" >>"$raw"
}

pydir="$(dirname "$(python3 -c 'import sys; print(sys.executable)')")"
mkdir -p "$scratch/job"
cp "$top/examples/wordcount/mapper.py" "$top/examples/wordcount/reducer.py" "$scratch/job/"
for s in $sizes; do
	for mode in $pyenvs; do
		for r in $(seq 1 "$runs"); do
			log "word count $s bytes, python $mode, run $r/$runs"
			if ((filter)); then
				case $((r % 3)) in 1) order="native none filter" ;; 2) order="none filter native" ;; 0) order="filter native none" ;; esac
			elif ((r % 2)); then order="native none"; else order="none native"; fi
			for v in $order; do one "$s" "$mode" "$r" "$v"; done
			for v in none filter; do
				[[ -e "$scratch/job/out-$v" ]] || continue
				if cmp -s "$scratch/job/out-native/part-00000" "$scratch/job/out-$v/part-00000"; then c=identical; else c=DIFFERENT; fi
				echo "check $s $mode $r $c $v" >>"$raw"
				[[ $c == identical ]] || log "output mismatch: native vs $v, $s $mode run $r"
			done
			rm -rf "$scratch/job/out-none" "$scratch/job/out-filter"
		done
	done
done

if [[ $gobench == 1 ]]; then
	log "go test -bench TaskCost ./sandbox/native"
	(cd "$top" && go test -run '^$' -bench '^BenchmarkTaskCost$' -benchtime "${runs}x" -count 1 ./sandbox/native) >"$work/taskcost.txt" 2>&1 ||
		{ log "BenchmarkTaskCost failed (root and namespaces needed): $work/taskcost.txt"; tail -5 "$work/taskcost.txt" >&2; }
	grep '^BenchmarkTaskCost' "$work/taskcost.txt" | sed 's/^/gobench /' >>"$raw" || true
fi

table() {
	awk -v commit="$commit" -v date="$(date -u '+%Y-%m-%d %H:%M UTC')" '
	function med(a, n,   i, j, t) { for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j+1] = a[j]; a[j+1] = t }
		return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2 }
	function kv(k,   i) { for (i = 6; i <= NF; i++) if (index($i, k "=") == 1) return substr($i, length(k) + 2); return "" }
	$1 == "wc" { key = $2 " " $3; if (!(key in seen)) { seen[key] = 1; order[++nk] = key }
		cpu = kv("user_s") + kv("sys_s"); wall = kv("wall_s"); la = kv("load1") + 0; have[$4] = 1
		c[key, $4, $5] = cpu; w[key, $4, $5] = wall; runs[key, $5] = 1
		if (!((key, "lmin") in L) || la < L[key, "lmin"]) L[key, "lmin"] = la
		if (!((key, "lmax") in L) || la > L[key, "lmax"]) L[key, "lmax"] = la }
	# "check SIZE MODE RUN identical|DIFFERENT [VARIANT]": native vs VARIANT (none when absent).
	$1 == "check" { v = NF >= 6 ? $6 : "none"; ck = $2 " " $3 " " v; chk[ck] = chk[ck] ($5 == "identical" ? "" : " run " $4 " DIFFERENT"); nchk[ck]++ }
	$1 == "gobench" { gb[++ng] = substr($0, 9) }
	function name(v) { return v == "filter" ? "none+filter" : v }
	# pair KEY A B: the row of A over B.
	function pair(key, a, b,   n, r, mcn, mcx, mwn, mwx, mrc, mrw, kk, out) { n = 0
		split("", cn); split("", cx); split("", wn); split("", wx); split("", rc); split("", rw)
		for (r = 1; r <= 1000; r++) if ((key, r) in runs && (key, a, r) in c && (key, b, r) in c) { n++
			cn[n] = c[key, a, r]; cx[n] = c[key, b, r]; wn[n] = w[key, a, r]; wx[n] = w[key, b, r]
			rc[n] = cn[n] / cx[n]; rw[n] = wn[n] / wx[n] }
		if (n == 0) return
		mcn = med(cn, n); mcx = med(cx, n); mwn = med(wn, n); mwx = med(wx, n); split(key, kk, " ")
		mrc = med(rc, n); mrw = med(rw, n)
		out = "not compared"
		if (a == "native" && (key " " b) in nchk) out = chk[key " " b] == "" ? "identical (" nchk[key " " b] ")" : chk[key " " b]
		if (a == "filter" && (key " " a) in nchk) out = chk[key " " a] == "" ? "identical to native (" nchk[key " " a] ")" : chk[key " " a]
		printf "| %d MB | %s | %s / %s | %d | %.3f | %.3f / %.3f / %.3f | %.3f | %.3f / %.3f / %.3f | %.2f; %.2f | %.2f; %.2f | %s–%s | %s |\n", kk[1] / 1e6, kk[2], name(a), name(b), n,
			mcn / mcx, rc[1], mrc, rc[n], mwn / mwx, rw[1], mrw, rw[n], mcn, mcx, mwn, mwx, L[key, "lmin"], L[key, "lmax"], out }
	END {
		print "From `bench/sandbox-cost.sh` at " commit ", " date "; native sandbox (default) vs `-D zebra.sandbox=none`" ("filter" in have ? " and none+filter (`-D zebra.sandbox=none`, mapper and reducer started through bench/cmd/filterexec: a seccomp filter of one instruction that allows everything)" : "") ", interleaved (the order rotates)."
		print ""
		print "| size | python output | A / B | runs | CPU A / B (ratio of medians) | CPU per-run ratio min / median / max | wall A / B (ratio of medians) | wall per-run ratio min / median / max | CPU s A; B (medians) | wall s A; B (medians) | load1 | outputs |"
		print "|---|---|---|---|---|---|---|---|---|---|---|---|"
		for (k = 1; k <= nk; k++) { pair(order[k], "native", "none"); if ("filter" in have) { pair(order[k], "native", "filter"); pair(order[k], "filter", "none") } }
		if (ng > 0) { print ""; print "`go test -bench TaskCost ./sandbox/native` (same run):"; print ""; print "```"; for (i = 1; i <= ng; i++) print gb[i]; print "```" }
	}' "$raw"
}
table | tee "$work/sandbox-cost.md"
if [[ -n $results ]]; then
	{ echo; cat "$work/sandbox-cost.md"; } >>"$results"
fi
log "raw data: $raw"
