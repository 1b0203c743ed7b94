package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/feedsim"
	"github.com/cilegon/jamsostek/store"
	"github.com/cilegon/jamsostek/store/storetest"
)

// Records encoded ahead (store.Encode, as a sync does for the next page) are
// written as Apply would have written them: the same content hash, so either
// form of the same records is unchanged over the other, and a changed one is
// replaced.
func TestEncodeAhead(t *testing.T) {
	ctx := context.Background()
	ds, err := feedsim.Generate(feedsim.Config{Seed: 1, Scale: 0.005})
	if err != nil {
		t.Fatal(err)
	}
	s := storetest.Open(t)
	recs := func(n int) []store.Record {
		var out []store.Record
		for i := range ds.Participants[:n] {
			p := ds.Participants[i]
			out = append(out, store.Record{Key: p.KPJ, Value: &p, UpdatedAt: p.UpdatedAt})
		}
		return out
	}
	n := min(50, len(ds.Participants))
	ahead := recs(n)
	store.Encode(ahead, time.Now().UTC())
	c, err := s.Apply(ctx, coverage.FeedParticipants, ahead)
	if err != nil || c.Inserted != int64(n) {
		t.Fatalf("first write of encoded records: %+v, %v", c, err)
	}
	c, err = s.Apply(ctx, coverage.FeedParticipants, recs(n))
	if err != nil || c.Unchanged != int64(n) {
		t.Fatalf("the same records, not encoded ahead: %+v, %v (want all unchanged)", c, err)
	}
	changed := recs(n)
	p := *changed[0].Value.(*coverage.Participant)
	p.DeclaredIncome++
	p.UpdatedAt = p.UpdatedAt.Add(time.Hour)
	changed[0].Value, changed[0].UpdatedAt = &p, p.UpdatedAt
	store.Encode(changed, time.Now().UTC())
	c, err = s.Apply(ctx, coverage.FeedParticipants, changed)
	if err != nil || c.Updated != 1 || c.Unchanged != int64(n-1) {
		t.Fatalf("one record changed, encoded ahead: %+v, %v", c, err)
	}
	got, err := s.Participant(ctx, p.KPJ)
	if err != nil || got.DeclaredIncome != p.DeclaredIncome {
		t.Fatalf("stored after the change: %+v, %v", got, err)
	}
}
