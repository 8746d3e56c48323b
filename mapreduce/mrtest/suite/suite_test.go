package suite

import (
	"flag"
	"os"
	"strings"
	"testing"
)

func TestEnabled(t *testing.T) {
	short := flag.Lookup("test.short")
	was := short.Value.String()
	t.Cleanup(func() { short.Value.Set(was) })
	for _, tc := range []struct {
		name        string
		short       bool
		suites      *string // nil: ZEBRA_SUITES unset
		conformance *string // nil: ZEBRA_CONFORMANCE unset
		s           Suite
		want        bool
		why         string // part of the skip reason
	}{
		{"short skips", true, nil, nil, Swift, false, "skipped under -short"},
		{"short skips hadoop", true, nil, ptr("1"), Hadoop, false, "ZEBRA_SUITES=hadoop"},
		{"full runs", false, nil, nil, Swift, true, ""},
		{"full leaves hadoop to ZEBRA_CONFORMANCE", false, nil, nil, Hadoop, false, "ZEBRA_CONFORMANCE=1"},
		{"full with ZEBRA_CONFORMANCE=1", false, nil, ptr("1"), Hadoop, true, ""},
		{"listed under short", true, ptr("swift,hdfs"), nil, HDFS, true, ""},
		{"not listed", false, ptr("swift hdfs"), nil, Browser, false, `not in ZEBRA_SUITES="swift hdfs"`},
		{"all", true, ptr("all"), nil, Chaos, true, ""},
		{"none", false, ptr("none"), nil, Chaos, false, "not in ZEBRA_SUITES"},
		{"ZEBRA_CONFORMANCE=0 wins", false, ptr("all"), ptr("0"), Hadoop, false, "ZEBRA_CONFORMANCE=0"},
		{"ZEBRA_CONFORMANCE=0 leaves others", false, ptr("all"), ptr("0"), Swift, true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			short.Value.Set(map[bool]string{true: "true", false: "false"}[tc.short])
			setenv(t, "ZEBRA_SUITES", tc.suites)
			setenv(t, "ZEBRA_CONFORMANCE", tc.conformance)
			got, why := Enabled(tc.s)
			if got != tc.want || !strings.Contains(why, tc.why) || (got && why != "") {
				t.Errorf("Enabled(%s) = %v, %q; want %v, a reason containing %q", tc.s.Name, got, why, tc.want, tc.why)
			}
			if !got && !strings.Contains(why, tc.s.Needs) {
				t.Errorf("reason %q does not say what the suite needs (%q)", why, tc.s.Needs)
			}
		})
	}
}

func ptr(s string) *string { return &s }

// setenv sets (v non-nil) or unsets name for the test.
func setenv(t *testing.T, name string, v *string) {
	if v != nil {
		t.Setenv(name, *v)
		return
	}
	t.Setenv(name, "") // restored at the end of the test
	os.Unsetenv(name)
}
