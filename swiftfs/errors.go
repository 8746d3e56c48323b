package swiftfs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"syscall"
	"time"

	"github.com/ncw/swift/v2"

	"zebra/mapreduce"
)

// statusError is a non-2xx answer of a request made outside ncw/swift
// (list_endpoints, direct object-server GETs).
type statusError struct {
	code int
	url  string
}

func (e *statusError) Error() string {
	return fmt.Sprintf("%s: %d %s", e.url, e.code, http.StatusText(e.code))
}

// statusOf returns the HTTP status an error carries, or 0.
func statusOf(err error) int {
	var se *swift.Error
	if errors.As(err, &se) {
		return se.StatusCode
	}
	var ste *statusError
	if errors.As(err, &ste) {
		return ste.code
	}
	return 0
}

// retryable reports whether err may go away when the request is repeated.
func retryable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	switch code := statusOf(err); {
	case code == 408 || code == 429 || code == 498:
		return true
	case code == 501 || code == 507:
		return false
	case code >= 500:
		return true
	case code != 0:
		return false
	}
	var ne net.Error
	var ue *url.Error
	return errors.As(err, &ne) || errors.As(err, &ue) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

// retry runs fn until it succeeds, fails for good, or f.retries attempts
// have failed, sleeping with exponential backoff (and jitter) in between.
func (f *FS) retry(ctx context.Context, op, name string, fn func() error) error {
	return f.retryN(ctx, f.retries, op, name, fn)
}

// retryN is retry with a number of attempts of its own.
func (f *FS) retryN(ctx context.Context, attempts int, op, name string, fn func() error) error {
	wait := f.wait
	for attempt := 1; ; attempt++ {
		err := fn()
		if err == nil || !retryable(err) || attempt >= attempts || ctx.Err() != nil {
			return err
		}
		d := wait/2 + rand.N(wait/2+1)
		f.log.Warn("swift: retrying", "op", op, "path", f.URI(name), "attempt", attempt, "in", d, "err", err)
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return err
		}
		wait = min(2*wait, 5*time.Second)
	}
}

// fail translates err, the failure of op on name, into a *mapreduce.Error
// with a message that says what to do, wrapping the matching fs error.
func (f *FS) fail(op, name string, err error) error {
	if err == nil {
		return nil
	}
	var me *mapreduce.Error
	if errors.As(err, &me) {
		return err
	}
	uri := f.URI(name)
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return mapreduce.E(op, mapreduce.Canceled, uri, err)
	}
	kind, msg, base := mapreduce.Other, "", error(nil)
	switch code := statusOf(err); {
	case code == 401:
		kind, base = mapreduce.Permission, fs.ErrPermission
		msg = "swift: 401 unauthorized: check ST_USER/ST_KEY (or OS_USERNAME/OS_PASSWORD, -D " + mapreduce.KeySwiftUser + "/" + mapreduce.KeySwiftKey + ")"
		if f.conn != nil && f.conn.AuthUrl == "" {
			// A token without a login (WithToken: a tenant's): nothing to
			// log in again with, and nothing else is tried.
			msg = "swift: 401 unauthorized: the Swift token was refused: it has expired or was revoked (Keystone's tokens expire after one hour by default); submit the job again with a fresh token, and for jobs that run longer than a token lives use a longer-lived token or an application credential"
		}
	case code == 403:
		kind, base = mapreduce.Permission, fs.ErrPermission
		msg = "swift: 403 forbidden: these credentials may not access " + uri
	case code == 404:
		kind, base = mapreduce.NotExist, fs.ErrNotExist
		msg = "swift: " + uri + " does not exist"
	case code == 412:
		kind, base = mapreduce.Exist, fs.ErrExist
		msg = "swift: " + uri + " already exists"
	case code == 413:
		kind = mapreduce.Invalid
		msg = "swift: 413 request entity too large: the object is over Swift's size limit (5 GiB by default) or the container or account quota is exceeded"
	case code == 507:
		kind = mapreduce.Infra
		msg = "swift: 507 insufficient storage: the object servers have no space left"
	case code == 498 || code == 429:
		kind = mapreduce.Transient
		msg = fmt.Sprintf("swift: %d rate limited, still after retrying with backoff", code)
	case code >= 500:
		kind = mapreduce.Transient
		msg = fmt.Sprintf("swift: %d server error, still after retrying with backoff", code)
	case code == 0 && retryable(err):
		kind = mapreduce.Infra
		msg = "swift: cannot reach the proxy or object server, still after retrying with backoff"
	}
	if msg == "" {
		return mapreduce.E(op, kind, uri, fmt.Errorf("swift: %w", err))
	}
	if base == nil {
		return mapreduce.E(op, kind, uri, fmt.Errorf("%s: %w", msg, err))
	}
	return mapreduce.E(op, kind, uri, &edgeError{msg: msg, errs: []error{base, err}})
}

// edgeError is a translated error: its own message, and both the fs error
// it stands for and the client's error as causes.
type edgeError struct {
	msg  string
	errs []error
}

func (e *edgeError) Error() string   { return e.msg }
func (e *edgeError) Unwrap() []error { return e.errs }

// notExist is the error of a name that does not exist: it says whether the
// container is missing (one more HEAD) or just the object.
func (f *FS) notExist(ctx context.Context, op, name string) error {
	container, object := split(name)
	if container == "" {
		return mapreduce.E(op, mapreduce.NotExist, f.URI(name), fs.ErrNotExist)
	}
	if ok, err := f.containerExists(ctx, container); err == nil && !ok {
		return mapreduce.E(op, mapreduce.NotExist, f.URI(name), fmt.Errorf("swift: container %s does not exist: %w", container, fs.ErrNotExist))
	}
	if object == "" {
		return mapreduce.E(op, mapreduce.NotExist, f.URI(name), fmt.Errorf("swift: container %s does not exist: %w", container, fs.ErrNotExist))
	}
	return mapreduce.E(op, mapreduce.NotExist, f.URI(name), fmt.Errorf("swift: no object %s (nor any under %s/) in container %s: %w", object, object, container, fs.ErrNotExist))
}
