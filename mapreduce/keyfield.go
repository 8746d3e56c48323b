package mapreduce

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
	"zebra/mapreduce/javanum"
)

// This file reproduces Hadoop 3.4.1's key-field machinery: the option
// language of org.apache.hadoop.mapreduce.lib.partition.KeyFieldHelper, the
// KeyFieldBasedComparator and KeyFieldBasedPartitioner built on it, and the
// default HashPartitioner over Text keys. Behaviour (including Hadoop's odd
// corners) is verified against the real Java classes by the golden tables in
// testdata/keyfield_golden.tsv; see testdata/javaref for how they are made.

// KeyFieldSpec is one parsed "-k" key description. Field and character
// positions are 1-based as written by the user; EndField 0 means "to the end of
// the key" and EndChar 0 means "to the end of the field". Values are kept
// exactly as Hadoop parsed them, so zero or negative positions are possible.
type KeyFieldSpec struct {
	BeginField int
	BeginChar  int
	EndField   int
	EndChar    int
	Numeric    bool
	Reverse    bool
}

// String renders the spec the way Hadoop's KeyDescription.toString does, for
// example "-k2.1,2.0nr".
func (k KeyFieldSpec) String() string {
	s := fmt.Sprintf("-k%d.%d,%d.%d", k.BeginField, k.BeginChar, k.EndField, k.EndChar)
	if k.Numeric {
		s += "n"
	}
	if k.Reverse {
		s += "r"
	}
	return s
}

// wholeKeySpec is KeyDescription's default: from field 1, char 1 to the end.
var wholeKeySpec = KeyFieldSpec{BeginField: 1, BeginChar: 1}

// ErrKeyFieldOptions is matched (errors.Is) by every error returned for an
// option string that Hadoop's KeyFieldHelper.parseOption rejects.
var ErrKeyFieldOptions = errors.New("invalid key field options")

// KeyFieldOptionError is the failure Hadoop raises while parsing a key field
// option string. Exception is the Java class Hadoop throws and Message its
// message ("" when Java's is null); Error renders them as Throwable.toString
// does, which is what a failed Hadoop task reports.
type KeyFieldOptionError struct {
	Options   string
	Exception string
	Message   string
}

// Error returns "<exception>[: <message>]", e.g.
// "java.lang.IllegalArgumentException: Invalid -k argument. ...".
func (e *KeyFieldOptionError) Error() string {
	if e.Message == "" {
		return e.Exception
	}
	return e.Exception + ": " + e.Message
}

// Is reports whether target is ErrKeyFieldOptions.
func (e *KeyFieldOptionError) Is(target error) bool { return target == ErrKeyFieldOptions }

const invalidKArg = "Invalid -k argument. Must be of the form -k pos1,[pos2], where pos is of the form f[.c]nr"

type keyParseError struct{ exc, msg string }

func errIAE() *keyParseError {
	return &keyParseError{"java.lang.IllegalArgumentException", invalidKArg}
}
func errNoToken() *keyParseError {
	return &keyParseError{"java.util.NoSuchElementException", ""}
}
func errNFE(s string) *keyParseError {
	return &keyParseError{"java.lang.NumberFormatException", `For input string: "` + s + `"`}
}

// ParseKeyFieldOptions parses a -k/-n/-r/-nr option string exactly as Hadoop's
// KeyFieldHelper.parseOption does:
//
//   - "" yields no specs (callers then use whole-key byte order / String.hashCode);
//   - tokens are split on Java whitespace (space, \t, \n, \r, \f); "-n", "-r",
//     "-nr" set global flags, "-k<spec>" or "-k <spec>" add a spec, anything else
//     is ignored, and a trailing bare "-k" is ignored;
//   - a spec with neither n nor r of its own inherits the global flags;
//   - a non-empty string with no -k spec yields one whole-key spec carrying the
//     global flags.
//
// The returned error wraps a *KeyFieldOptionError (and matches
// ErrKeyFieldOptions) carrying the exception Hadoop would throw.
func ParseKeyFieldOptions(opts string) ([]KeyFieldSpec, error) {
	specs, _, err := parseKeyFieldOptions(opts)
	return specs, err
}

