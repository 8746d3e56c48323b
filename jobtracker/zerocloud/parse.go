package zerocloud

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
)

// MaxSize bounds a job description (ZeroCloud's own limit was 64 KiB).
const MaxSize = 1 << 20

var (
	groupKeys  = []string{"name", "exec", "devices", "file_list", "count", "connect", "replicate", "attach", "location"}
	execKeys   = []string{"path", "args", "env", "name"}
	deviceKeys = []string{"name", "device", "path", "content_type", "meta", "mode", "min_size"}
)

// Parse reads a job description and validates it (see Validate). file
// names the description in error messages ("job.json"). Every problem
// found is returned, as an ErrorList; invalid JSON is reported with its
// line and column.
func Parse(file string, data []byte) (*Job, error) {
	p := &problems{file: file}
	if len(data) > MaxSize {
		p.add(-1, "", "", "the job description is %d bytes, more than the %d accepted", len(data), MaxSize)
		return nil, p.err()
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var raw any
	if err := dec.Decode(&raw); err != nil {
		p.add(-1, "", "", "invalid JSON%s", jsonWhere(data, err))
		return nil, p.unparsable()
	}
	if _, err := dec.Token(); err != io.EOF {
		p.add(-1, "", "", "invalid JSON at %s: unexpected data after the job's array", lineCol(data, dec.InputOffset()-1))
		return nil, p.unparsable()
	}
	var groups []json.RawMessage
	if err := json.Unmarshal(data, &groups); err != nil {
		p.add(-1, "", "", "want a JSON array of node groups ([{\"name\": ..., \"exec\": {...}}, ...]), not %s", kindOf(raw))
		return nil, p.unparsable()
	}
	job := &Job{}
	for i, g := range groups {
		job.Groups = append(job.Groups, parseGroup(p, i, g))
	}
	job.Warnings = p.warnings
	if len(p.list) > 0 {
		return nil, p.err()
	}
	if err := Validate(file, job); err != nil {
		return nil, err
	}
	return job, nil
}

// parseGroup decodes one node group, reporting unknown keys and values
// of the wrong type.
func parseGroup(p *problems, i int, data json.RawMessage) *Group {
	g := &Group{}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil || m == nil {
		p.add(i, "", "", "want a JSON object (a node group), not %s", kindOf(data))
		return g
	}
	if v, ok := m["name"]; ok {
		decode(p, i, "", "name", v, &g.Name)
	}
	name := g.Name
	ignoreUnknown(p, i, name, m, groupKeys)
	if v, ok := m["exec"]; ok {
		var em map[string]json.RawMessage
		if decode(p, i, name, "exec", v, &em) {
			unknown(p, i, name, "exec.", em, execKeys)
			for _, f := range []field{{"path", &g.Exec.Path}, {"args", &g.Exec.Args}, {"env", &g.Exec.Env}, {"name", &g.Exec.Name}} {
				if v, ok := em[f.key]; ok {
					decode(p, i, name, "exec."+f.key, v, f.dst)
				}
			}
		}
	}
	devKey := "devices"
	if _, ok := m["file_list"]; ok {
		if _, both := m["devices"]; both {
			p.add(i, name, "file_list", "give devices or its deprecated name file_list, not both")
		} else {
			devKey = "file_list"
		}
	}
	if v, ok := m[devKey]; ok {
		var list []json.RawMessage
		if decode(p, i, name, devKey, v, &list) {
			for j, dv := range list {
				g.Devices = append(g.Devices, parseDevice(p, i, name, fmt.Sprintf("%s[%d]", devKey, j), dv))
			}
		}
	}
	for _, f := range []field{{"count", &g.Count}, {"connect", &g.Connect}, {"replicate", &g.Replicate}, {"attach", &g.Attach}, {"location", &g.Location}} {
		if v, ok := m[f.key]; ok {
			decode(p, i, name, f.key, v, f.dst)
		}
	}
	if v, ok := m["count"]; ok && g.Count == 0 && string(bytes.TrimSpace(v)) != "null" {
		p.add(i, name, "count", "must be at least 1")
	}
	return g
}

// field is one JSON key and where its value goes.
type field struct {
	key string
	dst any
}

func parseDevice(p *problems, i int, group, fieldName string, data json.RawMessage) Device {
	var d Device
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil || m == nil {
		p.add(i, group, fieldName, "want a JSON object (a device), not %s", kindOf(data))
		return d
	}
	unknown(p, i, group, fieldName+".", m, deviceKeys)
	nameKey := "name"
	if _, ok := m["device"]; ok {
		if _, both := m["name"]; both {
			p.add(i, group, fieldName+".device", "give name or its deprecated form device, not both")
		} else {
			nameKey = "device"
		}
	}
	for _, f := range []field{{nameKey, &d.Name}, {"path", &d.Path}, {"content_type", &d.ContentType}, {"meta", &d.Meta}, {"mode", &d.Mode}, {"min_size", &d.MinSize}} {
		if v, ok := m[f.key]; ok {
			decode(p, i, group, fieldName+"."+f.key, v, f.dst)
		}
	}
	return d
}

// decode unmarshals v into dst, reporting a value of the wrong type.
func decode(p *problems, i int, group, field string, v json.RawMessage, dst any) bool {
	if err := json.Unmarshal(v, dst); err != nil {
		want := "another type"
		switch dst.(type) {
		case *string:
			want = "a string"
		case *int, *int64:
			want = "a whole number"
		case *[]string:
			want = "an array of strings"
		case *map[string]string:
			want = "an object of string values"
		case *map[string]json.RawMessage:
			want = "a JSON object"
		case *[]json.RawMessage:
			want = "a JSON array"
		}
		p.add(i, group, field, "want %s, not %s", want, kindOf(v))
		return false
	}
	return true
}

// ignoreUnknown warns about a group's unknown keys: ZeroCloud ignored
// them (its own Servlets.md example carries a stray "args"), so they are
// not errors.
func ignoreUnknown(p *problems, i int, group string, m map[string]json.RawMessage, known []string) {
	for _, k := range sortedKeys(m) {
		if !slices.Contains(known, k) {
			fe := &FieldError{File: p.file, Group: i, Name: group, Field: k,
				Msg: fmt.Sprintf("unknown field, ignored as ZeroCloud ignores it (known: %s)", strings.Join(known, ", "))}
			p.warnings = append(p.warnings, fe.Error())
		}
	}
}

func unknown(p *problems, i int, group, prefix string, m map[string]json.RawMessage, known []string) {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		found := false
		for _, kk := range known {
			if k == kk {
				found = true
			}
		}
		if !found {
			p.add(i, group, prefix+k, "unknown field (known: %s)", strings.Join(known, ", "))
		}
	}
}

// kindOf names the JSON type of a value for messages.
func kindOf(v any) string {
	if raw, ok := v.(json.RawMessage); ok {
		var x any
		if json.Unmarshal(raw, &x) != nil {
			return "invalid JSON"
		}
		v = x
	}
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case float64:
		return fmt.Sprintf("the number %v", x)
	case string:
		return fmt.Sprintf("the string %q", x)
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// jsonWhere locates a decoding error: " at line L, column C: why".
func jsonWhere(data []byte, err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return " at " + lineCol(data, se.Offset-1) + ": " + se.Error() // Offset is just past the bad byte
	}
	if errors.Is(err, io.EOF) {
		return ": the file is empty"
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return " at " + lineCol(data, int64(len(data))) + ": unexpected end of the file"
	}
	return ": " + err.Error()
}

// lineCol turns a byte offset into "line L, column C" (both from 1).
func lineCol(data []byte, off int64) string {
	off = min(max(off, 0), int64(len(data)))
	before := data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := int(off) - bytes.LastIndexByte(before, '\n')
	return fmt.Sprintf("line %d, column %d", line, col)
}
