package storetest

import (
	"context"
	"testing"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/feedsim"
	"github.com/cilegon/jamsostek/store"
)

// Load writes the live records of a simulated city into the store, as a
// fault-free sync would, without the HTTP round trips.
func Load(tb testing.TB, s *store.Store, ds *feedsim.Dataset) {
	tb.Helper()
	ctx := context.Background()
	put := func(feed coverage.Feed, n int, rec func(i int) store.Record) {
		var recs []store.Record
		for i := range n {
			recs = append(recs, rec(i))
			if len(recs) == 1000 || i == n-1 {
				if _, err := s.Apply(ctx, feed, recs); err != nil {
					tb.Fatal(err)
				}
				recs = recs[:0]
			}
		}
	}
	put(coverage.FeedWorkforce, len(ds.Workforce), func(i int) store.Record {
		return store.Record{Key: ds.Workforce[i].Key(), Value: &ds.Workforce[i]}
	})
	put(coverage.FeedRoster, len(ds.Roster), func(i int) store.Record {
		return store.Record{Key: ds.Roster[i].Key(), Value: &ds.Roster[i]}
	})
	put(coverage.FeedParticipants, len(ds.Participants), func(i int) store.Record {
		return store.Record{Key: ds.Participants[i].Key(), Value: &ds.Participants[i]}
	})
	put(coverage.FeedContributions, len(ds.Contributions), func(i int) store.Record {
		return store.Record{Key: ds.Contributions[i].Key(), Value: &ds.Contributions[i]}
	})
	put(coverage.FeedClaims, len(ds.Claims), func(i int) store.Record {
		return store.Record{Key: ds.Claims[i].Key(), Value: &ds.Claims[i]}
	})
}
