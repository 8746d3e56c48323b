package api

import (
	"context"
	"fmt"
	"io"
	"net/http"
)

// GetRaw GETs path and returns the reply's headers and body (up to limit
// bytes) as they are, for replies that are not JSON (a ZeroCloud job's
// reply). A non-2xx status is a *StatusError.
func (c *Client) GetRaw(ctx context.Context, path string, limit int64) (http.Header, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("GET %s: %w", path, err)
	}
	if c.Token != "" {
		req.Header.Set("X-Auth-Token", c.Token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("GET %s: %w", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	if err != nil {
		return nil, nil, fmt.Errorf("GET %s: %w", path, err)
	}
	if resp.StatusCode/100 != 2 {
		return resp.Header, body, &StatusError{Code: resp.StatusCode, Message: string(body)}
	}
	return resp.Header, body, nil
}
