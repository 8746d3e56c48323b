package streaming

import (
	"reflect"
	"testing"
)

// TestJavaSplit checks String.split's documented rules: trailing empty
// fields dropped, no match gives the whole string, regular expressions
// except the literal fast path.
func TestJavaSplit(t *testing.T) {
	cases := []struct {
		sep, in string
		want    []string
	}{
		{"\t", "a\tb\t\t", []string{"a", "b"}},
		{"\t", "", []string{""}},
		{"\t", "abc", []string{"abc"}},
		{"\t", "\ta", []string{"", "a"}},
		{",", ",,,", nil},
		{".", "a.b", nil},                   // regex: every character is a separator
		{"\\.", "a.b.", []string{"a", "b"}}, // escaped punctuation is literal
		{"[,;]", "a,b;c", []string{"a", "b", "c"}},
		{"x*", "abc", []string{"a", "b", "c"}}, // no leading empty field for a zero-width match at 0
	}
	for _, c := range cases {
		s, err := newJavaSplitter(c.sep)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.split(c.in); !(len(got) == 0 && len(c.want) == 0) && !reflect.DeepEqual(got, c.want) {
			t.Errorf("split(%q, %q) = %q, want %q", c.in, c.sep, got, c.want)
		}
	}
}

func TestParseFieldSpec(t *testing.T) {
	fs, err := parseFieldSpec("x", "6,5,1-3:0-")
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{6, 5, 1, 2, 3}; !reflect.DeepEqual(fs.key, want) || fs.value != nil || fs.valueFrom != 0 {
		t.Errorf("got %+v", fs)
	}
	fs, err = parseFieldSpec("x", "0-:")
	if err != nil || fs.key != nil || fs.valueFrom != -1 {
		t.Errorf("0-: got %+v, %v (an open range in the key part selects nothing)", fs, err)
	}
	if _, err := parseFieldSpec("x", "a:1"); err == nil {
		t.Error("a non-numeric field was accepted")
	}
}
