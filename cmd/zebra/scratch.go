package main

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// A local job's scratch directory (the tasks' working directories, map
// outputs, a cluster job's bundle) lives in the temp directory as
// zebra-work-*, and the command removes it when it ends. A command that
// cannot — killed with SIGKILL, or by a signal it does not catch such as
// SIGHUP when its terminal closes — leaves it behind, possibly gigabytes
// of map output. So each command holds an flock on its scratch directory
// while it runs, and the next command removes the ones of this user that
// no live command holds (the kernel drops a dead process's locks).

// scratchPrefix names scratch directories in the temp directory.
const scratchPrefix = "zebra-work-"

// staleScratchAge is how old an unlocked scratch directory must be to be
// swept: a command locks its own right after making it, and this keeps a
// sweep from racing that. It is an hour, not less, for what the lock cannot
// tell: a command of a zebra from before the lock (which holds none), or a
// temp directory on a file system whose locks are not shared.
const staleScratchAge = time.Hour

// newScratch makes a scratch directory and locks it; release unlocks
// and removes it.
func newScratch(logger *slog.Logger) (dir string, release func(), err error) {
	sweepScratch(os.TempDir(), time.Now(), logger)
	dir, err = os.MkdirTemp("", scratchPrefix)
	if err != nil {
		return "", nil, fmt.Errorf("cannot create a scratch directory: %w", err)
	}
	lock, err := lockDir(dir, false)
	if err != nil {
		os.RemoveAll(dir)
		return "", nil, fmt.Errorf("cannot lock the scratch directory: %w", err)
	}
	return dir, func() { os.RemoveAll(dir); lock.Close() }, nil
}

// lockDir opens dir and takes an exclusive flock on it, waiting for it
// unless nonBlocking (then unix.EWOULDBLOCK says another holds it).
func lockDir(dir string, nonBlocking bool) (*os.File, error) {
	f, err := os.OpenFile(dir, os.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW, 0)
	if err != nil {
		return nil, err
	}
	how := unix.LOCK_EX
	if nonBlocking {
		how |= unix.LOCK_NB
	}
	if err := unix.Flock(int(f.Fd()), how); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// sweepScratch removes the scratch directories in tmp that this user
// owns, that no live command holds locked and that are older than
// staleScratchAge at now. It never follows a link, and leaves what it
// cannot remove (logging why).
func sweepScratch(tmp string, now time.Time, logger *slog.Logger) {
	dirs, _ := filepath.Glob(filepath.Join(tmp, scratchPrefix+"*"))
	for _, d := range dirs {
		var st unix.Stat_t
		if err := unix.Lstat(d, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFDIR || int(st.Uid) != os.Geteuid() {
			continue
		}
		if now.Sub(time.Unix(st.Mtim.Unix())) < staleScratchAge {
			continue
		}
		lock, err := lockDir(d, true)
		if err != nil {
			continue // a live command's, or not ours to open
		}
		if err := os.RemoveAll(d); err != nil {
			logger.Warn("remove a scratch directory left by a command that did not end cleanly", "dir", d, "err", err)
		} else {
			logger.Info("removed a scratch directory left by a command that did not end cleanly", "dir", d)
		}
		lock.Close()
	}
}
