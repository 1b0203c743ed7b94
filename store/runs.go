package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/store/memindex"
)

// runDoc is a sync run as stored in sync_runs.
type runDoc struct {
	ID           string    `bson:"_id"`
	Feed         string    `bson:"feed"`
	Trigger      string    `bson:"trigger"`
	Status       string    `bson:"status"`
	StartedAt    time.Time `bson:"started_at"`
	FinishedAt   time.Time `bson:"finished_at"`
	UpdatedSince time.Time `bson:"updated_since"`
	Checkpoint   time.Time `bson:"checkpoint"`
	AsOf         time.Time `bson:"as_of"`
	Error        string    `bson:"error"`
	Counts       countsDoc `bson:"counts"`
	Total        int64     `bson:"total"`
	TotalKnown   bool      `bson:"total_known"`
	HeartbeatAt  time.Time `bson:"heartbeat_at"`
	Owner        string    `bson:"owner"`
	Generation   int64     `bson:"generation"`
	Tick         time.Time `bson:"tick"`
}

type countsDoc struct {
	Pages       int64 `bson:"pages"`
	Read        int64 `bson:"read"`
	Inserted    int64 `bson:"inserted"`
	Updated     int64 `bson:"updated"`
	Unchanged   int64 `bson:"unchanged"`
	Deleted     int64 `bson:"deleted"`
	Quarantined int64 `bson:"quarantined"`
}

func toRunDoc(r coverage.SyncRun) runDoc {
	return runDoc{
		ID: r.ID, Feed: string(r.Feed), Trigger: r.Trigger, Status: string(r.Status),
		StartedAt: r.StartedAt, FinishedAt: r.FinishedAt, UpdatedSince: r.UpdatedSince,
		Checkpoint: r.Checkpoint, AsOf: r.AsOf, Error: r.Error, Counts: countsDoc(r.Counts),
		Total: r.Total, TotalKnown: r.TotalKnown, HeartbeatAt: r.HeartbeatAt, Owner: r.Owner, Generation: r.Generation, Tick: r.Tick,
	}
}

func (d runDoc) run() coverage.SyncRun {
	return coverage.SyncRun{
		ID: d.ID, Feed: coverage.Feed(d.Feed), Trigger: d.Trigger, Status: coverage.RunStatus(d.Status),
		StartedAt: d.StartedAt, FinishedAt: d.FinishedAt, UpdatedSince: d.UpdatedSince,
		Checkpoint: d.Checkpoint, AsOf: d.AsOf, Error: d.Error, Counts: coverage.SyncCounts(d.Counts),
		Total: d.Total, TotalKnown: d.TotalKnown, HeartbeatAt: d.HeartbeatAt, Owner: d.Owner, Generation: d.Generation, Tick: d.Tick,
	}
}

// SaveRun writes a sync run, creating it or replacing its previous state. A
// run that has ended (FAILED as abandoned by another process, say) is not
// brought back to RUNNING: the write is refused with ECONFLICT.
func (s *Store) SaveRun(ctx context.Context, r coverage.SyncRun) error {
	filter := bson.D{{Key: "_id", Value: r.ID}}
	if r.Status == coverage.RunRunning {
		filter = append(filter, bson.E{Key: "status", Value: string(coverage.RunRunning)})
	}
	_, err := s.db.Collection(colSyncRuns).ReplaceOne(ctx, filter, toRunDoc(r), options.Replace().SetUpsert(true))
	if mongo.IsDuplicateKeyError(err) {
		return coverage.Errorf(coverage.ECONFLICT, "sync run %s has ended in another process; this one stops", r.ID)
	}
	if err != nil {
		return fmt.Errorf("save sync run %s: %w", r.ID, err)
	}
	return nil
}

// LatestSucceededRun returns a feed's newest SUCCEEDED sync run, however many
// runs failed since; nil when it never succeeded.
func (s *Store) LatestSucceededRun(ctx context.Context, feed coverage.Feed) (*coverage.SyncRun, error) {
	var d runDoc
	err := s.db.Collection(colSyncRuns).FindOne(ctx,
		bson.D{{Key: "feed", Value: string(feed)}, {Key: "status", Value: string(coverage.RunSucceeded)}},
		options.FindOne().SetSort(bson.D{{Key: "started_at", Value: -1}, {Key: "_id", Value: -1}})).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("find the latest successful %s run: %w", feed, err)
	}
	r := d.run()
	return &r, nil
}

// SyncRuns returns the latest runs, newest first, of one feed or of all ("").
func (s *Store) SyncRuns(ctx context.Context, feed coverage.Feed, first int) ([]coverage.SyncRun, error) {
	if first <= 0 || first > coverage.MaxPageSize {
		return nil, coverage.Errorf(coverage.EINVALID, "first must be between 1 and %d, got %d", coverage.MaxPageSize, first)
	}
	var q query
	eq(&q, "feed", feed)
	opts := options.Find().SetSort(bson.D{{Key: "started_at", Value: -1}, {Key: "_id", Value: -1}}).SetLimit(int64(first))
	cur, err := s.db.Collection(colSyncRuns).Find(ctx, q.doc(), opts)
	if err != nil {
		return nil, fmt.Errorf("find sync runs: %w", err)
	}
	var docs []runDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("read sync runs: %w", err)
	}
	out := make([]coverage.SyncRun, len(docs))
	for i, d := range docs {
		out[i] = d.run()
	}
	return out, nil
}

// checkpointDoc is a feed's incremental position: the next run asks for
// records with updated_at >= UpdatedSince.
type checkpointDoc struct {
	Feed         string    `bson:"_id"`
	UpdatedSince time.Time `bson:"updated_since"`
	RunID        string    `bson:"run_id"`
	SavedAt      time.Time `bson:"saved_at"`
	Generation   int64     `bson:"generation"` // of the lease the run held
}

