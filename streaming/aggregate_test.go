package streaming

import (
	"bufio"
	"bytes"
	"errors"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
)

// The golden tables in testdata/ come from the real Hadoop 3.4.1 aggregate
// classes and JDK 17 (mapreduce/testdata/javaref/GenGolden.java; regenerate
// with mapreduce/testdata/javaref/regen.sh). Never edit them by hand.

func unesc(t testing.TB, s string) []byte {
	t.Helper()
	var out []byte
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			v, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
			if err != nil {
				t.Fatalf("bad escape in %q: %v", s, err)
			}
			out = append(out, byte(v))
			i += 2
			continue
		}
		out = append(out, s[i])
	}
	return out
}

// unescList decodes GenGolden.list: "<n>|e1,e2,...".
func unescList(t testing.TB, s string) [][]byte {
	t.Helper()
	n, rest, ok := strings.Cut(s, "|")
	if !ok {
		t.Fatalf("bad list %q", s)
	}
	count, _ := strconv.Atoi(n)
	if count == 0 {
		return [][]byte{}
	}
	var out [][]byte
	for _, e := range strings.Split(rest, ",") {
		out = append(out, unesc(t, e))
	}
	if len(out) != count {
		t.Fatalf("list %q has %d items, want %d", s, len(out), count)
	}
	return out
}

func golden(t *testing.T, path, kind string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows [][]string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		if r := strings.Split(line, "\t"); r[0] == kind {
			rows = append(rows, r)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 {
		t.Fatalf("no %q rows in %s", kind, path)
	}
	return rows
}

// runAggregate plays one reduce (or combine) call: all values into one
// Aggregator, stopping at the first failure as the Hadoop task would.
func runAggregate(key []byte, vals [][]byte, maxUniq int64) (*Aggregator, error) {
	a, err := NewAggregatorWithUniqLimit(key, maxUniq)
	if err != nil {
		return nil, err
	}
	for _, v := range vals {
		if err := a.Add(v); err != nil {
			return nil, err
		}
	}
	return a, nil
}

func javaErr(err error) string {
	var ae *AggregateError
	if !errors.As(err, &ae) {
		return "not an AggregateError: " + err.Error()
	}
	return ae.Error()
}

// TestAggregateGolden replays every golden reduce/combine call, one subtest
// per aggregator type (the key's prefix before ':').
func TestAggregateGolden(t *testing.T) {
	byType := map[string][][]string{}
	var order []string
	for _, r := range golden(t, "testdata/aggregate_golden.tsv", "agg") {
		typ, _, _ := strings.Cut(string(unesc(t, r[2])), ":")
		if _, ok := byType[typ]; !ok {
			order = append(order, typ)
		}
		byType[typ] = append(byType[typ], r)
	}
	for _, typ := range order {
		t.Run(typ, func(t *testing.T) { checkAggregateRows(t, byType[typ]) })
	}
}

func checkAggregateRows(t *testing.T, rows [][]string) {
	for i, r := range rows {
		maxUniq, _ := strconv.ParseInt(r[1], 10, 64)
		key, vals := unesc(t, r[2]), unescList(t, r[3])
		wantRed, wantComb := r[4], r[5]
		a, err := runAggregate(key, vals, maxUniq)
		if strings.HasPrefix(wantRed, "!") {
			want := string(unesc(t, wantRed[1:]))
			if err == nil {
				t.Errorf("row %d: key %q values %q: no error, want %s", i, key, vals, want)
			} else if got := javaErr(err); got != want {
				t.Errorf("row %d: key %q values %q: error %s, want %s", i, key, vals, got, want)
			}
			if wantComb != wantRed {
				t.Errorf("row %d: combiner and reducer disagree in golden file", i)
			}
			continue
		}
		if err != nil {
			t.Errorf("row %d: key %q values %q: unexpected error %v", i, key, vals, err)
			continue
		}
		wk, wv, _ := strings.Cut(wantRed, "|")
		gk, gv := a.Report()
		if !bytes.Equal(gk, unesc(t, wk)) || !bytes.Equal(gv, unesc(t, wv)) {
			t.Errorf("row %d: key %q values %q: Report() = %q, %q; want %q, %q", i, key, vals, gk, gv, unesc(t, wk), unesc(t, wv))
		}
		want := unescList(t, wantComb)
		got := a.CombineOutput()
		if len(got) != len(want) {
			t.Errorf("row %d: key %q values %q: CombineOutput() = %q, want %q", i, key, vals, got, want)
			continue
		}
		for j := range got {
			if !bytes.Equal(got[j], want[j]) {
				t.Errorf("row %d: key %q values %q: CombineOutput() = %q, want %q", i, key, vals, got, want)
				break
			}
		}
	}
}

func TestJavaDoubleStringGolden(t *testing.T) {
	for i, r := range golden(t, "testdata/double_golden.tsv", "dts") {
		bits, err := strconv.ParseUint(r[1], 16, 64)
		if err != nil {
			t.Fatal(err)
		}
		d := math.Float64frombits(bits)
		if got := javaDoubleString(d); got != r[2] {
			t.Errorf("row %d: javaDoubleString(%v [%016x]) = %q, want %q", i, d, bits, got, r[2])
		}
	}
}

func TestJavaParseDoubleGolden(t *testing.T) {
	for i, r := range golden(t, "testdata/double_golden.tsv", "pd") {
		in := string(unesc(t, r[1]))
		got, err := javaParseDouble(in)
		if strings.HasPrefix(r[2], "!") {
			want := string(unesc(t, r[2][1:]))
			if err == nil || javaErr(err) != want {
				t.Errorf("row %d: javaParseDouble(%q) = %v, %v; want error %s", i, in, got, err, want)
			}
			continue
		}
		want, _ := strconv.ParseUint(r[2], 16, 64)
		if err != nil || math.Float64bits(got) != want {
			t.Errorf("row %d: javaParseDouble(%q) = %v [%016x], %v; want %v [%016x]", i, in, got, math.Float64bits(got), err, math.Float64frombits(want), want)
		}
	}
}

func TestJavaParseLongGolden(t *testing.T) {
	for i, r := range golden(t, "testdata/double_golden.tsv", "pl") {
		in := string(unesc(t, r[1]))
		got, err := javaParseLong(in)
		if strings.HasPrefix(r[2], "!") {
			want := string(unesc(t, r[2][1:]))
			if err == nil || javaErr(err) != want {
				t.Errorf("row %d: javaParseLong(%q) = %v, %v; want error %s", i, in, got, err, want)
			}
			continue
		}
		if err != nil || strconv.FormatInt(got, 10) != r[2] {
			t.Errorf("row %d: javaParseLong(%q) = %v, %v; want %s", i, in, got, err, r[2])
		}
	}
}
