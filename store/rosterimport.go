package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/cilegon/jamsostek/coverage"
)

// Roster imports are all or nothing without a transaction (the embedded
// FerretDB has none): an import stages its valid rows in
// roster_import_rows, apart from the roster, under its id; then one
// single-document write moves it from STAGING to COMMITTING, its commit
// point; then the staged rows are written to the roster with the feed's
// idempotent Apply, chunk by chunk, recording progress. An import that
// stops before its commit point is marked FAILED and its staged rows
// deleted: nothing reached the roster. One that stops after it is resumed
// (worker.RosterImporter.Resume) from its last recorded chunk, re-applying
// at most one chunk, which changes nothing. The report (counts and row
// errors) is stored first and stays queryable whatever happens. Every
// status change is conditional on the status it leaves (STAGING to
// COMMITTING or FAILED, COMMITTING to COMMITTED), so that two processes
// never both move an import. The worker holds a lease per import
// (leases.go), checked before each write, so that a resume never runs
// beside a live import.
const (
	colRosterImports      = "roster_imports"       // one document per import: the report and the state
	colRosterImportRows   = "roster_import_rows"   // the staged valid rows, RosterImportChunk to a document
	colRosterImportErrors = "roster_import_errors" // the report's row errors, RosterImportChunk to a document
)

// RosterImportChunk is the number of rows, or row errors, stored per
// document: 1,000 rows of at most a few KB each stay far below MongoDB's 16
// MB document limit.
const RosterImportChunk = 1000

func init() {
	// Created at start like the record collections, so that the embedded
	// engine indexes their _id (fixIDIndexes) and no lookup scans.
	indexes[colRosterImports] = []bson.D{indexOn("pending", "_id")}
	indexes[colRosterImportRows] = nil
	indexes[colRosterImportErrors] = nil
}

// RosterImportState is a stored roster import: its report and how far it
// went.
type RosterImportState struct {
	coverage.RosterImport
	Owner   string // the process that began it
	Chunks  int    // staged chunks of valid rows (set at the commit point)
	Applied int    // chunks written to the roster
	// Pending is set until the import has finished and its staged rows are
	// deleted: Resume looks at these imports only.
	Pending bool
}

type rosterImportDoc struct {
	ID          string    `bson:"_id"`
	FileName    string    `bson:"file_name"`
	Status      string    `bson:"status"`
	Owner       string    `bson:"owner"`
	StartedAt   time.Time `bson:"started_at"`
	CommittedAt time.Time `bson:"committed_at"`
	FinishedAt  time.Time `bson:"finished_at"`
	Failure     string    `bson:"failure"`
	Rows        int       `bson:"rows"`
	Valid       int       `bson:"valid"`
	Rejected    int       `bson:"rejected"`
	ErrorChunks int       `bson:"error_chunks"`
	Chunks      int       `bson:"chunks"`
	Applied     int       `bson:"applied"`
	Inserted    int64     `bson:"inserted"`
	Updated     int64     `bson:"updated"`
	Unchanged   int64     `bson:"unchanged"`
	Pending     bool      `bson:"pending"`
}

func (d rosterImportDoc) state() RosterImportState {
	return RosterImportState{
		RosterImport: coverage.RosterImport{
			ID: d.ID, FileName: d.FileName, Status: coverage.RosterImportStatus(d.Status),
			StartedAt: d.StartedAt, FinishedAt: d.FinishedAt, Failure: d.Failure,
			Rows: d.Rows, Valid: d.Valid, Rejected: d.Rejected,
			Counts: coverage.SyncCounts{Inserted: d.Inserted, Updated: d.Updated, Unchanged: d.Unchanged},
		},
		Owner: d.Owner, Chunks: d.Chunks, Applied: d.Applied, Pending: d.Pending,
	}
}

type rowErrorDoc struct {
	Row    int    `bson:"row"`
	Column string `bson:"column"`
	Value  string `bson:"value"`
	Reason string `bson:"reason"`
}

type rosterErrorsDoc struct {
	ID     string        `bson:"_id"`
	Import string        `bson:"import"`
	Errors []rowErrorDoc `bson:"errors"`
}

type rosterRowsDoc struct {
	ID      string                 `bson:"_id"`
	Import  string                 `bson:"import"`
	Entries []coverage.RosterEntry `bson:"entries"`
}