// Checkpoint returns the feed's saved updated_since, or the zero time when the
// feed was never synced.
func (s *Store) Checkpoint(ctx context.Context, feed coverage.Feed) (time.Time, error) {
	var d checkpointDoc
	err := s.db.Collection(colCheckpoints).FindOne(ctx, bson.D{{Key: "_id", Value: string(feed)}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("read checkpoint of %s: %w", feed, err)
	}
	return d.UpdatedSince, nil
}

// SaveCheckpoint records the feed's position. Callers save it only after the
// writes of every record before it are acknowledged. It is fenced by the
// generation of the caller's lease: a checkpoint saved under a newer generation
// is never overwritten by an older one (ErrLeaseLost, ECONFLICT).
func (s *Store) SaveCheckpoint(ctx context.Context, feed coverage.Feed, updatedSince time.Time, runID string, generation int64) error {
	if lost, err := s.superseded(ctx, string(feed), generation); err != nil || lost {
		if err == nil {
			err = lostLease(string(feed), generation)
		}
		return err
	}
	d := checkpointDoc{Feed: string(feed), UpdatedSince: updatedSince.UTC(), RunID: runID, SavedAt: time.Now().UTC(), Generation: generation}
	filter := bson.D{{Key: "_id", Value: d.Feed}, {Key: "$or", Value: bson.A{
		bson.D{{Key: "generation", Value: bson.D{{Key: "$lte", Value: generation}}}},
		bson.D{{Key: "generation", Value: bson.D{{Key: "$exists", Value: false}}}}, // saved before leases
	}}}
	_, err := s.db.Collection(colCheckpoints).ReplaceOne(ctx, filter, d, options.Replace().SetUpsert(true))
	if mongo.IsDuplicateKeyError(err) {
		return &coverage.Error{Code: coverage.ECONFLICT, Err: ErrLeaseLost,
			Message: fmt.Sprintf("checkpoint of %s was saved under a newer lease than generation %d: this run's writes are refused", feed, generation)}
	}
	if err != nil {
		return fmt.Errorf("save checkpoint of %s: %w", feed, err)
	}
	return nil
}

// quarantineDoc is a rejected record. Its _id is the feed and a hash of the raw
// record, so the same bad record read again is one document, not many.
type quarantineDoc struct {
	ID        string    `bson:"_id"`
	Feed      string    `bson:"feed"`
	RunID     string    `bson:"run_id"`
	Key       string    `bson:"key"`
	Raw       string    `bson:"raw"`
	Reason    string    `bson:"reason"`
	FirstSeen time.Time `bson:"first_seen"`
}

// QuarantineID is the identity of a quarantined record.
func QuarantineID(feed coverage.Feed, raw string) string {
	sum := sha256.Sum256([]byte(raw))
	return string(feed) + ":" + hex.EncodeToString(sum[:12])
}

// AddQuarantined keeps records that failed validation, with their reason and
// the run that first met them. A record already kept is left as it is, so a
// repeated sync writes nothing.
func (s *Store) AddQuarantined(ctx context.Context, qs []coverage.Quarantined) error {
	if len(qs) == 0 {
		return nil
	}
	docs := make([]any, len(qs))
	for i, q := range qs {
		docs[i] = quarantineDoc{
			ID: QuarantineID(q.Feed, q.Raw), Feed: string(q.Feed), RunID: q.RunID, Key: q.Key,
			Raw: q.Raw, Reason: q.Reason, FirstSeen: q.ReceivedAt.UTC(),
		}
	}
	_, err := s.db.Collection(colQuarantine).InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if err := ignoreDuplicates(err); err != nil {
		err = fmt.Errorf("quarantine records: %w", err)
		return errors.Join(err, s.refresh(ctx, colQuarantine, quarantineIDs(docs)))
	}
	return s.refresh(ctx, colQuarantine, quarantineIDs(docs))
}

func quarantineIDs(docs []any) []string {
	ids := make([]string, len(docs))
	for i, d := range docs {
		ids[i] = d.(quarantineDoc).ID
	}
	return ids
}

// ignoreDuplicates returns nil for an insert whose only failures are keys that
// already exist.
func ignoreDuplicates(err error) error {
	var bwe mongo.BulkWriteException
	if err == nil || !errors.As(err, &bwe) || bwe.WriteConcernError != nil {
		return err
	}
	for _, we := range bwe.WriteErrors {
		if !mongo.IsDuplicateKeyError(we) {
			return err
		}
	}
	return nil
}

// Quarantine lists quarantined records.
func (s *Store) Quarantine(ctx context.Context, f coverage.QuarantineFilter, p coverage.PageRequest) (coverage.Page[coverage.Quarantined], error) {
	if s.mem != nil {
		return memPage(ctx, s, listQuarantine, p, s.decodeQuarantined, func(p coverage.PageRequest) (memindex.Result, error) {
			return s.mem.Quarantine(f, p)
		})
	}
	var q query
	eq(&q, "feed", f.Feed)
	eq(&q, "run_id", f.RunID)
	docs, err := page[quarantineDoc](ctx, s, listQuarantine, q, p)
	out := coverage.Page[coverage.Quarantined]{Cursors: docs.Cursors, TotalCount: docs.TotalCount, HasNextPage: docs.HasNextPage}
	for _, d := range docs.Items {
		out.Items = append(out.Items, d.quarantined())
	}
	return out, err
}

func (d quarantineDoc) quarantined() coverage.Quarantined {
	return coverage.Quarantined{ID: d.ID, Feed: coverage.Feed(d.Feed), RunID: d.RunID, Key: d.Key, Raw: d.Raw, Reason: d.Reason, ReceivedAt: d.FirstSeen}
}
