package store_test

import (
	"context"
	"log/slog"
	"os"
	"slices"
	"sync"
	"testing"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/feedsim"
	"github.com/cilegon/jamsostek/store"
	"github.com/cilegon/jamsostek/store/storetest"
)

// TestIndexInBackground: a store opened with IndexInBackground on a filled
// data directory takes writes while its record index loads (updates that
// move contributions to another period, tombstones, new records); once
// loaded, its lists hold exactly what the database holds, by key and by
// the indexed fields the filters read.
func TestIndexInBackground(t *testing.T) {
	if os.Getenv("MONGODB_URI") != "" {
		t.Skip("the record index is the embedded engine's")
	}
	ctx := context.Background()
	dir := t.TempDir()
	logger := slog.New(slog.DiscardHandler)
	ds, err := feedsim.Generate(feedsim.Config{Seed: 3, Scale: 0.02})
	if err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(ctx, store.Config{DataDir: dir, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	storetest.Load(t, s, ds)
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}

	s, err = store.Open(ctx, store.Config{DataDir: dir, Logger: logger, IndexInBackground: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)

	// While the index loads: every 7th contribution moves to 2031-01, every
	// 11th is deleted, and 50 new ones arrive in 2031-02, a page at a time.
	want := slices.Clone(ds.Contributions)
	var pages [][]store.Record
	var kept []coverage.Contribution
	for i := range want {
		c := &want[i]
		switch {
		case i%11 == 0:
			pages = append(pages, []store.Record{{Key: c.Key(), Deleted: true}})
			continue
		case i%7 == 0:
			c.Period = "2031-01"
			pages = append(pages, []store.Record{{Key: c.Key(), Value: c}})
		}
		kept = append(kept, *c)
	}
	for i := range 50 {
		c := ds.Contributions[i]
		c.ID, c.Period = c.ID+"-NEW", "2031-02"
		kept = append(kept, c)
		pages = append(pages, []store.Record{{Key: c.Key(), Value: &c}})
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for _, p := range pages {
			for i := range p {
				if p[i].Value != nil {
					v := *p[i].Value.(*coverage.Contribution)
					p[i].Value = &v
				}
			}
			if _, err := s.Apply(ctx, coverage.FeedContributions, p); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	wg.Wait()

	got := storetest.All(t, func(p coverage.PageRequest) (coverage.Page[coverage.Contribution], error) {
		return s.Contributions(ctx, coverage.ContributionFilter{}, p)
	})
	storetest.Same(t, "contributions", kept, got, func(x coverage.Contribution) string { return x.ID })
	for _, period := range []coverage.Period{"2031-01", "2031-02"} {
		var wantIn []coverage.Contribution
		for _, c := range kept {
			if c.Period == period {
				wantIn = append(wantIn, c)
			}
		}
		gotIn := storetest.All(t, func(p coverage.PageRequest) (coverage.Page[coverage.Contribution], error) {
			return s.Contributions(ctx, coverage.ContributionFilter{PeriodFrom: period, PeriodTo: period}, p)
		})
		storetest.Same(t, "contributions of "+string(period), wantIn, gotIn, func(x coverage.Contribution) string { return x.ID })
	}
}
