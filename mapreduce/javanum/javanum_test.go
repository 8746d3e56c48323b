package javanum

import (
	"math"
	"strconv"
	"testing"
)

// TestParse checks ASCII inputs against strconv (which agrees with Java on
// them: optional sign, decimal digits, range) and the cases where Java
// differs from strconv: other Unicode decimal digits, a lone sign.
func TestParse(t *testing.T) {
	for _, s := range []string{"0", "-0", "+7", "42", "-2147483648", "2147483647", "2147483648", "-2147483649",
		"9223372036854775807", "-9223372036854775808", "9223372036854775808", "", "+", "-", "1 ", " 1", "0x10", "1_0", "++1"} {
		want, err := strconv.ParseInt(s, 10, 64)
		got, ok := ParseLong(s)
		if ok != (err == nil) || (ok && got != want) {
			t.Errorf("ParseLong(%q) = %d, %v; strconv says %d, %v", s, got, ok, want, err)
		}
		want32, err := strconv.ParseInt(s, 10, 32)
		got32, ok := ParseInt(s)
		if ok != (err == nil) || (ok && int64(got32) != want32) {
			t.Errorf("ParseInt(%q) = %d, %v; strconv says %d, %v", s, got32, ok, want32, err)
		}
	}
	// U+0663 ARABIC-INDIC DIGIT THREE and U+FF11 FULLWIDTH DIGIT ONE are
	// decimal digits to Character.digit; U+1D7CF (outside the BMP) is
	// two UTF-16 units to Java, neither a digit.
	for s, want := range map[string]int64{"\u0663": 3, "-\uff11\u0663": -13} {
		if got, ok := ParseLong(s); !ok || got != want {
			t.Errorf("ParseLong(%q) = %d, %v; want %d", s, got, ok, want)
		}
	}
	if _, ok := ParseLong("\U0001D7CF"); ok {
		t.Error("a digit outside the BMP was accepted")
	}
	if v, ok := ParseSigned("-128", math.MinInt8, math.MaxInt8); !ok || v != -128 {
		t.Errorf("ParseSigned(-128, int8) = %d, %v", v, ok)
	}
}
