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
