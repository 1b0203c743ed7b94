package observe

import (
	"context"
	"encoding/hex"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/cilegon/jamsostek/internal/httpstatus"
)

// RequestIDHeader is the header a request id comes in and goes back in.
const RequestIDHeader = "X-Request-Id"

// maxRequestID bounds an id a client sends.
const maxRequestID = 64

type ctxKey int

const requestIDKey ctxKey = 0

// RequestID is the id of the request ctx belongs to, "" outside one.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// validRequestID reports whether a client's request id may be kept: 1 to
// maxRequestID letters, digits, '-', '_', '.' or ':' (a UUID, a trace id);
// anything else (a log injection, say) is replaced by a new id.
func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestID {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':') {
			return false
		}
	}
	return true
}

// newRequestID is 16 random hex digits: unique enough to find a request's
// lines, and cheap (no system call).
func newRequestID() string {
	var b [8]byte
	v := rand.Uint64()
	for i := range b {
		b[i] = byte(v >> (8 * i))
	}
	return hex.EncodeToString(b[:])
}

// Middleware wraps the API's handler (a *http.ServeMux, whose route
// pattern it reads after the request): each request gets a request id (the
// client's X-Request-Id when well-formed, else a new one; echoed in the
// response), a span when tracing is on, and its duration observed by route
// and status class. m and t may be nil (no metrics; no spans).
func Middleware(m *Metrics, t trace.Tracer, next http.Handler) http.Handler {
	if _, isNoop := t.(noop.Tracer); isNoop {
		t = nil // no span to start: not even a no-op one (a context each)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get(RequestIDHeader)
		if !validRequestID(id) {
			id = newRequestID()
		}
		w.Header()[RequestIDHeader] = []string{id} // canonical already
		ctx := context.WithValue(r.Context(), requestIDKey, id)
		var span trace.Span
		if t != nil {
			ctx, span = t.Start(ctx, "HTTP", trace.WithSpanKind(trace.SpanKindServer))
		}
		sw := &httpstatus.Writer{ResponseWriter: w}
		r = r.WithContext(ctx)
		next.ServeHTTP(sw, r)
		status := sw.Status
		if status == 0 {
			status = http.StatusOK
		}
		m.observeHTTP(r.Pattern, strings.HasPrefix(sw.Header().Get("Content-Type"), "text/event-stream"), status, time.Since(start))
		if span == nil {
			return
		}
		if span.IsRecording() {
			route := r.Pattern
			if route == "" {
				route = "none"
			}
			span.SetName("HTTP " + route)
			span.SetAttributes(attribute.String("http.request.method", r.Method), attribute.String("http.route", route),
				attribute.Int("http.response.status_code", status), attribute.String("jamsostek.request_id", id))
			if status >= 500 {
				span.SetStatus(codes.Error, http.StatusText(status))
			}
		}
		span.End()
	})
}

// LogHandler adds to each record logged with a request's context the
// request's id ("request_id"). (The sync and reconciliation runs log
// through loggers that carry their run id as "run".)
func LogHandler(h slog.Handler) slog.Handler { return logHandler{h} }

type logHandler struct{ slog.Handler }

func (h logHandler) Handle(ctx context.Context, r slog.Record) error {
	if ctx != nil {
		if id := RequestID(ctx); id != "" {
			r.AddAttrs(slog.String("request_id", id))
		}
	}
	return h.Handler.Handle(ctx, r)
}

func (h logHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return logHandler{h.Handler.WithAttrs(attrs)}
}

func (h logHandler) WithGroup(name string) slog.Handler { return logHandler{h.Handler.WithGroup(name)} }
