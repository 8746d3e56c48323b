package fsshell

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"zebra/adapters/hdfs"
)

// moveToTrash moves it into the user's trash instead of deleting it when
// fs.trash.interval is set (> 0), as Hadoop's TrashPolicyDefault: to
// <home>/.Trash/Current/<absolute path>, a name already there getting the
// current time in milliseconds appended, with the log line Hadoop's
// console prints. It reports whether it moved it; items already in the
// trash, and stores without a home (Swift), are deleted instead.
func (sh *shell) moveToTrash(it *item) (bool, error) {
	interval, _ := strconv.ParseFloat(strings.TrimSpace(sh.setting("fs.trash.interval")), 64)
	if interval <= 0 {
		return false, nil
	}
	var home string
	switch f := it.fs.(type) {
	case *hdfs.FS:
		home = f.Home()
	default:
		if !isLocal(it.fs) {
			return false, nil
		}
		h, err := os.UserHomeDir()
		if err != nil {
			return false, nil
		}
		home = h
	}
	join := func(elem ...string) string {
		if isLocal(it.fs) {
			return filepath.Join(elem...)
		}
		return path.Join(elem...)
	}
	root := join(home, ".Trash")
	current := join(root, "Current")
	name := it.name
	if name == root || strings.HasPrefix(name, root+"/") {
		return false, nil
	}
	if strings.HasPrefix(home+"/", strings.TrimSuffix(name, "/")+"/") {
		return false, hadoopMessage(fmt.Sprintf("Cannot move \"%s\" to the trash, as it contains the trash. Consider using -skipTrash option", uri(it)))
	}
	target := join(current, name)
	// Make the missing directories of the trash path, mode 0700.
	var missing []string
	for d := parentName(target); d != "" && d != home; d = parentName(d) {
		p := &item{fs: it.fs, name: d}
		if err := sh.stat(p); err != nil {
			return false, err
		}
		if p.exists {
			break
		}
		missing = append(missing, d)
	}
	for i := len(missing) - 1; i >= 0; i-- {
		if err := it.fs.MkdirAll(sh.ctx, missing[i]); err != nil {
			return false, err
		}
		if c, ok := it.fs.(chmoder); ok {
			c.Chmod(sh.ctx, missing[i], 0o700)
		}
	}
	orig := target
	for {
		t := &item{fs: it.fs, name: target}
		if err := sh.stat(t); err != nil {
			return false, err
		}
		if !t.exists {
			break
		}
		target = orig + strconv.FormatInt(time.Now().UnixMilli(), 10)
	}
	if err := it.fs.Rename(sh.ctx, it.name, target); err != nil {
		return false, err
	}
	sh.logInfo("fs.TrashPolicyDefault", "Moved: '"+it.fs.URI(it.name)+"' to trash at: "+it.fs.URI(target))
	return true, nil
}

// logInfo prints a log line as Hadoop's console logger does
// ("%d{ISO8601} %p %c{2}: %m").
func (sh *shell) logInfo(logger, msg string) {
	fmt.Fprintf(sh.err, "%s INFO %s: %s\n", time.Now().Format("2006-01-02 15:04:05,000"), logger, msg)
}
