package worker

import (
	"bytes"
	"fmt"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
)

// An app's stdout becomes the response body. Its first holdBack bytes are
// held until the outcome is known, so that an app that fails early gets an
// error status (502, 504) rather than a truncated 200; an app that writes
// more than that commits the response to 200 and a later failure only cuts
// the body short (the connection is aborted, so the client sees an
// incomplete response, never a complete-looking one).
//
// Output type message/cgi (the default): the output starts with CGI
// header lines ("Content-Type: image/png", "Status: 404 Not Found"),
// each ended by \n or \r\n, and an empty line; Content-Type is required.
// Of the headers, Status, Content-Type, Cache-Control,
// Content-Disposition and Content-Language are applied, others ignored.

const (
	holdBack       = 1 << 20
	maxCGIHeader   = 16 << 10
	cgiContentType = "message/cgi"
)

// cgiHeaders are the CGI headers applied to the response.
var cgiHeaders = []string{"Content-Type", "Cache-Control", "Content-Disposition", "Content-Language"}

// output is an io.Writer for an app's stdout that writes the response.
type output struct {
	w           http.ResponseWriter
	cgi         bool
	contentType string      // the response's type when not cgi
	extra       http.Header // set on a successful response
	mu          sync.Mutex
	buf         bytes.Buffer
	parsed      bool // cgi: the header block has been read
	status      int
	header      http.Header // from the CGI block
	committed   bool
	err         error // a malformed CGI block: the app's fault
	written     int64
}

func newOutput(w http.ResponseWriter, outputType string, extra http.Header) *output {
	return &output{w: w, cgi: outputType == cgiContentType, contentType: outputType, extra: extra, status: http.StatusOK}
}

// Write implements io.Writer.
func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.err != nil {
		return 0, o.err
	}
	if o.committed {
		n, err := o.w.Write(p)
		o.written += int64(n)
		return n, err
	}
	o.buf.Write(p)
	if o.cgi && !o.parsed {
		if err := o.parseCGI(false); err != nil {
			o.err = err
			return 0, err
		}
	}
	if o.buf.Len() >= holdBack && (o.parsed || !o.cgi) {
		if err := o.commitLocked(); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// parseCGI reads the header block from buf if it is complete (or must be:
// at the end of the output).
func (o *output) parseCGI(atEnd bool) error {
	b := o.buf.Bytes()
	end, skip := bytes.Index(b, []byte("\n\n")), 2
	if i := bytes.Index(b, []byte("\r\n\r\n")); i >= 0 && (end < 0 || i < end) {
		end, skip = i, 4
	}
	if end < 0 {
		// Fail as soon as a complete line is no header line.
		if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
			if _, err := o.headerLines(b, b[:i]); err != nil {
				return err
			}
		}
		if atEnd || len(b) > maxCGIHeader {
			return o.cgiError(b, "no empty line ends the header block")
		}
		return nil
	}
	h, err := o.headerLines(b, b[:end])
	if err != nil {
		return err
	}
	if h.Get("Content-Type") == "" {
		return o.cgiError(b, "it has no Content-Type header")
	}
	if s := h.Get("Status"); s != "" {
		code, err := strconv.Atoi(strings.Fields(s + " x")[0])
		if err != nil || code < 200 || code > 599 {
			return o.cgiError(b, fmt.Sprintf("Status %q is not a status code 200..599", s))
		}
		o.status = code
	}
	o.header, o.parsed = h, true
	o.buf.Next(end + skip)
	return nil
}

// headerLines parses the header lines of block (of output b).
func (o *output) headerLines(b, block []byte) (http.Header, error) {
	h := http.Header{}
	for line := range strings.SplitSeq(strings.ReplaceAll(string(block), "\r\n", "\n"), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || k == "" || strings.ContainsAny(k, " \t") {
			return nil, o.cgiError(b, fmt.Sprintf("%q is not a header line", line[:min(len(line), 60)]))
		}
		h.Add(textproto.CanonicalMIMEHeaderKey(k), strings.TrimSpace(v))
	}
	return h, nil
}

func (o *output) cgiError(b []byte, why string) error {
	first := b[:min(len(b), 40)]
	return fmt.Errorf("declares its output message/cgi (the default; set X-Object-Meta-Output-Content-Type on the app for another type) but its output does not start with CGI headers: %s (it starts with %q)", why, first)
}

// commitLocked sends the status, the headers and the held bytes.
func (o *output) commitLocked() error {
	if o.cgi && !o.parsed {
		if err := o.parseCGI(true); err != nil {
			o.err = err
			return err
		}
	}
	h := o.w.Header()
	for k, v := range o.extra {
		h[k] = v
	}
	if o.cgi {
		for _, k := range cgiHeaders {
			if v := o.header.Get(k); v != "" {
				h.Set(k, v)
			}
		}
	} else {
		h.Set("Content-Type", o.contentType)
	}
	h.Set("X-Content-Type-Options", "nosniff")
	o.committed = true
	o.w.WriteHeader(o.status)
	n, err := o.w.Write(o.buf.Bytes())
	o.written += int64(n)
	o.buf.Reset()
	return err
}

// finish ends the response once the app exited: runErr nil commits it
// (with Content-Length when nothing was sent yet); otherwise, if nothing
// was sent, fail answers the error (cgiErr is a malformed CGI block, if
// that is what failed) and finish returns false. A failure after the
// response was committed aborts the connection.
func (o *output) finish(runErr error, fail func(cgiErr error)) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if runErr == nil && o.err == nil {
		if !o.committed {
			if o.cgi && !o.parsed {
				if err := o.parseCGI(true); err != nil {
					o.err = err
					fail(err)
					return false
				}
			}
			o.w.Header().Set("Content-Length", strconv.Itoa(o.buf.Len()))
			o.commitLocked()
		}
		return true
	}
	if !o.committed {
		fail(o.err)
		return false
	}
	panic(http.ErrAbortHandler)
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
	cut bool
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = append(t.b[:0], t.b[len(t.b)-t.max:]...)
		t.cut = true
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := strings.TrimRight(string(t.b), "\n")
	if t.cut {
		s = "…" + s
	}
	return s
}
