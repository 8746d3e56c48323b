package fsshell_test

// Stored oracle outputs of the FsShell conformance suite on local files:
// for each case, what Hadoop's FsShell printed for each command (exit
// code, stdout, stderr, normalised: <dir>, <now>) and the snapshot of the
// files it left, in testdata/oracle-local.json, recorded by
// scripts/oracle-record.sh (ZEBRA_ORACLE_RECORD=1 with live Hadoop).
// Without Hadoop the local cases compare zebra fs with these; with Hadoop
// the stored outputs must also equal live Hadoop's. The HDFS half needs
// Java for HDFS itself and runs against live Hadoop only.

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

const (
	storedFile   = "testdata/oracle-local.json"
	recordScript = "scripts/oracle-record.sh"
)

// storedCase is one case's stored Hadoop outcome.
type storedCase struct {
	// Lines are the case's command lines when it was recorded: a stored
	// case of other lines is stale.
	Lines    [][]string     `json:"lines"`
	Results  []storedResult `json:"results"`
	Snapshot string         `json:"snapshot"`
}

type storedResult struct {
	Code   int  `json:"code"`
	Stdout text `json:"stdout"`
	Stderr text `json:"stderr"`
}

// text is output: a JSON string when it is UTF-8, else {"base64": "..."}
// (`fs -cat` of a compressed file).
type text string

func (s text) MarshalJSON() ([]byte, error) {
	if utf8.ValidString(string(s)) {
		return json.Marshal(string(s))
	}
	return json.Marshal(map[string]string{"base64": base64.StdEncoding.EncodeToString([]byte(s))})
}

func (s *text) UnmarshalJSON(data []byte) error {
	var v string
	if err := json.Unmarshal(data, &v); err == nil {
		*s = text(v)
		return nil
	}
	var m map[string]string
	if err := json.Unmarshal(data, &m); err != nil {
		return err
	}
	raw, err := base64.StdEncoding.DecodeString(m["base64"])
	*s = text(raw)
	return err
}

// loadStored reads the stored outcomes (none when the file is missing).
func loadStored() (map[string]storedCase, error) {
	b, err := os.ReadFile(storedFile)
	if os.IsNotExist(err) {
		return map[string]storedCase{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read stored Hadoop outputs: %w", err)
	}
	m := map[string]storedCase{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("decode %s: %w (re-record it with %s)", storedFile, err, recordScript)
	}
	return m, nil
}

// saveStored writes m as the stored outcomes.
func saveStored(m map[string]storedCase) error {
	b, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(storedFile, append(b, '\n'), 0o644)
}

// storedFor is case c's stored Hadoop outcome, or an error saying what to run.
func storedFor(m map[string]storedCase, c *fsCase) ([]result, string, error) {
	sc, ok := m[c.name]
	if !ok {
		return nil, "", fmt.Errorf("no stored Hadoop output for FsShell case %s (adapters/fsshell/%s): run %s (needs java and mvn) to record it",
			c.name, storedFile, recordScript)
	}
	if !slices.EqualFunc(sc.Lines, c.lines, slices.Equal[[]string]) || len(sc.Results) != len(c.lines) {
		return nil, "", fmt.Errorf("the stored Hadoop output of FsShell case %s was recorded for other command lines: run %s ZEBRA_FSSHELL_CASES='^%s$'",
			c.name, recordScript, c.name)
	}
	rs := make([]result, len(sc.Results))
	for i, r := range sc.Results {
		rs[i] = result{r.Code, string(r.Stdout), string(r.Stderr)}
	}
	return rs, sc.Snapshot, nil
}

// toStored is what is stored of a live Hadoop run of c, normalised as
// compare normalises (so recent dates are <now> in the file).
func toStored(c *fsCase, rs []result, snap string) storedCase {
	now := time.Now()
	sc := storedCase{Lines: c.lines, Snapshot: snap}
	for _, r := range rs {
		sc.Results = append(sc.Results, storedResult{r.code, text(normalize(r.stdout, now)), text(normalize(r.stderr, now))})
	}
	return sc
}

// sameOrderAsStored returns z with each stdout that holds the same lines
// as the stored Hadoop one in another order replaced by the stored one,
// logging it: a local listing comes in the file system's directory order
// (ext4's depends on its hash seed), which differs between the machine
// that recorded and this one. Against live Hadoop, on the same file
// system, the order is compared exactly.
func sameOrderAsStored(t *testing.T, c *fsCase, h, z []result) []result {
	t.Helper()
	out := slices.Clone(z)
	for i := range out {
		if i >= len(h) || h[i].stdout == out[i].stdout {
			continue
		}
		a, b := strings.Split(h[i].stdout, "\n"), strings.Split(normalize(out[i].stdout, time.Now()), "\n")
		slices.Sort(a)
		slices.Sort(b)
		if slices.Equal(a, b) {
			t.Logf("fs %s: same lines as stored Hadoop's in another order (this file system's directory order; compared exactly against live Hadoop in the full suite)",
				strings.Join(c.lines[i], " "))
			out[i].stdout = h[i].stdout
		}
	}
	return out
}