// parseKeyFieldOptions also reports KeyFieldHelper's keySpecSeen flag, which
// decides whether keys are split into fields at all.
func parseKeyFieldOptions(opts string) (specs []KeyFieldSpec, seen bool, err error) {
	if opts == "" {
		return nil, false, nil
	}
	toks := strings.FieldsFunc(opts, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f'
	})
	var global KeyFieldSpec = wholeKeySpec
	for i := 0; i < len(toks); i++ {
		arg := toks[i]
		switch arg {
		case "-n":
			global.Numeric = true
		case "-r":
			global.Reverse = true
		case "-nr":
			global.Numeric, global.Reverse = true, true
		}
		if !strings.HasPrefix(arg, "-k") {
			continue
		}
		var keyArgs string
		if len(arg) == 2 {
			if i+1 < len(toks) {
				i++
				keyArgs = toks[i]
			}
		} else {
			keyArgs = arg[2:]
		}
		if keyArgs == "" {
			continue
		}
		k, perr := parseKeySpec(keyArgs)
		if perr != nil {
			e := &KeyFieldOptionError{Options: opts, Exception: perr.exc, Message: perr.msg}
			return nil, false, fmt.Errorf("key field options %q: %w", opts, e)
		}
		specs = append(specs, k)
		seen = true
	}
	for i := range specs {
		if !specs[i].Reverse && !specs[i].Numeric {
			specs[i].Reverse, specs[i].Numeric = global.Reverse, global.Numeric
		}
	}
	if len(specs) == 0 {
		specs = append(specs, global)
	}
	return specs, seen, nil
}

