// Package javanum parses numbers as Java's Long.parseLong and
// Integer.parseInt do (radix 10): what a Hadoop job's Java code accepts,
// zebra accepts, and nothing more. It is the one owner of those rules for
// the engine (KeyFieldBasedComparator's -k options) and streaming (the
// aggregate package's LongValueSum and friends).
package javanum

import (
	"math"
	"unicode"
	"unicode/utf8"
)

// Digit is Character.digit(c, 10) for a BMP code point: ASCII digits and
// any Unicode decimal digit (Nd) map to their value.
func Digit(r rune) int {
	if r >= '0' && r <= '9' {
		return int(r - '0')
	}
	if r > 0xFFFF || !unicode.Is(unicode.Nd, r) {
		return -1
	}
	// Nd code points come in runs of ten starting at a zero digit.
	z := r
	for z > 0 && unicode.Is(unicode.Nd, z-1) {
		z--
	}
	return int(r-z) % 10
}

// ParseSigned parses s like Long.parseLong / Integer.parseInt with radix
// 10 into [minV, maxV]; ok is false where Java throws NumberFormatException.
// Like Java it accepts one leading sign and any BMP Unicode decimal digits.
func ParseSigned(s string, minV, maxV int64) (int64, bool) {
	if s == "" {
		return 0, false
	}
	neg := false
	rest := s
	if s[0] == '-' || s[0] == '+' {
		neg = s[0] == '-'
		rest = s[1:]
		if rest == "" {
			return 0, false
		}
	}
	// Accumulate negatively, as Java does, so minV is reachable.
	limit := -maxV
	if neg {
		limit = minV
	}
	multmin := limit / 10
	var acc int64
	for _, r := range rest {
		if r == utf8.RuneError || r > 0xFFFF {
			return 0, false
		}
		d := Digit(r)
		if d < 0 || acc < multmin {
			return 0, false
		}
		acc *= 10
		if acc < limit+int64(d) {
			return 0, false
		}
		acc -= int64(d)
	}
	if neg {
		return acc, true
	}
	return -acc, true
}

// ParseInt is Integer.parseInt(s) (radix 10).
func ParseInt(s string) (int, bool) {
	v, ok := ParseSigned(s, -1<<31, 1<<31-1)
	return int(v), ok
}

// ParseLong is Long.parseLong(s) (radix 10).
func ParseLong(s string) (int64, bool) {
	return ParseSigned(s, math.MinInt64, math.MaxInt64)
}
