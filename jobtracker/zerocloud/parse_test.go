package zerocloud

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// wordcount is the job of the spec's example (docs/zerocloud.md).
const wordcount = `[
  {"name": "map",
   "exec": {"path": "file://python2.7:python", "args": "mapper.py"},
   "devices": [
     {"name": "python2.7"},
     {"name": "input",  "path": "swift://~/books/*.txt"},
     {"name": "stderr"}],
   "connect": ["reduce"]},
  {"name": "reduce",
   "exec": {"path": "file://python2.7:python", "args": "reducer.py"},
   "devices": [
     {"name": "python2.7"},
     {"name": "stdout", "path": "swift://~/results/wordcount.txt",
      "content_type": "text/plain"}]}
]`

func TestParseWordcount(t *testing.T) {
	job, err := Parse("job.json", []byte(wordcount))
	if err != nil {
		t.Fatal(err)
	}
	if len(job.Groups) != 2 || job.Groups[0].Name != "map" || job.Groups[1].Devices[1].Path != "swift://~/results/wordcount.txt" {
		t.Fatalf("parsed %+v", job.Groups)
	}
}

func TestParseDeprecatedKeys(t *testing.T) {
	job, err := Parse("job.json", []byte(`[{"name":"a","exec":{"path":"file://python2.7:python","args":"-c pass"},
		"file_list":[{"device":"stdout","path":"swift://~/c/out"}]}]`))
	if err != nil {
		t.Fatal(err)
	}
	if d := job.Groups[0].Devices; len(d) != 1 || d[0].Name != "stdout" {
		t.Fatalf("devices %+v", d)
	}
}

