package graph_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/client"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/graph"
	"github.com/cilegon/jamsostek/store"
	"github.com/cilegon/jamsostek/store/storetest"
)

var updated = time.Date(2024, 8, 1, 7, 0, 0, 0, time.UTC)

// Records of the fixture. NIK A holds two KPJs; amounts include one above
// 2^31 (the limit of GraphQL Int) and one above 2^53 (the limit of a float).
const (
	nikA       = "3672011205900001" // registered in Cibeber, male, born 1990-05-12
	nikB       = "3672085206850012" // registered in Citangkil, female, born 1985-06-12
	bigIncome  = 9_000_000_000_000
	exactClaim = 9_007_199_254_740_993 // 2^53 + 1
)

func participants() []*coverage.Participant {
	p := func(kpj, nik, name string, g coverage.Gender, kel string, seg coverage.Segment, payer coverage.PayerType,
		st coverage.ParticipantStatus, reg coverage.Date, progs []coverage.Program, income int64) *coverage.Participant {
		return &coverage.Participant{
			KPJ: kpj, NIK: nik, Name: name, BirthDate: "1990-05-12", Gender: g, Segment: seg, Occupation: "NELAYAN",
			Programs: progs, PayerType: payer, Status: st, RegisteredAt: reg, CoverageStart: reg,
			KelurahanCode: kel, DeclaredIncome: income, UpdatedAt: updated,
		}
	}
	bpu := []coverage.Program{"JKK", "JKM"}
	ps := []*coverage.Participant{
		p("10000000001", nikA, "Ahmad Fauzi", "M", "3672011001", "BPU", "APBD", "ACTIVE", "2023-01-02", bpu, 1_000_000),
		p("10000000002", nikA, "Ahmad Fauzi", "M", "3672011002", "BPU", "SELF", "ACTIVE", "2024-03-01", []coverage.Program{"JKK", "JKM", "JHT"}, bigIncome),
		p("10000000003", nikB, "Siti Aminah", "F", "3672081007", "BPU", "APBD", "ACTIVE", "2023-06-01", bpu, 1_000_000),
		p("10000000004", "3672021111800003", "Budi Santoso", "M", "3672021001", "PU", "EMPLOYER", "TERMINATED", "2022-01-10", []coverage.Program{"JKK", "JKM", "JHT", "JP"}, 5_000_000),
		p("10000000005", "3672021111800004", "Joko Susilo", "M", "3672021001", "BPU", "APBD", "INACTIVE", "2023-01-02", bpu, 1_000_000),
	}
	ps[2].BirthDate = "1985-06-12"
	ps[3].CoverageEnd = "2024-01-31"
	return ps
}

type fixture struct {
	store   *store.Store
	handler http.Handler
	client  *client.Client // as the admin
}

// The callers of the tests, one per role, and their keys.
var (
	admin   = graph.Principal{Name: "root", Role: graph.RoleAdmin, Method: "api-key", KeyID: "k-admin"}
	analyst = graph.Principal{Name: "bappeda", Role: graph.RoleAnalyst, Method: "jwt", KeyID: "sub-analyst"}
	officer = graph.Principal{Name: "camat-cibeber", Role: graph.RoleOfficer, Area: "367201", Method: "api-key", KeyID: "k-officer"}
	lurah   = graph.Principal{Name: "lurah-cikerai", Role: graph.RoleOfficer, Area: "3672021001", Method: "api-key", KeyID: "k-lurah"}
	viewer  = graph.Principal{Name: "dashboard", Role: graph.RoleViewer, Method: "api-key", KeyID: "k-viewer"}
	keys    = map[string]graph.Principal{"admin-key": admin, "analyst-key": analyst, "officer-key": officer, "lurah-key": lurah, "viewer-key": viewer}
	// testAuth authenticates the keys above: Authorization: Bearer admin-key.
	testAuth = graph.StaticKeys(keys)
	// testCursorKey seals the fixtures' cursors.
	testCursorKey = []byte("0123456789abcdef0123456789abcdef")
)

// keyOf returns the key of a test caller.
func keyOf(p graph.Principal) string {
	for k, q := range keys {
		if q == p {
			return k
		}
	}
	panic("no key for " + p.Name)
}

// newFixture stores a handful of records in a real store (embedded FerretDB, or
// MONGODB_URI) and serves the real schema over them.
func newFixture(t *testing.T, cfg graph.Config) *fixture {
	t.Helper()
	return newFixtureWith(t, cfg, nil)
}

