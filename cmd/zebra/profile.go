package main

import (
	"fmt"
	"os"
	"runtime/pprof"
)

// startProfile starts a CPU profile of this process into the file
// ZEBRA_CPUPROFILE names, if set (for `go tool pprof`; issue 17 asks for
// profiles first), and returns what stops it; a profile that cannot be
// started is reported on stderr and the command runs unprofiled.
func startProfile() (stop func()) {
	path := os.Getenv("ZEBRA_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "zebra: ZEBRA_CPUPROFILE: %v; running without a profile\n", err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		fmt.Fprintf(os.Stderr, "zebra: ZEBRA_CPUPROFILE: start CPU profile: %v; running without a profile\n", err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}
