package mapreduce

import (
	"errors"
	"path"
	"strings"
)

// ParseSwiftURL splits a swift:// URL (the scheme in any case; swift:/x
// and swift:x too) into the account it names ("" for the credentials' own;
// an account is a first segment beginning AUTH_) and the clean name
// "/container/object" within it. It is here, not in swiftfs, because the
// jobtracker's front (which never touches storage) checks which account a
// tenant's job names.
func ParseSwiftURL(raw string) (account, name string, err error) {
	if len(raw) < len("swift:") || !strings.EqualFold(raw[:len("swift:")], "swift:") {
		return "", "", E("resolve path", Invalid, raw, errors.New("not a swift: URL"))
	}
	rest := strings.TrimPrefix(raw[len("swift:"):], "//")
	account, name = "", "/"+rest
	if first, after, _ := strings.Cut(rest, "/"); strings.HasPrefix(first, "AUTH_") {
		account, name = first, "/"+after
	}
	return account, path.Clean("/" + name), nil
}
