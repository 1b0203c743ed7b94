package graph_test

import (
	"context"
	"fmt"
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

func person(kpj, nik, kel string, payer coverage.PayerType, income int64) *coverage.Participant {
	return &coverage.Participant{
		KPJ: kpj, NIK: nik, Name: "Peserta " + kpj, BirthDate: "1990-05-12", Gender: coverage.GenderMale,
		Segment: coverage.SegmentBPU, Occupation: "NELAYAN", Programs: []coverage.Program{"JKK", "JKM"},
		PayerType: payer, Status: coverage.StatusActive, RegisteredAt: "2023-01-02", CoverageStart: "2023-01-02",
		KelurahanCode: kel, DeclaredIncome: income, UpdatedAt: updated,
	}
}

// fixture stores a handful of records and returns a client on the real schema.
func fixture(t *testing.T, guard graph.PersonalDataGuard) *client.Client {
	t.Helper()
	s := storetest.Open(t)
	ps := []*coverage.Participant{
		person("10000000001", "3672011205900001", "3672011001", coverage.PayerAPBD, 1_000_000),
		person("10000000002", "3672011205900001", "3672011002", coverage.PayerSelf, 9_000_000_000_000),
		person("10000000003", "3672085206850012", "3672081007", coverage.PayerAPBD, 1_000_000),
		person("10000000004", "3672021111800003", "3672021001", coverage.PayerEmployer, 5_000_000),
		person("10000000005", "3672021111800004", "3672021001", coverage.PayerAPBD, 1_000_000),
	}
	var recs []store.Record
	for _, p := range ps {
		recs = append(recs, store.Record{Key: p.KPJ, Value: p})
	}
	apply(t, s, coverage.FeedParticipants, recs)
	recs = nil
	for i, m := range []coverage.Period{"2024-01", "2024-02", "2024-03"} {
		paid := int64(16_800)
		if i == 1 {
			paid = 0
		}
		c := &coverage.Contribution{ID: fmt.Sprintf("C%d", i), KPJ: "10000000001", NIK: "3672011205900001", Period: m,
			Programs: []coverage.Program{"JKK", "JKM"}, AmountDue: 16_800, AmountPaid: paid, PayerType: coverage.PayerAPBD, UpdatedAt: updated}
		if paid > 0 {
			c.PaidAt = m.First()
		}
		recs = append(recs, store.Record{Key: c.ID, Value: c})
	}
	apply(t, s, coverage.FeedContributions, recs)
	cl := &coverage.Claim{ClaimNo: "K1", KPJ: "10000000001", NIK: "3672011205900001", Program: "JKM", Benefit: "DEATH",
		IncidentDate: "2024-03-10", SubmittedAt: "2024-03-20", Status: coverage.ClaimPaid, AmountClaimed: 20_000_000,
		AmountPaid: 20_000_000, PaidAt: "2024-04-01", UpdatedAt: updated}
	apply(t, s, coverage.FeedClaims, []store.Record{{Key: cl.ClaimNo, Value: cl}})
	r := &coverage.RosterEntry{NIK: "3672011205900001", Name: "Peserta", Category: "NELAYAN", Agency: "DKPP",
		KelurahanCode: "3672011001", FundedFrom: "2023-01", UpdatedAt: updated}
	apply(t, s, coverage.FeedRoster, []store.Record{{Key: r.Key(), Value: r}})
	return client.New(graph.NewServer(graph.Options{Records: s, SyncLog: s, Areas: coverage.Cilegon(), Guard: guard}))
}

func apply(t *testing.T, s *store.Store, feed coverage.Feed, recs []store.Record) {
	t.Helper()
	if _, err := s.Apply(context.Background(), feed, recs); err != nil {
		t.Fatal(err)
	}
}

func TestConnectionsPaginateExactly(t *testing.T) {
	c := fixture(t, nil)
	var seen []string
	after := ""
	for pages := 0; ; pages++ {
		var resp struct {
			Participants struct {
				TotalCount int
				Edges      []struct{ Node struct{ Kpj string } }
				PageInfo   struct {
					HasNextPage bool
					EndCursor   string
				}
			}
		}
		c.MustPost(`query($after: String) { participants(first: 2, after: $after) { totalCount edges { node { kpj } } pageInfo { hasNextPage endCursor } } }`,
			&resp, client.Var("after", after))
		if resp.Participants.TotalCount != 5 {
			t.Fatalf("totalCount: got %d, want 5", resp.Participants.TotalCount)
		}
		for _, e := range resp.Participants.Edges {
			seen = append(seen, e.Node.Kpj)
		}
		if !resp.Participants.PageInfo.HasNextPage {
			if pages != 2 {
				t.Errorf("got %d pages, want 3", pages+1)
			}
			break
		}
		after = resp.Participants.PageInfo.EndCursor
	}
	if got := strings.Join(seen, ","); got != "10000000001,10000000002,10000000003,10000000004,10000000005" {
		t.Errorf("walked %s", got)
	}
}

func TestFilters(t *testing.T) {
	c := fixture(t, nil)
	tests := []struct {
		name, filter string
		want         int
	}{
		{"kecamatan", `{areaCode: "367201"}`, 2},
		{"kelurahan", `{areaCode: "3672021001"}`, 2},
		{"city", `{areaCode: "3672"}`, 5},
		{"payer", `{payerTypes: [APBD]}`, 3},
		{"payer in kecamatan", `{areaCode: "367202", payerTypes: [APBD, SELF]}`, 1},
		{"nik", `{nik: "3672011205900001"}`, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var resp struct{ Participants struct{ TotalCount int } }
			c.MustPost(`{ participants(filter: `+tc.filter+`) { totalCount } }`, &resp)
			if resp.Participants.TotalCount != tc.want {
				t.Errorf("got %d, want %d", resp.Participants.TotalCount, tc.want)
			}
		})
	}
}

