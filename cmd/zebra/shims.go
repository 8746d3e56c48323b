package main

import (
	"fmt"
	"os"
	"path/filepath"
)

// shimsCommand is `zebra shims install DIR`: it writes `hadoop` and `mapred`
// launchers that hand `hadoop jar …streaming….jar` and `mapred streaming`
// to this zebra binary, so unchanged job scripts run on zebra.
func shimsCommand(args []string) int {
	if len(args) != 2 || args[0] != "install" {
		fmt.Fprintln(os.Stderr, "usage: zebra shims install DIR")
		return 2
	}
	dir := args[1]
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, "zebra shims: cannot find the zebra binary:", err)
		return 1
	}
	if self, err = filepath.EvalSymlinks(self); err != nil {
		fmt.Fprintln(os.Stderr, "zebra shims: cannot find the zebra binary:", err)
		return 1
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "zebra shims:", err)
		return 1
	}
	shims := map[string]string{
		"hadoop": `#!/bin/sh
# zebra shim: 'hadoop jar <streaming jar> ...' runs on zebra.
if [ "$1" = "jar" ]; then shift; exec "` + self + `" jar "$@"; fi
echo "hadoop (zebra shim): only 'hadoop jar <hadoop-streaming jar> ...' is supported, not '$1'" >&2
exit 1
`,
		"mapred": `#!/bin/sh
# zebra shim: 'mapred streaming ...' runs on zebra.
if [ "$1" = "streaming" ]; then shift; exec "` + self + `" streaming "$@"; fi
echo "mapred (zebra shim): only 'mapred streaming ...' is supported, not '$1'" >&2
exit 1
`,
	}
	for name, body := range shims {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o755); err != nil {
			fmt.Fprintln(os.Stderr, "zebra shims:", err)
			return 1
		}
		fmt.Println(p)
	}
	return 0
}
