package worker

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"

	"zebra/swiftfs"
)

// Content-type templates, as ZeroCloud's open had them: an open without
// ?app= runs the app registered for the object's Content-Type, in the
// object's account, at .zvm/<content-type>/config. That object is a
// ZeroCloud servlet template (a JSON job description, see
// docs/zerocloud.md); zebra takes its first group's exec: exec.path must
// be a swift:// app of the same account (a WebAssembly module or a script
// bundle, as ?app= names it) and exec.args its arguments. Placeholders
// {.name} and {.name=default} are replaced by the query parameter name
// (or the default), {.object_path} by the object's swift:// path, as
// ZeroCloud replaced them but JSON-escaped (see fillTemplate).

// templateContainer holds the content-type templates of an account.
const templateContainer = ".zvm"

// maxTemplate bounds a template (ZeroCloud's zerovm_maxconfig, 64 KiB).
const maxTemplate = 64 << 10

var (
	placeholder = regexp.MustCompile(`\{\.([A-Za-z0-9_]+)(?:=([^}]*))?\}`)
	// contentTypePath is a media type usable as a path: type/subtype of
	// token characters, no "." or ".." segment.
	contentTypePath = regexp.MustCompile(`^[A-Za-z0-9!#$&^_+-][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9!#$&^_+-][A-Za-z0-9!#$&^_.+-]*$`)
)

// templateApp returns the app (CONTAINER/OBJECT) and arguments the
// template for contentType in account names; a non-zero code is the
// status to answer with msg instead.
func templateApp(ctx context.Context, fs *swiftfs.FS, account, contentType, objectURL string, q map[string][]string) (app string, args []string, code int, msg string) {
	ct, _, _ := strings.Cut(contentType, ";")
	ct = strings.ToLower(strings.TrimSpace(ct))
	if !contentTypePath.MatchString(ct) {
		return "", nil, 400, fmt.Sprintf("no app: add ?app=CONTAINER/OBJECT (the object's Content-Type %q cannot name a template)", contentType)
	}
	name := "/" + templateContainer + "/" + ct + "/config"
	r, err := fs.Open(ctx, name, 0)
	if err != nil {
		if code := swiftStatus(err); code != 404 {
			return "", nil, code, "template " + templateContainer + "/" + ct + "/config: " + err.Error()
		}
		return "", nil, 404, fmt.Sprintf("no application registered for %s: add ?app=CONTAINER/OBJECT, or store a template at %s/%s/config", ct, templateContainer, ct)
	}
	defer r.Close()
	data, err := io.ReadAll(io.LimitReader(r, maxTemplate+1))
	if err != nil {
		return "", nil, swiftStatus(err), "template " + templateContainer + "/" + ct + "/config: " + err.Error()
	}
	if len(data) > maxTemplate {
		return "", nil, 413, fmt.Sprintf("template %s/%s/config is larger than %d bytes", templateContainer, ct, maxTemplate)
	}
	data = fillTemplate(data, objectURL, q)
	var groups []struct {
		Exec struct {
			Path string `json:"path"`
			Args string `json:"args"`
		} `json:"exec"`
	}
	where := templateContainer + "/" + ct + "/config"
	if err := json.Unmarshal(data, &groups); err != nil || len(groups) == 0 {
		return "", nil, 422, fmt.Sprintf("template %s: want a JSON array of node groups with an exec: %v", where, err)
	}
	path := groups[0].Exec.Path
	rest, ok := strings.CutPrefix(path, "swift://")
	if !ok {
		return "", nil, 422, fmt.Sprintf("template %s: exec.path %q is not a swift:// app (zebra's open runs WebAssembly modules and script bundles stored in Swift)", where, path)
	}
	acct, app, _ := strings.Cut(rest, "/")
	if acct != account && acct != "~" {
		return "", nil, 403, fmt.Sprintf("template %s: exec.path %s is in another account", where, path)
	}
	if c, o, ok := strings.Cut(app, "/"); !ok || c == "" || o == "" {
		return "", nil, 422, fmt.Sprintf("template %s: exec.path %s is not swift://ACCOUNT/CONTAINER/OBJECT", where, path)
	}
	return app, strings.Fields(groups[0].Exec.Args), 0, ""
}

// bareObjectPath is {.object_path} as a JSON value (ZeroCloud's own
// templates write "path": {.object_path}).
var bareObjectPath = regexp.MustCompile(`:\s*\{\.object_path\}`)

// fillTemplate replaces a template's placeholders as ZeroCloud did, but
// with JSON-escaped values, so that a query parameter cannot close the
// string it lands in and rewrite the job.
func fillTemplate(data []byte, objectURL string, q map[string][]string) []byte {
	quoted, _ := json.Marshal(objectURL)
	data = bareObjectPath.ReplaceAll(data, append([]byte(": "), quoted...))
	return placeholder.ReplaceAllFunc(data, func(m []byte) []byte {
		sub := placeholder.FindSubmatch(m)
		v := string(sub[2])
		switch name := string(sub[1]); {
		case name == "object_path":
			v = objectURL
		case len(q[name]) > 0:
			v = q[name][0]
		}
		b, _ := json.Marshal(v)
		return b[1 : len(b)-1]
	})
}
