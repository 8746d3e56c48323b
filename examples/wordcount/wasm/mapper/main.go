// Command mapper is the word count mapper of mapper.py in Go, for the wasm
// backend (build with ../build.sh): one "word<TAB>1" line per word of its
// input.
//
// Words are what Python's str.split() finds: runs of characters that are not
// whitespace, where whitespace is Go's unicode.IsSpace plus U+001C..U+001F
// (Python counts the information separators as whitespace, Go does not).
// For valid UTF-8 the output is mapper.py's, byte for byte. Input that is not
// UTF-8 makes mapper.py fail with UnicodeDecodeError; this mapper passes the
// bytes through inside words instead.
package main

import (
	"bufio"
	"fmt"
	"os"
	"unicode"
	"unicode/utf8"
)

func isSpace(r rune) bool { return unicode.IsSpace(r) || r >= 0x1c && r <= 0x1f }

// scanWords is bufio.ScanWords with Python's whitespace.
func scanWords(data []byte, atEOF bool) (advance int, token []byte, err error) {
	start := 0
	for start < len(data) {
		r, n := utf8.DecodeRune(data[start:])
		if !isSpace(r) {
			break
		}
		start += n
	}
	for i := start; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if isSpace(r) {
			return i + n, data[start:i], nil
		}
		i += n
	}
	if atEOF && len(data) > start {
		return len(data), data[start:], nil
	}
	return start, nil, nil
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 64<<10), 1<<30)
	in.Split(scanWords)
	out := bufio.NewWriterSize(os.Stdout, 64<<10)
	for in.Scan() {
		out.Write(in.Bytes())
		out.WriteString("\t1\n")
	}
	if err := in.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "mapper:", err)
		os.Exit(1)
	}
	if err := out.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "mapper:", err)
		os.Exit(1)
	}
}
