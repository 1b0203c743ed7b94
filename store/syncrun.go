package store

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/cilegon/jamsostek/coverage"
)

// SyncRun returns one sync run, or ENOTFOUND.
func (s *Store) SyncRun(ctx context.Context, id string) (*coverage.SyncRun, error) {
	var d runDoc
	err := s.db.Collection(colSyncRuns).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, coverage.Errorf(coverage.ENOTFOUND, "no sync run %q", id)
	}
	if err != nil {
		return nil, fmt.Errorf("read sync run: %w", err)
	}
	r := d.run()
	return &r, nil
}
