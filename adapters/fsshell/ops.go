package fsshell

import (
	"bufio"
	"bytes"
	"cmp"
	"compress/bzip2"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"zebra/adapters/localfs"
)

// each runs fn on every item the arguments name, reporting arguments that
// name nothing.
func (sh *shell) each(args []string, fn func(it *item)) {
	for _, a := range args {
		items, err := sh.expand(a)
		if err != nil {
			sh.fail(err)
			continue
		}
		for _, it := range items {
			fn(it)
		}
	}
}

// eachFile is each for the commands that read files: a directory is
// reported ("Is a directory") and skipped.
func (sh *shell) eachFile(args []string, fn func(it *item)) {
	sh.each(args, func(it *item) {
		if it.st.IsDir {
			sh.fail(&pathError{it.disp, "Is a directory"})
			return
		}
		fn(it)
	})
}

// readEach runs fn on every file the arguments name, open from its start,
// reporting the error fn returns.
func (sh *shell) readEach(args []string, fn func(it *item, r io.Reader) error) {
	sh.eachFile(args, func(it *item) {
		r, err := it.fs.Open(sh.ctx, it.name, 0)
		if err != nil {
			sh.fail(err)
			return
		}
		defer r.Close()
		if err := fn(it, r); err != nil {
			sh.fail(err)
		}
	})
}

// eachTree runs fn on every item the arguments name and, when recursive,
// on everything beneath the directories among them, parents first; fn
// returns false to keep out of the item's directory.
func (sh *shell) eachTree(args []string, recursive bool, fn func(it *item) bool) {
	var do func(it *item)
	do = func(it *item) {
		if fn(it) && recursive && it.st.IsDir {
			sh.eachChild(it, do)
		}
	}
	sh.each(args, do)
}

// eachChild runs fn on every entry of the directory it, reporting a
// listing that fails.
func (sh *shell) eachChild(it *item, fn func(k *item)) {
	kids, err := sh.children(it)
	if err != nil {
		sh.fail(err)
		return
	}
	for _, k := range kids {
		fn(k)
	}
}

// eachPath runs fn on every argument resolved and statted but not globbed
// (what it names may not exist yet), reporting arguments that fail.
func (sh *shell) eachPath(args []string, fn func(it *item)) {
	for _, a := range args {
		it, err := sh.lookup(a, false)
		if err != nil {
			sh.fail(err)
			continue
		}
		fn(it)
	}
}

// lookup resolves arg without globbing (as a local path when local,
// whatever fs.defaultFS is) and stats it.
func (sh *shell) lookup(arg string, local bool) (*item, error) {
	sh.localMode(local)
	defer sh.localMode(false)
	it, err := sh.resolve(arg)
	if err == nil {
		err = sh.stat(it)
	}
	return it, err
}

// children lists the directory it.
func (sh *shell) children(it *item) ([]*item, error) {
	sts, err := listStatus(sh.ctx, it.fs, it.name, sh.user)
	if err != nil {
		return nil, err
	}
	out := make([]*item, len(sts))
	for i, st := range sts {
		out[i] = it.child(st)
	}
	return out, nil
}

// uri is the item's qualified URI, as Hadoop prints it in some messages.
func uri(it *item) string { return it.fs.URI(it.name) }

// ---- ls

type lister struct {
	sh                               *shell
	opts                             map[string]bool
	maxRepl, maxLen, maxOwner, maxGr int
}

func (sh *shell) lsr(opts map[string]bool, vals map[string]string, args []string) int {
	fmt.Fprintln(sh.err, "lsr: DEPRECATED: Please use 'ls -R' instead.")
	opts["R"] = true
	return sh.ls(opts, vals, args)
}

func (sh *shell) ls(opts map[string]bool, _ map[string]string, args []string) int {
	l := &lister{sh: sh, opts: opts, maxRepl: 3, maxLen: 10}
	if len(args) == 0 {
		args = []string{"."}
	}
	sh.each(args, func(it *item) {
		if !opts["d"] && it.st.IsDir {
			l.recurse(it)
			return
		}
		l.show(nil, []*item{it})
	})
	return 0
}

func (l *lister) recurse(it *item) {
	kids, err := l.sh.children(it)
	if err != nil {
		l.sh.fail(err)
		return
	}
	l.show(it, kids)
}

func (l *lister) show(parent *item, items []*item) {
	recursive := l.opts["R"] && !l.opts["d"]
	if parent != nil && !recursive && len(items) > 0 {
		if !l.opts["C"] {
			fmt.Fprintf(l.sh.out, "Found %d items\n", len(items))
		}
		l.sort(items)
	}
	if !l.opts["C"] {
		for _, it := range items {
			l.maxRepl = max(l.maxRepl, len(strconv.Itoa(it.st.Replication)))
			l.maxLen = max(l.maxLen, len(strconv.FormatInt(it.st.Size, 10)))
			l.maxOwner = max(l.maxOwner, len(it.st.Owner))
			l.maxGr = max(l.maxGr, len(it.st.Group))
		}
	}
	for _, it := range items {
		l.line(it)
		if recursive && it.st.IsDir {
			l.recurse(it)
		}
	}
}

