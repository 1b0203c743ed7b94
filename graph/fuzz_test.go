package graph_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/graph"
	"github.com/cilegon/jamsostek/store"
	"github.com/cilegon/jamsostek/store/storetest"
)

// Fuzz tests of what a client sends to /query: list filters, orders, page
// sizes and cursors (plain garbage, and cursors sealed with the server's key
// around any content), through the whole handler over a real store (the
// embedded engine and its in-memory index). Whatever comes in, the answer is
// JSON with coded errors, never INTERNAL, never a 5xx, and comes back.

// fuzzLists are the lists, with the variables they take.
var fuzzLists = []string{
	`query($f: ParticipantFilter, $o: ParticipantOrder, $n: Int, $a: String) { participants(filter: $f, orderBy: $o, first: $n, after: $a) {
		totalCount edges { cursor node { kpj nik name birthDate contributions(first: 2) { totalCount } } } pageInfo { hasNextPage endCursor } } }`,
	`query($f: ContributionFilter, $o: ContributionOrder, $n: Int, $a: String) { contributions(filter: $f, orderBy: $o, first: $n, after: $a) {
		totalCount edges { cursor node { id kpj period amountDue } } pageInfo { endCursor } } }`,
	`query($f: ClaimFilter, $o: ClaimOrder, $n: Int, $a: String) { claims(filter: $f, orderBy: $o, first: $n, after: $a) {
		totalCount edges { cursor node { claimNo amountPaid } } pageInfo { endCursor } } }`,
	`query($f: RosterFilter, $o: RosterOrder, $n: Int, $a: String) { roster(filter: $f, orderBy: $o, first: $n, after: $a) {
		totalCount edges { cursor node { nik name category } } pageInfo { endCursor } } }`,
	`query($f: QuarantineFilter, $o: QuarantineOrder, $n: Int, $a: String) { quarantine(filter: $f, orderBy: $o, first: $n, after: $a) {
		totalCount edges { cursor node { key raw } } pageInfo { endCursor } } }`,
	`query($f: DiscrepancyFilter, $o: DiscrepancyOrder, $n: Int, $a: String) { discrepancies(filter: $f, orderBy: $o, first: $n, after: $a) {
		totalCount edges { cursor } pageInfo { endCursor } } }`,
	`query($f: AuditFilter, $n: Int, $a: String) { auditLog(filter: $f, first: $n, after: $a) {
		edges { cursor } pageInfo { endCursor } } }`,
	`query($k: String!, $o: ContributionOrder, $a: String) { participant(kpj: $k) { kpj contributions(orderBy: $o, first: 1, after: $a) { edges { cursor } } } }`,
}

var fuzzKey = []byte("fuzz-cursor-key-0123456789abcdef")

