package mapreduce

import (
	"context"
	"errors"
	"io/fs"
	"path"
	"strings"
)

// Hidden reports whether Hadoop's FileInputFormat hides a file name: names
// starting with "_" or "." are skipped in listings.
func Hidden(name string) bool {
	return strings.HasPrefix(name, "_") || strings.HasPrefix(name, ".")
}

// InputError collects the problems of an input listing, one per line, as
// Hadoop's InvalidInputException does.
type InputError struct {
	Problems []string
}

func (e *InputError) Error() string { return strings.Join(e.Problems, "\n") }

// ListInputs expands the job's input paths into the files to read, with
// Hadoop's FileInputFormat rules: each path is globbed, hidden names are
// skipped, a directory contributes its direct children, and a subdirectory
// there is an error unless recursive (or ignoreSubdirs) is set. Missing paths
// and patterns matching nothing produce an *InputError wrapped in an Invalid
// *Error; messages use fsys.URI names as Hadoop prints them.
func ListInputs(ctx context.Context, fsys FS, inputs []string, conf *Conf) ([]FileInfo, error) {
	recursive := conf.Bool(KeyInputDirRecursive, false)
	ignoreSubdirs := conf.Bool(KeyIgnoreSubdirs, false)
	var files []FileInfo
	var problems []string
	for _, in := range inputs {
		matches, err := globPath(ctx, fsys, in)
		if err != nil {
			return nil, err
		}
		if matches == nil {
			if hasGlob(in) {
				problems = append(problems, "Input Pattern "+fsys.URI(in)+" matches 0 files")
			} else {
				problems = append(problems, "Input path does not exist: "+fsys.URI(in))
			}
			continue
		}
		for _, m := range matches {
			if !m.IsDir {
				files = append(files, m)
				continue
			}
			got, err := listDir(ctx, fsys, m.Path, recursive, ignoreSubdirs, &problems)
			if err != nil {
				return nil, err
			}
			files = append(files, got...)
		}
	}
	if len(problems) > 0 {
		return nil, E("list inputs", Invalid, "", &InputError{Problems: problems})
	}
	return files, nil
}

func listDir(ctx context.Context, fsys FS, dir string, recursive, ignoreSubdirs bool, problems *[]string) ([]FileInfo, error) {
	children, err := fsys.List(ctx, dir)
	if err != nil {
		return nil, E("list input directory", Other, dir, err)
	}
	var out []FileInfo
	for _, c := range children {
		if Hidden(path.Base(c.Path)) {
			continue
		}
		if !c.IsDir {
			out = append(out, c)
			continue
		}
		switch {
		case recursive:
			sub, err := listDir(ctx, fsys, c.Path, recursive, ignoreSubdirs, problems)
			if err != nil {
				return nil, err
			}
			out = append(out, sub...)
		case ignoreSubdirs:
		default:
			*problems = append(*problems, "Not a file: "+fsys.URI(c.Path))
		}
	}
	return out, nil
}

// globPath expands p. It returns nil (not an empty slice) when nothing
// matches or p does not exist.
func globPath(ctx context.Context, fsys FS, p string) ([]FileInfo, error) {
	if !hasGlob(p) {
		fi, err := fsys.Stat(ctx, p)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		if err != nil {
			return nil, E("stat input", Other, p, err)
		}
		return []FileInfo{fi}, nil
	}
	// Walk components: fixed prefix first, then expand each glob component
	// against the listing of the candidates so far.
	parts := strings.Split(p, "/")
	prefix := ""
	i := 0
	for ; i < len(parts) && !hasGlob(parts[i]); i++ {
		if i == 0 {
			prefix = parts[0]
		} else {
			prefix += "/" + parts[i]
		}
	}
	if prefix == "" {
		prefix = "/"
	}
	cands := []FileInfo{{Path: prefix, IsDir: true}}
	for ; i < len(parts); i++ {
		comp := parts[i]
		if comp == "" {
			continue
		}
		var next []FileInfo
		if !hasGlob(comp) {
			for _, c := range cands {
				if !c.IsDir {
					// Hadoop's Globber: a file matched by an earlier
					// component has no children, so it is dropped.
					continue
				}
				fi, err := fsys.Stat(ctx, path.Join(c.Path, comp))
				if err == nil {
					next = append(next, fi)
				} else if !errors.Is(err, fs.ErrNotExist) {
					return nil, E("glob input", Other, p, err)
				}
			}
		} else {
			re, err := compileGlob(comp)
			if err != nil {
				return nil, E("glob input", Invalid, p, err)
			}
			for _, c := range cands {
				if !c.IsDir {
					continue
				}
				children, err := fsys.List(ctx, c.Path)
				if errors.Is(err, fs.ErrNotExist) {
					continue
				}
				if err != nil {
					return nil, E("glob input", Other, p, err)
				}
				for _, ch := range children {
					name := path.Base(ch.Path)
					if re.MatchString(name) && !Hidden(name) {
						next = append(next, ch)
					}
				}
			}
		}
		cands = next
		if len(cands) == 0 {
			return nil, nil
		}
	}
	return cands, nil
}

// Glob expands pattern as Hadoop's FileSystem.globStatus does (hidden names
// are not matched by wildcards); a pattern without wildcards yields the
// path itself if it exists. No match is an empty result, not an error.
func Glob(ctx context.Context, fsys FS, pattern string) ([]FileInfo, error) {
	return globPath(ctx, fsys, pattern)
}
