package mapreduce

import (
	"fmt"
	"regexp"
	"strings"
)

// hasGlob reports whether a path component uses Hadoop glob syntax.
func hasGlob(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '*', '?', '[', '{':
			return true
		}
	}
	return false
}

// compileGlob turns one path component in Hadoop's glob syntax (*, ?,
// [set], [^set], {a,b}, \ escapes) into an anchored regular expression.
func compileGlob(pat string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString("^")
	depth := 0
	inSet := false
	for i := 0; i < len(pat); i++ {
		c := pat[i]
		if inSet {
			switch c {
			case ']':
				inSet = false
				b.WriteByte(']')
			case '\\':
				if i+1 < len(pat) {
					i++
					b.WriteString(regexp.QuoteMeta(string(pat[i])))
				}
			case '[', '&', '~', '|':
				b.WriteByte('\\')
				b.WriteByte(c)
			default:
				b.WriteByte(c)
			}
			continue
		}
		switch c {
		case '\\':
			if i+1 >= len(pat) {
				return nil, fmt.Errorf("illegal file pattern: missing escaped character at end of %q", pat)
			}
			i++
			b.WriteString(regexp.QuoteMeta(string(pat[i])))
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		case '{':
			depth++
			b.WriteString("(?:")
		case ',':
			if depth > 0 {
				b.WriteByte('|')
			} else {
				b.WriteByte(',')
			}
		case '}':
			if depth == 0 {
				b.WriteString("\\}")
				continue
			}
			depth--
			b.WriteByte(')')
		case '[':
			inSet = true
			b.WriteByte('[')
			if i+1 < len(pat) && (pat[i+1] == '^' || pat[i+1] == '!') {
				i++
				b.WriteByte('^')
			}
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	if inSet {
		return nil, fmt.Errorf("illegal file pattern: unclosed character class in %q", pat)
	}
	if depth != 0 {
		return nil, fmt.Errorf("illegal file pattern: unclosed group in %q", pat)
	}
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil, fmt.Errorf("illegal file pattern %q: %w", pat, err)
	}
	return re, nil
}

// HasGlob reports whether a path component uses Hadoop glob syntax (*, ?,
// [set], {a,b}).
func HasGlob(s string) bool { return hasGlob(s) }

// CompileGlob turns one path component in Hadoop's glob syntax into an
// anchored regular expression, as Hadoop's GlobPattern does.
func CompileGlob(pat string) (*regexp.Regexp, error) { return compileGlob(pat) }
