package mapreduce

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
)

// Kind classifies an error so that callers (retry policy, exit codes) can act
// on it without parsing text. Kinds are append-only.
type Kind uint8

const (
	// Other is an unclassified error.
	Other Kind = iota
	// Invalid is bad input from the user: options, configuration, records.
	Invalid
	// NotExist means a named file, object or program does not exist.
	NotExist
	// Exist means something that must not exist already does (an output dir).
	Exist
	// Permission means access was denied.
	Permission
	// Transient is a failure that may succeed when retried as is.
	Transient
	// Infra is a failure of the machine or storage, not of the user's code.
	Infra
	// UserCode is a failure of the user's mapper, combiner or reducer.
	UserCode
	// Canceled means the work was stopped on purpose (job killed, ctx done).
	Canceled
	// Internal is a bug in zebra.
	Internal
)

var kindNames = [...]string{"other", "invalid", "not exist", "exist", "permission", "transient", "infra", "user code", "canceled", "internal"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", k)
}

// Error is the error type of the engine and its adapters. Op names the
// operation that failed ("open split", "spill"), Path the file or object
// involved, if any. Err, if set, is the cause and is reachable through
// errors.Is and errors.As.
type Error struct {
	Op   string
	Kind Kind
	Path string
	Err  error
}

// E builds an *Error. If kind is Other and err carries a kind (an *Error or
// an fs error), that kind is kept.
func E(op string, kind Kind, path string, err error) error {
	if kind == Other {
		kind = KindOf(err)
	}
	return &Error{Op: op, Kind: kind, Path: path, Err: err}
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	if e.Path != "" {
		b.WriteString(" ")
		b.WriteString(e.Path)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// KindOf reports the kind of err: the outermost *Error's kind that is not
// Other, else a kind derived from well-known standard errors.
func KindOf(err error) Kind {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if me, ok := e.(*Error); ok && me.Kind != Other {
			return me.Kind
		}
	}
	switch {
	case err == nil:
		return Other
	case errors.Is(err, fs.ErrNotExist):
		return NotExist
	case errors.Is(err, fs.ErrExist):
		return Exist
	case errors.Is(err, fs.ErrPermission):
		return Permission
	}
	return Other
}

// IsKind reports whether err is of kind k.
func IsKind(err error, k Kind) bool { return KindOf(err) == k }
