package observe_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/observe"
)

// scrape reads the metrics as a scraper does: GET /metrics, parsed.
func scrape(t *testing.T, h http.Handler) map[string]*dto.MetricFamily {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/metrics", nil))
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

// find returns the metric of a family whose labels include the given ones.
func find(fams map[string]*dto.MetricFamily, name string, labels ...string) *dto.Metric {
	f := fams[name]
	if f == nil {
		return nil
	}
next:
	for _, m := range f.Metric {
		for i := 0; i+1 < len(labels); i += 2 {
			ok := false
			for _, l := range m.Label {
				if l.GetName() == labels[i] && l.GetValue() == labels[i+1] {
					ok = true
				}
			}
			if !ok {
				continue next
			}
		}
		return m
	}
	return nil
}

// TestOperationLabelsBounded: however many distinct operation labels
// arrive, the histogram keeps at most MaxOperations of them, the rest
// counted under "other"; likewise the error codes.
func TestOperationLabelsBounded(t *testing.T) {
	m := observe.New()
	for i := range 1000 {
		m.Operation(fmt.Sprintf("query:f%d", i)).Observe(time.Millisecond, i%2 == 0)
		m.GraphQLError(fmt.Sprintf("CODE_%d", i))
	}
	fams := scrape(t, m.Handler())
	ops := map[string]bool{}
	var other uint64
	for _, s := range fams["jamsostek_graphql_operation_duration_seconds"].Metric {
		for _, l := range s.Label {
			if l.GetName() == "operation" {
				ops[l.GetValue()] = true
				if l.GetValue() == observe.OtherLabel {
					other += s.GetHistogram().GetSampleCount()
				}
			}
		}
	}
	if len(ops) != observe.MaxOperations+1 || other != 1000-observe.MaxOperations {
		t.Errorf("%d operation labels (want %d), %d answers under other (want %d)", len(ops), observe.MaxOperations+1, other, 1000-observe.MaxOperations)
	}
	if n := len(fams["jamsostek_graphql_errors_total"].Metric); n != observe.MaxErrorCodes+1 {
		t.Errorf("%d error code series, want %d", n, observe.MaxErrorCodes+1)
	}
	// A label seen before the bound keeps its own series (query:f1 was
	// observed once uncached above).
	m.Operation("query:f1").Observe(time.Millisecond, false)
	if c := find(scrape(t, m.Handler()), "jamsostek_graphql_operation_duration_seconds", "operation", "query:f1", "cached", "false"); c == nil || c.GetHistogram().GetSampleCount() != 2 {
		t.Errorf("query:f1 uncached: %v", c)
	}
}

// TestRunMetrics: a finished sync run counts by feed and outcome, its
// records by outcome, its duration and its end; a run that never started
// (its lease held elsewhere) counts nothing.
func TestRunMetrics(t *testing.T) {
	m := observe.New()
	start := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	m.SyncRun(context.Background(), coverage.SyncRun{Feed: coverage.FeedClaims, Status: coverage.RunSucceeded, StartedAt: start, FinishedAt: start.Add(90 * time.Second),
		Counts: coverage.SyncCounts{Pages: 3, Read: 10, Inserted: 6, Updated: 1, Unchanged: 1, Quarantined: 2}})
	m.SyncRun(context.Background(), coverage.SyncRun{Feed: coverage.FeedClaims, Status: coverage.RunFailed, StartedAt: start.Add(time.Hour), FinishedAt: start.Add(time.Hour + time.Second)})
	m.SyncRun(context.Background(), coverage.SyncRun{Feed: coverage.FeedClaims, Status: coverage.RunFailed}) // lease held elsewhere
	m.ReconcileRun(coverage.ReconcileRun{Status: coverage.RunSucceeded, StartedAt: start, FinishedAt: start.Add(time.Minute)})
	fams := scrape(t, m.Handler())
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"jamsostek_sync_runs_total", []string{"feed", "claims", "outcome", "succeeded"}, 1},
		{"jamsostek_sync_runs_total", []string{"feed", "claims", "outcome", "failed"}, 1},
		{"jamsostek_sync_records_total", []string{"feed", "claims", "outcome", "inserted"}, 6},
		{"jamsostek_sync_records_total", []string{"feed", "claims", "outcome", "quarantined"}, 2},
		{"jamsostek_sync_pages_total", []string{"feed", "claims"}, 3},
		{"jamsostek_sync_last_success_timestamp_seconds", []string{"feed", "claims"}, float64(start.Add(90 * time.Second).Unix())},
		{"jamsostek_reconcile_runs_total", []string{"outcome", "succeeded"}, 1},
		{"jamsostek_reconcile_last_success_timestamp_seconds", nil, float64(start.Add(time.Minute).Unix())},
	} {
		m := find(fams, c.name, c.labels...)
		var got float64
		switch {
		case m == nil:
			got = -1
		case m.Counter != nil:
			got = m.Counter.GetValue()
		case m.Gauge != nil:
			got = m.Gauge.GetValue()
		}
		if got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if h := find(fams, "jamsostek_sync_run_duration_seconds", "feed", "claims"); h == nil || h.GetHistogram().GetSampleCount() != 2 || h.GetHistogram().GetSampleSum() != 91 {
		t.Errorf("sync run durations: %v", h)
	}
}