// fuzzHandler serves the API over a store holding a few records of each
// list, as an admin (every list is open to it).
func fuzzHandler(tb testing.TB) http.Handler {
	tb.Helper()
	ctx := context.Background()
	s := storetest.Open(tb)
	at := time.Date(2024, 8, 1, 7, 0, 0, 0, time.UTC)
	put := func(feed coverage.Feed, recs ...store.Record) {
		if _, err := s.Apply(ctx, feed, recs); err != nil {
			tb.Fatal(err)
		}
	}
	put(coverage.FeedParticipants,
		store.Record{Key: "10000000001", Value: &coverage.Participant{KPJ: "10000000001", NIK: "3672011205900001", Name: "Ahmad Fauzi", BirthDate: "1990-05-12",
			Gender: "M", Segment: "BPU", Programs: []coverage.Program{"JKK", "JKM"}, PayerType: "APBD", Status: "ACTIVE", RegisteredAt: "2023-01-02",
			CoverageStart: "2023-01-02", KelurahanCode: "3672011001", DeclaredIncome: 1_000_000, UpdatedAt: at}},
		store.Record{Key: "10000000002", Value: &coverage.Participant{KPJ: "10000000002", NIK: "3672085206850012", Name: "Siti Aminah", BirthDate: "1985-06-12",
			Gender: "F", Segment: "PU", Programs: []coverage.Program{"JKK", "JKM", "JHT"}, PayerType: "EMPLOYER", Status: "INACTIVE", RegisteredAt: "2022-03-01",
			CoverageStart: "2022-03-01", KelurahanCode: "3672081007", DeclaredIncome: 5_000_000, UpdatedAt: at}})
	put(coverage.FeedContributions,
		store.Record{Key: "C1", Value: &coverage.Contribution{ID: "C1", KPJ: "10000000001", NIK: "3672011205900001", Period: "2024-01", AmountDue: 16_800,
			AmountPaid: 16_800, PaidAt: "2024-01-10", Programs: []coverage.Program{"JKK", "JKM"}, PayerType: "APBD", UpdatedAt: at}},
		store.Record{Key: "C2", Value: &coverage.Contribution{ID: "C2", KPJ: "10000000001", NIK: "3672011205900001", Period: "2024-02", AmountDue: 16_800,
			Programs: []coverage.Program{"JKK", "JKM"}, PayerType: "APBD", UpdatedAt: at}})
	put(coverage.FeedClaims,
		store.Record{Key: "K1", Value: &coverage.Claim{ClaimNo: "K1", KPJ: "10000000001", NIK: "3672011205900001", Program: "JKM", Benefit: "DEATH",
			IncidentDate: "2024-03-10", SubmittedAt: "2024-03-20", Status: "PAID", AmountClaimed: 20_000_000, AmountPaid: 20_000_000, PaidAt: "2024-04-01", UpdatedAt: at}})
	put(coverage.FeedRoster,
		store.Record{Key: "3672011205900001:NELAYAN", Value: &coverage.RosterEntry{NIK: "3672011205900001", Name: "Ahmad Fauzi", Category: "NELAYAN",
			Agency: "DKPP", KelurahanCode: "3672011001", FundedFrom: "2023-01", UpdatedAt: at}})
	if err := s.AddQuarantined(ctx, []coverage.Quarantined{{Feed: coverage.FeedParticipants, RunID: "run-1", Key: "10000000009",
		Raw: `{"kpj":"10000000009","nik":"123"}`, Reason: "NIK must have 16 digits", ReceivedAt: at}}); err != nil {
		tb.Fatal(err)
	}
	for i := range 3 {
		if err := s.Append(ctx, coverage.AuditEntry{At: at.Add(time.Duration(i) * time.Minute), Principal: "admin", Role: coverage.RoleAdmin, Operation: "Q"}); err != nil {
			tb.Fatal(err)
		}
	}
	return graph.NewHandler(graph.Config{
		Records: s, SyncLog: s, Areas: coverage.Cilegon(), AuditLog: s, CursorKey: fuzzKey,
		Logger: slog.New(slog.DiscardHandler),
		Authenticate: func(*http.Request) (graph.Principal, error) {
			return graph.Principal{Name: "fuzz", Role: graph.RoleAdmin, Method: "api-key", KeyID: "fuzz"}, nil
		},
	})
}

// checkAnswer posts a body and fails on a 5xx, an answer that is not a
// GraphQL response, or an INTERNAL error.
func checkAnswer(t *testing.T, h http.Handler, body string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/query", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code >= 500 {
		t.Fatalf("%d for %s: %s", rec.Code, body, rec.Body)
	}
	var resp struct {
		Data   json.RawMessage
		Errors []struct {
			Message    string
			Extensions struct{ Code string }
		}
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		t.Fatalf("%d for %s: not JSON: %v: %s", rec.Code, body, err, rec.Body)
	}
	for _, e := range resp.Errors {
		// A body that cannot be decoded is 400 BAD_REQUEST: coded too.
		if e.Extensions.Code == "" || e.Extensions.Code == "INTERNAL" {
			t.Fatalf("%d for %s: error %q with code %q", rec.Code, body, e.Message, e.Extensions.Code)
		}
	}
}

func listBody(which uint8, vars string) string {
	q, _ := json.Marshal(fuzzLists[int(which)%len(fuzzLists)])
	return `{"query":` + string(q) + `,"variables":` + vars + `}`
}

