package store_test

import (
	"context"
	"testing"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/store"
	"github.com/cilegon/jamsostek/store/storetest"
)

// BenchmarkApply measures one page of 500 participants: new (inserts), the same
// page again (unchanged: reads hashes only) and every record changed (replaces).
func BenchmarkApply(b *testing.B) {
	ctx := context.Background()
	s := storetest.Open(b)
	page := func(base int, payer coverage.PayerType) []store.Record {
		ps := make([]*coverage.Participant, 500)
		for i := range ps {
			ps[i] = participant(base+i, "3672011001", payer)
		}
		return records(ps...)
	}
	b.Run("insert", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if _, err := s.Apply(ctx, coverage.FeedParticipants, page(i*500, coverage.PayerSelf)); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N*500)/b.Elapsed().Seconds(), "records/s")
	})
	b.Run("unchanged", func(b *testing.B) {
		recs := page(0, coverage.PayerSelf)
		for b.Loop() {
			if _, err := s.Apply(ctx, coverage.FeedParticipants, recs); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N*500)/b.Elapsed().Seconds(), "records/s")
	})
	b.Run("changed", func(b *testing.B) {
		payers := []coverage.PayerType{coverage.PayerAPBD, coverage.PayerSelf}
		for i := 0; b.Loop(); i++ {
			if _, err := s.Apply(ctx, coverage.FeedParticipants, page(0, payers[i%2])); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N*500)/b.Elapsed().Seconds(), "records/s")
	})
}