func (l *lister) sort(items []*item) {
	rev := 1
	if l.opts["r"] {
		rev = -1
	}
	when := func(it *item) time.Time {
		if l.opts["u"] {
			return it.st.AccessTime
		}
		return it.st.ModTime
	}
	sort.SliceStable(items, func(i, j int) bool {
		var c int
		switch {
		case l.opts["t"]:
			c = when(items[j]).Compare(when(items[i]))
		case l.opts["S"]:
			c = cmp.Compare(items[j].st.Size, items[i].st.Size)
		}
		if c == 0 && (l.opts["t"] || l.opts["S"]) {
			return strings.Compare(items[i].disp, items[j].disp) < 0
		}
		if c == 0 {
			c = strings.Compare(items[i].disp, items[j].disp)
		}
		return c*rev < 0
	})
}

func (l *lister) line(it *item) {
	disp := it.disp
	if l.opts["q"] {
		disp = strings.Map(func(r rune) rune {
			if r < 0x20 || r == 0x7f {
				return '?'
			}
			return r
		}, disp)
	}
	if l.opts["C"] {
		fmt.Fprintln(l.sh.out, disp)
		return
	}
	st := it.st
	typ, repl := "-", strconv.Itoa(st.Replication)
	if st.IsDir {
		typ, repl = "d", "-"
	}
	size := sizeText(st.Size, l.opts["h"])
	var b strings.Builder
	b.WriteString(typ + permString(st.Perm) + " ")
	fmt.Fprintf(&b, "%*s ", l.maxRepl, repl)
	if l.maxOwner > 0 {
		fmt.Fprintf(&b, "%-*s ", l.maxOwner, st.Owner)
	} else {
		b.WriteString(st.Owner)
	}
	if l.maxGr > 0 {
		fmt.Fprintf(&b, "%-*s ", l.maxGr, st.Group)
	} else {
		b.WriteString(st.Group)
	}
	t := st.ModTime
	if l.opts["u"] {
		t = st.AccessTime
	}
	fmt.Fprintf(&b, "%*s %s %s", l.maxLen, size, t.In(l.sh.loc()).Format("2006-01-02 15:04"), disp)
	fmt.Fprintln(l.sh.out, b.String())
}

func (sh *shell) loc() *time.Location {
	if sh.env.Location != nil {
		return sh.env.Location
	}
	return time.Local
}

// permString is FsPermission.toString: rwxrwxrwx, with t/T for the sticky
// bit.
func permString(m fs.FileMode) string {
	const rwx = "rwxrwxrwx"
	b := []byte("---------")
	for i := 0; i < 9; i++ {
		if m&(1<<(8-i)) != 0 {
			b[i] = rwx[i]
		}
	}
	if m&fs.ModeSticky != 0 {
		if b[8] == 'x' {
			b[8] = 't'
		} else {
			b[8] = 'T'
		}
	}
	return string(b)
}

// octalPerm is FsPermission.toOctal as -stat %a prints it.
func octalPerm(m fs.FileMode) string {
	v := int64(m & fs.ModePerm)
	if m&fs.ModeSticky != 0 {
		v |= 0o1000
	}
	return strconv.FormatInt(v, 8)
}

// ---- mkdir

func (sh *shell) mkdir(opts map[string]bool, _ map[string]string, args []string) int {
	sh.eachPath(args, func(it *item) {
		if it.exists {
			if !it.st.IsDir {
				sh.fail(&pathError{it.disp, "Is not a directory"})
			} else if !opts["p"] {
				sh.fail(&pathError{it.disp, "File exists"})
			}
			return
		}
		if err := sh.checkParents(it, !opts["p"]); err != nil {
			sh.fail(err)
			return
		}
		var err error
		if opts["p"] {
			err = it.fs.MkdirAll(sh.ctx, it.name)
		} else if m, ok := it.fs.(mkdirer); ok {
			err = m.Mkdir(sh.ctx, it.name)
		} else {
			err = it.fs.MkdirAll(sh.ctx, it.name)
		}
		if err != nil {
			sh.fail(err)
		}
	})
	return 0
}

// checkParents fails if an ancestor of it is a file (Hadoop's "Parent path
// is not a directory") or, with needParent, if its parent is missing.
func (sh *shell) checkParents(it *item, needParent bool) error {
	dir := parentName(it.name)
	first := true
	for dir != it.name && dir != "" {
		p := &item{fs: it.fs, name: dir}
		if err := sh.stat(p); err != nil {
			return err
		}
		if p.exists {
			if !p.st.IsDir {
				if isHDFSStore(p.fs) {
					// The NameNode's ParentNotDirectoryException.
					return hadoopMessage(p.name + " (is not a directory)")
				}
				return hadoopMessage("Parent path is not a directory: " + uri(p))
			}
			return nil
		}
		if first && needParent {
			return &pathError{uri(p), "No such file or directory"}
		}
		first = false
		next := parentName(dir)
		if next == dir {
			break
		}
		dir = next
	}
	return nil
}

