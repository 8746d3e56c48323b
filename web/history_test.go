package web

import (
	"archive/zip"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"zebra/jobtracker/api"
	"zebra/mapreduce"
)

// TestHistoryStockClientRoutes: the routes and answers a stock
// JobHistory Server client relies on beyond TestHistoryAPI's.
func TestHistoryStockClientRoutes(t *testing.T) {
	f := newFixture(t, false)
	base := "/ws/v1/history/mapreduce/jobs/"

	var ja struct {
		JobAttempts struct{ JobAttempt []api.HSJobAttempt } `json:"jobAttempts"`
	}
	f.getJSON(base+f.done+"/jobattempts", credA, &ja)
	if len(ja.JobAttempts.JobAttempt) != 1 || ja.JobAttempts.JobAttempt[0].ID != 1 || ja.JobAttempts.JobAttempt[0].StartTime == 0 {
		t.Errorf("jobattempts: %+v", ja)
	}

	// Counters: zero-valued ones listed, Shuffle Errors for a job with a
	// reduce; a task's are its successful attempt's.
	var jc struct {
		JobCounters struct{ CounterGroup []api.HSCounterGroup } `json:"jobCounters"`
	}
	f.getJSON(base+f.done+"/counters", credA, &jc)
	names := map[string]map[string]int64{}
	for _, g := range jc.JobCounters.CounterGroup {
		names[g.Name] = map[string]int64{}
		for _, c := range g.Counters {
			names[g.Name][c.Name] = c.Total
		}
	}
	if v, ok := names["org.apache.hadoop.mapreduce.TaskCounter"]["COMBINE_INPUT_RECORDS"]; !ok || v != 0 {
		t.Errorf("COMBINE_INPUT_RECORDS: %v %v", v, ok)
	}
	if len(names["Shuffle Errors"]) != 6 {
		t.Errorf("Shuffle Errors: %v", names["Shuffle Errors"])
	}
	task := mapreduce.TaskOfAttempt(f.failed)
	var tc struct {
		JobTaskCounters struct {
			ID               string
			TaskCounterGroup []api.HSTaskCounterGroup
		} `json:"jobTaskCounters"`
	}
	f.getJSON(base+f.done+"/tasks/"+task+"/counters", credA, &tc)
	if tc.JobTaskCounters.ID != task || counterValue(tc.JobTaskCounters.TaskCounterGroup, "MAP_INPUT_RECORDS") != 10 {
		t.Errorf("task counters: %+v", tc)
	}
	var ac struct {
		JobTaskAttemptCounters struct {
			ID                      string
			TaskAttemptCounterGroup []api.HSTaskCounterGroup
		} `json:"jobTaskAttemptCounters"`
	}
	f.getJSON(base+f.done+"/tasks/"+task+"/attempts/"+f.failed+"/counters", credA, &ac)
	if ac.JobTaskAttemptCounters.ID != f.failed || len(ac.JobTaskAttemptCounters.TaskAttemptCounterGroup) != 0 {
		t.Errorf("failed attempt's counters (not kept): %+v", ac)
	}

	// A reduce attempt has the phase fields; the worker's log server
	// address is the node's HTTP address.
	var tasks struct {
		Tasks struct{ Task []api.HSTask } `json:"tasks"`
	}
	f.getJSON(base+f.done+"/tasks?type=r", credA, &tasks)
	var raw map[string]map[string]any
	f.getJSON(base+f.done+"/tasks/"+tasks.Tasks.Task[0].ID+"/attempts/"+tasks.Tasks.Task[0].SuccessfulAttempt, credA, &raw)
	for _, k := range []string{"shuffleFinishTime", "mergeFinishTime", "elapsedShuffleTime", "elapsedMergeTime", "elapsedReduceTime"} {
		if _, ok := raw["taskAttempt"][k]; !ok {
			t.Errorf("reduce attempt has no %s: %v", k, raw)
		}
	}
	if addr, _ := raw["taskAttempt"]["nodeHttpAddress"].(string); addr == "" || !strings.HasPrefix(f.w.logSrv.URL, "http://"+addr) {
		t.Errorf("nodeHttpAddress %q, the worker serves at %s", addr, f.w.logSrv.URL)
	}

	// Errors in Hadoop's shape: an unknown route, a state JobState does
	// not name (Enum.valueOf's message).
	resp, body := f.req(http.MethodGet, "/ws/v1/history/mapreduce/bogus", credA, nil)
	if resp.StatusCode != 404 || !strings.Contains(body, `"exception":"NotFoundException"`) ||
		!strings.Contains(body, `"javaClassName":"org.apache.hadoop.yarn.webapp.NotFoundException"`) {
		t.Errorf("unknown route: %d %s", resp.StatusCode, body)
	}
	for _, state := range []string{"BOGUS", "running"} {
		resp, body = f.req(http.MethodGet, base[:len(base)-1]+"?state="+state, credA, nil)
		var e struct {
			RemoteException struct{ Exception, Message, JavaClassName string }
		}
		json.Unmarshal([]byte(body), &e)
		if resp.StatusCode != 400 || e.RemoteException.Exception != "IllegalArgumentException" ||
			e.RemoteException.JavaClassName != "java.lang.IllegalArgumentException" ||
			e.RemoteException.Message != "No enum constant org.apache.hadoop.mapreduce.v2.api.records.JobState."+state {
			t.Errorf("state=%s: %d %s", state, resp.StatusCode, body)
		}
	}
	var jobs struct {
		Jobs struct{ Job []api.HSJob } `json:"jobs"`
	}
	f.getJSON(base[:len(base)-1]+"?state=RUNNING", credA, &jobs)
	if len(jobs.Jobs.Job) != 1 || jobs.Jobs.Job[0].ID != f.running {
		t.Errorf("state=RUNNING: %+v", jobs)
	}

	// XML on request, laid out as JAXB does.
	resp, body = f.req(http.MethodGet, base[:len(base)-1], credA, nil, "Accept", "application/xml")
	var xjobs struct {
		XMLName xml.Name `xml:"jobs"`
		Job     []struct {
			ID        string `xml:"id"`
			MapsTotal int    `xml:"mapsTotal"`
		} `xml:"job"`
	}
	if err := xml.Unmarshal([]byte(body), &xjobs); err != nil || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/xml") ||
		len(xjobs.Job) != 2 || xjobs.Job[0].ID == "" {
		t.Errorf("XML jobs: %v %q %+v\n%s", err, resp.Header.Get("Content-Type"), xjobs, body)
	}
	resp, body = f.req(http.MethodGet, "/ws/v1/history/mapreduce/bogus", credA, nil, "Accept", "application/xml")
	var xe struct {
		XMLName   xml.Name `xml:"RemoteException"`
		Exception string   `xml:"exception"`
	}
	if err := xml.Unmarshal([]byte(body), &xe); err != nil || resp.StatusCode != 404 || xe.Exception != "NotFoundException" {
		t.Errorf("XML error: %v %d %s", err, resp.StatusCode, body)
	}
}