// newFixtureWith is newFixture with a step between storing the records and
// serving them, which may complete the configuration.
func newFixtureWith(t *testing.T, cfg graph.Config, setup func(*store.Store, *graph.Config)) *fixture {
	t.Helper()
	s := storetest.Open(t)
	var recs []store.Record
	for _, p := range participants() {
		recs = append(recs, store.Record{Key: p.Key(), Value: p})
	}
	apply(t, s, coverage.FeedParticipants, recs)

	recs = nil
	for _, c := range []*coverage.Contribution{
		{ID: "C1", KPJ: "10000000001", NIK: nikA, Period: "2024-01", AmountDue: 16_800, AmountPaid: 16_800, PaidAt: "2024-01-10"},
		{ID: "C2", KPJ: "10000000001", NIK: nikA, Period: "2024-02", AmountDue: 16_800},
		{ID: "C3", KPJ: "10000000001", NIK: nikA, Period: "2024-03", AmountDue: 16_800, AmountPaid: 16_800, PaidAt: "2024-03-12"},
		{ID: "C4", KPJ: "10000000003", NIK: nikB, Period: "2024-01", AmountDue: 16_800, AmountPaid: 16_800, PaidAt: "2024-01-15"},
	} {
		c.Programs, c.PayerType, c.UpdatedAt = []coverage.Program{"JKK", "JKM"}, coverage.PayerAPBD, updated
		recs = append(recs, store.Record{Key: c.Key(), Value: c})
	}
	apply(t, s, coverage.FeedContributions, recs)

	recs = nil
	for _, c := range []*coverage.Claim{
		{ClaimNo: "K1", KPJ: "10000000001", NIK: nikA, Program: "JKM", Benefit: "DEATH", IncidentDate: "2024-03-10",
			SubmittedAt: "2024-03-20", Status: "PAID", AmountClaimed: 20_000_000, AmountPaid: 20_000_000, PaidAt: "2024-04-01"},
		{ClaimNo: "K2", KPJ: "10000000003", NIK: nikB, Program: "JKK", Benefit: "MEDICAL", IncidentDate: "2024-05-01",
			SubmittedAt: "2024-05-03", Status: "PAID", AmountClaimed: exactClaim, AmountPaid: exactClaim, PaidAt: "2024-06-01"},
		{ClaimNo: "K3", KPJ: "10000000004", NIK: "3672021111800003", Program: "JHT", Benefit: "LUMP_SUM", IncidentDate: "2024-02-01",
			SubmittedAt: "2024-02-05", Status: "SUBMITTED", AmountClaimed: 12_500_000},
	} {
		c.UpdatedAt = updated
		recs = append(recs, store.Record{Key: c.Key(), Value: c})
	}
	apply(t, s, coverage.FeedClaims, recs)

	recs = nil
	for _, r := range []*coverage.RosterEntry{
		{NIK: nikA, Name: "Ahmad Fauzi", Category: "NELAYAN", Agency: "DKPP", KelurahanCode: "3672011001", FundedFrom: "2023-01"},
		{NIK: nikB, Name: "Siti Aminah", Category: "KADER", Agency: "Dinkes", KelurahanCode: "3672081007", FundedFrom: "2024-01", FundedUntil: "2024-06"},
		{NIK: "3672021111800004", Name: "Joko Susilo", Category: "ADHOC_KPU", Agency: "KPU", KelurahanCode: "3672021001", FundedFrom: "2023-10", FundedUntil: "2024-03"},
	} {
		r.UpdatedAt = updated
		recs = append(recs, store.Record{Key: r.Key(), Value: r})
	}
	apply(t, s, coverage.FeedRoster, recs)

	recs = nil
	for _, w := range []*coverage.WorkforceTarget{
		{Year: 2024, AreaCode: "3672", Workforce: 176_000, Basis: "UCJ_TARGET", Source: "Pemkot Cilegon and BPJS, Dec 2025"},
		{Year: 2024, AreaCode: "367201", Workforce: 20_000, Basis: "BPS_EMPLOYED", Source: "BPS"},
		{Year: 2023, AreaCode: "3672", Workforce: 170_000, Basis: "UCJ_TARGET", Source: "Pemkot Cilegon"},
	} {
		w.UpdatedAt = updated
		recs = append(recs, store.Record{Key: w.Key(), Value: w})
	}
	apply(t, s, coverage.FeedWorkforce, recs)

	ctx := context.Background()
	t0 := time.Date(2024, 8, 22, 1, 0, 0, 0, time.UTC)
	for _, r := range []coverage.SyncRun{
		{ID: "run-1", Feed: coverage.FeedParticipants, Trigger: "schedule", Status: coverage.RunSucceeded, StartedAt: t0,
			FinishedAt: t0.Add(time.Minute), Checkpoint: updated, AsOf: t0,
			Counts: coverage.SyncCounts{Pages: 2, Read: 7, Inserted: 5, Updated: 0, Unchanged: 0, Deleted: 0, Quarantined: 2}},
		{ID: "run-2", Feed: coverage.FeedClaims, Trigger: "schedule", Status: coverage.RunFailed, StartedAt: t0.Add(2 * time.Minute),
			FinishedAt: t0.Add(3 * time.Minute), Error: "feed returned 503 five times", Counts: coverage.SyncCounts{Pages: 1, Read: 4, Inserted: 3, Quarantined: 1}},
		{ID: "run-3", Feed: coverage.FeedContributions, Trigger: "cli", Status: coverage.RunRunning, StartedAt: t0.Add(4 * time.Minute),
			UpdatedSince: updated, Counts: coverage.SyncCounts{Pages: 1, Read: 500, Unchanged: 500}},
	} {
		if err := s.SaveRun(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	err := s.AddQuarantined(ctx, []coverage.Quarantined{
		{Feed: coverage.FeedParticipants, RunID: "run-1", Key: "10000000009", Raw: `{"kpj":"10000000009","nik":"123"}`,
			Reason: "NIK must have 16 digits, got 3 characters", ReceivedAt: t0},
		{Feed: coverage.FeedParticipants, RunID: "run-1", Raw: `{"name":"Tanpa KPJ"}`, Reason: `kpj "" is not 11 digits`, ReceivedAt: t0},
		{Feed: coverage.FeedClaims, RunID: "run-2", Key: "K9", Raw: `{"claim_no":"K9","program":"XYZ"}`,
			Reason: `program "XYZ" is unknown`, ReceivedAt: t0.Add(2 * time.Minute)},
	})
	if err != nil {
		t.Fatal(err)
	}

	cfg.Records, cfg.SyncLog, cfg.Areas = s, s, coverage.Cilegon()
	if setup != nil {
		setup(s, &cfg)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Authenticate == nil {
		cfg.Authenticate = testAuth
	}
	if cfg.CursorKey == nil {
		cfg.CursorKey = testCursorKey
	}
	h := graph.NewHandler(cfg)
	return &fixture{store: s, handler: h, client: client.New(h, client.Path("/query"), client.AddHeader("Authorization", "Bearer admin-key"))}
}

func apply(t *testing.T, s *store.Store, feed coverage.Feed, recs []store.Record) {
	t.Helper()
	if _, err := s.Apply(context.Background(), feed, recs); err != nil {
		t.Fatalf("apply %s: %v", feed, err)
	}
}

// gqlError is one entry of a response's errors.
type gqlError struct {
	Message    string
	Path       []any
	Extensions struct{ Code string }
}

type response struct {
	Data   json.RawMessage
	Errors []gqlError
}

// post sends a query over HTTP as the admin and returns the status and the
// raw response.
func (f *fixture) post(t *testing.T, query string, vars map[string]any) (int, response) {
	t.Helper()
	return f.postAs(t, "admin-key", query, vars)
}

// postAs sends a query with a key ("" for none).
func (f *fixture) postAs(t *testing.T, key, query string, vars map[string]any) (int, response) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req := httptest.NewRequest(http.MethodPost, "/query", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	w := httptest.NewRecorder()
	f.handler.ServeHTTP(w, req)
	var resp response
	if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil {
		t.Fatalf("%s: response %d is not JSON: %s", query, w.Code, w.Body)
	}
	return w.Code, resp
}

// mustFail posts a query and returns its one error.
func (f *fixture) mustFail(t *testing.T, query string, vars map[string]any) gqlError {
	t.Helper()
	_, resp := f.post(t, query, vars)
	if len(resp.Errors) == 0 {
		t.Fatalf("%s: no error, data %s", query, resp.Data)
	}
	return resp.Errors[0]
}

type page struct {
	TotalCount int
	Edges      []struct {
		Cursor string
		Node   struct{ Kpj, ID, ClaimNo, Nik, Category string }
	}
	PageInfo struct {
		HasNextPage bool
		EndCursor   *string
	}
}

func (p page) keys() string {
	var ks []string
	for _, e := range p.Edges {
		ks = append(ks, e.Node.Kpj+e.Node.ID+e.Node.ClaimNo+e.Node.Category)
	}
	return strings.Join(ks, ",")
}

func TestConnectionsPaginate(t *testing.T) {
	f := newFixture(t, graph.Config{})
	tests := []struct {
		name, query string
		first       int
		want        []string // keys of each page
		total       int
	}{
		{"participants", `query($first: Int, $after: String) { c: participants(first: $first, after: $after) {
			totalCount edges { cursor node { kpj } } pageInfo { hasNextPage endCursor } } }`,
			2, []string{"10000000001,10000000002", "10000000003,10000000004", "10000000005"}, 5},
		{"filtered participants", `query($first: Int, $after: String) { c: participants(filter: {payerTypes: [APBD]}, first: $first, after: $after) {
			totalCount edges { cursor node { kpj } } pageInfo { hasNextPage endCursor } } }`,
			2, []string{"10000000001,10000000003", "10000000005"}, 3},
		{"contributions", `query($first: Int, $after: String) { c: contributions(first: $first, after: $after) {
			totalCount edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }`,
			3, []string{"C1,C2,C3", "C4"}, 4},
		{"claims", `query($first: Int, $after: String) { c: claims(first: $first, after: $after) {
			totalCount edges { cursor node { claimNo } } pageInfo { hasNextPage endCursor } } }`,
			1, []string{"K1", "K2", "K3"}, 3},
		{"roster", `query($first: Int, $after: String) { c: roster(first: $first, after: $after) {
			totalCount edges { cursor node { category } } pageInfo { hasNextPage endCursor } } }`,
			2, []string{"NELAYAN,ADHOC_KPU", "KADER"}, 3},
		{"a participant's contributions", `query($first: Int, $after: String) { p: participant(kpj: "10000000001") {
			c: contributions(first: $first, after: $after) { totalCount edges { cursor node { id } } pageInfo { hasNextPage endCursor } } } }`,
			2, []string{"C1,C2", "C3"}, 3},
		{"exact fit", `query($first: Int, $after: String) { c: claims(first: $first, after: $after) {
			totalCount edges { cursor node { claimNo } } pageInfo { hasNextPage endCursor } } }`,
			3, []string{"K1,K2,K3"}, 3},
		// Other orders: ties are broken by the key in the same direction.
		{"participants by name", `query($first: Int, $after: String) { c: participants(orderBy: {field: NAME}, first: $first, after: $after) {
			totalCount edges { cursor node { kpj } } pageInfo { hasNextPage endCursor } } }`,
			2, []string{"10000000001,10000000002", "10000000004,10000000005", "10000000003"}, 5},
		{"contributions by period, latest first", `query($first: Int, $after: String) { c: contributions(orderBy: {field: PERIOD, direction: DESC}, first: $first, after: $after) {
			totalCount edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }`,
			2, []string{"C3,C2", "C4,C1"}, 4},
		{"contributions by payment date, unpaid first", `query($first: Int, $after: String) { c: contributions(orderBy: {field: PAID_AT}, first: $first, after: $after) {
			totalCount edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }`,
			3, []string{"C2,C1,C4", "C3"}, 4},
		{"claims by amount claimed, highest first", `query($first: Int, $after: String) { c: claims(orderBy: {field: AMOUNT_CLAIMED, direction: DESC}, first: $first, after: $after) {
			totalCount edges { cursor node { claimNo } } pageInfo { hasNextPage endCursor } } }`,
			2, []string{"K2,K1", "K3"}, 3},
		{"roster by first funded month, latest first", `query($first: Int, $after: String) { c: roster(orderBy: {field: FUNDED_FROM, direction: DESC}, first: $first, after: $after) {
			totalCount edges { cursor node { category } } pageInfo { hasNextPage endCursor } } }`,
			2, []string{"KADER,ADHOC_KPU", "NELAYAN"}, 3},
		{"roster by key, descending", `query($first: Int, $after: String) { c: roster(orderBy: {direction: DESC}, first: $first, after: $after) {
			totalCount edges { cursor node { category } } pageInfo { hasNextPage endCursor } } }`,
			2, []string{"KADER,ADHOC_KPU", "NELAYAN"}, 3},
		{"a participant's contributions by period, latest first", `query($first: Int, $after: String) { p: participant(kpj: "10000000001") {
			c: contributions(orderBy: {field: PERIOD, direction: DESC}, first: $first, after: $after) { totalCount edges { cursor node { id } } pageInfo { hasNextPage endCursor } } } }`,
			2, []string{"C3,C2", "C1"}, 3},
		{"a participant's claims by amount paid", `query($first: Int, $after: String) { p: participant(kpj: "10000000001") {
			c: claims(orderBy: {field: AMOUNT_PAID}, first: $first, after: $after) { totalCount edges { cursor node { claimNo } } pageInfo { hasNextPage endCursor } } } }`,
			1, []string{"K1"}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var after *string
			for i, want := range tc.want {
				var resp struct {
					C page
					P struct{ C page }
				}
				f.client.MustPost(tc.query, &resp, client.Var("first", tc.first), client.Var("after", after))
				pg := resp.C
				if resp.P.C.Edges != nil {
					pg = resp.P.C
				}
				if got := pg.keys(); got != want {
					t.Errorf("page %d: got %s, want %s", i+1, got, want)
				}
				if pg.TotalCount != tc.total {
					t.Errorf("page %d: totalCount %d, want %d", i+1, pg.TotalCount, tc.total)
				}
				last := i == len(tc.want)-1
				if pg.PageInfo.HasNextPage == last {
					t.Errorf("page %d: hasNextPage %t, want %t", i+1, pg.PageInfo.HasNextPage, !last)
				}
				n := len(pg.Edges)
				if n == 0 || pg.PageInfo.EndCursor == nil || *pg.PageInfo.EndCursor != pg.Edges[n-1].Cursor {
					t.Fatalf("page %d: endCursor %v is not the cursor of the last edge", i+1, pg.PageInfo.EndCursor)
				}
				after = pg.PageInfo.EndCursor
			}
		})
	}

	// Past the end: an empty page, no endCursor.
	const claims = `query($after: String) { claims(after: $after) { totalCount edges { node { claimNo } } pageInfo { hasNextPage endCursor } } }`
	var all, resp struct{ Claims page }
	f.client.MustPost(claims, &all)
	f.client.MustPost(claims, &resp, client.Var("after", all.Claims.PageInfo.EndCursor))
	if len(resp.Claims.Edges) != 0 || resp.Claims.PageInfo.HasNextPage || resp.Claims.PageInfo.EndCursor != nil || resp.Claims.TotalCount != 3 {
		t.Errorf("after the last claim: got %+v, want no edges, no next page, no endCursor, totalCount 3", resp.Claims)
	}

	// Quarantined records by time received, latest first, one a page (their
	// ids are hashes, so the times tell the order).
	var times []string
	for after := (*string)(nil); ; {
		var q struct {
			Quarantine struct {
				Edges    []struct{ Node struct{ ReceivedAt string } }
				PageInfo struct {
					HasNextPage bool
					EndCursor   *string
				}
			}
		}
		f.client.MustPost(`query($after: String) { quarantine(orderBy: {field: RECEIVED_AT, direction: DESC}, first: 1, after: $after) {
			edges { node { receivedAt } } pageInfo { hasNextPage endCursor } } }`, &q, client.Var("after", after))
		for _, e := range q.Quarantine.Edges {
			times = append(times, e.Node.ReceivedAt)
		}
		if !q.Quarantine.PageInfo.HasNextPage || len(times) > 3 {
			break
		}
		after = q.Quarantine.PageInfo.EndCursor
	}
	if got := strings.Join(times, ","); got != "2024-08-22T01:02:00Z,2024-08-22T01:00:00Z,2024-08-22T01:00:00Z" {
		t.Errorf("quarantine by receivedAt DESC, a page at a time: got %s", got)
	}
}

// cursor makes a cursor by hand and seals it with the server's key, as only
// someone holding the key could.
func cursor(t *testing.T, c map[string]any) string {
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return graph.SealCursor(testCursorKey, b)
}

// TestCursors: a cursor names its list and order; one of another list or
// order, or garbage, is refused with a message that says so, never taken for
// the first page.
func TestCursors(t *testing.T) {
	f := newFixture(t, graph.Config{})
	endCursor := func(query string) string {
		t.Helper()
		var resp struct{ C page }
		f.client.MustPost(`{ c: `+query+` { pageInfo { endCursor } } }`, &resp)
		if resp.C.PageInfo.EndCursor == nil {
			t.Fatalf("%s: no endCursor", query)
		}
		return *resp.C.PageInfo.EndCursor
	}
	participants := endCursor(`participants(first: 1)`)
	contributions := endCursor(`contributions(first: 1)`)
	byPeriod := endCursor(`contributions(first: 1, orderBy: {field: PERIOD})`)

	tests := []struct {
		name, query, after, msg string
	}{
		{"garbage", `claims(after: $after) { totalCount }`, "%%%", "not a cursor"},
		{"a bare key", `claims(after: $after) { totalCount }`, base64.RawURLEncoding.EncodeToString([]byte("K1")), "not a cursor"},
		{"no key", `claims(after: $after) { totalCount }`, cursor(t, map[string]any{"l": "claims"}), "not a cursor"},
		{"unsealed", `claims(after: $after) { totalCount }`, base64.RawURLEncoding.EncodeToString([]byte(`{"l":"claims","k":"K1"}`)), "not a cursor"},
		{"sealed with another key", `claims(after: $after) { totalCount }`,
			graph.SealCursor([]byte("another key of thirty-two bytes!"), []byte(`{"l":"claims","k":"K1"}`)), "not a cursor"},
		{"another list", `claims(after: $after) { totalCount }`, participants, "after is a cursor of participants, not of claims"},
		{"another direction", `contributions(orderBy: {field: PERIOD, direction: DESC}, after: $after) { totalCount }`, byPeriod,
			"after is a cursor of contributions ordered by PERIOD ASC, but this query orders them by PERIOD DESC"},
		{"another field", `contributions(orderBy: {field: AMOUNT_DUE}, after: $after) { totalCount }`, contributions,
			"ordered by ID ASC, but this query orders them by AMOUNT_DUE ASC"},
		{"another order, nested", `participant(kpj: "10000000001") { contributions(orderBy: {field: PAID_AT}, after: $after) { totalCount } }`,
			contributions, "ordered by ID ASC, but this query orders them by PAID_AT ASC"},
		{"a value that is not an amount", `claims(orderBy: {field: AMOUNT_CLAIMED}, after: $after) { totalCount }`,
			cursor(t, map[string]any{"l": "claims", "f": "amount_claimed", "v": "a lot", "k": "K1"}), "not an amount"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := f.mustFail(t, `query($after: String) { c: `+tc.query+` }`, map[string]any{"after": tc.after})
			if e.Extensions.Code != "BAD_USER_INPUT" || !strings.Contains(e.Message, tc.msg) {
				t.Errorf("got %s %q, want BAD_USER_INPUT mentioning %q", e.Extensions.Code, e.Message, tc.msg)
			}
		})
	}

	// Every value of every sort field enum is the store's field of that name:
	// the message names the order the query asked for as the cursor would.
	intro := newFixture(t, graph.Config{Introspection: true})
	for list, enum := range map[string]string{"participants": "ParticipantSortField", "contributions": "ContributionSortField",
		"claims": "ClaimSortField", "roster": "RosterSortField", "quarantine": "QuarantineSortField"} {
		var resp struct {
			Type struct{ EnumValues []struct{ Name string } }
		}
		intro.client.MustPost(`query($enum: String!) { type: __type(name: $enum) { enumValues { name } } }`, &resp, client.Var("enum", enum))
		if len(resp.Type.EnumValues) < 2 {
			t.Fatalf("%s: got %+v", enum, resp.Type.EnumValues)
		}
		other := cursor(t, map[string]any{"l": list, "f": "zzz", "k": "x"})
		for _, v := range resp.Type.EnumValues {
			e := f.mustFail(t, `query($after: String) { c: `+list+`(orderBy: {field: `+v.Name+`, direction: DESC}, after: $after) { totalCount } }`,
				map[string]any{"after": other})
			if want := "ordered by ZZZ ASC, but this query orders them by " + v.Name + " DESC"; !strings.Contains(e.Message, want) {
				t.Errorf("%s ordered by %s: got %q, want it to say %q", list, v.Name, e.Message, want)
			}
		}
	}

	// A cursor of the top list of contributions is a position in that list:
	// it pages a participant's contributions in the same order too.
	var resp struct {
		C page
		P struct{ C page }
	}
	f.client.MustPost(`query($after: String) { c: contributions(first: 1, after: $after) { edges { node { id } } }
		p: participant(kpj: "10000000001") { c: contributions(first: 1, after: $after) { edges { node { id } } } } }`,
		&resp, client.Var("after", contributions))
	if got, nested := resp.C.keys(), resp.P.C.keys(); got != "C2" || nested != "C2" {
		t.Errorf("after the first contribution: got %s and %s nested, want C2", got, nested)
	}
	// An empty after is the first page, as omitting it.
	f.client.MustPost(`{ c: claims(first: 1, after: "") { edges { node { claimNo } } } }`, &resp)
	if got := resp.C.keys(); got != "K1" {
		t.Errorf(`after "": got %s, want K1`, got)
	}
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func respErrors(r *client.Response) string {
	if r == nil {
		return ""
	}
	return string(r.Errors)
}

func TestFilters(t *testing.T) {
	f := newFixture(t, graph.Config{})
	tests := []struct {
		name, query string
		want        int
	}{
		{"kecamatan", `participants(filter: {areaCode: "367201"})`, 2},
		{"kelurahan", `participants(filter: {areaCode: "3672021001"})`, 2},
		{"city", `participants(filter: {areaCode: "3672"})`, 5},
		{"empty kelurahan", `participants(filter: {areaCode: "3672031001"})`, 0},
		{"payer", `participants(filter: {payerTypes: [APBD]})`, 3},
		{"payer in kecamatan", `participants(filter: {areaCode: "367202", payerTypes: [APBD, SELF]})`, 1},
		{"nik", `participants(filter: {nik: "` + nikA + `"})`, 2},
		{"status", `participants(filter: {statuses: [ACTIVE]})`, 3},
		{"gender", `participants(filter: {genders: [F]})`, 1},
		{"program", `participants(filter: {programs: [JHT]})`, 2},
		{"segment", `participants(filter: {segments: [PU]})`, 1},
		{"registered in 2023", `participants(filter: {registeredFrom: "2023-01-01", registeredTo: "2023-12-31"})`, 3},
		{"active on a date", `participants(filter: {activeOn: "2024-06-01"})`, 3},
		{"name", `participants(filter: {nameContains: "siti"})`, 1},
		{"on a roster", `participants(filter: {rosterCategories: ["NELAYAN"]})`, 2},
		{"on either roster", `participants(filter: {rosterCategories: ["KADER", "ADHOC_KPU"], statuses: [ACTIVE]})`, 1},
		{"unpaid", `contributions(filter: {unpaid: true})`, 1},
		{"paid", `contributions(filter: {unpaid: false})`, 3},
		{"period range", `contributions(filter: {periodFrom: "2024-02", periodTo: "2024-03"})`, 2},
		{"contributions of a KPJ", `contributions(filter: {kpj: "10000000003"})`, 1},
		{"contributions of a NIK", `contributions(filter: {nik: "` + nikA + `", payerTypes: [APBD]})`, 3},
		{"paid from", `contributions(filter: {paidFrom: "2024-01-12"})`, 2},
		{"paid to", `contributions(filter: {paidTo: "2024-01-10"})`, 1},
		{"contributions of members in a kecamatan", `contributions(filter: {areaCode: "367208"})`, 1},
		{"contributions of members in a kelurahan", `contributions(filter: {areaCode: "3672011001"})`, 3},
		{"contributions of people on a roster", `contributions(filter: {rosterCategories: ["KADER"]})`, 1},
		{"claim program", `claims(filter: {programs: [JKM]})`, 1},
		{"claim status", `claims(filter: {statuses: [PAID]})`, 2},
		{"claim benefit", `claims(filter: {benefits: ["LUMP_SUM"]})`, 1},
		{"claim incident range", `claims(filter: {incidentFrom: "2024-03-01"})`, 2},
		{"claim submitted range", `claims(filter: {submittedTo: "2024-03-31"})`, 2},
		{"claim paid from", `claims(filter: {paidFrom: "2024-05-01"})`, 1},
		{"claim paid to", `claims(filter: {paidTo: "2024-04-30"})`, 1},
		{"claimed at least", `claims(filter: {amountClaimedMin: 15000000})`, 2},
		{"claimed at most, as a string", `claims(filter: {amountClaimedMax: "15000000"})`, 1},
		{"claimed beyond 2^53", `claims(filter: {amountClaimedMin: "9007199254740993"})`, 1},
		{"claimed just below", `claims(filter: {amountClaimedMin: "9007199254740994"})`, 0},
		{"paid something", `claims(filter: {amountPaidMin: 1})`, 2},
		{"paid nothing", `claims(filter: {amountPaidMax: 0})`, 1},
		{"claims of members in a kecamatan", `claims(filter: {areaCode: "367202"})`, 1},
		{"claims of city-paid members", `claims(filter: {payerTypes: [APBD]})`, 2},
		{"claims of employer-paid members", `claims(filter: {payerTypes: [EMPLOYER], areaCode: "3672"})`, 1},
		{"roster kecamatan", `roster(filter: {areaCode: "367208"})`, 1},
		{"roster kelurahan", `roster(filter: {areaCode: "3672011001"})`, 1},
		{"roster categories", `roster(filter: {categories: ["KADER", "NELAYAN"]})`, 2},
		{"roster funded in July 2024", `roster(filter: {fundedIn: "2024-07"})`, 1},
		{"roster funded in February 2024", `roster(filter: {fundedIn: "2024-02"})`, 3},
		{"roster agency", `roster(filter: {agency: "KPU"})`, 1},
		{"quarantine feed", `quarantine(filter: {feed: PARTICIPANTS})`, 2},
		{"quarantine run", `quarantine(filter: {runId: "run-2"})`, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var resp struct{ C struct{ TotalCount int } }
			f.client.MustPost(`{ c: `+tc.query+` { totalCount } }`, &resp)
			if resp.C.TotalCount != tc.want {
				t.Errorf("got %d, want %d", resp.C.TotalCount, tc.want)
			}
		})
	}
}

func TestParticipant(t *testing.T) {
	f := newFixture(t, graph.Config{})
	var resp struct {
		Participant struct {
			Name      string
			Kelurahan struct{ Name, Level string }
			Kecamatan struct{ Code, Name string }
			NikInfo   struct {
				Valid                     bool
				BirthDate, Gender         string
				RegistrationKecamatanCode string
			}
			CoverageEnd *string
			All         struct{ TotalCount int }
			Unpaid      struct {
				Edges []struct{ Node struct{ Period string } }
			}
			Claims struct {
				Edges []struct {
					Node struct {
						ClaimNo, Benefit, Status string
						AmountPaid               int64
					}
				}
			}
			PaidEarly struct{ TotalCount int }
			Roster    []struct {
				Category, Agency, FundedFrom string
				FundedUntil                  *string
				Kelurahan                    struct{ Name string }
			}
		}
		ByNik []struct{ Kpj string }
		Other []struct{ Kpj string }
		None  *struct{ Kpj string }
	}
	f.client.MustPost(`{
		participant(kpj: "10000000001") {
			name coverageEnd
			kelurahan { name level } kecamatan { code name }
			nikInfo { valid birthDate gender registrationKecamatanCode }
			all: contributions { totalCount }
			unpaid: contributions(filter: {unpaid: true}) { edges { node { period } } }
			claims { edges { node { claimNo benefit status amountPaid } } }
			paidEarly: contributions(filter: {paidTo: "2024-02-28"}) { totalCount }
			roster { category agency fundedFrom fundedUntil kelurahan { name } }
		}
		byNik: participantByNik(nik: "`+nikA+`") { kpj }
		other: participantByNik(nik: "3672010101010001") { kpj }
		none: participant(kpj: "99999999999") { kpj }
	}`, &resp)
	p := resp.Participant
	if p.Name != "Ahmad Fauzi" || p.Kelurahan.Name != "Cibeber" || p.Kelurahan.Level != "KELURAHAN" ||
		p.Kecamatan.Code != "367201" || p.Kecamatan.Name != "Cibeber" || p.CoverageEnd != nil {
		t.Errorf("participant: got %+v", p)
	}
	if !p.NikInfo.Valid || p.NikInfo.BirthDate != "1990-05-12" || p.NikInfo.Gender != "M" || p.NikInfo.RegistrationKecamatanCode != "367201" {
		t.Errorf("nikInfo: got %+v", p.NikInfo)
	}
	if p.All.TotalCount != 3 || len(p.Unpaid.Edges) != 1 || p.Unpaid.Edges[0].Node.Period != "2024-02" {
		t.Errorf("contributions: got %d, unpaid %+v, want 3 and 2024-02", p.All.TotalCount, p.Unpaid.Edges)
	}
	if len(p.Claims.Edges) != 1 || p.Claims.Edges[0].Node != (struct {
		ClaimNo, Benefit, Status string
		AmountPaid               int64
	}{"K1", "DEATH", "PAID", 20_000_000}) {
		t.Errorf("claims: got %+v", p.Claims.Edges)
	}
	if p.PaidEarly.TotalCount != 1 {
		t.Errorf("contributions paid by 2024-02-28: got %d, want 1", p.PaidEarly.TotalCount)
	}
	if len(p.Roster) != 1 || p.Roster[0].Category != "NELAYAN" || p.Roster[0].Agency != "DKPP" || p.Roster[0].FundedFrom != "2023-01" ||
		p.Roster[0].FundedUntil != nil || p.Roster[0].Kelurahan.Name != "Cibeber" {
		t.Errorf("roster: got %+v, want the NELAYAN entry of the NIK", p.Roster)
	}
	if len(resp.ByNik) != 2 || resp.ByNik[0].Kpj != "10000000001" || resp.ByNik[1].Kpj != "10000000002" {
		t.Errorf("participantByNik: got %+v, want both KPJs of the NIK", resp.ByNik)
	}
	if resp.Other == nil || len(resp.Other) != 0 || resp.None != nil {
		t.Errorf("unknown NIK: got %+v, want []; unknown KPJ: got %+v, want null", resp.Other, resp.None)
	}

	// A female NIK (day + 40) and an ended membership.
	var two struct {
		A struct {
			NikInfo struct{ Gender, BirthDate string }
		}
		B struct{ Status, CoverageEnd string }
	}
	f.client.MustPost(`{ a: participant(kpj: "10000000003") { nikInfo { gender birthDate } }
		b: participant(kpj: "10000000004") { status coverageEnd } }`, &two)
	if two.A.NikInfo.Gender != "F" || two.A.NikInfo.BirthDate != "1985-06-12" || two.B.Status != "TERMINATED" || two.B.CoverageEnd != "2024-01-31" {
		t.Errorf("got %+v", two)
	}
}

func TestRupiahBeyond32Bits(t *testing.T) {
	f := newFixture(t, graph.Config{})
	var resp struct {
		Participant struct{ DeclaredIncome int64 }
	}
	f.client.MustPost(`{ participant(kpj: "10000000002") { declaredIncome } }`, &resp)
	if resp.Participant.DeclaredIncome != bigIncome {
		t.Errorf("declaredIncome: got %d, want %d", resp.Participant.DeclaredIncome, int64(bigIncome))
	}
	// Beyond 2^53 a float64 client would round; the JSON itself is exact.
	status, raw := f.post(t, `{ claims(filter: {programs: [JKK]}) { edges { node { amountClaimed amountPaid } } } }`, nil)
	want := `{"claims":{"edges":[{"node":{"amountClaimed":9007199254740993,"amountPaid":9007199254740993}}]}}`
	if status != http.StatusOK || string(raw.Data) != want {
		t.Errorf("got %d %s, want %s", status, raw.Data, want)
	}
}

func TestAreas(t *testing.T) {
	f := newFixture(t, graph.Config{})
	var resp struct {
		City struct {
			Code, Name, Level string
			Parent            *struct{ Code string }
			Children          []struct{ Code string }
			Kelurahan         []struct{ Code string }
		}
		Areas []struct {
			Code, Name, Level string
			Parent            struct{ Code string }
			Kelurahan         []struct {
				Code      string
				Parent    struct{ Code string }
				Kelurahan []struct{ Code string }
			}
		}
		Kel struct {
			Name, Level string
			Parent      struct{ Name string }
		}
		Unknown *struct{ Name string }
	}
	f.client.MustPost(`{
		city { code name level parent { code } children { code } kelurahan { code } }
		areas { code name level parent { code } kelurahan { code parent { code } kelurahan { code } } }
		kel: area(code: "3672081007") { name level parent { name } }
		unknown: area(code: "367299") { name }
	}`, &resp)
	if resp.City.Code != "3672" || resp.City.Name != "Kota Cilegon" || resp.City.Level != "CITY" || resp.City.Parent != nil ||
		len(resp.City.Children) != 8 || len(resp.City.Kelurahan) != 43 {
		t.Errorf("city: got %s %s %s parent %v, %d children, %d kelurahan", resp.City.Code, resp.City.Name, resp.City.Level,
			resp.City.Parent, len(resp.City.Children), len(resp.City.Kelurahan))
	}
	n := 0
	for _, k := range resp.Areas {
		if k.Level != "KECAMATAN" || k.Parent.Code != "3672" {
			t.Errorf("kecamatan %s: level %s, parent %s", k.Code, k.Level, k.Parent.Code)
		}
		for _, kel := range k.Kelurahan {
			n++
			if kel.Parent.Code != k.Code || !strings.HasPrefix(kel.Code, k.Code) || len(kel.Kelurahan) != 0 {
				t.Errorf("kelurahan %s of %s: parent %s, %d kelurahan of its own", kel.Code, k.Code, kel.Parent.Code, len(kel.Kelurahan))
			}
		}
	}
	if len(resp.Areas) != 8 || n != 43 {
		t.Errorf("got %d kecamatan with %d kelurahan, want 8 and 43", len(resp.Areas), n)
	}
	if resp.Areas[0].Name != "Cibeber" || resp.Areas[7].Name != "Citangkil" {
		t.Errorf("kecamatan order: got %s ... %s", resp.Areas[0].Name, resp.Areas[7].Name)
	}
	if resp.Kel.Name != "Citangkil" || resp.Kel.Level != "KELURAHAN" || resp.Kel.Parent.Name != "Citangkil" || resp.Unknown != nil {
		t.Errorf("area lookups: got %+v and %+v", resp.Kel, resp.Unknown)
	}
}

func TestWorkforceSyncRunsAndQuarantine(t *testing.T) {
	f := newFixture(t, graph.Config{})
	var resp struct {
		All   []struct{ Year int }
		Y2024 []struct {
			AreaCode  string
			Area      struct{ Name string }
			Workforce int
			Basis     string
		}
		City []struct{ Year int }
		Runs []struct {
			ID, Feed, Status, Trigger string
			StartedAt                 string
			FinishedAt, Error         *string
			UpdatedSince              *string
			Counts                    struct{ Pages, Read, Inserted, Updated, Unchanged, Deleted, Quarantined int }
		}
		Claims []struct{ ID string }
		Two    []struct{ ID string }
		Q      struct {
			TotalCount int
			Edges      []struct {
				Node struct {
					Feed, RunID, Raw, Reason, ReceivedAt string
					Key                                  *string
				}
			}
		}
	}
	f.client.MustPost(`{
		all: workforce { year }
		y2024: workforce(year: 2024) { areaCode area { name } workforce basis }
		city: workforce(areaCode: "3672") { year }
		runs: syncRuns { id feed status trigger startedAt finishedAt error updatedSince
			counts { pages read inserted updated unchanged deleted quarantined } }
		claims: syncRuns(feed: CLAIMS) { id }
		two: syncRuns(first: 2) { id }
		q: quarantine(filter: {feed: PARTICIPANTS}) { totalCount edges { node { feed runId key raw reason receivedAt } } }
	}`, &resp)
	if len(resp.All) != 3 || len(resp.Y2024) != 2 || len(resp.City) != 2 {
		t.Errorf("workforce: got %d, %d for 2024, %d for the city; want 3, 2, 2", len(resp.All), len(resp.Y2024), len(resp.City))
	}
	for _, w := range resp.Y2024 {
		if (w.AreaCode == "3672" && (w.Area.Name != "Kota Cilegon" || w.Workforce != 176_000 || w.Basis != "UCJ_TARGET")) ||
			(w.AreaCode == "367201" && w.Area.Name != "Cibeber") {
			t.Errorf("workforce 2024: got %+v", w)
		}
	}
	if len(resp.Runs) != 3 || resp.Runs[0].ID != "run-3" || resp.Runs[2].ID != "run-1" {
		t.Fatalf("syncRuns: got %+v, want run-3, run-2, run-1", resp.Runs)
	}
	running, failed, done := resp.Runs[0], resp.Runs[1], resp.Runs[2]
	if running.Status != "RUNNING" || running.FinishedAt != nil || running.Error != nil || running.UpdatedSince == nil ||
		running.Feed != "CONTRIBUTIONS" || running.Counts.Unchanged != 500 {
		t.Errorf("running run: got %+v", running)
	}
	if failed.Status != "FAILED" || failed.Error == nil || *failed.Error != "feed returned 503 five times" || failed.FinishedAt == nil {
		t.Errorf("failed run: got %+v", failed)
	}
	if done.Status != "SUCCEEDED" || done.StartedAt != "2024-08-22T01:00:00Z" || done.UpdatedSince != nil ||
		done.Counts != (struct{ Pages, Read, Inserted, Updated, Unchanged, Deleted, Quarantined int }{2, 7, 5, 0, 0, 0, 2}) {
		t.Errorf("succeeded run: got %+v", done)
	}
	if len(resp.Claims) != 1 || resp.Claims[0].ID != "run-2" || len(resp.Two) != 2 {
		t.Errorf("syncRuns(feed: CLAIMS): got %+v; syncRuns(first: 2): got %d", resp.Claims, len(resp.Two))
	}
	if resp.Q.TotalCount != 2 {
		t.Fatalf("quarantine: got %d, want 2", resp.Q.TotalCount)
	}
	keys := 0
	for _, e := range resp.Q.Edges {
		if e.Node.Feed != "PARTICIPANTS" || e.Node.RunID != "run-1" || e.Node.Raw == "" || e.Node.Reason == "" || e.Node.ReceivedAt != "2024-08-22T01:00:00Z" {
			t.Errorf("quarantined: got %+v", e.Node)
		}
		if e.Node.Key != nil {
			keys++
		}
	}
	if keys != 1 {
		t.Errorf("quarantined keys: got %d, want 1 (the other is null)", keys)
	}
}

func TestBadInput(t *testing.T) {
	f := newFixture(t, graph.Config{})
	tests := []struct {
		name, query string
		vars        map[string]any
		msg         string
	}{
		{"malformed area", `{ participants(filter: {areaCode: "36x"}) { totalCount } }`, nil, "digits only"},
		{"area of the wrong length", `{ workforce(areaCode: "12345") { year } }`, nil, "4, 6 or 10 digits"},
		{"unknown kecamatan", `{ participants(filter: {areaCode: "367299"}) { totalCount } }`, nil, `area code "367299" is not an area of Kota Cilegon`},
		{"kelurahan of another city", `{ roster(filter: {areaCode: "3673011001"}) { totalCount } }`, nil, "not an area of Kota Cilegon"},
		{"malformed area lookup", `{ area(code: "Cibeber") { name } }`, nil, "digits only"},
		{"bad cursor", `{ claims(after: "%%%") { totalCount } }`, nil, "not a cursor"},
		{"page too large", `{ claims(first: 5000) { totalCount } }`, nil, "first must be between 1 and 1000, got 5000"},
		{"page far too large", `{ claims(first: 9223372036854775807) { totalCount } }`, nil, "first must be between 1 and 1000"},
		{"empty page", `{ participants(first: 0) { totalCount } }`, nil, "got 0"},
		{"negative page", `{ participant(kpj: "10000000001") { contributions(first: -1) { totalCount } } }`, nil, "got -1"},
		{"bad date", `{ claims(filter: {incidentFrom: "2024-02-30"}) { totalCount } }`, nil, `date "2024-02-30" is not a valid`},
		{"bad date variable", `query($d: Date) { participants(filter: {activeOn: $d}) { totalCount } }`, map[string]any{"d": "30-01-2024"}, "30-01-2024"},
		{"bad period", `{ roster(filter: {fundedIn: "2024-13"}) { totalCount } }`, nil, `period "2024-13"`},
		{"reversed periods", `{ contributions(filter: {periodFrom: "2024-05", periodTo: "2024-01"}) { totalCount } }`, nil, "periodFrom 2024-05 is after periodTo 2024-01"},
		{"reversed dates", `{ participants(filter: {registeredFrom: "2024-05-01", registeredTo: "2024-01-01"}) { totalCount } }`, nil, "is after registeredTo"},
		{"bad category", `{ roster(filter: {categories: ["kader"]}) { totalCount } }`, nil, "category"},
		{"bad NIK", `{ participantByNik(nik: "123") { kpj } }`, nil, "16 digits"},
		{"bad NIK filter", `{ claims(filter: {nik: "36720112059000x1"}) { totalCount } }`, nil, "digits only"},
		{"bad KPJ", `{ participant(kpj: "123") { kpj } }`, nil, `KPJ "123" must be 11 digits`},
		{"bad year", `{ workforce(year: 1800) { year } }`, nil, "year must be between"},
		{"no sync runs", `{ syncRuns(first: 0) { id } }`, nil, "first must be between"},
		{"long name", `{ participants(filter: {nameContains: "` + strings.Repeat("a", 101) + `"}) { totalCount } }`, nil, "at most 100"},
		{"bad roster category", `{ participants(filter: {rosterCategories: ["rt rw"]}) { totalCount } }`, nil, "category"},
		{"bad roster category of contributions", `{ contributions(filter: {rosterCategories: ["KADER", ""]}) { totalCount } }`, nil, "category"},
		{"unknown area of contributions", `{ contributions(filter: {areaCode: "367299"}) { totalCount } }`, nil, "not an area of Kota Cilegon"},
		{"unknown area of claims", `{ claims(filter: {areaCode: "3672991001"}) { totalCount } }`, nil, "not an area of Kota Cilegon"},
		{"reversed paid dates", `{ claims(filter: {paidFrom: "2024-05-01", paidTo: "2024-01-01"}) { totalCount } }`, nil, "paidFrom 2024-05-01 is after paidTo 2024-01-01"},
		{"reversed paid dates, nested", `{ participant(kpj: "10000000001") { contributions(filter: {paidFrom: "2024-05-01", paidTo: "2024-01-01"}) { totalCount } } }`, nil, "paidFrom 2024-05-01 is after paidTo"},
		{"reversed amounts", `{ claims(filter: {amountClaimedMin: 5, amountClaimedMax: 1}) { totalCount } }`, nil, "amountClaimedMin 5 is above amountClaimedMax 1"},
		{"fractional amount", `{ claims(filter: {amountPaidMin: 1.5}) { totalCount } }`, nil, "whole number"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := f.mustFail(t, tc.query, tc.vars)
			if e.Extensions.Code != "BAD_USER_INPUT" || !strings.Contains(e.Message, tc.msg) {
				t.Errorf("got %s %q, want BAD_USER_INPUT mentioning %q", e.Extensions.Code, e.Message, tc.msg)
			}
			if len(e.Path) == 0 {
				t.Errorf("error has no path")
			}
		})
	}
}

