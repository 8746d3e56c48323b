package streaming

import (
	"bytes"
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"zebra/mapreduce"
	"zebra/mapreduce/javanum"
)

// This file reproduces "-reducer aggregate": Hadoop 3.4.1's
// org.apache.hadoop.mapred.lib.aggregate.ValueAggregatorReducer and
// ValueAggregatorCombiner with the built-in ValueAggregator types, including
// Java's Long.parseLong, Double.parseDouble and (JDK 17) Double.toString.
// Verified against the real classes by testdata/aggregate_golden.tsv and
// testdata/double_golden.tsv (see mapreduce/testdata/javaref).

// AggregateError is a failure the Hadoop aggregate classes raise (and that
// fails the Hadoop task). Error returns the Java exception's toString(), e.g.
// `java.lang.NumberFormatException: For input string: "x"`.
type AggregateError struct {
	Exception string // Java class name
	Message   string // Java message; "" when null
}

// Error returns "<exception>[: <message>]" as Throwable.toString does.
func (e *AggregateError) Error() string {
	if e.Message == "" {
		return e.Exception
	}
	return e.Exception + ": " + e.Message
}

func nfe(s string) error {
	return &AggregateError{"java.lang.NumberFormatException", `For input string: "` + s + `"`}
}

type aggKind int

const (
	longValueSum aggKind = iota
	longValueMax
	longValueMin
	doubleValueSum
	stringValueMax
	stringValueMin
	uniqValueCount
	valueHistogram
)

var aggTypes = []struct {
	name string
	kind aggKind
}{
	{"LongValueSum", longValueSum},
	{"LongValueMax", longValueMax},
	{"LongValueMin", longValueMin},
	{"StringValueMax", stringValueMax},
	{"StringValueMin", stringValueMin},
	{"DoubleValueSum", doubleValueSum},
	{"UniqValueCount", uniqValueCount},
	{"ValueHistogram", valueHistogram},
}

// Aggregator accumulates the values of one map-output key "<Type>:<id>".
// Strings are handled as Hadoop's Text.toString does: malformed UTF-8 becomes
// U+FFFD, and string order is Java's String.compareTo (UTF-16 code units).
type Aggregator struct {
	kind    aggKind
	key     []byte // the whole key, as Java would re-encode it
	id      []byte // text after the first ':'
	long    int64
	double  float64
	str     *string
	items   map[string]int64 // UniqValueCount (value 1) / ValueHistogram counts
	maxUniq int64
}

// NewAggregator returns the aggregator for a map-output key "<Type>:<id>",
// where Type is one of Hadoop's built-in names (LongValueSum, LongValueMax,
// LongValueMin, DoubleValueSum, StringValueMax, StringValueMin,
// UniqValueCount, ValueHistogram) matched case-insensitively and id is
// everything after the first ':'. A key without ':' fails the way Hadoop
// does (StringIndexOutOfBoundsException), an unknown type with the
// NullPointerException Hadoop raises on the first value; both are
// *AggregateError. UniqValueCount is unlimited (as in Hadoop's combiner).
func NewAggregator(key []byte) (*Aggregator, error) {
	return NewAggregatorWithUniqLimit(key, 0)
}

// NewAggregatorWithUniqLimit is NewAggregator with UniqValueCount's cap,
// Hadoop's aggregate.max.num.unique.values (read only by the reducer; the
// newer name mapreduce.aggregate.max.num.unique.values is ignored by the
// old-API reducer streaming uses). maxUniq <= 0 means unlimited. As in Hadoop,
// a cap of n still admits n+1 distinct values: a value is added while the
// count so far is <= n.
func NewAggregatorWithUniqLimit(key []byte, maxUniq int64) (*Aggregator, error) {
	k := mapreduce.JavaTextString(key)
	pos := bytes.IndexByte(k, ':')
	if pos < 0 {
		return nil, &AggregateError{"java.lang.StringIndexOutOfBoundsException",
			fmt.Sprintf("begin 0, end -1, length %d", utf16Len(k))}
	}
	typ := string(k[:pos])
	a := &Aggregator{key: k, id: k[pos+1:], maxUniq: math.MaxInt64}
	if maxUniq > 0 {
		a.maxUniq = maxUniq
	}
	found := false
	for _, t := range aggTypes {
		if equalFoldJava(typ, t.name) {
			a.kind, found = t.kind, true
			break
		}
	}
	if !found {
		return nil, &AggregateError{"java.lang.NullPointerException",
			`Cannot invoke "org.apache.hadoop.mapred.lib.aggregate.ValueAggregator.addNextValue(Object)" because "aggregator" is null`}
	}
	switch a.kind {
	case longValueMax:
		a.long = math.MinInt64
	case longValueMin:
		a.long = math.MaxInt64
	case uniqValueCount, valueHistogram:
		a.items = map[string]int64{}
	}
	return a, nil
}

