package worker

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/store"
	"github.com/cilegon/jamsostek/worker/rosterfile"
)

// RosterStore is what a roster import needs of the database.
type RosterStore interface {
	Apply(ctx context.Context, feed coverage.Feed, recs []store.Record) (coverage.SyncCounts, error)
	RosterByKeys(ctx context.Context, keys []string) (map[string]coverage.RosterEntry, error)
}

var _ RosterStore = (*store.Store)(nil)

// RosterImporter writes roster spreadsheets (CSV, XLSX) to the store with the
// roster feed's validation and write path.
type RosterImporter struct {
	Store  RosterStore
	Areas  *coverage.Areas
	Logger *slog.Logger
	Now    func() time.Time // default time.Now
}

// importBatch is the number of rows written per Apply.
const importBatch = 1000

// ImportRoster reads one file and writes its valid rows. A row counts as
// updated at the import; a row equal to the stored entry but for its
// updated_at is left alone, so importing the same file again changes nothing.
// Invalid rows are reported, never written; the file as a whole is refused
// (EINVALID) only when it cannot be read as a roster.
func (ri *RosterImporter) ImportRoster(ctx context.Context, fileName string, r io.Reader) (coverage.RosterImport, error) {
	now := time.Now
	if ri.Now != nil {
		now = ri.Now
	}
	out := coverage.RosterImport{FileName: fileName}
	res, err := rosterfile.Read(r, fileName, ri.Areas, now().UTC().Truncate(time.Second)) // stored times keep milliseconds at most
	if err != nil {
		return out, err
	}
	out.Rows, out.Valid, out.Rejected = res.Rows, len(res.Entries), res.Rows-len(res.Entries)
	for _, e := range res.Errors {
		out.Errors = append(out.Errors, coverage.RowError{Row: e.Row, Column: e.Column, Value: e.Value, Reason: e.Reason})
	}
	for lo := 0; lo < len(res.Entries); lo += importBatch {
		batch := res.Entries[lo:min(lo+importBatch, len(res.Entries))]
		keys := make([]string, len(batch))
		for i := range batch {
			keys[i] = batch[i].Key()
		}
		stored, err := ri.Store.RosterByKeys(ctx, keys)
		if err != nil {
			return out, err
		}
		recs := make([]store.Record, len(batch))
		for i := range batch {
			e := &batch[i]
			if old, ok := stored[e.Key()]; ok && sameButTime(old, *e) {
				e.UpdatedAt = old.UpdatedAt
			}
			recs[i] = store.Record{Key: e.Key(), Value: e, UpdatedAt: e.UpdatedAt}
		}
		counts, err := ri.Store.Apply(ctx, coverage.FeedRoster, recs)
		if err != nil {
			return out, fmt.Errorf("import %s: rows written before the failure stay; import the file again to finish: %w", fileName, err)
		}
		out.Counts.Add(counts)
	}
	ri.logger().Info("roster imported", "file", fileName, "rows", out.Rows, "valid", out.Valid, "rejected", out.Rejected,
		"inserted", out.Counts.Inserted, "updated", out.Counts.Updated, "unchanged", out.Counts.Unchanged)
	return out, nil
}

func sameButTime(a, b coverage.RosterEntry) bool {
	a.UpdatedAt, b.UpdatedAt = time.Time{}, time.Time{}
	return a == b
}

func (ri *RosterImporter) logger() *slog.Logger {
	if ri.Logger == nil {
		return slog.Default()
	}
	return ri.Logger
}