func TestLimits(t *testing.T) {
	f := newFixture(t, graph.Config{Introspection: true})
	tests := []struct {
		name, query, code string
	}{
		{"a full page with areas", `{ participants(first: 1000) { edges { node { kpj name kelurahan { name } kecamatan { name } } } } }`, ""},
		{"50 participants with 50 contributions each", `{ participants(first: 50) { edges { node { contributions(first: 50) { edges { node { id } } } } } } }`, ""},
		{"100 participants with 100 contributions each", `{ participants(first: 100) { edges { node { contributions(first: 100) { edges { node { id } } } } } } }`, "COMPLEXITY_LIMIT_EXCEEDED"},
		{"huge pages do not overflow the cost", `{ participants(first: 9223372036854775807) { edges { node { contributions(first: 9223372036854775807) { totalCount } } } } }`, "COMPLEXITY_LIMIT_EXCEEDED"},
		{"every area under every area", `{ areas { kelurahan { parent { children { parent { children { parent { children { code } } } } } } } } }`, "COMPLEXITY_LIMIT_EXCEEDED"},
		{"too deep", `{ area(code: "3672011001") { parent { parent { parent { parent { parent { parent { parent { parent { parent { parent { code } } } } } } } } } } } }`, "DEPTH_LIMIT_EXCEEDED"},
		{"introspection is not counted", `{ __schema { types { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } } } }`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, resp := f.post(t, tc.query, nil)
			if tc.code == "" {
				if len(resp.Errors) > 0 || status != http.StatusOK {
					t.Errorf("got %d %+v, want it served", status, resp.Errors)
				}
				return
			}
			if len(resp.Errors) == 0 || resp.Errors[0].Extensions.Code != tc.code || len(resp.Data) > 0 && string(resp.Data) != "null" {
				t.Errorf("got %d %+v, data %s, want %s and no data", status, resp.Errors, resp.Data, tc.code)
			}
		})
	}
}

