#!/usr/bin/env bash
# Runs zebra's whole test suite, as CI does (.ci/run calls this): formatting,
# vet, staticcheck (scripts/lint.sh), then every package's tests with every
# integration suite (Swift, HDFS, clusters, chaos, Chromium, PyPI, heavy
# tests; see mapreduce/mrtest/suite) and live Hadoop 3.4 as the oracle: the
# conformance checks compare zebra with Hadoop's stored outputs and the
# stored outputs with live Hadoop.
#
# Everything the tests need is installed first, on a fresh Debian machine
# as root: Debian packages (Java, Maven, libzmq, Swift, Chromium, clang,
# ...; scripts/deps.sh), Hadoop's jars from Maven Central into
# ~/.cache/zebra (scripts/hadoop-oracle.sh, scripts/hdfs-cluster.sh);
# the PyPI clients' virtualenv is made by their test.
#
# Usage: scripts/test.sh
#   ZEBRA_CONFORMANCE=0 scripts/test.sh    without live Hadoop (stored outputs only)
#   ZEBRA_SUITES=swift,hdfs scripts/test.sh  only these integration suites
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== Debian packages"
scripts/deps.sh test

if [ "${ZEBRA_CONFORMANCE:-1}" = 1 ]; then
  echo "== Hadoop jars (the oracle and the test HDFS)"
  scripts/hadoop-oracle.sh install
  scripts/hdfs-cluster.sh install
  export ZEBRA_CONFORMANCE=1
  # Every case also runs on a local cluster (zebra up --no-swift, 3 workers).
  export ZEBRA_CONFORMANCE_CLUSTER=${ZEBRA_CONFORMANCE_CLUSTER:-1}
fi

scripts/lint.sh

echo "== go test"
# The streaming package runs the conformance suite three ways (local, cluster, HDFS): more than go test's
# default 10 minutes on a busy 2-core machine.
go test -count=1 -timeout 60m ./...
