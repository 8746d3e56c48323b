package mapreduce

// zebra's own job settings (-D zebra.*=…), beside Hadoop's in conf.go: one
// name each, read by whichever package acts on it. Hadoop ignores them.

// Sandbox settings.
const (
	// KeySandbox selects the sandbox task programs run in: "native",
	// "wasm", "none", or "" for the default (wasm for .wasm programs, else
	// native).
	KeySandbox = "zebra.sandbox"
	// KeySandboxMemoryMB is the memory a task may use, in MiB (the native
	// sandbox's limit; 1024 by default). A line of a program's output is
	// one record the worker holds in memory for the task, so a longer one
	// fails the task, as a Hadoop task fails when a record outgrows its
	// heap.
	KeySandboxMemoryMB = "zebra.sandbox.memory.mb"
	// The native sandbox's other limits, per job.
	KeySandboxProcesses  = "zebra.sandbox.processes"
	KeySandboxCPUSeconds = "zebra.sandbox.cpu.seconds"
	KeySandboxWallSecs   = "zebra.sandbox.wall.seconds"
	KeySandboxFileMB     = "zebra.sandbox.file.mb"
	KeySandboxTmpMB      = "zebra.sandbox.tmp.mb"
)

// KeyTaskStderrLimit bounds the bytes of each program's stderr kept in the
// attempt log (and shown on the console); the rest is read and dropped.
const KeyTaskStderrLimit = "zebra.task.stderr.limit"

// KeySplits selects how zebra runs map tasks. Splits (and so map-only part
// files) are always Hadoop's. With "hadoop" (the default) each split's
// mapper is one process, as in Hadoop, so every mapper, stateful or not,
// gives Hadoop's bytes. "pieces" (opt-in, not Hadoop's semantics) runs a
// large split's mapper as several concurrent processes over pieces of the
// split, their outputs collected back in order: a mapper that treats each
// line on its own still gives Hadoop's result, but one that keeps state
// across lines (in-mapper combining, a header line, wc -l) sees each piece
// as a separate run.
const KeySplits = "zebra.splits"

// KeyLocality is "on" (the default) or "off". Off, a cluster job is
// submitted without replica hints, so its maps run on any free worker
// without waiting for one beside their data, and swiftfs reads every input
// through the proxy instead of the local object server: the baseline
// against which locality is measured.
const KeyLocality = "zebra.locality"

// KeyClientRetry bounds how long the client keeps trying to reach a
// jobtracker that stopped answering while it follows a job (a Go duration;
// default 2m).
const KeyClientRetry = "zebra.client.retry"

// Swift settings (swiftfs reads them). Each one, when set, wins over the
// environment variables named beside it. All begin with KeySwiftPrefix.
const (
	KeySwiftPrefix        = "zebra.swift."
	KeySwiftAuth          = "zebra.swift.auth"           // ST_AUTH, OS_AUTH_URL
	KeySwiftUser          = "zebra.swift.user"           // ST_USER, OS_USERNAME
	KeySwiftKey           = "zebra.swift.key"            // ST_KEY, OS_PASSWORD
	KeySwiftAuthVersion   = "zebra.swift.auth.version"   // ST_AUTH_VERSION: 1, 2 or 3 (default: from the URL)
	KeySwiftProject       = "zebra.swift.project"        // OS_PROJECT_NAME (OS_TENANT_NAME)
	KeySwiftUserDomain    = "zebra.swift.user.domain"    // OS_USER_DOMAIN_NAME
	KeySwiftProjectDomain = "zebra.swift.project.domain" // OS_PROJECT_DOMAIN_NAME
	KeySwiftRegion        = "zebra.swift.region"         // OS_REGION_NAME
	KeySwiftStorageURL    = "zebra.swift.storage.url"    // OS_STORAGE_URL (with a token: no login)
	KeySwiftToken         = "zebra.swift.token"          // OS_AUTH_TOKEN
	KeySwiftEndpoints     = "zebra.swift.endpoints"      // list_endpoints root, default <storage URL's scheme://host>/endpoints/
	KeySwiftRetries       = "zebra.swift.retries"        // attempts per request, default 5
)

// Setting describes one of zebra's own settings for `zebra streaming
// -info`: a job setting (-D NAME=VALUE) or an environment variable.
type Setting struct {
	// Name is the setting's or variable's name.
	Name string
	// Default is its value when unset, as text ("" for none).
	Default string
	// Doc says what it does, in one line.
	Doc string
}

// Settings are zebra's own job settings (-D NAME=VALUE), which Hadoop
// ignores, in the order -info lists them. The defaults are the local
// runner's; a cluster's operator may lower the sandbox's limits for
// Swift tenants (zebra jobtracker --tenant-max).
var Settings = []Setting{
	{KeySandbox, "native (wasm for .wasm programs)", "the sandbox task programs run in: native, wasm or none (none: the cluster token's jobs and the local runner only)"},
	{KeySandboxMemoryMB, "1024", "memory a task may use, MiB (a longer output line than it holds fails the task)"},
	{KeySandboxProcesses, "256", "processes and threads a task may run at once"},
	{KeySandboxCPUSeconds, "3600", "CPU seconds a task may use"},
	{KeySandboxWallSecs, "7200", "seconds a task may run"},
	{KeySandboxFileMB, "10240", "largest file a task may write, MiB"},
	{KeySandboxTmpMB, "256", "the task's /tmp, MiB"},
	{KeyTaskStderrLimit, "67108864", "bytes of each program's stderr kept in the attempt log; the rest is dropped"},
	{KeySplits, "hadoop", "hadoop: one mapper process per split, as Hadoop; pieces: a large split's mapper as several processes (not Hadoop's semantics for stateful mappers)"},
	{KeyLocality, "on", "off: a cluster job's maps run anywhere and read Swift through the proxy"},
	{KeyClientRetry, "2m", "how long the client keeps trying a jobtracker that stopped answering"},
	{KeySwiftAuth, "$ST_AUTH or $OS_AUTH_URL", "Swift's auth URL"},
	{KeySwiftUser, "$ST_USER or $OS_USERNAME", "Swift user"},
	{KeySwiftKey, "$ST_KEY or $OS_PASSWORD", "Swift key or password"},
	{KeySwiftAuthVersion, "from the URL ($ST_AUTH_VERSION)", "Swift auth version: 1, 2 or 3"},
	{KeySwiftProject, "$OS_PROJECT_NAME", "Keystone project"},
	{KeySwiftUserDomain, "$OS_USER_DOMAIN_NAME", "Keystone user domain"},
	{KeySwiftProjectDomain, "$OS_PROJECT_DOMAIN_NAME", "Keystone project domain"},
	{KeySwiftRegion, "$OS_REGION_NAME", "Swift region"},
	{KeySwiftStorageURL, "$OS_STORAGE_URL", "Swift storage URL (with a token: no login)"},
	{KeySwiftToken, "$OS_AUTH_TOKEN", "Swift token"},
	{KeySwiftEndpoints, "<storage URL's scheme://host>/endpoints/", "Swift's list_endpoints root (maps beside their data)"},
	{KeySwiftRetries, "5", "attempts per Swift request"},
}
