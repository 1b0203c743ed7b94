package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/cilegon/jamsostek/coverage"
)

// Record is one validated feed record to write: a pointer to a coverage record
// type (Participant, Contribution, ...) under its natural key, or a tombstone.
type Record struct {
	Key     string
	Value   any
	Deleted bool
	// UpdatedAt is the record's (or tombstone's) updated_at. A stored record
	// with a newer one is left alone: a late or replayed page never overwrites
	// or deletes a newer version. Zero skips the check.
	UpdatedAt time.Time

	enc *encoded // the document as stored, when Encode made it
}

// encoded is a record's document and content hash, made ahead of Apply.
type encoded struct {
	doc  bson.D
	hash string
}

// Encode makes the documents Apply will write for records, ahead of Apply:
// a sync encodes the next page while the database writes this one. now is
// their _synced_at. A record's Value must not change after. A record that
// does not encode is left to Apply, which reports it.
func Encode(recs []Record, now time.Time) {
	for i := range recs {
		r := &recs[i]
		if r.Deleted || r.enc != nil {
			continue
		}
		if doc, hash, err := document(*r, now); err == nil {
			r.enc = &encoded{doc: doc, hash: hash}
		}
	}
}

// Fields the store adds to every record document.
const (
	fieldHash     = "_hash"      // content hash of the record, to skip unchanged writes
	fieldSyncedAt = "_synced_at" // when the record was last written
	fieldArrears  = "arrears"    // contributions: amount_due - amount_paid, for unpaid filters
	// participants: the declared incomes seen, ascending ({at, income}): the
	// first the record was stored with, then one each time a write changed
	// declared_income (at: the Asia/Jakarta date of the record's updated_at)
	fieldIncomeHistory = "income_history"
)

// incomeDoc is an entry of a participant's income_history.
type incomeDoc struct {
	At     string `bson:"at"`
	Income int64  `bson:"income"`
}

// wib is Asia/Jakarta's time (UTC+7, no daylight saving since 1964).
var wib = time.FixedZone("WIB", 7*60*60)

// incomeChange is the entry a participant record brings.
func incomeChange(p *coverage.Participant) incomeDoc {
	return incomeDoc{At: string(coverage.DateOf(p.UpdatedAt.In(wib))), Income: p.DeclaredIncome}
}

// nextIncomeHistory is the history after a write of p over the stored
// version: the entry of p appended when its income differs from the last
// one. A record stored before histories were kept starts from its stored
// income.
func nextIncomeHistory(st storedVersion, p *coverage.Participant) []incomeDoc {
	h := slices.Clone(st.incomeHistory)
	if len(h) == 0 && st.hasIncome {
		h = append(h, incomeDoc{At: string(coverage.DateOf(st.updatedAt.In(wib))), Income: st.declaredIncome})
	}
	if len(h) == 0 || h[len(h)-1].Income != p.DeclaredIncome {
		h = append(h, incomeChange(p))
	}
	return h
}

// setField replaces (or appends) a field of a document.
func setField(doc bson.D, key string, v any) bson.D {
	for i := range doc {
		if doc[i].Key == key {
			doc[i].Value = v
			return doc
		}
	}
	return append(doc, bson.E{Key: key, Value: v})
}