// Add folds one value into the aggregate, as the type's addNextValue does. A
// value Hadoop cannot parse returns the *AggregateError (NumberFormatException)
// that fails the Hadoop task; the aggregator is then unchanged.
func (a *Aggregator) Add(value []byte) error {
	v := string(mapreduce.JavaTextString(value))
	switch a.kind {
	case longValueSum, longValueMax, longValueMin:
		n, err := javaParseLong(v)
		if err != nil {
			return err
		}
		switch {
		case a.kind == longValueSum:
			a.long += n
		case a.kind == longValueMax && n > a.long:
			a.long = n
		case a.kind == longValueMin && n < a.long:
			a.long = n
		}
	case doubleValueSum:
		d, err := javaParseDouble(v)
		if err != nil {
			return err
		}
		a.double += d
	case stringValueMax:
		if a.str == nil || compareUTF16(*a.str, v) < 0 {
			a.str = &v
		}
	case stringValueMin:
		if a.str == nil || compareUTF16(*a.str, v) > 0 {
			a.str = &v
		}
	case uniqValueCount:
		if int64(len(a.items)) <= a.maxUniq {
			a.items[v] = 1
		}
	case valueHistogram:
		val, countStr := v, "1"
		if i := strings.LastIndexByte(v, '\t'); i >= 0 {
			val, countStr = v[:i], v[i+1:]
		}
		inc, err := javaParseLong(countStr)
		if err != nil {
			return err
		}
		a.items[val] += inc
	}
	return nil
}

// Report returns what ValueAggregatorReducer writes for this key: the id and
// the aggregator's getReport() string. For ValueHistogram the report is
// "<#distinct>\t<min>\t<median>\t<max>\t<average>\t<stddev>" over the
// per-value counts (median = sorted[len/2], population stddev, doubles in
// Java's Double.toString form).
func (a *Aggregator) Report() (key, value []byte) {
	return bytes.Clone(a.id), []byte(a.report())
}

func (a *Aggregator) report() string {
	switch a.kind {
	case longValueSum, longValueMax, longValueMin:
		return strconv.FormatInt(a.long, 10)
	case doubleValueSum:
		return javaDoubleString(a.double)
	case stringValueMax, stringValueMin:
		if a.str == nil {
			return "null"
		}
		return *a.str
	case uniqValueCount:
		return strconv.Itoa(len(a.items))
	}
	counts := make([]int64, 0, len(a.items))
	for _, c := range a.items {
		counts = append(counts, c)
	}
	slices.Sort(counts)
	var sb strings.Builder
	sb.WriteString(strconv.Itoa(len(counts)))
	if len(counts) == 0 {
		return sb.String()
	}
	var acc int64
	for _, c := range counts {
		acc += c
	}
	n := float64(len(counts))
	average := float64(acc) / n
	var sd float64
	for _, c := range counts {
		diff := float64(c) - average
		sd += float64(diff * diff) // explicit conversion: no fused multiply-add
	}
	sd = math.Sqrt(sd / n)
	for _, v := range []int64{counts[0], counts[len(counts)/2], counts[len(counts)-1]} {
		sb.WriteByte('\t')
		sb.WriteString(strconv.FormatInt(v, 10))
	}
	sb.WriteByte('\t')
	sb.WriteString(javaDoubleString(average))
	sb.WriteByte('\t')
	sb.WriteString(javaDoubleString(sd))
	return sb.String()
}