// specTokens splits s like java.util.StringTokenizer(s, "nr.,", true).
func specTokens(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case 'n', 'r', '.', ',':
			if i > start {
				out = append(out, s[start:i])
			}
			out = append(out, s[i:i+1])
			start = i + 1
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// parseKeySpec mirrors KeyFieldHelper.parseKey for the text after "-k".
func parseKeySpec(keyArgs string) (KeyFieldSpec, *keyParseError) {
	toks := specTokens(keyArgs)
	pos := 0
	more := func() bool { return pos < len(toks) }
	next := func() (string, *keyParseError) {
		if pos >= len(toks) {
			return "", errNoToken()
		}
		pos++
		return toks[pos-1], nil
	}
	num := func(s string) (int, *keyParseError) {
		v, ok := javanum.ParseInt(s)
		if !ok {
			return 0, errNFE(s)
		}
		return v, nil
	}
	k := wholeKeySpec
	var tok string
	var err *keyParseError
	if more() {
		tok, _ = next()
		if k.BeginField, err = num(tok); err != nil {
			return k, err
		}
	}
	if !more() {
		return k, nil
	}
	tok, _ = next()
	if tok == "." {
		if tok, err = next(); err != nil {
			return k, err
		}
		if k.BeginChar, err = num(tok); err != nil {
			return k, err
		}
		if !more() {
			return k, nil
		}
		tok, _ = next()
	}
	for tok == "n" || tok == "r" {
		if tok == "n" {
			k.Numeric = true
		} else {
			k.Reverse = true
		}
		if !more() {
			return k, nil
		}
		tok, _ = next()
	}
	if tok != "," {
		return k, errIAE()
	}
	if tok, err = next(); err != nil {
		return k, err
	}
	if k.EndField, err = num(tok); err != nil {
		return k, err
	}
	if !more() {
		return k, nil
	}
	tok, _ = next()
	if tok == "." {
		if tok, err = next(); err != nil {
			return k, err
		}
		if k.EndChar, err = num(tok); err != nil {
			return k, err
		}
		if !more() {
			return k, nil
		}
		tok, _ = next()
	}
	for {
		switch tok {
		case "n":
			k.Numeric = true
		case "r":
			k.Reverse = true
		default:
			return k, errIAE()
		}
		if !more() {
			return k, nil
		}
		tok, _ = next()
	}
}

// KeyFieldHelper field location.

type keyFields struct {
	sep     []byte
	lengths []int // lengths[0] = number of fields, then field lengths
}

// splitFields mirrors KeyFieldHelper.getWordLengths over key (start 0, end
// len), appending to buf[:0]. Including its quirk: after a separator match the
// scan resumes at the match position + 1, not + len(sep). Without any -k spec
// (seen false) the whole key is one field.
func splitFields(buf []int, key, sep []byte, seen bool) keyFields {
	l := append(buf[:0], 1)
	if !seen {
		return keyFields{sep: sep, lengths: l}
	}
	start, end := 0, len(key)
	for {
		pos := findBytes(key, start, end, sep)
		if pos < 0 {
			break
		}
		l = append(l, pos-start)
		start = pos + 1
	}
	n := len(l) // == idx (number of fields) in Java terms
	if start != end {
		l = append(l, end-start)
	} else {
		l = append(l, 0)
	}
	l[0] = n
	return keyFields{sep: sep, lengths: l}
}

// findBytes is UTF8ByteArrayUtils.findBytes: first i in [start, end-len(b)]
// where b occurs, or -1.
func findBytes(utf []byte, start, end int, b []byte) int {
	matchEnd := end - len(b)
	for i := start; i <= matchEnd; i++ {
		if bytes.Equal(utf[i:i+len(b)], b) {
			return i
		}
	}
	return -1
}

// length returns lengthIndices[i] (0 past the array's used part, as Java's
// zero-initialised array would).
func (f *keyFields) length(i int) int {
	if i < len(f.lengths) {
		return f.lengths[i]
	}
	return 0
}

// startOffset is KeyFieldHelper.getStartOffset relative to the key start; ok
// is false when Hadoop reports the field absent. The offset may be negative
// for zero or negative character positions.
func (f *keyFields) startOffset(n int, k *KeyFieldSpec) (off int, ok bool) {
	if f.lengths[0] >= k.BeginField {
		position := 0
		for i := 1; i < k.BeginField; i++ {
			position += f.length(i) + len(f.sep)
		}
		if position+k.BeginChar <= n {
			return position + k.BeginChar - 1, true
		}
	}
	return -1, false
}

// endOffset is KeyFieldHelper.getEndOffset relative to the key start.
func (f *keyFields) endOffset(n int, k *KeyFieldSpec) int {
	if k.EndField == 0 {
		return n - 1
	}
	if f.lengths[0] >= k.EndField {
		position := 0
		i := 1
		for ; i < k.EndField; i++ {
			position += f.length(i) + len(f.sep)
		}
		if k.EndChar == 0 {
			position += f.length(i)
		}
		if position+k.EndChar <= n {
			return position + k.EndChar - 1
		}
	}
	return n - 1
}

// NewKeyFieldComparator returns Hadoop's KeyFieldBasedComparator for Text
// keys given the value of mapreduce.partition.keycomparator.options and the
// key field separator (mapreduce.map.output.key.field.separator, normally
// "\t"). The function receives the raw key bytes (without Text's length
// prefix) and returns a value whose sign matches Hadoop's compare.
//
// Contract, as in Hadoop: specs are compared in order and the first non-zero
// result wins; if all are equal the keys are equal (there is no whole-key
// tie-break). An absent field sorts first (last with r); if both are absent the
// first argument is the smaller. -n compares the raw bytes numerically with
// Hadoop's own rules (optional '-', digits, optional fraction, no blank
// skipping). With opts == "" it is plain bytes.Compare.
//
// Character positions that resolve before the key's first byte read Text's
// serialized vint length prefix, as Hadoop does; positions before that prefix
// (undefined in Hadoop, which reads neighbouring buffer bytes or fails) read 0.
func NewKeyFieldComparator(opts string, sep []byte) (func(a, b []byte) int, error) {
	specs, seen, err := parseKeyFieldOptions(opts)
	if err != nil {
		return nil, err
	}
	if len(specs) == 0 {
		return bytes.Compare, nil
	}
	sep = bytes.Clone(sep)
	return func(a, b []byte) int {
		var bufA, bufB [24]int
		fa := splitFields(bufA[:0], a, sep, seen)
		fb := splitFields(bufB[:0], b, sep, seen)
		ta := textBytes{key: a}
		tb := textBytes{key: b}
		for i := range specs {
			k := &specs[i]
			s1, ok1 := fa.startOffset(len(a), k)
			s2, ok2 := fb.startOffset(len(b), k)
			e1, e2 := fa.endOffset(len(a), k), fb.endOffset(len(b), k)
			if r := compareByteSequence(&ta, s1, e1, ok1, &tb, s2, e2, ok2, k); r != 0 {
				return r
			}
		}
		return 0
	}, nil
}

// textBytes gives indexed access to a key as Hadoop's comparator sees it: the
// key bytes at 0..len-1 preceded by Text's vint length prefix.
type textBytes struct {
	key    []byte
	prefix []byte
	done   bool
}

func (t *textBytes) at(i int) int8 {
	if i >= 0 && i < len(t.key) {
		return int8(t.key[i])
	}
	if i >= 0 {
		return 0
	}
	if !t.done {
		t.prefix = appendVInt(nil, int64(len(t.key)))
		t.done = true
	}
	if j := len(t.prefix) + i; j >= 0 {
		return int8(t.prefix[j])
	}
	return 0
}

// appendVInt appends Hadoop's WritableUtils.writeVLong encoding of v.
func appendVInt(dst []byte, v int64) []byte {
	if v >= -112 && v <= 127 {
		return append(dst, byte(v))
	}
	l := -112
	if v < 0 {
		v = ^v
		l = -120
	}
	for tmp := v; tmp != 0; tmp >>= 8 {
		l--
	}
	dst = append(dst, byte(l))
	n := -(l + 112)
	if l < -120 {
		n = -(l + 120)
	}
	for idx := n; idx != 0; idx-- {
		shift := uint((idx - 1) * 8)
		dst = append(dst, byte(v>>shift))
	}
	return dst
}

// compareByteSequence mirrors KeyFieldBasedComparator.compareByteSequence;
// ok1/ok2 report whether each side's start field is present.
func compareByteSequence(a *textBytes, start1, end1 int, ok1 bool, b *textBytes, start2, end2 int, ok2 bool, k *KeyFieldSpec) int {
	if !ok1 {
		if k.Reverse {
			return 1
		}
		return -1
	}
	if !ok2 {
		if k.Reverse {
			return -1
		}
		return 1
	}
	var r int
	if k.Numeric {
		r = numericalCompare(a, start1, end1, b, start2, end2)
	} else {
		r = compareRange(a, start1, end1-start1+1, b, start2, end2-start2+1)
	}
	if k.Reverse {
		return -r
	}
	return r
}

// compareRange is WritableComparator.compareBytes: unsigned lexicographic,
// then length difference (lengths may be negative for inverted ranges).
func compareRange(a *textBytes, s1, l1 int, b *textBytes, s2, l2 int) int {
	n := min(l1, l2)
	if s1 >= 0 && s2 >= 0 && n > 0 {
		x, y := a.key[s1:s1+n], b.key[s2:s2+n]
		if bytes.Equal(x, y) {
			return l1 - l2
		}
		for i := range x {
			if x[i] != y[i] {
				return int(x[i]) - int(y[i])
			}
		}
	}
	for i := 0; i < n; i++ {
		x, y := uint8(a.at(s1+i)), uint8(b.at(s2+i))
		if x != y {
			return int(x) - int(y)
		}
	}
	return l1 - l2
}

func isDigit(c int8) bool { return c >= '0' && c <= '9' }

// numericalCompare mirrors KeyFieldBasedComparator.numericalCompare.
func numericalCompare(a *textBytes, start1, end1 int, b *textBytes, start2, end2 int) int {
	i, j := start1, start2
	mul := 1
	firstA, firstB := a.at(i), b.at(j)
	if firstA == '-' {
		if firstB != '-' {
			return oneNegativeCompare(a, start1+1, end1, b, start2, end2)
		}
		i++
	}
	if firstB == '-' {
		if firstA != '-' {
			return -oneNegativeCompare(b, start2+1, end2, a, start1, end1)
		}
		j++
	}
	if firstA == '-' && firstB == '-' {
		mul = -1
	}
	for i <= end1 && a.at(i) == '0' {
		i++
	}
	for j <= end2 && b.at(j) == '0' {
		j++
	}
	for i <= end1 && j <= end2 {
		if !isDigit(a.at(i)) || a.at(i) != b.at(j) {
			break
		}
		i++
		j++
	}
	if i <= end1 {
		firstA = a.at(i)
	}
	if j <= end2 {
		firstB = b.at(j)
	}
	firstResult := int(firstA) - int(firstB)
	if (firstA == '.' && (!isDigit(firstB) || j > end2)) ||
		(firstB == '.' && (!isDigit(firstA) || i > end1)) {
		return mul * decimalCompare(a, i, end1, b, j, end2)
	}
	remA, remB := 0, 0
	for i <= end1 {
		c := a.at(i)
		i++
		if !isDigit(c) {
			break
		}
		remA++
	}
	for j <= end2 {
		c := b.at(j)
		j++
		if !isDigit(c) {
			break
		}
		remB++
	}
	if ret := remA - remB; ret != 0 {
		return mul * ret
	}
	return mul * firstResult
}

func decimalCompare(a *textBytes, i, end1 int, b *textBytes, j, end2 int) int {
	if i > end1 {
		return -decimalCompare1(b, j+1, end2)
	}
	if j > end2 {
		return decimalCompare1(a, i+1, end1)
	}
	switch {
	case a.at(i) == '.' && b.at(j) == '.':
		for i <= end1 && j <= end2 {
			x, y := a.at(i), b.at(j)
			if x != y {
				switch {
				case isDigit(x) && isDigit(y):
					return int(x) - int(y)
				case isDigit(x):
					return 1
				case isDigit(y):
					return -1
				}
				return 0
			}
			i++
			j++
		}
		if i > end1 && j > end2 {
			return 0
		}
		if i > end1 {
			return -decimalCompare1(b, j, end2)
		}
		return decimalCompare1(a, i, end1)
	case a.at(i) == '.':
		return decimalCompare1(a, i+1, end1)
	case b.at(j) == '.':
		return -decimalCompare1(b, j+1, end2)
	}
	return 0
}

func decimalCompare1(a *textBytes, i, end int) int {
	for ; i <= end; i++ {
		c := a.at(i)
		if c == '0' {
			continue
		}
		if isDigit(c) {
			return 1
		}
		return 0
	}
	return 0
}

func oneNegativeCompare(a *textBytes, start1, end1 int, b *textBytes, start2, end2 int) int {
	if !isZero(a, start1, end1) {
		return -1
	}
	if !isZero(b, start2, end2) {
		return -1
	}
	return 0
}

// isZero mirrors KeyFieldBasedComparator.isZero (non-digits count as zero).
func isZero(a *textBytes, start, end int) bool {
	i := start
	for i <= end {
		c := a.at(i)
		if c != '0' {
			if c != '.' && isDigit(c) {
				return false
			}
			break
		}
		i++
	}
	if i != end+1 {
		c := a.at(i)
		i++
		if c == '.' {
			for i <= end {
				c := a.at(i)
				if c != '0' {
					if isDigit(c) {
						return false
					}
					break
				}
				i++
			}
		}
	}
	return true
}

// NewKeyFieldPartitioner returns Hadoop's KeyFieldBasedPartitioner given the
// value of mapreduce.partition.keypartitioner.options and the key field
// separator. The returned function maps a raw Text key to [0, numPartitions).
//
// With opts == "" it is (String.hashCode(key.toString()) & MaxInt32) % n, the
// Java string hash over UTF-16 code units of the key decoded as Text does
// (malformed UTF-8 becomes U+FFFD). Otherwise the key is first re-encoded as
// UTF-8 of that decoded string; an empty key goes to partition 0; and the hash
// (initial 0, h = 31*h + signed byte) runs over the byte range of every spec
// whose start field is present.
func NewKeyFieldPartitioner(opts string, sep []byte) (func(key []byte, numPartitions int) int, error) {
	specs, seen, err := parseKeyFieldOptions(opts)
	if err != nil {
		return nil, err
	}
	if len(specs) == 0 {
		return func(key []byte, numPartitions int) int {
			return int(javaStringHash(key)&0x7fffffff) % numPartitions
		}, nil
	}
	sep = bytes.Clone(sep)
	return func(key []byte, numPartitions int) int {
		kb := JavaTextString(key)
		if len(kb) == 0 {
			return 0
		}
		var buf [24]int
		f := splitFields(buf[:0], kb, sep, seen)
		var h int32
		for i := range specs {
			k := &specs[i]
			s, _ := f.startOffset(len(kb), k)
			if s < 0 { // absent, or before the key (Hadoop's startChar < 0 test)
				continue
			}
			e := f.endOffset(len(kb), k)
			for p := s; p <= e; p++ {
				h = 31*h + int32(int8(kb[p]))
			}
		}
		return int(h&0x7fffffff) % numPartitions
	}, nil
}

// HashPartition is Hadoop's default HashPartitioner for a Text key:
// (hashBytes(key) & MaxInt32) % numPartitions, where hashBytes starts at 1 and
// folds h = 31*h + signed byte over the key bytes (no length prefix).
func HashPartition(key []byte, numPartitions int) int {
	h := int32(1)
	for _, c := range key {
		h = 31*h + int32(int8(c))
	}
	return int(h&0x7fffffff) % numPartitions
}

// javaStringHash is String.hashCode of Text.toString(key).
func javaStringHash(key []byte) int32 {
	var h int32
	javaDecodeText(key, func(r rune) {
		if r >= 0x10000 {
			hi, lo := utf16Pair(r)
			h = 31*h + int32(hi)
			h = 31*h + int32(lo)
			return
		}
		h = 31*h + int32(r)
	})
	return h
}

func utf16Pair(r rune) (hi, lo uint16) {
	r -= 0x10000
	return uint16(0xD800 + (r>>10)&0x3FF), uint16(0xDC00 + r&0x3FF)
}

// JavaTextString returns the UTF-8 bytes of Hadoop's Text.toString() of b, i.e.
// what new Text(text.toString()) holds: b decoded by Java's UTF-8 decoder with
// malformed input replaced by U+FFFD (one per malformed subsequence, as the
// JDK defines them), then re-encoded. The result is valid UTF-8; it is b
// itself (not a copy) when b is already valid UTF-8.
func JavaTextString(b []byte) []byte {
	if utf8.Valid(b) {
		return b
	}
	out := make([]byte, 0, len(b)+8)
	javaDecodeText(b, func(r rune) { out = utf8.AppendRune(out, r) })
	return out
}

func isCont(c byte) bool { return c&0xC0 == 0x80 }

// javaDecodeText decodes b like the JDK 17 UTF-8 CharsetDecoder with
// CodingErrorAction.REPLACE, calling emit for each code point (U+FFFD for each
// malformed unit the JDK reports).
func javaDecodeText(b []byte, emit func(rune)) {
	const bad = utf8.RuneError
	for i := 0; i < len(b); {
		c := b[i]
		rem := len(b) - i
		switch {
		case c < 0x80:
			emit(rune(c))
			i++
		case c>>5 == 0x6 && c&0x1E != 0: // 2-byte lead C2..DF
			if rem < 2 {
				emit(bad)
				i = len(b)
				continue
			}
			if !isCont(b[i+1]) {
				emit(bad)
				i++
				continue
			}
			emit(rune(c&0x1F)<<6 | rune(b[i+1]&0x3F))
			i += 2
		case c>>4 == 0xE: // 3-byte lead
			mal2 := func(b2 byte) bool { return (c == 0xE0 && b2&0xE0 == 0x80) || !isCont(b2) }
			if rem < 3 {
				if rem > 1 && mal2(b[i+1]) {
					emit(bad)
					i++
					continue
				}
				emit(bad)
				i = len(b)
				continue
			}
			b2, b3 := b[i+1], b[i+2]
			if mal2(b2) || !isCont(b3) {
				emit(bad)
				if mal2(b2) {
					i++
				} else {
					i += 2
				}
				continue
			}
			r := rune(c&0x0F)<<12 | rune(b2&0x3F)<<6 | rune(b3&0x3F)
			if r >= 0xD800 && r <= 0xDFFF {
				emit(bad)
				i += 3
				continue
			}
			emit(r)
			i += 3
		case c>>3 == 0x1E: // 4-byte lead F0..F7
			mal42 := func(b2 byte) bool {
				return (c == 0xF0 && (b2 < 0x90 || b2 > 0xBF)) || (c == 0xF4 && b2&0xF0 != 0x80) || !isCont(b2)
			}
			if rem < 4 {
				if c > 0xF4 || (rem > 1 && mal42(b[i+1])) {
					emit(bad)
					i++
					continue
				}
				if rem > 2 && !isCont(b[i+2]) {
					emit(bad)
					i += 2
					continue
				}
				emit(bad)
				i = len(b)
				continue
			}
			b2, b3, b4 := b[i+1], b[i+2], b[i+3]
			r := rune(c&0x07)<<18 | rune(b2&0x3F)<<12 | rune(b3&0x3F)<<6 | rune(b4&0x3F)
			if !isCont(b2) || !isCont(b3) || !isCont(b4) || r < 0x10000 || r > 0x10FFFF {
				emit(bad)
				switch {
				case c > 0xF4 || mal42(b2):
					i++
				case !isCont(b3):
					i += 2
				default:
					i += 3
				}
				continue
			}
			emit(r)
			i += 4
		default:
			emit(bad)
			i++
		}
	}
}
