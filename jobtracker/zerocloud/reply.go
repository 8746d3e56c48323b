package zerocloud

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"zebra/jobtracker/api"
	"zebra/mapreduce"
)

// A ZeroCloud job answers its POST with what its instances wrote to
// path-less channels (the body) and one X-Nexe-* value per instance (the
// headers), as ZeroCloud's proxy did. Each instance leaves its part in its
// attempt's log directory on the worker (ReplyFile, ReportFile), which the
// jobtracker reads through the worker's log server once the job has ended.

// Files an instance leaves in its attempt's log directory.
const (
	// ReplyFile holds what the instance wrote to its path-less stdout,
	// stderr and output devices, in the order its group lists them.
	ReplyFile = "zerocloud-reply"
	// ReportFile holds the instance's Report as JSON.
	ReportFile = "zerocloud-report.json"
)

// ReplyOutput is the plan output of a job whose last group stores
// nothing: a store that keeps nothing (see RegisterReplyStore).
const ReplyOutput = "zerocloud:reply"

// MaxReply bounds what one instance may return in the reply (the rest is
// dropped, and its report says so).
const MaxReply = 64 << 20

// Report is what one instance tells of its run: ZeroVM's execution report
// as ZeroCloud returned it in the X-Nexe-* headers.
type Report struct {
	// System is the instance's name (X-Nexe-System).
	System string `json:"system"`
	// Status is "ok." when the app ran to its end (whatever its exit code),
	// else why it did not (X-Nexe-Status).
	Status string `json:"status"`
	// Retcode is the app's exit code (128+N for signal N) (X-Nexe-Retcode).
	Retcode int `json:"retcode"`
	// Validation is ZeroVM's validator status; 0 (zebra does not validate
	// native code, it sandboxes it) (X-Nexe-Validation).
	Validation int `json:"validation"`
	// Etag is "disabled": ZeroVM computed channel checksums only on demand
	// (X-Nexe-Etag).
	Etag string `json:"etag"`
	// Cdr is the accounting line: "<real s> <sys s> <user s> ..." (X-Nexe-Cdr-Line).
	Cdr string `json:"cdr"`
	// ReplyType is the content_type of the instance's first path-less
	// channel ("": none given).
	ReplyType string `json:"reply_type,omitempty"`
	// Truncated says that the instance wrote more than MaxReply.
	Truncated bool `json:"truncated,omitempty"`
}

// Reply is a finished job's answer, assembled from its instances'
// reports in node order (groups in data-flow order, instances in order).
type Reply struct {
	Header http.Header
	Body   []byte
}

// ReplyHeaderNames are the aggregated headers, in the order ZeroCloud
// documents them (Response.md).
var ReplyHeaderNames = []string{"X-Nexe-System", "X-Nexe-Status", "X-Nexe-Retcode", "X-Nexe-Etag", "X-Nexe-Validation", "X-Nexe-Cdr-Line", "X-Nexe-Policy", "X-Nexe-Colocated"}

// AssembleReply builds a job's reply from its instances' reports and
// reply bytes (same order; a nil report is an instance whose report could
// not be read: "ZeroVM did not run", as ZeroCloud says of an instance
// that never ran). Every X-Nexe-* header is the comma-joined list of one
// value per instance; the body is the concatenation of the replies and
// its Content-Type the first instance's that has one (see ReplyHeader).
func AssembleReply(reports []*Report, bodies [][]byte) Reply {
	var body bytes.Buffer
	first := -1
	for i := range reports {
		if i < len(bodies) && len(bodies[i]) > 0 {
			if first < 0 {
				first = i
			}
			body.Write(bodies[i])
		}
	}
	return Reply{Header: ReplyHeader(reports, first), Body: body.Bytes()}
}

// ReplyHeader is the header of a job's reply (see AssembleReply): first
// is the first instance whose reply is not empty, whose report's
// ReplyType is the Content-Type (-1: none is, text/plain). The body can
// then be relayed instance by instance.
func ReplyHeader(reports []*Report, first int) http.Header {
	vals := map[string][]string{}
	ctype := ""
	var errs []string
	for i, r := range reports {
		if r == nil {
			r = &Report{Status: "ZeroVM did not run", Cdr: "0.0 0.0 0 0 0 0 0 0 0 0"}
		}
		vals["X-Nexe-System"] = append(vals["X-Nexe-System"], r.System)
		vals["X-Nexe-Status"] = append(vals["X-Nexe-Status"], strings.ReplaceAll(r.Status, ",", ";"))
		vals["X-Nexe-Retcode"] = append(vals["X-Nexe-Retcode"], strconv.Itoa(r.Retcode))
		vals["X-Nexe-Etag"] = append(vals["X-Nexe-Etag"], r.Etag)
		vals["X-Nexe-Validation"] = append(vals["X-Nexe-Validation"], strconv.Itoa(r.Validation))
		vals["X-Nexe-Cdr-Line"] = append(vals["X-Nexe-Cdr-Line"], r.Cdr)
		vals["X-Nexe-Policy"] = append(vals["X-Nexe-Policy"], "")
		vals["X-Nexe-Colocated"] = append(vals["X-Nexe-Colocated"], "0")
		if r.Retcode != 0 && r.System != "" {
			errs = append(errs, r.System+": bad return code")
		}
		if i == first {
			ctype = r.ReplyType
		}
	}
	h := http.Header{}
	for _, k := range ReplyHeaderNames {
		h.Set(k, strings.Join(vals[k], ","))
	}
	if len(errs) > 0 {
		h.Set("X-Nexe-Error", strings.Join(errs, "; "))
	}
	if ctype == "" {
		ctype = "text/plain"
	}
	h.Set("Content-Type", ctype)
	return h
}

