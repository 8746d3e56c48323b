package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// Client talks to a jobtracker: to its web front (package web), which
// serves the client API (/api/v1: Submit, Status, Kill, Jobs) and passes
// the worker protocol (/internal/v1, through Do) on to the tracker for
// the cluster token. The zero value is not usable; see NewClient.
type Client struct {
	base string
	http *http.Client
	// Token, if set, is sent as X-Auth-Token with every request (a Swift
	// token, or the cluster's static token).
	Token string
}

// NewClient returns a client for the jobtracker at base (http://host:port).
// A base without a scheme gets http://. Its Token starts as $ZEBRA_TOKEN.
func NewClient(base string) (*Client, error) {
	if !strings.Contains(base, "://") {
		base = "http://" + base
	}
	u, err := url.Parse(base)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("jobtracker address %q: want http://host:port", base)
	}
	return &Client{base: strings.TrimRight(u.String(), "/"), http: &http.Client{}, Token: os.Getenv("ZEBRA_TOKEN")}, nil
}

// URL is the jobtracker's base URL.
func (c *Client) URL() string { return c.base }

// StatusError is a reply with a non-2xx status.
type StatusError struct {
	Code    int
	Message string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%d %s: %s", e.Code, http.StatusText(e.Code), e.Message)
}

// IsStatus reports whether err is a StatusError with that code.
func IsStatus(err error, code int) bool {
	var se *StatusError
	return errors.As(err, &se) && se.Code == code
}

// Do sends a request with an optional JSON body and decodes a JSON reply
// into out (if not nil).
func (c *Client) Do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("encode %s %s: %w", method, path, err)
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return c.send(req, out)
}

func (c *Client) send(req *http.Request, out any) error {
	if c.Token != "" {
		req.Header.Set("X-Auth-Token", c.Token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		var e Error
		msg := strings.TrimSpace(string(data))
		if json.Unmarshal(data, &e) == nil && e.Error != "" {
			msg = e.Error
		}
		return &StatusError{Code: resp.StatusCode, Message: msg}
	}
	if out == nil {
		io.Copy(io.Discard, resp.Body)
		return nil
	}
	if w, ok := out.(io.Writer); ok {
		if _, err := io.Copy(w, resp.Body); err != nil {
			return fmt.Errorf("%s %s: read reply: %w", req.Method, req.URL.Path, err)
		}
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("%s %s: decode reply: %w", req.Method, req.URL.Path, err)
	}
	return nil
}

// Submit sends a plan and, if bundle is not nil, the job's files as a tar
// stream; it returns the new job's id.
func (c *Client) Submit(ctx context.Context, p *Plan, bundle io.Reader) (string, error) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		err := func() error {
			w, err := mw.CreateFormField("plan")
			if err != nil {
				return err
			}
			if err := json.NewEncoder(w).Encode(p); err != nil {
				return err
			}
			if bundle != nil {
				w, err := mw.CreateFormFile("bundle", "bundle.tar")
				if err != nil {
					return err
				}
				if _, err := io.Copy(w, bundle); err != nil {
					return err
				}
			}
			return mw.Close()
		}()
		pw.CloseWithError(err)
	}()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/api/v1/jobs", pr)
	if err != nil {
		return "", fmt.Errorf("submit job: %w", err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	var s Submitted
	if err := c.send(req, &s); err != nil {
		return "", err
	}
	return s.ID, nil
}

// Status returns a job's status. With after >= 0 the jobtracker waits (up
// to wait) until the status's Version exceeds after.
func (c *Client) Status(ctx context.Context, id string, after int64, wait time.Duration) (*JobStatus, error) {
	q := ""
	if after >= 0 {
		q = fmt.Sprintf("?after=%d&wait=%d", after, wait.Milliseconds())
	}
	var s JobStatus
	if err := c.Do(ctx, http.MethodGet, "/api/v1/jobs/"+url.PathEscape(id)+q, nil, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// Kill kills a job.
func (c *Client) Kill(ctx context.Context, id string) error {
	return c.Do(ctx, http.MethodPost, "/api/v1/jobs/"+url.PathEscape(id)+"/kill", nil, nil)
}

// Jobs lists the jobs the jobtracker knows, newest first.
func (c *Client) Jobs(ctx context.Context) ([]JobStatus, error) {
	var out []JobStatus
	if err := c.Do(ctx, http.MethodGet, "/api/v1/jobs", nil, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// Healthy returns nil when the jobtracker answers its health check.
func (c *Client) Healthy(ctx context.Context) error {
	return c.Do(ctx, http.MethodGet, "/healthz", nil, nil)
}
