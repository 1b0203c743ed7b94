package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/graph"
	"github.com/cilegon/jamsostek/store"
	"github.com/cilegon/jamsostek/store/storetest"
)

// counting is a coverage.Records that counts the calls to the store under it.
// It implements every method itself, so that no call goes uncounted.
type counting struct {
	next  coverage.Records
	mu    sync.Mutex
	calls map[string]int
}

func (c *counting) count(method string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.calls == nil {
		c.calls = map[string]int{}
	}
	c.calls[method]++
}

// take returns the calls counted since the last take.
func (c *counting) take() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	calls := c.calls
	c.calls = nil
	return calls
}

func (c *counting) Participants(ctx context.Context, f coverage.ParticipantFilter, p coverage.PageRequest) (coverage.Page[coverage.Participant], error) {
	c.count("Participants")
	return c.next.Participants(ctx, f, p)
}

func (c *counting) Participant(ctx context.Context, kpj string) (*coverage.Participant, error) {
	c.count("Participant")
	return c.next.Participant(ctx, kpj)
}

func (c *counting) Contributions(ctx context.Context, f coverage.ContributionFilter, p coverage.PageRequest) (coverage.Page[coverage.Contribution], error) {
	c.count("Contributions")
	return c.next.Contributions(ctx, f, p)
}

func (c *counting) Claims(ctx context.Context, f coverage.ClaimFilter, p coverage.PageRequest) (coverage.Page[coverage.Claim], error) {
	c.count("Claims")
	return c.next.Claims(ctx, f, p)
}

func (c *counting) Roster(ctx context.Context, f coverage.RosterFilter, p coverage.PageRequest) (coverage.Page[coverage.RosterEntry], error) {
	c.count("Roster")
	return c.next.Roster(ctx, f, p)
}

func (c *counting) Workforce(ctx context.Context, f coverage.WorkforceFilter) ([]coverage.WorkforceTarget, error) {
	c.count("Workforce")
	return c.next.Workforce(ctx, f)
}

func (c *counting) ContributionsByKPJ(ctx context.Context, kpjs []string, f coverage.ContributionFilter, p coverage.PageRequest) (map[string]coverage.Page[coverage.Contribution], error) {
	c.count("ContributionsByKPJ")
	return c.next.ContributionsByKPJ(ctx, kpjs, f, p)
}

func (c *counting) ClaimsByKPJ(ctx context.Context, kpjs []string, f coverage.ClaimFilter, p coverage.PageRequest) (map[string]coverage.Page[coverage.Claim], error) {
	c.count("ClaimsByKPJ")
	return c.next.ClaimsByKPJ(ctx, kpjs, f, p)
}

func (c *counting) RosterByNIK(ctx context.Context, niks []string) (map[string][]coverage.RosterEntry, error) {
	c.count("RosterByNIK")
	return c.next.RosterByNIK(ctx, niks)
}

