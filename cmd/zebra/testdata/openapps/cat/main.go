// Command cat copies stdin to stdout: the trivial app of the run-on-open
// tests and benchmark (uploaded with X-Object-Meta-Output-Content-Type, so
// it writes no CGI header).
package main

import (
	"io"
	"os"
)

func main() {
	if _, err := io.Copy(os.Stdout, os.Stdin); err != nil {
		os.Stderr.WriteString("cat: " + err.Error() + "\n")
		os.Exit(1)
	}
}
