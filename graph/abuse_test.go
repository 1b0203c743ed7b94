package graph_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/graph"
)

// The limits of abuse (ratelimit.go, timeout.go, querylimits.go, cors.go),
// through the whole handler over a store that answers from memory.

// memRecords answers every list empty; participants calls slow first when set.
type memRecords struct {
	slow func(ctx context.Context) error
}

func (m *memRecords) Participants(ctx context.Context, _ coverage.ParticipantFilter, _ coverage.PageRequest) (coverage.Page[coverage.Participant], error) {
	if m.slow != nil {
		if err := m.slow(ctx); err != nil {
			return coverage.Page[coverage.Participant]{}, err
		}
	}
	return coverage.Page[coverage.Participant]{}, nil
}
func (*memRecords) Participant(context.Context, string) (*coverage.Participant, error) {
	return nil, coverage.Errorf(coverage.ENOTFOUND, "no participant")
}
func (*memRecords) Contributions(context.Context, coverage.ContributionFilter, coverage.PageRequest) (coverage.Page[coverage.Contribution], error) {
	return coverage.Page[coverage.Contribution]{}, nil
}
func (*memRecords) Claims(context.Context, coverage.ClaimFilter, coverage.PageRequest) (coverage.Page[coverage.Claim], error) {
	return coverage.Page[coverage.Claim]{}, nil
}
func (*memRecords) Roster(context.Context, coverage.RosterFilter, coverage.PageRequest) (coverage.Page[coverage.RosterEntry], error) {
	return coverage.Page[coverage.RosterEntry]{}, nil
}
func (*memRecords) Workforce(context.Context, coverage.WorkforceFilter) ([]coverage.WorkforceTarget, error) {
	return nil, nil
}
func (*memRecords) ContributionsByKPJ(context.Context, []string, coverage.ContributionFilter, coverage.PageRequest) (map[string]coverage.Page[coverage.Contribution], error) {
	return nil, nil
}
func (*memRecords) ClaimsByKPJ(context.Context, []string, coverage.ClaimFilter, coverage.PageRequest) (map[string]coverage.Page[coverage.Claim], error) {
	return nil, nil
}
func (*memRecords) RosterByNIK(context.Context, []string) (map[string][]coverage.RosterEntry, error) {
	return nil, nil
}
func (*memRecords) LatestSucceededRun(context.Context, coverage.Feed) (*coverage.SyncRun, error) {
	return nil, nil
}

func (*memRecords) SyncRuns(context.Context, coverage.Feed, int) ([]coverage.SyncRun, error) {
	return nil, nil
}
func (*memRecords) SyncRun(context.Context, string) (*coverage.SyncRun, error) {
	return nil, coverage.Errorf(coverage.ENOTFOUND, "no run")
}
func (*memRecords) Quarantine(context.Context, coverage.QuarantineFilter, coverage.PageRequest) (coverage.Page[coverage.Quarantined], error) {
	return coverage.Page[coverage.Quarantined]{}, nil
}

// keyAuth takes any bearer key but "bad" as an admin whose key id is the key.
func keyAuth(r *http.Request) (graph.Principal, error) {
	key, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if key == "" || key == "bad" {
		return graph.Principal{}, coverage.Errorf(coverage.EUNAUTHENTICATED, "unknown API key")
	}
	return graph.Principal{Name: key, Role: graph.RoleAdmin, Method: "api-key", KeyID: key}, nil
}

func abuseHandler(cfg graph.Config) http.Handler {
	if cfg.Records == nil {
		cfg.Records = &memRecords{}
	}
	cfg.SyncLog, cfg.Areas = &memRecords{}, coverage.Cilegon()
	cfg.Authenticate = keyAuth
	cfg.Logger = slog.New(slog.DiscardHandler)
	cfg.CursorKey = []byte("0123456789abcdef0123456789abcdef")
	return graph.NewHandler(cfg)
}

type answer struct {
	status int
	header http.Header
	body   string
	code   string // the first error's extensions.code
	msg    string
}