func counterValue(gs []api.HSTaskCounterGroup, name string) int64 {
	for _, g := range gs {
		for _, c := range g.Counters {
			if c.Name == name {
				return c.Value
			}
		}
	}
	return -1
}

// TestHistoryKilledAttempts: killedMapAttempts counts the map attempts
// of a killed job.
func TestHistoryKilledAttempts(t *testing.T) {
	f := newFixture(t, false)
	if err := f.client(credA).Do(t.Context(), http.MethodPost, "/api/v1/jobs/"+f.running+"/kill", nil, nil); err != nil {
		t.Fatal(err)
	}
	f.w.stopKilled()
	f.waitState(f.running, api.StateKilled)
	var raw map[string]map[string]any
	f.getJSON("/ws/v1/history/mapreduce/jobs/"+f.running, credA, &raw)
	if raw["job"]["killedMapAttempts"] != 2.0 || raw["job"]["state"] != "KILLED" {
		t.Errorf("killed job: %v", raw["job"])
	}
}

// TestHistoryBasicAuth: stock clients authenticate with HTTP Basic (the
// cluster token as user zebra's password, or a Swift account and token);
// no Basic challenge is sent, and an unsafe Basic request from another
// site is refused.
func TestHistoryBasicAuth(t *testing.T) {
	f := newFixture(t, false)
	get := func(user, pass string) (*http.Response, string) {
		r, _ := http.NewRequest(http.MethodGet, f.srv.URL+"/ws/v1/history/mapreduce/jobs", nil)
		r.SetBasicAuth(user, pass)
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, string(b)
	}
	for _, c := range []struct {
		user, pass string
		want, jobs int
	}{{"zebra", adminToken, 200, 3}, {"", adminToken, 200, 3}, {tenantA, "tk-alice", 200, 2}, {"zebra", credB, 200, 1},
		{"zebra", "wrong", 401, 0}, {tenantA, "tk-bob", 401, 0}, {"admin", adminToken, 401, 0}} {
		resp, body := get(c.user, c.pass)
		if resp.StatusCode != c.want || strings.Contains(resp.Header.Get("WWW-Authenticate"), "Basic") {
			t.Errorf("%s: %d %q %s", c.user, resp.StatusCode, resp.Header.Get("WWW-Authenticate"), body)
			continue
		}
		if c.want == 200 {
			var jobs struct {
				Jobs struct{ Job []api.HSJob } `json:"jobs"`
			}
			json.Unmarshal([]byte(body), &jobs)
			if len(jobs.Jobs.Job) != c.jobs {
				t.Errorf("%s sees %d jobs, want %d", c.user, len(jobs.Jobs.Job), c.jobs)
			}
		}
	}
	r, _ := http.NewRequest(http.MethodPost, f.srv.URL+"/api/v1/jobs/"+f.running+"/kill", nil)
	r.SetBasicAuth("zebra", adminToken)
	r.Header.Set("Origin", "https://evil.example")
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if st, _ := f.tr.Status(f.running); resp.StatusCode != http.StatusForbidden || st.State != api.StateRunning {
		t.Errorf("cross-site Basic kill: %d, job %s", resp.StatusCode, st.State)
	}
}