// dstParent fails unless the parent of the missing destination dst is a
// directory, as Hadoop's CommandWithDestination checks before any source.
func (sh *shell) dstParent(dst *item) error {
	if err := sh.checkParents(dst, true); err != nil {
		var pe *pathError
		if errors.As(err, &pe) {
			err = &pathError{dst.disp, "No such file or directory: `" + uri(dst) + "'"}
		}
		return err
	}
	return nil
}

// destination looks up the destination argument of a command with nsrcs
// sources (as a local path when local) and checks it as Hadoop's
// CommandWithDestination does: several sources need a directory, a missing
// destination needs its parent. On failure it reports why and returns nil.
func (sh *shell) destination(arg string, local bool, nsrcs int) *item {
	dst, err := sh.lookup(arg, local)
	if err != nil {
		sh.fail(err)
		return nil
	}
	if nsrcs > 1 && !(dst.exists && dst.st.IsDir) {
		if !dst.exists {
			sh.fail(notFound(dst.disp))
		} else {
			sh.fail(&pathError{dst.disp, "Is not a directory"})
		}
		return nil
	}
	if !dst.exists {
		if err := sh.dstParent(dst); err != nil {
			sh.fail(err)
			return nil
		}
	}
	return dst
}

// target is where src goes for the destination dst: dst itself, or, when
// dst is a directory, the entry named as src in it (statted).
func (sh *shell) target(dst, src *item) (*item, error) {
	if !(dst.exists && dst.st.IsDir) {
		return dst, nil
	}
	t := entryFor(dst, src)
	return t, sh.stat(t)
}

// entryFor is the entry of the directory dir named as src's last element
// (not statted).
func entryFor(dir, src *item) *item {
	base := path.Base(filepath.ToSlash(src.name))
	return &item{fs: dir.fs, name: joinName(dir.name, base), disp: joinDisp(dir.disp, base)}
}

// within reports whether the directory src is target or one of its
// ancestors (a copy or move into itself).
func within(target, src *item) bool {
	return src.st.IsDir && target.fs == src.fs && strings.HasPrefix(target.name+"/", strings.TrimSuffix(src.name, "/")+"/")
}

// fileDst checks that a file may be written at dst: dst is not a
// directory and, without overwrite, does not exist.
func fileDst(dst *item, overwrite bool) error {
	if dst.exists && dst.st.IsDir {
		return &pathError{dst.disp, "Is a directory"}
	}
	if dst.exists && !overwrite {
		return &pathError{dst.disp, "File exists"}
	}
	return nil
}

// sizeText is a byte count as FsShell prints it: in decimal, or with human
// in units (-h).
func sizeText(n int64, human bool) string {
	if human {
		return humanSize(n)
	}
	return strconv.FormatInt(n, 10)
}

// usageError prints a command's usage error as FsShell does.
func (sh *shell) usageError(name, msg string) {
	fmt.Fprintln(sh.err, name+": "+msg)
	fmt.Fprint(sh.err, usageText)
	fmt.Fprintln(sh.err, "Usage: hadoop fs [generic options] "+commandUsage(name))
}

func parentName(name string) string {
	if filepath.IsAbs(name) && filepath.Separator != '/' {
		return filepath.Dir(name)
	}
	d := path.Dir(name)
	if d == "." {
		return ""
	}
	return d
}

// ---- copying

// localMode switches path resolution to local files (the sources of -put,
// the destination of -get), whatever fs.defaultFS is.
func (sh *shell) localMode(on bool) { sh.local = on }

// copyFile copies src (a file) to the new file dst through dst's
// temporary name "<dst>._COPYING_", as Hadoop's CopyCommands do; with
// overwrite an existing dst is replaced. plain makes a local destination
// without a checksum file (as -get writes).
func (sh *shell) copyFile(src, dst *item, overwrite, plain bool) error {
	r, err := src.fs.Open(sh.ctx, src.name, 0)
	if err != nil {
		return err
	}
	defer r.Close()
	return sh.writeFile(r, dst, overwrite, plain)
}

func (sh *shell) writeFile(r io.Reader, dst *item, overwrite, plain bool) error {
	target := dst.fs
	if plain && isLocal(target) {
		target = &localfs.FS{}
	}
	tmp := dst.name + "._COPYING_"
	target.RemoveAll(sh.ctx, tmp)
	w, err := target.Create(sh.ctx, tmp)
	if err != nil {
		return err
	}
	renamed := false
	defer func() {
		if !renamed {
			target.RemoveAll(sh.ctx, tmp)
		}
	}()
	if _, err := io.Copy(w, r); err != nil {
		w.Close()
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	if overwrite {
		if err := dst.fs.RemoveAll(sh.ctx, dst.name); err != nil {
			return err
		}
	}
	if err := target.Rename(sh.ctx, tmp, dst.name); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return &pathError{dst.disp, "File exists"}
		}
		return err
	}
	renamed = true
	return nil
}

