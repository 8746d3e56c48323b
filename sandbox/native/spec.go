package native

type rlimit struct {
	Resource int    `json:"resource"`
	Cur      uint64 `json:"cur"`
	Max      uint64 `json:"max"`
}

// InitArg is the init binary's first argument and InitEnv=1 is its
// environment when a Runner starts it as its factory; with both, this
// package's init runs InitMain.
const (
	InitArg = "sandbox-init"
	InitEnv = "ZEBRA_SANDBOX_INIT"
)

// factoryReady is the factory's first message on the control socket, once
// it has read its spec and is ready for requests.
const factoryReady = "zebra sandbox factory ready"
