package graph_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"

	"github.com/cilegon/jamsostek/analytics"
	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/feedsim"
	"github.com/cilegon/jamsostek/graph"
	"github.com/cilegon/jamsostek/store/storetest"
)

// benchWriter is a ResponseWriter that keeps nothing, reused across
// iterations, so that the figures are the handler's.
type benchWriter struct {
	h    http.Header
	code int
	n    int
}

func (w *benchWriter) Header() http.Header         { return w.h }
func (w *benchWriter) WriteHeader(code int)        { w.code = code }
func (w *benchWriter) Write(b []byte) (int, error) { w.n += len(b); return len(b), nil }

// BenchmarkResponseCache serves the whole-city question over a
// simulated city (BENCH_SCALE, default 0.05) in the store:
//   - hit: the response cache replays it;
//   - miss: no response cache, the analytics' answer cache warm (gqlgen's
//     execution and the JSON);
//   - cold: no cache at all (the rollup's query each time);
//   - bare: a handler writing the same bytes (the baseline of issue 11).
func BenchmarkResponseCache(b *testing.B) {
	scale := 0.05
	if v, err := strconv.ParseFloat(os.Getenv("BENCH_SCALE"), 64); err == nil {
		scale = v
	}
	ctx := context.Background()
	s := storetest.Open(b)
	ds, err := feedsim.Generate(feedsim.Config{Seed: 1, Scale: scale})
	if err != nil {
		b.Fatal(err)
	}
	storetest.Load(b, s, ds)
	svc := &analytics.Service{Store: s, Areas: coverage.Cilegon(), Logger: slog.New(slog.DiscardHandler)}
	if _, err := svc.Reconcile(ctx, "bench"); err != nil {
		b.Fatal(err)
	}
	cold := &analytics.Service{Store: s, Areas: coverage.Cilegon(), Logger: slog.New(slog.DiscardHandler), AnswerCacheBytes: -1}
	if err := cold.Refresh(ctx); err != nil {
		b.Fatal(err)
	}
	b.Logf("rollup: %d cells", len(svc.Snapshot().Rollup.Cells))
	handler := func(a graph.Analytics, rc graph.ResponseCache) http.Handler {
		return graph.NewHandler(graph.Config{Records: s, SyncLog: s, Areas: coverage.Cilegon(), Analytics: a, ReconcileLog: s,
			Authenticate: testAuth, CursorKey: testCursorKey, Logger: slog.New(slog.DiscardHandler), ResponseCache: rc})
	}
	body := []byte(`{"query":"{ coverage(filter: {from: \"2024-01\"}, groupBy: [KECAMATAN], granularity: QUARTER) { totalRows totals { activeParticipants contributionsPaid arrears } rows(first: 100) { bucket kecamatanCode measures { activeParticipants newMembers contributionsDue contributionsPaid arrears claimsPaidAmount } } rollup { version } } }"}`)
	serve := func(b *testing.B, h http.Handler) {
		req := httptest.NewRequest(http.MethodPost, "/query", nil)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer viewer-key")
		w := &benchWriter{h: http.Header{}}
		rd := bytes.NewReader(body)
		rc := io.NopCloser(rd)
		do := func() {
			rd.Reset(body)
			req.Body, req.ContentLength = rc, int64(len(body))
			clear(w.h)
			w.code, w.n = 0, 0
			h.ServeHTTP(w, req)
		}
		do()
		if w.code != 0 && w.code != http.StatusOK {
			b.Fatalf("status %d", w.code)
		}
		b.SetBytes(int64(w.n))
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			do()
		}
	}
	cached := handler(svc, graph.ResponseCache{})
	b.Run("hit", func(b *testing.B) { serve(b, cached) })
	b.Run("miss", func(b *testing.B) { serve(b, handler(svc, graph.ResponseCache{MaxBytes: -1})) })
	b.Run("cold", func(b *testing.B) { serve(b, handler(cold, graph.ResponseCache{MaxBytes: -1})) })
	b.Run("bare", func(b *testing.B) {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/query", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer viewer-key")
		cached.ServeHTTP(rec, req)
		answer := rec.Body.Bytes()
		serve(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(answer)
		}))
	})
}
