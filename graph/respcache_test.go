package graph_test

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/analytics"
	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/coverage/reconcile"
	"github.com/cilegon/jamsostek/graph"
	"github.com/cilegon/jamsostek/store"
)

// countedAnalytics is the real analytics service, counting the figures it
// is asked for: a replayed answer asks nothing.
type countedAnalytics struct {
	*analytics.Service
	figures atomic.Int64
}

func (a *countedAnalytics) Coverage(f reconcile.Filter, groupBy []reconcile.Dimension, g reconcile.Granularity) (reconcile.Answer, *reconcile.Rollup, error) {
	if f.From != "9999-12" { // the cost model's probe of the rollup's size (limits.go)
		a.figures.Add(1)
	}
	return a.Service.Coverage(f, groupBy, g)
}

func (a *countedAnalytics) UniversalCoverage(year int, area string) (reconcile.UCJ, *reconcile.Rollup, error) {
	a.figures.Add(1)
	return a.Service.UniversalCoverage(year, area)
}

func (a *countedAnalytics) APBDProgram(year int) (reconcile.Program, []reconcile.DeclaredComparison, *reconcile.Rollup, error) {
	a.figures.Add(1)
	return a.Service.APBDProgram(year)
}

func (a *countedAnalytics) DeclaredTotals(year int) ([]reconcile.DeclaredComparison, error) {
	a.figures.Add(1)
	return a.Service.DeclaredTotals(year)
}

// countedLog is the store's reconciliation log, counting the counts asked.
type countedLog struct {
	graph.ReconcileLog
	counts atomic.Int64
}

func (l *countedLog) DiscrepancyCounts(ctx context.Context, f coverage.DiscrepancyFilter) (map[coverage.DiscrepancyKind]coverage.KindTally, error) {
	l.counts.Add(1)
	return l.ReconcileLog.DiscrepancyCounts(ctx, f)
}

type cacheFixture struct {
	*fixture
	svc *analytics.Service
	an  *countedAnalytics
	log *countedLog
}

