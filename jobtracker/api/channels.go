package api

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
)

// PublishChannels tells the jobtracker where job's channels given by
// their "src>dst" names are received (the worker protocol).
func (c *Client) PublishChannels(ctx context.Context, job string, endpoints map[string]string) error {
	return c.Do(ctx, http.MethodPost, "/internal/v1/jobs/"+url.PathEscape(job)+"/channels", Channels{Endpoints: endpoints}, nil)
}

// LookupChannels returns the endpoints of job's channels named in want,
// waiting until all of them are known or ctx ends.
func (c *Client) LookupChannels(ctx context.Context, job string, want []string) (map[string]string, error) {
	for {
		q := url.Values{"want": want, "wait": {"20000"}}
		var out Channels
		if err := c.Do(ctx, http.MethodGet, "/internal/v1/jobs/"+url.PathEscape(job)+"/channels?"+q.Encode(), nil, &out); err != nil {
			return nil, fmt.Errorf("look up the channels of job %s: %w", job, err)
		}
		if len(out.Endpoints) == len(want) {
			return out.Endpoints, nil
		}
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("look up the channels of job %s: %w", job, err)
		}
	}
}
