#!/usr/bin/env bash
# Installs the Debian packages zebra needs and does not have yet, on a
# Debian machine as root (elsewhere it names what is missing and fails).
#
#   scripts/deps.sh build   what building zebra needs (cgo: libzmq, zlib, libbz2)
#   scripts/deps.sh oracle  that and what live Hadoop needs (Java, Maven), for scripts/oracle-record.sh
#   scripts/deps.sh test    that and what the whole test suite needs
#
# apt-get update runs only when something is missing.
set -euo pipefail
want=${1:-test}
need=()
# gcc, pkg-config and the headers of the C libraries zebra links through cgo:
# libzmq (github.com/pebbe/zmq4, the cluster's shuffle), zlib and libbz2
# (mapreduce/compress: compressed output byte for byte as Hadoop writes it).
command -v gcc >/dev/null || need+=(gcc libc6-dev)
command -v pkg-config >/dev/null || need+=(pkg-config)
dpkg -s libzmq3-dev >/dev/null 2>&1 || need+=(libzmq3-dev)
dpkg -s zlib1g-dev >/dev/null 2>&1 || need+=(zlib1g-dev)
dpkg -s libbz2-dev >/dev/null 2>&1 || need+=(libbz2-dev)
if [ "$want" = test ] || [ "$want" = oracle ]; then
  # Java and Maven run the Hadoop oracle; python3 runs the example scripts.
  command -v java >/dev/null || need+=(default-jre-headless)
  command -v mvn >/dev/null || need+=(maven)
  command -v python3 >/dev/null || need+=(python3)
  # The conformance cases' setup.sh files compress inputs.
  command -v bzip2 >/dev/null || need+=(bzip2)
fi
if [ "$want" = test ]; then
  # python3 -m venv: the launcher tests install mrjob and luigi from PyPI
  # into ~/.cache/zebra/venv themselves.
  python3 -c 'import ensurepip' 2>/dev/null || need+=(python3-venv)
  # clang, lld and wasi-libc build the C WebAssembly module of the wasm
  # sandbox's tests and benchmarks.
  command -v clang >/dev/null || need+=(clang lld)
  dpkg -s wasi-libc >/dev/null 2>&1 || need+=(wasi-libc libclang-rt-14-dev-wasm32)
  # A real Swift all-in-one for swiftfs and `zebra up`.
  for p in swift swift-proxy swift-object swift-container swift-account python3-swiftclient memcached; do
    dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
  done
  # Headless Chromium for the web UI tests.
  command -v chromium >/dev/null || need+=(chromium)
fi
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "zebra needs these Debian packages: ${need[*]} (run 'apt-get install ${need[*]}' as root)" >&2
  exit 1
fi
echo "installing ${need[*]} ..." >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq "${need[@]}" >&2
