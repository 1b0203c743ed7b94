// Package observe is the service's observability: Prometheus metrics on a
// registry of its own, request ids carried into the logs, and OpenTelemetry
// traces exported over OTLP when configured. docs/observability.md lists
// every metric and alert.
//
// Nothing personal goes into a metric, a label or a span: labels are routes,
// status classes, operation names bounded by the schema, feeds, outcomes,
// error codes and discrepancy kinds.
package observe

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/cilegon/jamsostek/coverage"
)

// Namespace prefixes every metric of the service.
const Namespace = "jamsostek"

// MaxOperations bounds the distinct values of the operation label of the
// GraphQL metrics: beyond it, operations are counted as OtherOperation. The
// label is made of the operation's root fields (bounded by the schema), but
// their combinations are not, so a client could otherwise create series at
// will.
const MaxOperations = 100

// MaxErrorCodes bounds the distinct values of the code label of the GraphQL
// errors; beyond it, OtherLabel.
const MaxErrorCodes = 32

// OtherLabel is the label value of whatever is beyond a label's bound.
const OtherLabel = "other"

// latencyBuckets are the request and operation durations, in seconds: from
// a replayed answer (a few tens of microseconds) to the request timeout.
var latencyBuckets = []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

// runBuckets are the durations of sync and reconciliation runs, in seconds.
var runBuckets = []float64{.1, .5, 1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200}

// Metrics is the service's metrics on their own registry (not the global
// one, which the embedded FerretDB may use). A nil *Metrics records
// nothing: every method may be called on it.
type Metrics struct {
	reg *prometheus.Registry

	httpDuration *prometheus.HistogramVec // route, code
	httpRoutes   sync.Map                 // route pattern -> *routeObservers

	opDuration *prometheus.HistogramVec // operation, cached
	ops        bounded[*Operation]
	opErrors   *prometheus.CounterVec // code
	codes      bounded[prometheus.Counter]

	syncRuns        *prometheus.CounterVec   // feed, outcome
	syncRecords     *prometheus.CounterVec   // feed, outcome
	syncDuration    *prometheus.HistogramVec // feed
	syncPages       *prometheus.CounterVec   // feed
	reconcileRuns   *prometheus.CounterVec   // outcome
	reconcileLength prometheus.Histogram

	lastMu      sync.Mutex
	lastSync    map[coverage.Feed]time.Time // newest successful sync end known, per feed
	lastRecon   time.Time                   // newest successful reconciliation end known
	syncLastSec *prometheus.GaugeVec
	reconLast   prometheus.Gauge
}

// New returns the metrics, registered with the Go runtime's and the
// process's collectors.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry(), lastSync: map[coverage.Feed]time.Time{}}
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	f := promauto{m.reg}
	m.httpDuration = f.histogramVec("http_request_duration_seconds",
		"Duration of HTTP requests to the API, by route (the server's route pattern; \"none\" when no route matched) and status class.",
		latencyBuckets, "route", "code")
	m.opDuration = f.histogramVec("graphql_operation_duration_seconds",
		"Duration of GraphQL operations, by operation (its kind and root fields, e.g. query:coverage,universalCoverage; \"other\" beyond a bound) and whether the answer was replayed from the response cache.",
		latencyBuckets, "operation", "cached")
	m.opErrors = f.counterVec("graphql_errors_total", "GraphQL errors answered, by extensions.code (NONE when the error has no code).", "code")
	m.syncRuns = f.counterVec("sync_runs_total", "Sync runs this process finished, by feed and outcome (succeeded, failed, cancelled).", "feed", "outcome")
	m.syncRecords = f.counterVec("sync_records_total",
		"Records of the sync runs this process made, by feed and outcome (inserted, updated, unchanged, deleted, quarantined).", "feed", "outcome")
	m.syncPages = f.counterVec("sync_pages_total", "Feed pages the sync runs of this process wrote, by feed.", "feed")
	m.syncDuration = f.histogramVec("sync_run_duration_seconds", "Duration of the sync runs this process finished, by feed.", runBuckets, "feed")
	m.syncLastSec = f.gaugeVec("sync_last_success_timestamp_seconds",
		"Unix time the newest successful sync run of the feed ended (this process's runs and, with a store attached, any process's); absent before one.", "feed")
	m.reconcileRuns = f.counterVec("reconcile_runs_total", "Reconciliation passes this process finished, by outcome (succeeded, failed).", "outcome")
	m.reconcileLength = prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: Namespace, Name: "reconcile_run_duration_seconds",
		Help: "Duration of the reconciliation passes this process finished.", Buckets: runBuckets})
	m.reg.MustRegister(m.reconcileLength)
	m.reconLast = prometheus.NewGauge(prometheus.GaugeOpts{Namespace: Namespace, Name: "reconcile_last_success_timestamp_seconds",
		Help: "Unix time the newest successful reconciliation ended (this process's and, with a store attached, any process's); 0 before one."})
	m.reg.MustRegister(m.reconLast)
	m.ops = bounded[*Operation]{max: MaxOperations, make: func(label string) *Operation {
		return &Operation{m.opDuration.WithLabelValues(label, "false"), m.opDuration.WithLabelValues(label, "true")}
	}}
	m.codes = bounded[prometheus.Counter]{max: MaxErrorCodes, make: func(code string) prometheus.Counter { return m.opErrors.WithLabelValues(code) }}
	return m
}