func importChunkID(importID, kind string, seq int) string {
	return fmt.Sprintf("%s/%s%06d", importID, kind, seq)
}

// NewRosterImportID returns a fresh import id; ids sort by their time.
func NewRosterImportID(at time.Time) string {
	var b [5]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("ri%012x%s", at.UnixMilli(), hex.EncodeToString(b[:]))
}

// CreateRosterImport stores a new import's report, STAGING and pending,
// with its row errors.
func (s *Store) CreateRosterImport(ctx context.Context, st RosterImportState) error {
	errs := st.Errors
	d := rosterImportDoc{
		ID: st.ID, FileName: st.FileName, Status: string(coverage.ImportStaging), Owner: st.Owner, StartedAt: st.StartedAt,
		Rows: st.Rows, Valid: st.Valid, Rejected: st.Rejected, ErrorChunks: (len(errs) + RosterImportChunk - 1) / RosterImportChunk, Pending: true,
	}
	// The import document first, then its row errors: row errors (NIKs,
	// names) are never stored without the import that owns them. An import
	// stopped in between has a report with fewer errors (rosterImportErrors
	// skips missing chunks), still owned and shown.
	if _, err := s.db.Collection(colRosterImports).InsertOne(ctx, d); err != nil {
		return fmt.Errorf("store roster import %s: %w", st.ID, err)
	}
	for seq := 0; seq < d.ErrorChunks; seq++ {
		part := errs[seq*RosterImportChunk : min((seq+1)*RosterImportChunk, len(errs))]
		doc := rosterErrorsDoc{ID: importChunkID(st.ID, "e", seq), Import: st.ID, Errors: make([]rowErrorDoc, len(part))}
		for i, e := range part {
			doc.Errors[i] = rowErrorDoc(e)
		}
		if _, err := s.db.Collection(colRosterImportErrors).ReplaceOne(ctx, bson.D{{Key: "_id", Value: doc.ID}}, doc, options.Replace().SetUpsert(true)); err != nil {
			return fmt.Errorf("store the row errors of roster import %s: %w", st.ID, err)
		}
	}
	return nil
}

// StageRosterImportRows saves chunk seq of an import's valid rows apart from
// the roster. Saving a chunk again replaces it.
func (s *Store) StageRosterImportRows(ctx context.Context, id string, seq int, entries []coverage.RosterEntry) error {
	doc := rosterRowsDoc{ID: importChunkID(id, "r", seq), Import: id, Entries: entries}
	if _, err := s.db.Collection(colRosterImportRows).ReplaceOne(ctx, bson.D{{Key: "_id", Value: doc.ID}}, doc, options.Replace().SetUpsert(true)); err != nil {
		return fmt.Errorf("stage rows of roster import %s: %w", id, err)
	}
	return nil
}

// CommitRosterImport is an import's commit point: STAGING becomes
// COMMITTING, with the number of staged chunks. It fails with ECONFLICT when
// the import is no longer STAGING (another process marked it FAILED).
func (s *Store) CommitRosterImport(ctx context.Context, id string, chunks int, at time.Time) error {
	res, err := s.db.Collection(colRosterImports).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "status", Value: string(coverage.ImportStaging)}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: string(coverage.ImportCommitting)}, {Key: "chunks", Value: chunks}, {Key: "committed_at", Value: at.UTC()}}}})
	if err != nil {
		return fmt.Errorf("commit roster import %s: %w", id, err)
	}
	if res.MatchedCount == 0 {
		return coverage.Errorf(coverage.ECONFLICT, "roster import %s is no longer staging: another process ended it", id)
	}
	return nil
}

// RosterImportRows reads chunk seq of an import's staged rows.
func (s *Store) RosterImportRows(ctx context.Context, id string, seq int) ([]coverage.RosterEntry, error) {
	var doc rosterRowsDoc
	err := s.db.Collection(colRosterImportRows).FindOne(ctx, bson.D{{Key: "_id", Value: importChunkID(id, "r", seq)}}).Decode(&doc)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, coverage.Errorf(coverage.EINTERNAL, "roster import %s: staged chunk %d is missing", id, seq)
	}
	if err != nil {
		return nil, fmt.Errorf("read staged rows of roster import %s: %w", id, err)
	}
	return doc.Entries, nil
}

