package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/cilegon/jamsostek/coverage"
)

// QuarantineCounts returns the number of quarantine entries of each feed
// (every distinct rejected record kept, corrected or not: what the
// quarantine holds, not what is still to fix; CurrentQuarantine is that).
// One count per feed: cheap enough for a metric refreshed every few
// seconds.
func (s *Store) QuarantineCounts(ctx context.Context) (map[coverage.Feed]int64, error) {
	out := make(map[coverage.Feed]int64, len(coverage.Feeds))
	for _, f := range coverage.Feeds {
		n, err := s.db.Collection(colQuarantine).CountDocuments(ctx, bson.D{{Key: "feed", Value: string(f)}})
		if err != nil {
			return nil, fmt.Errorf("count quarantine of %s: %w", f, err)
		}
		out[f] = n
	}
	return out, nil
}

// CurrentQuarantine returns the records of a feed its syncs rejected and
// that are still rejected, sorted by id. The quarantine keeps every distinct
// rejected record as received, for good (a repeated one is one entry); what
// is current is what an officer still has to fix at the source:
//
//   - of the entries of one record (the same key, sent several times with
//     different content, each rejected), only the newest (the record's own
//     updated_at, else when it was first received);
//   - none when the feed has since delivered a valid version of that record
//     at least as new (stored under the key with an updated_at not before the
//     rejected one's): the source corrected it;
//   - an entry whose key could not be read (no NIK or category) cannot be
//     matched with a correction and stays current.
func (s *Store) CurrentQuarantine(ctx context.Context, feed coverage.Feed) ([]coverage.Quarantined, error) {
	col, ok := feedCollection[feed]
	if !ok {
		return nil, coverage.Errorf(coverage.EINVALID, "unknown feed %q", feed)
	}
	cur, err := s.db.Collection(colQuarantine).Find(ctx, bson.D{{Key: "feed", Value: string(feed)}})
	if err != nil {
		return nil, fmt.Errorf("read quarantine of %s: %w", feed, err)
	}
	var docs []quarantineDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("read quarantine of %s: %w", feed, err)
	}
	type entry struct {
		q  coverage.Quarantined
		at time.Time // the record's updated_at, else first seen
	}
	newest := map[string]entry{}
	var out []coverage.Quarantined
	for _, d := range docs {
		q := d.quarantined()
		e := entry{q, q.ReceivedAt}
		var raw struct {
			UpdatedAt time.Time `json:"updated_at"`
		}
		if json.Unmarshal([]byte(q.Raw), &raw) == nil && !raw.UpdatedAt.IsZero() {
			e.at = raw.UpdatedAt
		}
		if q.Key == "" {
			out = append(out, q)
			continue
		}
		if old, ok := newest[q.Key]; !ok || e.at.After(old.at) || e.at.Equal(old.at) && q.ID > old.q.ID {
			newest[q.Key] = e
		}
	}
	keys := make([]string, 0, len(newest))
	for k := range newest {
		keys = append(keys, k)
	}
	stored := map[string]storedVersion{}
	for chunk := range slices.Chunk(keys, 1000) {
		m, err := s.hashes(ctx, s.db.Collection(col), chunk)
		if err != nil {
			return nil, fmt.Errorf("read %s records of the quarantine: %w", feed, err)
		}
		for k, v := range m {
			stored[k] = v
		}
	}
	for k, e := range newest {
		if st, ok := stored[k]; ok && !st.updatedAt.Before(e.at) {
			continue // corrected at the source
		}
		out = append(out, e.q)
	}
	slices.SortFunc(out, func(a, b coverage.Quarantined) int {
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	return out, nil
}