// Apply writes one page of a feed idempotently and returns what it did: new
// records are inserted, changed ones replaced, unchanged ones left alone,
// tombstones deleted. A key repeated within the page counts once for its last
// occurrence and as unchanged for the others. The page's writes are all
// acknowledged when Apply returns nil; on error some may have happened, and
// applying the same page again completes them.
func (s *Store) Apply(ctx context.Context, feed coverage.Feed, recs []Record) (coverage.SyncCounts, error) {
	var counts coverage.SyncCounts
	name, ok := feedCollection[feed]
	if !ok {
		return counts, coverage.Errorf(coverage.EINVALID, "unknown feed %q", feed)
	}
	col := s.db.Collection(name)

	// Last occurrence of each key wins.
	last := make(map[string]int, len(recs))
	for i, r := range recs {
		last[r.Key] = i
	}
	var upserts []upsert
	var deletes []Record
	now := time.Now().UTC()
	for i, r := range recs {
		switch {
		case last[r.Key] != i:
			counts.Unchanged++
		case r.Deleted:
			deletes = append(deletes, r)
		case r.enc != nil:
			upserts = append(upserts, upsert{value: r.Value, key: r.Key, hash: r.enc.hash, doc: r.enc.doc, updatedAt: r.UpdatedAt})
		default:
			doc, hash, err := document(r, now)
			if err != nil {
				// Never the key: a roster key is NIK:CATEGORY, and the
				// error ends up in SyncRun.error.
				return counts, fmt.Errorf("encode %s record %d of %d: %w", feed, i+1, len(recs), err)
			}
			upserts = append(upserts, upsert{value: r.Value, key: r.Key, hash: hash, doc: doc, updatedAt: r.UpdatedAt})
		}
	}
	var w written
	err := s.applyDeletes(ctx, col, deletes, &counts, &w)
	if err != nil {
		err = fmt.Errorf("delete %s: %w", feed, err)
	} else if err = s.applyUpserts(ctx, col, upserts, &counts, &w); err != nil {
		err = fmt.Errorf("write %s: %w", feed, err)
	}
	if s.mem == nil {
		return counts, err
	}
	if err != nil {
		// Some writes may have landed: read the page's keys back.
		keys := make([]string, 0, len(last))
		for k := range last {
			keys = append(keys, k)
		}
		return counts, errors.Join(err, s.refresh(ctx, name, keys))
	}
	if s.mem.Loading() {
		s.memMu.Lock() // after a load's re-reads (loadIndex)
		defer s.memMu.Unlock()
	}
	s.mem.Delete(indexedCollections[name].list, w.deleted)
	putRecords(s.mem, w.put)
	return counts, nil
}

// written is what a page's writes changed, for the in-memory index.
type written struct {
	put     []any // the records inserted or replaced (Record.Value)
	deleted []string
}

type upsert struct {
	value     any // the record (Record.Value)
	key       string
	hash      string
	doc       bson.D
	updatedAt time.Time
}

// document encodes a record as stored: _id, the record's fields under their feed
// names, derived fields, the content hash and the write time.
func document(r Record, now time.Time) (bson.D, string, error) {
	canon, err := json.Marshal(r.Value)
	if err != nil {
		return nil, "", err
	}
	sum := sha256.Sum256(canon)
	hash := hex.EncodeToString(sum[:16])

	var buf bytes.Buffer
	vw := bson.NewDocumentWriter(&buf)
	enc := bson.NewEncoder(vw)
	enc.UseJSONStructTags()
	enc.NilSliceAsEmpty()
	if err := enc.Encode(r.Value); err != nil {
		return nil, "", err
	}
	elems, err := bson.Raw(buf.Bytes()).Elements()
	if err != nil {
		return nil, "", err
	}
	doc := make(bson.D, 0, len(elems)+4)
	doc = append(doc, bson.E{Key: "_id", Value: r.Key})
	for _, e := range elems {
		doc = append(doc, bson.E{Key: e.Key(), Value: e.Value()})
	}
	if c, ok := r.Value.(*coverage.Contribution); ok {
		doc = append(doc, bson.E{Key: fieldArrears, Value: c.AmountDue - c.AmountPaid})
	}
	if p, ok := r.Value.(*coverage.Participant); ok { // a new record's; a write over a stored one sets it again (applyUpserts)
		doc = append(doc, bson.E{Key: fieldIncomeHistory, Value: []incomeDoc{incomeChange(p)}})
	}
	doc = append(doc, bson.E{Key: fieldHash, Value: hash}, bson.E{Key: fieldSyncedAt, Value: now})
	return doc, hash, nil
}