// TestConfRedaction: the conf and the command line hide sensitive
// settings and every -cmdenv value.
func TestConfRedaction(t *testing.T) {
	p := &api.Plan{Name: "j", Reduces: 2, Conf: map[string]string{"fs.s3a.secret.key": "s1", "my.password": "s2",
		"stream.addenvironment": "HADOOP_ROOT_LOGGER= A=s3 B= C=first second", "mapreduce.task.timeout": "5"}}
	got := map[string]api.HSProperty{}
	for _, prop := range confOf(p) {
		got[prop.Name] = prop
	}
	if got["fs.s3a.secret.key"].Value != redacted || got["my.password"].Value != redacted ||
		got["stream.addenvironment"].Value != "HADOOP_ROOT_LOGGER= A="+redacted+" B= C="+redacted+" "+redacted {
		t.Errorf("redaction: %+v", got)
	}
	if got["mapreduce.task.timeout"].Value != "5" || got["mapreduce.job.reduces"].Value != "2" ||
		got["mapreduce.task.io.sort.mb"].Source[0] != sourceMapredDefault {
		t.Errorf("settings: %+v", got)
	}
	args := redactArgs([]string{"-cmdenv", "TOKENLESS=s4", "-D", "x.password=s5", "-Dy.secret=s6", "-D", "plain=ok"})
	if strings.Join(args, " ") != "-cmdenv TOKENLESS="+redacted+" -D x.password="+redacted+" -Dy.secret="+redacted+" -D plain=ok" {
		t.Errorf("args: %q", args)
	}
}

// hadoopLib is the Hadoop installation's jar directory (the oracle's;
// "" if it is not installed).
func hadoopLib() string {
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	dir := filepath.Join(home, ".cache", "zebra", "hadoop-3.4.1", "lib")
	if _, err := os.Stat(dir); err != nil {
		return ""
	}
	return dir
}

// hadoopDefaultsFile reads a *-default.xml out of a Hadoop jar.
func hadoopDefaultsFile(t *testing.T, jar, name string) map[string]string {
	z, err := zip.OpenReader(jar)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	f, err := z.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var doc struct {
		Property []struct {
			Name  string `xml:"name"`
			Value string `xml:"value"`
		} `xml:"property"`
	}
	if err := xml.NewDecoder(f).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, p := range doc.Property {
		out[p.Name] = p.Value
	}
	return out
}

