package reconcile_test

import (
	"cmp"
	"iter"
	"slices"
	"testing"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/coverage/reconcile"
	"github.com/cilegon/jamsostek/coverage/reconcile/synth"
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
	sortByNIK(ds) // once: the loop measures the engine, not the sort
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := reconcile.Run(reconcile.Config{Areas: coverage.Cilegon(), AsOf: ds.AsOf}, inOrder(ds)); err != nil {
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

// BenchmarkEngineSynthetic runs the engine (Group, Add, Finish) over a
// synthetic city of 20,000 people already decoded (coverage/reconcile/synth,
// about 250,000 records): the engine's own cost, without decoding.
func BenchmarkEngineSynthetic(b *testing.B) {
	var c synth.Chunk
	synth.New(synth.Config{People: 20_000, Seed: 1}).Next(&c, 20_000)
	ds := &feedsim.Dataset{AsOf: synth.AsOf, Roster: c.Roster, Participants: c.Participants, Contributions: c.Contributions, Claims: c.Claims}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := reconcile.Run(reconcile.Config{Areas: coverage.Cilegon(), AsOf: synth.AsOf}, inOrder(ds)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(c.Records())*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// sortByNIK puts each record stream of ds in NIK order (stable).
func sortByNIK(ds *feedsim.Dataset) {
	slices.SortStableFunc(ds.Roster, func(a, b coverage.RosterEntry) int { return cmp.Compare(a.NIK, b.NIK) })
	slices.SortStableFunc(ds.Participants, func(a, b coverage.Participant) int { return cmp.Compare(a.NIK, b.NIK) })
	slices.SortStableFunc(ds.Contributions, func(a, b coverage.Contribution) int { return cmp.Compare(a.NIK, b.NIK) })
	slices.SortStableFunc(ds.Claims, func(a, b coverage.Claim) int { return cmp.Compare(a.NIK, b.NIK) })
}

// inOrder streams the records of ds as they are (already in NIK order).
func inOrder(ds *feedsim.Dataset) reconcile.Streams {
	return reconcile.Streams{Roster: each(ds.Roster), Participants: each(ds.Participants),
		Contributions: each(ds.Contributions), Claims: each(ds.Claims)}
}

func each[T any](xs []T) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for _, x := range xs {
			if !yield(x, nil) {
				return
			}
		}
	}
}
