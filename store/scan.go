package store

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/cilegon/jamsostek/coverage"
)

// Streams in NIK order, for the reconciliation.
//
// On MongoDB each is a find sorted on the nik index: the server streams it in
// batches. The embedded FerretDB would sort a whole collection in memory and
// decode every document at about 100 µs (see accel.go), so there the rows are
// read from SQLite directly, in the order of the (nik, _id) expression index
// (createFieldIndexes), and decoded from FerretDB's storage format: a JSON
// object whose values are the BSON values of the document ("$s" holds the
// types; a BSON datetime is its milliseconds since the epoch). The format is
// FerretDB v1.24's; TestScanMatchesFind holds the two paths equal record for
// record, so an upgrade that changes it fails there first.

// ScanRoster streams the roster in NIK order.
func (s *Store) ScanRoster(ctx context.Context) iter.Seq2[coverage.RosterEntry, error] {
	return scan(ctx, s, colRoster, func(b []byte) (coverage.RosterEntry, error) {
		var v struct {
			coverage.RosterEntry
			UpdatedAt int64 `json:"updated_at"`
		}
		err := json.Unmarshal(b, &v)
		v.RosterEntry.UpdatedAt = fromMillis(v.UpdatedAt)
		return v.RosterEntry, err
	})
}

// ScanParticipants streams the participants in NIK order.
func (s *Store) ScanParticipants(ctx context.Context) iter.Seq2[coverage.Participant, error] {
	return scan(ctx, s, colParticipants, func(b []byte) (coverage.Participant, error) {
		var v struct {
			coverage.Participant
			UpdatedAt int64 `json:"updated_at"`
		}
		err := json.Unmarshal(b, &v)
		v.Participant.UpdatedAt = fromMillis(v.UpdatedAt)
		return v.Participant, err
	})
}

// ScanContributions streams the contributions in NIK order.
func (s *Store) ScanContributions(ctx context.Context) iter.Seq2[coverage.Contribution, error] {
	return scan(ctx, s, colContributions, func(b []byte) (coverage.Contribution, error) {
		var v struct {
			coverage.Contribution
			UpdatedAt int64 `json:"updated_at"`
		}
		err := json.Unmarshal(b, &v)
		v.Contribution.UpdatedAt = fromMillis(v.UpdatedAt)
		return v.Contribution, err
	})
}

// ScanClaims streams the claims in NIK order.
func (s *Store) ScanClaims(ctx context.Context) iter.Seq2[coverage.Claim, error] {
	return scan(ctx, s, colClaims, func(b []byte) (coverage.Claim, error) {
		var v struct {
			coverage.Claim
			UpdatedAt int64 `json:"updated_at"`
		}
		err := json.Unmarshal(b, &v)
		v.Claim.UpdatedAt = fromMillis(v.UpdatedAt)
		return v.Claim, err
	})
}

func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// scan streams a collection in NIK order.
func scan[T any](ctx context.Context, s *Store, col string, fromSJSON func([]byte) (T, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		if s.embedded != nil && s.embedded.reader != nil {
			if table, ok := s.embedded.tables[col]; ok {
				rows, err := s.embedded.reader.QueryContext(ctx, fmt.Sprintf(
					`SELECT _ferretdb_sjson FROM %q ORDER BY _ferretdb_sjson->'$.nik', _ferretdb_sjson->'$._id'`, table))
				if err != nil {
					yield(zero, fmt.Errorf("scan %s: %w", col, err))
					return
				}
				defer rows.Close()
				for rows.Next() {
					var b []byte
					if err := rows.Scan(&b); err != nil {
						yield(zero, fmt.Errorf("scan %s: %w", col, err))
						return
					}
					v, err := fromSJSON(b)
					if err != nil {
						yield(zero, fmt.Errorf("scan %s: decode: %w", col, err))
						return
					}
					if !yield(v, nil) {
						return
					}
				}
				if err := rows.Err(); err != nil {
					yield(zero, fmt.Errorf("scan %s: %w", col, err))
				}
				return
			}
		}
		opts := options.Find().SetSort(bson.D{{Key: "nik", Value: 1}}).SetBatchSize(1000)
		cur, err := s.db.Collection(col).Find(ctx, bson.D{}, opts)
		if err != nil {
			yield(zero, fmt.Errorf("scan %s: %w", col, err))
			return
		}
		defer cur.Close(context.WithoutCancel(ctx))
		for cur.Next(ctx) {
			var v T
			if err := cur.Decode(&v); err != nil {
				yield(zero, fmt.Errorf("scan %s: decode: %w", col, err))
				return
			}
			if !yield(v, nil) {
				return
			}
		}
		if err := cur.Err(); err != nil {
			yield(zero, fmt.Errorf("scan %s: %w", col, err))
		}
	}
}
