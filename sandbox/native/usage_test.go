package native

import (
	"bytes"
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"zebra/mapreduce"
)

// TestUsage checks a program's accounting against what the program
// measured of itself: its own CPU time (time.process_time) and its peak
// resident memory (VmHWM), after it touched 48 MiB and burned 0.3 s of
// CPU; and that the instance's limits come with it.
func TestUsage(t *testing.T) {
	c := testConfig(t)
	r := newRunner(t, c)
	prog := `
import time
b = bytearray(48 << 20)
for i in range(0, len(b), 4096):
    b[i] = 1
x = 0
while time.process_time() < 0.3:
    x += 1
hwm = [l.split()[1] for l in open("/proc/self/status") if l.startswith("VmHWM:")][0]
print(int(time.process_time() * 1e6), int(hwm) * 1024)
`
	var out, errb bytes.Buffer
	p, err := r.Start(context.Background(), mapreduce.Command{Args: []string{"python3", "-c", prog}, Dir: workDir(t), Env: os.Environ(),
		Stdout: &out, Stderr: &errb})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Wait(); err != nil {
		t.Fatalf("%v; stderr %s", err, errb.String())
	}
	f := strings.Fields(out.String())
	if len(f) != 2 {
		t.Fatalf("program printed %q", out.String())
	}
	selfCPU, _ := strconv.ParseInt(f[0], 10, 64)
	selfHWM, _ := strconv.ParseInt(f[1], 10, 64)
	u := p.(mapreduce.UsageReporter).Usage()
	if u.CPU < time.Duration(selfCPU)*time.Microsecond {
		t.Errorf("CPU %v, less than the %v the program measured itself", u.CPU, time.Duration(selfCPU)*time.Microsecond)
	}
	// The kernel's exit-time RSS sums per-CPU counters approximately
	// (a few pages per CPU), so the peak may differ a little from VmHWM;
	// never by more than the slack, and never below what was touched.
	const slack = 4 << 20
	if u.PeakRSS < 48<<20 || u.PeakRSS < selfHWM-slack || u.PeakRSS > selfHWM+slack {
		t.Errorf("peak RSS %d, the program's own VmHWM %d (it touched %d)", u.PeakRSS, selfHWM, 48<<20)
	}
	if u.MemoryLimit != c.Memory || u.CPULimit != c.CPUTime || u.Programs != 1 {
		t.Errorf("limits %d %v (programs %d), want the configuration's %d %v", u.MemoryLimit, u.CPULimit, u.Programs, c.Memory, c.CPUTime)
	}
}