// copyTree copies src (file or directory) to dst, which does not exist or
// (with overwrite) is a file.
func (sh *shell) copyTree(src, dst *item, overwrite, plain bool) error {
	if !src.st.IsDir {
		if err := fileDst(dst, overwrite); err != nil {
			return err
		}
		return sh.copyFile(src, dst, overwrite, plain)
	}
	if !dst.exists {
		if err := dst.fs.MkdirAll(sh.ctx, dst.name); err != nil {
			return err
		}
	} else if !dst.st.IsDir {
		return &pathError{dst.disp, "Is not a directory"}
	}
	kids, err := sh.children(src)
	if err != nil {
		return err
	}
	var errs []error
	for _, k := range kids {
		d := entryFor(dst, k)
		if err := sh.stat(d); err != nil {
			errs = append(errs, err)
			continue
		}
		if err := sh.copyTree(k, d, overwrite, plain); err != nil {
			sh.fail(err)
		}
	}
	return errors.Join(errs...)
}

// copyCmd is the common part of -put, -get and -cp: sources expanded with
// srcLocal, the destination (the last argument, or "." when there is one
// argument and oneArgDst) with dstLocal.
func (sh *shell) copyCmd(args []string, srcLocal, dstLocal, overwrite, plain, oneArgDst bool, after func(src *item)) int {
	dstArg := "."
	srcs := args
	if len(args) >= 2 || !oneArgDst {
		if len(args) < 2 {
			fmt.Fprintln(sh.err, "-"+sh.cmd+": Not enough arguments: expected 2 but got 1")
			return 255
		}
		dstArg, srcs = args[len(args)-1], args[:len(args)-1]
	}
	dst := sh.destination(dstArg, dstLocal, len(srcs))
	if dst == nil {
		return 1
	}
	for _, s := range srcs {
		if s == "-" && srcLocal {
			err := fileDst(dst, overwrite)
			if err == nil {
				err = sh.writeFile(sh.env.Stdin, dst, overwrite, plain)
			}
			if err != nil {
				sh.fail(err)
			}
			continue
		}
		sh.localMode(srcLocal)
		items, err := sh.expand(s)
		sh.localMode(false)
		if err != nil {
			sh.fail(err)
			continue
		}
		for _, src := range items {
			target, err := sh.target(dst, src)
			if err != nil {
				sh.fail(err)
				continue
			}
			if src.fs == target.fs && src.name == target.name {
				sh.fail(&pathError{target.disp, "File exists"})
				continue
			}
			if within(target, src) {
				sh.fail(&pathError{target.disp, "is a subdirectory of itself"})
				continue
			}
			if err := sh.copyTree(src, target, overwrite, plain); err != nil {
				sh.fail(err)
				continue
			}
			if after != nil {
				after(src)
			}
			// A later source into a new destination now finds it made.
			if !dst.exists {
				sh.stat(dst)
			}
		}
	}
	return 0
}

func (sh *shell) put(opts map[string]bool, _ map[string]string, args []string) int {
	return sh.copyCmd(args, true, false, opts["f"], false, true, nil)
}

func (sh *shell) moveFromLocal(opts map[string]bool, _ map[string]string, args []string) int {
	return sh.copyCmd(args, true, false, opts["f"], false, true, func(src *item) {
		if err := src.fs.RemoveAll(sh.ctx, src.name); err != nil {
			sh.fail(err)
		}
	})
}

func (sh *shell) get(opts map[string]bool, _ map[string]string, args []string) int {
	return sh.copyCmd(args, false, true, opts["f"], !opts["crc"], true, nil)
}

func (sh *shell) cp(opts map[string]bool, _ map[string]string, args []string) int {
	return sh.copyCmd(args, false, false, opts["f"], false, false, nil)
}

// ---- mv

func (sh *shell) mv(_ map[string]bool, _ map[string]string, args []string) int {
	srcs := args[:len(args)-1]
	dst := sh.destination(args[len(args)-1], false, len(srcs))
	if dst == nil {
		return 1
	}
	sh.each(srcs, func(src *item) {
		if src.fs != dst.fs {
			sh.fail(&pathError{src.disp, "Does not match target filesystem"})
			return
		}
		target, err := sh.target(dst, src)
		if err != nil {
			sh.fail(err)
			return
		}
		if target.exists {
			sh.fail(&pathError{target.disp, "File exists"})
			return
		}
		if within(target, src) {
			sh.fail(errors.New("`" + src.disp + "' to `" + target.disp + "': is a subdirectory of itself"))
			return
		}
		if err := src.fs.Rename(sh.ctx, src.name, target.name); err != nil {
			sh.fail(err)
		}
	})
	return 0
}

// ---- reading

func (sh *shell) cat(_ map[string]bool, _ map[string]string, args []string) int {
	sh.readEach(args, func(_ *item, r io.Reader) error {
		_, err := io.Copy(sh.out, r)
		return err
	})
	return 0
}

