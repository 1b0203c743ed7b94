package main

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/cilegon/jamsostek/analytics"
	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/graph"
	"github.com/cilegon/jamsostek/observe"
	"github.com/cilegon/jamsostek/store"
)

// observability is what serve and worker measure with (docs/observability.md):
// the metrics of this process and its tracer (a no-op unless
// OTEL_EXPORTER_OTLP_ENDPOINT is set).
type observability struct {
	metrics  *observe.Metrics
	tracer   trace.Tracer
	shutdown func(context.Context) error // flushes the spans
}

// newObservability starts the metrics and the tracer of a long-running
// process. The metrics read the store's counts at most every
// cfg.MetricsCountsEvery (0: observe.DefaultStoreCountsEvery).
func newObservability(ctx context.Context, cfg config, s *store.Store, logger *slog.Logger) (*observability, error) {
	version := "devel"
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" {
		version = info.Main.Version
	}
	tp, shutdown, err := observe.Tracing(ctx, version)
	if err != nil {
		return nil, fmt.Errorf("tracing (OTEL_EXPORTER_OTLP_*): %w", err)
	}
	if observe.TracingConfigured() {
		logger.Info("traces exported over OTLP")
	}
	m := observe.New()
	leases := make([]string, 0, len(coverage.Feeds)+1)
	for _, f := range coverage.Feeds {
		leases = append(leases, string(f))
	}
	m.WatchLeases(append(leases, analytics.LeaseJob), s.HeldLeases)
	m.WatchAuditFailures(graph.AuditFailures)
	m.WatchStore(s, cfg.MetricsCountsEvery, logger)
	return &observability{metrics: m, tracer: tp.Tracer(observe.TracerName), shutdown: shutdown}, nil
}

// watchRollup exposes the rollup the service serves.
func (o *observability) watchRollup(svc *analytics.Service) {
	o.metrics.WatchRollup(func() (observe.RollupInfo, bool) {
		snap := svc.Snapshot()
		if snap == nil || snap.Rollup == nil {
			return observe.RollupInfo{}, false
		}
		return observe.RollupInfo{Version: snap.Rollup.Version, BuiltAt: snap.Rollup.BuiltAt}, true
	})
}

func (o *observability) close(logger *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := o.shutdown(ctx); err != nil {
		logger.Warn("flushing the last spans failed", "error", err)
	}
}

// graphMetrics gives package graph the GraphQL metrics.
type graphMetrics struct{ m *observe.Metrics }

func (g graphMetrics) Operation(label string) graph.OperationObserver { return g.m.Operation(label) }
func (g graphMetrics) GraphQLError(code string)                       { g.m.GraphQLError(code) }

// readiness is /readyz: the database answers, and the coverage figures are
// served when there are any. An API whose database does not answer cannot
// serve anything; one that has not loaded the stored rollup would answer
// the figures UNAVAILABLE while the other replicas answer them, so it is
// not ready either. Before any reconciliation (no rollup stored) every
// replica is alike: ready, the record lists answer, and the body says the
// figures wait for a reconciliation (graph.Degraded).
func readiness(s *store.Store, svc *analytics.Service) func(context.Context) error {
	return func(ctx context.Context) error {
		if err := s.Ping(ctx); err != nil {
			return fmt.Errorf("database: %w", err)
		}
		if snap := svc.Snapshot(); snap != nil && snap.Rollup != nil {
			return nil
		}
		v, err := s.LatestRollupVersion(ctx)
		if err != nil {
			return fmt.Errorf("database: reading the rollup version: %w", err)
		}
		if v.Version > 0 {
			return fmt.Errorf("coverage rollup: version %d is stored but this process has not loaded it yet", v.Version)
		}
		return graph.Degraded("no coverage rollup yet (no reconciliation has succeeded): the record lists answer, the coverage figures answer UNAVAILABLE")
	}
}
