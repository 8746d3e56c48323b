package native

import "golang.org/x/sys/unix"

// spec is what the host-side controller tells the init, as JSON on an
// inherited pipe (fd specFD), never on argv.
type spec struct {
	// Path is executed with Args and Env in Dir.
	Path string   `json:"path"`
	Args []string `json:"args"`
	Env  []string `json:"env"`
	Dir  string   `json:"dir"`

	Hostname string       `json:"hostname"`
	Mounts   []mountEntry `json:"mounts"`
	Rlimits  []rlimit     `json:"rlimits"`
	// SwitchUser makes the init, root of its user namespace, drop its
	// supplementary groups and become sandboxUID/sandboxGID before the
	// execve (the worker is root and mapped two ids).
	SwitchUser bool `json:"switch_user,omitempty"`
	// SharedNetwork selects the seccomp rules for a shared network
	// namespace.
	SharedNetwork bool `json:"shared_network,omitempty"`
}

type rlimit struct {
	Resource int    `json:"resource"`
	Cur      uint64 `json:"cur"`
	Max      uint64 `json:"max"`
}

// File descriptors of the init besides stdio.
const (
	specFD   = 3 // read: the JSON spec, then EOF
	errorFD  = 4 // write: a setup error; closed once the program runs
	statusFD = 5 // write: the program's wait status, 4 bytes little-endian
)

// initCaps are the capabilities the init keeps, as ambient capabilities in
// its user namespace, up to the execve of the program.
var initCaps = []uintptr{
	unix.CAP_SYS_ADMIN, unix.CAP_SETPCAP, unix.CAP_DAC_OVERRIDE, unix.CAP_DAC_READ_SEARCH,
}

// InitArg is the argument after which cmd/zebra calls InitMain.
const InitArg = "sandbox-init"

// InitEnv is set to "1" in the init's environment (tests call InitMain from
// TestMain when they see it).
const InitEnv = "ZEBRA_SANDBOX_INIT"