// Registry is the registry the metrics are on, for collectors of other
// packages and for tests.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg, MaxRequestsInFlight: 4})
}

// promauto registers new metrics with the namespace.
type promauto struct{ reg *prometheus.Registry }

func (p promauto) histogramVec(name, help string, buckets []float64, labels ...string) *prometheus.HistogramVec {
	v := prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: Namespace, Name: name, Help: help, Buckets: buckets}, labels)
	p.reg.MustRegister(v)
	return v
}

func (p promauto) counterVec(name, help string, labels ...string) *prometheus.CounterVec {
	v := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: name, Help: help}, labels)
	p.reg.MustRegister(v)
	return v
}

func (p promauto) gaugeVec(name, help string, labels ...string) *prometheus.GaugeVec {
	v := prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: Namespace, Name: name, Help: help}, labels)
	p.reg.MustRegister(v)
	return v
}

// bounded resolves label values to their series, at most max distinct
// values, the rest sharing OtherLabel's. Lookups of a known value take a
// read lock and no allocation.
type bounded[T any] struct {
	mu    sync.RWMutex
	m     map[string]T
	max   int
	other T
	set   bool // other made
	make  func(label string) T
}

func (b *bounded[T]) get(label string) T {
	b.mu.RLock()
	v, ok := b.m[label]
	b.mu.RUnlock()
	if ok {
		return v
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if v, ok := b.m[label]; ok {
		return v
	}
	if len(b.m) >= b.max {
		if !b.set {
			b.other, b.set = b.make(OtherLabel), true
		}
		return b.other
	}
	if b.m == nil {
		b.m = map[string]T{}
	}
	v = b.make(label)
	b.m[label] = v
	return v
}

// Operation is the series of one GraphQL operation label: resolve it once
// (Metrics.Operation) and observe each run of it.
type Operation struct{ run, cached prometheus.Observer }

// Observe records one answer of the operation, replayed from the response
// cache or not. A nil *Operation records nothing.
func (o *Operation) Observe(d time.Duration, cached bool) {
	if o == nil {
		return
	}
	if cached {
		o.cached.Observe(d.Seconds())
		return
	}
	o.run.Observe(d.Seconds())
}

// Operation returns the series of an operation label (its kind and root
// fields, package graph builds it): at most MaxOperations distinct labels,
// the rest counted as OtherLabel.
func (m *Metrics) Operation(label string) *Operation {
	if m == nil {
		return nil
	}
	return m.ops.get(label)
}

// GraphQLError counts an error answered with the given extensions.code
// ("" counts as NONE).
func (m *Metrics) GraphQLError(code string) {
	if m == nil {
		return
	}
	if code == "" {
		code = "NONE"
	}
	m.codes.get(code).Inc()
}

// routeObservers are the series of one route, by status class 1xx..5xx.
type routeObservers [5]prometheus.Observer

func (m *Metrics) route(pattern string) *routeObservers {
	if v, ok := m.httpRoutes.Load(pattern); ok {
		return v.(*routeObservers)
	}
	label := pattern
	if label == "" || label == streamSuffix {
		label = "none" + label
	}
	var r routeObservers
	for i := range r {
		r[i] = m.httpDuration.WithLabelValues(label, strconv.Itoa(i+1)+"xx")
	}
	v, _ := m.httpRoutes.LoadOrStore(pattern, &r)
	return v.(*routeObservers)
}

// streamSuffix marks the route label of event streams (GraphQL
// subscriptions over server-sent events), which last as long as the
// client listens: apart, so that they do not count in the route's latency.
const streamSuffix = " (stream)"

// observeHTTP records one request of a route pattern (patterns are the
// server's own: a client cannot add any); stream: an event stream.
func (m *Metrics) observeHTTP(pattern string, stream bool, status int, d time.Duration) {
	if m == nil {
		return
	}
	c := status/100 - 1
	if c < 0 || c > 4 {
		c = 4
	}
	if stream {
		pattern += streamSuffix
	}
	m.route(pattern)[c].Observe(d.Seconds())
}

// SyncRun records a finished sync run (worker.Manager.AfterRun): its
// outcome, duration and records. A run that never started (its lease held
// elsewhere) has no start time and is not counted.
func (m *Metrics) SyncRun(_ context.Context, run coverage.SyncRun) {
	if m == nil || run.StartedAt.IsZero() || run.Feed == "" {
		return
	}
	feed := string(run.Feed)
	m.syncRuns.WithLabelValues(feed, outcome(run.Status)).Inc()
	end := run.FinishedAt
	if end.IsZero() {
		end = time.Now()
	}
	m.syncDuration.WithLabelValues(feed).Observe(end.Sub(run.StartedAt).Seconds())
	c := run.Counts
	for _, o := range []struct {
		name string
		n    int64
	}{{"inserted", c.Inserted}, {"updated", c.Updated}, {"unchanged", c.Unchanged}, {"deleted", c.Deleted}, {"quarantined", c.Quarantined}} {
		m.syncRecords.WithLabelValues(feed, o.name).Add(float64(o.n))
	}
	m.syncPages.WithLabelValues(feed).Add(float64(c.Pages))
	if run.Status == coverage.RunSucceeded {
		m.noteSync(run.Feed, end)
	}
}

// ReconcileRun records a finished reconciliation pass.
func (m *Metrics) ReconcileRun(run coverage.ReconcileRun) {
	if m == nil || run.StartedAt.IsZero() {
		return
	}
	m.reconcileRuns.WithLabelValues(outcome(run.Status)).Inc()
	end := run.FinishedAt
	if end.IsZero() {
		end = time.Now()
	}
	m.reconcileLength.Observe(end.Sub(run.StartedAt).Seconds())
	if run.Status == coverage.RunSucceeded {
		m.noteReconcile(end)
	}
}

func (m *Metrics) noteSync(f coverage.Feed, at time.Time) {
	m.lastMu.Lock()
	defer m.lastMu.Unlock()
	if at.After(m.lastSync[f]) {
		m.lastSync[f] = at
		m.syncLastSec.WithLabelValues(string(f)).Set(float64(at.UnixNano()) / 1e9)
	}
}

func (m *Metrics) noteReconcile(at time.Time) {
	m.lastMu.Lock()
	defer m.lastMu.Unlock()
	if at.After(m.lastRecon) {
		m.lastRecon = at
		m.reconLast.Set(float64(at.UnixNano()) / 1e9)
	}
}

// outcome is a run status as a label value.
func outcome(s coverage.RunStatus) string {
	switch s {
	case coverage.RunSucceeded:
		return "succeeded"
	case coverage.RunFailed:
		return "failed"
	case coverage.RunCancelled:
		return "cancelled"
	case coverage.RunRunning:
		return "running"
	}
	return "unknown"
}
