package streaming_test

// Stored oracle outputs: what real Hadoop produced for each conformance
// case (exit code, normalised stdout, stderr message lines, user counters,
// the output trees, and what `hadoop fs -text` printed for SequenceFile
// outputs), kept under testdata/conformance-oracle/<case>.json (gzipped
// as .json.gz when large) and recorded by scripts/oracle-record.sh, which
// runs the suite with ZEBRA_ORACLE_RECORD=1 against live Hadoop. Without
// Hadoop the suite compares zebra with these; with Hadoop (suite "hadoop")
// it also requires the stored outputs to equal live Hadoop's.

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"unicode/utf8"
)

const (
	// oracleDir holds the stored Hadoop outputs, one file per case.
	oracleDir = "testdata/conformance-oracle"
	// recordScript regenerates them.
	recordScript = "scripts/oracle-record.sh"
	// gzipAbove is the size above which a record is stored gzipped.
	gzipAbove = 16 << 10
)

// oracleRecord is what one run of a case gave, reduced to what the
// comparison looks at. Hadoop's is stored; zebra's is made from its run.
type oracleRecord struct {
	// Inputs is the SHA-256 of the case's args and files (not meta):
	// a stored record of other inputs is stale.
	Inputs       string   `json:"inputs"`
	Exit         int      `json:"exit"`
	Stdout       blob     `json:"stdout"`
	MessageLines []string `json:"messageLines"`
	UserCounters string   `json:"userCounters"`
	// Outputs maps each compared output directory to its tree (path →
	// content, "<dir>" for a directory, "<symlink> target" for a link),
	// or to nil when it does not exist; Missing says why it is absent.
	Outputs map[string]map[string]blob `json:"outputs"`
	Missing map[string]string          `json:"missing,omitempty"`
	// FsText is what Hadoop's `fs -text` printed for each SequenceFile
	// output ("out/part-00000"), for cases with compare: sequencefiles.
	FsText map[string]blob `json:"fsText,omitempty"`

	keptDir string // where the run's files are (not for stored records)
	stored  bool
}

// blob is file content: stored as a JSON string when it is UTF-8, else
// {"base64": "..."}; a file larger than digestAbove is stored as its
// digest only ({"digest": "..."}, see digestOf).
type blob string

// digestAbove is the size above which a stored output file keeps only its
// digest, as does the .crc file beside it (case 089's 40 MB of output would
// otherwise weigh 7.5 MB gzipped).
const digestAbove = 256 << 10

// digestPrefix starts a blob that holds a digest instead of content.
const digestPrefix = "\x00digest\x00"

// digestOf is the digest form of content: its size, its SHA-256, and the
// SHA-256 of its lines sorted (for order-sensitive cases, where files with
// the same lines in another order are a known difference).
func digestOf(content string) blob {
	if isDigest(blob(content)) {
		return blob(content)
	}
	lines := strings.Split(content, "\n")
	sort.Strings(lines)
	all := sha256.Sum256([]byte(content))
	sorted := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	return blob(fmt.Sprintf("%ssize=%d sha256=%x sorted-lines-sha256=%x", digestPrefix, len(content), all, sorted))
}

func isDigest(b blob) bool { return strings.HasPrefix(string(b), digestPrefix) }

// sameDigestLines reports whether digests a and b are of the same lines in
// any order.
func sameDigestLines(a, b blob) bool {
	_, sa, _ := strings.Cut(string(a), "sorted-lines-sha256=")
	_, sb, _ := strings.Cut(string(b), "sorted-lines-sha256=")
	return sa != "" && sa == sb
}

func (b blob) MarshalJSON() ([]byte, error) {
	switch {
	case isDigest(b):
		return json.Marshal(map[string]string{"digest": strings.TrimPrefix(string(b), digestPrefix)})
	case len(b) > digestAbove && !strings.HasPrefix(string(b), "SEQ"):
		// SequenceFiles are kept whole: their random sync markers make
		// them differ in bytes, so they are compared record by record.
		return digestOf(string(b)).MarshalJSON()
	case utf8.ValidString(string(b)):
		return json.Marshal(string(b))
	}
	return json.Marshal(map[string]string{"base64": base64.StdEncoding.EncodeToString([]byte(b))})
}

