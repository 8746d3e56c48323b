package zerocloud

import (
	"errors"
	"fmt"
	"strings"
)

// Job is a parsed ZeroCloud job description: its node groups, in the order
// they were written.
type Job struct {
	Groups []*Group
	// Warnings are what Parse ignored (a group's unknown keys), one
	// message per key naming its file, group and field.
	Warnings []string `json:"-"`
}

// Group is one node group. Its JSON keys are ZeroCloud's; Marshal writes
// them back so that a parsed job parses again to the same job.
type Group struct {
	Name    string   `json:"name"`
	Exec    Exec     `json:"exec"`
	Devices []Device `json:"devices,omitempty"`
	// Count is the number of instances (0 means 1); ignored when a
	// readable device has a wildcard.
	Count     int      `json:"count,omitempty"`
	Connect   []string `json:"connect,omitempty"`
	Replicate int      `json:"replicate,omitempty"`
	Attach    string   `json:"attach,omitempty"`
	Location  string   `json:"location,omitempty"`
}

// Exec says what a group's instances run.
type Exec struct {
	// Path is swift://account/container/object, file://image:path (a
	// system image) or a path relative to the job's bundle.
	Path string `json:"path"`
	// Args is the command line after argv[0], as one string.
	Args string            `json:"args,omitempty"`
	Env  map[string]string `json:"env,omitempty"`
	// Name overrides argv[0] (default: the instance name).
	Name string `json:"name,omitempty"`
}

// Device is one channel of a group.
type Device struct {
	Name        string            `json:"name"`
	Path        string            `json:"path,omitempty"`
	ContentType string            `json:"content_type,omitempty"`
	Meta        map[string]string `json:"meta,omitempty"`
	Mode        string            `json:"mode,omitempty"`
	MinSize     int64             `json:"min_size,omitempty"`
}

// Device roles.
var (
	readable = map[string]bool{"stdin": true, "input": true, "image": true, "script": true}
	writable = map[string]bool{"stdout": true, "stderr": true, "output": true}
	// sysImages are the system images zebra provides; each maps to a host
	// interpreter (see docs/zerocloud.md).
	sysImages = map[string]bool{"python2.7": true, "python3": true}
)

// Readable reports whether a device name is one the app reads.
func (d Device) Readable() bool { return readable[d.Name] }

// Writable reports whether a device name is one the app writes.
func (d Device) Writable() bool { return writable[d.Name] }

// wildcard reports whether a path has a ZeroCloud wildcard.
func wildcard(p string) bool { return strings.Contains(p, "*") }

// FieldError is one problem of a job description: the file, the group
// (by index, and by name when it has one), the field and what is wrong.
type FieldError struct {
	File  string
	Group int // -1: the job as a whole
	Name  string
	Field string // e.g. "devices[1].path"
	Msg   string

	unparsable bool // the description is not JSON (see ErrUnparsable)
	noSlots    bool // the cluster is too small for the job (see ErrNoSlots)
}

func (e *FieldError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	b.WriteString(": ")
	if e.Group >= 0 {
		if e.Name != "" {
			fmt.Fprintf(&b, "group %q (index %d): ", e.Name, e.Group)
		} else {
			fmt.Fprintf(&b, "group (index %d): ", e.Group)
		}
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// ErrorList is every problem found in a job description, one per line.
type ErrorList []*FieldError

func (l ErrorList) Error() string {
	s := make([]string, len(l))
	for i, e := range l {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

// problems collects FieldErrors for one file.
type problems struct {
	file     string
	list     ErrorList
	warnings []string
}

func (p *problems) add(g int, name, field, format string, args ...any) {
	p.list = append(p.list, &FieldError{File: p.file, Group: g, Name: name, Field: field, Msg: fmt.Sprintf(format, args...)})
}

// ErrUnparsable is matched (errors.Is) by the error of a description
// that is not a JSON array at all, which ZeroCloud answered with 422
// ("Could not parse system map") rather than 400.
var ErrUnparsable = errors.New("the job description cannot be parsed")

// Is reports whether l is ErrUnparsable's or ErrNoSlots'.
func (l ErrorList) Is(target error) bool {
	switch target {
	case ErrUnparsable:
		return len(l) > 0 && l[0].unparsable
	case ErrNoSlots:
		return len(l) > 0 && l[0].noSlots
	}
	return false
}

// unparsable returns the problems as the error of a description that
// cannot be parsed.
func (p *problems) unparsable() error {
	if len(p.list) > 0 {
		p.list[0].unparsable = true
	}
	return p.err()
}

func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	return p.list
}
