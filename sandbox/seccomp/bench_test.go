package seccomp

import (
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// syscallsPerChild is how many write(2) calls each child of
// BenchmarkSyscallCost makes.
const syscallsPerChild = 1 << 21

// BenchmarkSyscallCost measures what a seccomp filter adds to each system
// call a sandboxed program makes. Each iteration starts three children of
// the test binary that each write one byte to /dev/null 2 Mi times: one
// without a filter, one under a filter of a single instruction that allows
// everything, one under the sandbox's policy (Assemble), in rotating order.
// It reports each one's CPU time per call (user + system, ns, medians) and
// what the two filters add over none. The policy's figure staying at the
// one-instruction filter's shows the policy's length and order cost
// nothing (the kernel's seccomp action cache answers for calls the filter
// allows whatever their arguments); what remains is the kernel's entry
// path for a filtered process, which no filter layout avoids.
func BenchmarkSyscallCost(b *testing.B) {
	if !Supported() {
		b.Skip("seccomp not supported by this kernel")
	}
	modes := []string{"none", "trivial", "policy"}
	per := map[string][]float64{}
	for i := 0; i < b.N; i++ {
		for k := range modes {
			m := modes[(k+i)%len(modes)]
			cmd := exec.Command(os.Args[0])
			cmd.Env = append(os.Environ(), "ZEBRA_SECCOMP_BENCH="+m)
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("child %s: %v: %s", m, err, out)
			}
			cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
			per[m] = append(per[m], float64(cpu)/syscallsPerChild)
		}
	}
	med := func(v []float64) float64 {
		v = append([]float64(nil), v...)
		sort.Float64s(v)
		return v[len(v)/2]
	}
	for _, m := range modes {
		b.ReportMetric(med(per[m]), m+"-ns/call")
	}
	b.ReportMetric(med(per["trivial"])-med(per["none"]), "trivial-extra-ns/call")
	b.ReportMetric(med(per["policy"])-med(per["none"]), "policy-extra-ns/call")
	b.ReportMetric(0, "ns/op")
}

// TestMain runs BenchmarkSyscallCost's child when the benchmark starts
// the test binary as one, and the tests otherwise.
func TestMain(m *testing.M) {
	if mode := os.Getenv("ZEBRA_SECCOMP_BENCH"); mode != "" {
		syscallChild(mode)
	}
	os.Exit(m.Run())
}

// syscallChild loads the filter of mode, makes syscallsPerChild write(2)
// calls and exits.
func syscallChild(mode string) {
	switch mode {
	case "trivial":
		if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
			fail(err)
		}
		prog := []unix.SockFilter{{Code: unix.BPF_RET | unix.BPF_K, K: unix.SECCOMP_RET_ALLOW}}
		fprog := unix.SockFprog{Len: 1, Filter: &prog[0]}
		if _, _, e := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, unix.SECCOMP_FILTER_FLAG_TSYNC, uintptr(unsafe.Pointer(&fprog))); e != 0 {
			fail(e)
		}
	case "policy":
		prog, err := Assemble(Options{})
		if err != nil {
			fail(err)
		}
		if err := Load(prog); err != nil {
			fail(err)
		}
	}
	fd, err := unix.Open("/dev/null", unix.O_WRONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		fail(err)
	}
	buf := []byte{'x'}
	t0 := time.Now()
	for i := 0; i < syscallsPerChild; i++ {
		if _, _, e := unix.RawSyscall(unix.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(&buf[0])), 1); e != 0 {
			fail(e)
		}
	}
	fmt.Println(mode, strconv.FormatInt(int64(time.Since(t0)), 10))
	os.Exit(0)
}

func fail(err error) {
	fmt.Println(err)
	os.Exit(2)
}
