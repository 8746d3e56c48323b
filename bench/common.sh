# Shared set-up of the store benchmarks (bench/hdfs.sh, bench/swift.sh),
# sourced by them after `set -euo pipefail`:
#
#   bench_init NAME HELP_LINES "$@"   parse --quick --runs N --work DIR --results FILE --zebra BIN
#                                     --sandbox MODE (-h prints lines 2..HELP_LINES of the script) into
#                                     mode runs work results zebra sandbox cmdline size here top; define log
#   bench_build                       build zebra (unless --zebra) and gendata into $work/bin and make
#                                     the input $text (gendata text, seed 1, $size bytes)

bench_init() {
	local name=$1 help=$2
	shift 2
	here="$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)"
	top="$(cd "$here/.." && pwd)"
	mode=full runs=3 work="${TMPDIR:-/tmp}/zebra-bench-$name" results="$here/RESULTS-$name.md" zebra="" sandbox=""
	cmdline="bench/$name.sh $*"
	while [[ $# -gt 0 ]]; do
		case "$1" in
		--quick) mode=quick ;;
		--runs) runs="$2"; shift ;;
		--work) work="$2"; shift ;;
		--results) results="$2"; shift ;;
		--zebra) zebra="$2"; shift ;;
		--sandbox) sandbox="$2"; shift ;;
		-h | --help) sed -n "2,${help}p" "$0"; exit 0 ;;
		*) echo "bench/$name.sh: unknown option $1" >&2; exit 2 ;;
		esac
		shift
	done
	((runs >= 1)) || { echo "bench/$name.sh: --runs must be >= 1" >&2; exit 2; }
	size=200000000
	[[ $mode == quick ]] && size=20000000
	bench_name=$name
	log() { printf '%s bench/%s: %s\n' "$(date +%H:%M:%S)" "$bench_name" "$*" >&2; }
}

bench_build() {
	mkdir -p "$work/bin"
	log "building"
	if [[ -z "$zebra" ]]; then
		(cd "$top" && go build -o "$work/bin/zebra" ./cmd/zebra)
		zebra="$work/bin/zebra"
	fi
	(cd "$top" && go build -o "$work/bin/gendata" ./bench/cmd/gendata)
	text="$work/text-$size.txt"
	[[ -e "$text" ]] || { log "generating $text"; "$work/bin/gendata" text -size "$size" -seed 1 -out "$text.tmp" && mv "$text.tmp" "$text"; }
}
