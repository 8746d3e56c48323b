package zerocloud

import "strconv"

// Kind is the api.Plan kind of a ZeroCloud job.
const Kind = "zerocloud"

// Spec is the zerocloud part of a plan (api.Plan.Spec): one stage per
// node group, in data-flow order (or, for a graph, file order). Stage 0 is the plan's map group (its
// instance i reads Plan.Splits[i]); stage 1, if any, the reduce group,
// which receives a channel from every stage-0 instance.
type Spec struct {
	Stages []Stage `json:"stages"`
	// Request is the request that started the job, for the instances'
	// CGI environment (nil: a default POST).
	Request *Request `json:"request,omitempty"`
	// Graph, if set, runs the job as a graph: Stages are the groups in
	// file order, every instance is a map (stage after stage, instance
	// after instance) and Graph.Channels stream between them while they
	// run.
	Graph *GraphSpec `json:"graph,omitempty"`
}

// GraphSpec is the channels of a job run as a graph.
type GraphSpec struct {
	// Channels are (from, to) instance names: from's /dev/out/<to> streams
	// into to's /dev/in/<from>.
	Channels [][2]string `json:"channels"`
}

// Stage is one node group as its instances run.
type Stage struct {
	Group     string   `json:"group"`
	Instances []string `json:"instances"`
	Program   Program  `json:"program"`
	// Exe is exec.path as the job wrote it (SCRIPT_FILENAME).
	Exe string `json:"exe,omitempty"`
	// Args follow argv[0]; Argv0 is exec.name ("": the instance name).
	Args  []string          `json:"args,omitempty"`
	Argv0 string            `json:"argv0,omitempty"`
	Env   map[string]string `json:"env,omitempty"`
	// Input is the device that shows an instance's object (stdin, input
	// or script; "": none).
	Input string `json:"input,omitempty"`
	// Output is the device whose data becomes an instance's output object
	// (stdout, stderr or output; "": none), and Outputs the object of each
	// instance, relative to Plan.Output.
	Output  string   `json:"output,omitempty"`
	Outputs []string `json:"outputs,omitempty"`
	// OutputType and OutputMeta are the output device's content_type and
	// meta, stored with each output object where the store keeps them.
	OutputType string            `json:"output_type,omitempty"`
	OutputMeta map[string]string `json:"output_meta,omitempty"`
	// More are the group's further stored devices (stdout and stderr both
	// with paths), each instance's bytes stored at its own object,
	// committed with Output's.
	More []StoredOutput `json:"more,omitempty"`
	// Reply are the path-less writable devices (stdout, stderr, output),
	// in the order the group lists them: what an instance writes to them
	// is its part of the job's reply (see Reply), as ZeroCloud returned
	// such channels in its HTTP response.
	Reply []string `json:"reply,omitempty"`
	// ReplyType is the content_type of the first path-less device that
	// has one.
	ReplyType string `json:"reply_type,omitempty"`
	// Image is the group's image device (nil: none).
	Image *Image `json:"image,omitempty"`
}

// StoredOutput is a further stored device of a stage (see Stage.More).
type StoredOutput struct {
	// Device is stdout, stderr or output; Outputs, Type and Meta are as
	// Stage's Outputs, OutputType and OutputMeta.
	Device  string            `json:"device"`
	Outputs []string          `json:"outputs"`
	Type    string            `json:"type,omitempty"`
	Meta    map[string]string `json:"meta,omitempty"`
}

// stored reports whether dev is one of st's stored devices.
func (st *Stage) stored(dev string) bool {
	if dev == st.Output {
		return true
	}
	for _, m := range st.More {
		if m.Device == dev {
			return true
		}
	}
	return false
}

// Program kinds.
const (
	ProgramSystem = "system" // a host program standing in for a system image's (Path: "python3")
	ProgramBundle = "bundle" // a file of the job's bundle (Path relative to it)
	ProgramSwift  = "swift"  // an object (Path: its zebra swift:// URL), fetched by each worker
	ProgramImage  = "image"  // a file of the stage's image (Path relative to it)
)

// Program is what an instance executes.
type Program struct {
	Kind string `json:"kind"`
	Path string `json:"path"`
}

// instanceNames are a group's instance names: the group's name for one
// instance, else name-1 ... name-n.
func instanceNames(group string, n int) []string {
	if n == 1 {
		return []string{group}
	}
	out := make([]string, n)
	for i := range out {
		out[i] = group + "-" + strconv.Itoa(i+1)
	}
	return out
}