// FuzzListArguments: the variables of every list, as raw JSON.
func FuzzListArguments(f *testing.F) {
	for i, vars := range []string{
		`{}`, `{"n": 2}`, `{"n": 0}`, `{"n": 1001}`, `{"n": 9223372036854775807}`, `{"n": 1.5}`, `{"n": "1"}`,
		`{"f": {"areaCode": "367201", "payerTypes": ["APBD"], "statuses": ["ACTIVE"]}, "o": {"field": "NAME", "direction": "DESC"}}`,
		`{"f": {"areaCode": "36x"}}`, `{"f": {"areaCode": "367299"}}`, `{"f": {"nik": "36720112059000x1"}}`, `{"f": {"nameContains": "` + strings.Repeat("a", 101) + `"}}`,
		`{"f": {"registeredFrom": "2024-05-01", "registeredTo": "2024-01-01"}}`, `{"f": {"activeOn": "2024-02-30"}}`,
		`{"f": {"periodFrom": "2024-05", "periodTo": "2024-01", "unpaid": true, "rosterCategories": ["KADER", ""]}}`,
		`{"f": {"amountClaimedMin": "9007199254740993", "amountPaidMax": -1, "paidFrom": "2024-01-01"}, "o": {"field": "AMOUNT_PAID"}}`,
		`{"f": {"categories": ["rt rw"], "fundedIn": "2024-13"}}`, `{"f": {"feed": "CLAIMS", "runId": "run-1"}, "o": {"field": "RECEIVED_AT", "direction": "DESC"}}`,
		`{"f": {"kinds": [], "period": "2024-01", "kpj": "1"}}`, `{"f": {"principal": "admin", "from": "2024-08-01T07:00:00Z", "to": "2024-08-01T07:00:00Z"}}`,
		`{"f": {"from": "9999-12-31T23:59:59-23:59"}}`, `{"k": "10000000001", "o": {"field": "PAID_AT", "direction": "DESC"}, "a": "x"}`,
		`{"a": ""}`, `{"a": null}`, `{"a": "%%%"}`, `[]`, `null`, `{"f": 1}`, `{"o": {"field": "NOPE"}}`,
	} {
		f.Add(uint8(i), vars)
	}
	h := fuzzHandler(f)
	f.Fuzz(func(t *testing.T, which uint8, vars string) {
		checkAnswer(t, h, listBody(which, vars))
	})
}

// FuzzCursors: the after argument of every list in two orders, as sent, and
// sealed with the server's key around any content (what a client cannot
// make, but a decoding bug past the seal would let through).
func FuzzCursors(f *testing.F) {
	for i, c := range []struct{ after, plain string }{
		{"", `{"l":"participants","k":"10000000001"}`},
		{"%%%", `{"l":"contributions","f":"period","d":true,"v":"2024-03","k":"C3"}`},
		{"eyJsIjoicGFydGljaXBhbnRzIiwiayI6IjEwMDAwMDAwMDAxIn0", `{"l":"claims","f":"amount_paid","v":"x","k":"K1"}`},
		{strings.Repeat("A", 4000), `{"l":"participants","f":"name","v":"Ahmad","k":""}`},
		{"AAAA", `{"l":"audit","v":"2024-08-01T07:00:00Z","k":"0191` + strings.Repeat("0", 24) + `"}`},
		{"", `{"l":"quarantine","f":"received_at","v":"not a time","k":"q"}`},
		{"", `{"l":"discrepancies","f":"amount","v":"99999999999999999999","k":"d"}`},
		{"", `[1,2,3]`}, {"", `null`}, {"", ``}, {"", "\x00\xff"},
	} {
		f.Add(uint8(i), c.after, []byte(c.plain))
	}
	h := fuzzHandler(f)
	orders := []string{`null`, `{"field": "ID", "direction": "DESC"}`, `{"field": "NAME"}`, `{"field": "PERIOD", "direction": "DESC"}`}
	f.Fuzz(func(t *testing.T, which uint8, after string, plain []byte) {
		order := orders[int(which/8)%len(orders)]
		for _, a := range []string{after, graph.SealCursor(fuzzKey, plain)} {
			b, _ := json.Marshal(a)
			checkAnswer(t, h, listBody(which, `{"a": `+string(b)+`, "k": "10000000001", "o": `+order+`}`))
		}
	})
}

