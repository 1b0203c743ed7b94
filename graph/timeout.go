package graph

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"
)

// DefaultRequestTimeout bounds a request to /query when
// Config.RequestTimeout is 0.
const DefaultRequestTimeout = 30 * time.Second

// uploadTimeout is the least time a multipart request (a roster upload: up
// to 32 MiB and 200,000 rows to write) gets, whatever the request timeout.
const uploadTimeout = 2 * time.Minute

// errTimeout is the extensions.code of a request stopped at its deadline.
const errTimeout = "TIMEOUT"

// withTimeout gives each request to /query a deadline: its context is
// cancelled then, so the store calls under way stop, and the client gets
// 503 with the code TIMEOUT at the deadline, whatever the handler is still
// doing (it answers into a buffer, dropped once the deadline has passed).
// Subscriptions (SSE) last as long as their client stays and get no
// deadline. d <= 0: no deadline.
func withTimeout(d time.Duration, logger *slog.Logger, next http.Handler) http.Handler {
	if d <= 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.Header.Get("Accept"), "text/event-stream") {
			next.ServeHTTP(w, r)
			return
		}
		limit := d
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
			limit = max(d, uploadTimeout)
		}
		ctx, cancel := context.WithTimeout(r.Context(), limit)
		defer cancel()
		tw := &timeoutWriter{header: http.Header{}}
		done := make(chan struct{})
		panicked := make(chan any, 1)
		go func() {
			defer func() {
				if p := recover(); p != nil {
					panicked <- p
				}
			}()
			next.ServeHTTP(tw, r.WithContext(ctx))
			close(done)
		}()
		select {
		case p := <-panicked:
			panic(p) // as if in this goroutine: net/http logs it and closes the connection
		case <-done:
			tw.mu.Lock()
			defer tw.mu.Unlock()
			dst := w.Header()
			for k, v := range tw.header {
				dst[k] = v
			}
			if tw.code == 0 {
				tw.code = http.StatusOK
			}
			w.WriteHeader(tw.code)
			_, _ = w.Write(tw.buf.Bytes())
		case <-ctx.Done():
			tw.mu.Lock()
			defer tw.mu.Unlock()
			tw.timedOut = true
			if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return // the client went away: nobody to answer
			}
			logger.WarnContext(r.Context(), "graphql: request stopped at its deadline", "timeout", limit)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusServiceUnavailable)
			msg := fmt.Sprintf("the request took longer than the server's limit of %s and was stopped; ask for less (a smaller first, fewer nested lists) or try again later", limit)
			_, _ = w.Write([]byte(`{"errors":[{"message":` + quoteJSON(msg) + `,"extensions":{"code":"` + errTimeout + `"}}]}`))
		}
	})
}

// timeoutWriter buffers a response until the handler is done; writes after
// the deadline fail with http.ErrHandlerTimeout.
type timeoutWriter struct {
	mu       sync.Mutex
	header   http.Header
	buf      bytes.Buffer
	code     int
	timedOut bool
}

func (tw *timeoutWriter) Header() http.Header { return tw.header }

func (tw *timeoutWriter) Write(p []byte) (int, error) {
	tw.mu.Lock()
	defer tw.mu.Unlock()
	if tw.timedOut {
		return 0, http.ErrHandlerTimeout
	}
	if tw.code == 0 {
		tw.code = http.StatusOK
	}
	return tw.buf.Write(p)
}

func (tw *timeoutWriter) WriteHeader(code int) {
	tw.mu.Lock()
	defer tw.mu.Unlock()
	if tw.timedOut || tw.code != 0 {
		return
	}
	tw.code = code
}
