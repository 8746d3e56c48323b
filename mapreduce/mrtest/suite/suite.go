// Package suite is the one place that decides which integration suites a
// test run includes. A test that needs something slow or heavy (a real
// Hadoop, a Swift all-in-one, an HDFS, a zebra cluster, Chromium, PyPI)
// starts with one line, suite.Require(t, suite.Swift), and is skipped with
// a reason naming the suite and how to run it when the suite is off.
//
// The rule, from the environment variable ZEBRA_SUITES and go test's -short:
//
//   - ZEBRA_SUITES set: exactly the suites it lists run (comma or blank
//     separated; "all" is every suite, "none" is none), -short or not.
//   - ZEBRA_SUITES unset, with -short (the inner loop, `make short`): none run.
//   - ZEBRA_SUITES unset, without -short: every suite runs except
//     Hadoop, which needs Java and Maven and runs when ZEBRA_CONFORMANCE=1
//     (scripts/test.sh sets it; ZEBRA_CONFORMANCE=0 turns it off even
//     when ZEBRA_SUITES lists it).
//
// Checks against Hadoop's outputs stored in testdata (recorded by
// scripts/oracle-record.sh) need no suite: they run in the inner loop.
// The package imports only the standard library, so any test may use it.
package suite

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

// Suite is one integration suite: a name for ZEBRA_SUITES and what it
// needs or costs, for the skip message.
type Suite struct {
	Name  string
	Needs string
}

// The suites. Each test names the one that makes it slow or heavy.
var (
	// Hadoop runs real Hadoop 3.4.1 (scripts/hadoop-oracle.sh: Java,
	// Maven, jars from Maven Central) live, as the oracle.
	Hadoop = Suite{"hadoop", "runs real Hadoop (Java, Maven; scripts/hadoop-oracle.sh)"}
	// HDFS starts a real HDFS (adapters/hdfs/minicluster: Java).
	HDFS = Suite{"hdfs", "starts a real HDFS (Java; adapters/hdfs/minicluster)"}
	// Swift starts an OpenStack Swift all-in-one (Debian's swift packages, root).
	Swift = Suite{"swift", "starts a Swift all-in-one (Debian's swift packages, root)"}
	// Cluster builds zebra and starts jobtrackers and workers, or runs real jobs through the binary.
	Cluster = Suite{"cluster", "builds zebra and runs jobs on a jobtracker and workers or through the binary"}
	// Chaos kills workers and jobtrackers during jobs, for several trials.
	Chaos = Suite{"chaos", "kills workers and jobtrackers during jobs (minutes)"}
	// Browser drives a headless Chromium.
	Browser = Suite{"browser", "drives a headless Chromium"}
	// PyPI installs mrjob, luigi and python-swiftclient from PyPI into a
	// virtualenv and runs them.
	PyPI = Suite{"pypi", "installs mrjob, luigi and python-swiftclient from PyPI and runs them"}
	// Heavy is a test that moves a lot of data or builds very large jobs
	// (a benchmark written as a test).
	Heavy = Suite{"heavy", "moves gigabytes or builds very large jobs"}
)

// All lists every suite, for the documentation and ZEBRA_SUITES=all.
var All = []Suite{Hadoop, HDFS, Swift, Cluster, Chaos, Browser, PyPI, Heavy}

// Enabled reports whether suite s runs in this test binary, and if not,
// why (a sentence naming the suite and how to turn it on). It must be
// called after flag parsing (in a test, or in TestMain after flag.Parse).
func Enabled(s Suite) (bool, string) {
	if s == Hadoop && envOff("ZEBRA_CONFORMANCE") {
		return false, fmt.Sprintf("suite %q is off: ZEBRA_CONFORMANCE=0 (this test %s)", s.Name, s.Needs)
	}
	if v, ok := os.LookupEnv("ZEBRA_SUITES"); ok && strings.TrimSpace(v) != "" {
		for _, w := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
			if w == "all" || w == s.Name {
				return true, ""
			}
		}
		return false, fmt.Sprintf("suite %q is not in ZEBRA_SUITES=%q (this test %s); add it, or use ZEBRA_SUITES=all", s.Name, v, s.Needs)
	}
	if short() {
		return false, fmt.Sprintf("suite %q skipped under -short (this test %s); run it with ZEBRA_SUITES=%s or in the full suite (scripts/test.sh)", s.Name, s.Needs, s.Name)
	}
	if s == Hadoop && !envOn("ZEBRA_CONFORMANCE") {
		return false, fmt.Sprintf("suite %q is off: set ZEBRA_CONFORMANCE=1 or ZEBRA_SUITES=%s (this test %s; scripts/test.sh sets it)", s.Name, s.Name, s.Needs)
	}
	return true, ""
}

// Require skips t, saying why, unless every one of suites runs.
func Require(t testing.TB, suites ...Suite) {
	t.Helper()
	for _, s := range suites {
		if ok, why := Enabled(s); !ok {
			t.Skip(why)
		}
	}
}

// short is testing.Short, also callable from TestMain before flag.Parse
// (it parses the flags then, as testing.M.Run would).
func short() bool {
	if !flag.Parsed() {
		flag.Parse()
	}
	return testing.Short()
}

func envOn(name string) bool {
	v := os.Getenv(name)
	return v != "" && v != "0" && v != "false"
}

func envOff(name string) bool {
	v, ok := os.LookupEnv(name)
	return ok && (v == "0" || v == "false")
}
