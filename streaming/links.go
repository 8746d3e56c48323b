package streaming

import (
	"fmt"
	"strings"
)

// checkLinkName checks the link name of a -files or -archives entry
// (f#NAME): a link is made in every task's working directory, and an
// archive is unpacked under its name, so the name must be a plain file
// name. Hadoop accepts "a/b", "." and ".." and then makes links (or
// unpacks) outside the task's directories; zebra refuses them, on the
// client and again on the worker (which rebuilds the job from a plan
// anyone with a token can send).
func checkLinkName(entry, name string) error {
	switch {
	case name == "", name == ".", name == "..":
		return fmt.Errorf("%s: link name %q is not a file name: give a plain name after '#' (as in file.txt#name)", entry, name)
	case strings.ContainsAny(name, "/\x00"):
		return fmt.Errorf("%s: link name %q contains '/' or NUL: a link is made in the task's working directory and must be a plain name, not a path", entry, name)
	}
	return nil
}
