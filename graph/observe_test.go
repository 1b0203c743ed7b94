package graph_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/graph"
	"github.com/cilegon/jamsostek/observe"
	"github.com/cilegon/jamsostek/store"
)

// graphMetrics is how serve gives the handler its metrics.
type graphMetrics struct{ m *observe.Metrics }

func (g graphMetrics) Operation(label string) graph.OperationObserver { return g.m.Operation(label) }
func (g graphMetrics) GraphQLError(code string)                       { g.m.GraphQLError(code) }

// scrapeHandler reads GET /metrics of a handler as an analyst, parsed.
func scrapeHandler(t *testing.T, h http.Handler) map[string]*dto.MetricFamily {
	t.Helper()
	w := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	req.Header.Set("Authorization", "Bearer analyst-key")
	h.ServeHTTP(w, req)
	if w.Code != 200 {
		t.Fatalf("/metrics: %d %s", w.Code, w.Body)
	}
	var p expfmt.TextParser
	fams, err := p.TextToMetricFamilies(w.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

// series returns a family's series as label string (name=value,...) to
// count or value.
func series(fams map[string]*dto.MetricFamily, name string) map[string]float64 {
	out := map[string]float64{}
	f := fams[name]
	if f == nil {
		return out
	}
	for _, m := range f.Metric {
		var ls []string
		for _, l := range m.Label {
			ls = append(ls, l.GetName()+"="+l.GetValue())
		}
		v := m.GetCounter().GetValue()
		if m.Histogram != nil {
			v = float64(m.Histogram.GetSampleCount())
		}
		out[strings.Join(ls, ",")] = v
	}
	return out
}

// TestMetricsOfRequests: a real handler over a real store, its metrics
// scraped at /metrics: each GraphQL answer is counted under its operation
// (its root fields: the client's operation name is not a label), replays
// of the response cache as cached; errors by code; HTTP requests by route.
func TestMetricsOfRequests(t *testing.T) {
	m := observe.New()
	cf := newCacheFixture(t, graph.Config{Metrics: graphMetrics{m}, MetricsHandler: m.Handler()})
	h := observe.Middleware(m, nil, cf.handler)
	cf.handler = h
	const op = "operation=query:universalCoverage"
	before := series(scrapeHandler(t, h), "jamsostek_graphql_operation_duration_seconds")
	if len(before) != 0 {
		t.Fatalf("operations before any: %v", before)
	}
	for range 3 {
		if code, _, body := cf.raw(t, "viewer-key", qUCJ, nil); code != 200 || strings.Contains(body, "errors") {
			t.Fatalf("%d %s", code, body)
		}
	}
	ops := series(scrapeHandler(t, h), "jamsostek_graphql_operation_duration_seconds")
	if ops["cached=false,"+op] != 1 || ops["cached=true,"+op] != 2 {
		t.Errorf("universalCoverage asked 3 times: %v, want 1 run and 2 replays", ops)
	}

	// 150 operation names and field orders, 2 sets of root fields.
	for i := range 150 {
		q := fmt.Sprintf(`query Q%d { areas { code } city { code } }`, i)
		if i%2 == 1 {
			q = fmt.Sprintf(`query R%d { city { code } areas { code } ciity: city { name } }`, i)
		}
		if code, _, body := cf.raw(t, "admin-key", q, nil); code != 200 || strings.Contains(body, "errors") {
			t.Fatalf("%d %s", code, body)
		}
	}
	ops = series(scrapeHandler(t, h), "jamsostek_graphql_operation_duration_seconds")
	if n := ops["cached=false,operation=query:areas,city"] + ops["cached=true,operation=query:areas,city"]; n != 150 || len(ops) > 4 {
		t.Errorf("150 queries of areas and city under any name: %v", ops)
	}

	// Errors by code: a query that does not validate, one refused by the
	// policy.
	cf.raw(t, "admin-key", `{ nosuchfield }`, nil)
	cf.raw(t, "viewer-key", `{ participants(first: 1) { totalCount } }`, nil)
	fams := scrapeHandler(t, h)
	errs := series(fams, "jamsostek_graphql_errors_total")
	if errs["code=GRAPHQL_VALIDATION_FAILED"] != 1 || errs["code=FORBIDDEN"] < 1 {
		t.Errorf("errors by code: %v", errs)
	}
	if ops := series(fams, "jamsostek_graphql_operation_duration_seconds"); ops["cached=false,operation=invalid"] != 1 {
		t.Errorf("an invalid query: %v", ops)
	}
	reqs := series(fams, "jamsostek_http_request_duration_seconds")
	// The invalid query is answered 422; the others 200.
	if reqs["code=2xx,route=/query"] != 3+150+1 || reqs["code=4xx,route=/query"] != 1 || reqs["code=2xx,route=GET /metrics"] != 3 {
		t.Errorf("HTTP requests: %v", reqs)
	}
}

// TestTraceOfRequest: a traced request gives the span tree HTTP request >
// GraphQL operation > store calls, with no personal data in attributes.
func TestTraceOfRequest(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	f := newFixture(t, graph.Config{})
	h := observe.Middleware(nil, tp.Tracer("test"), f.handler)
	f.handler = h
	code, resp := f.post(t, `{ participants(first: 2, filter: {nik: "`+nikA+`"}) { totalCount edges { node { kpj } } } syncRuns(first: 1) { id } }`, nil)
	if code != 200 || len(resp.Errors) > 0 {
		t.Fatalf("%d %+v", code, resp.Errors)
	}
	spans := rec.Ended()
	byName := map[string]sdktrace.ReadOnlySpan{}
	for _, s := range spans {
		byName[s.Name()] = s
		for _, a := range s.Attributes() {
			if strings.Contains(a.Value.Emit(), nikA) {
				t.Errorf("span %s carries a NIK: %s=%s", s.Name(), a.Key, a.Value.Emit())
			}
		}
	}
	root, op := byName["HTTP /query"], byName["graphql query:participants,syncRuns"]
	if root == nil || op == nil {
		t.Fatalf("spans %v", names(spans))
	}
	if op.Parent().SpanID() != root.SpanContext().SpanID() {
		t.Errorf("the operation's span is not the request's child")
	}
	for _, s := range spans {
		if strings.HasPrefix(s.Name(), "store ") {
			if s.Parent().SpanID() != op.SpanContext().SpanID() {
				t.Errorf("%s is not the operation's child", s.Name())
			}
		}
	}
	if byName["store Participants"] == nil || byName["store SyncRuns"] == nil {
		t.Errorf("store spans: %v", names(spans))
	}
}

func names(spans []sdktrace.ReadOnlySpan) []string {
	var out []string
	for _, s := range spans {
		out = append(out, s.Name())
	}
	return out
}

// TestReadyzDegraded: Ready answering graph.Degraded is ready, with the
// reason; any other error is not.
func TestReadyzDegraded(t *testing.T) {
	for _, c := range []struct {
		err  error
		code int
		body string
	}{
		{nil, 200, "ready\n"},
		{graph.Degraded("no coverage rollup yet"), 200, "ready: no coverage rollup yet\n"},
		{errors.New("database: down"), 503, "not ready: database: down\n"},
	} {
		f := newFixture(t, graph.Config{Ready: func(context.Context) error { return c.err }})
		w := httptest.NewRecorder()
		f.handler.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/readyz", nil))
		if w.Code != c.code || w.Body.String() != c.body {
			t.Errorf("Ready %v: %d %q, want %d %q", c.err, w.Code, w.Body, c.code, c.body)
		}
	}
}

// TestTraceReachesTheDriver: with the driver's command monitor installed
// (as serve does when tracing is on), a store call's commands are spans
// under the call's: HTTP > graphql > store SyncRuns > mongodb find.
func TestTraceReachesTheDriver(t *testing.T) {
	ctx := context.Background()
	cfg := store.Config{URI: os.Getenv("MONGODB_URI"), DataDir: t.TempDir(), Logger: slog.New(slog.DiscardHandler), Monitor: observe.MongoMonitor()}
	if cfg.URI != "" {
		cfg.Database = "jamsostek_test_trace_" + strconv.FormatInt(time.Now().UnixNano(), 36)
	}
	s, err := store.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if cfg.URI != "" {
			_ = s.DropDatabase(ctx)
		}
		_ = s.Close(ctx)
	}()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	h := observe.Middleware(nil, tp.Tracer("test"), graph.NewHandler(graph.Config{Records: s, SyncLog: s, Areas: coverage.Cilegon(),
		Authenticate: testAuth, CursorKey: testCursorKey, Logger: slog.New(slog.DiscardHandler)}))
	f := &fixture{store: s, handler: h}
	if code, resp := f.post(t, `{ syncRuns(first: 3) { id } }`, nil); code != 200 || len(resp.Errors) > 0 {
		t.Fatalf("%d %+v", code, resp.Errors)
	}
	byName := map[string]sdktrace.ReadOnlySpan{}
	for _, sp := range rec.Ended() {
		byName[sp.Name()] = sp
	}
	chain := []string{"HTTP /query", "graphql query:syncRuns", "store SyncRuns", "mongodb find"}
	for i := 1; i < len(chain); i++ {
		child, parent := byName[chain[i]], byName[chain[i-1]]
		if child == nil || parent == nil {
			t.Fatalf("spans %v, want the chain %v", names(rec.Ended()), chain)
		}
		if child.Parent().SpanID() != parent.SpanContext().SpanID() {
			t.Errorf("%s is not %s's child", chain[i], chain[i-1])
		}
	}
}

// TestMetricsNeedAnAnalyst: /metrics on the API's listener tells city-wide
// figures that viewers and officers may not read through the API (open
// discrepancies by kind, sync outcomes, the quarantine): without credentials
// it answers 401, to a viewer or an officer 403, to an analyst or an admin
// the metrics.
func TestMetricsNeedAnAnalyst(t *testing.T) {
	m := observe.New()
	cf := newCacheFixture(t, graph.Config{Metrics: graphMetrics{m}, MetricsHandler: m.Handler()})
	for _, c := range []struct {
		key  string
		want int
	}{{"", 401}, {"no-such-key", 401}, {"viewer-key", 403}, {"officer-key", 403}, {"lurah-key", 403}, {"analyst-key", 200}, {"admin-key", 200}} {
		w := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
		if c.key != "" {
			req.Header.Set("Authorization", "Bearer "+c.key)
		}
		cf.handler.ServeHTTP(w, req)
		if w.Code != c.want || c.want == 200 && !strings.Contains(w.Body.String(), "go_goroutines") {
			t.Errorf("key %q: %d, want %d (%.200s)", c.key, w.Code, c.want, w.Body)
		}
		if c.want != 200 && (strings.Contains(w.Body.String(), "jamsostek_") || strings.Contains(w.Body.String(), "go_goroutines")) {
			t.Errorf("key %q: the metrics were shown: %.200s", c.key, w.Body)
		}
	}
}
