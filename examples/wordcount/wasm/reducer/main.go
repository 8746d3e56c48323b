// Command reducer is the word count reducer of reducer.py in Go, for the
// wasm backend (build with ../build.sh): its input is sorted by word; it
// prints "word<TAB>total" once per run of equal words.
//
// As in reducer.py, a line ends at "\n", "\r\n" or "\r" (Python's universal
// newlines), the word is what precedes the first tab and the count what
// follows it. Counts are parsed as Python's int() does for what a mapper
// emits (surrounding whitespace and a sign allowed), but must fit in 64 bits
// and may not contain "_" digit separators; a bad count ends the program
// with exit status 1, as reducer.py's ValueError does.
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"unicode"
)

// scanLines splits at "\n", "\r\n" and "\r", dropping the line end.
func scanLines(data []byte, atEOF bool) (advance int, token []byte, err error) {
	if i := bytes.IndexAny(data, "\r\n"); i >= 0 {
		if data[i] == '\n' {
			return i + 1, data[:i], nil
		}
		if i+1 < len(data) {
			if data[i+1] == '\n' {
				return i + 2, data[:i], nil
			}
			return i + 1, data[:i], nil
		}
		if atEOF {
			return i + 1, data[:i], nil
		}
		return 0, nil, nil // a "\r" at the end: "\r\n" or not?
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 64<<10), 1<<30)
	in.Split(scanLines)
	out := bufio.NewWriterSize(os.Stdout, 64<<10)
	var current []byte
	var total int64
	have := false
	emit := func() {
		out.Write(current)
		out.WriteByte('\t')
		out.WriteString(strconv.FormatInt(total, 10))
		out.WriteByte('\n')
	}
	for in.Scan() {
		line := in.Bytes()
		word, count, _ := bytes.Cut(line, []byte("\t"))
		if !have || !bytes.Equal(word, current) {
			if have {
				emit()
			}
			current, total, have = append(current[:0], word...), 0, true
		}
		n, err := strconv.ParseInt(string(bytes.TrimFunc(count, isSpace)), 10, 64)
		if err != nil {
			out.Flush()
			fmt.Fprintf(os.Stderr, "reducer: invalid literal for int() with base 10: %q\n", count)
			os.Exit(1)
		}
		total += n
	}
	if err := in.Err(); err != nil {
		out.Flush()
		fmt.Fprintln(os.Stderr, "reducer:", err)
		os.Exit(1)
	}
	if have {
		emit()
	}
	if err := out.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "reducer:", err)
		os.Exit(1)
	}
}

// isSpace is Python's whitespace: Go's plus U+001C..U+001F.
func isSpace(r rune) bool { return unicode.IsSpace(r) || r >= 0x1c && r <= 0x1f }