// TestParseErrors checks that each bad description is refused with a
// message naming the place and the field.
func TestParseErrors(t *testing.T) {
	ok := func(extra string) string {
		return `[{"name":"map","exec":{"path":"file://python2.7:python","args":"m.py"},"devices":[{"name":"input","path":"swift://~/in/*.txt"},{"name":"stdout","path":"swift://~/out/*.res"}]` + extra + `}]`
	}
	for _, tc := range []struct{ name, job, want string }{
		{"bad json", "[{\"name\": \"map\",\n \"exec\": }]", "job.json: invalid JSON at line 2, column 10"},
		{"truncated", `[{"name": "map"`, "job.json: invalid JSON at line 1, column 16: unexpected end"},
		{"empty", ``, "job.json: invalid JSON: the file is empty"},
		{"trailing", `[] []`, "unexpected data after the job's array"},
		{"not array", `{"name":"x"}`, "want a JSON array of node groups"},
		{"ignored group field, bad exec field", ok(`,"colour":"red","exec":{"path":"x","argv":"a"}`), `group "map" (index 0): exec.argv: unknown field`},
		{"unknown exec field", `[{"name":"map","exec":{"path":"x","argv":"a"}}]`, `group "map" (index 0): exec.argv: unknown field`},
		{"unknown device field", `[{"name":"map","exec":{"path":"x"},"devices":[{"name":"stdout","size":1}]}]`, `group "map" (index 0): devices[0].size: unknown field`},
		{"wrong type", `[{"name":"map","exec":{"path":"x"},"count":"3"}]`, `group "map" (index 0): count: want a whole number, not the string "3"`},
		{"no name", `[{"exec":{"path":"x"}}]`, `group (index 0): name: missing`},
		{"bad name", `[{"name":"map-1","exec":{"path":"x"}}]`, `name: "map-1": must be letters and digits only`},
		{"dup name", `[{"name":"a","exec":{"path":"x"},"devices":[{"name":"stdout","path":"swift://~/c/o"}]},{"name":"a","exec":{"path":"x"}}]`, `group "a" (index 1): name: the name is already used by group index 0`},
		{"no exec path", `[{"name":"a","exec":{}}]`, `group "a" (index 0): exec.path: missing`},
		{"abs exec path", `[{"name":"a","exec":{"path":"/bin/sh"}}]`, `exec.path: /bin/sh: an absolute host path is not allowed`},
		{"unknown image", `[{"name":"a","exec":{"path":"file://ruby:ruby"}}]`, `exec.path: file://ruby:ruby: unknown system image "ruby"`},
		{"bad device name", `[{"name":"a","exec":{"path":"x"},"devices":[{"name":"stdinn"}]}]`, `group "a" (index 0): devices[0].name: "stdinn": not a device name`},
		{"bad device path", `[{"name":"a","exec":{"path":"x"},"devices":[{"name":"input","path":"swift://books/a.txt"}]}]`, `devices[0].path: swift://books/a.txt: the first part of a ZeroCloud swift:// path is the account`},
		{"input without path", `[{"name":"a","exec":{"path":"x"},"devices":[{"name":"input"}]}]`, `devices[0].path: missing: input needs a swift:// object`},
		{"wildcard in, single out", `[{"name":"a","exec":{"path":"x"},"devices":[{"name":"input","path":"swift://~/in/*.txt"},{"name":"stdout","path":"swift://~/out/all.txt"}]}]`,
			`group "a" (index 0): devices[1].path: swift://~/out/all.txt: the readable device input has a wildcard`},
		{"too many stars", `[{"name":"a","exec":{"path":"x"},"devices":[{"name":"input","path":"swift://~/in/*.txt"},{"name":"stdout","path":"swift://~/out/*-*.txt"}]}]`,
			`devices[1].path: swift://~/out/*-*.txt has 2 wildcards but the input swift://~/in/*.txt has only 1`},
		{"single out, count", `[{"name":"a","count":3,"exec":{"path":"x"},"devices":[{"name":"stdout","path":"swift://~/out/all.txt"}]}]`,
			`devices[0].path: swift://~/out/all.txt: a single object cannot take the output of 3 instances`},
		{"connect unknown", `[{"name":"a","exec":{"path":"x"},"connect":["b"]}]`, `group "a" (index 0): connect[0]: "b": no group has this name`},
		{"self connect single", `[{"name":"a","exec":{"path":"x"},"connect":["a"]}]`, `connect[0]: a group may connect to itself only when it has more than one instance`},
		{"replicate", `[{"name":"a","exec":{"path":"x"},"replicate":2}]`, `replicate: not supported yet: replicate 2`},
		{"debug", `[{"name":"a","exec":{"path":"x"},"devices":[{"name":"debug","path":"tcp://h:1"}]}]`, `devices[0].name: not supported yet: debug devices`},
		{"bad args", `[{"name":"a","exec":{"path":"x","args":"'oops"}}]`, `exec.args: unbalanced single quote`},
		{"bad env", `[{"name":"a","exec":{"path":"x","env":{"1X":"y"}}}]`, `exec.env.1X: not a valid environment variable name`},
		{"image without path", `[{"name":"a","exec":{"path":"x"},"devices":[{"name":"image"}]}]`, `devices[0].path: missing: the image's tar`},
		{"image wildcard", `[{"name":"a","exec":{"path":"x"},"devices":[{"name":"image","path":"swift://~/img/*.tar"}]}]`, `devices[0].path: swift://~/img/*.tar: not supported yet: a wildcard in an image's path`},
		{"image file url", `[{"name":"a","exec":{"path":"x"},"devices":[{"name":"image","path":"file://python2.7:x.tar"}]}]`, `devices[0].path: file://python2.7:x.tar: an image is a swift:// object or a tar next to job.json`},
		{"image absolute", `[{"name":"a","exec":{"path":"x"},"devices":[{"name":"image","path":"/tmp/x.tar"}]}]`, `devices[0].path: /tmp/x.tar: an absolute host path is not allowed`},
		{"image outside", `[{"name":"a","exec":{"path":"x"},"devices":[{"name":"image","path":"../x.tar"}]}]`, `devices[0].path: ../x.tar: the path leaves the job's directory`},
		{"image account", `[{"name":"a","exec":{"path":"x"},"devices":[{"name":"image","path":"swift://img/x.tar"}]}]`, `devices[0].path: swift://img/x.tar: the first part of a ZeroCloud swift:// path is the account`},
		{"two images", `[{"name":"a","exec":{"path":"x"},"devices":[{"name":"image","path":"a.tar"},{"name":"image","path":"b.tar"}]}]`, `devices[1].name: "image" is already declared as devices[0]`},
		{"sysimage path", `[{"name":"a","exec":{"path":"x"},"devices":[{"name":"python3","path":"swift://~/c/o"}]}]`, `devices[0].path: a system image device takes no path`},
		{"bad content type", `[{"name":"a","exec":{"path":"x"},"devices":[{"name":"stdout","path":"swift://~/c/o","content_type":"text"}]}]`, `devices[0].content_type: "text": not a media type`},
		{"bad meta name", `[{"name":"a","exec":{"path":"x"},"devices":[{"name":"stdout","path":"swift://~/c/o","meta":{"a_b":"1"}}]}]`, `devices[0].meta.a_b: not a metadata name: letters, digits and - only`},
		{"meta newline", `[{"name":"a","exec":{"path":"x"},"devices":[{"name":"output","path":"swift://~/c/o","meta":{"k":"a\nb"}}]}]`, `devices[0].meta.k: the value has a control character`},
		{"meta too long", `[{"name":"a","exec":{"path":"x"},"devices":[{"name":"stdout","path":"swift://~/c/o","meta":{"k":"` + strings.Repeat("v", 257) + `"}}]}]`, `devices[0].meta.k: the value is 257 bytes long: Swift allows 256`},
		{"zero count", `[{"name":"a","exec":{"path":"x"},"count":0}]`, `count: must be at least 1`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("job.json", []byte(tc.job))
			if err == nil {
				t.Fatalf("accepted %s", tc.job)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error\n%v\nwant it to contain\n%s", err, tc.want)
			}
		})
	}
}

