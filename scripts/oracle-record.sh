#!/usr/bin/env bash
# Records real Hadoop's outputs for the conformance checks that compare
# zebra with Hadoop, so that they run without Java (`go test -short ./...`)
# against the stored outputs; the full suite (scripts/test.sh) checks the
# stored outputs against live Hadoop again and fails, naming this script,
# where they differ.
#
#   scripts/oracle-record.sh                                  every case
#   scripts/oracle-record.sh ZEBRA_CONFORMANCE_CASES='^4[0-3]' only these streaming cases
#   scripts/oracle-record.sh ZEBRA_FSSHELL_CASES='^ls'        only these FsShell cases
#
# Writes streaming/testdata/conformance-oracle/<case>.json (.json.gz when
# large), one file per case of streaming/testdata/conformance (a full run
# also removes the files of cases that no longer exist), and
# adapters/fsshell/testdata/oracle-local.json (the FsShell cases on local
# files). Given only one of the two variables, only that suite is recorded. Needs Java and
# Maven (scripts/deps.sh oracle installs them, as root); the Hadoop jars
# come from Maven Central into ~/.cache/zebra (scripts/hadoop-oracle.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
for a in "$@"; do
  case "$a" in
    ZEBRA_*=*) export "${a?}" ;;
    *) echo "usage: $0 [ZEBRA_CONFORMANCE_CASES=regexp]" >&2; exit 2 ;;
  esac
done
scripts/deps.sh oracle
scripts/hadoop-oracle.sh install
export ZEBRA_SUITES=hadoop ZEBRA_CONFORMANCE=1 ZEBRA_ORACLE_RECORD=1
if [ -n "${ZEBRA_CONFORMANCE_CASES:-}" ] || [ -z "${ZEBRA_FSSHELL_CASES:-}" ]; then
  go test -count=1 -timeout 60m -run '^TestConformance$' ./streaming
fi
if [ -n "${ZEBRA_FSSHELL_CASES:-}" ] || [ -z "${ZEBRA_CONFORMANCE_CASES:-}" ]; then
  go test -count=1 -timeout 30m -run '^TestFsShellConformance$' ./adapters/fsshell
fi
if [ -z "${ZEBRA_CONFORMANCE_CASES:-}" ] && [ -z "${ZEBRA_FSSHELL_CASES:-}" ]; then
  for f in streaming/testdata/conformance-oracle/*.json*; do
    [ -e "$f" ] || continue
    c=$(basename "$f"); c=${c%.gz}; c=${c%.json}
    [ -d "streaming/testdata/conformance/$c" ] || { echo "removing $f (no such case)"; rm -f "$f"; }
  done
fi
du -sh streaming/testdata/conformance-oracle adapters/fsshell/testdata/oracle-local.json
