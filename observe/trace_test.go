package observe_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/cilegon/jamsostek/observe"
)

// TestTracingExportsOverOTLP: with OTEL_EXPORTER_OTLP_ENDPOINT set, spans
// reach the collector at /v1/traces (OTLP over HTTP) by shutdown; without
// it the tracer records nothing.
func TestTracingExportsOverOTLP(t *testing.T) {
	t.Setenv("OTEL_SDK_DISABLED", "")
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "")
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "")
	tp, shutdown, err := observe.Tracing(context.Background(), "test")
	if err != nil {
		t.Fatal(err)
	}
	if _, span := tp.Tracer(observe.TracerName).Start(context.Background(), "x"); span.IsRecording() {
		t.Error("a span records with no endpoint configured")
	}
	_ = shutdown(context.Background())

	var mu sync.Mutex
	var paths []string
	var bytes int
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		paths = append(paths, r.Method+" "+r.URL.Path+" "+r.Header.Get("Content-Type"))
		bytes += len(b)
		mu.Unlock()
	}))
	defer collector.Close()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.URL)
	if !observe.TracingConfigured() {
		t.Fatal("an endpoint is set, tracing is not configured")
	}
	tp, shutdown, err = observe.Tracing(context.Background(), "test")
	if err != nil {
		t.Fatal(err)
	}
	_, span := tp.Tracer(observe.TracerName).Start(context.Background(), "a span")
	if !span.IsRecording() {
		t.Fatal("the span does not record")
	}
	span.End()
	if err := shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(paths) != 1 || paths[0] != "POST /v1/traces application/x-protobuf" || bytes == 0 {
		t.Errorf("the collector got %v (%d bytes)", paths, bytes)
	}
}
