// Command crash fails on purpose after writing to stderr: the failing app
// of the run-on-open tests.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintf(os.Stderr, "crash: giving up on %s on purpose\n", os.Getenv("LOCAL_PATH_INFO"))
	os.Exit(3)
}