// text is -text: -cat that decodes gzip (by its magic bytes), bzip2 and
// deflate (by the file name's extension), as Hadoop's Display.Text.
func (sh *shell) text(_ map[string]bool, _ map[string]string, args []string) int {
	sh.readEach(args, func(it *item, rc io.Reader) error {
		br := bufio.NewReader(rc)
		magic, _ := br.Peek(3)
		var r io.Reader = br
		switch {
		case len(magic) >= 2 && magic[0] == 0x1f && magic[1] == 0x8b:
			gz, err := gzip.NewReader(br)
			if err != nil {
				return err
			}
			r = gz
		case bytes.Equal(magic, []byte("SEQ")):
			return fmt.Errorf("`%s': SequenceFile display is not supported by zebra fs", it.disp)
		case strings.HasSuffix(it.name, ".bz2"):
			r = bzip2.NewReader(br)
		case strings.HasSuffix(it.name, ".deflate"):
			z, err := zlib.NewReader(br)
			if err != nil {
				return err
			}
			r = z
		}
		_, err := io.Copy(sh.out, r)
		return err
	})
	return 0
}

func (sh *shell) head(_ map[string]bool, _ map[string]string, args []string) int {
	sh.readEach(args, func(_ *item, r io.Reader) error {
		_, err := io.Copy(sh.out, io.LimitReader(r, 1024))
		return err
	})
	return 0
}

// tail prints the last kilobyte of a file (-f: then follows it, polling
// every -s milliseconds, default 5000... until interrupted).
func (sh *shell) tail(opts map[string]bool, vals map[string]string, args []string) int {
	sh.eachFile(args, func(it *item) {
		off := max(it.st.Size-1024, 0)
		for {
			r, err := it.fs.Open(sh.ctx, it.name, off)
			if err != nil {
				sh.fail(err)
				return
			}
			n, err := io.Copy(sh.out, r)
			r.Close()
			if err != nil {
				sh.fail(err)
				return
			}
			off += n
			if !opts["f"] {
				return
			}
			if f, ok := sh.out.(interface{ Flush() error }); ok {
				f.Flush()
			}
			wait := 5 * time.Second
			if v, ok := vals["s"]; ok {
				if ms, err := strconv.ParseInt(v, 10, 64); err == nil && ms > 0 {
					wait = time.Duration(ms) * time.Millisecond
				}
			}
			select {
			case <-sh.ctx.Done():
				return
			case <-time.After(wait):
			}
		}
	})
	return 0
}

// ---- removing

func (sh *shell) rmr(opts map[string]bool, vals map[string]string, args []string) int {
	fmt.Fprintln(sh.err, "rmr: DEPRECATED: Please use '-rm -r' instead.")
	opts["r"] = true
	return sh.rm(opts, vals, args)
}

func (sh *shell) rm(opts map[string]bool, _ map[string]string, args []string) int {
	recursive := opts["r"] || opts["R"]
	for _, a := range args {
		items, err := sh.expand(a)
		if err != nil {
			var pe *pathError
			if opts["f"] && errors.As(err, &pe) {
				continue
			}
			sh.fail(err)
			continue
		}
		for _, it := range items {
			if it.st.IsDir && !recursive {
				sh.fail(&pathError{it.disp, "Is a directory"})
				continue
			}
			if !opts["skipTrash"] {
				moved, err := sh.moveToTrash(it)
				if err != nil {
					sh.fail(err)
					continue
				}
				if moved {
					continue
				}
			}
			if err := sh.remove(it, !it.st.IsDir); err != nil {
				sh.fail(err)
				continue
			}
			fmt.Fprintln(sh.out, "Deleted "+it.disp)
		}
	}
	return 0
}

func (sh *shell) rmdir(opts map[string]bool, _ map[string]string, args []string) int {
	sh.each(args, func(it *item) {
		if !it.st.IsDir {
			sh.fail(&pathError{it.disp, "Is not a directory"})
			return
		}
		kids, err := listStatus(sh.ctx, it.fs, it.name, sh.user)
		if err != nil {
			sh.fail(err)
			return
		}
		if len(kids) > 0 {
			if !opts["-ignore-fail-on-non-empty"] {
				sh.fail(&pathError{it.disp, "Directory is not empty"})
			}
			return
		}
		if err := sh.remove(it, true); err != nil {
			sh.fail(err)
		}
	})
	return 0
}

// remove deletes it: with the store's single-entry Remove when single (a
// file or an empty directory) and the store has one, else with RemoveAll.
func (sh *shell) remove(it *item, single bool) error {
	if r, ok := it.fs.(remover); ok && single {
		return r.Remove(sh.ctx, it.name)
	}
	return it.fs.RemoveAll(sh.ctx, it.name)
}

// ---- sizes

// summary is a ContentSummary: bytes, bytes with replicas, directories
// (including the root) and files under an item.
type summary struct {
	length, consumed int64
	dirs, files      int64
}

func (sh *shell) summarize(it *item) (summary, error) {
	if !it.st.IsDir {
		return summary{length: it.st.Size, consumed: it.st.Size * int64(max(it.st.Replication, 1)), files: 1}, nil
	}
	s := summary{dirs: 1}
	kids, err := sh.children(it)
	if err != nil {
		return s, err
	}
	for _, k := range kids {
		ks, err := sh.summarize(k)
		if err != nil {
			return s, err
		}
		s.length += ks.length
		s.consumed += ks.consumed
		s.dirs += ks.dirs
		s.files += ks.files
	}
	return s, nil
}

