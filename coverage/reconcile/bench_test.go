package reconcile_test

import (
	"testing"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/coverage/reconcile"
	"github.com/cilegon/jamsostek/feedsim"
)

// BenchmarkReconcile runs the engine over a simulated city at scale 0.1 (about
// 82,000 records); records/s is reported.
func BenchmarkReconcile(b *testing.B) {
	ds, err := feedsim.Generate(feedsim.Config{Seed: 1, Scale: 0.1})
	if err != nil {
		b.Fatal(err)
	}
	n := len(ds.Roster) + len(ds.Participants) + len(ds.Contributions) + len(ds.Claims)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := reconcile.Run(reconcile.Config{Areas: coverage.Cilegon(), AsOf: ds.AsOf}, streams(ds)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkCoverageQuery answers a grouped coverage query from the cells of a
// scale-0.1 city, as the API does from memory.
func BenchmarkCoverageQuery(b *testing.B) {
	ds, err := feedsim.Generate(feedsim.Config{Seed: 1, Scale: 0.1})
	if err != nil {
		b.Fatal(err)
	}
	res, err := reconcile.Run(reconcile.Config{Areas: coverage.Cilegon(), AsOf: ds.AsOf}, streams(ds))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(len(res.Rollup.Cells)), "cells")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := res.Rollup.Query(reconcile.Filter{From: "2024-01"}, []reconcile.Dimension{reconcile.DimKecamatan, reconcile.DimCategory}, reconcile.GranularityQuarter); err != nil {
			b.Fatal(err)
		}
	}
}
