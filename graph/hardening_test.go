package graph_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/coverage/reconcile"
	"github.com/cilegon/jamsostek/graph"
)

// Issue 15 (hardening), the API's part: each test fails without its fix.
// Fakes and the figures are in hardening_figures_test.go.

// TestWorkStopsWhenTheClientGoes: a client that goes away ends its request:
// the store calls in flight are cancelled and no other starts, whatever is
// left of the query.
func TestWorkStopsWhenTheClientGoes(t *testing.T) {
	g := &gauge{hold: true}
	srv := httptest.NewServer(abuseHandler(graph.Config{Records: g}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	body, _ := json.Marshal(map[string]any{"query": aliases(40, "", `participants(first: 1) { totalCount }`)})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/query", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer admin")
	done := make(chan error, 1)
	go func() {
		resp, err := srv.Client().Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	waitFor(t, "the first store calls", func() bool { return g.inFlight.Load() >= graph.DefaultStoreCallsPerRequest })
	cancel() // the client goes away
	<-done
	waitFor(t, "the calls in flight to be cancelled", func() bool { return g.inFlight.Load() == 0 })
	time.Sleep(50 * time.Millisecond) // room for a call that should not start
	if n, c := g.calls.Load(), g.cancelled.Load(); n != graph.DefaultStoreCallsPerRequest || c != n {
		t.Errorf("store calls %d, cancelled %d: want the %d in flight, all cancelled, and no other of the 40", n, c, graph.DefaultStoreCallsPerRequest)
	}
}

// waitFor waits for a condition, failing after a generous while.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
	}
}

// TestStoreCallsPerRequest: however many aliases, a request has at most
// StoreCallsPerRequest store calls in flight; every alias is answered.
func TestStoreCallsPerRequest(t *testing.T) {
	for _, slots := range []int{0, 2} {
		g := &gauge{pause: 5 * time.Millisecond}
		h := abuseHandler(graph.Config{Records: g, StoreCallsPerRequest: slots})
		a := post(h, aliases(60, "($f: ContributionFilter)", `contributions(first: 1, filter: $f) { totalCount }`),
			map[string]any{"f": map[string]any{"kpj": "10000000001"}})
		want := int64(slots)
		if slots == 0 {
			want = graph.DefaultStoreCallsPerRequest
		}
		if a.code != "" || strings.Count(a.body, `"totalCount":7`) != 60 {
			t.Fatalf("slots %d: %d %s %.300s", slots, a.status, a.code, a.body)
		}
		if g.calls.Load() != 60 || g.most.Load() != want {
			t.Errorf("slots %d: %d store calls, at most %d at once; want 60, at most %d", slots, g.calls.Load(), g.most.Load(), want)
		}
	}
}

// TestCostOfCountsAndScans: every list call counts its matches; under a
// filter that names no member or person that count passes over the list and
// costs like a page of 100 records, so many of them are refused before any
// runs.
func TestCostOfCountsAndScans(t *testing.T) {
	g := &gauge{}
	h := abuseHandler(graph.Config{Records: g})
	unpaid := map[string]any{"f": map[string]any{"unpaid": true}}
	for _, tc := range []struct {
		n      int
		filter map[string]any
		code   string
	}{
		{10, unpaid, ""},
		{98, unpaid, ""}, // 98 x (1 + 100 + 1) = 9,996
		{99, unpaid, "COMPLEXITY_LIMIT_EXCEEDED"},
		{110, map[string]any{"f": map[string]any{"kpj": "10000000001"}}, ""}, // one member's: 3 each
	} {
		before := g.calls.Load()
		a := post(h, aliases(tc.n, "($f: ContributionFilter)", `contributions(first: 1, filter: $f) { totalCount }`), tc.filter)
		if a.code != tc.code {
			t.Errorf("%d aliases of %v: %d %s %q, want %q", tc.n, tc.filter, a.status, a.code, a.msg, tc.code)
		}
		if calls := g.calls.Load() - before; tc.code != "" && calls != 0 {
			t.Errorf("%d aliases refused, yet %d store calls", tc.n, calls)
		}
	}
	// A page is read whatever is selected: first counts without edges.
	if a := post(h, `{ participants(first: 1000) { totalCount } a: participants(first: 1000) { totalCount }
		b: participants(first: 1000) { totalCount } c: participants(first: 1000) { totalCount } d: participants(first: 1000) { totalCount }
		e: participants(first: 1000) { totalCount } f: participants(first: 1000) { totalCount } g: participants(first: 1000) { totalCount }
		h: participants(first: 1000) { totalCount } i: participants(first: 1000) { totalCount } }`, nil); a.code != "COMPLEXITY_LIMIT_EXCEEDED" {
		t.Errorf("ten pages of 1,000: %s %q, want COMPLEXITY_LIMIT_EXCEEDED", a.code, a.msg)
	}
}