// CombineOutput returns the values ValueAggregatorCombiner emits, in order,
// under the unchanged key: the single report value for the Long*/Double*/
// String* types, each distinct value for UniqValueCount, and "<value>\t<count>"
// per distinct value for ValueHistogram; the last two in Java String order
// (Hadoop keeps them in a TreeMap).
func (a *Aggregator) CombineOutput() [][]byte {
	switch a.kind {
	case uniqValueCount, valueHistogram:
		keys := make([]string, 0, len(a.items))
		for k := range a.items {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, compareUTF16)
		out := make([][]byte, len(keys))
		for i, k := range keys {
			if a.kind == uniqValueCount {
				out[i] = []byte(k)
			} else {
				out[i] = []byte(k + "\t" + strconv.FormatInt(a.items[k], 10))
			}
		}
		return out
	}
	return [][]byte{[]byte(a.report())}
}

// utf16Len is the Java String length of valid UTF-8 s.
func utf16Len(s []byte) int {
	n := 0
	for _, r := range string(s) {
		n += utf16.RuneLen(r)
	}
	return n
}

// compareUTF16 orders valid UTF-8 strings as Java's String.compareTo does (by
// UTF-16 code unit, then length); only the sign is meaningful.
func compareUTF16(a, b string) int {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if ra != rb {
			ua, ub := firstUnit(ra), firstUnit(rb)
			if ua != ub {
				return int(ua) - int(ub)
			}
			return int(ra) - int(rb) // same high surrogate: low surrogates order as runes
		}
		a, b = a[na:], b[nb:]
	}
	return utf16Len([]byte(a)) - utf16Len([]byte(b))
}

func firstUnit(r rune) rune {
	if r >= 0x10000 {
		hi, _ := utf16.EncodeRune(r)
		return hi
	}
	return r
}

// equalFoldJava is String.compareToIgnoreCase(a, b) == 0: per UTF-16 unit,
// equal after toUpperCase, or after toLowerCase of that.
func equalFoldJava(a, b string) bool {
	ua, ub := utf16.Encode([]rune(a)), utf16.Encode([]rune(b))
	if len(ua) != len(ub) {
		return false
	}
	for i := range ua {
		c1, c2 := rune(ua[i]), rune(ub[i])
		if c1 == c2 {
			continue
		}
		c1, c2 = unicode.ToUpper(c1), unicode.ToUpper(c2)
		if c1 != c2 && unicode.ToLower(c1) != unicode.ToLower(c2) {
			return false
		}
	}
	return true
}

// javaParseLong is Long.parseLong(s), with Java's NumberFormatException
// message.
func javaParseLong(s string) (int64, error) {
	v, ok := javanum.ParseLong(s)
	if !ok {
		return 0, nfe(s)
	}
	return v, nil
}

// javaTrim is String.trim: strips leading/trailing chars <= U+0020.
func javaTrim(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
}