// FuzzQueryText: any query text, through the limits on it (querylimits.go),
// the parser, validation and execution, over a store answering from memory.
// Each answer comes within two seconds (validation that grows with the
// square of the query is what the limits are for).
func FuzzQueryText(f *testing.F) {
	for _, q := range []string{
		`{ city { name } }`, `{ city { name name } }`, `query Q($n: Int) { participants(first: $n) { totalCount } }`,
		`{ a: city { n: name } b: city { n: code } }`, `{ city { ...F ...F } } fragment F on Area { name }`,
		`{ city { ... on Area { name @include(if: true) } } }`, `subscription { syncRunProgress(id: "x") { id } }`,
		`mutation { triggerSync(feed: CLAIMS) { id } }`, `{ __schema { types { name } } }`, `{ city(`, `}}}}`, `{ city { name } ` + strings.Repeat("{", 1200),
		`{ participants(filter: {nameContains: "\u0000"}) { totalCount } }`, "{ city { name # comment\n } }", `"""block""" query { city { name } }`,
		strings.Repeat("{ areas { kelurahan ", 12) + "code" + strings.Repeat(" } }", 12),
	} {
		f.Add(q)
	}
	h := abuseHandler(graph.Config{})
	f.Fuzz(func(t *testing.T, q string) {
		b, _ := json.Marshal(map[string]any{"query": q})
		start := time.Now()
		checkAnswer(t, h, string(b))
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("%d bytes of query took %s", len(q), d)
		}
	})
}

// FuzzRequestHeaders: the headers the limits read (Origin for CORS,
// X-Forwarded-For for the client's address, Authorization) and the peer's
// address, with CORS, a rate limit and trusted proxies on.
func FuzzRequestHeaders(f *testing.F) {
	for _, c := range [][4]string{
		{"https://dash.example", "203.0.113.9", "Bearer k", "10.0.0.1:443"},
		{"null", "garbage, , 1.2.3.4", "Bearer bad", "[2001:db8::1]:1"},
		{"http://api.test", "::ffff:10.0.0.1", "", "@"},
		{"HTTPS://DASH.EXAMPLE:443", strings.Repeat("1.1.1.1,", 100), "Basic x", "10.9.9.9"},
		{"https://[::1", "fe80::1%eth0", "Bearer ", ""},
	} {
		f.Add(c[0], c[1], c[2], c[3])
	}
	proxies, _ := graph.ParseTrustedProxies("10.0.0.0/8, 2001:db8::/32")
	h := abuseHandler(graph.Config{CORSOrigins: []string{"https://dash.example"}, RateLimit: graph.RateLimit{Rate: 1e6, Burst: 1e6}, TrustedProxies: proxies})
	f.Fuzz(func(t *testing.T, origin, xff, authz, remote string) {
		for _, method := range []string{http.MethodPost, http.MethodOptions} {
			req := httptest.NewRequest(method, "http://api.test/query", strings.NewReader(`{"query":"{ city { name } }"}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Access-Control-Request-Method", "POST")
			for k, v := range map[string]string{"Origin": origin, "X-Forwarded-For": xff, "Authorization": authz} {
				if v != "" {
					req.Header[k] = []string{v}
				}
			}
			req.RemoteAddr = remote
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code >= 500 {
				t.Fatalf("%s with Origin %q, X-Forwarded-For %q, from %q: %d %s", method, origin, xff, remote, rec.Code, rec.Body)
			}
			if acao := rec.Header().Get("Access-Control-Allow-Origin"); acao != "" && acao != origin {
				t.Fatalf("Origin %q allowed as %q", origin, acao)
			}
		}
	})
}
