package api

// What a worker's own HTTP server (its logs and the run-on-open gateway,
// jobtracker/worker) and its callers (the web front, cmd/zebra) agree on.

// Headers the gateway passes a tenant's Swift credentials in.
const (
	HeaderSwiftToken = "X-Zebra-Swift-Token"
	HeaderStorageURL = "X-Zebra-Swift-Storage-Url"
)

// Headers of an open's response.
const (
	// HeaderAppCache is "hit" when the app's version was validated before
	// on this worker, "miss" when this open validated it.
	HeaderAppCache = "X-Zebra-App-Cache"
	// HeaderWorker names the worker that ran the app; HeaderRead says how
	// it read the object: "direct" (the local replica) or "proxy".
	HeaderWorker = "X-Zebra-Worker"
	HeaderRead   = "X-Zebra-Read"
	// HeaderBusy marks a 503 answered because every run slot was taken
	// (the gateway then tries another replica's worker).
	HeaderBusy = "X-Zebra-Busy"
)

// LogFile is one file of an attempt's log directory, as a worker's log
// server lists it (GET /logs/JOB/ATTEMPT/).
type LogFile struct {
	Name string `json:"name"`
	Size int64  `json:"size"`
}