func TestIntrospectionCanBeOff(t *testing.T) {
	f := newFixture(t, graph.Config{Introspection: false})
	e := f.mustFail(t, `{ s: __schema { queryType { name } } }`, nil)
	if e.Extensions.Code != "FORBIDDEN" || !strings.Contains(e.Message, "introspection") {
		t.Errorf("got %s %q, want introspection refused", e.Extensions.Code, e.Message)
	}
	// Without introspection the server does not suggest field names either.
	e = f.mustFail(t, `{ participant(kpj: "10000000001") { nam } }`, nil)
	if strings.Contains(e.Message, "Did you mean") {
		t.Errorf("got %q, want no suggestion", e.Message)
	}
}

func TestHTTP(t *testing.T) {
	ready := error(nil)
	f := newFixture(t, graph.Config{Ready: func(context.Context) error { return ready }})
	// Everything but /query is open.
	getAs := func(key, path string) (int, string, string) {
		w := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, path, nil)
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		f.handler.ServeHTTP(w, req)
		return w.Code, w.Body.String(), w.Header().Get("Content-Type")
	}
	get := func(path string) (int, string, string) { return getAs("", path) }
	if code, body, _ := get("/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("/healthz: got %d %q", code, body)
	}
	if code, body, _ := get("/readyz"); code != 200 || body != "ready\n" {
		t.Errorf("/readyz: got %d %q", code, body)
	}
	ready = coverage.Errorf(coverage.EUNAVAILABLE, "database: ping: connection refused")
	if code, body, _ := get("/readyz"); code != 503 || !strings.Contains(body, "connection refused") {
		t.Errorf("/readyz when not ready: got %d %q, want 503 with the reason", code, body)
	}
	if code, body, ctype := get("/"); code != 200 || !strings.HasPrefix(ctype, "text/html") || !strings.Contains(body, "graphiql") {
		t.Errorf("/: got %d %s, want GraphiQL", code, ctype)
	}
	if code, _, _ := get("/nothing"); code != 404 {
		t.Errorf("/nothing: got %d, want 404", code)
	}
	code, body, _ := getAs("viewer-key", "/query?query="+url.QueryEscape(`{ city { name } }`))
	if code != 200 || body != `{"data":{"city":{"name":"Kota Cilegon"}}}` {
		t.Errorf("GET /query: got %d %s", code, body)
	}
	code, body, _ = get("/query?query=" + url.QueryEscape(`{ city { name } }`))
	if code != 401 || !strings.Contains(body, `"UNAUTHENTICATED"`) {
		t.Errorf("GET /query without credentials: got %d %s, want 401 UNAUTHENTICATED", code, body)
	}

	// Multipart form (file uploads), without files.
	var mp strings.Builder
	mp.WriteString("--B\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{\"query\":\"{ city { code } }\"}\r\n")
	mp.WriteString("--B\r\nContent-Disposition: form-data; name=\"map\"\r\n\r\n{}\r\n--B--\r\n")
	req := httptest.NewRequest(http.MethodPost, "/query", strings.NewReader(mp.String()))
	req.Header.Set("Content-Type", "multipart/form-data; boundary=B")
	req.Header.Set("Authorization", "Bearer viewer-key")
	w := httptest.NewRecorder()
	f.handler.ServeHTTP(w, req)
	if w.Code != 200 || w.Body.String() != `{"data":{"city":{"code":"3672"}}}` {
		t.Errorf("multipart: got %d %s", w.Code, w.Body)
	}

	// A body beyond 1 MiB is refused before it is parsed.
	big := `{"query":"{ city { name } }","variables":{"pad":"` + strings.Repeat("x", 1<<20) + `"}}`
	req = httptest.NewRequest(http.MethodPost, "/query", strings.NewReader(big))
	req.Header.Set("Content-Type", "application/json")
	w = httptest.NewRecorder()
	f.handler.ServeHTTP(w, req)
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body: got %d %s, want 413", w.Code, w.Body)
	}
	// One that does not announce its size fails when read.
	req = httptest.NewRequest(http.MethodPost, "/query", io.MultiReader(strings.NewReader(big)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer viewer-key")
	if req.ContentLength > 0 {
		t.Fatal("the request announces its size")
	}
	w = httptest.NewRecorder()
	f.handler.ServeHTTP(w, req)
	if w.Code != http.StatusRequestEntityTooLarge || strings.Contains(w.Body.String(), "Kota Cilegon") || !strings.Contains(w.Body.String(), `"REQUEST_TOO_LARGE"`) {
		t.Errorf("oversized unannounced body: got %d %s, want 413 REQUEST_TOO_LARGE", w.Code, w.Body)
	}
}

func TestAutomaticPersistedQueries(t *testing.T) {
	f := newFixture(t, graph.Config{})
	const query = `{ city { name } }`
	apq := client.Extensions(map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": sha256Hex(query)}})

	// The hash alone, before the server has seen the query.
	resp, err := f.client.RawPost("", apq)
	if err != nil || !strings.Contains(string(resp.Errors), "PersistedQueryNotFound") {
		t.Fatalf("unknown hash: got %v %s, want PersistedQueryNotFound", err, respErrors(resp))
	}
	// Query and hash: the server keeps it; then the hash alone is enough.
	var out struct{ City struct{ Name string } }
	f.client.MustPost(query, &out, apq)
	out.City.Name = ""
	f.client.MustPost("", &out, apq)
	if out.City.Name != "Kota Cilegon" {
		t.Errorf("by hash: got %+v", out)
	}
}

func TestNewHandlerNeedsItsDependencies(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("NewHandler without stores did not panic")
		}
	}()
	graph.NewHandler(graph.Config{Areas: coverage.Cilegon()})
}