// TestCoverageRowsArePaged: coverage rows come a page at a time (first,
// after a row's cursor), totalRows counts them all, a cursor of another
// question or list is refused, and the rows a grouping can make count in
// the cost, so that asking the largest grouping many times is refused.
func TestCoverageRowsArePaged(t *testing.T) {
	const total = 12_000
	h := abuseHandler(graph.Config{Analytics: rollupAnalytics{syntheticRollup(total)}, ReconcileLog: noReconcileLog{}})
	type row struct{ Cursor, Bucket, KelurahanCode, Category string }
	ask := func(groupBy []string, first any, after string) (rows []row, totalRows int, a answer) {
		t.Helper()
		vars := map[string]any{"g": groupBy, "n": first}
		if after != "" {
			vars["a"] = after
		}
		a = post(h, `query($g: [CoverageDimension!], $n: Int, $a: String) { coverage(groupBy: $g, granularity: MONTH) {
			totalRows rows(first: $n, after: $a) { cursor bucket kelurahanCode category } } }`, vars)
		var resp struct {
			Data struct {
				Coverage *struct {
					TotalRows int
					Rows      []row
				}
			}
		}
		if err := json.Unmarshal([]byte(a.body), &resp); err != nil {
			t.Fatalf("%s: %v", a.body, err)
		}
		if c := resp.Data.Coverage; c != nil {
			return c.Rows, c.TotalRows, a
		}
		return nil, 0, a
	}
	grouping := []string{"KELURAHAN", "CATEGORY"}

	rows, totalRows, a := ask(grouping, nil, "")
	if a.code != "" || totalRows != total || len(rows) != graph.DefaultCoverageRows {
		t.Fatalf("no first: %d rows of %d (%s %q), want %d of %d", len(rows), totalRows, a.code, a.msg, graph.DefaultCoverageRows, total)
	}
	// Page through in pages of 5,000: every row once, in order.
	var all []row
	after := ""
	for {
		page, _, a := ask(grouping, 5000, after)
		if a.code != "" {
			t.Fatalf("after %q: %s %q", after, a.code, a.msg)
		}
		if len(page) == 0 {
			break
		}
		all = append(all, page...)
		after = page[len(page)-1].Cursor
	}
	seen := map[string]bool{}
	for _, r := range all {
		seen[r.Bucket+r.KelurahanCode+r.Category] = true
	}
	if len(all) != total || len(seen) != total || all[0] != rows[0] || all[4999] != rows[4999] {
		t.Errorf("paged: %d rows, %d distinct, want %d", len(all), len(seen), total)
	}
	page, _, _ := ask(grouping, 3, rows[9].Cursor)
	if len(page) != 3 || page[0] != rows[10] {
		t.Errorf("3 after the 10th row: got %+v, want from %+v", page, rows[10])
	}

	// Cursors of another question, of another list, garbage; first out of
	// range.
	for _, tc := range []struct {
		name     string
		groupBy  []string
		first    any
		after    string
		contains string
	}{
		{"another grouping", []string{"KELURAHAN"}, 5, rows[9].Cursor, "another coverage question"},
		{"garbage", grouping, 5, "%%%", "not a cursor"},
		{"another list", grouping, 5, cursor(t, map[string]any{"l": "participants", "k": "10000000001"}), "after is a cursor of participants"},
		{"first 0", grouping, 0, "", "first must be between 1 and 5000"},
		{"first too large", grouping, 5001, "", "first must be between 1 and 5000"},
	} {
		_, _, a := ask(tc.groupBy, tc.first, tc.after)
		if a.code != "BAD_USER_INPUT" || !strings.Contains(a.msg, tc.contains) {
			t.Errorf("%s: %s %q, want BAD_USER_INPUT mentioning %q", tc.name, a.code, a.msg, tc.contains)
		}
	}

	// The query: every dimension by month, 100 times, refused
	// before it runs; once, or a few times a small page, served.
	every := map[string]any{"g": everyDimension}
	for _, tc := range []struct {
		n     int
		field string
		code  string
	}{
		{100, `coverage(groupBy: $g, granularity: MONTH) { rows { bucket } }`, "COMPLEXITY_LIMIT_EXCEEDED"},
		{2, `coverage(groupBy: $g, granularity: MONTH) { rows { bucket } }`, "COMPLEXITY_LIMIT_EXCEEDED"},
		{1, `coverage(groupBy: $g, granularity: MONTH) { rows { bucket } }`, ""},
		{2, `coverage(groupBy: $g, granularity: MONTH) { totalRows rows(first: 10) { bucket } }`, ""},
		{5, `coverage(groupBy: [KECAMATAN], granularity: QUARTER) { rows { bucket measures { activeParticipants claimsByProgram { paid } } } }`, ""},
	} {
		decl, vars := "($g: [CoverageDimension!])", every
		if !strings.Contains(tc.field, "$g") {
			decl, vars = "", nil
		}
		if a := post(h, aliases(tc.n, decl, tc.field), vars); a.code != tc.code {
			t.Errorf("%d x %s: %s %q, want %q", tc.n, tc.field, a.code, a.msg, tc.code)
		}
	}
}