// applyDeletes removes the records of tombstones, except those stored with a
// newer updated_at than their tombstone's.
func (s *Store) applyDeletes(ctx context.Context, col *mongo.Collection, tombs []Record, counts *coverage.SyncCounts, w *written) error {
	if len(tombs) == 0 {
		return nil
	}
	keys := make([]string, len(tombs))
	for i, t := range tombs {
		keys[i] = t.Key
	}
	stored, err := s.hashes(ctx, col, keys)
	if err != nil {
		return err
	}
	var models []mongo.WriteModel
	for _, t := range tombs {
		if st, ok := stored[t.Key]; !ok || newer(st.updatedAt, t.UpdatedAt) {
			counts.Unchanged++
			continue
		}
		models = append(models, mongo.NewDeleteOneModel().SetFilter(bson.D{{Key: "_id", Value: t.Key}}))
		w.deleted = append(w.deleted, t.Key)
	}
	if len(models) == 0 {
		return nil
	}
	res, err := col.BulkWrite(ctx, models, options.BulkWrite().SetOrdered(false))
	if err != nil {
		return err
	}
	counts.Deleted += res.DeletedCount
	counts.Unchanged += int64(len(models)) - res.DeletedCount
	return nil
}

// newer reports whether a stored updated_at is after an incoming one; a zero
// incoming time is never older.
func newer(stored, incoming time.Time) bool {
	return !incoming.IsZero() && stored.After(incoming)
}

// applyUpserts inserts every record first (one round trip for new records, the
// common case of a first sync), then, for the keys that already exist, reads
// their hashes and replaces only those whose content changed.
func (s *Store) applyUpserts(ctx context.Context, col *mongo.Collection, ups []upsert, counts *coverage.SyncCounts, w *written) error {
	if len(ups) == 0 {
		return nil
	}
	docs := make([]any, len(ups))
	for i, u := range ups {
		docs[i] = u.doc
	}
	existing := map[int]bool{}
	_, err := col.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if err != nil {
		var bwe mongo.BulkWriteException
		if !errors.As(err, &bwe) || bwe.WriteConcernError != nil {
			return err
		}
		for _, we := range bwe.WriteErrors {
			if !mongo.IsDuplicateKeyError(we) {
				// Never the key (a roster key is NIK:CATEGORY) nor the
				// server's message, which may quote it: the position and
				// the code.
				return fmt.Errorf("insert record %d of %d refused (code %d)", we.Index+1, len(ups), we.Code)
			}
			existing[we.Index] = true
		}
	}
	counts.Inserted += int64(len(ups) - len(existing))
	for i, u := range ups {
		if !existing[i] {
			w.put = append(w.put, u.value)
		}
	}
	if len(existing) == 0 {
		return nil
	}
	keys := make([]string, 0, len(existing))
	for i := range existing {
		keys = append(keys, ups[i].key)
	}
	hashes, err := s.hashes(ctx, col, keys)
	if err != nil {
		return err
	}
	var models []mongo.WriteModel
	for i := range existing {
		u := ups[i]
		if st, ok := hashes[u.key]; ok && (st.hash == u.hash || newer(st.updatedAt, u.updatedAt)) {
			counts.Unchanged++
			continue
		}
		doc := u.doc
		if p, ok := u.value.(*coverage.Participant); ok {
			doc = setField(slices.Clone(doc), fieldIncomeHistory, nextIncomeHistory(hashes[u.key], p))
		}
		// Upsert: the record may have been deleted since the insert failed.
		models = append(models, mongo.NewReplaceOneModel().
			SetFilter(bson.D{{Key: "_id", Value: u.key}}).SetReplacement(doc).SetUpsert(true))
		w.put = append(w.put, u.value)
	}
	if len(models) == 0 {
		return nil
	}
	if err := s.bulkWrite(ctx, col, models); err != nil {
		return err
	}
	counts.Updated += int64(len(models))
	return nil
}

// maxEmbeddedUpdates bounds the update statements sent in one command to the
// embedded engine. FerretDB 1.24 keeps every statement's query open until the
// whole update command ends (a defer inside its loop, msg_update.go), each on its
// own SQLite connection out of a pool of 100: a command of more than 100
// statements waits for a connection that never frees, and hangs.
const maxEmbeddedUpdates = 50