// RosterImportProgress records that the first applied chunks are written to
// the roster, with the counts of their writes so far, and a note (why the
// import stopped, "" when it goes on).
func (s *Store) RosterImportProgress(ctx context.Context, id string, applied int, counts coverage.SyncCounts, note string) error {
	_, err := s.db.Collection(colRosterImports).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "applied", Value: applied}, {Key: "inserted", Value: counts.Inserted},
			{Key: "updated", Value: counts.Updated}, {Key: "unchanged", Value: counts.Unchanged}, {Key: "failure", Value: note}}}})
	if err != nil {
		return fmt.Errorf("record progress of roster import %s: %w", id, err)
	}
	return nil
}

// FinishRosterImport ends an import that is still in status from: STAGING
// to FAILED, COMMITTING to COMMITTED, each a conditional write that reports
// whether it applied (false: another process moved the import on first).
// Its staged rows are deleted (DeleteRosterImportRows) before a COMMITTED
// end, and after a FAILED one made by a process other than the import's
// own (which may still commit it); rowsLeft, while they are not, keeps it
// pending, for Resume to delete them. From a finished status to itself, it
// only sets pending to rowsLeft (the staged rows are gone).
func (s *Store) FinishRosterImport(ctx context.Context, id string, from, status coverage.RosterImportStatus, failure string, at time.Time, rowsLeft bool) (bool, error) {
	set := bson.D{{Key: "status", Value: string(status)}, {Key: "failure", Value: failure},
		{Key: "finished_at", Value: at.UTC()}, {Key: "pending", Value: rowsLeft}}
	switch {
	case from == coverage.ImportStaging && status == coverage.ImportFailed,
		from == coverage.ImportCommitting && status == coverage.ImportCommitted:
	case from == status && status.Finished():
		set = bson.D{{Key: "pending", Value: rowsLeft}}
	default:
		return false, fmt.Errorf("finish roster import %s: no transition from %s to %s", id, from, status)
	}
	res, err := s.db.Collection(colRosterImports).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "status", Value: string(from)}}, bson.D{{Key: "$set", Value: set}})
	if err != nil {
		return false, fmt.Errorf("finish roster import %s: %w", id, err)
	}
	return res.MatchedCount == 1, nil
}

// DeleteRosterImportRows deletes the staged rows of an import that is
// ending, up to chunk upTo (exclusive; at least every chunk it staged).
func (s *Store) DeleteRosterImportRows(ctx context.Context, id string, upTo int) error {
	col := s.db.Collection(colRosterImportRows)
	if s.idLookups {
		// One key at a time: the embedded engine scans for anything else.
		for seq := range upTo {
			if _, err := col.DeleteOne(ctx, bson.D{{Key: "_id", Value: importChunkID(id, "r", seq)}}); err != nil {
				return fmt.Errorf("delete staged rows of roster import %s: %w", id, err)
			}
		}
	} else if _, err := col.DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{
		{Key: "$gte", Value: importChunkID(id, "r", 0)}, {Key: "$lte", Value: id + "/r~"}}}}); err != nil {
		return fmt.Errorf("delete staged rows of roster import %s: %w", id, err)
	}
	return nil
}

// RosterImport returns a stored import with its row errors; ENOTFOUND when
// there is none.
func (s *Store) RosterImport(ctx context.Context, id string) (RosterImportState, error) {
	var d rosterImportDoc
	err := s.db.Collection(colRosterImports).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return RosterImportState{}, coverage.Errorf(coverage.ENOTFOUND, "roster import %q does not exist", coverage.Clip(id))
	}
	if err != nil {
		return RosterImportState{}, fmt.Errorf("read roster import %s: %w", id, err)
	}
	st := d.state()
	if st.Errors, err = s.rosterImportErrors(ctx, d); err != nil {
		return RosterImportState{}, err
	}
	return st, nil
}

