package analytics_test

import (
	"context"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/analytics"
	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/coverage/reconcile"
	"github.com/cilegon/jamsostek/feedsim"
	"github.com/cilegon/jamsostek/store"
	"github.com/cilegon/jamsostek/store/storetest"
)

func allDiscrepancies(t *testing.T, s *store.Store, f coverage.DiscrepancyFilter) []coverage.Discrepancy {
	t.Helper()
	return storetest.All(t, func(p coverage.PageRequest) (coverage.Page[coverage.Discrepancy], error) {
		return s.Discrepancies(context.Background(), f, p)
	})
}

// TestReconcileOverTheStore runs the reconciliation on a simulated city in the
// store: the stored discrepancies are the engine's findings, the served rollup
// is the engine's, a second pass changes nothing, a fixed condition is resolved
// automatically, and a replica serves the same version.
func TestReconcileOverTheStore(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	ds, err := feedsim.Generate(feedsim.Config{Seed: 3, Scale: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	storetest.Load(t, s, ds)
	svc := &analytics.Service{Store: s, Areas: coverage.Cilegon(), Now: func() time.Time { return ds.AsOf }}
	if _, _, err := svc.Coverage(reconcile.Filter{}, nil, ""); coverage.ErrorCode(err) != coverage.EUNAVAILABLE {
		t.Errorf("coverage before any pass: %v", err)
	}
	declared := coverage.DeclaredTotal{Metric: coverage.MetricCityFundedWorkers, Year: 2024, Value: 170, Source: "test"}
	if _, err := svc.SetDeclaredTotal(ctx, declared); err != nil {
		t.Fatal(err)
	}

	run, err := svc.Reconcile(ctx, "test")
	if err != nil {
		t.Fatal(err)
	}
	want, err := reconcile.Run(reconcile.Config{Areas: coverage.Cilegon(), AsOf: ds.AsOf, Declared: []coverage.DeclaredTotal{declared}}, reconcile.Streams{
		Roster: s.ScanRoster(ctx), Participants: s.ScanParticipants(ctx), Contributions: s.ScanContributions(ctx), Claims: s.ScanClaims(ctx)})
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != coverage.RunSucceeded || run.Findings.Opened != int64(len(want.Findings)) || !run.NewVersion || run.RollupVersion != 1 {
		t.Fatalf("first run: %+v (engine: %d findings)", run, len(want.Findings))
	}
	stored := allDiscrepancies(t, s, coverage.DiscrepancyFilter{})
	if len(stored) != len(want.Findings) {
		t.Fatalf("stored %d discrepancies, engine found %d", len(stored), len(want.Findings))
	}
	for i, d := range stored {
		if d.Status != coverage.StatusOpen || !reflect.DeepEqual(d.Finding, want.Findings[i]) || !d.FirstSeen.Equal(ds.AsOf) {
			t.Fatalf("discrepancy %d: %+v\nwant %+v", i, d, want.Findings[i])
		}
	}
	snap := svc.Snapshot()
	if snap == nil || snap.Rollup.Hash != want.Rollup.Hash || !reflect.DeepEqual(snap.Rollup.Cells, want.Rollup.Cells) {
		t.Fatal("served rollup differs from the engine's")
	}
	cmp, err := svc.DeclaredTotals(2024)
	if err != nil || len(cmp) != 1 || cmp[0].Counted != int64(len(ds.Roster)) {
		t.Errorf("declared: %+v %v (roster %d)", cmp, err, len(ds.Roster))
	}

	again, err := svc.Reconcile(ctx, "test")
	if err != nil {
		t.Fatal(err)
	}
	if again.NewVersion || again.RollupVersion != 1 || again.Findings.Unchanged != int64(len(want.Findings)) ||
		again.Findings.Opened+again.Findings.Updated+again.Findings.Resolved+again.Findings.Reopened != 0 {
		t.Errorf("second run over the same data changed something: %+v", again)
	}

	// The person who was not enrolled gets a membership paid by the city.
	var nik string
	for _, p := range ds.Planted {
		if p.Kind == feedsim.PlantRosterNotEnrolled {
			nik = p.NIK
		}
	}
	var entry coverage.RosterEntry
	for _, r := range ds.Roster {
		if r.NIK == nik {
			entry = r
		}
	}
	fix := coverage.Participant{KPJ: "24999999999", NIK: nik, Name: entry.Name, BirthDate: "1980-01-01", Gender: coverage.GenderMale,
		Segment: coverage.SegmentBPU, Occupation: "KADER", Programs: []coverage.Program{coverage.ProgramJKK, coverage.ProgramJKM},
		PayerType: coverage.PayerAPBD, Status: coverage.StatusActive, RegisteredAt: entry.FundedFrom.First(),
		CoverageStart: entry.FundedFrom.First(), KelurahanCode: entry.KelurahanCode, DeclaredIncome: 1_000_000, UpdatedAt: ds.AsOf}
	if _, err := s.Apply(ctx, coverage.FeedParticipants, []store.Record{{Key: fix.KPJ, Value: &fix}}); err != nil {
		t.Fatal(err)
	}
	third, err := svc.Reconcile(ctx, "test")
	if err != nil {
		t.Fatal(err)
	}
	if third.Findings.Resolved != 1 || !third.NewVersion || third.RollupVersion != 2 {
		t.Errorf("after enrolling the missing person: %+v", third)
	}
	gone := allDiscrepancies(t, s, coverage.DiscrepancyFilter{Kinds: []coverage.DiscrepancyKind{coverage.KindRosterNotEnrolled}})
	if len(gone) != 1 || gone[0].Status != coverage.StatusResolved || !gone[0].AutoResolved {
		t.Errorf("ROSTER_NOT_ENROLLED after the fix: %+v", gone)
	}

	// Another process serves the same version after a refresh.
	replica := &analytics.Service{Store: s, Areas: coverage.Cilegon()}
	if err := replica.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if r := replica.Snapshot().Rollup; r.Version != 2 || r.Hash != svc.Snapshot().Rollup.Hash {
		t.Errorf("replica serves version %d", r.Version)
	}
	a, _, err := svc.Coverage(reconcile.Filter{AreaCode: "367201"}, []reconcile.Dimension{reconcile.DimCategory}, reconcile.GranularityYear)
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := replica.Coverage(reconcile.Filter{AreaCode: "367201"}, []reconcile.Dimension{reconcile.DimCategory}, reconcile.GranularityYear)
	if err != nil || !reflect.DeepEqual(a, b) {
		t.Errorf("replica answers differently: %v", err)
	}
	runs, err := s.ReconcileRuns(ctx, 10)
	if err != nil || len(runs) != 3 || !slices.ContainsFunc(runs, func(r coverage.ReconcileRun) bool { return r.ID == third.ID }) {
		t.Errorf("runs: %+v %v", runs, err)
	}
}
