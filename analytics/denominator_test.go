package analytics_test

import (
	"context"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/analytics"
	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/coverage/reconcile"
	"github.com/cilegon/jamsostek/store"
	"github.com/cilegon/jamsostek/store/storetest"
)

// TestSnapshotDenominator: a snapshot's denominator of a year and area is
// that year's and area's figure, with its basis and source, and none for a
// year or area without one (never a neighbour's).
func TestSnapshotDenominator(t *testing.T) {
	snap := &analytics.Snapshot{Workforce: []coverage.WorkforceTarget{
		{Year: 2023, AreaCode: "3672", Workforce: 193_610, Basis: "BPS_EMPLOYED", Source: "BPS 2023"},
		{Year: 2024, AreaCode: "3672", Workforce: 176_000, Basis: "UCJ_TARGET", Source: "Pemkot and BPJS"},
		{Year: 2024, AreaCode: "367201", Workforce: 20_000, Basis: "BPS_EMPLOYED", Source: "BPS 2024"},
		{Year: 2024, AreaCode: "3672011001", Workforce: 3_100, Basis: "BPS_EMPLOYED", Source: "Kelurahan Cibeber"},
	}}
	for _, tc := range []struct {
		year int
		area string
		want reconcile.Denominator
		ok   bool
	}{
		{2024, "3672", reconcile.Denominator{Workforce: 176_000, Basis: "UCJ_TARGET", Source: "Pemkot and BPJS"}, true},
		{2023, "3672", reconcile.Denominator{Workforce: 193_610, Basis: "BPS_EMPLOYED", Source: "BPS 2023"}, true},
		{2024, "367201", reconcile.Denominator{Workforce: 20_000, Basis: "BPS_EMPLOYED", Source: "BPS 2024"}, true},
		{2024, "3672011001", reconcile.Denominator{Workforce: 3_100, Basis: "BPS_EMPLOYED", Source: "Kelurahan Cibeber"}, true},
		{2023, "367201", reconcile.Denominator{}, false},     // the kecamatan has none in 2023
		{2024, "367202", reconcile.Denominator{}, false},     // another kecamatan
		{2024, "3672011002", reconcile.Denominator{}, false}, // another kelurahan
		{2022, "3672", reconcile.Denominator{}, false},
	} {
		got, ok := snap.Denominator(tc.year, tc.area)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Denominator(%d, %q): got %+v %t, want %+v %t", tc.year, tc.area, got, ok, tc.want, tc.ok)
		}
	}
	if _, ok := (&analytics.Snapshot{}).Denominator(2024, "3672"); ok {
		t.Error("a snapshot without workforce figures found a denominator")
	}
}

// TestSetWorkforceTargetIsServed: an admin's denominator, set through the
// service, is served at once in place of the feed's, and a refused one
// changes nothing.
func TestSetWorkforceTargetIsServed(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	fed := coverage.WorkforceTarget{Year: 2024, AreaCode: "3672", Workforce: 199_240, Basis: "BPS_EMPLOYED", Source: "BPS 2024",
		UpdatedAt: time.Date(2024, 8, 15, 3, 0, 0, 0, time.UTC)}
	if _, err := s.Apply(ctx, coverage.FeedWorkforce, []store.Record{{Key: fed.Key(), Value: &fed, UpdatedAt: fed.UpdatedAt}}); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2024, 9, 2, 4, 0, 0, 0, time.UTC)
	svc := &analytics.Service{Store: s, Areas: coverage.Cilegon(), Now: func() time.Time { return now }}
	if err := svc.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	denominator := func() (reconcile.Denominator, bool) {
		t.Helper()
		snap := svc.Snapshot()
		if snap == nil {
			t.Fatal("no snapshot")
		}
		return snap.Denominator(2024, "3672")
	}
	if d, ok := denominator(); !ok || d.Workforce != 199_240 {
		t.Fatalf("the feed's denominator: got %+v %t", d, ok)
	}

	if _, err := svc.SetWorkforceTarget(ctx, coverage.WorkforceTarget{Year: 2024, AreaCode: "3672", Workforce: 0, Basis: "UCJ_TARGET", Source: "x"}, "root"); coverage.ErrorCode(err) != coverage.EINVALID {
		t.Errorf("a workforce of 0: got %v, want EINVALID", err)
	}
	if d, _ := denominator(); d.Workforce != 199_240 {
		t.Errorf("after a refused figure: %+v, want the feed's", d)
	}

	w, err := svc.SetWorkforceTarget(ctx, coverage.WorkforceTarget{Year: 2024, AreaCode: "3672", Workforce: 176_000, Basis: "UCJ_TARGET", Source: "Pemkot and BPJS"}, "root")
	if err != nil || !w.UpdatedAt.Equal(now) {
		t.Fatalf("set: %+v %v, want it stamped %v", w, err, now)
	}
	if d, ok := denominator(); !ok || d != (reconcile.Denominator{Workforce: 176_000, Basis: "UCJ_TARGET", Source: "Pemkot and BPJS"}) {
		t.Errorf("after the admin's figure: got %+v %t, want 176,000 UCJ_TARGET", d, ok)
	}
	if by := svc.Snapshot().SetBy[fed.Key()]; by != "root" {
		t.Errorf("set by %q, want root", by)
	}
}
