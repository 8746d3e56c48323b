package fsshell

import (
	"fmt"
	"math"
	"math/bits"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// command is one FsShell command: its options (as Hadoop's CommandFormat
// parses them: each option a separate word, before the arguments) and its
// argument count bounds.
type command struct {
	min, max int
	flags    []string // boolean options, without "-"
	valued   []string // options that take a value
	usage    string   // the command whose usage line to print ("" : its own)
	parseAll bool     // no option parsing (commands zebra does not support)
	run      func(sh *shell, opts map[string]bool, vals map[string]string, args []string) int
}

const many = math.MaxInt32

func (c *command) usageName(name string) string {
	if c.usage != "" {
		return c.usage
	}
	return name
}

// parse splits args into options and arguments as CommandFormat.parse does.
func (c *command) parse(args []string) (map[string]bool, map[string]string, []string, error) {
	opts, vals := map[string]bool{}, map[string]string{}
	rest := slices.Clone(args)
	if c.parseAll {
		return opts, vals, rest, nil
	}
	for len(rest) > 0 {
		a := rest[0]
		if !strings.HasPrefix(a, "-") || a == "-" {
			break
		}
		if a == "--" {
			rest = rest[1:]
			break
		}
		o := a[1:]
		switch {
		case slices.Contains(c.flags, o):
			opts[o] = true
			rest = rest[1:]
		case slices.Contains(c.valued, o):
			rest = rest[1:]
			if len(rest) > 0 && len(rest) > c.min {
				vals[o] = rest[0]
				rest = rest[1:]
			}
		default:
			return nil, nil, nil, hadoopMessage(fmt.Sprintf("Illegal option %s", a))
		}
	}
	if len(rest) < c.min {
		return nil, nil, nil, hadoopMessage(fmt.Sprintf("Not enough arguments: expected %d but got %d", c.min, len(rest)))
	}
	if len(rest) > c.max {
		return nil, nil, nil, hadoopMessage(fmt.Sprintf("Too many arguments: expected %d but got %d", c.max, len(rest)))
	}
	return opts, vals, rest, nil
}

// commands are FsShell's commands by name.
var commands map[string]*command

func init() {
	copyFrom := &command{min: 1, max: many, flags: []string{"f", "p", "l", "d"}, valued: []string{"t", "q"}, run: (*shell).put}
	copyTo := &command{min: 1, max: many, flags: []string{"f", "p", "crc", "ignoreCrc"}, valued: []string{"t", "q"}, run: (*shell).get}
	commands = map[string]*command{
		"-ls":            {min: 0, max: many, flags: []string{"C", "d", "h", "q", "R", "t", "S", "r", "u", "e"}, run: (*shell).ls},
		"-lsr":           {min: 0, max: many, flags: []string{"C", "d", "h", "q", "t", "S", "r", "u", "e"}, run: (*shell).lsr},
		"-mkdir":         {min: 1, max: many, flags: []string{"p"}, run: (*shell).mkdir},
		"-put":           copyFrom,
		"-copyFromLocal": copyFrom,
		"-moveFromLocal": {min: 1, max: many, flags: []string{"f", "p", "l", "d"}, run: (*shell).moveFromLocal},
		"-get":           copyTo,
		"-copyToLocal":   copyTo,
		"-cat":           {min: 1, max: many, flags: []string{"ignoreCrc"}, run: (*shell).cat},
		"-text":          {min: 1, max: many, flags: []string{"ignoreCrc"}, run: (*shell).text},
		"-head":          {min: 1, max: 1, run: (*shell).head},
		"-tail":          {min: 1, max: 1, flags: []string{"f"}, valued: []string{"s"}, run: (*shell).tail},
		"-rm":            {min: 1, max: many, flags: []string{"f", "r", "R", "skipTrash", "safely"}, run: (*shell).rm},
		"-rmr":           {min: 1, max: many, flags: []string{"f", "skipTrash", "safely"}, run: (*shell).rmr},
		"-rmdir":         {min: 1, max: many, flags: []string{"-ignore-fail-on-non-empty"}, run: (*shell).rmdir},
		"-mv":            {min: 2, max: many, run: (*shell).mv},
		"-cp":            {min: 2, max: many, flags: []string{"f", "p", "d"}, valued: []string{"t", "q"}, run: (*shell).cp},
		"-du":            {min: 0, max: many, flags: []string{"s", "h", "v", "x"}, run: (*shell).du},
		"-dus":           {min: 0, max: many, flags: []string{"h", "v", "x"}, run: (*shell).dus},
		"-count":         {min: 1, max: many, flags: []string{"q", "h", "v", "u", "x", "e", "s"}, valued: []string{"t"}, run: (*shell).count},
		"-stat":          {min: 1, max: many, run: (*shell).stat1},
		"-test":          {min: 1, max: 1, flags: []string{"e", "d", "f", "s", "w", "r", "z"}, run: (*shell).test},
		"-touchz":        {min: 1, max: many, run: (*shell).touchz},
		"-getmerge":      {min: 2, max: 2, flags: []string{"nl", "skip-empty-file"}, run: (*shell).getmerge},
		"-chmod":         {min: 2, max: many, flags: []string{"R"}, run: (*shell).chmod},
		"-setrep":        {min: 2, max: many, flags: []string{"R", "w"}, run: (*shell).setrep},
		"-checksum":      {min: 1, max: many, flags: []string{"v"}, run: (*shell).checksum},
		"-usage":         {min: 0, max: many, run: (*shell).usage},
		"-help":          {min: 0, max: many, run: (*shell).usage},
	}
	commands["-chown"] = &command{min: 2, max: many, flags: []string{"R"}, run: (*shell).chown}
	commands["-chgrp"] = &command{min: 2, max: many, flags: []string{"R"}, run: (*shell).chgrp}
	for _, name := range []string{"-appendToFile", "-concat", "-createSnapshot",
		"-deleteSnapshot", "-df", "-expunge", "-find", "-getfacl", "-getfattr", "-moveToLocal",
		"-renameSnapshot", "-setfacl", "-setfattr", "-touch", "-truncate"} {
		commands[name] = &command{max: many, parseAll: true, run: unsupported}
	}
}

func unsupported(sh *shell, _ map[string]bool, _ map[string]string, _ []string) int {
	fmt.Fprintf(sh.err, "%s: not supported by zebra fs (supported: %s)\n", sh.cmd, strings.Join(supported(), " "))
	return 1
}

func supported() []string {
	var out []string
	for name, c := range commands {
		if !c.parseAll {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// usage is -usage and -help: the usage lines of the named commands, or
// all.
func (sh *shell) usage(_ map[string]bool, _ map[string]string, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(sh.out, usageText)
		return 0
	}
	code := 0
	for _, a := range args {
		name := "-" + strings.TrimPrefix(a, "-")
		if commands[name] == nil {
			fmt.Fprintln(sh.err, "Unknown command: "+strings.TrimPrefix(a, "-"))
			code = 1
			continue
		}
		fmt.Fprintln(sh.out, "Usage: hadoop fs [generic options] "+commandUsage(name))
	}
	return code
}

// humanSize formats n as Hadoop's TraditionalBinaryPrefix.long2String(n,
// "", 1): below 1024 as is, else one decimal (rounded half up) and the
// binary prefix letter.
func humanSize(n int64) string {
	if n < 0 {
		return "-" + humanSize(-n)
	}
	if n < 1024 {
		return strconv.FormatInt(n, 10)
	}
	const symbols = "KMGTPE"
	i := 0
	for i+1 < len(symbols) && n >= int64(1)<<(10*(i+2)) {
		i++
	}
	shift := uint(10 * (i + 1))
	if n&(int64(1)<<shift-1) == 0 {
		return strconv.FormatInt(n>>shift, 10) + " " + string(symbols[i])
	}
	s := tenths(n, shift)
	if strings.HasPrefix(s, "1024") && i+1 < len(symbols) {
		i++
		s = tenths(n, shift+10)
	}
	return s + " " + string(symbols[i])
}

// tenths is n / 2^shift with one decimal, rounded half up (Java's %.1f).
func tenths(n int64, shift uint) string {
	q := n >> shift
	r := uint64(n - q<<shift)
	hi, lo := bits.Mul64(r, 10)
	dd, rem := bits.Div64(hi, lo, uint64(1)<<shift)
	d := int64(dd)
	if rem >= uint64(1)<<(shift-1) {
		d++
	}
	if d == 10 {
		q, d = q+1, 0
	}
	return strconv.FormatInt(q, 10) + "." + strconv.FormatInt(d, 10)
}

// hadoopMessage is an error whose text is Hadoop's message, verbatim.
type hadoopMessage string

func (m hadoopMessage) Error() string { return string(m) }
