package worker_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	otelcodes "go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/store/storetest"
)

// TestSyncTraceAndLogs: a traced run is a span "sync <feed>" with a child
// per page fetched and per batch written, no personal data in their
// attributes; every log line of the run names it.
func TestSyncTraceAndLogs(t *testing.T) {
	ds, url := simulate(t, 7)
	s := storetest.Open(t)
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	var logs bytes.Buffer
	syncer := newSyncer(t, s, url, 50)
	syncer.Tracer, syncer.WriteBatch = tp.Tracer("test"), 50
	syncer.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	run, err := syncer.SyncFeed(context.Background(), coverage.FeedParticipants, "test")
	if err != nil {
		t.Fatal(err)
	}
	var root sdktrace.ReadOnlySpan
	pages, writes := 0, 0
	spans := rec.Ended()
	for _, sp := range spans {
		switch sp.Name() {
		case "sync participants":
			root = sp
		case "sync page":
			pages++
		case "sync write":
			writes++
		}
	}
	if root == nil {
		t.Fatalf("no run span among %d", len(spans))
	}
	for _, sp := range spans {
		if sp != root && sp.Parent().SpanID() != root.SpanContext().SpanID() {
			t.Errorf("%s is not the run's child", sp.Name())
		}
		for _, a := range sp.Attributes() {
			for _, p := range ds.Participants[:10] {
				if strings.Contains(a.Value.Emit(), p.NIK) || strings.Contains(a.Value.Emit(), p.Name) {
					t.Errorf("span %s carries personal data: %s", sp.Name(), a.Key)
				}
			}
		}
	}
	if int64(pages) != run.Counts.Pages || int64(writes) != run.Counts.Pages || pages < 2 {
		t.Errorf("%d page spans and %d write spans for %d pages", pages, writes, run.Counts.Pages)
	}
	for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		if !strings.Contains(l, "run="+run.ID) {
			t.Errorf("a line of the run without its id: %s", l)
		}
	}
}

// TestSyncTraceOfAFailedFetch: a traced run whose feed fails ends with its
// page span marked failed (and no crash on the missing page).
func TestSyncTraceOfAFailedFetch(t *testing.T) {
	s := storetest.Open(t)
	rec := tracetest.NewSpanRecorder()
	syncer := newSyncer(t, s, "http://127.0.0.1:1", 50) // nothing listens there
	syncer.Tracer = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)).Tracer("test")
	syncer.Logger = slog.New(slog.DiscardHandler)
	if _, err := syncer.SyncFeed(context.Background(), coverage.FeedClaims, "test"); err == nil {
		t.Fatal("a sync of a feed that does not answer succeeded")
	}
	var failed []string
	for _, sp := range rec.Ended() {
		if sp.Status().Code == otelcodes.Error {
			failed = append(failed, sp.Name())
		}
	}
	if strings.Join(failed, ",") != "sync page,sync claims" {
		t.Errorf("failed spans %v, want the page's and the run's", failed)
	}
}
