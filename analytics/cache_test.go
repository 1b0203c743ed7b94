package analytics_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/analytics"
	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/coverage/reconcile"
	"github.com/cilegon/jamsostek/feedsim"
	"github.com/cilegon/jamsostek/store"
	"github.com/cilegon/jamsostek/store/storetest"
)

func simulatedCity(t *testing.T) (*store.Store, *feedsim.Dataset) {
	t.Helper()
	s := storetest.Open(t)
	ds, err := feedsim.Generate(feedsim.Config{Seed: 3, Scale: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	storetest.Load(t, s, ds)
	return s, ds
}

// TestGenerations: the snapshot's generation changes exactly when what it
// serves does; the findings' with each pass, this process's or another's.
func TestGenerations(t *testing.T) {
	ctx := context.Background()
	s, ds := simulatedCity(t)
	svc := &analytics.Service{Store: s, Areas: coverage.Cilegon(), Now: func() time.Time { return ds.AsOf }}
	if g, f := svc.Generations(); g != 0 || f != 0 {
		t.Errorf("before any pass: %d %d", g, f)
	}
	if _, err := svc.Reconcile(ctx, "test"); err != nil {
		t.Fatal(err)
	}
	g1, f1 := svc.Generations()
	snap := svc.Snapshot()
	if g1 == 0 || f1 == 0 || snap.Generation != g1 {
		t.Fatalf("after a pass: %d %d (snapshot %d)", g1, f1, snap.Generation)
	}

	// The same content loaded again: nothing changes.
	if err := svc.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if g, f := svc.Generations(); g != g1 || f != f1 || svc.Snapshot() != snap {
		t.Errorf("after an identical refresh: %d %d, want %d %d", g, f, g1, f1)
	}
	// A pass over unchanged data: the same snapshot, findings passed again.
	run, err := svc.Reconcile(ctx, "test")
	if err != nil || run.NewVersion {
		t.Fatalf("second pass: %+v %v", run, err)
	}
	g2, f2 := svc.Generations()
	if g2 != g1 || f2 == f1 || svc.Snapshot() != snap {
		t.Errorf("after a pass changing nothing: %d %d, was %d %d", g2, f2, g1, f1)
	}

	// A declared figure, a workforce target: a new snapshot each.
	if _, err := svc.SetDeclaredTotal(ctx, coverage.DeclaredTotal{Metric: coverage.MetricCityFundedWorkers, Year: 2024, Value: 170, Source: "test"}); err != nil {
		t.Fatal(err)
	}
	g3, _ := svc.Generations()
	if g3 == g2 {
		t.Errorf("a declared figure kept generation %d", g3)
	}
	if _, err := svc.SetWorkforceTarget(ctx, coverage.WorkforceTarget{Year: 2024, AreaCode: "3672", Workforce: 123_456, Basis: "UCJ_TARGET", Source: "test"}, "admin"); err != nil {
		t.Fatal(err)
	}
	g4, f4 := svc.Generations()
	if g4 == g3 {
		t.Errorf("a workforce target kept generation %d", g4)
	}

	// Another process's pass over changed data: a refresh loads its version
	// and sees its run.
	p := ds.Participants[0]
	p.Status, p.UpdatedAt = "TERMINATED", p.UpdatedAt.Add(time.Hour)
	if _, err := s.Apply(ctx, coverage.FeedParticipants, []store.Record{{Key: p.Key(), Value: &p}}); err != nil {
		t.Fatal(err)
	}
	replica := &analytics.Service{Store: s, Areas: coverage.Cilegon(), Now: func() time.Time { return ds.AsOf }}
	if run, err := replica.Reconcile(ctx, "test"); err != nil || !run.NewVersion {
		t.Fatalf("replica's pass: %+v %v", run, err)
	}
	if g, f := svc.Generations(); g != g4 || f != f4 {
		t.Errorf("before the refresh: %d %d, want %d %d", g, f, g4, f4)
	}
	if err := svc.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if g, f := svc.Generations(); g == g4 || f == f4 {
		t.Errorf("after loading another process's version: %d %d, was %d %d", g, f, g4, f4)
	}
}

// TestAnswerCache: one question written in different ways is answered once
// per rollup version, with the rollup's own answer; the cache is bounded.
func TestAnswerCache(t *testing.T) {
	ctx := context.Background()
	s, ds := simulatedCity(t)
	svc := &analytics.Service{Store: s, Areas: coverage.Cilegon(), Now: func() time.Time { return ds.AsOf }}
	if _, err := svc.Reconcile(ctx, "test"); err != nil {
		t.Fatal(err)
	}
	r := svc.Snapshot().Rollup
	ask := func(f reconcile.Filter, by []reconcile.Dimension, g reconcile.Granularity) reconcile.Answer {
		t.Helper()
		ans, got, err := svc.Coverage(f, by, g)
		if err != nil || got != svc.Snapshot().Rollup {
			t.Fatalf("coverage %+v: %v", f, err)
		}
		want, err := got.Query(f, by, g)
		if err != nil || !reflect.DeepEqual(ans, want) {
			t.Fatalf("coverage %+v %v %s: the cache's answer is not the rollup's", f, by, g)
		}
		return ans
	}
	one := ask(reconcile.Filter{From: "2024-01", Categories: []coverage.Category{"NELAYAN", "KADER"}},
		[]reconcile.Dimension{reconcile.DimKecamatan, reconcile.DimGender}, reconcile.GranularityQuarter)
	if n := svc.AnswersKept(); n != 1 {
		t.Fatalf("%d answers kept, want 1", n)
	}
	same := ask(reconcile.Filter{From: "2024-01", To: r.To, Categories: []coverage.Category{"KADER", "NELAYAN", "KADER"}},
		[]reconcile.Dimension{reconcile.DimGender, reconcile.DimKecamatan, reconcile.DimGender}, reconcile.GranularityQuarter)
	if n := svc.AnswersKept(); n != 1 || !reflect.DeepEqual(one, same) {
		t.Errorf("the same question written otherwise: %d answers kept", n)
	}
	ask(reconcile.Filter{Categories: []coverage.Category{}}, nil, "") // matches nothing: not all
	ask(reconcile.Filter{}, nil, "")
	if n := svc.AnswersKept(); n != 3 {
		t.Errorf("%d answers kept, want 3", n)
	}
	u1, _, err := svc.UniversalCoverage(2024, "")
	if err != nil {
		t.Fatal(err)
	}
	u2, _, _ := svc.UniversalCoverage(2024, "3672")
	if n := svc.AnswersKept(); n != 4 || !reflect.DeepEqual(u1, u2) {
		t.Errorf("UCJ of the city, written two ways: %d answers kept", n)
	}
	// A declared list is a copy: filtering it does not change the next.
	d1, _ := svc.DeclaredTotals(0)
	if len(d1) > 0 {
		d1[0].Value = -1
	}
	if d2, _ := svc.DeclaredTotals(0); len(d2) > 0 && d2[0].Value == -1 {
		t.Error("a declared list is shared")
	}

	// A bound of a few rows keeps few answers.
	small := &analytics.Service{Store: s, Areas: coverage.Cilegon(), Now: func() time.Time { return ds.AsOf }, AnswerCacheBytes: 4 << 10}
	if err := small.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	for _, g := range []reconcile.Granularity{"", reconcile.GranularityMonth, reconcile.GranularityQuarter, reconcile.GranularityYear} {
		for _, by := range reconcile.Dimensions {
			if _, _, err := small.Coverage(reconcile.Filter{}, []reconcile.Dimension{by}, g); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n := small.AnswersKept(); n > 8 {
		t.Errorf("%d answers kept within 4 KiB", n)
	}
}

// BenchmarkCoverageAnswer: the whole-city question over a simulated
// city, from the answer cache and computed each time.
func BenchmarkCoverageAnswer(b *testing.B) {
	ctx := context.Background()
	s := storetest.Open(b)
	ds, err := feedsim.Generate(feedsim.Config{Seed: 1, Scale: 0.05})
	if err != nil {
		b.Fatal(err)
	}
	storetest.Load(b, s, ds)
	for _, c := range []struct {
		name  string
		bytes int64
	}{{"cached", 0}, {"computed", -1}} {
		svc := &analytics.Service{Store: s, Areas: coverage.Cilegon(), AnswerCacheBytes: c.bytes}
		if _, err := svc.Reconcile(ctx, "bench"); err != nil {
			b.Fatal(err)
		}
		f := reconcile.Filter{From: "2024-01"}
		by := []reconcile.Dimension{reconcile.DimKecamatan}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := svc.Coverage(f, by, reconcile.GranularityQuarter); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
