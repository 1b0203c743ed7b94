package store

import (
	"context"
	"iter"
	"time"

	"github.com/cilegon/jamsostek/coverage"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// TickClaims returns the ticks of a job's stored tick claims, for tests.
func (s *Store) TickClaims(ctx context.Context, job string) ([]time.Time, error) {
	cur, err := s.db.Collection(colLeaseClaims).Find(ctx, bson.D{{Key: "job", Value: job}})
	if err != nil {
		return nil, err
	}
	var docs []leaseClaimDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, err
	}
	var ticks []time.Time
	for _, d := range docs {
		if !d.Tick.IsZero() {
			ticks = append(ticks, d.Tick)
		}
	}
	return ticks, nil
}

// RosterImportErrorDocs counts the stored row-error chunks of an import, for
// tests.
func (s *Store) RosterImportErrorDocs(ctx context.Context, id string) (int64, error) {
	return s.db.Collection(colRosterImportErrors).CountDocuments(ctx, bson.D{{Key: "import", Value: id}})
}

// ScanParticipantsByFind is ScanParticipants through the driver's sorted
// find (MongoDB's path) on any engine, for tests.
func (s *Store) ScanParticipantsByFind(ctx context.Context) iter.Seq2[coverage.Participant, error] {
	return s.scanParticipants(ctx, false)
}

// RollupChunkIDs lists the ids of the stored rollup chunks (cells and
// tables), for tests.
func (s *Store) RollupChunkIDs(ctx context.Context) ([]string, error) {
	cur, err := s.db.Collection(colRollupChunks).Find(ctx, bson.D{})
	if err != nil {
		return nil, err
	}
	var docs []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return nil, err
	}
	ids := make([]string, len(docs))
	for i, d := range docs {
		ids[i] = d.ID
	}
	return ids, nil
}
