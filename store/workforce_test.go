package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/store"
	"github.com/cilegon/jamsostek/store/storetest"
)

// TestWorkforceTargetsAdminOverride: a denominator an admin set replaces the
// workforce feed's of the same year and area, and no other; one the feed
// lacks is added; the feed's own list is left as it came; a later feed update
// does not undo the admin's figure, and setting it again replaces it.
func TestWorkforceTargetsAdminOverride(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	fed := time.Date(2024, 8, 15, 3, 0, 0, 0, time.UTC)
	feed := []coverage.WorkforceTarget{
		{Year: 2023, AreaCode: "3672", Workforce: 193_610, Basis: "BPS_EMPLOYED", Source: "BPS 2023", UpdatedAt: fed},
		{Year: 2024, AreaCode: "3672", Workforce: 199_240, Basis: "BPS_EMPLOYED", Source: "BPS 2024", UpdatedAt: fed},
		{Year: 2024, AreaCode: "367201", Workforce: 20_000, Basis: "BPS_EMPLOYED", Source: "BPS 2024", UpdatedAt: fed},
	}
	applyWorkforce := func(ws ...coverage.WorkforceTarget) {
		t.Helper()
		var recs []store.Record
		for i := range ws {
			recs = append(recs, store.Record{Key: ws[i].Key(), Value: &ws[i], UpdatedAt: ws[i].UpdatedAt})
		}
		if _, err := s.Apply(ctx, coverage.FeedWorkforce, recs); err != nil {
			t.Fatal(err)
		}
	}
	check := func(when string, want []coverage.WorkforceTarget, wantSetBy map[string]string) {
		t.Helper()
		got, setBy, err := s.WorkforceTargets(ctx)
		if err != nil {
			t.Fatal(err)
		}
		byKey := map[string]coverage.WorkforceTarget{}
		for _, w := range got {
			if _, dup := byKey[w.Key()]; dup {
				t.Errorf("%s: %s listed twice", when, w.Key())
			}
			w.UpdatedAt = w.UpdatedAt.UTC()
			byKey[w.Key()] = w
		}
		if len(got) != len(want) {
			t.Errorf("%s: %d targets, want %d: %+v", when, len(got), len(want), got)
		}
		for _, w := range want {
			if g := byKey[w.Key()]; !reflect.DeepEqual(g, w) {
				t.Errorf("%s: %s is %+v, want %+v", when, w.Key(), g, w)
			}
		}
		if !reflect.DeepEqual(setBy, wantSetBy) {
			t.Errorf("%s: set by %v, want %v", when, setBy, wantSetBy)
		}
	}

	applyWorkforce(feed...)
	check("the feed alone", feed, map[string]string{})

	set := time.Date(2024, 9, 2, 4, 0, 0, 0, time.UTC)
	admin := coverage.WorkforceTarget{Year: 2024, AreaCode: "3672", Workforce: 176_000, Basis: "UCJ_TARGET", Source: "Pemkot and BPJS", UpdatedAt: set}
	extra := coverage.WorkforceTarget{Year: 2025, AreaCode: "367208", Workforce: 8_000, Basis: "UCJ_TARGET", Source: "Kecamatan Citangkil", UpdatedAt: set}
	for _, w := range []coverage.WorkforceTarget{admin, extra} {
		if err := s.SetWorkforceTarget(ctx, w, "root"); err != nil {
			t.Fatal(err)
		}
	}
	overridden := []coverage.WorkforceTarget{feed[0], admin, feed[2], extra}
	byAdmin := map[string]string{admin.Key(): "root", extra.Key(): "root"}
	check("after the admin's figures", overridden, byAdmin)

	// The feed's own list still holds the feed's figure.
	list, err := s.Workforce(ctx, coverage.WorkforceFilter{Year: 2024, AreaCode: "3672"})
	if err != nil || len(list) != 1 || list[0].Workforce != 199_240 {
		t.Errorf("the feed's 2024 figure of the city: got %+v, %v; want 199,240", list, err)
	}

	// The feed sends a new figure: the admin's still wins.
	newer := feed[1]
	newer.Workforce, newer.UpdatedAt = 201_000, set.Add(time.Hour)
	applyWorkforce(newer)
	check("after a feed update", overridden, byAdmin)

	// Another admin sets it again: one figure, the newest.
	again := admin
	again.Workforce, again.Source, again.UpdatedAt = 180_000, "Perwal draft", set.Add(2*time.Hour)
	if err := s.SetWorkforceTarget(ctx, again, "ops"); err != nil {
		t.Fatal(err)
	}
	check("after a second setting", []coverage.WorkforceTarget{feed[0], again, feed[2], extra},
		map[string]string{admin.Key(): "ops", extra.Key(): "root"})
}