// TestResponseSizeCap: an answer larger than MaxResponseBytes is cut with
// RESPONSE_TOO_LARGE as it grows, not built in full: the rest of the query
// does not run.
func TestResponseSizeCap(t *testing.T) {
	// Pages of 500 participants, about 75 KB each, read one at a time, 100
	// ms a page: the answer passes 100 KB with the second.
	g := &gauge{participants: 500, pause: 100 * time.Millisecond}
	audit := &auditSpy{AuditLog: nopAudit{}}
	h := abuseHandler(graph.Config{Records: g, MaxResponseBytes: 100 << 10, StoreCallsPerRequest: 1, AuditLog: audit})
	page := `participants(first: 500) { edges { node { kpj name occupation } } }`
	if a := post(h, aliases(1, "", page), nil); a.code != "" || len(a.body) < 50_000 {
		t.Fatalf("one page: %d %s %d bytes, want it served", a.status, a.code, len(a.body))
	}
	g.calls.Store(0)
	a := post(h, aliases(9, "", page), nil)
	if a.code != "RESPONSE_TOO_LARGE" || len(a.body) > 1000 || strings.Contains(a.body, "Ahmad") {
		t.Errorf("nine pages: %d %s, %d bytes: %.200s", a.status, a.code, len(a.body), a.body)
	}
	if n := g.calls.Load(); n > 4 {
		t.Errorf("nine pages: %d of them read, want the answer cut at the second", n)
	}
	// The names read before the cut are audited, as a failed request.
	if es := audit.take(); len(es) != 2 || !es[1].Failed || es[0].Failed {
		t.Errorf("audit entries %+v, want one served, one failed", es)
	}

	// A scalar aliased 500 times on 1,000 records (22 MB), with the
	// default limit.
	h = abuseHandler(graph.Config{Records: &gauge{participants: 1000}})
	var names strings.Builder
	for i := range 500 {
		fmt.Fprintf(&names, " n%d: name", i)
	}
	if a := post(h, `{ participants(first: 1000) { edges { node {`+names.String()+` } } } }`, nil); a.code != "RESPONSE_TOO_LARGE" || len(a.body) > 1000 {
		t.Errorf("500 aliases of a name: %d %s %q, %d bytes", a.status, a.code, a.msg, len(a.body))
	}
}

// nopAudit keeps nothing.
type nopAudit struct{}

func (nopAudit) Append(context.Context, coverage.AuditEntry) error { return nil }
func (nopAudit) AuditEntries(context.Context, coverage.AuditFilter, coverage.PageRequest) (coverage.Page[coverage.AuditEntry], error) {
	return coverage.Page[coverage.AuditEntry]{}, nil
}