func (b *blob) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err == nil {
		*b = blob(s)
		return nil
	}
	var m map[string]string
	if err := json.Unmarshal(data, &m); err != nil {
		return err
	}
	if d, ok := m["digest"]; ok {
		*b = blob(digestPrefix + d)
		return nil
	}
	raw, err := base64.StdEncoding.DecodeString(m["base64"])
	if err != nil {
		return err
	}
	*b = blob(raw)
	return nil
}

// inputsDigest is the SHA-256 of the case's args and files, meta left out
// (its comparison settings do not change what Hadoop does), and, for a
// case whose setup.sh uses $ZEBRA_CONFORMANCE_LIB, of the shared helpers'
// files too (named lib/<file>).
func inputsDigest(c *confCase) (string, error) {
	h := sha256.New()
	err := digestTree(h, c.dir, "")
	if err != nil {
		return "", err
	}
	setup, err := os.ReadFile(filepath.Join(c.dir, "setup.sh"))
	if err == nil && bytes.Contains(setup, []byte("ZEBRA_CONFORMANCE_LIB")) {
		err = digestTree(h, caseLibDir(c), "lib/")
	} else if errors.Is(err, fs.ErrNotExist) {
		err = nil
	}
	return hex.EncodeToString(h.Sum(nil)), err
}

// digestTree writes the files under dir (but meta at its top), each
// named prefix+its path, with their executable bits and contents to h.
func digestTree(h io.Writer, dir, prefix string) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if rel == "meta" || d.IsDir() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%o\x00%d\x00", prefix+filepath.ToSlash(rel), info.Mode().Perm()&0o111, len(b))
		h.Write(b)
		return nil
	})
}

// recordOf reduces a run of case c to its record.
func recordOf(c *confCase, r *runResult) *oracleRecord {
	rec := &oracleRecord{
		Exit:         r.exit,
		Stdout:       blob(normalize(string(r.stdout))),
		MessageLines: messageLines(r.stderr),
		UserCounters: userCounterLines(r.stderr),
		Outputs:      map[string]map[string]blob{},
		keptDir:      r.keptDir,
	}
	for _, o := range c.outputs {
		tree, err := readTree(filepath.Join(r.keptDir, o))
		if err != nil {
			rec.Outputs[o] = nil
			if rec.Missing == nil {
				rec.Missing = map[string]string{}
			}
			rec.Missing[o] = existence(err)
			continue
		}
		m := map[string]blob{}
		for k, v := range tree {
			m[k] = blob(v)
		}
		rec.Outputs[o] = m
	}
	return rec
}

