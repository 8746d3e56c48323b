package native

type rlimit struct {
	Resource int    `json:"resource"`
	Cur      uint64 `json:"cur"`
	Max      uint64 `json:"max"`
}

// InitArg is the argument after which cmd/zebra calls InitMain.
const InitArg = "sandbox-init"

// InitEnv is set to "1" in the init's environment (tests call InitMain from
// TestMain when they see it).
const InitEnv = "ZEBRA_SANDBOX_INIT"
