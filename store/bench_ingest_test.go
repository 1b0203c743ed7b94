package store_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/feedsim"
	"github.com/cilegon/jamsostek/store"
	"github.com/cilegon/jamsostek/store/storetest"
)

// ingestPage is the page size of the ingest benchmarks (the worker's default).
const ingestPage = 500

// contributionPages returns a function giving the i-th page of new
// contributions: simulated ones (feedsim), their ids made unique per page.
func contributionPages(b *testing.B) func(i int) []store.Record {
	ds, err := feedsim.Generate(feedsim.Config{Seed: 1, Scale: 0.01})
	if err != nil {
		b.Fatal(err)
	}
	tmpl := ds.Contributions[:ingestPage]
	return func(i int) []store.Record {
		recs := make([]store.Record, len(tmpl))
		for j := range tmpl {
			c := tmpl[j]
			c.ID += "-" + strconv.Itoa(i)
			recs[j] = store.Record{Key: c.ID, Value: &c, UpdatedAt: c.UpdatedAt}
		}
		return recs
	}
}

// BenchmarkIngest measures the writes of a first sync, a page of 500
// simulated contributions at a time: Apply of a new page (first), Apply of a
// page already stored (unchanged: writes nothing), and the engine's own
// InsertMany of the same documents (encoding not timed), the baseline of
// `jamsostek bench`'s ingest figure.
func BenchmarkIngest(b *testing.B) {
	ctx := context.Background()
	page := contributionPages(b)
	b.Run("apply-first", func(b *testing.B) {
		s := storetest.Open(b)
		for i := 0; b.Loop(); i++ {
			c, err := s.Apply(ctx, coverage.FeedContributions, page(i))
			if err != nil || c.Inserted != ingestPage {
				b.Fatal(c, err)
			}
		}
		b.ReportMetric(float64(b.N*ingestPage)/b.Elapsed().Seconds(), "records/s")
	})
	b.Run("apply-unchanged", func(b *testing.B) {
		s := storetest.Open(b)
		recs := page(0)
		if _, err := s.Apply(ctx, coverage.FeedContributions, recs); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			c, err := s.Apply(ctx, coverage.FeedContributions, recs)
			if err != nil || c.Unchanged != ingestPage {
				b.Fatal(c, err)
			}
		}
		b.ReportMetric(float64(b.N*ingestPage)/b.Elapsed().Seconds(), "records/s")
	})
	b.Run("insertmany", func(b *testing.B) {
		s := storetest.Open(b)
		now := time.Now().UTC()
		for i := 0; b.Loop(); i++ {
			b.StopTimer()
			docs, err := store.Documents(page(i), now)
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			if err := s.InsertDocuments(ctx, coverage.FeedContributions, docs); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N*ingestPage)/b.Elapsed().Seconds(), "records/s")
	})
}
