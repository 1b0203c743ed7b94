package observe_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"os"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/observe"
	"github.com/cilegon/jamsostek/store"
)

// TestMongoMonitor: with the monitor installed, a store call in a traced
// context gives a span per driver command, child of the caller's span,
// naming the command and collection; untraced calls give none.
func TestMongoMonitor(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cfg := store.Config{URI: os.Getenv("MONGODB_URI"), DataDir: t.TempDir(), Logger: slog.New(slog.DiscardHandler), Monitor: observe.MongoMonitor()}
	if cfg.URI != "" {
		b := make([]byte, 6)
		_, _ = rand.Read(b)
		cfg.Database = "jamsostek_test_" + hex.EncodeToString(b)
	}
	s, err := store.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if cfg.URI != "" {
			_ = s.DropDatabase(context.Background())
		}
		_ = s.Close(context.Background())
	}()
	rec := tracetest.NewSpanRecorder()
	tracer := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)).Tracer("test")

	if _, err := s.SyncRuns(ctx, coverage.FeedClaims, 5); err != nil {
		t.Fatal(err)
	}
	if n := len(rec.Ended()); n != 0 {
		t.Fatalf("%d spans of an untraced call", n)
	}
	tctx, parent := tracer.Start(ctx, "caller")
	if _, err := s.SyncRuns(tctx, coverage.FeedClaims, 5); err != nil {
		t.Fatal(err)
	}
	parent.End()
	var find sdktrace.ReadOnlySpan
	for _, sp := range rec.Ended() {
		if sp.Name() == "mongodb find" {
			find = sp
		}
	}
	if find == nil {
		t.Fatalf("no mongodb find span among %d", len(rec.Ended()))
	}
	if find.Parent().SpanID() != parent.SpanContext().SpanID() {
		t.Error("the command's span is not the caller's child")
	}
	attrs := map[attribute.Key]string{}
	for _, a := range find.Attributes() {
		attrs[a.Key] = a.Value.Emit()
	}
	if attrs["db.operation.name"] != "find" || attrs["db.collection.name"] == "" || attrs["db.system.name"] != "mongodb" {
		t.Errorf("attributes %v", attrs)
	}
	if len(attrs) != 4 {
		t.Errorf("attributes beyond system, namespace, operation and collection: %v", attrs)
	}
}
