package storetest

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/feedsim"
	"github.com/cilegon/jamsostek/store"
)

// Holds checks the store holds exactly the simulator's live records, field for
// field: what a fault-free sync of ds leaves.
func Holds(tb testing.TB, s *store.Store, ds *feedsim.Dataset) {
	tb.Helper()
	ctx := context.Background()
	Same(tb, "participants", ds.Participants, All(tb, func(p coverage.PageRequest) (coverage.Page[coverage.Participant], error) {
		return s.Participants(ctx, coverage.ParticipantFilter{}, p)
	}), func(x coverage.Participant) string { return x.KPJ })
	Same(tb, "contributions", ds.Contributions, All(tb, func(p coverage.PageRequest) (coverage.Page[coverage.Contribution], error) {
		return s.Contributions(ctx, coverage.ContributionFilter{}, p)
	}), func(x coverage.Contribution) string { return x.ID })
	Same(tb, "claims", ds.Claims, All(tb, func(p coverage.PageRequest) (coverage.Page[coverage.Claim], error) {
		return s.Claims(ctx, coverage.ClaimFilter{}, p)
	}), func(x coverage.Claim) string { return x.ClaimNo })
	Same(tb, "roster", ds.Roster, All(tb, func(p coverage.PageRequest) (coverage.Page[coverage.RosterEntry], error) {
		return s.Roster(ctx, coverage.RosterFilter{}, p)
	}), func(x coverage.RosterEntry) string { return x.Key() })
	wf, err := s.Workforce(ctx, coverage.WorkforceFilter{})
	if err != nil {
		tb.Fatal(err)
	}
	Same(tb, "workforce", ds.Workforce, wf, func(x coverage.WorkforceTarget) string { return x.Key() })
}

// All reads every page of a record list.
func All[T any](tb testing.TB, fetch func(coverage.PageRequest) (coverage.Page[T], error)) []T {
	tb.Helper()
	var out []T
	p := coverage.PageRequest{First: coverage.MaxPageSize}
	for {
		pg, err := fetch(p)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, pg.Items...)
		next := pg.Next(p)
		if next == nil {
			return out
		}
		p = *next
	}
}

// Same compares two sets of records by key, as JSON, reporting the first
// differences.
func Same[T any](tb testing.TB, name string, want, got []T, key func(T) string) {
	tb.Helper()
	if len(got) != len(want) {
		tb.Errorf("%s: got %d records, want %d", name, len(got), len(want))
	}
	index := map[string]string{}
	for _, g := range got {
		b, _ := json.Marshal(g)
		index[key(g)] = string(b)
	}
	bad := 0
	for _, w := range want {
		b, _ := json.Marshal(w)
		if g, ok := index[key(w)]; !ok || g != string(b) {
			if bad++; bad <= 3 {
				tb.Errorf("%s %s: got %s, want %s", name, key(w), g, b)
			}
		}
	}
}