func (sh *shell) dus(opts map[string]bool, vals map[string]string, args []string) int {
	fmt.Fprintln(sh.err, "dus: DEPRECATED: Please use 'du -s' instead.")
	opts["s"] = true
	return sh.du(opts, vals, args)
}

func (sh *shell) du(opts map[string]bool, _ map[string]string, args []string) int {
	if len(args) == 0 {
		args = []string{"."}
	}
	var rows [][3]string
	if opts["v"] {
		rows = append(rows, [3]string{"SIZE", "DISK_SPACE_CONSUMED_WITH_ALL_REPLICAS", "FULL_PATH_NAME"})
	}
	header := len(rows)
	add := func(it *item) {
		s, err := sh.summarize(it)
		if err != nil {
			sh.fail(err)
			return
		}
		rows = append(rows, [3]string{sizeText(s.length, opts["h"]), sizeText(s.consumed, opts["h"]), it.disp})
	}
	sh.each(args, func(it *item) {
		if !opts["s"] && it.st.IsDir {
			sh.eachChild(it, add)
			return
		}
		add(it)
	})
	if len(rows) == header {
		return 0
	}
	var w [2]int
	for _, r := range rows {
		w[0], w[1] = max(w[0], len(r[0])), max(w[1], len(r[1]))
	}
	for _, r := range rows {
		fmt.Fprintf(sh.out, "%-*s  %-*s  %s\n", w[0], r[0], w[1], r[1], r[2])
	}
	return 0
}

func (sh *shell) count(opts map[string]bool, _ map[string]string, args []string) int {
	quota := opts["q"] || opts["u"]
	if opts["v"] {
		var h string
		if quota {
			h = fmt.Sprintf("%12s %15s %15s %15s ", "QUOTA", "REM_QUOTA", "SPACE_QUOTA", "REM_SPACE_QUOTA")
		}
		if !opts["u"] {
			h += fmt.Sprintf("%12s %12s %18s ", "DIR_COUNT", "FILE_COUNT", "CONTENT_SIZE")
		}
		fmt.Fprintln(sh.out, h+"PATHNAME")
	}
	sh.each(args, func(it *item) {
		s, err := sh.summarize(it)
		if err != nil {
			sh.fail(err)
			return
		}
		var line string
		if quota {
			line = fmt.Sprintf("%12s %15s %15s %15s ", "none", "inf", "none", "inf")
		}
		if !opts["u"] {
			line += fmt.Sprintf("%12d %12d %18s ", s.dirs, s.files, sizeText(s.length, opts["h"]))
		}
		fmt.Fprintln(sh.out, line+it.disp)
	})
	return 0
}

// ---- status

func (sh *shell) stat1(_ map[string]bool, _ map[string]string, args []string) int {
	format := "%y"
	if strings.Contains(args[0], "%") {
		format, args = args[0], args[1:]
	}
	if len(args) == 0 {
		sh.usageError("-stat", "Not enough arguments: expected 1 but got 0")
		return 255
	}
	sh.each(args, func(it *item) {
		fmt.Fprintln(sh.out, sh.statFormat(format, it))
	})
	return 0
}

func (sh *shell) statFormat(format string, it *item) string {
	st := it.st
	var b strings.Builder
	utc := func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05") }
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' || i+1 >= len(format) {
			b.WriteByte(c)
			continue
		}
		i++
		switch format[i] {
		case 'a':
			b.WriteString(octalPerm(st.Perm))
		case 'A':
			b.WriteString(permString(st.Perm))
		case 'b':
			b.WriteString(strconv.FormatInt(st.Size, 10))
		case 'F':
			if st.IsDir {
				b.WriteString("directory")
			} else {
				b.WriteString("regular file")
			}
		case 'g':
			b.WriteString(st.Group)
		case 'n':
			b.WriteString(path.Base(filepath.ToSlash(it.name)))
		case 'o':
			if st.IsDir && isHDFSStore(it.fs) {
				b.WriteString("0") // HDFS directories have no block size
			} else {
				b.WriteString(strconv.FormatInt(blockSize(st), 10))
			}
		case 'r':
			b.WriteString(strconv.Itoa(st.Replication))
		case 'u':
			b.WriteString(st.Owner)
		case 'x':
			b.WriteString(utc(st.AccessTime))
		case 'X':
			b.WriteString(strconv.FormatInt(st.AccessTime.UnixMilli(), 10))
		case 'y':
			b.WriteString(utc(st.ModTime))
		case 'Y':
			b.WriteString(strconv.FormatInt(st.ModTime.UnixMilli(), 10))
		default:
			b.WriteByte(format[i])
		}
	}
	return b.String()
}

