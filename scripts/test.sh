#!/usr/bin/env bash
# Runs zebra's whole test suite: formatting, vet, staticcheck, unit tests,
# and the Hadoop conformance suite against real Hadoop 3.4 (installed from
# Maven Central into ~/.cache/zebra on first use). Missing Debian packages
# (Java, Maven, libzmq, Swift, Chromium, ...) are installed first
# (scripts/deps.sh, as root).
#
# Usage: scripts/test.sh            (ZEBRA_CONFORMANCE=0 skips the Hadoop suite)
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== Debian packages"
scripts/deps.sh test

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

echo "== go vet"
go vet ./...

echo "== staticcheck"
go run honnef.co/go/tools/cmd/staticcheck@v0.7.0 ./...

if [ "${ZEBRA_CONFORMANCE:-1}" = 1 ]; then
  echo "== Hadoop oracle (real Hadoop streaming, local mode)"
  scripts/hadoop-oracle.sh install
  export ZEBRA_CONFORMANCE=1
  # Every case also runs on a local cluster (zebra up --no-swift, 3 workers).
  export ZEBRA_CONFORMANCE_CLUSTER=${ZEBRA_CONFORMANCE_CLUSTER:-1}
fi

echo "== go test"
# The streaming package runs the conformance suite three ways (local, cluster, HDFS): more than go test's
# default 10 minutes on a busy 2-core machine.
go test -count=1 -timeout 60m ./...