func TestParticipantWithContributionsAndClaims(t *testing.T) {
	c := fixture(t, nil)
	var resp struct {
		Participant struct {
			Name      string
			Kelurahan struct{ Name string }
			Kecamatan struct{ Name string }
			NikInfo   struct {
				Valid     bool
				BirthDate string
			}
			All    struct{ TotalCount int }
			Unpaid struct {
				Edges []struct{ Node struct{ Period string } }
			}
			Claims struct {
				Edges []struct{ Node struct{ AmountPaid int64 } }
			}
		}
		ByNik []struct{ Kpj string }
		None  *struct{ Kpj string }
	}
	c.MustPost(`{
		participant(kpj: "10000000001") {
			name kelurahan { name } kecamatan { name } nikInfo { valid birthDate }
			all: contributions { totalCount }
			unpaid: contributions(filter: {unpaid: true}) { edges { node { period } } }
			claims { edges { node { amountPaid } } }
		}
		byNik: participantByNik(nik: "3672011205900001") { kpj }
		none: participant(kpj: "99999999999") { kpj }
	}`, &resp)
	p := resp.Participant
	if p.Kelurahan.Name != "Cibeber" || p.Kecamatan.Name != "Cibeber" || !p.NikInfo.Valid || p.NikInfo.BirthDate != "1990-05-12" {
		t.Errorf("participant: got %+v", p)
	}
	if p.All.TotalCount != 3 || len(p.Unpaid.Edges) != 1 || p.Unpaid.Edges[0].Node.Period != "2024-02" {
		t.Errorf("contributions: got %d, unpaid %+v, want 3 and 2024-02", p.All.TotalCount, p.Unpaid.Edges)
	}
	if len(p.Claims.Edges) != 1 || p.Claims.Edges[0].Node.AmountPaid != 20_000_000 {
		t.Errorf("claims: got %+v", p.Claims.Edges)
	}
	if len(resp.ByNik) != 2 || resp.None != nil {
		t.Errorf("by NIK: got %+v, missing: got %+v", resp.ByNik, resp.None)
	}
}

func TestRupiahBeyond32Bits(t *testing.T) {
	c := fixture(t, nil)
	var resp struct {
		Participant struct{ DeclaredIncome int64 }
	}
	c.MustPost(`{ participant(kpj: "10000000002") { declaredIncome } }`, &resp)
	if resp.Participant.DeclaredIncome != 9_000_000_000_000 {
		t.Errorf("got %d, want 9000000000000", resp.Participant.DeclaredIncome)
	}
}