// batchStore stores 100 participants across the city's kelurahan, with 7
// months of contributions each (some unpaid), claims for every third and
// roster entries for every fourth (two categories for every eighth), and a
// second membership of the fourth person.
func batchStore(t *testing.T) *store.Store {
	t.Helper()
	s := storetest.Open(t)
	kelurahan := coverage.Cilegon().Kelurahan()
	var people, contributions, claims, roster []store.Record
	for i := 1; i <= 100; i++ {
		kpj, nik := fmt.Sprintf("2%010d", i), fmt.Sprintf("367201120590%04d", i)
		kel := kelurahan[i%len(kelurahan)].Code
		payer := coverage.PayerAPBD
		if i%2 == 0 {
			payer = coverage.PayerSelf
		}
		p := &coverage.Participant{KPJ: kpj, NIK: nik, Name: fmt.Sprintf("Pekerja %03d", i), BirthDate: "1990-05-12", Gender: "M",
			Segment: "BPU", Occupation: "NELAYAN", Programs: []coverage.Program{"JKK", "JKM"}, PayerType: payer, Status: "ACTIVE",
			RegisteredAt: "2023-01-02", CoverageStart: "2023-01-02", KelurahanCode: kel, DeclaredIncome: 1_000_000, UpdatedAt: updated}
		people = append(people, store.Record{Key: p.Key(), Value: p})
		for m := 1; m <= 7; m++ {
			c := &coverage.Contribution{ID: fmt.Sprintf("C%03d-%d", i, m), KPJ: kpj, NIK: nik, Period: coverage.Period(fmt.Sprintf("2024-%02d", m)),
				Programs: p.Programs, AmountDue: 16_800, PayerType: payer, UpdatedAt: updated}
			if (i+m)%3 != 0 {
				c.AmountPaid, c.PaidAt = 16_800, coverage.Date(fmt.Sprintf("2024-%02d-1%d", m, i%10))
			}
			contributions = append(contributions, store.Record{Key: c.Key(), Value: c})
		}
		for k := 1; i%3 == 0 && k <= 1+i%2; k++ {
			c := &coverage.Claim{ClaimNo: fmt.Sprintf("K%03d-%d", i, k), KPJ: kpj, NIK: nik, Program: "JKK", Benefit: "MEDICAL",
				IncidentDate: "2024-03-10", SubmittedAt: "2024-03-20", Status: "SUBMITTED", AmountClaimed: int64(1_000_000 * (i + k)), UpdatedAt: updated}
			claims = append(claims, store.Record{Key: c.Key(), Value: c})
		}
		for _, cat := range []coverage.Category{"NELAYAN", "KADER"} {
			if i%4 == 0 && (cat == "NELAYAN" || i%8 == 0) {
				r := &coverage.RosterEntry{NIK: nik, Name: p.Name, Category: cat, Agency: "DKPP", KelurahanCode: kel, FundedFrom: "2023-01", UpdatedAt: updated}
				roster = append(roster, store.Record{Key: r.Key(), Value: r})
			}
		}
	}
	// A second membership of the fourth person (one NIK, two KPJs).
	second := *people[3].Value.(*coverage.Participant)
	second.KPJ = "30000000004"
	people = append(people, store.Record{Key: second.Key(), Value: &second})
	apply(t, s, coverage.FeedParticipants, people)
	apply(t, s, coverage.FeedContributions, contributions)
	apply(t, s, coverage.FeedClaims, claims)
	apply(t, s, coverage.FeedRoster, roster)
	return s
}

// The nested lists of every test query, and the top lists that answer the
// same for one member.
const (
	nestedLists = `kelurahan { name }
		contributions(first: 5, orderBy: {field: PERIOD, direction: DESC}) { totalCount edges { cursor node { id period amountPaid } } pageInfo { hasNextPage endCursor } }
		claims(first: 5) { totalCount edges { cursor node { claimNo amountClaimed } } pageInfo { hasNextPage endCursor } }
		roster { nik category fundedFrom }`
	topLists = `query($kpj: String, $nik: String) {
		contributions(filter: {kpj: $kpj}, first: 5, orderBy: {field: PERIOD, direction: DESC}) { totalCount edges { cursor node { id period amountPaid } } pageInfo { hasNextPage endCursor } }
		claims(filter: {kpj: $kpj}, first: 5) { totalCount edges { cursor node { claimNo amountClaimed } } pageInfo { hasNextPage endCursor } }
		roster(filter: {nik: $nik}) { edges { node { nik category fundedFrom } } } }`
)