// javaParseDouble is Double.parseDouble(s) (JDK 17 FloatingDecimal): trimmed,
// optional sign, "NaN", "Infinity", decimal with optional exponent, or C99
// hex with binary exponent, each optionally followed by one of fFdD; values
// are correctly rounded.
func javaParseDouble(s string) (float64, error) {
	in := javaTrim(s)
	bad := func() (float64, error) { return 0, nfe(in) }
	if in == "" {
		return 0, &AggregateError{"java.lang.NumberFormatException", "empty String"}
	}
	i := 0
	neg := false
	if in[0] == '-' || in[0] == '+' {
		neg = in[0] == '-'
		i++
	}
	if i >= len(in) {
		return bad()
	}
	rest := in[i:]
	switch {
	case rest[0] == 'N':
		if rest == "NaN" {
			return math.Float64frombits(0x7ff8000000000000), nil // Java canonical NaN
		}
		return bad()
	case rest[0] == 'I':
		if rest == "Infinity" {
			if neg {
				return math.Inf(-1), nil
			}
			return math.Inf(1), nil
		}
		return bad()
	case len(rest) > 1 && rest[0] == '0' && (rest[1] == 'x' || rest[1] == 'X'):
		return parseHexDouble(in)
	}
	// Decimal: [digits][.digits] with at least one digit.
	var mant strings.Builder
	fracDigits, nDigits := 0, 0
	seenDot := false
	for ; i < len(in); i++ {
		c := in[i]
		if c >= '0' && c <= '9' {
			mant.WriteByte(c)
			nDigits++
			if seenDot {
				fracDigits++
			}
			continue
		}
		if c == '.' {
			if seenDot {
				return 0, &AggregateError{"java.lang.NumberFormatException", "multiple points"}
			}
			seenDot = true
			continue
		}
		break
	}
	if nDigits == 0 {
		return bad()
	}
	exp := int64(0)
	if i < len(in) && (in[i] == 'e' || in[i] == 'E') {
		i++
		if i >= len(in) {
			return bad()
		}
		sign := int64(1)
		if in[i] == '-' || in[i] == '+' {
			if in[i] == '-' {
				sign = -1
			}
			i++
		}
		start := i
		for ; i < len(in) && in[i] >= '0' && in[i] <= '9'; i++ {
			if exp < 1e12 {
				exp = exp*10 + int64(in[i]-'0')
			}
		}
		if i == start {
			return bad()
		}
		exp *= sign
	}
	if i < len(in) && (i != len(in)-1 || !strings.ContainsRune("fFdD", rune(in[i]))) {
		return bad()
	}
	str := mant.String() + "e" + strconv.FormatInt(exp-int64(fracDigits), 10)
	v, err := strconv.ParseFloat(str, 64)
	if err != nil && !isRangeErr(err) {
		return bad()
	}
	if neg {
		v = -v
	}
	return v, nil
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// parseHexDouble handles Java's hex form
// [+-]0[xX](hex+[.]|hex*.hex+)[pP][+-]?digits[fFdD]?.
func parseHexDouble(in string) (float64, error) {
	bad := func() (float64, error) { return 0, nfe(in) }
	s := in
	if n := len(s); n > 0 && strings.ContainsRune("fFdD", rune(s[n-1])) {
		s = s[:n-1]
	}
	body := strings.TrimLeft(s, "+-")
	if len(s)-len(body) > 1 || len(body) < 2 {
		return bad()
	}
	p := strings.IndexAny(body, "pP")
	if p < 0 {
		return bad()
	}
	mant, e := body[2:p], body[p+1:]
	isHex := func(c byte) bool {
		return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
	}
	intPart, frac, dot := strings.Cut(mant, ".")
	for _, part := range []string{intPart, frac} {
		for j := 0; j < len(part); j++ {
			if !isHex(part[j]) {
				return bad()
			}
		}
	}
	if intPart == "" && (!dot || frac == "") {
		return bad()
	}
	if e != "" && (e[0] == '+' || e[0] == '-') {
		e = e[1:]
	}
	if e == "" {
		return bad()
	}
	for j := 0; j < len(e); j++ {
		if e[j] < '0' || e[j] > '9' {
			return bad()
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil && !isRangeErr(err) {
		return bad()
	}
	return v, nil
}

// javaDoubleString is Double.toString(d) as printed by JDK 17, the JVM the
// reference Hadoop runs on. JDK 17's FloatingDecimal is not always shortest
// (JDK 19+ is): 1e23 prints as 9.999999999999999E22, 2^60 as
// 1.15292150460684698E18, 2.82879384806159E17 as 2.82879384806159008E17.
// Layout: "NaN", "Infinity", "-0.0"; plain form for 1e-3 <= |d| < 1e7
// ("100.0", "0.002"); otherwise computerized scientific form ("1.0E7",
// "1.0E-5").
func javaDoubleString(d float64) string {
	b := math.Float64bits(d)
	neg := b>>63 != 0
	fract := int64(b & (1<<52 - 1))
	binExp := int(b >> 52 & 0x7ff)
	if binExp == 0x7ff {
		switch {
		case fract != 0:
			return "NaN"
		case neg:
			return "-Infinity"
		}
		return "Infinity"
	}
	var nSig int
	if binExp == 0 {
		if fract == 0 {
			if neg {
				return "-0.0"
			}
			return "0.0"
		}
		lz := bits.LeadingZeros64(uint64(fract))
		shift := lz - (63 - 52)
		fract <<= shift
		binExp = 1 - shift
		nSig = 64 - lz
	} else {
		fract |= 1 << 52
		nSig = 53
	}
	binExp -= 1023
	digits, decExp := fdDtoa(binExp, fract, nSig)
	return fdFormat(neg, digits, decExp)
}

// n5Bits[i] approximates ceil(log2(5^i)), as FloatingDecimal's N_5_BITS.
var n5Bits = [...]int{0, 3, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28, 31, 33, 35, 38, 40, 42, 45, 47, 49, 52, 54, 56, 59, 61}

// insignificantDigitsNumber is FloatingDecimal's table of decimal digits
// below 2^i that cannot be significant.
var insignificantDigitsNumber = [...]int{
	0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3,
	4, 4, 4, 5, 5, 5, 6, 6, 6, 6, 7, 7, 7,
	8, 8, 8, 9, 9, 9, 9, 10, 10, 10, 11, 11, 11,
	12, 12, 12, 12, 13, 13, 13, 14, 14, 14,
	15, 15, 15, 15, 16, 16, 16, 17, 17, 17,
	18, 18, 18, 19,
}

func pow5(n int) int64 {
	v := int64(1)
	for ; n > 0; n-- {
		v *= 5
	}
	return v
}

// fdDtoa reproduces JDK 17 FloatingDecimal.BinaryToASCIIBuffer.dtoa (in the
// compatible format) for a positive finite value fract * 2^(binExp-52), where
// fract has its high bit at 1<<52. It returns the digits and the decimal
// exponent (value = 0.d1d2... * 10^decExp).
func fdDtoa(binExp int, fractBits int64, nSignificantBits int) ([]byte, int) {
	tailZeros := bits.TrailingZeros64(uint64(fractBits))
	nFractBits := 53 - tailZeros
	nTinyBits := max(0, nFractBits-binExp-1)
	if binExp <= 62 && binExp >= -21 && nTinyBits < 27 && nFractBits+n5Bits[nTinyBits] < 64 && nTinyBits == 0 {
		// An integer that fits in a long: print its digits, discarding
		// the ones below the precision of the double (with rounding).
		insignificant := 0
		if binExp > nSignificantBits {
			if p2 := binExp - nSignificantBits - 1; p2 > 1 && p2 < len(insignificantDigitsNumber) {
				insignificant = insignificantDigitsNumber[p2]
			}
		}
		if binExp >= 52 {
			fractBits <<= binExp - 52
		} else {
			fractBits = int64(uint64(fractBits) >> (52 - binExp))
		}
		return developLongDigits(fractBits, insignificant)
	}

	decExp := estimateDecExp(fractBits, binExp)
	B5 := max(0, -decExp)
	B2 := B5 + nTinyBits + binExp
	S5 := max(0, decExp)
	S2 := S5 + nTinyBits
	M5 := B5
	M2 := B2 - nSignificantBits

	fractBits = int64(uint64(fractBits) >> tailZeros)
	B2 -= nFractBits - 1
	common2 := min(B2, S2)
	B2 -= common2
	S2 -= common2
	M2 -= common2
	if nFractBits == 1 {
		M2--
	}
	if M2 < 0 {
		B2 -= M2
		S2 -= M2
		M2 = 0
	}

	bitsOf := func(p5 int) int {
		if p5 < len(n5Bits) {
			return n5Bits[p5]
		}
		return p5 * 3
	}
	Bbits := nFractBits + B2 + bitsOf(B5)
	tenSbits := S2 + 1 + bitsOf(S5+1)

	var digits []byte
	var low, high bool
	var lowDigitDifference int64
	eForm := func() bool { return decExp < -3 || decExp >= 8 }

	switch {
	// (FloatingDecimal also has an all-int variant for Bbits, tenSbits < 32;
	// it is only reachable for float, never for double, so it is omitted.)
	case Bbits < 64 && tenSbits < 64:
		b := fractBits * pow5(B5) << B2
		s := pow5(S5) << S2
		m := pow5(M5) << M2
		tens := s * 10
		q := b / s
		b = 10 * (b % s)
		m *= 10
		low = b < m
		high = b+m > tens
		if q == 0 && !high {
			decExp--
		} else {
			digits = append(digits, byte('0'+q))
		}
		if eForm() {
			high, low = false, false
		}
		for !low && !high {
			q = b / s
			b = 10 * (b % s)
			m *= 10
			if m > 0 {
				low = b < m
				high = b+m > tens
			} else {
				low, high = true, true
			}
			digits = append(digits, byte('0'+q))
		}
		lowDigitDifference = b<<1 - tens
	default:
		pow52 := func(p5, p2 int) *big.Int {
			v := new(big.Int).Exp(big.NewInt(5), big.NewInt(int64(p5)), nil)
			return v.Lsh(v, uint(p2))
		}
		S := pow52(S5, S2)
		B := pow52(B5, B2)
		B.Mul(B, big.NewInt(fractBits))
		M := pow52(M5+1, M2+1)
		tenS := pow52(S5+1, S2+1)
		ten := big.NewInt(10)
		q, r := new(big.Int), new(big.Int)
		sum := new(big.Int)
		step := func() int {
			q.QuoRem(B, S, r)
			B.Mul(r, ten)
			return int(q.Int64())
		}
		qd := step()
		low = B.Cmp(M) < 0
		high = tenS.Cmp(sum.Add(B, M)) <= 0
		if qd == 0 && !high {
			decExp--
		} else {
			digits = append(digits, byte('0'+qd))
		}
		if eForm() {
			high, low = false, false
		}
		for !low && !high {
			qd = step()
			M.Mul(M, ten)
			low = B.Cmp(M) < 0
			high = tenS.Cmp(sum.Add(B, M)) <= 0
			digits = append(digits, byte('0'+qd))
		}
		if high && low {
			B.Lsh(B, 1)
			lowDigitDifference = int64(B.Cmp(tenS))
		}
	}
	decExponent := decExp + 1
	if high {
		if low {
			if lowDigitDifference == 0 {
				if digits[len(digits)-1]&1 != 0 {
					digits, decExponent = fdRoundup(digits, decExponent)
				}
			} else if lowDigitDifference > 0 {
				digits, decExponent = fdRoundup(digits, decExponent)
			}
		} else {
			digits, decExponent = fdRoundup(digits, decExponent)
		}
	}
	return digits, decExponent
}

// fdRoundup adds one to the last digit, carrying as FloatingDecimal.roundup.
func fdRoundup(digits []byte, decExp int) ([]byte, int) {
	i := len(digits) - 1
	q := digits[i]
	if q == '9' {
		for q == '9' && i > 0 {
			digits[i] = '0'
			i--
			q = digits[i]
		}
		if q == '9' {
			digits[0] = '1'
			return digits, decExp + 1
		}
	}
	digits[i] = q + 1
	return digits, decExp
}

// developLongDigits is FloatingDecimal's digit development for integer
// values: drop insignificant low digits with rounding, strip trailing zeros.
func developLongDigits(lvalue int64, insignificant int) ([]byte, int) {
	decExp := 0
	if insignificant != 0 {
		pow10 := pow5(insignificant) << insignificant
		residue := lvalue % pow10
		lvalue /= pow10
		decExp += insignificant
		if residue >= pow10>>1 {
			lvalue++
		}
	}
	s := strconv.FormatInt(lvalue, 10)
	digits := []byte(strings.TrimRight(s, "0"))
	return digits, decExp + len(s)
}

// estimateDecExp is FloatingDecimal.estimateDecExp: floor(log10(value))
// estimated from the binary exponent and mantissa (may be one too high).
func estimateDecExp(fractBits int64, binExp int) int {
	d2 := math.Float64frombits(uint64(1023)<<52 | uint64(fractBits)&(1<<52-1))
	// Explicit conversions keep each operation separately rounded, as in Java.
	d := float64(float64((d2-1.5)*0.289529654)+0.176091259) + float64(float64(binExp)*0.301029995663981)
	return int(math.Floor(d))
}

// fdFormat lays digits out as FloatingDecimal.getChars does.
func fdFormat(neg bool, digits []byte, decExp int) string {
	var sb strings.Builder
	if neg {
		sb.WriteByte('-')
	}
	n := len(digits)
	switch {
	case decExp > 0 && decExp < 8:
		c := min(n, decExp)
		sb.Write(digits[:c])
		if c < decExp {
			sb.WriteString(strings.Repeat("0", decExp-c))
			sb.WriteString(".0")
		} else {
			sb.WriteByte('.')
			if c < n {
				sb.Write(digits[c:])
			} else {
				sb.WriteByte('0')
			}
		}
	case decExp <= 0 && decExp > -3:
		sb.WriteString("0.")
		sb.WriteString(strings.Repeat("0", -decExp))
		sb.Write(digits)
	default:
		sb.WriteByte(digits[0])
		sb.WriteByte('.')
		if n > 1 {
			sb.Write(digits[1:])
		} else {
			sb.WriteByte('0')
		}
		sb.WriteByte('E')
		if decExp <= 0 {
			sb.WriteByte('-')
			sb.WriteString(strconv.Itoa(-decExp + 1))
		} else {
			sb.WriteString(strconv.Itoa(decExp - 1))
		}
	}
	return sb.String()
}