// bulkWrite runs unordered write models, in batches the engine can take.
func (s *Store) bulkWrite(ctx context.Context, col *mongo.Collection, models []mongo.WriteModel) error {
	batch := len(models)
	if s.idLookups {
		batch = maxEmbeddedUpdates
	}
	for len(models) > 0 {
		n := min(batch, len(models))
		if _, err := col.BulkWrite(ctx, models[:n], options.BulkWrite().SetOrdered(false)); err != nil {
			return err
		}
		models = models[n:]
	}
	return nil
}

// storedVersion is what a write compares with before replacing a record
// (and, of a participant, what its income history goes on from).
type storedVersion struct {
	hash           string
	updatedAt      time.Time
	incomeHistory  []incomeDoc
	declaredIncome int64
	hasIncome      bool
}

// hashes returns the stored content hash and updated_at of each existing key.
func (s *Store) hashes(ctx context.Context, col *mongo.Collection, keys []string) (map[string]storedVersion, error) {
	out := make(map[string]storedVersion, len(keys))
	projection := bson.D{{Key: fieldHash, Value: 1}, {Key: "updated_at", Value: 1}}
	participants := col.Name() == colParticipants
	if participants {
		projection = append(projection, bson.E{Key: fieldIncomeHistory, Value: 1}, bson.E{Key: "declared_income", Value: 1})
	}
	proj := options.Find().SetProjection(projection)
	type versionRow struct {
		ID             string      `bson:"_id"`
		Hash           string      `bson:"_hash"`
		UpdatedAt      time.Time   `bson:"updated_at"`
		IncomeHistory  []incomeDoc `bson:"income_history"`
		DeclaredIncome *int64      `bson:"declared_income"`
	}
	version := func(r versionRow) storedVersion {
		v := storedVersion{hash: r.Hash, updatedAt: r.UpdatedAt, incomeHistory: r.IncomeHistory}
		if r.DeclaredIncome != nil {
			v.declaredIncome, v.hasIncome = *r.DeclaredIncome, true
		}
		return v
	}
	var row versionRow
	if !s.idLookups {
		cur, err := col.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: keys}}}}, proj)
		if err != nil {
			return nil, err
		}
		defer cur.Close(ctx)
		for cur.Next(ctx) {
			row = versionRow{}
			if err := cur.Decode(&row); err != nil {
				return nil, err
			}
			out[row.ID] = version(row)
		}
		return out, cur.Err()
	}
	one := options.FindOne().SetProjection(projection)
	for _, k := range keys {
		row = versionRow{}
		err := col.FindOne(ctx, bson.D{{Key: "_id", Value: k}}, one).Decode(&row)
		if errors.Is(err, mongo.ErrNoDocuments) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[row.ID] = version(row)
	}
	return out, nil
}

// Documents encodes records as Apply stores them (the record's fields, the
// derived fields, _hash and _synced_at), for measuring the engine's own
// InsertMany of the same documents (jamsostek bench). Tombstones are skipped.
func Documents(recs []Record, now time.Time) ([]any, error) {
	out := make([]any, 0, len(recs))
	for i, r := range recs {
		if r.Deleted {
			continue
		}
		doc, _, err := document(r, now)
		if err != nil {
			return nil, fmt.Errorf("encode record %d of %d: %w", i+1, len(recs), err)
		}
		out = append(out, doc)
	}
	return out, nil
}

// InsertDocuments inserts documents (of Documents) into a feed's collection
// with one unordered InsertMany, the driver splitting it into commands, and
// nothing else: no hash check, no in-memory index. It is the baseline a sync
// is measured against, in a database of its own.
func (s *Store) InsertDocuments(ctx context.Context, feed coverage.Feed, docs []any) error {
	name, ok := feedCollection[feed]
	if !ok {
		return coverage.Errorf(coverage.EINVALID, "unknown feed %q", feed)
	}
	if len(docs) == 0 {
		return nil
	}
	_, err := s.db.Collection(name).InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	return err
}