func (sh *shell) test(opts map[string]bool, _ map[string]string, args []string) int {
	var flag string
	n := 0
	for _, f := range []string{"e", "d", "f", "s", "w", "r", "z"} {
		if opts[f] {
			flag = f
			n++
		}
	}
	msg := ""
	switch {
	case n == 0:
		msg = "No test flag given"
	case n > 1:
		msg = "Only one test flag is allowed"
	}
	if msg != "" {
		sh.usageError("-test", msg)
		return 255
	}
	items, err := sh.expand(args[0])
	if err != nil {
		var pe *pathError
		if errors.As(err, &pe) {
			return 1
		}
		sh.fail(err)
		return 1
	}
	for _, it := range items {
		ok := true
		switch flag {
		case "d":
			ok = it.st.IsDir
		case "f":
			ok = !it.st.IsDir
		case "s":
			ok = it.st.Size > 0
		case "z":
			ok = it.st.Size == 0
		case "r":
			ok = sh.can(it, 4)
		case "w":
			ok = sh.can(it, 2)
		}
		if !ok {
			return 1
		}
	}
	return 0
}

// can reports whether the user has the permission bit (4 read, 2 write)
// on it, from its owner, group and mode.
func (sh *shell) can(it *item, bit fs.FileMode) bool {
	m := it.st.Perm
	switch {
	case it.st.Owner == sh.user || sh.user == "":
		return m&(bit<<6) != 0
	default:
		return m&(bit<<3) != 0 || m&bit != 0
	}
}

// ---- creating

func (sh *shell) touchz(_ map[string]bool, _ map[string]string, args []string) int {
	sh.eachPath(args, func(it *item) {
		if it.exists {
			if it.st.IsDir {
				sh.fail(&pathError{it.disp, "Is a directory"})
			} else if it.st.Size != 0 {
				sh.fail(&pathError{it.disp, "Not a zero-length file"})
			} else if err := sh.writeFile(strings.NewReader(""), it, true, false); err != nil {
				sh.fail(err)
			}
			return
		}
		if err := sh.dstParent(it); err != nil {
			sh.fail(err)
			return
		}
		w, err := it.fs.Create(sh.ctx, it.name)
		if err == nil {
			err = w.Close()
		}
		if err != nil {
			sh.fail(err)
		}
	})
	return 0
}

func (sh *shell) getmerge(opts map[string]bool, _ map[string]string, args []string) int {
	dst, err := sh.lookup(args[1], true)
	if err != nil {
		sh.fail(err)
		return 1
	}
	if dst.exists && dst.st.IsDir {
		sh.fail(&pathError{dst.disp, "Is a directory"})
		return 1
	}
	items, err := sh.expand(args[0])
	if err != nil {
		sh.fail(err)
		return 1
	}
	var files []*item
	for _, it := range items {
		if !it.st.IsDir {
			files = append(files, it)
			continue
		}
		kids, err := sh.children(it)
		if err != nil {
			sh.fail(err)
			continue
		}
		sort.SliceStable(kids, func(i, j int) bool { return kids[i].disp < kids[j].disp })
		for _, k := range kids {
			if !k.st.IsDir {
				files = append(files, k)
			}
		}
	}
	pr, pw := io.Pipe()
	go func() {
		var err error
		for _, f := range files {
			if opts["skip-empty-file"] && f.st.Size == 0 {
				continue
			}
			var r io.ReadCloser
			if r, err = f.fs.Open(sh.ctx, f.name, 0); err != nil {
				break
			}
			_, err = io.Copy(pw, r)
			r.Close()
			if err != nil {
				break
			}
			if opts["nl"] {
				if _, err = pw.Write([]byte("\n")); err != nil {
					break
				}
			}
		}
		pw.CloseWithError(err)
	}()
	if err := sh.writeFile(pr, dst, true, false); err != nil {
		pr.CloseWithError(err)
		sh.fail(err)
	}
	return 0
}

// ---- attributes

func (sh *shell) setrep(opts map[string]bool, _ map[string]string, args []string) int {
	n, err := strconv.ParseInt(args[0], 10, 16)
	if err != nil || n < 1 {
		if err != nil {
			fmt.Fprintln(sh.err, "setrep: Illegal replication, a positive integer expected")
			sh.usageError("-setrep", "For input string: \""+args[0]+"\"")
		} else {
			sh.usageError("-setrep", "replication must be >= 1")
		}
		return 255
	}
	sh.eachTree(args[1:], true, func(it *item) bool {
		if it.st.IsDir {
			return true
		}
		if r, ok := it.fs.(replicator); ok && !isLocal(it.fs) {
			if err := r.SetReplication(sh.ctx, it.name, int(n)); err != nil {
				sh.fail(err)
				return false
			}
		}
		fmt.Fprintf(sh.out, "Replication %d set: %s\n", n, it.disp)
		return false
	})
	return 0
}

func (sh *shell) checksum(opts map[string]bool, _ map[string]string, args []string) int {
	sh.eachFile(args, func(it *item) {
		if c, ok := it.fs.(checksummer); ok {
			alg, sum, err := c.FileChecksum(sh.ctx, it.name)
			if err != nil {
				sh.fail(err)
				return
			}
			fmt.Fprintf(sh.out, "%s\t%s\t%x\n", it.disp, alg, sum)
			return
		}
		fmt.Fprintf(sh.out, "%s\tNONE\n", it.disp)
	})
	return 0
}