// TestRequestBodies: what a client sends that is not a GraphQL request is
// refused with a coded error that quotes at most the body's first bytes; a
// body over the limit is 413, announced or not, JSON or multipart.
func TestRequestBodies(t *testing.T) {
	h := abuseHandler(graph.Config{})
	send := func(body io.Reader, contentType string) (int, string, string) {
		req := httptest.NewRequest(http.MethodPost, "/query", body)
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Authorization", "Bearer admin")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var resp struct {
			Errors []struct {
				Message    string
				Extensions struct{ Code string }
			}
		}
		_ = json.Unmarshal(rec.Body.Bytes(), &resp)
		if len(resp.Errors) != 1 {
			return rec.Code, "", rec.Body.String()
		}
		return rec.Code, resp.Errors[0].Extensions.Code, rec.Body.String()
	}
	chunked := func(s string) io.Reader { return io.MultiReader(strings.NewReader(s)) }
	upload := func(size int) string {
		return "--B\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n" +
			`{"query":"mutation($f: Upload!) { importRoster(file: $f) { rows } }","variables":{"f":null}}` +
			"\r\n--B\r\nContent-Disposition: form-data; name=\"map\"\r\n\r\n{\"0\":[\"variables.f\"]}\r\n" +
			"--B\r\nContent-Disposition: form-data; name=\"0\"; filename=\"roster.csv\"\r\n\r\n" + strings.Repeat("x", size) + "\r\n--B--\r\n"
	}
	for _, tc := range []struct {
		name        string
		body        io.Reader
		contentType string
		status      int
		code        string
	}{
		{"900 KB that is not JSON", strings.NewReader(`{"query": "{ city { name } }", "x": ` + strings.Repeat("x", 900_000)), "application/json", 400, "BAD_REQUEST"},
		{"JSON of the wrong shape", strings.NewReader(`{"query": ["` + strings.Repeat("y", 900_000) + `"]}`), "application/json", 400, "BAD_REQUEST"},
		{"a JSON body over 1 MiB, chunked", chunked(`{"query":"{ city { name } }","variables":{"pad":"` + strings.Repeat("x", 1<<20) + `"}}`), "application/json", 413, "REQUEST_TOO_LARGE"},
		{"a 50 MB upload", strings.NewReader(upload(50 << 20)), "multipart/form-data; boundary=B", 413, "REQUEST_TOO_LARGE"},
		{"a 50 MB upload, chunked", chunked(upload(50 << 20)), "multipart/form-data; boundary=B", 413, "REQUEST_TOO_LARGE"},
		{"text", strings.NewReader(`{ city { name } }`), "text/plain", 400, "BAD_REQUEST"},
	} {
		status, code, body := send(tc.body, tc.contentType)
		if status != tc.status || code != tc.code || len(body) > 1000 || strings.Contains(body, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx") || !utf8.ValidString(body) {
			t.Errorf("%s: %d %s, %d bytes: %.300s; want %d %s, short", tc.name, status, code, len(body), body, tc.status, tc.code)
		}
	}
	// An upload within the limit still reaches the mutation (which this
	// server refuses: no importer).
	if status, code, body := send(chunked(upload(1<<20)), "multipart/form-data; boundary=B"); status != 200 || code != "UNAVAILABLE" {
		t.Errorf("a 1 MB upload: %d %s %.300s", status, code, body)
	}
}

// TestBearerInAnyCase: RFC 7235 auth schemes are case-insensitive.
func TestBearerInAnyCase(t *testing.T) {
	auth := graph.StaticKeys(map[string]graph.Principal{"k1": {Name: "x", Role: graph.RoleAdmin}})
	for _, h := range []string{"Bearer k1", "bearer k1", "BEARER k1", "bEaReR   k1"} {
		req := httptest.NewRequest(http.MethodPost, "/query", nil)
		req.Header.Set("Authorization", h)
		if p, err := auth(req); err != nil || p.Name != "x" {
			t.Errorf("%q: %+v %v", h, p, err)
		}
	}
	for _, h := range []string{"Basic k1", "Bearer", "Bearerk1", "k1"} {
		req := httptest.NewRequest(http.MethodPost, "/query", nil)
		req.Header.Set("Authorization", h)
		if _, err := auth(req); coverage.ErrorCode(err) != coverage.EUNAUTHENTICATED {
			t.Errorf("%q: %v, want UNAUTHENTICATED", h, err)
		}
	}
}

