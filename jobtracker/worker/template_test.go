package worker

import (
	"context"
	"encoding/json"
	"testing"
)

// TestFillTemplate: placeholders are replaced as ZeroCloud replaced them
// (query value, else the default; the object's path, bare or in a
// string), but a query value cannot break out of its JSON string.
func TestFillTemplate(t *testing.T) {
	tpl := `[{"name":"x","exec":{"path":"swift://AUTH_a/apps/{.app=wc.zapp}","args":"--mode {.mode=count} {.object_path}"},"devices":[{"name":"stdin","path": {.object_path}}]}]`
	var job []struct {
		Exec    struct{ Path, Args string }
		Devices []struct{ Name, Path string }
	}
	out := fillTemplate([]byte(tpl), "swift://AUTH_a/c/o", map[string][]string{"mode": {`x","path":"swift://AUTH_b/evil`}})
	if err := json.Unmarshal(out, &job); err != nil {
		t.Fatalf("%s: %v", out, err)
	}
	if job[0].Exec.Path != "swift://AUTH_a/apps/wc.zapp" {
		t.Errorf("path %q", job[0].Exec.Path)
	}
	if want := `--mode x","path":"swift://AUTH_b/evil swift://AUTH_a/c/o`; job[0].Exec.Args != want {
		t.Errorf("args %q, want %q", job[0].Exec.Args, want)
	}
	if job[0].Devices[0].Path != "swift://AUTH_a/c/o" {
		t.Errorf("device path %q", job[0].Devices[0].Path)
	}
}

// TestTemplateContentTypeCannotLeaveZvm: the object's Content-Type is the
// tenant's (set at upload) and names the template's path; one that could
// leave .zvm/<type>/<subtype>/config (dot segments, extra slashes,
// encoded or control characters) is refused with 400 before any storage
// is touched (fs is nil here: a lookup would panic).
func TestTemplateContentTypeCannotLeaveZvm(t *testing.T) {
	for _, ct := range []string{"../etc", "text/..", "./plain", "../../AUTH_b/.zvm/text", "text/plain/../../x",
		"text//plain", "/text/plain", "text/plain/", "text/pl%2fain", "text/pl\nain", "text", "", "text/pl ain"} {
		app, _, code, msg := templateApp(context.Background(), nil, "AUTH_a", ct, "swift://AUTH_a/c/o", nil)
		if code != 400 || app != "" {
			t.Errorf("Content-Type %q: code %d app %q (%s), want 400", ct, code, app, msg)
		}
	}
}
