package main

import (
	"time"

	"golang.org/x/sys/unix"
)

// Limits of lingerForReader.
const (
	lingerGrace = 50 * time.Millisecond
	lingerMax   = 2 * time.Second
)

// lingerForReader gives a program that reads a job's console from a pipe
// the time to take its last lines before zebra exits. Some read line by
// line while polling for the exit and stop at it: luigi's Hadoop runner
// logs only the lines it read while the process ran, so without this the
// counters printed last often missed its log (Hadoop's client JVM takes
// far longer to exit after printing them). When fd is a pipe it waits
// until the pipe is empty, then lingerGrace more for the reader to handle
// what it took, lingerMax at most in all; otherwise it returns at once.
func lingerForReader(fd int) {
	var st unix.Stat_t
	if unix.Fstat(fd, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFIFO {
		return
	}
	deadline := time.Now().Add(lingerMax)
	for time.Now().Before(deadline) {
		n, err := unix.IoctlGetInt(fd, unix.TIOCINQ) // FIONREAD: bytes in the pipe
		if err != nil || n == 0 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(min(lingerGrace, time.Until(deadline)))
}