func TestAreas(t *testing.T) {
	c := fixture(t, nil)
	var resp struct {
		City  struct{ Name string }
		Areas []struct {
			Code      string
			Kelurahan []struct {
				Code   string
				Parent struct{ Code string }
			}
		}
	}
	c.MustPost(`{ city { name } areas { code kelurahan { code parent { code } } } }`, &resp)
	n := 0
	for _, k := range resp.Areas {
		for _, kel := range k.Kelurahan {
			n++
			if kel.Parent.Code != k.Code {
				t.Errorf("kelurahan %s: parent %s, want %s", kel.Code, kel.Parent.Code, k.Code)
			}
		}
	}
	if resp.City.Name != "Kota Cilegon" || len(resp.Areas) != 8 || n != 43 {
		t.Errorf("got %s with %d kecamatan and %d kelurahan, want 8 and 43", resp.City.Name, len(resp.Areas), n)
	}
}

func TestBadInputHasCodes(t *testing.T) {
	c := fixture(t, nil)
	tests := []struct{ name, query, code, msg string }{
		{"malformed area", `{ participants(filter: {areaCode: "36x"}) { totalCount } }`, "BAD_USER_INPUT", "digits"},
		{"unknown area", `{ participants(filter: {areaCode: "367299"}) { totalCount } }`, "BAD_USER_INPUT", "not an area"},
		{"bad cursor", `{ claims(after: "%%%") { totalCount } }`, "BAD_USER_INPUT", "cursor"},
		{"page too large", `{ claims(first: 5000) { totalCount } }`, "BAD_USER_INPUT", "first"},
		{"bad date", `{ claims(filter: {incidentFrom: "2024-02-30"}) { totalCount } }`, "", "2024-02-30"},
		{"bad period", `{ roster(filter: {fundedIn: "2024-13"}) { totalCount } }`, "", "2024-13"},
		{"bad category", `{ roster(filter: {categories: ["kader"]}) { totalCount } }`, "BAD_USER_INPUT", "category"},
		{"bad nik", `{ participantByNik(nik: "123") { kpj } }`, "BAD_USER_INPUT", "16 digits"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var resp map[string]any
			err := c.Post(tc.query, &resp)
			if err == nil || !strings.Contains(err.Error(), tc.msg) || (tc.code != "" && !strings.Contains(err.Error(), tc.code)) {
				t.Errorf("got %v, want %s mentioning %q", err, tc.code, tc.msg)
			}
		})
	}
}

func TestComplexityLimit(t *testing.T) {
	c := fixture(t, nil)
	var resp map[string]any
	err := c.Post(`{ participants(first: 1000) { edges { node { contributions(first: 1000) { edges { node { id } } } } } } }`, &resp)
	if err == nil || !strings.Contains(err.Error(), "complexity") {
		t.Errorf("got %v, want a complexity error", err)
	}
}

// maskNIK is a guard that masks NIKs and refuses names, as access control will.
type maskNIK struct{ fields []string }

func (m *maskNIK) PersonalData(ctx context.Context, field string, v any) (any, error) {
	m.fields = append(m.fields, field)
	switch field {
	case "nik":
		return coverage.MaskNIK(v.(string)), nil
	case "name":
		return nil, coverage.Errorf(coverage.EFORBIDDEN, "names are not shown to this role")
	}
	return v, nil
}

func TestPersonalDataPassesThroughTheGuard(t *testing.T) {
	g := &maskNIK{}
	c := fixture(t, g)
	var resp struct{ Participant struct{ Nik string } }
	c.MustPost(`{ participant(kpj: "10000000001") { nik } }`, &resp)
	if resp.Participant.Nik != "367201********01" {
		t.Errorf("nik: got %s, want it masked", resp.Participant.Nik)
	}
	err := c.Post(`{ roster { edges { node { name } } } }`, &map[string]any{})
	if err == nil || !strings.Contains(err.Error(), "FORBIDDEN") {
		t.Errorf("name: got %v, want FORBIDDEN", err)
	}
	if len(g.fields) != 2 {
		t.Errorf("guard saw %v, want nik and name", g.fields)
	}
}