// HasReply reports whether a zerocloud plan's job answers with a reply
// (its last group stores nothing, or a group has a path-less channel).
func HasReply(pl *api.Plan) bool {
	if pl.Output == ReplyOutput {
		return true
	}
	var spec Spec
	if json.Unmarshal(pl.Spec, &spec) != nil {
		return false
	}
	for _, st := range spec.Stages {
		if len(st.Reply) > 0 {
			return true
		}
	}
	return false
}

// ParseReport reads a ReportFile.
func ParseReport(data []byte) (*Report, error) {
	var r Report
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("read instance report: %w", err)
	}
	return &r, nil
}

// ReplyTasks returns the tasks of a zerocloud plan's spec in node order,
// as ("m" or "r", index) pairs: stage 0's instances are the maps, stage
// 1's the reduces; a graph's instances are all maps, in order.
func ReplyTasks(specJSON []byte) (kinds []string, idx []int, err error) {
	var spec Spec
	if err := json.Unmarshal(specJSON, &spec); err != nil {
		return nil, nil, fmt.Errorf("read zerocloud spec: %w", err)
	}
	for k, st := range spec.Stages {
		kind := "m"
		if k == 1 && spec.Graph == nil {
			kind = "r"
		}
		for i := range st.Instances {
			kinds = append(kinds, kind)
			if spec.Graph != nil {
				i = len(idx) // a graph's instances are its maps, in order
			}
			idx = append(idx, i)
		}
	}
	return kinds, idx, nil
}

// RegisterReplyStore registers the "zerocloud" scheme of ReplyOutput: a
// store that holds nothing and accepts every write (a job whose last
// group stores nothing commits no file).
func RegisterReplyStore(reg *mapreduce.Registry) {
	reg.Register("zerocloud", func(_ context.Context, u *url.URL, raw string) (mapreduce.FS, string, error) {
		if raw != ReplyOutput {
			return nil, "", fmt.Errorf("%s: the zerocloud: scheme names only %s", raw, ReplyOutput)
		}
		return nullFS{}, "/reply", nil
	})
}

// nullFS is the store of ReplyOutput.
type nullFS struct{}

func (nullFS) Stat(_ context.Context, name string) (mapreduce.FileInfo, error) {
	return mapreduce.FileInfo{}, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
}
func (nullFS) List(context.Context, string) ([]mapreduce.FileInfo, error) { return nil, nil }
func (nullFS) Open(_ context.Context, name string, _ int64) (io.ReadCloser, error) {
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}
func (nullFS) Create(context.Context, string) (io.WriteCloser, error) { return discard{}, nil }
func (nullFS) MkdirAll(context.Context, string) error                 { return nil }
func (nullFS) Rename(context.Context, string, string) error           { return nil }
func (nullFS) RemoveAll(context.Context, string) error                { return nil }
func (nullFS) URI(name string) string                                 { return ReplyOutput }

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
func (discard) Close() error                { return nil }

// logDir returns the attempt's log directory ("" when the task's log is
// not a file, as in tests).
func logDir(t *mapreduce.TaskContext) string {
	if l, ok := t.Stderr.(interface{ Path() string }); ok && l.Path() != "" {
		return filepath.Dir(l.Path())
	}
	return ""
}

// writeReply leaves the instance's reply and report in its log directory.
func writeReply(dir string, rep *Report, parts []string) error {
	if dir == "" {
		return nil
	}
	out, err := os.Create(filepath.Join(dir, ReplyFile))
	if err != nil {
		return mapreduce.E("keep reply", mapreduce.Infra, dir, err)
	}
	left := int64(MaxReply)
	for _, p := range parts {
		n, err := copyChannel(out, p, left)
		if err != nil {
			out.Close()
			return err
		}
		left -= n
		if left <= 0 {
			rep.Truncated = true
			break
		}
	}
	if err := out.Close(); err != nil {
		return mapreduce.E("keep reply", mapreduce.Infra, dir, err)
	}
	b, _ := json.Marshal(rep)
	if err := os.WriteFile(filepath.Join(dir, ReportFile), b, 0o644); err != nil {
		return mapreduce.E("keep reply", mapreduce.Infra, dir, err)
	}
	return nil
}

// copyChannel copies up to limit bytes of the channel file p to w (see
// emitFile for why it is opened this way).
func copyChannel(w io.Writer, p string, limit int64) (int64, error) {
	var n int64
	err := emitFile(p, func(chunk []byte) error {
		if n >= limit {
			return errStop
		}
		chunk = chunk[:min(int64(len(chunk)), limit-n)]
		m, err := w.Write(chunk)
		n += int64(m)
		return err
	})
	if errors.Is(err, errStop) {
		err = nil
	}
	return n, err
}

var errStop = errors.New("enough")