// TestYearsBeforeTheFloor: a Period or Date before 1900 is refused, not
// taken for a bound that makes the store pass over a whole list.
func TestYearsBeforeTheFloor(t *testing.T) {
	f := newFixture(t, graph.Config{})
	for _, q := range []string{
		`{ contributions(filter: {periodFrom: "0000-01"}) { totalCount } }`,
		`{ roster(filter: {fundedIn: "1899-12"}) { totalCount } }`,
		`{ claims(filter: {paidFrom: "0000-01-01"}) { totalCount } }`,
		`{ participants(filter: {activeOn: "1899-12-31"}) { totalCount } }`,
		`{ participant(kpj: "10000000001") { contributions(filter: {periodTo: "0001-01"}) { totalCount } } }`,
	} {
		e := f.mustFail(t, q, nil)
		if e.Extensions.Code != "BAD_USER_INPUT" || !strings.Contains(e.Message, "before the year 1900") {
			t.Errorf("%s: %s %q, want BAD_USER_INPUT about 1900", q, e.Extensions.Code, e.Message)
		}
	}
	if _, resp := f.post(t, `{ contributions(filter: {periodFrom: "1900-01"}) { totalCount } claims(filter: {paidFrom: "1900-01-01"}) { totalCount } }`, nil); len(resp.Errors) > 0 {
		t.Errorf("1900: %+v", resp.Errors)
	}
}

// TestReconcileRunsIsBounded: reconcileRuns takes 1 to 100 runs.
func TestReconcileRunsIsBounded(t *testing.T) {
	h := abuseHandler(graph.Config{Analytics: rollupAnalytics{syntheticRollup(1)}, ReconcileLog: noReconcileLog{}, Logger: slog.Default()})
	for _, n := range []int{0, 101, 1 << 30} {
		if a := post(h, `query($n: Int) { reconcileRuns(first: $n) { id } }`, map[string]any{"n": n}); a.code != "BAD_USER_INPUT" {
			t.Errorf("first %d: %s %q", n, a.code, a.msg)
		}
	}
}

// TestCachesKeepShortQueries: the caches of parsed and persisted queries
// hold 1,000 queries each, so they keep none longer than 16 KiB, or they
// could hold a GiB.
func TestCachesKeepShortQueries(t *testing.T) {
	h := abuseHandler(graph.Config{})
	persist := func(query string, withQuery bool) answer {
		sum := sha256.Sum256([]byte(query))
		body := map[string]any{"extensions": map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hex.EncodeToString(sum[:])}}}
		if withQuery {
			body["query"] = query
		}
		b, _ := json.Marshal(body)
		req := httptest.NewRequest(http.MethodPost, "/query", strings.NewReader(string(b)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer admin")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return answer{status: rec.Code, body: rec.Body.String()}
	}
	short := `{ city { code } }`
	long := "{ city { code } } # " + strings.Repeat("x", 100<<10)
	for _, q := range []string{short, long} {
		if a := persist(q, true); !strings.Contains(a.body, `"3672"`) {
			t.Fatalf("%.20s: %s", q, a.body)
		}
	}
	if a := persist(short, false); !strings.Contains(a.body, `"3672"`) {
		t.Errorf("a short query by its hash: %s", a.body)
	}
	if a := persist(long, false); !strings.Contains(a.body, "PersistedQueryNotFound") {
		t.Errorf("a query of 100 KiB by its hash: %.200s, want it not kept", a.body)
	}
}

// gaugedAnalytics counts the coverage answers computed at once.
type gaugedAnalytics struct {
	rollupAnalytics
	inFlight, most atomic.Int64
}

func (a *gaugedAnalytics) Coverage(f reconcile.Filter, groupBy []reconcile.Dimension, g reconcile.Granularity) (reconcile.Answer, *reconcile.Rollup, error) {
	n := a.inFlight.Add(1)
	defer a.inFlight.Add(-1)
	for m := a.most.Load(); n > m && !a.most.CompareAndSwap(m, n); m = a.most.Load() {
	}
	time.Sleep(5 * time.Millisecond)
	return a.rollupAnalytics.Coverage(f, groupBy, g)
}

// TestFiguresOneAtATime: a request's answers from the rollup are computed one
// after the other, so its aliases of a large grouping never hold their rows
// at once.
func TestFiguresOneAtATime(t *testing.T) {
	a := &gaugedAnalytics{rollupAnalytics: rollupAnalytics{syntheticRollup(1000)}}
	h := abuseHandler(graph.Config{Analytics: a, ReconcileLog: noReconcileLog{}})
	if r := post(h, aliases(20, "", `coverage(groupBy: [KELURAHAN], granularity: MONTH) { totalRows }`), nil); r.code != "" || strings.Count(r.body, `"totalRows":`) != 20 {
		t.Fatalf("%s %q", r.code, r.msg)
	}
	if m := a.most.Load(); m != 1 {
		t.Errorf("%d coverage answers computed at once, want 1", m)
	}
}
