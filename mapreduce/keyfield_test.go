package mapreduce

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
)

// The golden table testdata/keyfield_golden.tsv is produced by the real
// Hadoop 3.4.1 classes (KeyFieldHelper, KeyFieldBasedComparator,
// KeyFieldBasedPartitioner, HashPartitioner, Text) on JDK 17. Regenerate it
// with testdata/javaref/regen.sh; never edit it by hand.

// unescapeGolden reverses GenGolden.esc (%XX escapes).
func unescapeGolden(t testing.TB, s string) []byte {
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

// readGolden returns the tab-separated rows of a golden file, skipping
// comments.
func readGolden(t testing.TB, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("open golden: %v", err)
	}
	defer f.Close()
	var rows [][]string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		rows = append(rows, strings.Split(line, "\t"))
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read golden: %v", err)
	}
	return rows
}

func goldenRows(t *testing.T, kind string) [][]string {
	var out [][]string
	for _, r := range readGolden(t, "testdata/keyfield_golden.tsv") {
		if r[0] == kind {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no %q rows in golden file", kind)
	}
	return out
}

func specsString(specs []KeyFieldSpec) string {
	parts := make([]string, len(specs))
	for i, s := range specs {
		parts[i] = s.String()
	}
	return strconv.Itoa(len(specs)) + "|" + strings.Join(parts, ",")
}

func TestParseKeyFieldOptionsGolden(t *testing.T) {
	for i, r := range goldenRows(t, "parse") {
		opts := string(unescapeGolden(t, r[1]))
		specs, err := ParseKeyFieldOptions(opts)
		switch r[2] {
		case "OK":
			if err != nil {
				t.Errorf("row %d: ParseKeyFieldOptions(%q) error %v, want %s", i, opts, err, r[3])
			} else if got := specsString(specs); got != r[3] {
				t.Errorf("row %d: ParseKeyFieldOptions(%q) = %s, want %s", i, opts, got, r[3])
			}
		case "ERR":
			want := string(unescapeGolden(t, r[3]))
			var ke *KeyFieldOptionError
			if !errors.As(err, &ke) || !errors.Is(err, ErrKeyFieldOptions) {
				t.Errorf("row %d: ParseKeyFieldOptions(%q) = %v, %v; want error %s", i, opts, specs, err, want)
			} else if ke.Error() != want {
				t.Errorf("row %d: ParseKeyFieldOptions(%q) error %q, want %q", i, opts, ke.Error(), want)
			}
		}
	}
}

func TestKeyFieldComparatorGolden(t *testing.T) {
	type key struct{ opts, sep string }
	cmps := map[key]func(a, b []byte) int{}
	n := 0
	for i, r := range goldenRows(t, "cmp") {
		if r[5] == "EXC" { // Hadoop read outside the record; undefined here
			continue
		}
		k := key{string(unescapeGolden(t, r[1])), string(unescapeGolden(t, r[2]))}
		cmp, ok := cmps[k]
		if !ok {
			var err error
			if cmp, err = NewKeyFieldComparator(k.opts, []byte(k.sep)); err != nil {
				t.Fatalf("NewKeyFieldComparator(%q): %v", k.opts, err)
			}
			cmps[k] = cmp
		}
		a, b := unescapeGolden(t, r[3]), unescapeGolden(t, r[4])
		want, _ := strconv.Atoi(r[5])
		got := cmp(a, b)
		if sign(got) != want {
			t.Errorf("row %d: opts %q sep %q compare(%q, %q) = %d, want sign %d", i, k.opts, k.sep, a, b, got, want)
		}
		n++
	}
	if n < 10000 {
		t.Errorf("only %d comparator rows checked", n)
	}
}

func sign(x int) int {
	switch {
	case x < 0:
		return -1
	case x > 0:
		return 1
	}
	return 0
}

// TestKeyFieldComparatorCases runs the hand-picked cases GenGolden emits
// (fixedCmp) as named subtests; expectations come from Hadoop via the golden
// file.
func TestKeyFieldComparatorCases(t *testing.T) {
	rows := goldenRows(t, "cmp")
	const fixed = 15
	for _, r := range rows[len(rows)-fixed:] {
		opts, sep := string(unescapeGolden(t, r[1])), unescapeGolden(t, r[2])
		a, b := unescapeGolden(t, r[3]), unescapeGolden(t, r[4])
		t.Run(fmt.Sprintf("%q/%q/%q", opts, a, b), func(t *testing.T) {
			cmp, err := NewKeyFieldComparator(opts, sep)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := strconv.Atoi(r[5])
			if got := sign(cmp(a, b)); got != want {
				t.Errorf("compare(%q, %q) = %d, want %d", a, b, got, want)
			}
		})
	}
}

func TestKeyFieldPartitionerGolden(t *testing.T) {
	type key struct{ opts, sep string }
	parts := map[key]func([]byte, int) int{}
	rows := goldenRows(t, "part")
	for i, r := range rows {
		k := key{string(unescapeGolden(t, r[1])), string(unescapeGolden(t, r[2]))}
		p, ok := parts[k]
		if !ok {
			var err error
			if p, err = NewKeyFieldPartitioner(k.opts, []byte(k.sep)); err != nil {
				t.Fatalf("NewKeyFieldPartitioner(%q): %v", k.opts, err)
			}
			parts[k] = p
		}
		key := unescapeGolden(t, r[3])
		n, _ := strconv.Atoi(r[4])
		want, _ := strconv.Atoi(r[5])
		if got := p(key, n); got != want {
			t.Errorf("row %d: opts %q sep %q partition(%q, %d) = %d, want %d", i, k.opts, k.sep, key, n, got, want)
		}
	}
	if len(rows) < 10000 {
		t.Errorf("only %d partitioner rows", len(rows))
	}
}

func TestHashPartitionGolden(t *testing.T) {
	for i, r := range goldenRows(t, "hash") {
		key := unescapeGolden(t, r[1])
		n, _ := strconv.Atoi(r[2])
		want, _ := strconv.Atoi(r[3])
		if got := HashPartition(key, n); got != want {
			t.Errorf("row %d: HashPartition(%q, %d) = %d, want %d", i, key, n, got, want)
		}
	}
}

func TestJavaTextGolden(t *testing.T) {
	for i, r := range goldenRows(t, "text") {
		in := unescapeGolden(t, r[1])
		want := unescapeGolden(t, r[2])
		wantHash, _ := strconv.ParseInt(r[3], 10, 32)
		if got := JavaTextString(in); !bytes.Equal(got, want) {
			t.Errorf("row %d: JavaTextString(% x) = % x, want % x", i, in, got, want)
		}
		if got := javaStringHash(in); got != int32(wantHash) {
			t.Errorf("row %d: javaStringHash(% x) = %d, want %d", i, in, got, wantHash)
		}
	}
}

func FuzzParseKeyFieldOptions(f *testing.F) {
	for _, s := range []string{"", "-k1,2", "-k2.3nr,4.5", "-nr -k1", "-k1.", "-k 1", "-k1,2,3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, opts string) {
		specs, err := ParseKeyFieldOptions(opts)
		if err != nil {
			if !errors.Is(err, ErrKeyFieldOptions) {
				t.Fatalf("error %v does not match ErrKeyFieldOptions", err)
			}
			return
		}
		if opts != "" && len(specs) == 0 {
			t.Fatalf("non-empty options %q gave no specs", opts)
		}
		// Any accepted options must give working comparators/partitioners.
		cmp, err := NewKeyFieldComparator(opts, []byte("\t"))
		if err != nil {
			t.Fatal(err)
		}
		part, err := NewKeyFieldPartitioner(opts, []byte("\t"))
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range [][]byte{nil, []byte("a\tb"), []byte("-1.5\t\t2"), {0xff, '\t', 0xc3}} {
			cmp(k, []byte("x\ty\tz"))
			if p := part(k, 5); p < 0 || p >= 5 {
				t.Fatalf("partition %d out of range", p)
			}
		}
	})
}

func BenchmarkKeyFieldComparator(b *testing.B) {
	cmp, err := NewKeyFieldComparator("-k2,2n -k1,1r", []byte("\t"))
	if err != nil {
		b.Fatal(err)
	}
	x, y := []byte("alpha\t-12.50\tz"), []byte("beta\t-12.5\ty")
	b.ReportAllocs()
	for b.Loop() {
		cmp(x, y)
	}
}