func TestSplitArgs(t *testing.T) {
	got, err := SplitArgs(`a "b c" 'd e' f\ g "h\"i"`)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a", "b c", "d e", "f g", `h"i`}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// FuzzParse checks that Parse never panics and that whatever it accepts,
// written back as JSON, is accepted again as the same job.
func FuzzParse(f *testing.F) {
	f.Add([]byte(wordcount))
	f.Add([]byte(`[{"name":"a","exec":{"path":"x","args":"'q' \"r\"","env":{"A":"b"}},"count":2,"devices":[{"name":"stdout","path":"swift://~/c/*"}]}]`))
	f.Add([]byte(`[{"name":"a","exec":{"path":"x"},"file_list":[{"device":"stdin","path":"swift://AUTH_x/c/o"}]}]`))
	f.Add([]byte(`[{"name":"a","exec":{"path":"x"},"connect":["a"],"count":3}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		job, err := Parse("fuzz.json", data)
		if err != nil {
			if job != nil {
				t.Fatal("a job and an error")
			}
			return
		}
		again, err := json.Marshal(job.Groups)
		if err != nil {
			t.Fatal(err)
		}
		job2, err := Parse("again.json", again)
		if err != nil {
			t.Fatalf("accepted %q but not its re-encoding %s: %v", data, again, err)
		}
		if err := Validate("again.json", job2); err != nil {
			t.Fatal(err)
		}
		again2, _ := json.Marshal(job2.Groups)
		if string(again) != string(again2) {
			t.Fatalf("re-encoding changed the job:\n%s\n%s", again, again2)
		}
	})
}

// TestParseIgnoresUnknownGroupKeys: ZeroCloud's own Servlets.md sort
// example carries "args" at the group level; ZeroCloud ignored it, so
// zebra parses the job and warns, naming the key.
// (my_account is AUTH_my_account: zebra requires the AUTH_ prefix.)
func TestParseIgnoresUnknownGroupKeys(t *testing.T) {
	job, err := Parse("job.json", []byte(`[{"name":"sort","exec":{"path":"swift://AUTH_my_account/exec/sort.nexe"},
		"devices":[{"name":"stdin","path":"swift://AUTH_my_account/data/binary*.data"},{"name":"stdout","path":"swift://AUTH_my_account/data/sorted*.data"},{"name":"stderr"}],
		"args":"1048576"}]`))
	if err != nil {
		t.Fatal(err)
	}
	if len(job.Warnings) != 1 || !strings.Contains(job.Warnings[0], `group "sort" (index 0): args: unknown field, ignored`) {
		t.Errorf("warnings %q, want one naming args", job.Warnings)
	}
	if job.Groups[0].Exec.Args != "" {
		t.Errorf("the stray group-level args became exec.args %q", job.Groups[0].Exec.Args)
	}
}

// TestParseUnparsable: only a description that is not a JSON array of
// groups is ErrUnparsable (ZeroCloud's 422); an invalid job is not.
func TestParseUnparsable(t *testing.T) {
	for _, tc := range []struct {
		job  string
		want bool
	}{
		{`[{"name": "map",`, true},
		{`{"name": "x"}`, true},
		{`[] []`, true},
		{`[{"name": "x", "exec": {"path": "file://python2.7:python", "colour": 1}}]`, false},
		{`[{"name": "a b", "exec": {"path": "x"}}]`, false},
	} {
		_, err := Parse("job.json", []byte(tc.job))
		if err == nil {
			t.Fatalf("%s: parsed", tc.job)
		}
		if got := errors.Is(err, ErrUnparsable); got != tc.want {
			t.Errorf("%s: ErrUnparsable %v, want %v (%v)", tc.job, got, tc.want, err)
		}
	}
}