// call posts a query as key from addr (host:port), with extra headers.
func call(h http.Handler, key, addr, query string, headers ...string) answer {
	body, _ := json.Marshal(map[string]any{"query": query})
	req := httptest.NewRequest(http.MethodPost, "http://api.test/query", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	if addr != "" {
		req.RemoteAddr = addr
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	a := answer{status: rec.Code, header: rec.Header(), body: rec.Body.String()}
	var resp struct {
		Errors []struct {
			Message    string
			Extensions struct{ Code string }
		}
	}
	if json.Unmarshal(rec.Body.Bytes(), &resp) == nil && len(resp.Errors) > 0 {
		a.code, a.msg = resp.Errors[0].Extensions.Code, resp.Errors[0].Message
	}
	return a
}

const cityQuery = `{ city { name } }`

func TestRateLimitPerCaller(t *testing.T) {
	h := abuseHandler(graph.Config{RateLimit: graph.RateLimit{Rate: 0.01, Burst: 3}})
	for i := range 3 {
		if a := call(h, "dashboard", "10.0.0.1:1000", cityQuery); a.status != http.StatusOK || a.code != "" {
			t.Fatalf("request %d: %d %s %s", i+1, a.status, a.code, a.body)
		}
	}
	a := call(h, "dashboard", "10.0.0.2:1000", cityQuery) // the key's bucket, whatever the address
	if a.status != http.StatusTooManyRequests || a.code != "RATE_LIMITED" || !strings.Contains(a.msg, "retry after") {
		t.Fatalf("fourth request: %d %s %q, want 429 RATE_LIMITED", a.status, a.code, a.msg)
	}
	if s, err := strconv.Atoi(a.header.Get("Retry-After")); err != nil || s < 1 || s > 100 {
		t.Errorf("Retry-After %q, want the seconds until a token (100 at 0.01/s)", a.header.Get("Retry-After"))
	}
	if a := call(h, "analyst", "10.0.0.1:1000", cityQuery); a.status != http.StatusOK {
		t.Errorf("another key from the same address: %d %s", a.status, a.code)
	}
}

func TestRateLimitOfFailedAuthentications(t *testing.T) {
	h := abuseHandler(graph.Config{RateLimit: graph.RateLimit{Rate: 0.01, Burst: 2}})
	for i := range 2 {
		if a := call(h, "bad", "192.0.2.7:5000", cityQuery); a.status != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d %s", i+1, a.status, a.code)
		}
	}
	a := call(h, "bad", "192.0.2.7:5001", cityQuery)
	if a.status != http.StatusTooManyRequests || a.code != "RATE_LIMITED" || a.header.Get("Retry-After") == "" {
		t.Fatalf("third failure: %d %s, want 429 RATE_LIMITED with Retry-After", a.status, a.code)
	}
	if a := call(h, "bad", "192.0.2.8:5000", cityQuery); a.status != http.StatusUnauthorized {
		t.Errorf("a failure from another address: %d %s, want 401", a.status, a.code)
	}
	// Successes do not use the address's failures.
	h = abuseHandler(graph.Config{RateLimit: graph.RateLimit{Rate: 0.01, Burst: 2}})
	for i := range 2 {
		call(h, "k"+strconv.Itoa(i), "192.0.2.9:1", cityQuery)
	}
	if a := call(h, "bad", "192.0.2.9:1", cityQuery); a.status != http.StatusUnauthorized {
		t.Errorf("a first failure after successes: %d, want 401", a.status)
	}
}

func TestRateLimitBehindAProxy(t *testing.T) {
	proxies, err := graph.ParseTrustedProxies("10.1.0.0/16")
	if err != nil {
		t.Fatal(err)
	}
	h := abuseHandler(graph.Config{RateLimit: graph.RateLimit{Rate: 0.01, Burst: 1}, TrustedProxies: proxies})
	// Two clients behind the proxy have buckets of their own; what they put
	// in X-Forwarded-For before the proxy's entry does not count.
	for _, xff := range []string{"203.0.113.1", "198.51.100.9, 203.0.113.2"} {
		if a := call(h, "bad", "10.1.2.3:443", cityQuery, "X-Forwarded-For", xff); a.status != http.StatusUnauthorized {
			t.Errorf("first failure of %s: %d", xff, a.status)
		}
	}
	if a := call(h, "bad", "10.1.2.3:443", cityQuery, "X-Forwarded-For", "1.1.1.1, 203.0.113.2"); a.status != http.StatusTooManyRequests {
		t.Errorf("second failure of 203.0.113.2, with a forged first hop: %d, want 429", a.status)
	}
	// An untrusted peer's X-Forwarded-For is ignored.
	call(h, "bad", "198.51.100.1:1", cityQuery, "X-Forwarded-For", "203.0.113.50")
	if a := call(h, "bad", "198.51.100.1:1", cityQuery, "X-Forwarded-For", "203.0.113.51"); a.status != http.StatusTooManyRequests {
		t.Errorf("an untrusted peer changing its X-Forwarded-For: %d, want 429", a.status)
	}
}

func TestParseRateLimit(t *testing.T) {
	for in, want := range map[string]graph.RateLimit{
		"20/s burst 40":  {Rate: 20, Burst: 40},
		"20/s":           {Rate: 20, Burst: 20},
		"600/m":          {Rate: 10, Burst: 10},
		"60/m burst 100": {Rate: 1, Burst: 100},
		"1/h":            {Rate: 1.0 / 3600, Burst: 1},
		"5/100ms":        {Rate: 50, Burst: 50},
		" 2.5/S BURST 3": {Rate: 2.5, Burst: 3},
		"off":            {},
		"0":              {},
		"":               {},
	} {
		got, err := graph.ParseRateLimit(in)
		if err != nil || got != want {
			t.Errorf("ParseRateLimit(%q) = %+v, %v; want %+v", in, got, err, want)
		}
		if !got.Off() {
			if back, err := graph.ParseRateLimit(got.String()); err != nil || back != got {
				t.Errorf("%q: String %q reads back as %+v, %v", in, got.String(), back, err)
			}
		}
	}
	for _, bad := range []string{"20", "20/x", "-1/s", "0/s", "NaN/s", "20/s burst 0", "20/s burst x", "1e300/s", "20/-1s", "20/s burst 40 burst 2"} {
		if l, err := graph.ParseRateLimit(bad); err == nil {
			t.Errorf("ParseRateLimit(%q) = %+v, want an error", bad, l)
		}
	}
}

func TestRequestTimeout(t *testing.T) {
	t.Run("the store stops", func(t *testing.T) {
		var stopped atomic.Bool
		rec := &memRecords{slow: func(ctx context.Context) error {
			<-ctx.Done()
			stopped.Store(true)
			return ctx.Err()
		}}
		h := abuseHandler(graph.Config{Records: rec, RequestTimeout: 200 * time.Millisecond})
		start := time.Now()
		a := call(h, "admin", "", `{ participants(first: 1) { totalCount } }`)
		if took := time.Since(start); a.status != http.StatusServiceUnavailable || a.code != "TIMEOUT" || took > 5*time.Second {
			t.Fatalf("%d %s %q after %s, want 503 TIMEOUT after about 200ms", a.status, a.code, a.msg, took)
		}
		deadline := time.Now().Add(5 * time.Second)
		for !stopped.Load() && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if !stopped.Load() {
			t.Error("the store call's context was not cancelled")
		}
	})
	t.Run("a store that does not stop", func(t *testing.T) {
		release := make(chan struct{})
		defer close(release)
		rec := &memRecords{slow: func(context.Context) error { <-release; return nil }}
		h := abuseHandler(graph.Config{Records: rec, RequestTimeout: 200 * time.Millisecond})
		start := time.Now()
		a := call(h, "admin", "", `{ participants(first: 1) { totalCount } }`)
		if took := time.Since(start); a.code != "TIMEOUT" || took > 5*time.Second {
			t.Fatalf("%d %s after %s, want TIMEOUT at the deadline", a.status, a.code, took)
		}
	})
	t.Run("in time", func(t *testing.T) {
		h := abuseHandler(graph.Config{RequestTimeout: time.Minute})
		if a := call(h, "admin", "", `{ participants(first: 1) { totalCount } }`); a.status != http.StatusOK || a.code != "" {
			t.Fatalf("%d %s %s", a.status, a.code, a.body)
		}
	})
}

func TestQueryTextLimits(t *testing.T) {
	h := abuseHandler(graph.Config{})
	// Beyond the token limit: refused by the parser.
	var long strings.Builder
	long.WriteString("{ ")
	for i := range graph.DefaultParserTokenLimit/6 + 1 {
		long.WriteString("a" + strconv.Itoa(i) + ": city { name } ")
	}
	long.WriteString("}")
	if a := call(h, "admin", "", long.String()); a.code != "GRAPHQL_PARSE_FAILED" || !strings.Contains(a.msg, "token limit") {
		t.Errorf("%d tokens: %s %q, want GRAPHQL_PARSE_FAILED about the token limit", graph.DefaultParserTokenLimit+6, a.code, a.msg)
	}
	// One field repeated: refused before validation, which would take
	// seconds (a megabyte of it: hours).
	for _, q := range []string{
		"{ city { " + strings.Repeat("name ", 21) + "} }",
		"{ city { " + strings.Repeat("n: code ", 21) + "} }",
		"query { city { ...F ...F " + strings.Repeat("...F ", 20) + "} } fragment F on Area { name }",
		"{ city { " + strings.Repeat("name ", 200_000) + "} }",
	} {
		start := time.Now()
		a := call(h, "admin", "", q)
		if a.code != "GRAPHQL_VALIDATION_FAILED" || !strings.Contains(a.msg, "times in one selection set") || time.Since(start) > 2*time.Second {
			t.Errorf("%.40s...: %s %q after %s", q, a.code, a.msg, time.Since(start))
		}
	}
	// Twenty times is allowed (and merges).
	if a := call(h, "admin", "", "{ city { "+strings.Repeat("name ", 20)+"} }"); a.status != http.StatusOK || a.code != "" {
		t.Errorf("a field twenty times: %d %s %q", a.status, a.code, a.msg)
	}
	// A smaller configured limit.
	h = abuseHandler(graph.Config{ParserTokenLimit: 10})
	if a := call(h, "admin", "", `{ city { name code kecamatan { name } } }`); a.code != "GRAPHQL_PARSE_FAILED" {
		t.Errorf("a limit of 10 tokens: %s %q", a.code, a.msg)
	}
}

func TestCORS(t *testing.T) {
	origins, err := graph.ParseCORSOrigins("https://Dashboard.Cilegon.go.id:443, http://localhost:5173")
	if err != nil {
		t.Fatal(err)
	}
	h := abuseHandler(graph.Config{CORSOrigins: origins})
	preflight := func(h http.Handler, origin string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodOptions, "http://api.test/query", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}

	rec := preflight(h, "https://dashboard.cilegon.go.id")
	hd := rec.Header()
	if rec.Code != http.StatusNoContent || hd.Get("Access-Control-Allow-Origin") != "https://dashboard.cilegon.go.id" ||
		hd.Get("Access-Control-Allow-Credentials") != "true" || !strings.Contains(hd.Get("Access-Control-Allow-Headers"), "Authorization") ||
		!strings.Contains(hd.Get("Access-Control-Allow-Methods"), "POST") {
		t.Errorf("preflight of an allowed origin: %d %v", rec.Code, hd)
	}
	if rec := preflight(h, "https://evil.example"); rec.Code != http.StatusForbidden || rec.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight of another origin: %d %v", rec.Code, rec.Header())
	}

	a := call(h, "admin", "", cityQuery, "Origin", "http://localhost:5173")
	if a.status != http.StatusOK || a.header.Get("Access-Control-Allow-Origin") != "http://localhost:5173" || a.header.Get("Access-Control-Expose-Headers") != "Retry-After" {
		t.Errorf("a request of an allowed origin: %d %v", a.status, a.header)
	}
	// Errors reach the dashboard too.
	if a := call(h, "bad", "", cityQuery, "Origin", "http://localhost:5173"); a.status != http.StatusUnauthorized || a.header.Get("Access-Control-Allow-Origin") == "" {
		t.Errorf("a 401 to an allowed origin: %d %v", a.status, a.header)
	}
	if a := call(h, "admin", "", cityQuery, "Origin", "https://evil.example"); a.status != http.StatusForbidden || a.code != "FORBIDDEN" {
		t.Errorf("a request of another origin: %d %s %q", a.status, a.code, a.msg)
	}
	if a := call(h, "admin", "", cityQuery, "Origin", "null"); a.status != http.StatusForbidden {
		t.Errorf("origin null: %d", a.status)
	}
	// The server's own page (GraphiQL) and clients without Origin pass.
	if a := call(h, "admin", "", cityQuery, "Origin", "http://api.test"); a.status != http.StatusOK || a.header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("same origin: %d %v", a.status, a.header)
	}
	if a := call(h, "admin", "", cityQuery); a.status != http.StatusOK {
		t.Errorf("no origin: %d", a.status)
	}

	// Any origin: no credentials.
	h = abuseHandler(graph.Config{CORSOrigins: []string{"*"}})
	rec = preflight(h, "https://anywhere.example")
	if rec.Code != http.StatusNoContent || rec.Header().Get("Access-Control-Allow-Origin") != "*" || rec.Header().Get("Access-Control-Allow-Credentials") != "" {
		t.Errorf("preflight with any origin allowed: %d %v", rec.Code, rec.Header())
	}
	// None configured: only the server's own origin.
	h = abuseHandler(graph.Config{})
	if rec := preflight(h, "http://localhost:5173"); rec.Code != http.StatusForbidden {
		t.Errorf("preflight without an allowlist: %d", rec.Code)
	}
}

