package main

import (
	"fmt"

	"zebra/mapreduce"
	"zebra/sandbox"
)

// chooseSandbox returns the runner for a job's zebra.sandbox setting.
func chooseSandbox(mode string) (mapreduce.Runner, string, error) {
	switch mode {
	case "", "none":
		warning := ""
		if mode == "none" {
			warning = "zebra.sandbox=none: task programs run as plain, unisolated processes"
		}
		return sandbox.Dispatch{Default: sandbox.Plain{}}, warning, nil
	}
	return nil, "", fmt.Errorf("zebra.sandbox=%s is not available in this build (known: none)", mode)
}
