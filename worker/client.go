package worker

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-resty/resty/v2"

	"github.com/cilegon/jamsostek/coverage"
)

// Page is one page of a feed as docs/feeds.md defines it.
type Page struct {
	Data       []json.RawMessage `json:"data"`
	NextCursor *string           `json:"next_cursor"`
	AsOf       time.Time         `json:"as_of"`
	Total      *int64            `json:"total,omitempty"` // optional extension: records in all pages
}

// defaultRequestTimeout bounds one request attempt.
const defaultRequestTimeout = 60 * time.Second

// ClientConfig configures a feed client.
type ClientConfig struct {
	BaseURL        string
	Token          string
	RequestTimeout time.Duration // per attempt; default 60 s
	MaxAttempts    int           // default 6
	MinBackoff     time.Duration // default 500 ms
	MaxBackoff     time.Duration // default 30 s; also caps Retry-After
}

// Client pulls pages of the feeds over HTTP. Each attempt has its own deadline;
// transport errors, 429, 5xx and a body that is not a whole JSON page are
// retried with capped exponential backoff and full jitter, honouring
// Retry-After. A page is returned whole or not at all.
type Client struct {
	cfg  ClientConfig
	http *resty.Client
	// sleep waits d between attempts, or less when ctx ends (tests count
	// the waits); default a timer.
	sleep func(ctx context.Context, d time.Duration) error
}

// NewClient returns a client for one feed server.
func NewClient(cfg ClientConfig) (*Client, error) {
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, coverage.Errorf(coverage.EINVALID, "feed base URL %q is not an http(s) URL", cfg.BaseURL)
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = defaultRequestTimeout
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 6
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = 500 * time.Millisecond
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 30 * time.Second
	}
	c := resty.New().
		SetBaseURL(strings.TrimRight(cfg.BaseURL, "/")).
		SetHeader("Accept", "application/json").
		SetHeader("User-Agent", "jamsostek-worker")
	if cfg.Token != "" {
		c.SetAuthToken(cfg.Token)
	}
	return &Client{cfg: cfg, http: c, sleep: sleepCtx}, nil
}

// sleepCtx waits d, or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// FetchRequest names one page to fetch.
type FetchRequest struct {
	Feed         coverage.Feed
	Cursor       string
	UpdatedSince time.Time // zero: from the beginning
	Limit        int
}

// permanentError is a failure that retrying cannot mend (401, 404, 400).
type permanentError struct{ error }

func (e permanentError) Unwrap() error { return e.error }

// ErrTokenRefused is in the chain of Fetch's error when the feed server
// refused the token (401, 403): every feed of that server with that token
// would fail alike.
var ErrTokenRefused = errors.New("server refused the feed token")

// Fetch returns one page, retrying transient failures.
func (c *Client) Fetch(ctx context.Context, r FetchRequest) (*Page, error) {
	var last error
	for attempt := 0; attempt < c.cfg.MaxAttempts; attempt++ {
		page, retryAfter, err := c.fetchOnce(ctx, r)
		if err == nil {
			return page, nil
		}
		last = err
		var perm permanentError
		if errors.As(err, &perm) || ctx.Err() != nil || attempt+1 == c.cfg.MaxAttempts {
			break // no wait after the last attempt: nothing follows it
		}
		if err := c.sleep(ctx, c.backoff(attempt, retryAfter)); err != nil {
			return nil, fmt.Errorf("fetch %s: %w (last error: %v)", r.Feed, err, last)
		}
	}
	return nil, fmt.Errorf("fetch %s: %w", r.Feed, last)
}

// backoff is full-jitter capped exponential backoff, or Retry-After when the
// server gave one (capped too).
func (c *Client) backoff(attempt int, retryAfter time.Duration) time.Duration {
	if retryAfter > 0 {
		return min(retryAfter, c.cfg.MaxBackoff)
	}
	ceiling := min(c.cfg.MinBackoff<<min(attempt, 20), c.cfg.MaxBackoff)
	return c.cfg.MinBackoff/2 + rand.N(ceiling-c.cfg.MinBackoff/2+1)
}

func (c *Client) fetchOnce(ctx context.Context, r FetchRequest) (*Page, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.RequestTimeout)
	defer cancel()
	req := c.http.R().SetContext(ctx)
	if r.Limit > 0 {
		req.SetQueryParam("limit", strconv.Itoa(r.Limit))
	}
	if r.Cursor != "" {
		req.SetQueryParam("cursor", r.Cursor)
	}
	if !r.UpdatedSince.IsZero() {
		req.SetQueryParam("updated_since", r.UpdatedSince.UTC().Format(time.RFC3339Nano))
	}
	// resty reads the whole body and closes it before returning.
	resp, err := req.Get("/" + string(r.Feed))
	if err != nil {
		return nil, 0, fmt.Errorf("request: %w", err)
	}
	switch code := resp.StatusCode(); {
	case code == http.StatusOK:
	case code == http.StatusTooManyRequests || code >= 500:
		return nil, retryAfter(resp.Header().Get("Retry-After"), time.Now()),
			fmt.Errorf("server answered %s", resp.Status())
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return nil, 0, permanentError{fmt.Errorf("%w (%s): check the token (JAMSOSTEK_FEED_TOKEN, or the feed's token_env in the feeds file)", ErrTokenRefused, resp.Status())}
	default:
		return nil, 0, permanentError{fmt.Errorf("server answered %s: %s", resp.Status(), snippet(resp.Body()))}
	}
	var page Page
	dec := json.NewDecoder(bytes.NewReader(resp.Body()))
	if err := dec.Decode(&page); err != nil {
		return nil, 0, fmt.Errorf("page is not valid JSON: %w", err)
	}
	if dec.More() {
		return nil, 0, errors.New("page has data after its JSON document")
	}
	if page.Data == nil {
		return nil, 0, errors.New(`page has no "data" array`)
	}
	return &page, 0, nil
}

// retryAfter parses a Retry-After header: delay seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}
