package store

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/cilegon/jamsostek/coverage"
)

// RosterByKeys returns the stored roster entries of the keys (NIK:category)
// that exist.
func (s *Store) RosterByKeys(ctx context.Context, keys []string) (map[string]coverage.RosterEntry, error) {
	out := make(map[string]coverage.RosterEntry, len(keys))
	col := s.db.Collection(colRoster)
	if !s.idLookups {
		for len(keys) > 0 {
			n := min(len(keys), 1000)
			cur, err := col.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: keys[:n]}}}})
			if err != nil {
				return nil, fmt.Errorf("find roster entries: %w", err)
			}
			var docs []coverage.RosterEntry
			if err := cur.All(ctx, &docs); err != nil {
				return nil, fmt.Errorf("read roster entries: %w", err)
			}
			for _, d := range docs {
				out[d.Key()] = d
			}
			keys = keys[n:]
		}
		return out, nil
	}
	for _, k := range keys {
		var e coverage.RosterEntry
		err := col.FindOne(ctx, bson.D{{Key: "_id", Value: k}}).Decode(&e)
		if errors.Is(err, mongo.ErrNoDocuments) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("find roster entry: %w", err) // never the key: NIK:CATEGORY
		}
		out[k] = e
	}
	return out, nil
}
