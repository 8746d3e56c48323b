package api

// The JSON shapes of Hadoop's MapReduce history server REST API
// (/ws/v1/history/mapreduce/...) and of the job tracker's task completion
// events (/api/v1/jobs/ID/events), as the web front serves them and
// `zebra job` (cmd/zebra) reads them.

// HSJob is a job in the JobHistory Server's shape (the list has the
// first fields; the job route all).
type HSJob struct {
	SubmitTime       int64  `json:"submitTime"`
	StartTime        int64  `json:"startTime"`
	FinishTime       int64  `json:"finishTime"`
	ID               string `json:"id"`
	Name             string `json:"name"`
	Queue            string `json:"queue"`
	User             string `json:"user"`
	State            string `json:"state"`
	MapsTotal        int    `json:"mapsTotal"`
	MapsCompleted    int    `json:"mapsCompleted"`
	ReducesTotal     int    `json:"reducesTotal"`
	ReducesCompleted int    `json:"reducesCompleted"`
	// Owner is the authenticated tenant (zebra's).
	Owner string `json:"owner"`
	*HSJobDetail
}

// HSJobDetail are the fields of a single job.
type HSJobDetail struct {
	Uberized                 bool    `json:"uberized"`
	Diagnostics              string  `json:"diagnostics"`
	AvgMapTime               int64   `json:"avgMapTime"`
	AvgReduceTime            int64   `json:"avgReduceTime"`
	AvgShuffleTime           int64   `json:"avgShuffleTime"`
	AvgMergeTime             int64   `json:"avgMergeTime"`
	FailedReduceAttempts     int64   `json:"failedReduceAttempts"`
	KilledReduceAttempts     int64   `json:"killedReduceAttempts"`
	SuccessfulReduceAttempts int64   `json:"successfulReduceAttempts"`
	FailedMapAttempts        int64   `json:"failedMapAttempts"`
	KilledMapAttempts        int64   `json:"killedMapAttempts"`
	SuccessfulMapAttempts    int64   `json:"successfulMapAttempts"`
	ACLs                     []HSACL `json:"acls"`
}

// HSACL is one of a job's access control lists.
type HSACL struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// HSCounterGroup is a group of job counters.
type HSCounterGroup struct {
	Name     string      `json:"counterGroupName"`
	Counters []HSCounter `json:"counter"`
}

// HSCounter is one job counter: its enum name and its map, reduce and
// total values (map and reduce are 0 for a job that ended before the
// jobtracker last started).
type HSCounter struct {
	Name        string `json:"name"`
	DisplayName string `json:"displayName"`
	Reduce      int64  `json:"reduceCounterValue"`
	Map         int64  `json:"mapCounterValue"`
	Total       int64  `json:"totalCounterValue"`
}

// HSProperty is one configuration property.
type HSProperty struct {
	Name   string   `json:"name"`
	Value  string   `json:"value"`
	Source []string `json:"source"`
}

// HSTask is a task in the history server's shape, with zebra's fields.
type HSTask struct {
	Progress          float64  `json:"progress"`
	ElapsedTime       int64    `json:"elapsedTime"`
	State             string   `json:"state"`
	StartTime         int64    `json:"startTime"`
	FinishTime        int64    `json:"finishTime"`
	ID                string   `json:"id"`
	Type              string   `json:"type"`
	SuccessfulAttempt string   `json:"successfulAttempt"`
	Attempt           string   `json:"attempt,omitempty"`
	Attempts          int      `json:"attempts"`
	Worker            string   `json:"worker,omitempty"`
	Node              string   `json:"node,omitempty"`
	DataLocal         bool     `json:"dataLocal"`
	Split             *HSSplit `json:"split,omitempty"`
}

// HSSplit is a map's input: an object and a byte range.
type HSSplit struct {
	URI    string   `json:"uri"`
	Start  int64    `json:"start"`
	Length int64    `json:"length"`
	Hosts  []string `json:"hosts,omitempty"`
}

// HSAttempt is a task attempt in the history server's shape.
type HSAttempt struct {
	StartTime           int64   `json:"startTime"`
	FinishTime          int64   `json:"finishTime"`
	ElapsedTime         int64   `json:"elapsedTime"`
	Progress            float64 `json:"progress"`
	ID                  string  `json:"id"`
	Rack                string  `json:"rack"`
	State               string  `json:"state"`
	Status              string  `json:"status"`
	NodeHTTPAddress     string  `json:"nodeHttpAddress"`
	Diagnostics         string  `json:"diagnostics"`
	Type                string  `json:"type"`
	AssignedContainerID string  `json:"assignedContainerId"`
	Worker              string  `json:"worker"`
	*HSReducePhases
}

// Event is a task completion event (Hadoop's TaskCompletionEvent): an
// attempt that ended, in the order attempts ended.
type Event struct {
	ID      int    `json:"id"`
	Status  string `json:"status"`
	Attempt string `json:"attempt"`
	Task    string `json:"task"`
	Node    string `json:"node"`
	// Time is when the attempt ended (ms since the epoch) and RunTime how
	// long it ran (ms).
	Time    int64 `json:"time"`
	RunTime int64 `json:"run_time"`
	// LogURL is the attempt's page in the UI.
	LogURL string `json:"log_url"`
}

// Events is a page of a job's task completion events.
type Events struct {
	From   int     `json:"from"`
	Total  int     `json:"total"`
	Events []Event `json:"events"`
}

// HSReducePhases are a reduce attempt's phase ends and durations
// (Hadoop's ReduceTaskAttemptInfo; 0 until the phase has ended). The
// shuffle ends when the attempt has fetched every map output, the merge
// when the merge of those is set up and the reducer starts (the final
// merge streams into the reducer, as Hadoop's does), the reduce at the
// attempt's end. An attempt that did not succeed reports none.
type HSReducePhases struct {
	ShuffleFinishTime  int64 `json:"shuffleFinishTime"`
	MergeFinishTime    int64 `json:"mergeFinishTime"`
	ElapsedShuffleTime int64 `json:"elapsedShuffleTime"`
	ElapsedMergeTime   int64 `json:"elapsedMergeTime"`
	ElapsedReduceTime  int64 `json:"elapsedReduceTime"`
}

// HSCounterValue is one counter of a task or attempt.
type HSCounterValue struct {
	Name  string `json:"name"`
	Value int64  `json:"value"`
}

// HSTaskCounterGroup is a group of a task's or attempt's counters.
type HSTaskCounterGroup struct {
	Name     string           `json:"counterGroupName"`
	Counters []HSCounterValue `json:"counter"`
}

// HSJobAttempt is an application master attempt. zebra runs no
// application master: the job's one attempt stands for the jobtracker's
// part in it, on the jobtracker's address, from the job's submission, its
// logs link the job's page.
type HSJobAttempt struct {
	NodeHTTPAddress string `json:"nodeHttpAddress"`
	NodeID          string `json:"nodeId"`
	ID              int    `json:"id"`
	StartTime       int64  `json:"startTime"`
	ContainerID     string `json:"containerId"`
	LogsLink        string `json:"logsLink"`
}