func (s *Store) rosterImportErrors(ctx context.Context, d rosterImportDoc) ([]coverage.RowError, error) {
	var out []coverage.RowError
	for seq := range d.ErrorChunks {
		var doc rosterErrorsDoc
		err := s.db.Collection(colRosterImportErrors).FindOne(ctx, bson.D{{Key: "_id", Value: importChunkID(d.ID, "e", seq)}}).Decode(&doc)
		if errors.Is(err, mongo.ErrNoDocuments) {
			continue // an import stopped while its report was being stored
		}
		if err != nil {
			return nil, fmt.Errorf("read the row errors of roster import %s: %w", d.ID, err)
		}
		for _, e := range doc.Errors {
			out = append(out, coverage.RowError(e))
		}
	}
	return out, nil
}

// RosterImports returns the newest imports first, at most n, with their row
// errors.
func (s *Store) RosterImports(ctx context.Context, n int) ([]coverage.RosterImport, error) {
	cur, err := s.db.Collection(colRosterImports).Find(ctx, bson.D{},
		options.Find().SetSort(bson.D{{Key: "_id", Value: -1}}).SetLimit(int64(n)))
	if err != nil {
		return nil, fmt.Errorf("list roster imports: %w", err)
	}
	var docs []rosterImportDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("list roster imports: %w", err)
	}
	out := make([]coverage.RosterImport, len(docs))
	for i, d := range docs {
		out[i] = d.state().RosterImport
		if out[i].Errors, err = s.rosterImportErrors(ctx, d); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// PendingRosterImports returns the imports not finished or whose staged rows
// are not deleted yet, oldest first, without their row errors.
func (s *Store) PendingRosterImports(ctx context.Context) ([]RosterImportState, error) {
	cur, err := s.db.Collection(colRosterImports).Find(ctx, bson.D{{Key: "pending", Value: true}},
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("list pending roster imports: %w", err)
	}
	var docs []rosterImportDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("list pending roster imports: %w", err)
	}
	out := make([]RosterImportState, len(docs))
	for i, d := range docs {
		out[i] = d.state()
	}
	return out, nil
}

// ForgetRosterImportLease removes the lease of an import that has ended, and
// its claim, instead of releasing it: nothing runs the import again, and the
// leases collection does not keep one document per import ever made.
func (s *Store) ForgetRosterImportLease(ctx context.Context, l Lease) error {
	if _, err := s.db.Collection(colLeases).DeleteOne(ctx, bson.D{{Key: "_id", Value: l.Job}, {Key: "generation", Value: l.Generation}}); err != nil {
		return fmt.Errorf("remove lease %s: %w", l.Job, err)
	}
	if _, err := s.db.Collection(colLeaseClaims).DeleteOne(ctx, bson.D{{Key: "_id", Value: generationClaim(l.Job, l.Generation)}}); err != nil {
		return fmt.Errorf("remove lease claim of %s: %w", l.Job, err)
	}
	return nil
}

// PruneRosterImports removes the reports of the finished imports begun
// before the time (their ids are older: the (pending, _id) index finds
// them), each one's row errors (NIKs, names) before its document, so that
// none is left without its import; it returns how many it removed. Pending
// imports stay.
func (s *Store) PruneRosterImports(ctx context.Context, before time.Time) (int, error) {
	cur, err := s.db.Collection(colRosterImports).Find(ctx,
		bson.D{{Key: "pending", Value: false}, {Key: "_id", Value: bson.D{{Key: "$lt", Value: fmt.Sprintf("ri%012x", before.UnixMilli())}}}},
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "error_chunks", Value: 1}}))
	if err != nil {
		return 0, fmt.Errorf("list old roster imports: %w", err)
	}
	var docs []rosterImportDoc
	if err := cur.All(ctx, &docs); err != nil {
		return 0, fmt.Errorf("list old roster imports: %w", err)
	}
	for i, d := range docs {
		for seq := range d.ErrorChunks {
			if _, err := s.db.Collection(colRosterImportErrors).DeleteOne(ctx, bson.D{{Key: "_id", Value: importChunkID(d.ID, "e", seq)}}); err != nil {
				return i, fmt.Errorf("remove the row errors of roster import %s: %w", d.ID, err)
			}
		}
		if _, err := s.db.Collection(colRosterImports).DeleteOne(ctx, bson.D{{Key: "_id", Value: d.ID}}); err != nil {
			return i, fmt.Errorf("remove roster import %s: %w", d.ID, err)
		}
	}
	return len(docs), nil
}
