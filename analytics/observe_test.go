package analytics_test

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/cilegon/jamsostek/analytics"
	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/feedsim"
	"github.com/cilegon/jamsostek/store"
	"github.com/cilegon/jamsostek/store/storetest"
)

// TestReconcileObserved: each pass this process ends is given to Finished
// (the metrics) as saved, and is a span "reconcile" naming its run; a pass
// refused for the lease is neither.
func TestReconcileObserved(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	ds, err := feedsim.Generate(feedsim.Config{Seed: 4, Scale: 0.002})
	if err != nil {
		t.Fatal(err)
	}
	storetest.Load(t, s, ds)
	rec := tracetest.NewSpanRecorder()
	var finished []coverage.ReconcileRun
	svc := &analytics.Service{Store: s, Areas: coverage.Cilegon(), Finished: func(r coverage.ReconcileRun) { finished = append(finished, r) },
		Tracer: sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)).Tracer("test")}
	run, err := svc.Reconcile(ctx, "test")
	if err != nil {
		t.Fatal(err)
	}
	if len(finished) != 1 || finished[0].ID != run.ID || finished[0].Status != coverage.RunSucceeded || finished[0].FinishedAt.IsZero() {
		t.Errorf("finished %+v, run %s", finished, run.ID)
	}
	spans := rec.Ended()
	if len(spans) != 1 || spans[0].Name() != "reconcile" {
		t.Fatalf("spans %v", spans)
	}
	attrs := map[attribute.Key]string{}
	for _, a := range spans[0].Attributes() {
		attrs[a.Key] = a.Value.Emit()
	}
	if attrs["jamsostek.run_id"] != run.ID || attrs["jamsostek.status"] != "SUCCEEDED" {
		t.Errorf("span attributes %v", attrs)
	}

	// Another process holds the lease: no pass, nothing observed.
	l, err := s.AcquireLease(ctx, store.LeaseRequest{Job: analytics.LeaseJob, Owner: "replica-2", RunID: "reconcile-theirs", TTL: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.ReleaseLease(ctx, l) }()
	if _, err := svc.Reconcile(ctx, "test"); err == nil {
		t.Fatal("a pass ran while another process holds the lease")
	}
	if len(finished) != 1 {
		t.Errorf("a refused pass was observed: %+v", finished[1:])
	}
}