func TestParseCORSOrigins(t *testing.T) {
	for in, want := range map[string]string{
		"https://a.example":                        "https://a.example",
		"HTTPS://A.Example:443/":                   "https://a.example",
		"http://localhost:8080, https://b.example": "http://localhost:8080 https://b.example",
		"http://[::1]:3000":                        "http://[::1]:3000",
		"*":                                        "*",
		"none":                                     "",
		"":                                         "",
	} {
		got, err := graph.ParseCORSOrigins(in)
		if err != nil || strings.Join(got, " ") != want {
			t.Errorf("ParseCORSOrigins(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"a.example", "ftp://a.example", "https://a.example/app", "https://u:p@a.example", "https://a.example?x=1", "*, https://a.example", "https://", "https://a.example:99999", "null"} {
		if got, err := graph.ParseCORSOrigins(bad); err == nil {
			t.Errorf("ParseCORSOrigins(%q) = %q, want an error", bad, got)
		}
	}
}

// TestLimitsKeepFlushing: subscriptions (SSE) need the writer to flush
// through the middlewares.
func TestLimitsKeepFlushing(t *testing.T) {
	h := abuseHandler(graph.Config{RateLimit: graph.RateLimit{Rate: 10, Burst: 10}, RequestTimeout: time.Second})
	srv := httptest.NewServer(h)
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/query", strings.NewReader(`{"query":"subscription { syncRunProgress(id: \"r\") { id } }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", "Bearer admin")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Errorf("subscription: %d %s %q", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
}

func TestBodyTooLarge(t *testing.T) {
	h := abuseHandler(graph.Config{})
	a := call(h, "admin", "", "{ city { name } }"+strings.Repeat(" ", 1<<20))
	if a.status != http.StatusRequestEntityTooLarge || a.code != "REQUEST_TOO_LARGE" {
		t.Errorf("a body over 1 MiB: %d %s %q", a.status, a.code, a.msg)
	}
}
