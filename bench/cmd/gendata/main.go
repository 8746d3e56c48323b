// Command gendata writes the deterministic inputs of bench/run.sh.
//
//	gendata text    -size BYTES -out FILE  [-seed N]   Zipf-distributed words, lines of 4..16 words
//	gendata records -size BYTES -out FILE  [-seed N]   100-byte records: 10-byte key, payload, '\n'
//	gendata tiny    -files N -size BYTES -dir DIR [-seed N]   N small text files
//
// The same flags always give the same bytes (PCG seeded by -seed).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: gendata text|records|tiny [flags]")
		os.Exit(2)
	}
	mode := os.Args[1]
	fs := flag.NewFlagSet(mode, flag.ExitOnError)
	size := fs.Int64("size", 1<<20, "bytes to write (per file for tiny)")
	out := fs.String("out", "", "output file")
	dir := fs.String("dir", "", "output directory (tiny)")
	files := fs.Int("files", 2000, "number of files (tiny)")
	seed := fs.Uint64("seed", 1, "random seed")
	fs.Parse(os.Args[2:])
	var err error
	switch mode {
	case "text":
		err = writeFile(*out, func(w *bufio.Writer) { text(w, *size, *seed) })
	case "records":
		err = writeFile(*out, func(w *bufio.Writer) { records(w, *size, *seed) })
	case "tiny":
		err = tiny(*dir, *files, *size, *seed)
	default:
		err = fmt.Errorf("unknown mode %q", mode)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gendata:", err)
		os.Exit(1)
	}
}

func writeFile(path string, body func(*bufio.Writer)) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	body(w)
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// vocabulary builds n distinct pseudo-words; shorter words get the lower
// (more frequent) ranks, as in natural language.
func vocabulary(r *rand.Rand, n int) [][]byte {
	const letters = "etaoinshrdlcumwfgypbvkjxqz"
	seen := make(map[string]bool, n)
	words := make([][]byte, 0, n)
	for len(words) < n {
		// Length grows slowly with rank: 1..3 letters for the top words,
		// up to 12 for the tail.
		rank := len(words)
		maxLen := 2 + bitLen(rank)
		if maxLen > 12 {
			maxLen = 12
		}
		l := 1 + r.Intn(maxLen)
		b := make([]byte, l)
		for i := range b {
			// Skewed letter choice: frequent letters more often.
			j := r.Intn(len(letters))
			j = j * r.Intn(len(letters)) / len(letters)
			b[i] = letters[j]
		}
		if r.Intn(20) == 0 {
			b[0] -= 'a' - 'A' // some capitalised words
		}
		if seen[string(b)] {
			continue
		}
		seen[string(b)] = true
		words = append(words, b)
	}
	return words
}

func bitLen(x int) int {
	n := 0
	for x > 0 {
		x >>= 1
		n++
	}
	return n
}

// text writes about size bytes of lines of Zipf(s=1.07) words from a
// 100,000-word vocabulary, with occasional punctuation; whole lines only.
func text(w *bufio.Writer, size int64, seed uint64) {
	r := rand.New(rand.NewSource(int64(seed)))
	words := vocabulary(r, 100000)
	z := rand.NewZipf(r, 1.07, 2, uint64(len(words)-1))
	punct := []byte(".,;:!?")
	var n int64
	line := make([]byte, 0, 256)
	for n < size {
		line = line[:0]
		nw := 4 + r.Intn(13)
		for i := 0; i < nw; i++ {
			if i > 0 {
				line = append(line, ' ')
			}
			line = append(line, words[z.Uint64()]...)
			if r.Intn(12) == 0 {
				line = append(line, punct[r.Intn(len(punct))])
			}
		}
		line = append(line, '\n')
		if n+int64(len(line)) > size && n > 0 {
			break
		}
		w.Write(line)
		n += int64(len(line))
	}
}

// records writes size/100 records in the spirit of gensort's ASCII mode:
// a 10-byte key of printable characters (no tab), two spaces, the record
// number as 32 hex digits, two spaces, 52 filler bytes, '\n'.
func records(w *bufio.Writer, size int64, seed uint64) {
	r := rand.New(rand.NewSource(int64(seed)))
	var rec [100]byte
	n := size / 100
	for i := int64(0); i < n; i++ {
		for j := 0; j < 10; j++ {
			rec[j] = byte(' ' + r.Intn(95)) // ' '..'~'
		}
		rec[10], rec[11] = ' ', ' '
		copy(rec[12:44], fmt.Sprintf("%032X", i))
		rec[44], rec[45] = ' ', ' '
		f := byte('A' + i%26)
		for j := 46; j < 98; j += 4 {
			rec[j], rec[j+1], rec[j+2], rec[j+3] = f, f, f, f
		}
		rec[98] = f
		rec[99] = '\n'
		w.Write(rec[:])
	}
}

// tiny writes files small text files of about size bytes each.
func tiny(dir string, files int, size int64, seed uint64) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for i := 0; i < files; i++ {
		p := filepath.Join(dir, fmt.Sprintf("in-%05d.txt", i))
		if err := writeFile(p, func(w *bufio.Writer) { text(w, size, seed+uint64(i)) }); err != nil {
			return err
		}
	}
	return nil
}