func (sh *shell) chmod(opts map[string]bool, _ map[string]string, args []string) int {
	spec := args[0]
	apply, err := parseMode(spec)
	if err != nil {
		sh.usageError("-chmod", "chmod : mode '"+spec+"' does not match the expected pattern.")
		return 255
	}
	sh.eachTree(args[1:], opts["R"], func(it *item) bool {
		c, ok := it.fs.(chmoder)
		if !ok {
			sh.fail(fmt.Errorf("`%s': this store keeps no permissions", it.disp))
			return false
		}
		m := apply(it.st.Perm, it.st.IsDir)
		if m != it.st.Perm {
			if err := c.Chmod(sh.ctx, it.name, m); err != nil {
				sh.fail(err)
			}
		}
		return true
	})
	return 0
}

// parseMode parses an octal mode or a comma-separated list of symbolic
// ones ([ugoa]*[+-=][rwxXt]*), as Hadoop's ChmodParser.
func parseMode(spec string) (func(fs.FileMode, bool) fs.FileMode, error) {
	if v, err := strconv.ParseUint(spec, 8, 32); err == nil && len(spec) <= 4 {
		m := fs.FileMode(v) & fs.ModePerm
		if v&0o1000 != 0 {
			m |= fs.ModeSticky
		}
		return func(fs.FileMode, bool) fs.FileMode { return m }, nil
	}
	type clause struct {
		who   fs.FileMode
		op    byte
		perms string
	}
	var cls []clause
	for _, part := range strings.Split(spec, ",") {
		i := 0
		var who fs.FileMode
		for i < len(part) && strings.IndexByte("ugoa", part[i]) >= 0 {
			switch part[i] {
			case 'u':
				who |= 0o700
			case 'g':
				who |= 0o070
			case 'o':
				who |= 0o007
			case 'a':
				who |= 0o777
			}
			i++
		}
		if who == 0 {
			who = 0o777
		}
		if i >= len(part) || strings.IndexByte("+-=", part[i]) < 0 {
			return nil, errors.New("bad mode")
		}
		op := part[i]
		perms := part[i+1:]
		if perms == "" {
			return nil, errors.New("bad mode")
		}
		for _, c := range perms {
			if !strings.ContainsRune("rwxXt", c) {
				return nil, errors.New("bad mode")
			}
		}
		cls = append(cls, clause{who, op, perms})
	}
	return func(m fs.FileMode, dir bool) fs.FileMode {
		for _, c := range cls {
			var bits fs.FileMode
			sticky := false
			for _, p := range c.perms {
				switch p {
				case 'r':
					bits |= 0o444
				case 'w':
					bits |= 0o222
				case 'x':
					bits |= 0o111
				case 'X':
					if dir || m&0o111 != 0 {
						bits |= 0o111
					}
				case 't':
					sticky = true
				}
			}
			bits &= c.who
			switch c.op {
			case '+':
				m |= bits
				if sticky {
					m |= fs.ModeSticky
				}
			case '-':
				m &^= bits
				if sticky {
					m &^= fs.ModeSticky
				}
			case '=':
				m = m&^c.who | bits
				if sticky {
					m |= fs.ModeSticky
				} else {
					m &^= fs.ModeSticky
				}
			}
		}
		return m
	}, nil
}

var ownerPattern = regexp.MustCompile(`^\s*([a-zA-Z0-9_][\w.@-]*)?(?::([\w.@-]*))?\s*$`)

// chown is -chown [-R] [OWNER][:[GROUP]] PATH...
func (sh *shell) chown(opts map[string]bool, _ map[string]string, args []string) int {
	m := ownerPattern.FindStringSubmatch(args[0])
	if m == nil || m[1] == "" && m[2] == "" {
		sh.usageError("-chown", "chown: '"+args[0]+"' does not match expected pattern for [owner][:group].")
		return 255
	}
	return sh.setOwner(opts["R"], m[1], m[2], args[1:])
}

// chgrp is -chgrp [-R] GROUP PATH...
func (sh *shell) chgrp(opts map[string]bool, _ map[string]string, args []string) int {
	if !ownerPattern.MatchString(":"+args[0]) || args[0] == "" {
		sh.usageError("-chgrp", "chgrp: '"+args[0]+"' does not match expected pattern for group")
		return 255
	}
	return sh.setOwner(opts["R"], "", args[0], args[1:])
}

func (sh *shell) setOwner(recursive bool, owner, group string, args []string) int {
	sh.eachTree(args, recursive, func(it *item) bool {
		c, ok := it.fs.(chowner)
		if !ok {
			sh.fail(fmt.Errorf("`%s': this store keeps no owners", it.disp))
			return false
		}
		if err := c.Chown(sh.ctx, it.name, owner, group); err != nil {
			sh.fail(err)
		}
		return true
	})
	return 0
}