// oracleFile is the stored record's path for case c (.json or .json.gz,
// whichever exists; "" when neither does).
func oracleFile(c *confCase) string {
	base := filepath.Join(filepath.Dir(filepath.Dir(c.dir)), filepath.Base(oracleDir), c.name+".json")
	for _, p := range []string{base, base + ".gz"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// loadRecord reads case c's stored Hadoop record, failing with what to run
// when it is missing or was recorded from other inputs.
func loadRecord(c *confCase) (*oracleRecord, error) {
	p := oracleFile(c)
	if p == "" {
		return nil, fmt.Errorf("no stored Hadoop output for case %s (streaming/%s/%s.json): run %s (needs java and mvn) to record it",
			c.name, oracleDir, c.name, recordScript)
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("read stored Hadoop output: %w", err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(p, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("read stored Hadoop output %s: %w", p, err)
		}
		r = zr
	}
	rec := &oracleRecord{stored: true, keptDir: p}
	if err := json.NewDecoder(r).Decode(rec); err != nil {
		return nil, fmt.Errorf("decode stored Hadoop output %s: %w (re-record it with %s)", p, err, recordScript)
	}
	want, err := inputsDigest(c)
	if err != nil {
		return nil, err
	}
	if rec.Inputs != want {
		return nil, fmt.Errorf("stored Hadoop output %s was recorded from other inputs (the case's args or files changed): run %s ZEBRA_CONFORMANCE_CASES='^%s$'",
			p, recordScript, c.name)
	}
	for _, o := range c.outputs {
		if _, ok := rec.Outputs[o]; !ok {
			return nil, fmt.Errorf("stored Hadoop output %s has no output %q (meta's outputs changed): run %s ZEBRA_CONFORMANCE_CASES='^%s$'",
				p, o, recordScript, c.name)
		}
	}
	return rec, nil
}

// saveRecord stores rec as case c's Hadoop record, gzipped when large.
func saveRecord(c *confCase, rec *oracleRecord) error {
	var err error
	if rec.Inputs, err = inputsDigest(c); err != nil {
		return err
	}
	for _, tree := range rec.Outputs {
		for n, v := range tree {
			if len(v) > digestAbove && !isCrc(n) && !strings.HasPrefix(string(v), "SEQ") {
				crc := filepath.Join(filepath.Dir(n), "."+filepath.Base(n)+".crc")
				if cv, ok := tree[crc]; ok {
					tree[crc] = digestOf(string(cv))
				}
			}
		}
	}
	b, err := json.MarshalIndent(rec, "", " ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	dir := filepath.Join(filepath.Dir(filepath.Dir(c.dir)), filepath.Base(oracleDir))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	p := filepath.Join(dir, c.name+".json")
	os.Remove(p)
	os.Remove(p + ".gz")
	if len(b) <= gzipAbove {
		return os.WriteFile(p, b, 0o644)
	}
	var z bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		return err
	}
	return os.WriteFile(p+".gz", z.Bytes(), 0o644)
}

// addFsText records what Hadoop's `fs -text` prints for each SequenceFile
// output of rec (a live Hadoop run), for cases comparing SequenceFiles.
func addFsText(c *confCase, rec *oracleRecord) error {
	if !c.seqFiles {
		return nil
	}
	for o, tree := range rec.Outputs {
		for n, v := range tree {
			if !strings.HasPrefix(string(v), "SEQ") {
				continue
			}
			txt, err := hadoopText(filepath.Join(rec.keptDir, o, n))
			if err != nil {
				return err
			}
			if rec.FsText == nil {
				rec.FsText = map[string]blob{}
			}
			rec.FsText[o+"/"+n] = blob(txt)
		}
	}
	return nil
}

// sortedKeys lists m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// runRoot is the fixed directory every case runs in (runRoot/<case>), on
// both sides and when recording, so that absolute paths reaching an
// output or a message are the same in stored and live runs. It is shared
// by every user (sticky, like /tmp); a lock per case keeps concurrent test
// processes from using one case's directory at once.
const runRoot = "/tmp/zebra-conformance-run"

// lockCaseDir takes case name's lock under runRoot and returns the work
// dir to use and the release function.
func lockCaseDir(name string) (string, func(), error) {
	if err := os.MkdirAll(runRoot, 0o755); err != nil {
		return "", nil, fmt.Errorf("make %s: %w", runRoot, err)
	}
	if st, err := os.Stat(runRoot); err == nil && st.Mode()&(os.ModeSticky|os.ModePerm) != os.ModeSticky|os.ModePerm &&
		os.Geteuid() == int(st.Sys().(*syscall.Stat_t).Uid) {
		os.Chmod(runRoot, os.ModeSticky|os.ModePerm)
	}
	lock := filepath.Join(runRoot, name+".lock")
	f, err := os.OpenFile(lock, os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		return "", nil, fmt.Errorf("open lock %s: %w", lock, err)
	}
	if st, err := f.Stat(); err == nil && st.Mode().Perm() != 0o666 && os.Geteuid() == int(st.Sys().(*syscall.Stat_t).Uid) {
		f.Chmod(0o666)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return "", nil, fmt.Errorf("lock %s: %w", lock, err)
	}
	work := filepath.Join(runRoot, name)
	if err := os.RemoveAll(work); err != nil && !errors.Is(err, fs.ErrNotExist) {
		f.Close()
		return "", nil, fmt.Errorf("%s is left by another user's run and cannot be removed: %w", work, err)
	}
	return work, func() {
		os.RemoveAll(work)
		f.Close()
	}, nil
}
