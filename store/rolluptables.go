package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/cilegon/jamsostek/coverage/reconcile"
)

// A rollup version's claim experience and plan (reconcile's experience.go)
// are stored beside its cells in `rollup_chunks`, as one JSON document cut
// into pieces of at most tablePiece bytes (_id "<version>-t<n>"), written
// before the version document like the cells. JSON: the tables are small
// (a city's are some hundred kilobytes) and read once per version.
const tablePiece = 4 << 20

// tablesDoc is what the pieces hold, joined.
type tablesDoc struct {
	Experience []reconcile.ExperienceRow `json:"experience"`
	Plan       []reconcile.PlanLine      `json:"plan"`
}

func tableChunkID(version, n int64) string { return fmt.Sprintf("v%012d-t%06d", version, n) }

// writeTables writes r's tables and returns how many pieces it wrote.
func writeTables(ctx context.Context, chunks *mongo.Collection, version int64, r *reconcile.Rollup) (int64, error) {
	if len(r.Experience) == 0 && len(r.Plan) == 0 {
		return 0, nil
	}
	b, err := json.Marshal(tablesDoc{Experience: r.Experience, Plan: r.Plan})
	if err != nil {
		return 0, fmt.Errorf("encode rollup tables: %w", err)
	}
	n := int64(0)
	for len(b) > 0 {
		piece := b[:min(len(b), tablePiece)]
		b = b[len(piece):]
		doc := chunkDoc{ID: tableChunkID(version, n), Version: version, Format: tableFormat, Bin: piece}
		if _, err := chunks.ReplaceOne(ctx, bson.D{{Key: "_id", Value: doc.ID}}, doc, options.Replace().SetUpsert(true)); err != nil {
			return 0, fmt.Errorf("write rollup tables: %w", err)
		}
		n++
	}
	return n, nil
}

// tableFormat marks a piece of the tables.
const tableFormat = 100

// readTables reads a version's tables into r (none for a version written
// before them).
func (s *Store) readTables(ctx context.Context, d *rollupDoc, r *reconcile.Rollup) error {
	r.PlanYear = d.PlanYear // also when the tables are empty (a city with no roster and no member)
	if d.Tables == 0 {
		return nil
	}
	var buf bytes.Buffer
	for n := int64(0); n < d.Tables; n++ {
		var c chunkDoc
		if err := s.db.Collection(colRollupChunks).FindOne(ctx, bson.D{{Key: "_id", Value: tableChunkID(d.Version, n)}}).Decode(&c); err != nil {
			return fmt.Errorf("read rollup %d tables piece %d: %w", d.Version, n, err)
		}
		if c.Format != tableFormat {
			return fmt.Errorf("read rollup %d tables piece %d: format %d, want %d", d.Version, n, c.Format, tableFormat)
		}
		buf.Write(c.Bin)
	}
	var t tablesDoc
	if err := json.Unmarshal(buf.Bytes(), &t); err != nil {
		return fmt.Errorf("read rollup %d tables: %w", d.Version, err)
	}
	r.Experience, r.Plan = t.Experience, t.Plan
	return nil
}