// TestNestedListsAreBatched: a page of participants with their contributions,
// claims, roster entries and kelurahan costs one store call per list, whether
// it holds 10 participants or 100, and each member's nested lists are what
// asking for that member alone, or the top lists filtered to it, answer.
func TestNestedListsAreBatched(t *testing.T) {
	s := batchStore(t)
	rec := &counting{next: s}
	// A batch goes to the store once every member of the page has asked, not
	// after a wait: with a wait this long, a query that relied on it would
	// take 10 seconds, which post refuses.
	h := graph.NewHandler(graph.Config{Records: rec, SyncLog: s, Areas: coverage.Cilegon(), Logger: slog.New(slog.DiscardHandler),
		BatchWait: 10 * time.Second, Authenticate: testAuth})
	post := func(query string, vars map[string]any, want map[string]int) json.RawMessage {
		t.Helper()
		start := time.Now()
		_, resp := (&fixture{handler: h}).post(t, query, vars)
		if len(resp.Errors) > 0 {
			t.Fatalf("%s: %+v", query, resp.Errors)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s: took %s: it waited for the batch wait", query, d)
		}
		if got := rec.take(); !maps.Equal(got, want) {
			t.Errorf("%s %v: store calls %v, want %v", query, vars, got, want)
		}
		return resp.Data
	}

	batched := map[string]int{"Participants": 1, "ContributionsByKPJ": 1, "ClaimsByKPJ": 1, "RosterByNIK": 1}
	for _, n := range []int{10, 100} {
		data := post(`query($n: Int) { participants(first: $n) { edges { node { kpj nik `+nestedLists+` } } } }`, map[string]any{"n": n}, batched)
		var page struct {
			Participants struct {
				Edges []struct{ Node map[string]json.RawMessage }
			}
		}
		if err := json.Unmarshal(data, &page); err != nil {
			t.Fatal(err)
		}
		if len(page.Participants.Edges) != n {
			t.Fatalf("got %d participants, want %d", len(page.Participants.Edges), n)
		}
		if n < 100 {
			continue
		}
		var withClaims, onRoster, moreContributions int
		for _, e := range page.Participants.Edges {
			node := e.Node
			var kpj, nik string
			_ = json.Unmarshal(node["kpj"], &kpj)
			_ = json.Unmarshal(node["nik"], &nik)

			// The member alone.
			var alone struct{ Participant map[string]json.RawMessage }
			data := post(`query($kpj: String!) { participant(kpj: $kpj) { kpj nik `+nestedLists+` } }`, map[string]any{"kpj": kpj},
				map[string]int{"Participant": 1, "ContributionsByKPJ": 1, "ClaimsByKPJ": 1, "RosterByNIK": 1})
			if err := json.Unmarshal(data, &alone); err != nil {
				t.Fatal(err)
			}
			for _, field := range []string{"kelurahan", "contributions", "claims", "roster"} {
				if got, want := string(node[field]), string(alone.Participant[field]); got != want {
					t.Errorf("participant %s, %s: got %s in the page, %s alone", kpj, field, got, want)
				}
			}

			// The top lists, filtered to the member.
			var lists struct {
				Contributions, Claims json.RawMessage
				Roster                struct {
					Edges []struct{ Node json.RawMessage }
				}
			}
			data = post(topLists, map[string]any{"kpj": kpj, "nik": nik}, map[string]int{"Contributions": 1, "Claims": 1, "Roster": 1})
			if err := json.Unmarshal(data, &lists); err != nil {
				t.Fatal(err)
			}
			var entries []string
			for _, r := range lists.Roster.Edges {
				entries = append(entries, string(r.Node))
			}
			if got, want := string(node["contributions"]), string(lists.Contributions); got != want {
				t.Errorf("participant %s: contributions %s, the top list %s", kpj, got, want)
			}
			if got, want := string(node["claims"]), string(lists.Claims); got != want {
				t.Errorf("participant %s: claims %s, the top list %s", kpj, got, want)
			}
			if got, want := string(node["roster"]), "["+strings.Join(entries, ",")+"]"; got != want {
				t.Errorf("participant %s: roster %s, the top list %s", kpj, got, want)
			}

			if !strings.Contains(string(node["claims"]), `"totalCount":0`) {
				withClaims++
			}
			if string(node["roster"]) != "[]" {
				onRoster++
			}
			if strings.Contains(string(node["contributions"]), `"hasNextPage":true`) {
				moreContributions++
			}
		}
		if withClaims != 33 || onRoster != 25 || moreContributions != 100 {
			t.Errorf("got %d members with claims, %d on a roster, %d with more contributions; want 33, 25, 100", withClaims, onRoster, moreContributions)
		}
	}

	// Different arguments for the same nested list are one call each.
	post(`{ participants(first: 20) { edges { node {
		unpaid: contributions(filter: {unpaid: true}) { totalCount }
		paid: contributions(filter: {unpaid: false}, orderBy: {field: PAID_AT}) { totalCount } } } } }`, nil,
		map[string]int{"Participants": 1, "ContributionsByKPJ": 2})

	// Several participants of one NIK ask for the same roster entries: one
	// call, without waiting for keys that were asked twice.
	data := post(`{ participantByNik(nik: "3672011205900004") { kpj roster { category } claims { totalCount } } }`, nil,
		map[string]int{"Participants": 1, "ClaimsByKPJ": 1, "RosterByNIK": 1})
	if want := `{"participantByNik":[{"kpj":"20000000004","roster":[{"category":"NELAYAN"}],"claims":{"totalCount":0}},` +
		`{"kpj":"30000000004","roster":[{"category":"NELAYAN"}],"claims":{"totalCount":0}}]}`; string(data) != want {
		t.Errorf("participantByNik: got %s, want %s", data, want)
	}
}