// TestHadoopDefaultsMatchHadoop: the defaults the conf route shows are
// Hadoop 3.4.1's (read from its jars), and sensitiveConf redacts every
// key Hadoop's default hadoop.security.sensitive-config-keys patterns
// match. Needs the oracle's Hadoop installation (scripts/test.sh installs
// it); skipped without it.
func TestHadoopDefaultsMatchHadoop(t *testing.T) {
	lib := hadoopLib()
	if lib == "" {
		t.Skip("Hadoop 3.4.1 (the oracle) is not installed under ~/.cache/zebra")
	}
	files := map[string]map[string]string{
		sourceMapredDefault: hadoopDefaultsFile(t, filepath.Join(lib, "hadoop-mapreduce-client-core-3.4.1.jar"), "mapred-default.xml"),
		sourceCoreDefault:   hadoopDefaultsFile(t, filepath.Join(lib, "hadoop-common-3.4.1.jar"), "core-default.xml"),
	}
	for k, d := range hadoopDefaults {
		if v, ok := files[d.source][k]; !ok || strings.TrimSpace(v) != d.value {
			t.Errorf("%s: zebra says %q (%s), Hadoop %q (present %v)", k, d.value, d.source, v, ok)
		}
	}
	patterns := strings.FieldsFunc(files[sourceCoreDefault]["hadoop.security.sensitive-config-keys"], func(r rune) bool {
		return r == ',' || r == '\n' || r == ' ' || r == '\t'
	})
	if !slices.Equal(patterns, hadoopSensitiveKeys) {
		t.Errorf("Hadoop's hadoop.security.sensitive-config-keys is\n%q\nzebra's list\n%q", patterns, hadoopSensitiveKeys)
	}
	// Every key Hadoop's ConfigRedactor redacts (a pattern found anywhere
	// in the key, case-sensitively) zebra redacts: the keys of Hadoop's
	// default files, and keys made from each pattern (".*" as nothing,
	// one segment or two; "." as any character; text before and after
	// unless anchored).
	keys := []string{}
	for _, f := range files {
		for k := range f {
			keys = append(keys, k)
		}
	}
	for _, p := range patterns {
		anchored := strings.HasSuffix(p, "$")
		core := strings.TrimSuffix(p, "$")
		for _, star := range []string{"", ".bucket", ".a.b"} {
			for _, dot := range []string{".", "_"} {
				k := strings.ReplaceAll(strings.ReplaceAll(core, ".*", "\x00"), ".", dot)
				k = strings.ReplaceAll(k, "\x00", star)
				keys = append(keys, k, "some.prefix."+k)
				if !anchored {
					keys = append(keys, k+".suffix", "x"+k+"y")
				}
			}
		}
	}
	var hadoop []*regexp.Regexp
	for _, p := range patterns {
		hadoop = append(hadoop, regexp.MustCompile(p))
	}
	n := 0
	for _, k := range keys {
		for _, re := range hadoop {
			if re.MatchString(k) {
				n++
				if !sensitiveConf.MatchString(k) {
					t.Errorf("Hadoop redacts %s (pattern %s), zebra does not", k, re)
				}
				break
			}
		}
	}
	if n < 100 {
		t.Errorf("only %d keys Hadoop redacts were tried", n)
	}
}

// TestCommandLineRedactionForms: the job page another tenant reads
// (PublicRead) shows the command line without any secret, in every form
// zebra's parser accepts (streaming/args.go, as commons-cli): two
// hyphens (--D, --jobconf, --cmdenv) as well as one, and every value of
// -jobconf, which takes several. The plain settings stay readable.
func TestCommandLineRedactionForms(t *testing.T) {
	h := newHarness(t, true)
	p := h.plan("redact-forms", 1, 0)
	secrets := []string{"sec-1", "sec-2", "sec-3", "sec-4", "sec-5", "sec-6"}
	p.Args = []string{"--D", "a.password=sec-1", "-D", "plain.one=visible-1", "-input", "in",
		"-jobconf", "plain.two=visible-2", "b.secret=sec-2", "--jobconf", "c.token=sec-3",
		"--cmdenv", "PLAIN=sec-4", "-cmdenv", "\"QUOTED=sec-5\"", "-jobconf", "d.credential=sec-6", "-mapper", "cat"}
	id := h.submit(credA, p)
	for _, cred := range []string{credB, credA} {
		resp, body := h.req(http.MethodGet, "/ui/jobs/"+id, cred, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("job page as %s: %s", cred, resp.Status)
		}
		for _, s := range secrets {
			if strings.Contains(body, s) {
				t.Errorf("the job page shows %s the secret %s", cred, s)
			}
		}
		for _, v := range []string{"visible-1", "visible-2"} {
			if !strings.Contains(body, v) {
				t.Errorf("the job page hides the plain setting %s from %s", v, cred)
			}
		}
	}
}