// cacheFixture is accessFixture's data and reconciliation, its analytics
// and log counted.
func newCacheFixture(t *testing.T, cfg graph.Config) *cacheFixture {
	t.Helper()
	cf := &cacheFixture{}
	cf.fixture = newFixtureWith(t, cfg, func(s *store.Store, cfg *graph.Config) {
		ctx := context.Background()
		svc := &analytics.Service{Store: s, Areas: coverage.Cilegon(), Logger: slog.New(slog.DiscardHandler)}
		for _, area := range []string{"", "367201"} {
			d := coverage.DeclaredTotal{Metric: coverage.MetricCityFundedWorkers, Year: 2024, AreaCode: area, Value: 1, Source: "test", SetBy: "test"}
			if _, err := svc.SetDeclaredTotal(ctx, d); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := svc.Reconcile(ctx, "test"); err != nil {
			t.Fatal(err)
		}
		cf.svc, cf.an, cf.log = svc, &countedAnalytics{Service: svc}, &countedLog{ReconcileLog: s}
		cfg.Analytics, cfg.ReconcileLog = cf.an, cf.log
	})
	return cf
}

// raw posts a query as a key and returns the status, Content-Type and body.
func (f *fixture) raw(t testing.TB, key, query string, vars map[string]any) (int, string, string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req := httptest.NewRequest(http.MethodPost, "/query", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	w := httptest.NewRecorder()
	f.handler.ServeHTTP(w, req)
	return w.Code, w.Header().Get("Content-Type"), w.Body.String()
}

// figures returns the figures and counts asked since the last call.
func (cf *cacheFixture) figures() (figures, counts int64) {
	return cf.an.figures.Swap(0), cf.log.counts.Swap(0)
}

const (
	qCoverage = `{ coverage(filter: {from: "2024-01"}, groupBy: [KECAMATAN], granularity: QUARTER) { totalRows totals { activeParticipants contributionsPaid } rows(first: 5) { bucket kecamatanCode measures { activeParticipants } } rollup { version } } }`
	qUCJ      = `{ universalCoverage(year: 2024) { areaCode current { participants workforce rate } } }`
	qDeclared = `{ declaredTotals(year: 2024) { metric areaCode declared counted } }`
	qCounts   = `{ discrepancyCounts { total byKind { kind count } } }`
	qAPBD     = `{ apbdProgram(year: 2024) { total { workers contributionsDue } declared { declared counted } } }`
	qAreas    = `{ areas { code name } city { code } }`
)

// TestResponseCacheReplays: a repeated question is answered with the same
// bytes and headers without asking the analytics again.
func TestResponseCacheReplays(t *testing.T) {
	cf := newCacheFixture(t, graph.Config{})
	for _, q := range []string{qCoverage, qUCJ, qDeclared, qCounts, qAPBD, qAreas} {
		cf.figures()
		code1, ct1, body1 := cf.raw(t, "viewer-key", q, nil)
		f1, c1 := cf.figures()
		code2, ct2, body2 := cf.raw(t, "viewer-key", q, nil)
		f2, c2 := cf.figures()
		if code1 != 200 || strings.Contains(body1, `"errors"`) {
			t.Fatalf("%s: %d %s", q, code1, body1)
		}
		if code2 != code1 || ct2 != ct1 || body2 != body1 {
			t.Errorf("%s: replayed %d %q %s, first %d %q %s", q, code2, ct2, body2, code1, ct1, body1)
		}
		if f2 != 0 || c2 != 0 {
			t.Errorf("%s: the second asked %d figures and %d counts again (first %d, %d)", q, f2, c2, f1, c1)
		}
	}
}

// TestResponseCacheScope: a cached answer is served only to callers of the
// same role and area: each gets what a server without a cache answers it,
// whichever asked first.
func TestResponseCacheScope(t *testing.T) {
	cf := newCacheFixture(t, graph.Config{})
	bare := newCacheFixture(t, graph.Config{ResponseCache: graph.ResponseCache{MaxBytes: -1}})
	keys := []string{"officer-key", "lurah-key", "viewer-key", "analyst-key", "admin-key"}
	for _, q := range []string{qCoverage, qUCJ, qDeclared, qCounts, qAPBD} {
		want := map[string]string{}
		for _, k := range keys {
			_, _, want[k] = bare.raw(t, k, q, nil)
		}
		if want["officer-key"] == want["viewer-key"] && q != qAPBD {
			t.Fatalf("%s: the officer's answer is the viewer's; the test shows nothing", q)
		}
		// Each caller in turn, twice (the second from the cache), in both
		// orders.
		for _, order := range [][]string{keys, {"admin-key", "analyst-key", "viewer-key", "lurah-key", "officer-key"}} {
			for round := range 2 {
				for _, k := range order {
					if _, _, got := cf.raw(t, k, q, nil); got != want[k] {
						t.Errorf("%s as %s (round %d): got %s, want %s", q, k, round, got, want[k])
					}
				}
			}
		}
	}
}

// TestResponseCacheInvalidation: a new rollup version invalidates exactly
// the answers built from the snapshot (and the counts, its pass's
// findings), not the reference data; a refresh that loads the same content
// invalidates nothing; declared figures and workforce invalidate their
// answers; a discrepancy resolved invalidates the counts.
func TestResponseCacheInvalidation(t *testing.T) {
	cf := newCacheFixture(t, graph.Config{ResponseCache: graph.ResponseCache{CountsTTL: time.Hour}})
	ctx := context.Background()
	ask := func(qs ...string) map[string]string {
		out := map[string]string{}
		for _, q := range qs {
			_, _, out[q] = cf.raw(t, "viewer-key", q, nil)
		}
		return out
	}
	all := []string{qCoverage, qUCJ, qDeclared, qCounts, qAreas}
	before := ask(all...)
	cf.figures()

	// The same content loaded again: every answer replayed.
	if err := cf.svc.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if got := ask(all...); fmt.Sprint(got) != fmt.Sprint(before) {
		t.Errorf("after an identical refresh: %v, want %v", got, before)
	}
	if f, c := cf.figures(); f != 0 || c != 0 {
		t.Errorf("an identical refresh invalidated %d figures and %d counts", f, c)
	}

	// A new version built by another process, loaded by a refresh.
	newcomer := participants()[0]
	newcomer.KPJ, newcomer.NIK, newcomer.Name, newcomer.RegisteredAt, newcomer.CoverageStart = "10000000099", "3672014107900099", "Baru", "2024-02-01", "2024-02-01"
	newcomer.PayerType = "SELF"
	apply(t, cf.store, coverage.FeedParticipants, []store.Record{{Key: newcomer.Key(), Value: newcomer}})
	replica := &analytics.Service{Store: cf.store, Areas: coverage.Cilegon(), Logger: slog.New(slog.DiscardHandler)}
	run, err := replica.Reconcile(ctx, "test")
	if err != nil || !run.NewVersion {
		t.Fatalf("replica's pass: %+v %v", run, err)
	}
	if err := cf.svc.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	after := ask(all...)
	if f, c := cf.figures(); f != 3 || c != 1 {
		t.Errorf("after a new version: %d figures and %d counts asked, want 3 and 1 (coverage, UCJ, declared; counts)", f, c)
	}
	if after[qAreas] != before[qAreas] {
		t.Errorf("areas changed: %s", after[qAreas])
	}
	if after[qCoverage] == before[qCoverage] || !strings.Contains(after[qCoverage], fmt.Sprintf(`"version":%d`, run.RollupVersion)) {
		t.Errorf("coverage after version %d: %s", run.RollupVersion, after[qCoverage])
	}

	// A declared figure: the declared totals and the programme change; the
	// coverage does not.
	ask(qAPBD)
	cf.figures()
	code, _, body := cf.raw(t, "admin-key", `mutation { setDeclaredTotal(input: {metric: CITY_FUNDED_WORKERS, year: 2024, value: 7, source: "test"}) { declared } }`, nil)
	if code != 200 || strings.Contains(body, "errors") {
		t.Fatal(body)
	}
	cf.figures()
	got := ask(qDeclared, qAPBD, qCoverage)
	if !strings.Contains(got[qDeclared], `"declared":7`) || !strings.Contains(got[qAPBD], `"declared":7`) {
		t.Errorf("after a declared figure: %v", got)
	}
	if f, _ := cf.figures(); f != 3 {
		// The snapshot's generation changed: each answer of it is asked
		// again (coverage's own answer is kept below, per rollup version).
		t.Errorf("after a declared figure: %d figures asked, want 3", f)
	}

	// A workforce target: the UCJ's denominator.
	code, _, body = cf.raw(t, "admin-key", `mutation { setWorkforceTarget(input: {year: 2024, areaCode: "3672", workforce: 200000, basis: "UCJ_TARGET", source: "test"}) { year } }`, nil)
	if code != 200 || strings.Contains(body, "errors") {
		t.Fatal(body)
	}
	if got := ask(qUCJ); !strings.Contains(got[qUCJ], `"workforce":200000`) {
		t.Errorf("after a workforce target: %s", got[qUCJ])
	}

	// A resolution: the counts of open discrepancies.
	open := `{ discrepancyCounts(filter: {statuses: [OPEN]}) { total } }`
	_, _, n1 := cf.raw(t, "viewer-key", open, nil)
	var list struct {
		Data struct {
			Discrepancies struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
	}
	_, _, body = cf.raw(t, "admin-key", `{ discrepancies(filter: {statuses: [OPEN]}, first: 1) { edges { node { id } } } }`, nil)
	if err := json.Unmarshal([]byte(body), &list); err != nil || len(list.Data.Discrepancies.Edges) != 1 {
		t.Fatalf("no open discrepancy: %s", body)
	}
	_, _, body = cf.raw(t, "admin-key", `mutation($id: ID!) { resolveDiscrepancy(id: $id, note: "fixed") { status } }`,
		map[string]any{"id": list.Data.Discrepancies.Edges[0].Node.ID})
	if !strings.Contains(body, "RESOLVED") {
		t.Fatal(body)
	}
	_, _, n2 := cf.raw(t, "viewer-key", open, nil)
	var c1, c2 struct {
		Data struct{ DiscrepancyCounts struct{ Total int } }
	}
	_ = json.Unmarshal([]byte(n1), &c1)
	_ = json.Unmarshal([]byte(n2), &c2)
	if c2.Data.DiscrepancyCounts.Total != c1.Data.DiscrepancyCounts.Total-1 {
		t.Errorf("open discrepancies after a resolution: %s, before %s", n2, n1)
	}
}

// TestResponseCacheCountsTTL: counts changed by another process outside a
// pass are replayed at most CountsTTL.
func TestResponseCacheCountsTTL(t *testing.T) {
	cf := newCacheFixture(t, graph.Config{ResponseCache: graph.ResponseCache{CountsTTL: 200 * time.Millisecond}})
	cf.raw(t, "viewer-key", qCounts, nil)
	cf.raw(t, "viewer-key", qCounts, nil)
	if _, c := cf.figures(); c != 1 {
		t.Errorf("within the TTL: %d counts asked, want 1", c)
	}
	time.Sleep(300 * time.Millisecond)
	cf.raw(t, "viewer-key", qCounts, nil)
	if _, c := cf.figures(); c != 1 {
		t.Errorf("past the TTL: %d counts asked, want 1", c)
	}
}

// TestResponseCacheKeepsOnlyGoodQueries: an answer with an error, a
// mutation, a query with a field that is not cached are never replayed.
func TestResponseCacheKeepsOnlyGoodQueries(t *testing.T) {
	cf := newCacheFixture(t, graph.Config{})
	for _, c := range []struct {
		name, key, query string
		figures          int64
	}{
		{"an error beside a figure", "viewer-key", `{ coverage { totalRows } bad: coverage(filter: {from: "2024-05", to: "2024-01"}) { totalRows } }`, 1},
		{"a forbidden field beside a figure", "officer-key", `{ coverage { totalRows } apbdProgram(year: 2024) { year } }`, 1},
		{"records beside a figure", "admin-key", `{ coverage { totalRows } participants { totalCount } }`, 1},
		{"me beside a figure", "viewer-key", `{ coverage { totalRows } me { name } }`, 1},
		{"a mutation", "admin-key", `mutation { setDeclaredTotal(input: {metric: ACTIVE_PARTICIPANTS, year: 2030, value: 1, source: "test"}) { year } }`, 0},
	} {
		cf.figures()
		var bodies []string
		for range 2 {
			_, _, body := cf.raw(t, c.key, c.query, nil)
			bodies = append(bodies, body)
		}
		if f, _ := cf.figures(); f != 2*c.figures {
			t.Errorf("%s: %d figures asked in two requests, want %d: %v", c.name, f, 2*c.figures, bodies)
		}
	}
	// The mutation ran twice: its figure was set twice (the second a change
	// of nothing but its time).
	_, _, body := cf.raw(t, "admin-key", `{ declaredTotals(year: 2030) { setAt } }`, nil)
	if !strings.Contains(body, "setAt") {
		t.Errorf("declared 2030: %s", body)
	}
}

// TestResponseCacheFillsOnce: many callers asking one question at once
// make one computation.
func TestResponseCacheFillsOnce(t *testing.T) {
	cf := newCacheFixture(t, graph.Config{})
	var wg sync.WaitGroup
	bodies := make([]string, 32)
	for i := range bodies {
		wg.Go(func() { _, _, bodies[i] = cf.raw(t, "viewer-key", qCoverage, nil) })
	}
	wg.Wait()
	for _, b := range bodies[1:] {
		if b != bodies[0] {
			t.Fatalf("answers differ: %s and %s", b, bodies[0])
		}
	}
	if f, _ := cf.figures(); f != 1 {
		t.Errorf("32 callers at once: %d figures asked, want 1", f)
	}
}

// TestResponseCacheAfterRateLimit: a replayed answer still counts against
// the caller's rate.
func TestResponseCacheAfterRateLimit(t *testing.T) {
	cf := newCacheFixture(t, graph.Config{RateLimit: graph.RateLimit{Rate: 0.001, Burst: 3}})
	var codes []int
	for range 4 {
		code, _, _ := cf.raw(t, "viewer-key", qAreas, nil)
		codes = append(codes, code)
	}
	if fmt.Sprint(codes) != "[200 200 200 429]" {
		t.Errorf("codes %v, want the fourth refused", codes)
	}
	// Without credentials, nothing is replayed.
	req := httptest.NewRequest(http.MethodPost, "/query", strings.NewReader(`{"query":"{ areas { code name } city { code } }"}`))
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	cf.handler.ServeHTTP(w, req)
	if w.Code != http.StatusUnauthorized {
		t.Errorf("no credentials: %d %s", w.Code, w.Body)
	}
}

// TestResponseCacheGzip: a replayed answer of gzipMin bytes or more goes
// gzipped to a caller whose Accept-Encoding takes gzip, and decompresses to
// the bytes everyone else gets; a caller refusing gzip, or not naming it,
// gets the plain bytes; a short answer is never gzipped. Every replay says
// Vary: Accept-Encoding and its Content-Length.
func TestResponseCacheGzip(t *testing.T) {
	cf := newCacheFixture(t, graph.Config{})
	ask := func(q, acceptEncoding string) *httptest.ResponseRecorder {
		t.Helper()
		body, _ := json.Marshal(map[string]any{"query": q})
		req := httptest.NewRequest(http.MethodPost, "/query", strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer viewer-key")
		if acceptEncoding != "" {
			req.Header.Set("Accept-Encoding", acceptEncoding)
		}
		w := httptest.NewRecorder()
		cf.handler.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", q, w.Code, w.Body)
		}
		return w
	}
	long := `{ coverage(filter: {from: "2024-01"}, groupBy: [KELURAHAN], granularity: MONTH) { totalRows rows(first: 100) { bucket kelurahanCode measures { activeParticipants contributionsDue contributionsPaid } } } }`
	first := ask(long, "gzip") // the fill: as gqlgen wrote it
	plain := first.Body.String()
	if len(plain) < 1<<10 || first.Header().Get("Content-Encoding") != "" {
		t.Fatalf("the first answer: %d bytes, Content-Encoding %q", len(plain), first.Header().Get("Content-Encoding"))
	}
	zipped := ask(long, "gzip, deflate, br")
	if zipped.Header().Get("Content-Encoding") != "gzip" || !slices.Contains(zipped.Header().Values("Vary"), "Accept-Encoding") {
		t.Fatalf("a replay to a gzip caller: headers %v", zipped.Header())
	}
	if n, _ := strconv.Atoi(zipped.Header().Get("Content-Length")); n != zipped.Body.Len() || n*3 > len(plain) {
		t.Errorf("gzipped: Content-Length %q for %d bytes, plain %d", zipped.Header().Get("Content-Length"), zipped.Body.Len(), len(plain))
	}
	zr, err := gzip.NewReader(zipped.Body)
	if err != nil {
		t.Fatal(err)
	}
	unzipped, err := io.ReadAll(zr)
	if err != nil || string(unzipped) != plain {
		t.Errorf("gunzipped replay differs from the answer (%v): %.200s", err, unzipped)
	}
	for _, ae := range []string{"", "gzip;q=0", "br", "identity"} {
		w := ask(long, ae)
		if w.Header().Get("Content-Encoding") != "" || w.Body.String() != plain || w.Header().Get("Content-Length") != strconv.Itoa(len(plain)) {
			t.Errorf("Accept-Encoding %q: Content-Encoding %q, Content-Length %q, %d bytes (want %d plain)",
				ae, w.Header().Get("Content-Encoding"), w.Header().Get("Content-Length"), w.Body.Len(), len(plain))
		}
	}
	ask(qUCJ, "gzip")
	if short := ask(qUCJ, "gzip"); short.Header().Get("Content-Encoding") != "" || short.Body.Len() >= 1<<10 {
		t.Errorf("a short answer (%d bytes): Content-Encoding %q", short.Body.Len(), short.Header().Get("Content-Encoding"))
	}
}