// TestMiddleware: the request id is the client's when well-formed, else a
// new one; echoed; in the request's log lines; the request's duration is
// observed under its route pattern and status class, and a span is made.
func TestMiddleware(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(observe.LogHandler(slog.NewTextHandler(&logs, nil)))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /things/{id}", func(w http.ResponseWriter, r *http.Request) {
		logger.InfoContext(r.Context(), "serving a thing")
		w.WriteHeader(http.StatusTeapot)
	})
	m := observe.New()
	rec := tracetest.NewSpanRecorder()
	tp := trace.NewTracerProvider(trace.WithSpanProcessor(rec))
	h := observe.Middleware(m, tp.Tracer("test"), mux)
	for i, c := range []struct{ sent, want string }{
		{"req-123_abc.DEF:9", "req-123_abc.DEF:9"},
		{"bad id\nlevel=ERROR", ""},
		{strings.Repeat("a", 65), ""},
		{"", ""},
	} {
		logs.Reset()
		r := httptest.NewRequest(http.MethodGet, fmt.Sprintf("/things/%d", i), nil)
		if c.sent != "" {
			r.Header.Set(observe.RequestIDHeader, c.sent)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		got := w.Header().Get(observe.RequestIDHeader)
		if c.want != "" && got != c.want || c.want == "" && !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(got) {
			t.Errorf("sent %q: id %q", c.sent, got)
		}
		if !strings.Contains(logs.String(), "request_id="+got) {
			t.Errorf("sent %q: the request's log line lacks its id %q: %s", c.sent, got, logs.String())
		}
	}
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/nowhere", nil))
	// An event stream lasts as long as its client listens: apart.
	mux.HandleFunc("GET /events", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.(http.Flusher).Flush()
	})
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/events", nil))
	fams := scrape(t, m.Handler())
	if s := find(fams, "jamsostek_http_request_duration_seconds", "route", "GET /events (stream)", "code", "2xx"); s == nil || s.GetHistogram().GetSampleCount() != 1 {
		t.Errorf("event stream: %v", s)
	}
	if s := find(fams, "jamsostek_http_request_duration_seconds", "route", "GET /events"); s != nil {
		t.Errorf("an event stream counted with the route's requests: %v", s)
	}
	if s := find(fams, "jamsostek_http_request_duration_seconds", "route", "GET /things/{id}", "code", "4xx"); s == nil || s.GetHistogram().GetSampleCount() != 4 {
		t.Errorf("route GET /things/{id} 4xx: %v", s)
	}
	if s := find(fams, "jamsostek_http_request_duration_seconds", "route", "none", "code", "4xx"); s == nil || s.GetHistogram().GetSampleCount() != 1 {
		t.Errorf("no route 4xx: %v", s)
	}
	spans := rec.Ended()
	if len(spans) != 6 || spans[0].Name() != "HTTP GET /things/{id}" || spans[4].Name() != "HTTP none" {
		t.Fatalf("spans: %d, first %q", len(spans), spans[0].Name())
	}
}

// BenchmarkMiddleware is the middleware's cost per request (metrics on, no
// tracing), to compare with the ~40 µs of a cached analytics answer.
func BenchmarkMiddleware(b *testing.B) {
	m := observe.New()
	mux := http.NewServeMux()
	mux.HandleFunc("/query", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("{}")) })
	h := observe.Middleware(m, observe.NoopTracer(), mux)
	r := httptest.NewRequest(http.MethodPost, "/query", nil)
	r.Header.Set(observe.RequestIDHeader, "bench-1")
	w := httptest.NewRecorder()
	b.ReportAllocs()
	for b.Loop() {
		w.Body.Reset()
		h.ServeHTTP(w, r)
	}
}
