# Shortcuts for zebra's test and benchmark commands; each target is one
# script or go command, so they also work without make.
#
#   make short    the inner loop: go test -short ./... (no Java, Swift, HDFS, clusters,
#                 Chromium or PyPI; conformance against Hadoop's stored outputs), about a minute
#   make test     the whole suite, as CI runs it (scripts/test.sh: installs what it needs)
#   make lint     gofmt, go vet, staticcheck (scripts/lint.sh)
#   make bench    the quick benchmarks (bench/run.sh --quick; `bench/run.sh` for full sizes)
#   make oracle   re-record Hadoop's stored outputs (scripts/oracle-record.sh; Java, Maven)
#
# ZEBRA_SUITES=swift,hdfs make short   also runs those integration suites (see README, "Tests").

.PHONY: short test lint bench oracle

short:
	go test -short -count=1 ./...

test:
	scripts/test.sh

lint:
	scripts/lint.sh

bench:
	bench/run.sh --quick

oracle:
	scripts/oracle-record.sh
