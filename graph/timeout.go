package graph

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// DefaultRequestTimeout bounds a request to /query when
// Config.RequestTimeout is 0.
const DefaultRequestTimeout = 30 * time.Second

// uploadTimeout is the least time a roster upload (a multipart request whose
// operation is importRoster: up to 32 MiB and 200,000 rows to write) gets,
// whatever the request timeout; other multipart requests get the request
// timeout.
const uploadTimeout = 2 * time.Minute

// errTimeout is the extensions.code of a request stopped at its deadline.
const errTimeout = "TIMEOUT"

// withTimeout gives each request to /query a deadline: its context is
// cancelled then, so the store calls under way stop, and the client gets
// 503 with the code TIMEOUT at the deadline, whatever the handler is still
// doing (it answers into a buffer, dropped once the deadline has passed).
// Subscriptions (SSE) last as long as their client stays (or their
// resolver ends them) and get no deadline; any other operation over SSE is
// refused (sseSubscriptionsOnly), so nothing else escapes the deadline.
// d <= 0: no deadline.
func withTimeout(d time.Duration, logger *slog.Logger, next http.Handler) http.Handler {
	if d <= 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if (transport.SSE{}).Supports(r) {
			// A stream has no deadline here: sseSubscriptionsOnly refuses any
			// operation over it but a subscription.
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), streamKey{}, true)))
			return
		}
		limit := d
		if up, _ := r.Context().Value(uploadKey{}).(bool); up {
			limit = max(d, uploadTimeout) // importRoster (guardUpload, body.go)
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

// streamKey marks the context of a request the SSE transport takes, which
// withTimeout gives no deadline.
type streamKey struct{}

// errStreamOnlySubscriptions is the code of a query or mutation sent over SSE.
const errStreamOnlySubscriptions = "BAD_REQUEST"

// sseSubscriptionsOnly refuses queries and mutations over SSE (Accept:
// text/event-stream): they would run without the request's deadline.
// Clients send them as plain JSON POSTs.
func sseSubscriptionsOnly(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	if stream, _ := ctx.Value(streamKey{}).(bool); !stream || oc.Operation == nil || oc.Operation.Operation == ast.Subscription {
		return next(ctx)
	}
	sent := false
	return func(context.Context) *graphql.Response {
		if sent {
			return nil
		}
		sent = true
		return &graphql.Response{Errors: gqlerror.List{{
			Message:    "only subscriptions are served over text/event-stream; send queries and mutations as a POST with Accept: application/json",
			Extensions: map[string]any{"code": errStreamOnlySubscriptions},
		}}}
	}
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
